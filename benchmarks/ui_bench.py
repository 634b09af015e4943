"""UI redraw benchmark: paint time per redraw and redraws per second, offscreen.

Runs the operator window and the feedback window (integration mode, the costlier picture) on
BrainFlow's synthetic board (16 channels at 250 Hz) with the feature pipeline running in the
session's worker thread, as in a real session. Redraws are paced like the application's own timer
(one every :data:`ui.main_window.REDRAW_MS`): each redraw is one :meth:`MainWindow.tick` (pull
samples and frames, update the panels) followed by ``processEvents``, which paints whatever the
tick changed in both windows; the rest of each period runs the Qt event loop (as the
application's ``exec`` does between timer ticks), so the pipeline thread gets the GIL as it would
in the application and the session's wake-ups (:class:`neurofeedback.ui.waker.FrameWaker`: a new
frame is fed back and its picture painted at once) are handled when they arrive. ``--no-wake``
turns the wake-ups off (frames reach the feedback at the timer's ticks only, as before). The feedback view repaints only when its picture changes
(the synthetic board's frames are mostly artifact-frozen), so the benchmark forces its repaint
every redraw: the numbers are those of a session whose score moves all the time.

Merged into ``benchmarks/results.json``:

- ``ui_paint_ms``: median wall-clock milliseconds per redraw; ``ui_paint_mean_ms`` and
  ``ui_paint_p95_ms`` its mean and 95th percentile (redraws that draw new samples and panel
  updates are the costly ones).
- ``ui_paint_cpu_ms``: median GUI-thread CPU milliseconds per redraw (``ui_paint_cpu_mean_ms``:
  mean), which does not count time lost to other threads and processes.
- ``ui_wakes_per_s``: wake-ups per second that fed a new frame back between redraws (their
  work is not in ``ui_paint_*`` but is in the CPU shares below).
- ``ui_fps``: redraws per second achieved at the application's pace (at most 1000 / REDRAW_MS);
  ``ui_fps_capacity``: 1000 / mean wall milliseconds per redraw, how many redraws a second the
  GUI thread could do back to back under the same load.
- ``ui_gui_cpu_share`` and ``ui_process_cpu_share``: CPU used by the GUI thread, and by the whole
  process (pipeline included), as a fraction of one core.
- ``processing_latency_p50_ms`` and ``processing_latency_p95_ms``: processing latency of the
  feedback picture, from the moment the newest sample of a frame left the source (BrainFlow's
  timestamp; the pacing clock for ``--source simulated``) to the end of the paint that first
  draws that frame (:meth:`neurofeedback.session.Session.frame_shown`, consumer ``display``),
  over the timed run; ``processing_latency_audio_p50_ms`` / ``_p95_ms`` the same up to the
  moment the first audio block sounding the frame's score is handed to the sound output (audio
  is on throughout; without an output device the synthesis still runs at the real-time pace and
  the block is dropped at that hand-off point: ``processing_latency_audio_device`` says which);
  ``processing_latency_received_p95_ms`` and ``processing_latency_computed_p95_ms`` the session's
  own stages (chunk read, frame computed), ``processing_latency_load_avg_1min`` the machine's
  load average at the end of the run (latency grows with CPU contention).
- ``ui_rss_growth_mb``: resident memory change over the timed run. On the synthetic board this
  includes BrainFlow's own ring buffer (``start_stream(180000)``, 32 rows of doubles: its pages
  are touched as it fills, about 64 kB/s, up to 46 MB after 12 minutes, then flat); with
  ``--source simulated`` (no BrainFlow) the GUI's own growth shows alone.

Usage: ``QT_QPA_PLATFORM=offscreen python benchmarks/ui_bench.py [--seconds 20] [--source synthetic|simulated]
[--no-wake] [--out PATH]``.
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


def _idle(seconds: float) -> None:
    """Run the Qt event loop for ``seconds`` (queued wake-ups and timers are handled meanwhile)."""
    from PyQt6 import QtCore

    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(max(0, round(1000 * seconds)), QtCore.Qt.TimerType.PreciseTimer, loop.quit)
    loop.exec()


def measure(seconds: float = 20.0, warmup_s: float = 4.0, source: str = "synthetic",
            wake: bool = True) -> dict[str, float]:
    """Run the window on ``source`` (``synthetic`` or ``simulated``, both 16 channels at 250 Hz)
    and time redraws; ``wake=False`` feeds frames back at the redraw ticks only.

    Returns
    -------
    dict
        The ``ui_*`` numbers described in the module docstring, plus the setup (channels, rate).
    """
    import numpy as np
    from PyQt6 import QtWidgets

    from neurofeedback.app import SessionSpec
    from neurofeedback.pipeline.latency import LatencyTracker
    from neurofeedback.ui.main_window import REDRAW_MS, MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    w = MainWindow(feedback_mode="integration")
    w.wake = bool(wake)
    w.resize(1600, 1000)
    w.show()
    w.show_feedback_window()
    w.timer.stop()  # we drive redraws ourselves, at the timer's pace
    if not w.start_session(SessionSpec(kind=source, record=False, baseline_s=2.0)):
        raise SystemExit(f"ui_bench: could not start the {source} source: {w.banner_text}")
    info = w.session.info
    # audio on, as a trainee would hear it: the device when there is one, else the same
    # synthesis without one
    if w.audio.available:
        w.audio_check.setChecked(True)
    else:
        w.audio.start_null_output()
    period = REDRAW_MS / 1000.0
    times: list[float] = []
    cpu_times: list[float] = []

    def run(duration: float) -> float:
        times.clear()
        cpu_times.clear()
        t_start = time.perf_counter()
        t_next = t_start
        while time.perf_counter() - t_start < duration:
            t0, c0 = time.perf_counter(), time.thread_time()
            w.tick()
            w.feedback.update()  # worst case: the feedback picture moves every redraw
            app.processEvents()  # runs the paint events the updates scheduled
            cpu_times.append(time.thread_time() - c0)
            times.append(time.perf_counter() - t0)
            t_next += period
            idle = t_next - time.perf_counter()
            if idle > 0:
                _idle(idle)
            else:
                t_next = time.perf_counter()  # late: do not try to catch up
        return time.perf_counter() - t_start

    run(warmup_s)
    session = w.session
    for name in session.latency:  # latency of the timed run only
        session.latency[name] = LatencyTracker()
    rss0 = _rss_mb()
    wakes0 = w.wakes
    gui0, proc0 = time.thread_time(), time.process_time()
    elapsed = run(seconds)
    gui_cpu, proc_cpu = time.thread_time() - gui0, time.process_time() - proc0
    rss1 = _rss_mb()
    frames = w._frames_seen
    wakes = w.wakes - wakes0
    lat = {c: session.latency[c].summary() for c in ("received", "computed", "display", "audio")}
    audio_device = bool(w.audio.available)
    w.close()
    app.processEvents()
    wall = np.asarray(times) * 1000
    cpu = np.asarray(cpu_times) * 1000
    return {
        "ui_paint_ms": round(float(np.median(wall)), 2),
        "ui_paint_mean_ms": round(float(wall.mean()), 2),
        "ui_paint_p95_ms": round(float(np.percentile(wall, 95)), 2),
        "ui_paint_cpu_ms": round(float(np.median(cpu)), 2),
        "ui_paint_cpu_mean_ms": round(float(cpu.mean()), 2),
        "ui_wakes_per_s": round(wakes / elapsed, 1),
        "ui_fps": round(len(times) / elapsed, 1),
        "ui_fps_capacity": round(1000.0 / float(wall.mean()), 1),
        "ui_gui_cpu_share": round(gui_cpu / elapsed, 3),
        "ui_process_cpu_share": round(proc_cpu / elapsed, 3),
        "ui_rss_growth_mb": round(rss1 - rss0, 1),
        "processing_latency_p50_ms": lat["display"]["p50_ms"],
        "processing_latency_p95_ms": lat["display"]["p95_ms"],
        "processing_latency_frames": lat["display"]["n"],
        "processing_latency_received_p95_ms": lat["received"]["p95_ms"],
        "processing_latency_computed_p95_ms": lat["computed"]["p95_ms"],
        "processing_latency_audio_p50_ms": lat["audio"]["p50_ms"],
        "processing_latency_audio_p95_ms": lat["audio"]["p95_ms"],
        "processing_latency_audio_device": audio_device,
        "processing_latency_load_avg_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
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
    ap.add_argument("--source", default="synthetic", choices=("synthetic", "simulated"),
                    help="BrainFlow's synthetic board (default) or the scenario simulator")
    ap.add_argument("--no-wake", action="store_true",
                    help="frames reach the feedback at the redraw ticks only (no wake-ups; for comparison)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"), help="results file to merge into")
    args = ap.parse_args(argv)
    res = measure(args.seconds, source=args.source, wake=not args.no_wake)
    from neurofeedback.ui.main_window import REDRAW_MS
    merge({k: v for k, v in res.items()
           if k not in ("ui_channels", "ui_sfreq", "ui_feature_frames", "processing_latency_frames")},
          Path(args.out))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"UI redraw ({args.source}), {res['ui_channels']} ch at {res['ui_sfreq']:g} Hz, paced every {REDRAW_MS} ms: "
        f"median {res['ui_paint_ms']} ms wall (mean {res['ui_paint_mean_ms']}, p95 {res['ui_paint_p95_ms']}; "
        f"GUI-thread CPU median {res['ui_paint_cpu_ms']}, mean {res['ui_paint_cpu_mean_ms']} ms), "
        f"{res['ui_fps']} redraws/s (capacity {res['ui_fps_capacity']}/s), {res['ui_wakes_per_s']} "
        f"wake-ups/s{' (off)' if args.no_wake else ''}; GUI thread "
        f"{100 * res['ui_gui_cpu_share']:.0f} % of a core, whole process {100 * res['ui_process_cpu_share']:.0f} %; "
        f"load average {load:.1f} on {os.cpu_count()} CPUs; RSS change {res['ui_rss_growth_mb']} MB over "
        f"{args.seconds:g} s"
    )
    audio = "to the sound device" if res["processing_latency_audio_device"] else \
        "to the hand-off point (no audio device: synthesis only)"
    print(
        f"Processing latency, sample leaving the source -> feedback drawn: p50 "
        f"{res['processing_latency_p50_ms']} ms, p95 {res['processing_latency_p95_ms']} ms over "
        f"{res['processing_latency_frames']} frames (target p95 <= 50 ms); audio {audio}: p50 "
        f"{res['processing_latency_audio_p50_ms']} ms, p95 {res['processing_latency_audio_p95_ms']} ms; "
        f"of which p95 until the session read the sample {res['processing_latency_received_p95_ms']} ms, "
        f"until the pipeline's frame {res['processing_latency_computed_p95_ms']} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
