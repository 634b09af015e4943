"""Same-run speed comparison of the pipeline at two commits (a benchmark, never a test).

On a shared machine the load changes from minute to minute, so two speeds measured at
different times say little. This script exports the base commit (``git archive``) to a
temporary folder and measures it and the working tree alternately, ``--rounds`` times each,
with the same data (:class:`run.EEGGen`) and the same settings as ``make bench``:

- live: median wall time per frame (25 new samples pushed, 16 channels, 250 Hz) and the mean
  CPU time of the pushing thread per frame (less sensitive to other processes);
- offline: ``analyze`` of ``--minutes`` of data with features.csv and bandpower.csv written, as
  a multiple of real time (wall) and per CPU second of the process (all threads).

Usage: ``.venv/bin/python benchmarks/compare.py --base main --rounds 2 --minutes 10``.
Prints one line per run, then the medians per tree.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent


def measure(frame_s: float, minutes: float) -> dict[str, float]:
    """Live and offline speed of the ``neurofeedback`` found on ``sys.path``."""
    import logging

    import numpy as np
    from run import HOP, N_WIN, NAMES, SF, EEGGen, bench_offline

    from neurofeedback.pipeline.pipeline import Pipeline

    logging.getLogger("neurofeedback").setLevel(logging.ERROR)
    bench_offline(1.0)  # compile and warm up
    gen = EEGGen(1)
    pipe = Pipeline(SF, NAMES)
    pipe.push(gen.next(N_WIN))
    wall, cpu = [], []
    for _ in range(int(frame_s * SF / HOP)):
        x = gen.next(HOP)
        t, c = time.perf_counter(), time.thread_time()
        pipe.push(x)
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - t)
    c0 = time.process_time()
    rt = bench_offline(minutes)
    cpu_s = time.process_time() - c0
    return {
        "frame_ms": float(np.median(wall) * 1e3),
        "frame_cpu_ms": float(np.mean(cpu) * 1e3),
        "offline_x": rt,
        "offline_x_per_cpu": minutes * 60.0 / cpu_s,
        "load": os.getloadavg()[0],
    }


def export(ref: str, dest: Path) -> None:
    """The tree of git ``ref`` of this repository, unpacked into ``dest``."""
    with tempfile.TemporaryFile() as fh:
        subprocess.run(["git", "archive", ref], cwd=TREE, stdout=fh, check=True)
        fh.seek(0)
        with tarfile.open(fileobj=fh) as tar:
            tar.extractall(dest, filter="data")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="main", help="git ref to compare against (default main)")
    ap.add_argument("--rounds", type=int, default=2, help="runs of each tree (default 2)")
    ap.add_argument("--minutes", type=float, default=10.0, help="offline data, min (default 10)")
    ap.add_argument("--frame-seconds", type=float, default=40.0,
                    help="live data, s (default 40)")
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.frame_seconds, args.minutes)))
        return 0
    if args.rounds < 1 or args.minutes <= 0 or args.frame_seconds <= 0:
        print("error: --rounds must be >= 1, --minutes and --frame-seconds > 0; got "
              f"{args.rounds}, {args.minutes}, {args.frame_seconds}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="nf-base-") as base_dir:
        try:
            export(args.base, Path(base_dir))
        except subprocess.CalledProcessError:
            print(f"error: --base must be a git ref of this repository; got {args.base!r}",
                  file=sys.stderr)
            return 2
        trees = {f"base ({args.base})": Path(base_dir), "working tree": TREE}
        got: dict[str, list[dict[str, float]]] = {k: [] for k in trees}
        for _ in range(args.rounds):
            for name, root in trees.items():  # alternating: both see the same load
                env = dict(os.environ, PYTHONPATH=str(root))
                out = subprocess.run(
                    [sys.executable, str(HERE / "compare.py"), "--measure",
                     "--minutes", str(args.minutes), "--frame-seconds", str(args.frame_seconds)],
                    cwd=root, env=env, capture_output=True, text=True, check=True,
                )
                r = json.loads(out.stdout.strip().splitlines()[-1])
                got[name].append(r)
                print(f"{name:>22}: frame {r['frame_ms']:.3f} ms (cpu {r['frame_cpu_ms']:.3f} ms), "
                      f"offline {r['offline_x']:.0f}x wall, {r['offline_x_per_cpu']:.0f}x per cpu-s, "
                      f"load {r['load']:.1f}", flush=True)
    import numpy as np

    for name, rs in got.items():
        med = {k: float(np.median([r[k] for r in rs])) for k in rs[0]}
        print(f"median {name:>15}: frame {med['frame_ms']:.3f} ms (cpu {med['frame_cpu_ms']:.3f} ms), "
              f"offline {med['offline_x']:.0f}x wall, {med['offline_x_per_cpu']:.0f}x per cpu-s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
