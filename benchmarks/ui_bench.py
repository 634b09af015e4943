"""UI redraw benchmark: median paint time per redraw and redraws per second, offscreen.

Runs the operator window (and the feedback window) on BrainFlow's synthetic board (16 channels at
250 Hz, the feature pipeline running in the session's worker thread), then redraws back to back
for ``--seconds``: each redraw is one :meth:`MainWindow.tick` (pull samples and frames, update
every panel) followed by ``processEvents``, which paints whatever the tick changed in both windows
(traces every tick; the other panels when new feature frames arrived, 10 a second). Merges ``ui_paint_ms`` (median
wall-clock milliseconds per redraw), ``ui_paint_cpu_ms`` (median GUI-thread CPU time per redraw,
which does not count time lost to other threads and processes), ``ui_fps`` (redraws per second achieved) and ``ui_rss_growth_mb``
(resident memory change over the timed run) into ``benchmarks/results.json``.

Usage: ``QT_QPA_PLATFORM=offscreen python benchmarks/ui_bench.py [--seconds 20] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return float("nan")


def measure(seconds: float = 20.0, warmup_s: float = 4.0) -> dict[str, float]:
    """Run the window on the synthetic board and time redraws.

    Returns
    -------
    dict
        ``ui_paint_ms``, ``ui_fps``, ``ui_rss_growth_mb``, plus the setup (channels, rate).
    """
    import numpy as np
    from PyQt6 import QtWidgets

    from ui.controller import SessionSpec
    from ui.main_window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    w = MainWindow(feedback_mode="integration")
    w.resize(1600, 1000)
    w.show()
    w.show_feedback_window()
    w.timer.stop()  # we drive redraws ourselves
    if not w.start_session(SessionSpec(kind="synthetic", record=False, baseline_s=2.0)):
        raise SystemExit(f"ui_bench: could not start the synthetic board: {w.banner_text}")
    info = w.session.info

    cpu_times: list[float] = []

    def redraw() -> float:
        t0, c0 = time.perf_counter(), time.thread_time()
        w.tick()
        app.processEvents()  # runs the paint events the updates scheduled
        cpu_times.append(time.thread_time() - c0)
        return time.perf_counter() - t0

    end = time.monotonic() + warmup_s
    while time.monotonic() < end:
        redraw()
    rss0 = _rss_mb()
    cpu_times.clear()
    times = []
    t_start = time.monotonic()
    while time.monotonic() - t_start < seconds:
        times.append(redraw())
    elapsed = time.monotonic() - t_start
    rss1 = _rss_mb()
    frames = w._frames_seen
    w.close()
    app.processEvents()
    return {
        "ui_paint_ms": round(float(np.median(times)) * 1000, 2),
        "ui_paint_p95_ms": round(float(np.percentile(times, 95)) * 1000, 2),
        "ui_paint_cpu_ms": round(float(np.median(cpu_times)) * 1000, 2),
        "ui_fps": round(len(times) / elapsed, 1),
        "ui_rss_growth_mb": round(rss1 - rss0, 1),
        "ui_channels": info.n_channels,
        "ui_sfreq": info.sfreq,
        "ui_feature_frames": frames,
    }


def merge(results: dict[str, float], path: Path) -> None:
    """Merge ``results`` into the JSON object at ``path`` (created when missing)."""
    data = {}
    if path.exists():
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError:
            data = {}
    data.update(results)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="timed run length (default 20)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"), help="results file to merge into")
    args = ap.parse_args(argv)
    res = measure(args.seconds)
    merge({k: res[k] for k in ("ui_paint_ms", "ui_paint_cpu_ms", "ui_fps", "ui_rss_growth_mb")}, Path(args.out))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"UI redraw, {res['ui_channels']} ch at {res['ui_sfreq']:g} Hz: median {res['ui_paint_ms']} ms wall "
        f"(p95 {res['ui_paint_p95_ms']} ms; GUI-thread CPU {res['ui_paint_cpu_ms']} ms), "
        f"{res['ui_fps']} redraws/s, load average {load:.1f} on {os.cpu_count()} CPUs, "
        f"RSS change {res['ui_rss_growth_mb']} MB over {args.seconds:g} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
