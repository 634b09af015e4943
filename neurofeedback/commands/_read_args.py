"""The file-reading options shared by every command that reads EEG files."""

from __future__ import annotations

import argparse

from ..app.options import add_annotations_argument
from ..io import ReadOptions

__all__ = ["add_annotations_argument", "add_read_arguments", "read_options"]


def add_read_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--board``, ``--channels`` and ``--sfreq`` (see :class:`~neurofeedback.io.ReadOptions`)."""
    parser.add_argument("--board", metavar="NAME", default=None,
                        help="board that recorded the file (needed for a BrainFlow CSV without session.json)")
    parser.add_argument("--channels", metavar="NAMES", default=None,
                        help="comma-separated channel names overriding the file's, e.g. Fp1,Fp2,C3,C4")
    parser.add_argument("--sfreq", metavar="HZ", type=float, default=None,
                        help="sample rate of a CSV file without a time column")


def read_options(args: argparse.Namespace) -> ReadOptions:
    """The parsed options as one :class:`~neurofeedback.io.ReadOptions`."""
    return ReadOptions(board=args.board, channels=args.channels, sfreq=args.sfreq,
                       annotations=getattr(args, "annotations", None))
