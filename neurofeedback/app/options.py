"""The session options both frontends accept (``neurofeedback run / replay / gui`` and
``python -m ui``), with help texts built from :mod:`neurofeedback.app.vocab`, and their checks."""

from __future__ import annotations

import argparse

from ..errors import UsageError
from ..validation import check_option, check_positive
from .vocab import (
    BOARDS,
    DEFAULT_BOARD,
    DEFAULT_SCENARIO,
    DEFAULT_SCORE,
    FEEDBACK_SCORES,
    SCENARIOS,
    SIMULATED,
)


def _board_names() -> str:
    names = [b.name + (" (default)" if b.name == DEFAULT_BOARD else "") for b in BOARDS]
    return ", ".join(names)


def add_board_arguments(parser: argparse.ArgumentParser, *, board: bool = True) -> None:
    """Options that choose and configure a live source (``board=False``: all but ``--board``)."""
    g = parser.add_argument_group("source")
    if board:
        g.add_argument(
            "--board", metavar="NAME", default=DEFAULT_BOARD,
            help=f"{_board_names()}, or any BrainFlow BoardIds name (see 'neurofeedback boards')",
        )
    g.add_argument("--serial-port", metavar="PORT", default="", help="serial port of a Cyton dongle, e.g. /dev/ttyUSB0 or COM3")
    g.add_argument("--mac-address", metavar="MAC", default="", help="MAC address (Ganglion, Muse and other BLE boards)")
    g.add_argument("--ip-address", metavar="ADDR", default="", help="IP address (WiFi shield, streaming board)")
    g.add_argument("--ip-port", metavar="N", type=int, default=0, help="IP port (WiFi shield, streaming board)")
    g.add_argument("--board-file", metavar="PATH", default="", help="file for the playback board (a BrainFlow CSV)")
    g.add_argument("--master-board", metavar="NAME", default="", help="board that recorded --board-file / the stream")
    g.add_argument("--lsl-name", metavar="NAME", default="", help="--board lsl: the LSL stream's name")
    g.add_argument("--lsl-type", metavar="TYPE", default="", help="--board lsl: the LSL stream's type (default EEG)")
    g.add_argument("--lsl-source-id", metavar="ID", default="", help="--board lsl: the LSL stream's source id")
    g.add_argument(
        "--scenario", metavar="NAME", default=DEFAULT_SCENARIO,
        help=f"scenario of --board simulated: {', '.join(SCENARIOS)}",
    )
    g.add_argument(
        "--scenario-duration", metavar="S", type=float, default=None,
        help="--board simulated only: play the scenario once, scaled to S seconds, then end "
        "(default: its cycle repeats until --duration, the protocol's end or Ctrl-C)",
    )
    g.add_argument("--seed", metavar="N", type=int, default=0, help="random seed of --board simulated")
    g.add_argument(
        "--sim-speed", metavar="X", type=float, default=1.0,
        help="--board simulated only: generate at X times real time (default 1)",
    )
    g.add_argument("--channels", metavar="NAMES", default=None, help="comma-separated channel names overriding the defaults")


def check_board_arguments(args: argparse.Namespace) -> None:
    """Reject source options of :func:`add_board_arguments` that do not apply or are out of range.

    Raises
    ------
    UsageError
        Naming the option, what it accepts and what it got.
    """
    scenario_s = getattr(args, "scenario_duration", None)
    if scenario_s is None:
        return
    check_positive("--scenario-duration", scenario_s)
    board = str(getattr(args, "board", None) or "").strip().lower()
    if board != SIMULATED:
        raise UsageError(
            f"--scenario-duration only applies to --board {SIMULATED}; got --board {board or '(none)'}"
        )


def add_session_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``run``, ``replay`` and ``gui``: recording, protocol, baseline."""
    g = parser.add_argument_group("session")
    rec = g.add_mutually_exclusive_group()
    rec.add_argument(
        "--record-dir", metavar="DIR", default=None,
        help="where session folders go (default: recordings/ inside this repository, else the user data folder)",
    )
    rec.add_argument("--no-record", action="store_true", help="do not record")
    g.add_argument("--protocol", metavar="NAME", default=None, help="protocol name (see 'neurofeedback protocols') or TOML path; a replay of a session "
                   "uses the one it was recorded with unless given, 'none' for none")
    g.add_argument("--baseline", metavar="S", type=float, default=None, help="baseline block length in seconds (default 60)")
    g.add_argument("--osc", metavar="HOST:PORT", default=None,
                   help="also send every frame's scores and features as OSC messages (/neurofeedback/<column>)")
    g.add_argument("--lsl-out", action="store_true",
                   help="also publish the EEG, the features and markers as LSL streams")
    g.add_argument("--lsl-markers", metavar="NAME", default=None,
                   help="record the markers of this LSL marker stream (PsychoPy, a button box)")


def add_annotations_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--annotations FILE`` (:mod:`neurofeedback.io.annotations`)."""
    parser.add_argument("--annotations", metavar="FILE", default=None,
                        help="a file of annotations for the recording, e.g. a Sleep-EDF "
                             "*-Hypnogram.edf (EDF+), MNE .fif/.csv/.txt annotations, a "
                             "BrainVision .vmrk, an EEGLAB .set or a BIDS _events.tsv")


def add_gui_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the Qt window (``neurofeedback gui`` and ``python -m ui``)."""
    add_board_arguments(p, board=False)
    p.add_argument(
        "--board", default=None,
        help=f"start at once on this source: {', '.join(b.name for b in BOARDS)} or any "
        "BrainFlow BoardIds name (default: choose in the window)",
    )
    p.add_argument("--replay", default=None, metavar="PATH", help="start at once replaying this file or session folder")
    p.add_argument(
        "--speed", type=float, default=1.0,
        help="--replay only: replay speed, multiple of real time (default 1; the simulator uses --sim-speed)",
    )
    add_annotations_argument(p)
    add_session_arguments(p)
    p.add_argument("--feedback-mode", default=DEFAULT_SCORE, metavar="MODE",
                   help=f"score fed back without a protocol: {', '.join(FEEDBACK_SCORES)} (default "
                   f"{DEFAULT_SCORE}; a protocol's training phases choose their own)")
    p.add_argument("--fullscreen-feedback", action="store_true", help="show the feedback window full screen")
    p.add_argument("--duration", type=float, default=None, help="stop the session after S seconds of data")
    p.add_argument("--screenshot", default=None, metavar="PATH",
                   help="save the operator view to PATH and the feedback view beside it with '-feedback' "
                   "before the extension (shot.png -> shot-feedback.png); needs --quit-after")
    p.add_argument("--quit-after", type=float, default=None, metavar="S", help="quit after S seconds")


def check_gui_arguments(args: argparse.Namespace) -> None:
    """Reject option combinations of :func:`add_gui_arguments` that cannot work.

    Raises
    ------
    UsageError
        Naming the option, what it accepts and what it got.
    """
    check_option("--feedback-mode", args.feedback_mode, FEEDBACK_SCORES)
    check_positive("--speed", args.speed)
    check_positive("--sim-speed", args.sim_speed)
    if args.speed != 1.0 and not getattr(args, "replay", None):
        raise UsageError(
            f"--speed only applies to --replay; got --speed {args.speed:g} without --replay "
            "(use --sim-speed for --board simulated)"
        )
    board = str(getattr(args, "board", None) or "").strip().lower()
    if args.sim_speed != 1.0 and board != SIMULATED:
        raise UsageError(
            f"--sim-speed only applies to --board simulated; got --board {board or '(none)'}"
        )
    check_board_arguments(args)
    if getattr(args, "quit_after", None) is not None:
        check_positive("--quit-after", args.quit_after)
    if getattr(args, "duration", None) is not None:
        check_positive("--duration", args.duration)
    if getattr(args, "replay", None) and getattr(args, "board", None):
        raise UsageError("give either --board or --replay, not both")
    if getattr(args, "annotations", None) and not getattr(args, "replay", None):
        raise UsageError(f"--annotations only applies to --replay; got --annotations "
                         f"{args.annotations} without --replay")
