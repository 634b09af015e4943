"""``neurofeedback export SESSION --format fif|edf|bdf [--out PATH]`` or
``--format bids --bids-root DIR --subject ID [--session ID] [--task NAME]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UsageError
from ..io.bids import export_bids
from ..io.export import default_out_path, export_loaded
from ..pipeline.filters import detect_mains
from ._read_args import add_annotations_argument, add_read_arguments, read_options

NAME = "export"
HELP = "convert a recording or any readable EEG file to FIF, EDF, BDF or a BIDS dataset"
ORDER = 50


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", metavar="SESSION", help="recording folder or EEG file")
    parser.add_argument("--format", dest="fmt", required=True, choices=("fif", "edf", "bdf", "bids"),
                        help="output format")
    parser.add_argument("--bids-root", metavar="DIR", default=None,
                        help="--format bids: the BIDS dataset folder")
    parser.add_argument("--subject", metavar="ID", default=None, help="--format bids: subject label")
    parser.add_argument("--session", dest="bids_session", metavar="ID", default=None,
                        help="--format bids: session label")
    parser.add_argument("--task", metavar="NAME", default="neurofeedback",
                        help="--format bids: task label (default neurofeedback)")
    parser.add_argument("--overwrite", action="store_true",
                        help="--format bids: replace a run with the same labels")
    parser.add_argument("--out", metavar="PATH", default=None,
                        help="output file (default: <session>/raw.<fmt>, or next to the input file)")
    add_read_arguments(parser)
    add_annotations_argument(parser)


def run(args: argparse.Namespace) -> int:
    if args.fmt == "bids":
        if not args.bids_root or not args.subject:
            raise UsageError("--format bids needs --bids-root DIR and --subject ID")
    elif args.bids_root or args.subject or args.bids_session:
        raise UsageError("--bids-root, --subject and --session only apply to --format bids")
    loaded = read_options(args).load(args.session)
    if args.fmt == "bids":
        # the mains frequency BIDS requires: the session's, else the hum found in the first 10 s
        n = min(loaded.data.shape[1], int(10 * loaded.sfreq))
        mains = detect_mains(loaded.data[:, :n], float(loaded.sfreq), loaded.rail_uv)
        written = export_bids(loaded, args.bids_root, args.subject, args.bids_session, args.task,
                              overwrite=args.overwrite, line_freq=mains)
        print(f"exported {loaded.n_samples} samples x {len(loaded.ch_names)} channels "
              f"({loaded.duration_s:.2f} s at {loaded.sfreq:g} Hz) to {written}")
        return 0
    out = Path(args.out) if args.out else default_out_path(args.session, args.fmt)
    if out.resolve() == Path(args.session).resolve():
        raise UsageError(f"--out {out} is the input file itself; choose another --out path")
    written = export_loaded(loaded, out, args.fmt)
    print(f"exported {loaded.n_samples} samples x {len(loaded.ch_names)} channels "
          f"({loaded.duration_s:.2f} s at {loaded.sfreq:g} Hz) to {written}")
    return 0
