"""``neurofeedback replay``: replay any EEG file through the live pipeline."""

from __future__ import annotations

import argparse

from ..app import build_source, spec_from_args
from ..app.options import add_session_arguments
from ..headless import has_screen, run_headless
from . import gui
from ._read_args import add_annotations_argument, add_read_arguments

NAME = "replay"
HELP = "replay a recording or any EEG file (OpenBCI txt, BrainFlow CSV, EDF/BDF/FIF...)"
ORDER = 15


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="PATH", help="a session folder or an EEG file")
    p.add_argument("--speed", metavar="X", type=float, default=1.0, help="multiple of real time; 0 = as fast as possible (default 1)")
    p.add_argument("--start", metavar="S", type=float, default=0.0, help="start at S seconds into the file")
    add_read_arguments(p)
    add_annotations_argument(p)
    p.add_argument("--duration", metavar="S", type=float, default=None, help="stop after S seconds of data")
    p.add_argument("--headless", action="store_true", help="no window: print a status line instead")
    p.add_argument("--json", action="store_true",
                   help="with --headless: end with a JSON summary on stdout (for scripts)")
    add_session_arguments(p)


def run(args: argparse.Namespace) -> int:
    headless = args.headless or not has_screen()
    spec = spec_from_args(args, duration_s=args.duration, frontend="cli" if headless else "gui")
    # read the file now, so a bad file is one error line before any window opens
    spec.source = build_source(spec)
    if not headless:
        return gui.open_window(spec)
    return run_headless(spec, as_json=args.json)
