"""``neurofeedback gui``: the Qt operator and feedback windows.

Qt is imported only inside :func:`run` (from the ``ui`` package), so the headless package never
imports it.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..sources.factory import add_board_arguments, add_session_arguments
from ..validation import check_option, check_positive

NAME = "gui"
HELP = "open the operator and feedback windows (live board, simulator or replay)"
ORDER = 20
FEEDBACK_MODES = ("meditation", "integration")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_board_arguments(p, board=False)
    p.add_argument(
        "--board", default=None,
        help="start at once on this source: synthetic, simulated, cyton, cyton-daisy, ganglion or any "
        "BrainFlow BoardIds name (default: choose in the window)",
    )
    p.add_argument("--replay", default=None, metavar="PATH", help="start at once replaying this file or session folder")
    p.add_argument(
        "--speed", type=float, default=1.0,
        help="--replay only: replay speed, multiple of real time (default 1; the simulator uses --sim-speed)",
    )
    add_session_arguments(p)
    p.add_argument("--feedback-mode", default="meditation", metavar="MODE",
                   help="meditation (default) or integration")
    p.add_argument("--fullscreen-feedback", action="store_true", help="show the feedback window full screen")
    p.add_argument("--duration", type=float, default=None, help="stop the session after S seconds of data")
    p.add_argument("--screenshot", default=None, metavar="PATH",
                   help="save the operator view to PATH and the feedback view beside it with '-feedback' "
                   "before the extension (shot.png -> shot-feedback.png); needs --quit-after")
    p.add_argument("--quit-after", type=float, default=None, metavar="S", help="quit after S seconds")


def _check(args: argparse.Namespace) -> None:
    from ..errors import UsageError

    check_option("--feedback-mode", args.feedback_mode, FEEDBACK_MODES)
    check_positive("--speed", args.speed)
    check_positive("--sim-speed", args.sim_speed)
    if args.speed != 1.0 and not getattr(args, "replay", None):
        raise UsageError(
            f"--speed only applies to --replay; got --speed {args.speed:g} without --replay "
            "(use --sim-speed for --board simulated)"
        )
    board = str(getattr(args, "board", None) or "").strip().lower()
    if args.sim_speed != 1.0 and board != "simulated":
        raise UsageError(
            f"--sim-speed only applies to --board simulated; got --board {board or '(none)'}"
        )
    if getattr(args, "quit_after", None) is not None:
        check_positive("--quit-after", args.quit_after)
    if getattr(args, "duration", None) is not None:
        check_positive("--duration", args.duration)
    if getattr(args, "replay", None) and getattr(args, "board", None):
        raise UsageError("give either --board or --replay, not both")


def run(args: argparse.Namespace) -> int:
    _check(args)
    from ui.app import run_from_args

    return run_from_args(args, duration_s=getattr(args, "duration", None))


def run_from_session_args(args: argparse.Namespace, *, source: Any = None, duration_s: float | None = None) -> int:
    """Open the window for ``neurofeedback run`` / ``replay`` when a screen is available."""
    from ui.app import run_from_args

    return run_from_args(args, source=source, duration_s=duration_s)
