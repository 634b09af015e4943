"""``neurofeedback info PATH``: format, channels, rate, duration, per-channel quality."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from ..info import describe, format_info
from ._read_args import add_annotations_argument, add_read_arguments, read_options

NAME = "info"
HELP = "describe an EEG file or recording: format, channels, rate, duration, channel quality"
ORDER = 40


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help="EEG file or recording folder")
    add_read_arguments(parser)
    add_annotations_argument(parser)
    parser.add_argument("--full", action="store_true",
                        help="run the quality checks over every frame of a recording longer than "
                             "10 min (default: 60 evenly spaced 10-s stretches)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def _clean(obj: Any) -> Any:
    """NaN -> None so the JSON is standard."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def run(args: argparse.Namespace) -> int:
    loaded = read_options(args).load(args.path)
    d = describe(loaded, full=args.full)
    if args.json:
        print(json.dumps(_clean(d), indent=2))
    else:
        print(format_info(d))
    return 0
