"""How ``analyze --jobs N`` scales: 8 simulated recordings analysed with 1 and with 2 processes.

Simulates 8 people (``annealing-cycle``, seeds 0-7, 16 channels at 250 Hz, 7.5 minutes each: one
hour of EEG; ``--quick``: 190 s each) as session folders, then times
:func:`neurofeedback.analyze_many.analyze_files` over all 8 with ``jobs=1`` (one by one, in this
process) and ``jobs=2`` (two spawned worker processes), end to end: reading the files, the
pipeline, writing features.csv and bandpower.csv, and for ``jobs=2`` starting the workers. The two
runs must write the same bytes. The two settings alternate (1, 2, 1, 2, ...: ``--repeats``
rounds) and the fastest time of each counts, so a burst of load from other programs hits both.
For comparison, the same kind of ratio for plain CPU work (a pure-Python loop, serial versus two
processes) is measured in the same run: what the machine's free cores allowed at the time.

Merges into ``benchmarks/results.json``: ``analyze_jobs_scaling`` (time with 1 job / time with 2),
``analyze_jobs1_realtime_factor`` and ``analyze_jobs2_realtime_factor`` (seconds of EEG per second),
``analyze_jobs_files``, ``analyze_jobs_minutes_each``, ``analyze_jobs_machine_scaling`` (the
plain-CPU ratio) and the machine load around the runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
N_FILES = 8


def simulate(folder: Path, seconds: float) -> list[str]:
    from neurofeedback.simulate.session import simulate_session

    paths = []
    for seed in range(N_FILES):
        path, _ = simulate_session(folder / f"person{seed + 1}", scenario="annealing-cycle",
                                   duration_s=seconds, seed=seed)
        paths.append(str(path))
    return paths


def timed(paths: list[str], out: Path, jobs: int) -> float:
    from neurofeedback.analyze_many import analyze_files

    t = time.perf_counter()
    outcomes = analyze_files(paths, out, jobs=jobs)
    el = time.perf_counter() - t
    bad = [o.error for o in outcomes if not o.ok]
    if bad:
        raise SystemExit(f"analysis failed: {bad}")
    return el


def _spin(n: int) -> float:
    t = time.perf_counter()
    s = 0
    for i in range(n):
        s += i * i
    return time.perf_counter() - t


def machine_scaling(n: int = 10_000_000) -> float:
    """Time of two pure-Python loops run one after the other over their time in two processes."""
    from concurrent.futures import ProcessPoolExecutor

    t = time.perf_counter()
    _spin(n)
    _spin(n)
    serial = time.perf_counter() - t
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_spin, [1000, 1000]))  # workers started
        t = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        parallel = time.perf_counter() - t
    return serial / parallel


def same_outputs(a: Path, b: Path) -> bool:
    files = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
    return len(files) == 2 * N_FILES and all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="190 s per recording instead of 7.5 min")
    ap.add_argument("--repeats", type=int, default=2, help="rounds of (jobs 1, jobs 2); default 2")
    args = ap.parse_args()
    logging.getLogger("neurofeedback").setLevel(logging.ERROR)
    seconds = 190.0 if args.quick else 450.0
    from neurofeedback.analyze_many import compile_kernels

    compile_kernels()
    with tempfile.TemporaryDirectory(prefix="jobs-bench-") as tmp:
        print(f"simulating {N_FILES} recordings of {seconds:g} s ...", file=sys.stderr)
        paths = simulate(Path(tmp, "in"), seconds)
        load_before = os.getloadavg()[0]
        machine = machine_scaling()
        times: dict[int, list[float]] = {1: [], 2: []}
        for r in range(max(1, args.repeats)):
            for jobs in (1, 2):
                print(f"round {r + 1}: analysing with --jobs {jobs} ...", file=sys.stderr)
                times[jobs].append(timed(paths, Path(tmp, f"j{jobs}_{r}"), jobs))
        load_after = os.getloadavg()[0]
        if not same_outputs(Path(tmp, "j1_0"), Path(tmp, "j2_0")):
            raise SystemExit("--jobs 1 and --jobs 2 wrote different tables")
    t1, t2 = min(times[1]), min(times[2])
    eeg_s = N_FILES * seconds
    print(f"times (s): --jobs 1 {times[1]}, --jobs 2 {times[2]}", file=sys.stderr)
    rows = [
        (f"analyze {N_FILES} files x {seconds / 60:g} min, --jobs 1", f"{t1:.1f} s", f"{eeg_s / t1:.0f}x real time"),
        (f"analyze {N_FILES} files x {seconds / 60:g} min, --jobs 2", f"{t2:.1f} s", f"{eeg_s / t2:.0f}x real time"),
        ("scaling (time with 1 job / time with 2)", f"{t1 / t2:.2f}x", ""),
        ("same ratio for plain CPU work (what the free cores allowed)", f"{machine:.2f}x", ""),
        (f"machine load (1-min average, {os.cpu_count()} CPUs)", f"{load_before:.1f} -> {load_after:.1f}", ""),
    ]
    w = max(len(r[0]) for r in rows)
    for name, val, extra in rows:
        print(f"{name:<{w}}  {val:>12}  {extra}")
    results_path = ROOT / "results.json"
    try:
        results = json.loads(results_path.read_text())
    except (OSError, ValueError):
        results = {}
    results.update({
        "analyze_jobs_scaling": round(t1 / t2, 2),
        "analyze_jobs1_realtime_factor": round(eeg_s / t1, 1),
        "analyze_jobs2_realtime_factor": round(eeg_s / t2, 1),
        "analyze_jobs_files": N_FILES,
        "analyze_jobs_minutes_each": seconds / 60,
        "analyze_jobs_machine_scaling": round(machine, 2),
        "analyze_jobs_load_avg_1min": [round(load_before, 2), round(load_after, 2)],
    })
    results_path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"wrote {results_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
