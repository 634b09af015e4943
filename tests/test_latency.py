"""Processing latency (stamped at the source, recorded by the consumers, stored, shown, reported)
and the configured response time. Timings are only checked against loose bounds here; the
measured numbers belong to the benchmarks (``benchmarks/ui_bench.py``)."""

from __future__ import annotations

import dataclasses
import json
import math
import time

import numpy as np
import pytest

from neurofeedback.headless import fit_width, format_status
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.frame import FeatureFrame
from neurofeedback.pipeline.latency import (
    LatencyHistogram,
    LatencyRing,
    LatencyTracker,
    response_time_s,
)
from neurofeedback.report import processing_latency_text
from neurofeedback.session import Session, SessionStats, run_until_done
from neurofeedback.sources.simulated import SimulatedSource

SPEED = 4.0


def test_ring_percentiles_are_numpys_on_the_values_it_holds():
    rng = np.random.default_rng(1)
    values = rng.lognormal(-3.5, 0.6, 300)
    ring = LatencyRing(128)
    for k, v in enumerate(values):
        ring.add(v)
        if k in (0, 9, 127, 128, 299):  # before, at and after the first wrap-around
            held = values[max(0, k + 1 - 128): k + 1]
            np.testing.assert_array_equal(ring.values(), held)
            for q in (50, 95):
                assert ring.percentile(q) == np.percentile(held, q)
    assert len(ring) == 128
    assert math.isnan(LatencyRing(4).percentile(95))


def test_histogram_percentiles_within_its_resolution_of_numpys():
    values = np.random.default_rng(2).lognormal(-3.5, 0.6, 5000)
    hist = LatencyHistogram()
    for v in values:
        hist.add(v)
    for q in (50, 95):
        # a bin is 2 % wide, its centre within 1 % of any value in it; ranks add a little more
        assert hist.percentile(q) == pytest.approx(np.percentile(values, q), rel=0.02)
    assert hist.max_s == values.max()
    one = LatencyHistogram()
    one.add(0.0337)
    assert one.percentile(50) == one.percentile(95) == 0.0337  # clipped to what was counted


def test_tracker_ignores_what_measures_nothing_and_summarises_in_ms():
    t = LatencyTracker()
    for v in (0.010, 0.020, 0.030, -0.5, math.nan, math.inf):
        t.add(v)
    assert t.n == 3
    s = t.summary()
    assert s["n"] == 3 and s["max_ms"] == 30.0
    assert s["p50_ms"] == pytest.approx(20.0, rel=0.02)
    assert t.record(10.0, now_s=10.25) == 0.25
    assert math.isnan(t.record(math.nan))
    assert LatencyTracker().summary() == {"n": 0, "p50_ms": None, "p95_ms": None, "max_ms": None}


def test_response_time_follows_the_windows_and_smoothing():
    # meditation: per-window inputs move half-way when half the window is past the step,
    # plus half a hop of waiting for the next frame
    assert response_time_s()["meditation"] == pytest.approx(1.0 + 0.05, abs=0.002)
    assert response_time_s(PipelineConfig(window_s=1.0))["meditation"] == pytest.approx(0.55, abs=0.002)
    # without pooling, integration follows the synchrony window alone
    assert response_time_s(PipelineConfig(integration_pool_s=0.0))["integration"] == pytest.approx(
        1.05, abs=0.002)
    # pooling the default 1 s of 2-s windows: sync(d) = mean_j clip((d - 0.1 j) / 2, 0, 1),
    # j = 0..10, half-way at d = 1 + 0.5 (the mean lag), plus half a hop
    d = np.arange(0.5, 3.0, 1e-4)
    sync = np.clip((d[:, None] - 0.1 * np.arange(11)) / 2.0, 0, 1).mean(axis=1)
    d_half = d[np.flatnonzero(sync >= 0.5)[0]]
    assert d_half == pytest.approx(1.5, abs=0.002)
    assert response_time_s()["integration"] == pytest.approx(d_half + 0.05, abs=0.002)
    # a causal exponential average on top delays it; the per-sample path is its kernel's own
    smooth = response_time_s(PipelineConfig(integration_smooth_s=0.5))["integration"]
    assert d_half + 0.05 < smooth < d_half + 0.05 + 0.5
    per_sample = PipelineConfig(integration_analytic_tau_s=0.4, integration_analytic_order=3)
    from neurofeedback.pipeline.analytic import halfway_s

    assert response_time_s(per_sample)["integration"] == pytest.approx(
        halfway_s(0.4, 3) + 0.2 + 0.05, abs=0.05)  # demodulation delay about 0.2 s


def test_status_line_shows_the_latency_and_keeps_it_when_fitted():
    stats = SessionStats(elapsed_s=12.0, n_samples=3000, dropped=0, status="ok",
                         channel_quality=("ok",) * 16, latency_p95_ms=23.4)
    line = format_status(stats)
    assert line.endswith("| q[................] | lat 23 ms")
    assert "lat 23 ms" in fit_width(line, 70)  # the quality map and the tail go first
    assert "lat" not in format_status(SessionStats(1.0, 250, 0, "ok"))  # not measured yet
    # the configured response time of the fed-back score (meditation without a protocol)
    resp = response_time_s()
    with_resp = dataclasses.replace(stats, response_s=resp)
    assert format_status(with_resp).endswith(f"| lat 23 ms | resp {resp['meditation']:.1f} s")
    assert "resp" in fit_width(format_status(with_resp), 70)


def test_report_text_of_the_stored_latency_and_of_older_sessions():
    meta = {"processing_latency": {
        "received": {"n": 100, "p50_ms": 8.0, "p95_ms": 19.0, "max_ms": 25.0},
        "display": {"n": 100, "p50_ms": 21.4, "p95_ms": 38.2, "max_ms": 60.0},
        "audio": {"n": 90, "p50_ms": 30.0, "p95_ms": 44.9, "max_ms": 70.0},
    }}
    assert processing_latency_text(meta) == (
        "window p50 21 ms, p95 38 ms (100 frames); audio p50 30 ms, p95 45 ms (90 frames)")
    assert processing_latency_text({}).startswith("not measured")


@pytest.fixture(scope="module")
def paced_session(tmp_path_factory):
    """A simulated session paced at 4x real time for 4 s of stream, recorded, with the status
    consumer recording every frame it is given."""
    src = SimulatedSource("annealing-cycle", seed=3, speed=SPEED)
    session = Session(src, record_dir=tmp_path_factory.mktemp("lat"), duration_s=4.0)
    shown: list[FeatureFrame] = []

    def on_tick(stats):
        if stats.frame is not None:
            shown.append(stats.frame)
        return True

    run_until_done(session, on_tick=on_tick, tick_s=0.02)
    return session, shown


def test_paced_session_latency_is_positive_finite_and_bounded(paced_session):
    session, shown = paced_session
    assert shown
    lat = session.latency_summary()
    for name in ("received", "computed", "status"):
        s = lat[name]
        assert s["n"] >= 1
        # loose: positive, finite and below 5 s on any machine (the benchmark measures it)
        assert 0.0 < s["p50_ms"] <= s["p95_ms"] <= s["max_ms"] < 5000.0
    assert lat["received"]["p50_ms"] <= lat["computed"]["p50_ms"]


def test_frames_carry_the_pacing_clock_of_their_newest_sample(paced_session):
    session, shown = paced_session
    frames = {id(f): f for f in shown}.values()
    t = np.array([f.time_s for f in frames])
    clock = np.array([f.sample_clock_s for f in frames])
    # the simulator releases sample k at t0 + (k + 1) / (rate * speed): frames time_s apart
    # left the source (time_s difference) / speed apart
    np.testing.assert_allclose(np.diff(clock), np.diff(t) / SPEED, atol=1e-9)


def test_session_json_and_report_give_the_session_latency(paced_session, tmp_path):
    from neurofeedback.report import write_report

    session, _ = paced_session
    meta = json.loads((session.recording_path / "session.json").read_text())
    stored = meta["processing_latency"]
    live = session.latency_summary()
    assert set(stored) >= {"received", "computed", "status"}
    # the worker's own stages are complete when it saves; a status line printed while it was
    # saving may count one frame more than was stored
    assert stored["received"] == live["received"] and stored["computed"] == live["computed"]
    assert 0 <= live["status"]["n"] - stored["status"]["n"] <= 1
    text = write_report(session.recording_path, tmp_path / "r.html").read_text()
    p50 = stored["status"]["p50_ms"]
    assert f"status line p50 {p50:.0f} ms" in text
    r = response_time_s()
    assert f"meditation {r['meditation']:.1f} s" in text


def test_status_loop_wakes_on_each_frame_not_on_its_tick(tmp_path):
    # tick every 30 s: without the session's frame wake-up the loop would see at most the end;
    # with it, on_tick runs for (nearly) every frame of 4 s of stream at 2x speed (21 frames)
    src = SimulatedSource("annealing-cycle", seed=1, speed=2.0)
    session = Session(src, record_dir=None, duration_s=4.0)
    seen: list[float] = []

    def on_tick(stats):
        if stats.frame is not None and (not seen or stats.frame.time_s != seen[-1]):
            seen.append(stats.frame.time_s)
        return True

    t0 = time.monotonic()
    run_until_done(session, on_tick=on_tick, tick_s=30.0)
    # ...and the end wakes it too (otherwise it would sleep out its 30-s tick)
    assert time.monotonic() - t0 < 25.0
    assert len(seen) >= 10
    assert session.latency_summary()["status"]["n"] == len(seen)


def test_frames_shown_after_the_session_ended_are_not_counted(paced_session):
    session, shown = paced_session
    before = session.latency_summary()["status"]["n"]
    late = session.frame_shown(shown[-1], "status")
    assert late > 0 and session.latency_summary()["status"]["n"] == before


def test_unknown_consumer_is_refused_with_the_allowed_names(paced_session):
    session, _ = paced_session
    with pytest.raises(ValueError, match="consumer must be one of .*display.*got 'screen'"):
        session.frame_shown(None, "screen")


def test_feedback_view_reports_a_frame_once_when_it_first_paints_it(qtbot):
    from neurofeedback.ui.widgets.feedback import FeedbackView

    view = FeedbackView()
    qtbot.addWidget(view)
    with qtbot.waitExposed(view):
        view.show()
    drawn: list = []
    view.on_drawn = drawn.append
    frame = FeatureFrame(time_s=2.0)
    view.update_frame(frame, score=0.5)
    view.repaint()
    view.repaint()  # a second paint of the same frame is no new showing
    assert drawn == [frame]


def test_audio_without_a_device_reports_the_frame_it_sounds(qtbot):
    from neurofeedback.ui.audio import AudioFeedback

    audio = AudioFeedback()
    if audio.available:
        pytest.skip("an audio device exists here; the null output is for machines without one")
    played: list = []
    audio.on_played = played.append
    audio.start_null_output()
    frame = FeatureFrame(time_s=2.0)
    audio.set_target(0.7, False, frame)
    qtbot.waitUntil(lambda: played == [frame], timeout=2000)
    audio.close()
    assert not audio.enabled


def test_waker_coalesces_wake_ups_from_another_thread(qtbot):
    import threading

    from neurofeedback.ui.waker import FrameWaker

    waker = FrameWaker()
    got: list[int] = []
    waker.frames_ready.connect(lambda: got.append(threading.get_ident()))
    t = threading.Thread(target=lambda: [waker.notify() for _ in range(50)])
    t.start()
    t.join()
    assert waker.posted == 1 and got == []  # one posted, delivered only by the GUI thread's loop
    qtbot.waitUntil(lambda: len(got) == 1, timeout=2000)
    assert got == [threading.get_ident()]  # handled on this (the GUI) thread
    waker.notify()  # handled: the next notice posts again
    qtbot.waitUntil(lambda: len(got) == 2, timeout=2000)
    assert waker.posted == 2


def test_wake_up_feeds_frames_back_without_the_redraw_timer(qtbot, window):
    from neurofeedback.app import SessionSpec

    w = window
    w.timer.stop()  # no redraw tick: only the session's wake-ups can reach the feedback
    drawn: list[FeatureFrame] = []
    record = w.feedback.on_drawn
    w.feedback.on_drawn = lambda fr: (drawn.append(fr), record(fr))
    spec = SessionSpec(kind="simulated", scenario="annealing-cycle", record=False, baseline_s=1.0, speed=2.0)
    assert w.start_session(spec), w.banner_text
    session = w.session
    qtbot.waitUntil(lambda: len(drawn) >= 5, timeout=30000)
    assert w.redraws == 0 and w.wakes >= 1
    # each drawn frame is newer than the one before, a whole number of hops into the stream
    t = np.array([f.time_s for f in drawn])
    assert np.all(np.diff(t) > 0)
    hop = session.pipeline.cfg.hop_s
    np.testing.assert_allclose(t / hop, np.round(t / hop), atol=1e-6)
    # each was recorded as shown once, after its newest sample left the source
    assert session.latency["display"].n == len(drawn)
    assert np.all(session.latency["display"].ring.values() > 0)
    # the operator panels wait for the timer: the timeline holds nothing until a tick
    assert w.timeline.n_points == 0
    session.on_frames = None
    w.tick()
    assert w.timeline.n_points == w._frames_seen >= len(drawn)
