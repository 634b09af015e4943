"""Where a frame's CPU time goes, offline (a benchmark aid, never a test).

Pushes ``--minutes`` of the benchmark's EEG-like data (:class:`run.EEGGen`, 16 channels at
250 Hz) through the pipeline as offline analysis does (blocks of windows), but with the
per-window stage and the per-frame stage both on this thread under :mod:`cProfile`, and
prints milliseconds of CPU per 0.1-s frame: each stage, the FFTs (NumPy's transform calls:
the Hilbert transforms of Lempel-Ziv and synchrony, the Welch segments) and the ``--top``
functions by own time. Profiling adds overhead, so the totals are above ``make bench``'s;
the shares are what this is for.

Usage: ``.venv/bin/python benchmarks/profile_frame.py [--minutes 5] [--top 15]``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import HOP, N_WIN, NAMES, SF, EEGGen  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    if not args.minutes > 0:
        print(f"error: --minutes must be > 0; got {args.minutes}", file=sys.stderr)
        return 2

    from cost_floor import _offline_jobs, _prime, stage_costs

    from neurofeedback.pipeline.pipeline import Pipeline

    gen = EEGGen(3)
    data = gen.next(int(args.minutes * 60 * SF))
    Pipeline(SF, NAMES).push(data[:, : 10 * N_WIN])  # compile the kernels first

    def run() -> None:
        pipe = _prime(Pipeline(SF, NAMES), data)
        for job in _offline_jobs(pipe, data):
            pipe._stage2(job[0], pipe._stage1(*job))

    w_ms, f_ms, n = stage_costs(data)
    print(f"{n} frames, without profiling: per-window stage {w_ms:.3f} ms, "
          f"per-frame stage {f_ms:.3f} ms of CPU per frame")
    prof = cProfile.Profile()
    prof.enable()
    run()
    prof.disable()
    stats = pstats.Stats(prof)
    rows = []
    fft = 0.0
    for (file, line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        if "numpy/fft" in file.replace("\\", "/"):
            fft += tt
        rows.append((tt, f"{Path(file).name}:{line}({func})"))
    rows.sort(reverse=True)
    print(f"FFTs (numpy.fft, own time): {fft / n * 1e3:.3f} ms per frame (profiled)")
    for tt, name in rows[: args.top]:
        print(f"  {tt / n * 1e3:7.3f} ms  {name}")
    print(f"(frames every {HOP / SF:g} s; 1000x real time on 2 cores = "
          f"{2 * HOP / SF / 1000 * 1e3:.2f} ms of CPU per frame for everything)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
