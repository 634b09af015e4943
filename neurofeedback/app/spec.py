"""What to run: :class:`SessionSpec`, the one description of a session both frontends build.

The command line fills it from its options (:func:`spec_from_args`), the Qt setup bar from its
widgets; :func:`neurofeedback.app.build.build_session` turns it into a session. Nothing here
opens a device or a file.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..sources.base import Source
from .paths import default_record_dir
from .vocab import DEFAULT_BOARD, DEFAULT_SCENARIO, SIMULATED, SYNTHETIC, board_kind

#: Keys of :attr:`SessionSpec.options` (the BrainFlow board options of ``--board``).
BOARD_OPTION_KEYS: tuple[str, ...] = (
    "serial_port", "mac_address", "ip_address", "ip_port", "board_file", "master_board", "channels",
    "lsl_name", "lsl_type", "lsl_source_id",
)


@dataclass
class SessionSpec:
    """A session as the user described it.

    Attributes
    ----------
    kind : str
        One of :data:`~neurofeedback.app.vocab.SOURCE_KINDS`.
    board : str
        BrainFlow board name for ``kind == "board"`` (``cyton``, ``ganglion``, any ``BoardIds`` name).
    options : dict
        Board options, keys from :data:`BOARD_OPTION_KEYS` (``channels`` also applies to the
        synthetic board), plus ``verbose`` (bool, BrainFlow's own log).
    scenario : str
        Simulator scenario for ``kind == "simulated"``.
    seed : int
        Simulator seed.
    scenario_duration_s : float or None
        Simulator only: play the scenario once, scaled to this many seconds (at least the
        scenario's minimum), after which the source ends; None repeats the scenario's cycle
        for as long as the session runs. Independent of ``duration_s``.
    replay_path : str
        File or session folder for ``kind == "replay"``.
    speed : float
        Speed of a replay, or of the simulator's generation (``--sim-speed``), multiple of
        real time.
    start_s : float
        Where a replay starts, seconds into the file.
    replay_board : str or None
        Board that recorded a BrainFlow CSV without ``session.json`` (replay only).
    replay_sfreq : float or None
        Sample rate of a CSV file without a time column (``--sfreq``, replay only).
    replay_annotations : str or None
        A file of annotations for the replayed recording (``--annotations``, replay only: a
        hypnogram's stages become markers the replay passes).
    protocol : str or None
        Protocol name or TOML path.
    record : bool
        Record the session.
    record_dir : str
        Parent folder of recordings (default: :func:`~neurofeedback.app.paths.default_record_dir`).
    record_folder : str or None
        Exact session folder (tests).
    baseline_s : float or None
        Baseline block length (seconds) when no protocol sets it.
    duration_s : float or None
        Stop after this much stream time, seconds, whatever the source (a protocol or a source
        that ends earlier stops the session earlier).
    osc : str or None
        ``HOST:PORT`` to send every frame to as OSC messages (``--osc``), or None.
    lsl_out : bool
        Publish the session as LSL streams (``--lsl-out``).
    lsl_markers : str or None
        Name of an LSL marker stream whose markers are recorded (``--lsl-markers``).
    frontend : str
        Which frontend runs it (``cli`` or ``gui``), stored in ``session.json``.
    source : Source or None
        A source built elsewhere; overrides the source fields above.
    """

    kind: str = "synthetic"
    board: str = "cyton"
    options: dict[str, Any] = field(default_factory=dict)
    scenario: str = DEFAULT_SCENARIO
    seed: int = 0
    scenario_duration_s: float | None = None
    replay_path: str = ""
    speed: float = 1.0
    start_s: float = 0.0
    replay_board: str | None = None
    replay_sfreq: float | None = None
    replay_annotations: str | None = None
    protocol: str | None = None
    record: bool = True
    record_dir: str = field(default_factory=lambda: str(default_record_dir()))
    record_folder: str | None = None
    baseline_s: float | None = None
    duration_s: float | None = None
    osc: str | None = None
    lsl_out: bool = False
    lsl_markers: str | None = None
    frontend: str = "gui"
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


def _session_fields(args: argparse.Namespace, duration_s: float | None) -> dict[str, Any]:
    return {
        "protocol": getattr(args, "protocol", None) or None,
        "record": not bool(getattr(args, "no_record", False)),
        "record_dir": str(getattr(args, "record_dir", None) or default_record_dir()),
        "baseline_s": getattr(args, "baseline", None),
        "duration_s": duration_s,
        "osc": getattr(args, "osc", None) or None,
        "lsl_out": bool(getattr(args, "lsl_out", False)),
        "lsl_markers": getattr(args, "lsl_markers", None) or None,
    }


def spec_from_args(
    args: argparse.Namespace,
    *,
    duration_s: float | None = None,
    frontend: str = "gui",
    default_board: str | None = None,
) -> SessionSpec | None:
    """A :class:`SessionSpec` from ``neurofeedback run / replay / gui`` options.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options (:mod:`neurofeedback.app.options`): ``replay`` or ``path`` (a file to
        replay), else ``board`` with its board options, plus the session options.
    duration_s : float or None
        Stop after this many seconds of data.
    frontend : str
        ``cli`` or ``gui``.
    default_board : str or None
        Board used when ``args`` names none; None returns None then (the window waits for
        the setup bar).

    Returns
    -------
    SessionSpec or None
    """
    common = _session_fields(args, duration_s)
    common["frontend"] = frontend
    replay = getattr(args, "replay", None) or getattr(args, "path", None)
    if replay:
        channels = getattr(args, "channels", None)
        return SessionSpec(
            kind="replay", replay_path=str(replay), speed=float(getattr(args, "speed", 1.0)),
            start_s=float(getattr(args, "start", 0.0) or 0.0), replay_board=getattr(args, "board", None),
            replay_sfreq=getattr(args, "sfreq", None),
            replay_annotations=getattr(args, "annotations", None),
            options={"channels": channels} if channels else {}, **common,
        )
    board = getattr(args, "board", None) or default_board
    if not board:
        return None
    options = {k: getattr(args, k, "") for k in BOARD_OPTION_KEYS}
    options["verbose"] = bool(getattr(args, "verbose", False))
    kind = board_kind(board)
    if kind == SIMULATED:
        return SessionSpec(
            kind=kind, scenario=getattr(args, "scenario", DEFAULT_SCENARIO) or DEFAULT_SCENARIO,
            seed=int(getattr(args, "seed", 0) or 0),
            scenario_duration_s=getattr(args, "scenario_duration", None), speed=float(getattr(args, "sim_speed", 1.0) or 1.0),
            options=options, **common,
        )
    if kind == SYNTHETIC:
        return SessionSpec(kind=kind, board=DEFAULT_BOARD, options=options,
                           speed=float(getattr(args, "sim_speed", 1.0) or 1.0), **common)
    return SessionSpec(kind=kind, board=str(board), options=options,
                       speed=float(getattr(args, "sim_speed", 1.0) or 1.0), **common)
