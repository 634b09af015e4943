"""The protocol engine: phase timing, markers, rewards and the adaptive threshold."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurofeedback.pipeline.frame import FeatureFrame
from neurofeedback.protocols import (
    AdaptiveThreshold,
    ProtocolEngine,
    RewardRule,
    alpha_theta_share,
    load_protocol,
    validate_protocol,
)

HOP = 0.1


def make_protocol(reward: dict | None = None, training_s: float = 600.0, **phase_reward):
    data = {
        "name": "sim",
        "description": "simulated",
        "reward": reward or {},
        "phases": [
            {"kind": "baseline-eyes-open", "duration_s": 20, "instruction": "b"},
            {"kind": "training", "duration_s": training_s, "instruction": "t",
             "score": "meditation", **({"reward": phase_reward} if phase_reward else {})},
            {"kind": "rest", "duration_s": 5, "instruction": "r"},
        ],
    }
    return validate_protocol(data, "sim.toml")


def frames(times, scores=None, artifact=None, score="meditation"):
    out = []
    for i, t in enumerate(times):
        s = 0.5 if scores is None else float(scores[i])
        a = False if artifact is None else bool(artifact[i])
        kw = {f"{score}_score": 0.0 if a else s}
        out.append(FeatureFrame(time_s=float(t), artifact=a, baseline_complete=True, **kw))
    return out


def run(engine, frs):
    events = []
    for f in frs:
        events += engine.update(f)
    return events


def drifting_scores(n: int, seed: int) -> np.ndarray:
    """AR(1) noise (tau ~ 1 s) on a slow drift and a 3-minute oscillation, squashed into 0..1."""
    rng = np.random.default_rng(seed)
    ar = np.zeros(n)
    e = rng.normal(0, 1, n)
    for i in range(1, n):
        ar[i] = 0.9 * ar[i - 1] + np.sqrt(1 - 0.81) * e[i]
    t = np.arange(n) * HOP
    latent = 0.6 * ar + 1.2 * (t / t[-1]) - 0.6 + 0.5 * np.sin(2 * np.pi * t / 180.0)
    return 1.0 / (1.0 + np.exp(-2.0 * latent))


def test_phase_timing_and_markers_of_quick_demo():
    proto = load_protocol("quick-demo")
    eng = ProtocolEngine(proto)
    assert eng.baseline_window() == (0.0, 30.0)
    assert eng.phase_index == -1 and eng.current_phase is None
    times = np.round(np.arange(2.0, 125.0, HOP), 3)  # the first frame ends the first 2-s window
    events, seen = [], {}
    for f in frames(times):
        events += eng.update(f)
        if math.isclose(f.time_s, 45.0):
            seen["45"] = (eng.current_phase.label, eng.time_left_s, eng.instruction)
    starts = [(e.label, e.time_s) for e in events if e.kind == "phase_start"]
    ends = [(e.label, e.time_s) for e in events if e.kind == "phase_end"]
    assert starts == [("phase:baseline-open:start", 0.0), ("phase:training-1:start", 30.0),
                      ("phase:rest-1:start", 60.0), ("phase:training-2:start", 70.0),
                      ("phase:baseline-close:start", 100.0)]
    assert ends == [("phase:baseline-open:end", 30.0), ("phase:training-1:end", 60.0),
                    ("phase:rest-1:end", 70.0), ("phase:training-2:end", 100.0),
                    ("phase:baseline-close:end", 120.0)]
    fin = [e for e in events if e.kind == "finished"]
    assert len(fin) == 1 and fin[0].time_s == 120.0 and fin[0].label == "protocol:quick-demo:finished"
    assert events[-1].kind == "finished"
    # marker times never go backwards, and end of one phase precedes the start of the next
    assert [e.time_s for e in events] == sorted(e.time_s for e in events)
    label, left, instr = seen["45"]
    assert label == "training-1" and left == pytest.approx(15.0)
    assert instr.startswith("Meditation")
    assert eng.finished and eng.current_phase is None and eng.time_left_s == 0.0
    assert eng.update(FeatureFrame(time_s=200.0)) == []
    # rewards only inside training phases
    for e in events:
        if e.kind.startswith("reward"):
            assert 30.0 <= e.time_s <= 60.0 or 70.0 <= e.time_s <= 100.0
    blocks = eng.block_summary()
    assert [b["label"] for b in blocks] == [p.label for p in proto.phases]
    assert blocks[0]["reward_rate"] is None and blocks[1]["scored_s"] == pytest.approx(30.0, abs=0.15)


def test_start_at_first_frame_and_gap_skipping_phases():
    eng = ProtocolEngine(make_protocol(), start_s=None)
    assert eng.update(FeatureFrame(time_s=100.0))[0].time_s == 100.0
    assert eng.baseline_window() == (100.0, 120.0)
    # a jump over the whole training phase still emits every boundary, in order
    ev = eng.update(FeatureFrame(time_s=722.0))
    assert [e.label for e in ev] == ["phase:baseline-eyes-open-1:end", "phase:training-1:start",
                                     "phase:training-1:end", "phase:rest-1:start"]
    assert [e.time_s for e in ev] == [120.0, 120.0, 720.0, 720.0]


def test_artifacts_are_never_rewarded_and_sustain_delays_reward():
    proto = make_protocol({"initial_threshold": 0.5, "warmup_s": 1000, "sustain_s": 0.3},
                          training_s=10)
    eng = ProtocolEngine(proto)
    t = np.round(np.arange(20.0, 30.05, HOP), 3)  # the last frame is at the phase end, 30 s
    scores = np.full(t.size, 0.9)  # always above the (fixed, warm-up) threshold 0.5
    art = np.zeros(t.size, bool)
    art[50:55] = True
    events = []
    for f in frames(t, scores, art):
        assert not (eng.is_rewarded(f) and f.artifact)
        events += eng.update(f)
        if f.artifact:
            assert not eng.reward_on
    rw = [(e.label, e.time_s) for e in events if e.kind.startswith("reward")]
    # on after 0.3 s of sustained target, off at the artifact, on again 0.3 s after it, off at the end
    assert rw == [("reward:on", pytest.approx(20.3)), ("reward:off", pytest.approx(25.0)),
                  ("reward:on", pytest.approx(25.8)), ("reward:off", 30.0)]
    b = eng.block_summary()[1]
    assert b["artifact_share"] == pytest.approx(0.05)
    assert b["time_in_target_s"] == pytest.approx(9.5)
    assert b["reward_rate"] == pytest.approx((100 - 5 - 3 - 3) / 100)
    assert b["scored_s"] == pytest.approx(10.0)
    assert b["mean_score"] == pytest.approx(0.9)


def test_nan_scores_and_incomplete_baseline_are_not_rewarded():
    eng = ProtocolEngine(make_protocol({"warmup_s": 0, "sustain_s": 0}))
    eng.update(FeatureFrame(time_s=20.0, meditation_score=0.99, baseline_complete=True))
    assert eng.reward_on
    f = FeatureFrame(time_s=20.1, meditation_score=0.99, baseline_complete=False)
    assert not eng.is_rewarded(f)
    eng.update(f)
    assert not eng.reward_on
    assert not eng.is_rewarded(FeatureFrame(time_s=20.2, meditation_score=math.nan,
                                            baseline_complete=True))


@pytest.mark.parametrize("seed, target", [(11, 0.6), (12, 0.3), (13, 0.8)])
def test_threshold_holds_the_target_rate_on_drifting_scores(seed, target):
    """Tolerance: after the first 30-s window, the share of clean frames in target is within
    +-0.05 of the target rate overall, and within +-0.10 in each full 2-minute stretch (the
    quantile of a 30-s window lags a drifting score by about half a window), while the score's
    mean drifts by more than 0.25 over the 10 minutes."""
    n = 6000  # 10 minutes of frames
    scores = drifting_scores(n, seed)
    rng = np.random.default_rng(seed + 100)
    art = rng.random(n) < 0.03
    proto = make_protocol({"target_rate": target, "min_threshold": 0.0, "max_threshold": 1.0,
                           "adapt_window_s": 30, "warmup_s": 5, "sustain_s": 0}, training_s=600)
    eng = ProtocolEngine(proto, start_s=0.0)
    t = 20.0 + np.arange(n) * HOP
    hits, thr = np.zeros(n, bool), np.zeros(n)
    for i, f in enumerate(frames(t, scores, art)):
        before = eng.threshold  # the threshold this frame is judged against
        eng.update(f)
        hits[i] = not f.artifact and f.meditation_score > before
        thr[i] = eng.threshold
    clean = ~art
    settled = np.arange(n) >= 300  # after the first 30-s window
    rate = hits[clean & settled].mean()
    assert abs(rate - target) <= 0.05, rate
    for k in range(300, n - 1199, 1200):
        sl = slice(k, k + 1200)
        assert abs(hits[sl][clean[sl]].mean() - target) <= 0.10
    # the score's mean really drifts: the threshold reached after 30 s, kept fixed, misses more
    early, late = scores[:1200].mean(), scores[-1200:].mean()
    assert late - early > 0.25
    fixed_rate = (scores[clean & settled] > thr[300]).mean()
    assert abs(fixed_rate - target) > 2 * abs(rate - target)
    # the engine's own accounting agrees with the recount
    b = eng.block_summary()[1]
    assert b["time_in_target_s"] == pytest.approx(hits.sum() * HOP, abs=HOP)


def test_limits_win_over_the_target_rate():
    rule = RewardRule(target_rate=0.6, initial_threshold=0.5, min_threshold=0.2,
                      max_threshold=0.7, adapt_window_s=10, warmup_s=1)
    thr = AdaptiveThreshold(rule)
    rng = np.random.default_rng(3)
    for i in range(300):
        thr.update(i * HOP, 0.9 + 0.05 * rng.random())  # always far above max_threshold
    assert thr.value == 0.7
    for i in range(300, 600):
        thr.update(i * HOP, 0.05 * rng.random())  # far below min_threshold
    assert thr.value == 0.2
    # during warm-up the initial threshold holds
    fresh = AdaptiveThreshold(rule)
    for i in range(9):
        fresh.update(i * HOP, 0.9)
    assert fresh.value == 0.5 and not fresh.adapting
    fresh.update(0.9, 0.9)
    assert fresh.adapting and fresh.value == 0.7


def test_threshold_equals_quantile_of_window():
    rule = RewardRule(target_rate=0.25, min_threshold=0.0, max_threshold=1.0, adapt_window_s=5,
                      warmup_s=0, initial_threshold=0.5)
    thr = AdaptiveThreshold(rule)
    xs = np.random.default_rng(0).random(200)
    for i, x in enumerate(xs):
        thr.update(i * HOP, x)
    # window (195 s .. 19.9 s] holds the last 50 scores; the 75th percentile of them
    assert thr.value == pytest.approx(np.quantile(xs[-50:], 0.75))


def test_phase_override_changes_the_target():
    eng = ProtocolEngine(load_protocol("quick-demo"))
    rng = np.random.default_rng(5)
    t = np.round(np.arange(2.0, 120.0, HOP), 3)
    for tt in t:
        x = rng.random()
        eng.update(FeatureFrame(time_s=tt, meditation_score=x, integration_score=x,
                                baseline_complete=True))
    b = {blk["label"]: blk for blk in eng.block_summary()}
    # uniform scores: share in target ~ target rate (0.6 for training-1, 0.5 for training-2);
    # 30-s blocks with a 10-s window: tolerance +-0.1
    assert b["training-1"]["time_in_target_s"] / 30 == pytest.approx(0.6, abs=0.1)
    assert b["training-2"]["time_in_target_s"] / 30 == pytest.approx(0.5, abs=0.1)
    assert b["training-1"]["mean_threshold"] == pytest.approx(0.4, abs=0.1)
    assert b["training-2"]["mean_threshold"] == pytest.approx(0.5, abs=0.1)


def test_alpha_theta_share_is_the_linear_power_share():
    bands = {"delta": 10.0, "theta": 10.0, "alpha": 20.0, "beta": 0.0, "gamma": 0.0}
    # linear: 10, 10, 100, 1, 1 -> (10 + 100) / 122
    assert alpha_theta_share(bands) == pytest.approx(110 / 122)
    assert math.isnan(alpha_theta_share({"alpha": 1.0}))
