"""Pipeline benchmark (``make bench``): 16 channels at 250 Hz, 2-s window, 0.1-s hop.

(a) median cost per frame of the full pipeline;
(b) the same band powers and 120-pair PLV in two bands computed by a reference built from MNE
    (``psd_array_welch``) and mne-connectivity (``spectral_connectivity_time``), and our speed-up;
(c) offline analysis of 60 minutes (``--quick``: 2) of data, features.csv + bandpower.csv
    written, as a multiple of real time;
(d) RSS growth over a 2-hour simulated session pushed in 0.5-s chunks;
(e) response latency of the feedback scores to step changes of energy, synchrony and
    drowsiness made by the scenario simulator (:mod:`neurofeedback.simulate.steps`), and the
    scores' frame-to-frame noise on the steady stretches;
(f) where an offline frame's CPU goes (per-window and per-frame stage) and what the Fourier
    transforms of today's definitions cost alone (:mod:`cost_floor`).

Prints a table and merges its numbers into ``benchmarks/results.json``; then runs
``benchmarks/ui_bench.py`` in a subprocess if it exists, and ``benchmarks/jobs_bench.py``
(``analyze --jobs`` scaling over 8 recordings).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
SF = 250.0
NAMES = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8", "T7", "T8", "P7", "P8"]
N_WIN = 500
HOP = 25


class EEGGen:
    """Endless 16-channel EEG-like data: pink-ish background, a shared 10-Hz alpha, blinks never."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.state = np.zeros(16)
        self.t0 = 0

    def next(self, n: int) -> np.ndarray:
        w = self.rng.standard_normal((16, n))
        brown = self.state[:, None] + np.cumsum(w, axis=1) * 0.5
        brown -= 0.002 * np.cumsum(brown, axis=1) / np.arange(1, n + 1)  # keep it bounded
        self.state = brown[:, -1] * 0.99
        t = (self.t0 + np.arange(n)) / SF
        self.t0 += n
        alpha = 15 * np.sin(2 * np.pi * 10 * t + np.linspace(0, 1, 16)[:, None])
        return brown + alpha + 4 * self.rng.standard_normal((16, n))


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def bench_frame(seconds: float = 60.0) -> float:
    from neurofeedback.pipeline.pipeline import Pipeline

    gen = EEGGen(1)
    pipe = Pipeline(SF, NAMES)
    pipe.push(gen.next(N_WIN))  # first window (and numba compile)
    times = []
    for _ in range(int(seconds * SF / HOP)):
        x = gen.next(HOP)
        t = time.perf_counter()
        frames = pipe.push(x)
        times.append(time.perf_counter() - t)
        assert len(frames) == 1
    return float(np.median(times) * 1e3)


def bench_reference(n_frames: int = 60, n_repeats: int = 10) -> tuple[float, float]:
    """(reference ms, ours ms) per frame for band powers + 120-pair PLV in theta and alpha.

    Ours runs the pipeline's synchrony kernel, which gives wPLI and the Kuramoto order too."""
    import mne
    from mne_connectivity import spectral_connectivity_time

    from neurofeedback.pipeline.batch import analytic, synchrony_batch
    from neurofeedback.pipeline.filters import CausalFilter, design_sos
    from neurofeedback.pipeline.frame import BANDS
    from neurofeedback.pipeline.spectra import WelchPSD, band_masks, band_power_db

    gen = EEGGen(2)
    data = gen.next(N_WIN + HOP * n_frames)
    bands2 = [(4.0, 8.0), (8.0, 13.0)]
    iu = np.triu_indices(16, 1)
    ref_t = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(n_frames):
            w = data[:, k * HOP : k * HOP + N_WIN]
            t = time.perf_counter()
            psd, freqs = mne.time_frequency.psd_array_welch(
                w, SF, fmin=0, fmax=SF / 2, n_fft=250, n_per_seg=250, n_overlap=125,
                window="hann", verbose=False)
            _ = [10 * np.log10(psd[:, (freqs >= lo) & (freqs < hi)].sum(axis=1)) for lo, hi in BANDS.values()]
            con = spectral_connectivity_time(
                w[None], freqs=np.arange(4.0, 13.0), method="plv", sfreq=SF, fmin=(4.0, 8.0),
                fmax=(8.0, 13.0), faverage=True, mode="cwt_morlet", n_cycles=3,
                indices=(iu[0], iu[1]), verbose=False)
            _ = con.get_data()
            ref_t.append(time.perf_counter() - t)
    welch = WelchPSD(SF, N_WIN)
    masks = band_masks(welch.freqs)
    filt = [CausalFilter(design_sos(SF, "bandpass", list(b), 4), 16) for b in bands2]
    bp = [f.process(data) for f in filt]  # causal band-pass: per sample, carried state (0.03 ms/frame)
    ours_t = []
    for k in list(range(n_frames)) * n_repeats:  # cheap: repeated so the median shrugs off load spikes
        s = slice(k * HOP, k * HOP + N_WIN)
        t = time.perf_counter()
        _ = band_power_db(welch(data[:, s]), masks, welch.df)
        for b in bp:
            _ = synchrony_batch(analytic(b[:, s])[None], 10.0)[0][0][iu]  # (+ wPLI, Kuramoto)
        ours_t.append(time.perf_counter() - t)
    return float(np.median(ref_t) * 1e3), float(np.median(ours_t) * 1e3)


def bench_offline(minutes: float) -> float:
    from neurofeedback.analyze import analyze_to_dir
    from neurofeedback.io.loaded import LoadedFile

    n = int(minutes * 60 * SF)
    gen = EEGGen(3)
    data = np.concatenate([gen.next(int(60 * SF)) for _ in range(int(np.ceil(minutes)))], axis=1)[:, :n]
    loaded = LoadedFile(path="bench", format="synthetic", data=data, sfreq=SF, ch_names=NAMES,
                        timestamps=np.arange(n) / SF)
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        analyze_to_dir(loaded, d)
        el = time.perf_counter() - t
    return minutes * 60 / el


def bench_rss(hours: float, chunk: int = 5 * HOP) -> tuple[float, float, float]:
    """RSS before and after (MB) and seconds taken, pushing ``chunk``-sample pieces (0.5 s:
    what a board poll or file replay delivers; 5 frames per push)."""
    from neurofeedback.pipeline.pipeline import Pipeline

    gen = EEGGen(4)
    pipe = Pipeline(SF, NAMES)
    n_warm = int(60 * SF / chunk)
    for _ in range(n_warm):  # 1 minute warm-up: numba, caches, baseline
        pipe.push(gen.next(chunk))
    before = rss_mb()
    n_push = int(hours * 3600 * SF / chunk) - n_warm
    t = time.perf_counter()
    for _ in range(n_push):
        pipe.push(gen.next(chunk))
    el = time.perf_counter() - t
    after = rss_mb()
    return before, after, el


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs (2 min offline, 10 min RSS)")
    args = ap.parse_args()
    import logging

    logging.getLogger("neurofeedback").setLevel(logging.ERROR)
    offline_min = 2.0 if args.quick else 60.0
    load_before = os.getloadavg()[0]
    rss_hours = 1 / 6 if args.quick else 2.0

    print("measuring (a) per-frame cost ...", file=sys.stderr)
    update_ms = bench_frame()
    print("measuring (b) reference ...", file=sys.stderr)
    ref_ms, ours_eq_ms = bench_reference()
    print(f"measuring (c) offline, {offline_min:g} min of data ...", file=sys.stderr)
    rt = bench_offline(offline_min)
    print(f"measuring (d) RSS over {rss_hours:g} h ...", file=sys.stderr)
    before, after, el = bench_rss(rss_hours)
    growth = after - before
    print("measuring (e) response latency to steps ...", file=sys.stderr)
    from neurofeedback.simulate.steps import bench_keys, measure

    response = bench_keys(measure(seeds=range(2 if args.quick else 5)))
    print("measuring (f) where a frame's CPU goes (stages, the transforms alone) ...",
          file=sys.stderr)
    from cost_floor import measure as cost_measure

    cost = cost_measure(2.0)
    load_after = os.getloadavg()[0]

    rows = [
        ("(a) full pipeline, median per frame", f"{update_ms:.2f} ms", "<= 0.5 ms"),
        ("(b) reference (MNE welch + mne-connectivity PLV, 120 pairs x 2 bands)", f"{ref_ms:.2f} ms", ""),
        ("    ours, same outputs (Welch + band powers + 120-pair PLV x 2 bands)", f"{ours_eq_ms:.2f} ms", ""),
        ("    speed-up, same outputs", f"{ref_ms / ours_eq_ms:.0f}x", ">= 20x"),
        ("    speed-up, our full pipeline vs reference", f"{ref_ms / update_ms:.1f}x", ""),
        (f"(c) offline analysis ({offline_min:g} min measured, CSV written)", f"{rt:.0f}x real time", ">= 1000x"),
        (f"(d) RSS growth over {rss_hours:g} h session ({before:.0f} -> {after:.0f} MB, {el:.0f} s)",
         f"{growth:.1f} MB", "< 50 MB"),
        ("(e) response latency, meditation score (energy step), median",
         f"{response['response_latency_meditation_s']} s", "<= 0.6 s"),
        ("    integration score (synchrony step), median",
         f"{response['response_latency_integration_s']} s", "<= 1.2 s"),
        ("(f) offline CPU per frame: per-window stage + per-frame stage",
         f"{cost['offline_window_stage_cpu_ms']:.2f} + {cost['offline_frame_stage_cpu_ms']:.2f} ms",
         "(c) needs 0.2 ms"),
        ("    the Fourier transforms alone, offline / live",
         f"{cost['fft_floor_offline_ms']:.2f} / {cost['fft_floor_live_ms']:.2f} ms", ""),
        (f"machine load (1-min average, {os.cpu_count()} CPUs) before -> after",
         f"{load_before:.1f} -> {load_after:.1f}", ""),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'measure':<{w}}  {'result':>18}  target")
    for name, val, target in rows:
        print(f"{name:<{w}}  {val:>18}  {target}")

    results_path = ROOT / "results.json"
    results = {}
    if results_path.exists():
        try:
            results = json.loads(results_path.read_text())
        except (OSError, ValueError):
            results = {}
    results.update({
        "update_ms": round(update_ms, 4),
        "reference_update_ms": round(ref_ms, 4),
        "ours_same_outputs_ms": round(ours_eq_ms, 4),
        "speedup_vs_reference": round(ref_ms / ours_eq_ms, 2),
        "speedup_full_pipeline_vs_reference": round(ref_ms / update_ms, 2),
        "offline_realtime_factor": round(rt, 1),
        "offline_measured_minutes": offline_min,
        "rss_growth_mb": round(growth, 2),
        "rss_session_hours": rss_hours,
        "load_avg_1min": [round(load_before, 2), round(load_after, 2)],
        **response,
        **cost,
    })
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {results_path}")
    ui = ROOT / "ui_bench.py"
    if ui.exists():
        rc = subprocess.call([sys.executable, str(ui)])
        if rc != 0:
            print(f"ui_bench.py exited with {rc}", file=sys.stderr)
            return rc
    # analyze --jobs 1 vs 2 over 8 recordings (merges analyze_jobs_* into results.json)
    rc = subprocess.call([sys.executable, str(ROOT / "jobs_bench.py"), *(["--quick"] if args.quick else [])])
    if rc != 0:
        print(f"jobs_bench.py exited with {rc}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
