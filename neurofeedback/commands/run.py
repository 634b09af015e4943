"""``neurofeedback run``: a live session from a BrainFlow board or the simulator."""

from __future__ import annotations

import argparse

from ..app import spec_from_args
from ..app.options import add_board_arguments, add_session_arguments, check_board_arguments
from ..headless import has_screen, run_headless
from ..validation import check_positive
from . import gui

NAME = "run"
HELP = "run a live session (BrainFlow board or simulator), recording it"
ORDER = 10


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_board_arguments(p)
    add_session_arguments(p)
    p.add_argument("--duration", metavar="S", type=float, default=None, help="stop after S seconds of data, whatever the source (default: until Ctrl-C, the "
                   "protocol's end or the end of the data)")
    p.add_argument("--headless", action="store_true", help="no window: print a status line instead")
    p.add_argument("--json", action="store_true",
                   help="with --headless: end with a JSON summary on stdout (for scripts)")


def run(args: argparse.Namespace) -> int:
    duration = None if args.duration is None else check_positive("--duration", args.duration)
    check_board_arguments(args)
    headless = args.headless or not has_screen()
    spec = spec_from_args(args, duration_s=duration, frontend="cli" if headless else "gui")
    if not headless:
        return gui.open_window(spec)
    return run_headless(spec, as_json=args.json)
