"""Where a frame's cost goes, and the part today's definitions fix (a benchmark aid, never a test).

Issue 14 asks for <= 0.5 ms per live frame and >= 1000x real time offline on 2 cores (0.2 ms of
CPU per 0.1-s frame). This measures, on the benchmark's EEG-like data (16 channels at 250 Hz,
2-s windows every 0.1 s):

- **stage costs, offline**: CPU per frame of the per-window stage (spectra, quality checks,
  entropy, synchrony windows, ...) and of the per-frame stage (the stateful walk: synchrony
  pools, baselines, estimator, scores), run as offline analysis runs them (blocks of windows),
  both on this thread;
- **the transforms' floor**: the Fourier transforms the pipeline's definitions ask for (the
  Welch segments, the windowed Hilbert transforms of Lempel-Ziv and of the region synchrony,
  the harmony spectra), recorded with their shapes while the real pipeline runs (live: one frame
  per push; offline: blocks), then replayed alone on arrays of the same shapes. No other work
  is in that number: it is what those definitions cost before any of the rest is done.

Usage: ``.venv/bin/python benchmarks/cost_floor.py [--minutes 2] [--json]``; ``make bench``
merges its keys into ``results.json`` (``offline_window_stage_cpu_ms``,
``offline_frame_stage_cpu_ms``, ``fft_floor_live_ms``, ``fft_floor_offline_ms``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import HOP, N_WIN, NAMES, SF, EEGGen  # noqa: E402

#: NumPy's transforms the pipeline calls (``numpy.fft`` functions).
_FFT_NAMES = ("rfft", "irfft", "fft", "ifft")


def _data(minutes: float) -> np.ndarray:
    return EEGGen(3).next(int(minutes * 60 * SF))


def _offline_jobs(pipe, data: np.ndarray):
    """The pipeline's offline work items over ``data`` after its first window (as analysis
    feeds it: blocks of windows). ``pipe`` must have been given that window
    (:func:`_prime`)."""
    import neurofeedback.pipeline.pipeline as pp

    block = pp.block_samples(SF, len(NAMES))
    for s in range(N_WIN, data.shape[1], block):
        yield from pipe._prepare(data[:, s : s + block], fresh=True)


def _prime(pipe, data: np.ndarray):
    """Give ``pipe`` the first window of ``data`` (mains decided, filters started); returns it."""
    pipe.push(data[:, :N_WIN])
    return pipe


def stage_costs(data: np.ndarray) -> tuple[float, float, int]:
    """CPU ms per frame of the per-window and of the per-frame stage, offline, and the frames.

    Parameters
    ----------
    data : ndarray, shape (16, n_samples)
        EEG, uV, at :data:`run.SF`.
    """
    from neurofeedback.pipeline.pipeline import Pipeline

    pipe = _prime(Pipeline(SF, NAMES), data)
    t1 = t2 = 0.0
    n = 0
    for job in _offline_jobs(pipe, data):
        a = time.process_time()
        r = pipe._stage1(*job)
        b = time.process_time()
        n += len(pipe._stage2(job[0], r))
        t1 += b - a
        t2 += time.process_time() - b
    return t1 / n * 1e3, t2 / n * 1e3, n


@contextmanager
def _recording_transforms(calls: Counter):
    """Count ``numpy.fft`` calls by (name, input shape, input kind, ``n``) while inside."""
    saved = {name: getattr(np.fft, name) for name in _FFT_NAMES}

    def wrapper(name, func):
        def call(a, n=None, axis=-1, **kw):
            x = np.asarray(a)
            calls[(name, x.shape, x.dtype.kind, n, axis)] += 1
            return func(a, n=n, axis=axis, **kw)
        return call

    for name, func in saved.items():
        setattr(np.fft, name, wrapper(name, func))
    try:
        yield calls
    finally:
        for name, func in saved.items():
            setattr(np.fft, name, func)


def _replay_ms(calls: Counter, n_frames: int, repeats: int = 5) -> float:
    """Fastest of ``repeats`` replays of ``calls`` (on fresh arrays of the recorded shapes), ms
    per frame."""
    rng = np.random.default_rng(0)
    work = []
    for (name, shape, kind, n, axis), count in calls.items():
        x = rng.standard_normal(shape)
        if kind == "c":
            x = x + 1j * rng.standard_normal(shape)
        work.append((getattr(np.fft, name), x, n, axis, count))
    best = np.inf
    for _ in range(repeats):
        t = time.process_time()
        for func, x, n, axis, count in work:
            for _ in range(count):
                func(x, n=n, axis=axis)
        best = min(best, time.process_time() - t)
    return best / n_frames * 1e3


def fft_floor(data: np.ndarray, live_seconds: float = 20.0) -> tuple[float, float]:
    """(live, offline) ms per frame of the transforms alone, replayed at the recorded shapes.

    Parameters
    ----------
    data : ndarray, shape (16, n_samples)
        EEG, uV; the live part uses its first 30 s + ``live_seconds``.
    live_seconds : float
        Seconds of one-frame pushes recorded (after 30 s pushed at once).
    """
    from neurofeedback.pipeline.pipeline import Pipeline

    live = Counter()
    pipe = Pipeline(SF, NAMES)
    s0 = int(30 * SF)
    pipe.push(data[:, :s0])
    n_live = 0
    with _recording_transforms(live):
        for s in range(s0, s0 + int(live_seconds * SF), HOP):
            n_live += len(pipe.push(data[:, s : s + HOP]))
    off = Counter()
    pipe = _prime(Pipeline(SF, NAMES), data)  # outside the recording: its frame is not counted
    n_off = 0
    with _recording_transforms(off):
        for job in _offline_jobs(pipe, data):
            n_off += len(pipe._stage2(job[0], pipe._stage1(*job)))
    return _replay_ms(live, n_live), _replay_ms(off, n_off)


def measure(minutes: float = 2.0) -> dict[str, float]:
    """The keys :mod:`run` merges into ``results.json``."""
    from neurofeedback.pipeline.pipeline import Pipeline

    data = _data(minutes)
    Pipeline(SF, NAMES).push(data[:, : 10 * N_WIN])  # compile the kernels first
    w, f, _ = stage_costs(data)
    live, off = fft_floor(data)
    return {
        "offline_window_stage_cpu_ms": round(w, 3),
        "offline_frame_stage_cpu_ms": round(f, 3),
        "fft_floor_live_ms": round(live, 3),
        "fft_floor_offline_ms": round(off, 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--json", action="store_true", help="print the keys as JSON")
    args = ap.parse_args()
    if not args.minutes >= 1:
        print(f"error: --minutes must be >= 1 (the live part needs 50 s); got {args.minutes}",
              file=sys.stderr)
        return 2
    keys = measure(args.minutes)
    if args.json:
        print(json.dumps(keys, indent=2))
        return 0
    budget = 2 * HOP / SF / 1000 * 1e3
    print(f"offline, CPU per frame: per-window stage {keys['offline_window_stage_cpu_ms']:.3f} ms, "
          f"per-frame stage {keys['offline_frame_stage_cpu_ms']:.3f} ms "
          f"(1000x real time on 2 cores allows {budget:.2f} ms for everything)")
    print(f"the transforms alone: {keys['fft_floor_live_ms']:.3f} ms per live frame (target 0.5 ms "
          f"for everything), {keys['fft_floor_offline_ms']:.3f} ms of CPU per offline frame")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
