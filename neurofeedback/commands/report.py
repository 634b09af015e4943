"""``neurofeedback report SESSION [--out PATH.html]``: a self-contained HTML report."""

from __future__ import annotations

import argparse

from ..report import write_report
from ._read_args import add_annotations_argument, add_read_arguments, read_options

NAME = "report"
HELP = "write a self-contained HTML report of a recording folder or an EEG file"
ORDER = 80


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", metavar="SESSION",
                        help="a recording folder (with session.json) or an EEG file (EDF, BDF, "
                             "FIF, OpenBCI txt, ...); analysed first when it has no features.csv")
    parser.add_argument("--out", metavar="PATH.html", default=None,
                        help="where to write (default: SESSION/report.html, or FILE.report.html)")
    add_read_arguments(parser)
    add_annotations_argument(parser)


def run(args: argparse.Namespace) -> int:
    path = write_report(args.session, args.out, read_options(args))
    print(f"report written to {path}")
    return 0
