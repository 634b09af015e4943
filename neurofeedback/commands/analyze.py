"""``neurofeedback analyze PATH... --out DIR [--baseline S] [--jobs N | --scheduler ADDRESS]
[--board NAME] [--channels NAMES] [--sfreq HZ]``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from ..analyze_cluster import analyze_on_cluster
from ..analyze_many import BatchProgress, FileOutcome, analyze_files
from ..errors import UsageError
from ..pipeline import COMPILE_NOTE, kernels_compiled
from ._read_args import add_read_arguments, read_options

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
                        help="analyse up to N inputs at a time in parallel processes (default 1)")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="run on a Dask cluster, e.g. tcp://host:8786 (needs the 'cluster' extra: "
                             "the 'distributed' package); the tables come back to this machine")
    parser.add_argument("--json", action="store_true", help="print the results as JSON (for scripts)")
    add_read_arguments(parser)


def _report_failure(outcome: FileOutcome, bar: BatchProgress) -> None:
    if outcome.error is not None:
        bar.write(f"error: {outcome.error}")


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise UsageError(f"--jobs must be >= 1; got {args.jobs}")
    if args.baseline is not None and not args.baseline > 0:
        raise UsageError(f"--baseline must be a number of seconds > 0; got {args.baseline}")
    show = sys.stderr.isatty()
    if args.scheduler is not None:
        if args.jobs != 1:
            raise UsageError(f"--jobs applies to a run on this machine; with --scheduler the "
                             f"cluster's workers share the inputs (got --jobs {args.jobs})")
        outcomes = analyze_on_cluster(list(args.paths), args.out, args.scheduler, args.baseline,
                                      show_progress=show, on_done=_report_failure,
                                      read=read_options(args))
    else:
        if not kernels_compiled():
            sys.stderr.write(COMPILE_NOTE + "\n")
        outcomes = analyze_files(list(args.paths), args.out, args.baseline, args.jobs,
                                 show_progress=show, on_done=_report_failure,
                                 read=read_options(args))
    failed = [o for o in outcomes if not o.ok]
    if args.json:
        print(json.dumps([dataclasses.asdict(o.summary) if o.summary is not None
                          else {"path": o.path, "error": o.error} for o in outcomes], indent=2))
    else:
        for o in outcomes:
            r = o.summary
            if r is None:
                continue
            mains = "none" if r.mains_hz is None else f"{r.mains_hz:g} Hz"
            print(f"{r.path}: {r.n_frames} frames over {r.duration_s:.1f} s, "
                  f"{100 * r.artifact_share:.0f}% artifact frames, mains notch {mains} "
                  f"-> {r.out_dir}/features.csv, bandpower.csv")
            if r.rate_notes:
                print("  adapted to the sample rate: " + "; ".join(r.rate_notes))
            for note in r.recording_notes:
                print(f"  note: {note}")
    if failed:
        if len(outcomes) > 1:
            sys.stderr.write(f"error: {len(failed)} of {len(outcomes)} inputs failed (see above); "
                             "the others were analysed\n")
        return 2
    return 0
