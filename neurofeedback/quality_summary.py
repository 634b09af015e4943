"""Per-channel quality of a whole recording, in the pipeline's own vocabulary.

The live pipeline labels every channel of every 0.1-s frame with one reason
(:attr:`FeatureFrame.channel_quality`: ``ok``, ``railed``, ``flat``, ``line``, ``blink``,
``emg`` or ``amplitude``; see :mod:`neurofeedback.pipeline.quality`). ``neurofeedback info``
and the HTML report summarise those same labels, so all three speak one language:

- ``reason_pct``: per channel, the % of frames with each reason (they sum to 100);
- ``left_out_pct``: % of frames with any reason other than ``ok``: the pipeline left the
  channel out of that frame's measures (a physically bad channel, or one carrying an artifact;
  see :func:`neurofeedback.pipeline.quality.frame_gate`);
- ``artifact_pct``: % of frames with an *artifact* reason (``blink``, ``emg``, ``amplitude``);
- ``verdict``: the most frequent non-``ok`` reason when it covers at least
  :data:`VERDICT_MIN_PCT` % of frames, else ``ok`` (ties go to the reason tested first by the
  pipeline, bad before artifact);
- ``rms_uv``: RMS of the pipeline's filtered signal (1-45 Hz band-pass and mains notch) in the
  frames where the channel was in use, from the pipeline's own Welch spectra (the mean over
  those frames of the integrated PSD, square-rooted). NaN when the channel was never in use.

Recordings up to :data:`FULL_LIMIT_S` seconds are analysed whole (every frame, exactly the
frames :func:`neurofeedback.offline.iter_frames` gives). Longer ones, unless ``full=True``, are
sampled: :data:`N_STRETCHES` evenly spaced stretches of :data:`STRETCH_S` seconds, each run
through a fresh pipeline that first gets :data:`WARMUP_S` seconds of the preceding signal
(filters settle, the first 2-s window fills); only frames ending inside the stretch are
counted. The mains frequency found in the first stretch is used for all of them.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .errors import UsageError
from .io.loaded import LoadedFile
from .offline import iter_frames
from .pipeline.config import PipelineConfig
from .pipeline.frame import FeatureFrame
from .pipeline.pipeline import Pipeline
from .pipeline.quality import ARTIFACT_REASONS, BAD_REASONS, PRIORITY, REASONS

log = logging.getLogger(__name__)

#: Every reason a channel can get, ``ok`` first, then in the pipeline's test order.
#: A non-ok reason becomes the channel's verdict when it covers at least this % of frames.
VERDICT_MIN_PCT = 10.0
#: Recordings longer than this (s) are sampled in stretches unless ``full=True``.
FULL_LIMIT_S = 600.0
#: Number and length (s) of the stretches analysed in a long recording.
N_STRETCHES = 60
STRETCH_S = 10.0
#: Signal (s) fed to each stretch's pipeline before the stretch itself.
WARMUP_S = 5.0

_INDEX = {r: i for i, r in enumerate(REASONS)}


@dataclass
class ChannelSummary:
    """Whole-recording quality of one channel (see the module docstring).

    Attributes
    ----------
    name : str
    reason_pct : dict of str to float
        % of frames per reason, every key of :data:`REASONS` (0 included).
    left_out_pct : float
        % of frames with a bad reason (railed, flat, line).
    artifact_pct : float
        % of frames with an artifact reason (blink, emg, amplitude).
    verdict : str
        ``ok`` or one reason (rule: :func:`verdict`).
    rms_uv : float
        RMS of the filtered signal in frames where the channel was in use, uV (NaN if never).
    """

    name: str
    reason_pct: dict[str, float]
    left_out_pct: float
    artifact_pct: float
    verdict: str
    rms_uv: float

    def compact(self) -> str:
        """The non-zero non-ok shares, largest first, e.g. ``"blink 16.2, emg 9.3"``
        (``"-"`` when every frame was ok)."""
        return compact_reasons(self.reason_pct)


@dataclass
class QualitySummary:
    """Per-channel summary of the pipeline's frame labels over a recording.

    Attributes
    ----------
    channels : list of ChannelSummary
        In the recording's channel order.
    n_frames : int
        Frames counted.
    duration_s : float
        Length of the recording, s.
    analysed_s : float
        Seconds of recording the counted frames stand for (``n_frames * hop_s``).
    stretches : list of (float, float) or None
        (start_s, end_s) of the analysed stretches; None when the whole recording was analysed.
    mains_hz : float or None
        Mains frequency notched by the pipeline.
    window_s, hop_s : float
        The pipeline's analysis window and hop, s.
    """

    channels: list[ChannelSummary]
    n_frames: int
    duration_s: float
    analysed_s: float
    stretches: list[tuple[float, float]] | None
    mains_hz: float | None
    window_s: float
    hop_s: float

    def method(self) -> str:
        """One line saying which frames were counted."""
        mains = "no mains notch" if self.mains_hz is None else f"{self.mains_hz:g} Hz notched"
        head = (f"the pipeline's per-frame channel checks, {self.n_frames} frames "
                f"({self.window_s:g}-s windows every {self.hop_s:g} s; {mains})")
        if self.stretches is None:
            return head + ", whole recording"
        length = self.stretches[0][1] - self.stretches[0][0]
        return (f"{head}, {len(self.stretches)} evenly spaced {length:g}-s stretches "
                f"({self.analysed_s:.0f} s of {self.duration_s:.0f} s)")


def verdict(reason_pct: dict[str, float], min_pct: float = VERDICT_MIN_PCT) -> str:
    """The most frequent non-ok reason if it covers >= ``min_pct`` % of frames, else ``ok``.

    Ties go to the reason the pipeline tests first (:data:`REASONS` order).
    """
    best, best_pct = "ok", 0.0
    for r in PRIORITY:
        p = reason_pct.get(r, 0.0)
        if p > best_pct:
            best, best_pct = r, p
    return best if best_pct >= min_pct else "ok"


def compact_reasons(reason_pct: dict[str, float]) -> str:
    """Non-zero non-ok shares, largest first (ties in :data:`REASONS` order), one decimal
    (``<0.1`` for a share that rounds to zero)."""
    items = [(r, reason_pct.get(r, 0.0)) for r in PRIORITY if reason_pct.get(r, 0.0) > 0]
    items.sort(key=lambda kv: -kv[1])  # stable: ties keep the pipeline's order
    return ", ".join(f"{r} {p:.1f}" if p >= 0.05 else f"{r} <0.1" for r, p in items) or "-"


class ReasonCounter:
    """Counts each channel's reasons and in-use power over frames given in batches.

    Parameters
    ----------
    ch_names : list of str
    """

    def __init__(self, ch_names: list[str]) -> None:
        self.ch_names = list(ch_names)
        n = len(self.ch_names)
        self.counts = np.zeros((n, len(REASONS)), dtype=np.int64)
        self.power_sum = np.zeros(n)  # uV^2, summed over in-use frames
        self.n_frames = 0

    def add(self, frames: Iterable[FeatureFrame]) -> None:
        """Count frames (their ``channel_quality`` and ``psd``)."""
        n_ch = len(self.ch_names)
        for f in frames:
            codes = np.fromiter((_INDEX[r] for r in f.channel_quality), dtype=np.intp, count=n_ch)
            self.counts[np.arange(n_ch), codes] += 1
            if f.psd is not None and f.freqs is not None and f.freqs.size > 1:
                in_use = codes >= 0
                for r in BAD_REASONS:
                    in_use &= codes != _INDEX[r]
                df = float(f.freqs[1] - f.freqs[0])
                self.power_sum[in_use] += f.psd[in_use].sum(axis=1) * df
            self.n_frames += 1

    def to_dict(self) -> dict:
        """The counts as plain JSON-able data (stored in a session's ``session.json``)."""
        return {
            "channels": list(self.ch_names),
            "reasons": list(REASONS),
            "counts": self.counts.tolist(),
            "power_sum_uv2": self.power_sum.tolist(),
            "n_frames": int(self.n_frames),
        }

    @classmethod
    def from_dict(cls, d: dict, ch_names: list[str]) -> ReasonCounter:
        """A counter rebuilt from :meth:`to_dict`'s data; UsageError when it does not fit
        ``ch_names`` or uses other reasons."""
        try:
            if list(d["channels"]) != list(ch_names):
                raise ValueError(f"counted channels {list(d['channels'])}, recording has "
                                 f"{list(ch_names)}")
            if list(d["reasons"]) != list(REASONS):
                raise ValueError(f"counted reasons {list(d['reasons'])}, expected {list(REASONS)}")
            out = cls(ch_names)
            counts = np.asarray(d["counts"], dtype=np.int64)
            power = np.asarray(d["power_sum_uv2"], dtype=float)
            if counts.shape != out.counts.shape or power.shape != out.power_sum.shape:
                raise ValueError("shapes differ")
            out.counts, out.power_sum, out.n_frames = counts, power, int(d["n_frames"])
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"stored channel-quality counts do not fit this recording: {exc}") from None
        return out

    def summary(self, duration_s: float, mains_hz: float | None = None,
                config: PipelineConfig | None = None) -> QualitySummary:
        """The :class:`QualitySummary` of the frames counted (a whole recording)."""
        cfg = config or PipelineConfig()
        return QualitySummary(self.channels(), self.n_frames, float(duration_s),
                              self.n_frames * cfg.hop_s, None, mains_hz, cfg.window_s, cfg.hop_s)

    def channels(self) -> list[ChannelSummary]:
        """One :class:`ChannelSummary` per channel from the frames counted so far."""
        n = max(self.n_frames, 1)
        bad_idx = [_INDEX[r] for r in BAD_REASONS]
        art_idx = [_INDEX[r] for r in ARTIFACT_REASONS]
        out = []
        for i, name in enumerate(self.ch_names):
            pct = {r: 100.0 * float(self.counts[i, j]) / n for j, r in enumerate(REASONS)}
            in_use = int(self.n_frames - self.counts[i, bad_idx].sum())
            rms = float(np.sqrt(self.power_sum[i] / in_use)) if in_use else float("nan")
            out.append(ChannelSummary(
                name=name,
                reason_pct=pct,
                left_out_pct=100.0 * float(self.counts[i, bad_idx + art_idx].sum()) / n,
                artifact_pct=100.0 * float(self.counts[i, art_idx].sum()) / n,
                verdict=verdict(pct),
                rms_uv=rms,
            ))
        return out


def stretch_starts(duration_s: float, n: int = N_STRETCHES, length_s: float = STRETCH_S,
                   warmup_s: float = WARMUP_S) -> list[float]:
    """Start times (s) of ``n`` evenly spaced stretches of ``length_s`` seconds in
    ``[warmup_s, duration_s]`` (first at ``warmup_s``, last ending at ``duration_s``)."""
    span = duration_s - warmup_s - length_s
    if n <= 1 or span <= 0:
        return [warmup_s]
    return [warmup_s + k * span / (n - 1) for k in range(n)]


def summarize_loaded(
    loaded: LoadedFile,
    config: PipelineConfig | None = None,
    full: bool = False,
    limit_s: float = FULL_LIMIT_S,
    n_stretches: int = N_STRETCHES,
    stretch_s: float = STRETCH_S,
) -> QualitySummary:
    """Run the pipeline over a recording and summarise its per-frame channel reasons.

    Parameters
    ----------
    loaded : LoadedFile
        EEG in uV, shape (n_channels, n_samples).
    config : PipelineConfig or None
        Pipeline settings (default: the pipeline's defaults).
    full : bool
        Analyse every frame even of a recording longer than ``limit_s``.
    limit_s : float
        Recordings longer than this (s) are sampled in stretches unless ``full``.
    n_stretches : int
        Number of evenly spaced stretches analysed in a longer recording.
    stretch_s : float
        Length of each stretch, s.

    Returns
    -------
    QualitySummary
        With no frames (all shares 0, verdicts ``ok``) when the recording is shorter than one
        analysis window.
    """
    cfg = config or PipelineConfig()
    names = list(loaded.ch_names)
    counter = ReasonCounter(names)
    if n_stretches < 1 or not stretch_s > 0:
        raise UsageError(f"n_stretches must be >= 1 and stretch_s > 0; got {n_stretches} and "
                         f"{stretch_s}")
    if full or loaded.duration_s <= limit_s:
        pipe = Pipeline(loaded.sfreq, names, cfg, loaded.rail_uv)
        for frames in iter_frames(loaded, cfg, pipe=pipe):
            counter.add(frames)
        return QualitySummary(counter.channels(), counter.n_frames, float(loaded.duration_s),
                              counter.n_frames * cfg.hop_s, None, pipe.mains_hz,
                              cfg.window_s, cfg.hop_s)
    sf = float(loaded.sfreq)
    stretches: list[tuple[float, float]] = []
    mains: float | None = None
    run_cfg = cfg
    for k, s0 in enumerate(stretch_starts(loaded.duration_s, n_stretches, stretch_s)):
        a = max(0, int(round((s0 - WARMUP_S) * sf)))
        i0 = int(round(s0 * sf))
        i1 = min(loaded.n_samples, i0 + int(round(stretch_s * sf)))
        pipe = Pipeline(sf, names, run_cfg, loaded.rail_uv)
        frames = pipe.push(loaded.data[:, a:i1])
        if k == 0:  # keep the first stretch's mains frequency for all of them
            mains = pipe.mains_hz
            run_cfg = dataclasses.replace(cfg, notch=mains)
        # frame time_s is the end of its window, relative to sample a; count frames ending in (i0, i1]
        lo, hi = (i0 - a) / sf, (i1 - a) / sf
        eps = 0.5 / sf
        counter.add(f for f in frames if lo + eps < f.time_s <= hi + eps)
        stretches.append((i0 / sf, i1 / sf))
    log.info("quality from %d stretches of %g s", len(stretches), stretch_s)
    return QualitySummary(counter.channels(), counter.n_frames, float(loaded.duration_s),
                          counter.n_frames * cfg.hop_s, stretches, mains, cfg.window_s, cfg.hop_s)


def raw_facts(loaded: LoadedFile) -> list[dict[str, float | None]]:
    """Facts that need no pipeline, per channel: ``offset_uv`` (median raw value, the DC
    offset, uV) and ``railed_pct`` (% of raw samples with ``|x| >= 0.99 * rail``; None when
    the board's rail is unknown)."""
    out = []
    rail = loaded.rail_uv
    for x in loaded.data:
        x = np.asarray(x, dtype=np.float64)
        railed = float(100.0 * np.mean(np.abs(x) >= 0.99 * rail)) if rail and x.size else None
        out.append({"offset_uv": float(np.median(x)) if x.size else float("nan"),
                    "railed_pct": railed})
    return out
