"""``neurofeedback analyze PATH... --out DIR [--baseline S] [--jobs N]``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from ..analyze import analyze_paths
from ..errors import UsageError
from ..pipeline import COMPILE_NOTE, kernels_compiled

NAME = "analyze"
HELP = "compute the feature table (features.csv, bandpower.csv) of EEG files offline"
ORDER = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", metavar="PATH", nargs="+",
                        help="EEG file(s) or recording folder(s) (anything 'neurofeedback info' reads)")
    parser.add_argument("--out", metavar="DIR", required=True,
                        help="output folder (one input: the two CSV files; several: one subfolder each)")
    parser.add_argument("--baseline", metavar="S", type=float, default=None,
                        help="baseline block = the first S seconds (default 60)")
    parser.add_argument("--jobs", metavar="N", type=int, default=1,
                        help="analyse up to N inputs in parallel processes (default 1)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON (for scripts)")


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise UsageError(f"--jobs must be >= 1; got {args.jobs}")
    if args.baseline is not None and not args.baseline > 0:
        raise UsageError(f"--baseline must be a number of seconds > 0; got {args.baseline}")
    if not kernels_compiled():
        sys.stderr.write(COMPILE_NOTE + "\n")
    results = analyze_paths(list(args.paths), args.out, args.baseline, args.jobs,
                            show_progress=sys.stderr.isatty())
    if args.json:
        print(json.dumps([dataclasses.asdict(r) for r in results], indent=2))
        return 0
    for r in results:
        mains = "none" if r.mains_hz is None else f"{r.mains_hz:g} Hz"
        print(f"{r.path}: {r.n_frames} frames over {r.duration_s:.1f} s, "
              f"{100 * r.artifact_share:.0f}% artifact frames, mains notch {mains} "
              f"-> {r.out_dir}/features.csv, bandpower.csv")
        if r.rate_notes:
            print("  adapted to the sample rate: " + "; ".join(r.rate_notes))
    return 0
