"""Build a source from command-line style options, and the shared CLI options themselves."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UsageError
from .base import Source
from .file_source import FileSource

#: Names ``--board`` accepts besides BrainFlow boards.
SIMULATED = "simulated"


def add_board_arguments(parser: argparse.ArgumentParser, *, board: bool = True) -> None:
    """Options that choose and configure a live source."""
    g = parser.add_argument_group("source")
    if board:
        g.add_argument(
            "--board", metavar="NAME",
            default="synthetic",
            help="synthetic (default), simulated, cyton, cyton-daisy, ganglion, playback, "
            "streaming, or any BrainFlow BoardIds name (see 'neurofeedback boards')",
        )
    g.add_argument("--serial-port", metavar="PORT", default="", help="serial port of a Cyton dongle, e.g. /dev/ttyUSB0 or COM3")
    g.add_argument("--mac-address", metavar="MAC", default="", help="MAC address (Ganglion, Muse and other BLE boards)")
    g.add_argument("--ip-address", metavar="ADDR", default="", help="IP address (WiFi shield, streaming board)")
    g.add_argument("--ip-port", metavar="N", type=int, default=0, help="IP port (WiFi shield, streaming board)")
    g.add_argument("--board-file", metavar="PATH", default="", help="file for the playback board (a BrainFlow CSV)")
    g.add_argument("--master-board", metavar="NAME", default="", help="board that recorded --board-file / the stream")
    g.add_argument(
        "--scenario", metavar="NAME", default="annealing-cycle",
        help="scenario of --board simulated: annealing-cycle, meditation, trauma, artifacts",
    )
    g.add_argument("--seed", metavar="N", type=int, default=0, help="random seed of --board simulated")
    g.add_argument(
        "--sim-speed", metavar="X", type=float, default=1.0,
        help="--board simulated only: generate at X times real time (default 1)",
    )
    g.add_argument("--channels", metavar="NAMES", default=None, help="comma-separated channel names overriding the defaults")


def add_session_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``run``, ``replay`` and ``gui``: recording, protocol."""
    g = parser.add_argument_group("session")
    rec = g.add_mutually_exclusive_group()
    rec.add_argument("--record-dir", metavar="DIR", default="recordings", help="where session folders go (default: recordings/)")
    rec.add_argument("--no-record", action="store_true", help="do not record")
    g.add_argument("--protocol", metavar="NAME", default=None, help="protocol name (see 'neurofeedback protocols') or TOML path")
    g.add_argument("--baseline", metavar="S", type=float, default=None, help="baseline block length in seconds (default 60)")


def make_source(
    board: str = "synthetic",
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
    duration_s: float | None = None,
) -> Source:
    """A live source by name: the scenario simulator or any BrainFlow board."""
    if board.strip().lower() == SIMULATED:
        from .simulated import SimulatedSource

        src: Source = SimulatedSource(
            scenario=scenario, seed=seed, speed=sim_speed, duration_s=duration_s
        )
        if channels:
            raise UsageError("--channels cannot rename the simulator's channels; use simulate --montage")
        return src
    if sim_speed != 1.0:
        raise UsageError(f"--sim-speed only applies to --board simulated; got --board {board}")
    from .brainflow_source import BoardOptions, BrainFlowSource

    opts = BoardOptions(
        serial_port=serial_port, mac_address=mac_address, ip_address=ip_address,
        ip_port=ip_port, board_file=board_file, master_board=master_board,
    )
    names = None
    if channels:
        names = [c.strip() for c in channels.split(",")] if isinstance(channels, str) else list(channels)
    return BrainFlowSource(board, opts, channels=names, verbose=verbose)


def source_from_args(args: argparse.Namespace, duration_s: float | None = None) -> Source:
    """:func:`make_source` from parsed :func:`add_board_arguments` options."""
    return make_source(
        args.board,
        serial_port=args.serial_port,
        mac_address=args.mac_address,
        ip_address=args.ip_address,
        ip_port=args.ip_port,
        board_file=args.board_file,
        master_board=args.master_board,
        scenario=args.scenario,
        seed=args.seed,
        channels=args.channels,
        verbose=bool(getattr(args, "verbose", False)),
        sim_speed=getattr(args, "sim_speed", 1.0),
        duration_s=duration_s,
    )


def make_replay_source(
    path: str | Path,
    *,
    speed: float = 1.0,
    start_s: float = 0.0,
    board: str | None = None,
    channels: str | list[str] | None = None,
) -> FileSource:
    """A :class:`FileSource` for any file :func:`neurofeedback.io.load_eeg_file` reads."""
    from ..io import load_eeg_file

    loaded = load_eeg_file(path, board=board, channels=channels)
    return FileSource(loaded, speed=speed, start_s=start_s)
