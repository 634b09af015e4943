"""BLAS threads and the pipeline's matrix products (a benchmark aid, never a test).

Times :func:`neurofeedback.pipeline.spatial_modes.mode_power` on 50 frames of a 64-channel,
1000-Hz recording's 2-s windows (what the per-window stage multiplies for a dense montage) with
BLAS limited to 1 thread and to 2, first with the machine otherwise idle and then with a busy
loop in another process (what the pipeline's own second thread, ``analyze --jobs 2`` or the
window do to it), and the whole offline analysis of 60 s of such a recording under both limits.
Each figure is the median of ``--repeats`` runs. See ``neurofeedback/pipeline/threads.py``.

Usage: ``.venv/bin/python benchmarks/blas_threads.py [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time

import numpy as np
from threadpoolctl import threadpool_limits


def _spin(stop) -> None:  # pragma: no cover - a busy loop in another process
    while not stop.is_set():
        pass


def _names() -> list[str]:
    import mne

    montage = mne.channels.make_standard_montage("standard_1005")  # 64 of its sites
    return [n for n in montage.ch_names if not n.startswith(("A1", "A2", "M1", "M2"))][:64]


def _data(sf: float, seconds: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    n = int(sf * seconds)
    x = np.cumsum(rng.standard_normal((64, n)), axis=1) * 0.3
    return x - x.mean(axis=1, keepdims=True) + 10.0 * rng.standard_normal((64, n))


def _products(threads: int, repeats: int) -> float:
    from neurofeedback.pipeline.spatial_modes import mode_power

    rng = np.random.default_rng(1)
    x = rng.standard_normal((50, 64, 2000))
    e = np.linalg.qr(rng.standard_normal((64, 63)))[0]
    times = []
    with threadpool_limits(threads, user_api="blas"):
        for _ in range(repeats):
            t = time.perf_counter()
            mode_power(x, e)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def _analysis(threads: int, repeats: int) -> float:
    from neurofeedback.analyze import analyze_to_dir
    from neurofeedback.io.loaded import LoadedFile

    sf, seconds = 1000.0, 60.0
    x = _data(sf, seconds)
    lf = LoadedFile(path="dense", format="synthetic", data=x, sfreq=sf, ch_names=_names(),
                    timestamps=np.arange(x.shape[1]) / sf)
    times = []
    with threadpool_limits(threads, user_api="blas"):
        with tempfile.TemporaryDirectory() as d:  # warm-up: kernels loaded, caches filled
            analyze_to_dir(LoadedFile(path="warm", format="synthetic", data=x[:, :5000], sfreq=sf,
                                      ch_names=lf.ch_names, timestamps=lf.timestamps[:5000]), d)
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as d:
                t = time.perf_counter()
                analyze_to_dir(lf, d)
                times.append(time.perf_counter() - t)
    return seconds / statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    if args.repeats < 1:
        print(f"error: --repeats must be >= 1; got {args.repeats}", file=sys.stderr)
        return 2
    import logging

    logging.getLogger("neurofeedback").setLevel(logging.ERROR)
    rows = []
    for busy in (False, True):
        stop = multiprocessing.Event()
        hog = multiprocessing.Process(target=_spin, args=(stop,)) if busy else None
        if hog is not None:
            hog.start()
        try:
            for threads in (1, 2):
                ms = _products(threads, args.repeats) * 1e3
                rt = _analysis(threads, max(1, args.repeats // 2))  # 60 s of data each
                rows.append((busy, threads, ms, rt))
        finally:
            if hog is not None:
                stop.set()
                hog.join()
    print(f"{'other core':<11} {'BLAS threads':>12} {'50-frame products':>18} {'analysis, real time':>20}")
    for busy, threads, ms, rt in rows:
        print(f"{'busy' if busy else 'idle':<11} {threads:>12} {ms:>15.0f} ms {rt:>19.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
