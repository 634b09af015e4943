"""The annealing-state estimator on z-score trajectories whose phases are known by construction.

Each trajectory is a piecewise-linear curve of energy, temperature and synchrony z-scores that
follows the model's definition of each phase, plus Gaussian noise. The estimator never sees the
labels; the tests compare its phases with them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurofeedback.errors import UsageError
from neurofeedback.pipeline.estimator import AnnealingEstimator, EstimatorConfig
from neurofeedback.pipeline.features import CYCLE_PHASES
from neurofeedback.pipeline.frame import PHASES
from neurofeedback.pipeline.phase_templates import CONFIDENCE_MAP, DEFAULT_TEMPLATES, PhaseTemplate

HOP = 0.1

# (phase, duration s, energy from->to, temperature from->to, synchrony from->to): each phase
# runs along its shipped template (in the estimator's input units, input scale 1)
_DUR = {"heating": 40, "disintegration": 30, "search": 40, "annealing": 40, "integrated": 40}
CYCLE = [
    (p, _DUR[p], *((DEFAULT_TEMPLATES[p].start[a], DEFAULT_TEMPLATES[p].end[a]) for a in range(3)))
    for p in _DUR
]


def trajectory(n_cycles: int = 1, seed: int = 0, noise: float = 0.5, baseline_s: float = 60.0):
    """Known-phase z-score curves: baseline, then ``n_cycles`` annealing cycles."""
    rng = np.random.default_rng(seed)
    segs = [("baseline", baseline_s, (0.0, 0.0), (0.0, 0.0), (0.0, 0.0))] + CYCLE * n_cycles
    e, t, s, p = [], [], [], []
    for name, dur, ee, tt, ss in segs:
        n = int(round(dur / HOP))
        x = np.linspace(0.0, 1.0, n, endpoint=False)
        e.append(ee[0] + (ee[1] - ee[0]) * x)
        t.append(tt[0] + (tt[1] - tt[0]) * x)
        sv = ss[0] + (ss[1] - ss[0]) * x
        if name == "search":  # synchrony wanders during search
            sv = sv + 0.5 * np.sin(2 * np.pi * 2 * x)
        s.append(sv)
        p += [name] * n
    e, t, s = (np.concatenate(a) for a in (e, t, s))
    n = e.size
    e = e + noise * rng.standard_normal(n)
    t = t + noise * rng.standard_normal(n)
    s = s + noise * rng.standard_normal(n)
    return np.arange(n) * HOP, e, t, s, np.array(p)


def balanced_accuracy(truth: np.ndarray, pred: np.ndarray) -> float:
    recalls = [np.mean(pred[truth == c] == c) for c in np.unique(truth)]
    return float(np.mean(recalls))


def run(est, times, e, t, s, artifact=None, baseline_s=60.0):
    states = []
    for i, ti in enumerate(times):
        art = bool(artifact[i]) if artifact is not None else False
        states.append(est.update(ti, e[i], t[i], s[i], art, ti >= baseline_s))
    return states


@pytest.mark.parametrize("seed", [101, 102, 103])
def test_phases_follow_a_known_cycle(seed):
    times, e, t, s, truth = trajectory(seed=seed)
    states = run(AnnealingEstimator(HOP), times, e, t, s)
    pred = np.array([st.phase for st in states])
    assert set(pred) <= set(PHASES)
    assert balanced_accuracy(truth, pred) >= 0.8
    # Phases appear in the cycle's order, each once.
    order = [p for i, p in enumerate(pred) if i == 0 or p != pred[i - 1]]
    assert order == ["baseline", *CYCLE_PHASES]
    assert states[-1].cycle_count == 1


def test_cycles_are_counted_and_time_in_phase_tracked():
    times, e, t, s, truth = trajectory(n_cycles=3, seed=7)
    states = run(AnnealingEstimator(HOP), times, e, t, s)
    counts = np.array([st.cycle_count for st in states])
    assert counts[-1] == 3
    assert np.all(np.diff(counts) >= 0)
    # A cycle is counted only on entering ``integrated``.
    for i in np.flatnonzero(np.diff(counts)) + 1:
        assert states[i].phase == "integrated" and states[i - 1].phase == "annealing"
    # time_in_phase_s restarts at each phase change and grows by the hop in between.
    for a, b in zip(states[:-1], states[1:], strict=True):
        if b.phase == a.phase and a.phase != "baseline":
            assert b.time_in_phase_s == pytest.approx(a.time_in_phase_s + HOP)


def test_baseline_until_complete_and_at_rest():
    times, e, t, s, _ = trajectory(seed=3)
    est = AnnealingEstimator(HOP)
    states = run(est, times[:800], e[:800], t[:800], s[:800], baseline_s=1e9)
    assert all(st.phase == "baseline" for st in states)
    # Flat z-scores near 0 after the baseline: nothing departs from it.
    rng = np.random.default_rng(4)
    est = AnnealingEstimator(HOP)
    n = 1200
    z = 0.3 * rng.standard_normal((3, n))
    states = run(est, np.arange(n) * HOP, z[0], z[1], z[2], baseline_s=0.0)
    assert all(st.phase == "baseline" for st in states)


def test_artifact_frames_hold_the_state():
    times, e, t, s, _ = trajectory(seed=5)
    artifact = np.zeros(times.size, bool)
    artifact[1500:1600] = True  # 10 s of artifacts during search
    # Garbage values in artifact frames must not matter.
    e2, t2, s2 = e.copy(), t.copy(), s.copy()
    e2[artifact], t2[artifact], s2[artifact] = 50.0, -50.0, np.nan
    states = run(AnnealingEstimator(HOP), times, e2, t2, s2, artifact)
    held = states[1499]
    for st in states[1500:1600]:
        assert st is held
    ref = run(AnnealingEstimator(HOP), times, e, t, s, artifact)
    assert [(a.phase, a.confidence, a.probabilities) for a in states] == [
        (b.phase, b.confidence, b.probabilities) for b in ref
    ]


def test_minimum_dwell_times_are_respected():
    # Long dwell times delay every change; each phase lasts at least its dwell before leaving.
    cfg = EstimatorConfig(min_dwell_s={p: 12.0 for p in PHASES[1:]})
    # Every phase lasted at least its minimum dwell time before being left.
    times_cycle, e, t, s, _ = trajectory(n_cycles=2, seed=11)
    states = run(AnnealingEstimator(HOP, cfg), times_cycle, e, t, s)
    for a, b in zip(states[:-1], states[1:], strict=True):
        if a.phase != b.phase and a.phase != "baseline":
            assert a.time_in_phase_s + HOP >= cfg.min_dwell_s[a.phase] - 1e-9
    # The noisy trajectory moves through the cycle without flicker: 5 phases x 2 cycles + 1.
    phases = [st.phase for st in states]
    changes = sum(a != b for a, b in zip(phases[:-1], phases[1:], strict=True))
    assert changes == 10


def test_confidence_is_high_inside_phases_and_bounded():
    times, e, t, s, truth = trajectory(seed=9)
    states = run(AnnealingEstimator(HOP), times, e, t, s)
    conf = np.array([st.confidence for st in states])
    assert np.all((conf >= 0) & (conf <= 1))
    pred = np.array([st.phase for st in states])
    # Inside the integrated plateau the decision is clear.
    mid = (truth == "integrated") & (pred == "integrated")
    assert np.median(conf[mid]) > 0.8


def test_deterministic():
    times, e, t, s, _ = trajectory(seed=12)
    a = run(AnnealingEstimator(HOP), times, e, t, s)
    b = run(AnnealingEstimator(HOP), times, e, t, s)
    assert [(x.phase, x.confidence, x.cycle_count) for x in a] == [
        (x.phase, x.confidence, x.cycle_count) for x in b
    ]


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"smooth_tau_s": 0}, r"smooth_tau_s must be a finite number > 0; got 0"),
        ({"smooth_tau_s": "3"}, None),  # numeric strings are numbers
        ({"smooth_tau_s": "soon"}, r"smooth_tau_s must be a finite number > 0; got 'soon'"),
        ({"trend_tau_s": 2.0}, "trend_tau_s must be greater than smooth_tau_s"),
        ({"hysteresis": -1}, r"hysteresis must be a finite number in \[0, 1\); got -1"),
        ({"hysteresis": 1.0}, r"hysteresis must be a finite number in \[0, 1\)"),
        ({"evidence_weight": 1.5}, r"evidence_weight must be a finite number in \(0, 1\]"),
        ({"evidence_weight": math.nan}, r"evidence_weight must be a finite number in \(0, 1\]"),
        ({"substates": 0}, "substates must be an integer >= 1"),
        ({"substates": 2.5}, "substates must be an integer >= 1"),
        ({"substates": np.int64(4)}, None),
        ({"expected_phase_s": {"search": 0.0}}, r"expected_phase_s\[search\] must be a finite number > 0"),
        ({"expected_phase_s": {"baseline": 10.0}}, "expected_phase_s keys must be among"),
        ({"expected_phase_s": None}, "expected_phase_s must be a dict of phase name to seconds"),
        ({"min_dwell_s": {"warming": 1.0}}, "min_dwell_s keys must be among"),
        ({"min_dwell_s": {"search": -1.0}}, r"min_dwell_s\[search\] must be a finite number >= 0"),
        ({"min_dwell_s": 5}, "min_dwell_s must be a dict"),
        ({"templates": None}, "templates must be a dict of phase name to PhaseTemplate"),
        ({"templates": {"heating": DEFAULT_TEMPLATES["heating"]}}, "missing"),
        ({"templates": {**DEFAULT_TEMPLATES, "search": (1, 2, 3)}}, r"templates\[search\] must be"),
    ],
)
def test_config_validation(kwargs, word):
    if word is None:
        cfg = EstimatorConfig(**kwargs)
        assert all(isinstance(getattr(cfg, k), (int, float)) for k in kwargs)
        return
    with pytest.raises(UsageError, match=word):
        EstimatorConfig(**kwargs)


def test_hop_validation():
    with pytest.raises(UsageError, match="hop_s must be a finite number > 0; got 0"):
        AnnealingEstimator(hop_s=0)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"start": (0.0, 0.0, 0.0)}, "start must be 4 finite numbers"),
        ({"end": (0.0, math.inf, 0.0, 0.0)}, "end must be 4 finite numbers"),
        ({"spread": (1.0, 1.0, 0.0, 1.0)}, "spread must be > 0"),
    ],
)
def test_template_validation(kwargs, word):
    good = {"start": (0.0,) * 4, "end": (1.0,) * 4, "spread": (1.0,) * 4}
    with pytest.raises(UsageError, match=word):
        PhaseTemplate(**{**good, **kwargs})


def test_probabilities_are_a_distribution_and_confidence_is_the_calibrated_reported_one():
    times, e, t, s, _ = trajectory(seed=13)
    states = run(AnnealingEstimator(HOP), times, e, t, s)
    xs, ys = CONFIDENCE_MAP
    for st in states[600::50]:  # after the baseline
        assert set(st.probabilities) == set(PHASES)
        assert sum(st.probabilities.values()) == pytest.approx(1.0)
        raw = st.probabilities[st.phase] if st.in_range else min(0.5, st.probabilities[st.phase])
        assert st.probability == pytest.approx(raw)
        assert st.confidence == pytest.approx(np.interp(raw, xs, ys))
    # the identity map reports the filter's probability
    ident = EstimatorConfig(confidence_map=((0.0, 1.0), (0.0, 1.0)))
    for st in run(AnnealingEstimator(HOP, ident), times, e, t, s)[600::50]:
        assert st.confidence == pytest.approx(st.probability)


def test_energy_held_high_while_synchronising_reads_as_integrated():
    # Meditation: energy rises while the regions synchronise and stay cool, then holds. No
    # disintegration, search or annealing is in the data; the phases skip straight to integrated.
    rng = np.random.default_rng(21)
    n_base, n_heat, n_hold = 600, 1200, 800
    ramp = np.linspace(0.0, 1.0, n_heat)
    # energy to most of heating's end, synchrony to most of integrated's level, cool
    e_top = 0.7 * DEFAULT_TEMPLATES["heating"].end[0]
    s_top = 0.8 * DEFAULT_TEMPLATES["integrated"].start[2]
    e = np.concatenate([np.zeros(n_base), e_top * ramp, np.full(n_hold, e_top)])
    t = np.concatenate([np.zeros(n_base), -0.8 * ramp, np.full(n_hold, -0.8)])
    s = np.concatenate([np.zeros(n_base), s_top * ramp, np.full(n_hold, s_top)])
    e, t, s = (x + 0.5 * rng.standard_normal(x.size) for x in (e, t, s))
    times = np.arange(e.size) * HOP
    pred = np.array([st.phase for st in run(AnnealingEstimator(HOP), times, e, t, s)])
    # The energy trend takes ~20 s to settle once energy stops rising; from 30 s into the hold
    # on, integrated is the answer.
    hold = pred[n_base + n_heat + 300 :]
    assert np.mean(hold == "integrated") >= 0.9
    assert np.mean(pred[n_base + 300 : n_base + n_heat - 300] == "heating") >= 0.8


def _after_baseline(est, values, t0=0.0):
    """Feed ``values`` (rows of energy, temperature, synchrony z) one per hop after a baseline."""
    return [est.update(t0 + i * HOP, *row, False, True) for i, row in enumerate(values)]


@pytest.mark.parametrize("row", [(100.0, 0.0, 0.0), (1000.0, 0.0, 0.0), (40.0, 5.0, -3.0),
                                 (-40.0, 0.0, 0.0), (0.0, 0.0, 30.0)])
def test_extreme_inputs_never_freeze_the_filter(row):
    # Far outside every template the filter still updates every frame (inputs are clamped to
    # the calibrated range and no state's probability is ever exactly 0), says it is
    # extrapolating, and caps its confidence at 0.5.
    est = AnnealingEstimator(HOP)
    states = _after_baseline(est, [row] * 600)
    assert all(st.probabilities for st in states)
    assert all(not st.in_range and st.confidence <= 0.5 for st in states)
    assert sum(st.probabilities != states[0].probabilities for st in states) > 500
    # Back in range, the filter follows again: flat z near 0 returns to baseline.
    back = _after_baseline(est, [(0.0, 0.0, 0.0)] * 3000, t0=60.0)
    assert back[-1].in_range and back[-1].phase == "baseline" and back[-1].confidence > 0.5


def test_missing_axis_is_not_evidence():
    # With synchrony missing (fewer than two clean regions), the filter must not keep weighing
    # the last synchrony average as if it were new evidence.
    times, e, t, s, _ = trajectory(seed=17)
    gap = slice(1200, 1800)
    s_gap = s.copy()
    s_gap[gap] = np.nan
    a = run(AnnealingEstimator(HOP), times, e, t, s_gap)
    # what weighing the stale average would amount to: the last value repeated through the gap
    s_stale = s.copy()
    s_stale[gap] = s[1199]
    b = run(AnnealingEstimator(HOP), times, e, t, s_stale)
    assert [x.probabilities for x in a[1250:1800]] != [x.probabilities for x in b[1250:1800]]
    est = AnnealingEstimator(HOP)
    run(est, times[:1200], e[:1200], t[:1200], s[:1200])
    x = est._features.update(times[1200], e[1200], t[1200], math.nan)
    assert np.isnan(x[2]) and np.isfinite(x[[0, 1, 3]]).all()


def test_a_long_gap_spreads_the_prediction_over_many_steps():
    # 60 s without clean frames from the start of heating: the chain moves on about
    # 60 s * 8 steps / 40 s = 12 steps, not one (without the way back to baseline).
    est = AnnealingEstimator(HOP, EstimatorConfig(return_per_s=0.0))
    m = est._model
    prob = np.zeros(m.n)
    prob[1] = 1.0  # heating, step 0
    by_phase = np.zeros(len(PHASES))
    m.step(prob, np.full(4, np.nan), 60.0, HOP, 0.0, by_phase)  # no evidence: prediction only
    steps = np.arange(m.n) - 1
    mean_steps = float((prob * steps).sum())
    assert mean_steps == pytest.approx(12.0, rel=0.1)


def test_set_baseline_restarts_the_estimator():
    from neurofeedback.pipeline.pipeline import Pipeline
    from neurofeedback.simulate import Generator
    from neurofeedback.simulate.artifacts import RAIL_UV

    gen = Generator("annealing-cycle", seed=3, duration_s=270.0)
    data, _ = gen.generate(int(200 * gen.sfreq))
    pipe = Pipeline(gen.sfreq, list(gen.ch_names), rail_uv=RAIL_UV)
    frames = pipe.push(data[:, : int(150 * gen.sfreq)])
    assert frames[-1].phase != "baseline"
    pipe.set_baseline(150.0, 180.0)
    assert pipe.estimator.state.phase == "baseline" and pipe.estimator.state.cycle_count == 0
    later = pipe.push(data[:, int(150 * gen.sfreq):])
    assert all(f.phase == "baseline" for f in later if f.time_s < 180.0)
