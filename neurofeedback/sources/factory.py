"""Build a source by name: the scenario simulator, any BrainFlow board, or a file replay.

The application layer (:mod:`neurofeedback.app.build`) calls these with a session spec's fields.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError, setting
from ..io import load_eeg_file
from ..io.annotations import with_annotations
from .base import Source
from .file_source import FileSource
from .lsl_source import LslSource
from .simulated import SimulatedSource

#: ``--board`` name of our scenario simulator (every other name is a BrainFlow board).
SIMULATED = "simulated"
#: ``--board`` name of a Lab Streaming Layer stream.
LSL = "lsl"
#: ``--board`` name of BrainFlow's synthetic board (the default source).
SYNTHETIC = "synthetic"


def make_source(
    board: str = SYNTHETIC,
    *,
    serial_port: str = "",
    mac_address: str = "",
    ip_address: str = "",
    ip_port: int = 0,
    board_file: str = "",
    master_board: str = "",
    scenario: str = "annealing-cycle",
    seed: int = 0,
    channels: str | list[str] | None = None,
    verbose: bool = False,
    sim_speed: float = 1.0,
    scenario_duration_s: float | None = None,
    lsl_name: str = "",
    lsl_type: str = "",
    lsl_source_id: str = "",
) -> Source:
    """A live source by name: the scenario simulator, an LSL stream or any BrainFlow board.

    ``scenario``, ``seed`` and ``scenario_duration_s`` (seconds the scenario is scaled to, after
    which the source ends; None repeats its cycle) apply to the simulator only; ``lsl_*`` (the
    stream's name, type and source id) to board ``lsl`` only.
    """
    if board.strip().lower() == SIMULATED:
        src: Source = SimulatedSource(
            scenario=scenario, seed=seed, speed=sim_speed, duration_s=scenario_duration_s
        )
        if channels:
            raise UsageError(
                f"{setting('channels', '--channels')} cannot rename the simulator's channels; choose "
                f"its {setting('montage', 'simulate --montage')} instead"
            )
        return src
    if scenario_duration_s is not None:
        raise UsageError(
            f"{setting('scenario_duration_s', '--scenario-duration')} only applies to board "
            f"{SIMULATED!r}; got board {board!r}"
        )
    if board.strip().lower() == LSL:
        if channels:
            raise UsageError(
                f"{setting('channels', '--channels')} cannot rename an LSL stream's channels; "
                "they come from the stream's own metadata"
            )
        return LslSource(lsl_name or None, lsl_type or None, lsl_source_id or None)
    if sim_speed != 1.0:
        raise UsageError(
            f"{setting('sim_speed', '--sim-speed')} only applies to board {SIMULATED!r}; got board {board!r}"
        )
    # lazy: importing brainflow loads its native library (tens of MB); only a session on a
    # BrainFlow board needs it, not the simulator, a replay or the rest of the command line
    from .brainflow_source import BoardOptions, BrainFlowSource

    opts = BoardOptions(
        serial_port=serial_port, mac_address=mac_address, ip_address=ip_address,
        ip_port=ip_port, board_file=board_file, master_board=master_board,
    )
    names = None
    if channels:
        names = [c.strip() for c in channels.split(",")] if isinstance(channels, str) else list(channels)
    return BrainFlowSource(board, opts, channels=names, verbose=verbose)


def make_replay_source(
    path: str | Path,
    *,
    speed: float = 1.0,
    start_s: float = 0.0,
    board: str | None = None,
    channels: str | list[str] | None = None,
    sfreq: float | None = None,
    annotations: str | None = None,
) -> FileSource:
    """A :class:`FileSource` for any file :func:`neurofeedback.io.load_eeg_file` reads, with
    the markers of an ``annotations`` file (a hypnogram) added when given."""
    loaded = load_eeg_file(path, board=board, channels=channels, sfreq=sfreq)
    if annotations:
        loaded = with_annotations(loaded, annotations)
    return FileSource(loaded, speed=speed, start_s=start_s)
