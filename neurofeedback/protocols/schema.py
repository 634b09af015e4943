"""Protocol files: TOML in ``protocols/``, read with :mod:`tomllib` and validated field by field.

Every problem becomes one :class:`~neurofeedback.errors.ProtocolError` whose message names the
file, the key path (e.g. ``phases[2].duration_s``), what is allowed and what was found. The format
is documented in :data:`FORMAT_DOC` and in the README.

Example::

    name = "quick-demo"
    description = "Two minutes: baseline, training, rest, training, closing baseline."
    integration_band = [4.0, 8.0]

    [feedback]
    mapping = "both"

    [reward]
    target_rate = 0.6
    min_threshold = 0.1
    max_threshold = 0.9

    [[phases]]
    kind = "baseline-eyes-closed"
    duration_s = 30
    instruction = "Close your eyes and rest."
"""

from __future__ import annotations

import difflib
import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ProtocolError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PHASE_KINDS: tuple[str, ...] = ("baseline-eyes-open", "baseline-eyes-closed", "training", "rest")
SCORES: tuple[str, ...] = ("meditation", "integration", "alpha-theta")
MAPPINGS: tuple[str, ...] = ("visual", "audio", "both")
#: How quickly the feedback scores follow the brain, and the pipeline settings each choice
#: means: ``meditation_segments`` (the meditation score's energy from the analysis window's
#: last k 1-s Welch segments, 0 = all of them) and ``integration_pool_s`` (the span of 2-s
#: windows the integration score's synchrony pools). Faster means more frame-to-frame jitter;
#: docs/latency.md measures both.
RESPONSES: dict[str, dict[str, Any]] = {
    "steady": {"meditation_segments": 0, "integration_pool_s": 1.0},
    "balanced": {"meditation_segments": 2, "integration_pool_s": 0.8},
    "fast": {"meditation_segments": 1, "integration_pool_s": 0.5},
}

TOP_KEYS: tuple[str, ...] = (
    "name", "description", "integration_band", "feedback", "reward", "phases",
)
FEEDBACK_KEYS: tuple[str, ...] = ("mapping", "response")
REWARD_KEYS: tuple[str, ...] = (
    "target_rate",
    "initial_threshold",
    "min_threshold",
    "max_threshold",
    "adapt_window_s",
    "warmup_s",
    "sustain_s",
)
PHASE_KEYS: tuple[str, ...] = ("kind", "duration_s", "instruction", "label", "score", "reward")


@dataclass(frozen=True)
class RewardRule:
    """How a training phase decides when to reward.

    Attributes
    ----------
    target_rate : float
        Share of clean training time, 0 < x < 1, that the adaptive threshold aims to keep the
        score above (0.6 = the score is above threshold 60 % of the time).
    initial_threshold : float
        Threshold (score units, 0..1) used until ``warmup_s`` of clean scores have been seen.
    min_threshold, max_threshold : float
        Limits the adaptive threshold is clamped to, 0 <= min < max <= 1.
    adapt_window_s : float
        Length of the recent-score window the threshold is computed from, seconds (> 0).
    warmup_s : float
        Clean training seconds needed before the threshold starts adapting (>= 0).
    sustain_s : float
        The score must stay above threshold this long before the reward turns on (>= 0 s);
        it turns off at once when the score drops or an artifact appears.
    """

    target_rate: float = 0.6
    initial_threshold: float = 0.5
    min_threshold: float = 0.05
    max_threshold: float = 0.95
    adapt_window_s: float = 30.0
    warmup_s: float = 5.0
    sustain_s: float = 0.2

    def to_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in REWARD_KEYS}


@dataclass(frozen=True)
class Phase:
    """One step of a protocol.

    Attributes
    ----------
    kind : str
        One of :data:`PHASE_KINDS`.
    duration_s : float
        Length in seconds (> 0).
    instruction : str
        Text shown (and printed headless) to the person during the phase.
    label : str
        Name used in markers, ``phase:<label>:start``; default ``<kind>-<n>`` (n counts phases of
        that kind from 1).
    score : str or None
        Score fed back in a training phase (one of :data:`SCORES`); None for other kinds.
    reward : RewardRule or None
        Reward rule of a training phase (the protocol's ``[reward]`` with this phase's overrides).
    overrides : dict
        The keys this phase's ``reward`` table overrode (kept for :meth:`Protocol.to_dict`).
    """

    kind: str
    duration_s: float
    instruction: str
    label: str
    score: str | None = None
    reward: RewardRule | None = None
    overrides: dict[str, float] = field(default_factory=dict)

    @property
    def is_training(self) -> bool:
        return self.kind == "training"

    @property
    def is_baseline(self) -> bool:
        return self.kind.startswith("baseline")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "duration_s": self.duration_s,
            "instruction": self.instruction,
            "label": self.label,
        }
        if self.score is not None:
            d["score"] = self.score
        if self.overrides:
            d["reward"] = dict(self.overrides)
        return d


@dataclass(frozen=True)
class Protocol:
    """A validated protocol.

    Attributes
    ----------
    name, description : str
    integration_band : tuple of float
        (low, high) in Hz of the band synchrony is measured in.
    mapping : str
        Feedback channel, one of :data:`MAPPINGS`.
    response : str
        How quickly the feedback scores follow the brain, one of :data:`RESPONSES`
        (``steady``, the default, is the pipeline's default windows).
    reward : RewardRule
        Protocol-wide reward rule (phases may override parts of it).
    phases : tuple of Phase
    path : str
        File it was read from ("" when built from a dict).
    """

    name: str
    description: str
    integration_band: tuple[float, float]
    mapping: str
    reward: RewardRule
    phases: tuple[Phase, ...]
    path: str = ""
    response: str = "steady"

    def pipeline_settings(self) -> dict[str, Any]:
        """The :class:`~neurofeedback.pipeline.config.PipelineConfig` fields this protocol sets
        (its integration band and feedback response); the same for a live session and for any
        later analysis of its recording."""
        return {
            "integration_band": (float(self.integration_band[0]), float(self.integration_band[1])),
            **RESPONSES[self.response],
        }

    @property
    def duration_s(self) -> float:
        """Total length in seconds."""
        return float(sum(p.duration_s for p in self.phases))

    @property
    def phase_starts(self) -> list[float]:
        """Start of each phase in seconds from the protocol start."""
        starts, t = [], 0.0
        for p in self.phases:
            starts.append(t)
            t += p.duration_s
        return starts

    @property
    def scores(self) -> tuple[str, ...]:
        """Scores the training phases feed back, in order of first use."""
        out: list[str] = []
        for p in self.phases:
            if p.score and p.score not in out:
                out.append(p.score)
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (for ``session.json``); :func:`protocol_from_dict` reads it back."""
        return {
            "name": self.name,
            "description": self.description,
            "integration_band": list(self.integration_band),
            "feedback": {"mapping": self.mapping, "response": self.response},
            "reward": self.reward.to_dict(),
            "phases": [p.to_dict() for p in self.phases],
            "path": self.path,
        }


# -- validation -----------------------------------------------------------------------------
class _Checker:
    """Builds one-line error messages that name the file and the key path."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, allowed: str, found: Any) -> ProtocolError:
        return ProtocolError(
            f"{self.source}: {key} must be {allowed}; found {_show(found)}"
        )

    def table(self, obj: Any, key: str) -> dict[str, Any]:
        if not isinstance(obj, dict):
            return self._raise(key, "a table", obj)
        return obj

    def keys(self, obj: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for k in obj:
            if k not in allowed:
                path = f"{where}.{k}" if where else k
                near = difflib.get_close_matches(k, allowed, n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                raise ProtocolError(
                    f"{self.source}: unknown key '{path}'{hint}; allowed keys"
                    f"{' in ' + where if where else ''}: {', '.join(allowed)}"
                )

    def required(self, obj: dict[str, Any], k: str, where: str, allowed: str) -> Any:
        if k not in obj:
            path = f"{where}.{k}" if where else k
            raise ProtocolError(f"{self.source}: missing required key '{path}' ({allowed})")
        return obj[k]

    def string(self, value: Any, key: str, *, nonempty: bool = True) -> str:
        if not isinstance(value, str) or (nonempty and not value.strip()):
            self._raise(key, "a non-empty string" if nonempty else "a string", value)
        return value

    def number(self, value: Any, key: str, *, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False, hi_open: bool = False) -> float:
        desc = "a number"
        if lo is not None and hi is not None:
            desc += f" {'>' if lo_open else '>='} {lo:g} and {'<' if hi_open else '<='} {hi:g}"
        elif lo is not None:
            desc += f" {'>' if lo_open else '>='} {lo:g}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._raise(key, desc, value)
        v = float(value)
        bad = not math.isfinite(v)
        if lo is not None:
            bad |= v <= lo if lo_open else v < lo
        if hi is not None:
            bad |= v >= hi if hi_open else v > hi
        if bad:
            self._raise(key, desc, value)
        return v

    def choice(self, value: Any, key: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            self._raise(key, "one of " + ", ".join(f'"{a}"' for a in allowed), value)
        return value

    def _raise(self, key: str, allowed: str, found: Any) -> Any:
        raise self.fail(key, allowed, found)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f'"{value}" (a string)'
    if isinstance(value, (int, float)):
        return f"{value!r}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    return f"{value!r} ({type(value).__name__})"


def _reward(ck: _Checker, obj: dict[str, Any], base: RewardRule, where: str) -> RewardRule:
    ck.keys(obj, REWARD_KEYS, where)
    vals: dict[str, float] = {}
    bounds = {
        "target_rate": {"lo": 0.0, "hi": 1.0, "lo_open": True, "hi_open": True},
        "initial_threshold": {"lo": 0.0, "hi": 1.0},
        "min_threshold": {"lo": 0.0, "hi": 1.0},
        "max_threshold": {"lo": 0.0, "hi": 1.0},
        "adapt_window_s": {"lo": 0.0, "lo_open": True},
        "warmup_s": {"lo": 0.0},
        "sustain_s": {"lo": 0.0},
    }
    for k, v in obj.items():
        vals[k] = ck.number(v, f"{where}.{k}", **bounds[k])
    rule = replace(base, **vals)
    if rule.min_threshold >= rule.max_threshold:
        key = f"{where}.max_threshold" if "max_threshold" in obj else f"{where}.min_threshold"
        raise ck.fail(key, "such that min_threshold < max_threshold",
                      f"min_threshold={rule.min_threshold:g}, max_threshold={rule.max_threshold:g}")
    if not rule.min_threshold <= rule.initial_threshold <= rule.max_threshold:
        raise ck.fail(f"{where}.initial_threshold",
                      f"between min_threshold {rule.min_threshold:g} and max_threshold "
                      f"{rule.max_threshold:g}", rule.initial_threshold)
    return rule


def validate_protocol(data: Any, source: str) -> Protocol:
    """Validate parsed TOML (a dict) and build a :class:`Protocol`.

    Parameters
    ----------
    data : dict
        The parsed file.
    source : str
        Name used in error messages (usually the file path).

    Raises
    ------
    ProtocolError
        On the first problem found, naming ``source``, the key path, what is allowed and what
        was found.
    """
    ck = _Checker(source)
    data = ck.table(data, "the file")
    ck.keys(data, TOP_KEYS, "")
    name = ck.string(ck.required(data, "name", "", "a non-empty string"), "name")
    description = ck.string(
        ck.required(data, "description", "", "a non-empty string"), "description"
    )

    band_raw = data.get("integration_band", [4.0, 8.0])
    if not isinstance(band_raw, list) or len(band_raw) != 2:
        ck._raise("integration_band", "an array of two numbers [low_hz, high_hz]", band_raw)
    lo = ck.number(band_raw[0], "integration_band[0]", lo=0.0, lo_open=True)
    hi = ck.number(band_raw[1], "integration_band[1]", lo=0.0, lo_open=True)
    if hi <= lo:
        raise ck.fail("integration_band", "[low_hz, high_hz] with low < high", band_raw)

    feedback = ck.table(data.get("feedback", {}), "feedback")
    ck.keys(feedback, FEEDBACK_KEYS, "feedback")
    mapping = ck.choice(feedback.get("mapping", "visual"), "feedback.mapping", MAPPINGS)
    response = ck.choice(feedback.get("response", "steady"), "feedback.response", tuple(RESPONSES))

    reward = _reward(ck, ck.table(data.get("reward", {}), "reward"), RewardRule(), "reward")

    phases_raw = ck.required(data, "phases", "", "an array of [[phases]] tables")
    if not isinstance(phases_raw, list) or not phases_raw:
        ck._raise("phases", "a non-empty array of [[phases]] tables", phases_raw)
    phases: list[Phase] = []
    counts: dict[str, int] = {}
    labels: set[str] = set()
    for i, raw in enumerate(phases_raw):
        where = f"phases[{i}]"
        raw = ck.table(raw, where)
        ck.keys(raw, PHASE_KEYS, where)
        kind = ck.choice(
            ck.required(raw, "kind", where, "one of " + ", ".join(PHASE_KINDS)),
            f"{where}.kind", PHASE_KINDS,
        )
        duration = ck.number(
            ck.required(raw, "duration_s", where, "a number > 0, seconds"),
            f"{where}.duration_s", lo=0.0, lo_open=True,
        )
        instruction = ck.string(
            ck.required(raw, "instruction", where, "the text shown to the person"),
            f"{where}.instruction",
        )
        counts[kind] = counts.get(kind, 0) + 1
        label = ck.string(raw.get("label", f"{kind}-{counts[kind]}"), f"{where}.label")
        if any(c in label for c in ":,\n") or label in labels:
            ck._raise(f"{where}.label", "unique and without ':', ',' or newlines", label)
        labels.add(label)
        score: str | None = None
        rule: RewardRule | None = None
        overrides: dict[str, float] = {}
        if kind == "training":
            score = ck.choice(
                ck.required(raw, "score", where, 'the score fed back: "meditation", "integration" or "alpha-theta"'),
                f"{where}.score", SCORES,
            )
            over = ck.table(raw.get("reward", {}), f"{where}.reward")
            rule = _reward(ck, over, reward, f"{where}.reward")
            overrides = {k: float(v) for k, v in over.items()}
        else:
            for k in ("score", "reward"):
                if k in raw:
                    raise ck.fail(f"{where}.{k}", f'absent: only "training" phases have a {k} '
                                  f'(this phase is "{kind}")', raw[k])
        phases.append(Phase(kind, duration, instruction, label, score, rule, overrides))

    return Protocol(
        name=name,
        description=description.strip(),
        integration_band=(lo, hi),
        mapping=mapping,
        response=response,
        reward=reward,
        phases=tuple(phases),
        path=source,
    )


def read_protocol_file(path: str | Path) -> Protocol:
    """Read and validate one protocol file.

    Raises
    ------
    ProtocolError
        When the file is missing, unreadable, not valid TOML (the message gives the line) or
        fails validation.
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ProtocolError(f"protocol file {p} does not exist") from None
    except IsADirectoryError:
        raise ProtocolError(f"protocol file {p} is a folder, not a .toml file") from None
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ProtocolError(f"protocol file {p} cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{p}: not valid TOML: {exc}") from None
    return validate_protocol(data, str(p))


def protocol_from_dict(d: dict[str, Any], source: str = "protocol") -> Protocol:
    """Rebuild a :class:`Protocol` from :meth:`Protocol.to_dict` output (e.g. ``session.json``)."""
    d = dict(d)
    path = d.pop("path", "")
    proto = validate_protocol(d, source)
    return replace(proto, path=str(path or source))
