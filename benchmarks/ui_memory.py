"""GUI memory over a long session: one hour of simulated stream, generated at 10x real time.

Runs the operator window offscreen on the scenario simulator (16 channels at 250 Hz, pipeline
running, the window redrawing every 30 ms like the application) and samples the process's
resident memory after each simulated 5 minutes. Prints the series and merges
``ui_hour_rss_growth_mb`` (growth from the 5-minute mark to the end) into
``benchmarks/results.json``. A benchmark, not a test: about 6-7 minutes of wall time.

Usage: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/ui_memory.py [--minutes 60]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0, help="simulated session length (default 60)")
    ap.add_argument("--speed", type=float, default=10.0, help="simulator speed (default 10x)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6 import QtWidgets

    from neurofeedback.app import SessionSpec
    from neurofeedback.ui.main_window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    w = MainWindow(feedback_mode="integration")
    w.resize(1600, 1000)
    w.show()
    if not w.start_session(
        SessionSpec(kind="simulated", scenario="annealing-cycle", speed=args.speed, record=False)
    ):
        print(f"could not start: {w.banner_text}")
        return 1
    samples: list[tuple[float, float]] = []
    next_mark = 5.0
    while True:
        w.tick()
        app.processEvents()
        time.sleep(0.03)
        stream_min = w.session.elapsed_s / 60 if w.session is not None else 0.0
        if stream_min >= next_mark:
            samples.append((round(stream_min, 1), round(_rss_mb(), 1)))
            print(f"{stream_min:5.1f} min of stream: RSS {samples[-1][1]:.1f} MB", flush=True)
            next_mark += 5.0
        if stream_min >= args.minutes:
            break
    w.stop_session(wait=True)
    w.close()
    growth = samples[-1][1] - samples[0][1]
    print(f"RSS growth from {samples[0][0]} to {samples[-1][0]} min of stream: {growth:+.1f} MB")
    out = Path(args.out)
    res = json.loads(out.read_text()) if out.exists() else {}
    res["ui_hour_rss_growth_mb"] = round(growth, 1)
    res["ui_hour_rss_series_mb"] = samples
    out.write_text(json.dumps(res, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
