"""``neurofeedback replay``: replay any EEG file through the live pipeline."""

from __future__ import annotations

import argparse

from ..headless import has_screen, run_headless
from ..sources.factory import add_session_arguments, make_replay_source

NAME = "replay"
HELP = "replay a recording or any EEG file (OpenBCI txt, BrainFlow CSV, EDF/BDF/FIF...)"
ORDER = 15


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="PATH", help="a session folder or an EEG file")
    p.add_argument("--speed", metavar="X", type=float, default=1.0, help="multiple of real time; 0 = as fast as possible (default 1)")
    p.add_argument("--start", metavar="S", type=float, default=0.0, help="start at S seconds into the file")
    p.add_argument("--board", metavar="NAME", default=None, help="board that recorded a BrainFlow CSV without session.json")
    p.add_argument("--channels", metavar="NAMES", default=None, help="comma-separated channel names overriding the file's")
    p.add_argument("--duration", metavar="S", type=float, default=None, help="stop after S seconds of data")
    p.add_argument("--headless", action="store_true", help="no window: print a status line instead")
    add_session_arguments(p)


def run(args: argparse.Namespace) -> int:
    source = make_replay_source(
        args.path, speed=args.speed, start_s=args.start, board=args.board, channels=args.channels
    )
    if not args.headless and has_screen():
        from . import gui

        return gui.run_from_session_args(args, source=source)
    return run_headless(source, args, duration_s=args.duration)
