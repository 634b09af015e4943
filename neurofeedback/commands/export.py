"""``neurofeedback export SESSION --format fif|edf|bdf [--out PATH]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UsageError
from ..io import load_eeg_file
from ..io.export import default_out_path, export_loaded

NAME = "export"
HELP = "convert a recording or any readable EEG file to FIF, EDF or BDF"
ORDER = 50


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", metavar="SESSION", help="recording folder or EEG file")
    parser.add_argument("--format", dest="fmt", required=True, choices=("fif", "edf", "bdf"),
                        help="output format")
    parser.add_argument("--out", metavar="PATH", default=None,
                        help="output file (default: <session>/raw.<fmt>, or next to the input file)")
    parser.add_argument("--board", metavar="NAME", default=None,
                        help="board that recorded the input (BrainFlow CSV without session.json)")
    parser.add_argument("--channels", metavar="NAMES", default=None,
                        help="comma-separated channel names overriding the file's")
    parser.add_argument("--sfreq", metavar="HZ", type=float, default=None,
                        help="sample rate of a CSV file without a time column")


def run(args: argparse.Namespace) -> int:
    loaded = load_eeg_file(args.session, board=args.board, channels=args.channels, sfreq=args.sfreq)
    out = Path(args.out) if args.out else default_out_path(args.session, args.fmt)
    if out.resolve() == Path(args.session).resolve():
        raise UsageError(f"--out {out} is the input file itself; choose another --out path")
    written = export_loaded(loaded, out, args.fmt)
    print(f"exported {loaded.n_samples} samples x {len(loaded.ch_names)} channels "
          f"({loaded.duration_s:.2f} s at {loaded.sfreq:g} Hz) to {written}")
    return 0
