"""The pipeline and the annealing estimator against the simulator's ground truth.

Seeds: the simulator, the estimator defaults and its phase templates were tuned and calibrated
on seeds 0-9 only; these tests use seeds 1001 (annealing-cycle), 1002 (artifacts) and 1007
(meditation), never used while tuning.

Targets (issue 3): energy Spearman >= 0.9 and synchrony Spearman >= 0.85 over post-baseline clean
frames; phase balanced accuracy >= 0.8; >= 90 % of artifact frames flagged with <= 5 % false
flags; feedback scores exactly 0 in artifact frames.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from neurofeedback.pipeline.pipeline import run_pipeline
from neurofeedback.simulate import Generator, make_truth
from neurofeedback.simulate.artifacts import RAIL_UV

CYCLE_SEED, ARTIFACT_SEED, MEDITATION_SEED = 1001, 1002, 1007
CYCLE_S, ARTIFACT_S, MEDITATION_S = 270.0, 180.0, 300.0
BASELINE_END_S = 65.0  # end of the scenario's baseline segment


def _run(scenario: str, seed: int, duration: float):
    gen = Generator(scenario, seed=seed, duration_s=duration)
    data, art = gen.generate(int(duration * gen.sfreq))
    truth = make_truth(gen.schedule, art, gen.sfreq)
    frames = run_pipeline(data, gen.sfreq, list(gen.ch_names), rail_uv=RAIL_UV)
    return gen, art, truth, frames


@pytest.fixture(scope="module")
def cycle():
    gen, _, truth, frames = _run("annealing-cycle", CYCLE_SEED, CYCLE_S)
    t = np.array([f.time_s for f in frames])
    idx = np.round(t * 10).astype(int)  # truth rows are at k * 0.1 s on the frames' clock
    assert np.allclose(truth.time_s[idx], t)
    art = np.array([f.artifact for f in frames])
    post = (t >= BASELINE_END_S) & ~art
    return {"frames": frames, "truth": truth, "idx": idx, "post": post, "t": t}


def balanced_accuracy(truth: np.ndarray, pred: np.ndarray) -> float:
    """Mean over true classes of the fraction predicted correctly (recall)."""
    return float(np.mean([np.mean(pred[truth == c] == c) for c in np.unique(truth)]))


def test_balanced_accuracy_helper():
    y = np.array(["a", "a", "a", "b"])
    assert balanced_accuracy(y, np.array(["a", "a", "a", "a"])) == 0.5
    assert balanced_accuracy(y, np.array(["a", "a", "b", "b"])) == pytest.approx((2 / 3 + 1) / 2)


def test_energy_follows_truth(cycle):
    e = np.array([f.energy for f in cycle["frames"]])
    post = cycle["post"]
    assert post.sum() > 1500
    rho = stats.spearmanr(e[post], cycle["truth"].energy[cycle["idx"]][post])[0]
    assert rho >= 0.9


def test_synchrony_follows_truth(cycle):
    s = np.array([f.synchrony for f in cycle["frames"]])
    post = cycle["post"]
    rho = stats.spearmanr(s[post], cycle["truth"].synchrony[cycle["idx"]][post])[0]
    assert rho >= 0.85


def test_synchrony_orders_the_extremes(cycle):
    # Weaker than Spearman >= 0.85 but required: the search plateau (truth ~0.05) is below the
    # integrated plateau (truth ~0.87) in every 10-s block.
    s = np.array([f.synchrony for f in cycle["frames"]])
    ph = cycle["truth"].phase[cycle["idx"]]
    t = cycle["t"]
    low = [np.nanmean(s[(ph == "search") & (t // 10 == b)]) for b in np.unique(t[ph == "search"] // 10)]
    high = [np.nanmean(s[(ph == "integrated") & (t // 10 == b)])
            for b in np.unique(t[ph == "integrated"] // 10)]
    assert max(v for v in low if np.isfinite(v)) < min(v for v in high if np.isfinite(v))


def test_phase_balanced_accuracy(cycle):
    pred = np.array([f.phase for f in cycle["frames"]])
    assert balanced_accuracy(cycle["truth"].phase[cycle["idx"]], pred) >= 0.8


def test_meditation_phases():
    # Energy builds while the regions synchronise, then holds: heating, then integrated, with
    # no disintegration/search/annealing in the truth.
    gen, _, truth, frames = _run("meditation", MEDITATION_SEED, MEDITATION_S)
    t = np.array([f.time_s for f in frames])
    true = truth.phase[np.round(t * 10).astype(int)]
    pred = np.array([f.phase for f in frames])
    assert balanced_accuracy(true, pred) >= 0.8
    assert np.mean(pred[true == "integrated"] == "integrated") >= 0.8


def test_phases_run_through_the_cycle(cycle):
    frames = cycle["frames"]
    pred = [f.phase for f in frames]
    truth = cycle["truth"].phase[cycle["idx"]]
    assert all(p == "baseline" for p, f in zip(pred, frames, strict=True) if not f.baseline_complete)
    # Every phase is detected, and in its own truth segment it is the most frequent label
    # for the heating and integrated plateaus.
    assert set(pred) == {"baseline", "heating", "disintegration", "search", "annealing",
                         "integrated"}
    for phase in ("heating", "integrated"):
        labels, counts = np.unique(np.array(pred)[truth == phase], return_counts=True)
        assert labels[np.argmax(counts)] == phase
    assert frames[-1].cycle_count == 1


@pytest.fixture(scope="module")
def artifacts():
    gen, art, truth, frames = _run("artifacts", ARTIFACT_SEED, ARTIFACT_S)
    n = np.array([int(round(f.time_s * gen.sfreq)) for f in frames])  # samples so far
    win = int(2.0 * gen.sfreq)
    csum = np.concatenate([[0], np.cumsum(art)])
    overlap_s = (csum[n] - csum[n - win]) / gen.sfreq  # artifact time inside each window
    flagged = np.array([f.artifact for f in frames])
    return {"gen": gen, "frames": frames, "overlap": overlap_s, "flagged": flagged, "n": n}


def test_artifacts_handled(artifacts):
    # A channel problem is not a frame problem: an artifact is handled when its frame is gated
    # or every channel carrying at least half of the artifact's largest RMS in that window is
    # left out (bad_channels). An artifact frame: its 2-s window holds at least 0.1 s of blink
    # or EMG. Measured on seed 1002: 94 % handled.
    gen, frames, n = artifacts["gen"], artifacts["frames"], artifacts["n"]
    add, _ = gen.artifacts.render(0, int(n.max()))
    energy = np.concatenate([np.zeros((add.shape[0], 1)), np.cumsum(add**2, axis=1)], axis=1)
    win = int(2.0 * gen.sfreq)
    real = np.flatnonzero(artifacts["overlap"] >= 0.1)
    assert real.size > 300
    handled = []
    for i in real:
        rms = np.sqrt((energy[:, n[i]] - energy[:, n[i] - win]) / win)
        carrying = [gen.ch_names[j] for j in np.flatnonzero(rms >= 0.5 * rms.max())]
        f = frames[i]
        handled.append(f.artifact or all(c in f.bad_channels for c in carrying))
    assert np.mean(handled) >= 0.9


def test_ungated_artifact_frames_are_not_rewarded(artifacts):
    # Frames whose artifact was handled by leaving channels out (and subtracting the blink from
    # the channels it reaches) must not score higher than artifact-free frames: measured on
    # seed 1002 after the baseline, 0.16 against 0.22 (without the blink regression: 0.32
    # against 0.15, the artifact was rewarded); since handled blinks give no meditation reward
    # (tests/test_blink_reward.py), 0.008 against 0.20 (181 of 201 frames hold a blink).
    frames = artifacts["frames"]
    t = np.array([f.time_s for f in frames])
    gated = artifacts["flagged"]
    post = t > BASELINE_END_S
    ungated = post & (artifacts["overlap"] >= 0.1) & ~gated
    clean = post & (artifacts["overlap"] == 0)
    assert ungated.sum() > 100 and clean.sum() > 300
    score = np.array([f.meditation_score for f in frames])
    energy = np.array([f.energy for f in frames])
    assert score[ungated].mean() <= score[clean].mean()
    assert np.median(energy[ungated]) <= np.median(energy[clean]) + 0.25


def test_few_false_artifact_flags(artifacts):
    # A false flag: a flagged frame whose 2-s window holds no blink or EMG sample at all
    # (frames whose window holds less than 0.1 s of artifact count neither way).
    clean = artifacts["overlap"] == 0
    assert clean.sum() > 500
    assert artifacts["flagged"][clean].mean() <= 0.05
    # ...and channels are not left out without a reason: in those windows, channels other than
    # the railed one are left out in at most 5 % of channel-frames
    frames = [artifacts["frames"][i] for i in np.flatnonzero(clean)]
    out = [r not in ("ok", "railed") for f in frames for r in f.channel_quality]
    assert np.mean(out) <= 0.05


def test_scores_are_zero_in_artifact_frames(artifacts):
    frames = artifacts["frames"]
    flagged = [f for f in frames if f.artifact]
    assert len(flagged) > 100
    assert all(f.meditation_score == 0.0 and f.integration_score == 0.0 for f in flagged)
    # ...and not identically zero elsewhere (the check is not vacuous).
    clean = [f for f in frames if not f.artifact and f.baseline_complete]
    assert max(max(f.meditation_score, f.integration_score) for f in clean) > 0.0


def test_railed_channel_is_a_bad_channel(artifacts):
    gen = artifacts["gen"]
    am = gen.artifacts
    rail_name = gen.ch_names[am.rail_ch]
    railed = am.railed(0, int(artifacts["n"].max()))[artifacts["n"] - 1]
    frames = artifacts["frames"]
    idx = gen.ch_names.index(rail_name)
    listed = np.array([f.channel_quality[idx] == "railed" for f in frames])
    assert all(rail_name in f.bad_channels for f, r in zip(frames, listed, strict=True) if r)
    assert railed.sum() > 300
    assert listed[railed].mean() >= 0.95
    assert listed[~railed].mean() <= 0.05
