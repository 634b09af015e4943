"""Compare the feature tables of two ``analyze`` runs (a check, never a test).

Speed work may change the summation order of a sum and so the last digits of a number. This
script says how far two runs' ``features.csv`` and ``bandpower.csv`` are apart: for every file
pair (same relative path under the two folders) whether it is byte-identical, and otherwise,
per numeric column, the largest difference. A pair passes when both tables have the same
columns and rows, text columns are equal, NaN (empty) cells sit in the same places and every
numeric cell agrees within ``--rtol`` relative or ``--atol`` absolute (near zero).

Usage: ``.venv/bin/python benchmarks/compare_tables.py OLD_DIR NEW_DIR [--rtol 1e-9]
[--atol 1e-12]``. Prints one line per file and exits 1 if any pair fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

NAMES = ("features.csv", "bandpower.csv")


def compare(old: Path, new: Path, rtol: float, atol: float) -> tuple[bool, str]:
    """(passes, one-line summary) for one pair of CSV files."""
    if old.read_bytes() == new.read_bytes():
        return True, "byte-identical"
    a, b = pd.read_csv(old), pd.read_csv(new)
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False, f"layout differs: {a.shape} vs {b.shape}"
    worst, worst_col, n_diff = 0.0, "", 0
    for col in a.columns:
        x, y = a[col], b[col]
        if not (pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y)):
            if not x.equals(y):
                return False, f"text column {col!r} differs"
            continue
        xv, yv = x.to_numpy(float), y.to_numpy(float)
        if not np.array_equal(np.isnan(xv), np.isnan(yv)):
            return False, f"empty cells differ in {col!r}"
        ok = ~np.isnan(xv)
        d = np.abs(xv[ok] - yv[ok])
        n_diff += int(np.count_nonzero(d))
        if not np.all(d <= np.maximum(atol, rtol * np.abs(xv[ok]))):
            i = int(np.argmax(d - rtol * np.abs(xv[ok])))
            return False, f"{col!r}: {xv[ok][i]!r} vs {yv[ok][i]!r}"
        rel = d / np.maximum(np.abs(xv[ok]), atol / rtol) if d.size else d
        if rel.size and rel.max() > worst:
            worst, worst_col = float(rel.max()), col
    return True, (f"within tolerance: {n_diff} cells differ, largest relative difference "
                  f"{worst:.2e} ({worst_col})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("--atol", type=float, default=1e-12)
    args = ap.parse_args()
    if not args.old.is_dir() or not args.new.is_dir():
        print(f"error: OLD and NEW must be folders; got {args.old}, {args.new}", file=sys.stderr)
        return 2
    pairs = sorted(p.relative_to(args.old) for n in NAMES for p in args.old.rglob(n))
    if not pairs:
        print(f"error: no features.csv or bandpower.csv under {args.old}", file=sys.stderr)
        return 2
    failed = 0
    for rel in pairs:
        if not (args.new / rel).is_file():
            ok, msg = False, "missing in NEW"
        else:
            ok, msg = compare(args.old / rel, args.new / rel, args.rtol, args.atol)
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {rel}: {msg}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
