"""What to run, and building a :class:`~neurofeedback.session.Session` from it.

The setup bar and the command line both describe a session as a :class:`SessionSpec`; the main
window turns it into a running session with :func:`build_session`. Nothing here draws.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neurofeedback.errors import UsageError
from neurofeedback.session import Session
from neurofeedback.sources.base import Source

log = logging.getLogger(__name__)

#: Source kinds the setup bar offers.
SOURCE_KINDS: tuple[str, ...] = ("synthetic", "simulated", "board", "replay")
#: Scenarios of the simulator (``neurofeedback.sources.simulated``).
SCENARIOS: tuple[str, ...] = ("annealing-cycle", "meditation", "trauma", "artifacts")


@dataclass
class SessionSpec:
    """A session as the user described it.

    Attributes
    ----------
    kind : str
        One of :data:`SOURCE_KINDS`.
    board : str
        BrainFlow board name for ``kind == "board"`` (``cyton``, ``ganglion``, any ``BoardIds`` name).
    options : dict
        Board options: ``serial_port``, ``mac_address``, ``ip_address``, ``ip_port``,
        ``board_file``, ``master_board``, ``channels``.
    scenario : str
        Simulator scenario for ``kind == "simulated"``.
    seed : int
        Simulator seed.
    replay_path : str
        File or session folder for ``kind == "replay"``.
    speed : float
        Speed of a replay, or of the simulator's generation (``--sim-speed``), multiple of
        real time.
    protocol : str or None
        Protocol name or TOML path.
    record : bool
        Record the session.
    record_dir : str
        Parent folder of recordings.
    record_folder : str or None
        Exact session folder (tests).
    baseline_s : float or None
        Baseline block length (seconds) when no protocol sets it.
    duration_s : float or None
        Stop after this much stream time.
    source : Source or None
        A source built elsewhere (``neurofeedback replay``); overrides the fields above.
    """

    kind: str = "synthetic"
    board: str = "cyton"
    options: dict[str, Any] = field(default_factory=dict)
    scenario: str = "annealing-cycle"
    seed: int = 0
    replay_path: str = ""
    speed: float = 1.0
    protocol: str | None = None
    record: bool = True
    record_dir: str = "recordings"
    record_folder: str | None = None
    baseline_s: float | None = None
    duration_s: float | None = None
    source: Source | None = None

    def describe(self) -> str:
        """A short human description, e.g. ``simulator (meditation)``."""
        if self.source is not None:
            return self.source.info.board_name or self.source.info.name
        if self.kind == "synthetic":
            return "BrainFlow synthetic board"
        if self.kind == "simulated":
            return f"simulator ({self.scenario})"
        if self.kind == "replay":
            return f"replay of {Path(self.replay_path).name or '?'}"
        return f"{self.board} board"


def build_source(spec: SessionSpec) -> Source:
    """The source ``spec`` describes.

    Raises
    ------
    NeurofeedbackError
        A one-line message when the board name, options or the file are wrong.
    """
    if spec.source is not None:
        return spec.source
    from neurofeedback.sources.factory import make_replay_source, make_source

    if spec.kind not in SOURCE_KINDS:
        raise UsageError(f"source must be one of {', '.join(SOURCE_KINDS)}; got {spec.kind!r}")
    if spec.kind == "replay":
        if not spec.replay_path.strip():
            raise UsageError("choose a file to replay (an EEG file or a session folder)")
        return make_replay_source(spec.replay_path, speed=spec.speed)
    if spec.kind == "synthetic":
        return make_source("synthetic")
    if spec.kind == "simulated":
        return make_source("simulated", scenario=spec.scenario, seed=spec.seed, sim_speed=spec.speed)
    if not spec.board.strip():
        raise UsageError("enter a board name, e.g. cyton, cyton-daisy, ganglion or a BrainFlow BoardIds name")
    opts = dict(spec.options)
    return make_source(
        spec.board,
        serial_port=str(opts.get("serial_port", "")),
        mac_address=str(opts.get("mac_address", "")),
        ip_address=str(opts.get("ip_address", "")),
        ip_port=int(opts.get("ip_port", 0) or 0),
        board_file=str(opts.get("board_file", "")),
        master_board=str(opts.get("master_board", "")),
        channels=opts.get("channels") or None,
    )


def build_session(spec: SessionSpec) -> Session:
    """A :class:`Session` (not started) for ``spec``: source, protocol, recording, baseline."""
    from neurofeedback.pipeline.config import PipelineConfig

    protocol = None
    if spec.protocol:
        from neurofeedback.protocols import load_protocol

        protocol = load_protocol(spec.protocol)
    cfg = None
    if spec.baseline_s is not None:
        if spec.baseline_s <= 0:
            raise UsageError(f"baseline must be > 0 seconds; got {spec.baseline_s:g}")
        cfg = PipelineConfig(baseline=(0.0, float(spec.baseline_s)))
    source = build_source(spec)
    return Session(
        source,
        record_dir=spec.record_dir if spec.record else None,
        record_folder=spec.record_folder if spec.record else None,
        pipeline_config=cfg,
        protocol=protocol,
        duration_s=spec.duration_s,
        extra_meta={"frontend": "gui"},
    )


def spec_from_args(args: Any, *, source: Source | None = None, duration_s: float | None = None) -> SessionSpec | None:
    """A :class:`SessionSpec` from ``neurofeedback gui/run/replay`` options, or None when the
    command line names no source (the window then waits for the setup bar)."""
    record = not bool(getattr(args, "no_record", False))
    common = dict(
        protocol=getattr(args, "protocol", None) or None,
        record=record,
        record_dir=str(getattr(args, "record_dir", None) or "recordings"),
        baseline_s=getattr(args, "baseline", None),
        duration_s=duration_s,
    )
    if source is not None:
        return SessionSpec(kind="replay" if source.info.kind == "file" else "board", source=source, **common)
    replay = getattr(args, "replay", None)
    if replay:
        return SessionSpec(kind="replay", replay_path=str(replay), speed=float(getattr(args, "speed", 1.0)), **common)
    board = getattr(args, "board", None)
    if not board:
        return None
    name = str(board).strip().lower()
    if name == "synthetic":
        return SessionSpec(kind="synthetic", **common)
    if name == "simulated":
        return SessionSpec(
            kind="simulated", scenario=getattr(args, "scenario", "annealing-cycle"),
            seed=int(getattr(args, "seed", 0)), speed=float(getattr(args, "sim_speed", 1.0) or 1.0), **common,
        )
    options = {
        k: getattr(args, k, "") for k in
        ("serial_port", "mac_address", "ip_address", "ip_port", "board_file", "master_board", "channels")
    }
    return SessionSpec(kind="board", board=str(board), options=options, **common)
