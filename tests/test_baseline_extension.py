"""A baseline block with too few clean frames (a noisy start) takes the clean frames after it,
so the z-scores start late instead of staying empty for the whole recording."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from _data import EEGMAT_EDF

from neurofeedback.analyze import iter_frames
from neurofeedback.io import load_eeg_file
from neurofeedback.pipeline.baseline import Baseline
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.pipeline import Pipeline

HOP = 0.1


def _feed(bl: Baseline, clean, t_end: float = 30.0):
    """Frames every 0.1 s from 2 s; ``clean(t)`` says which are not artifacts; the value of
    each frame is its time."""
    for k in range(int(round((t_end - 2.0) / HOP)) + 1):
        t = round(2.0 + k * HOP, 10)
        bl.update(t, {"x": t}, artifact=not clean(t))
        if bl.complete:
            return t
    return math.nan


def test_a_block_with_too_few_clean_frames_is_extended():
    bl = Baseline(0.0, 10.0, 2.0, min_frames=50)
    done = _feed(bl, lambda t: t < 3.95 or t > 10.05)  # 20 clean frames in the block
    # 20 in the block, then the clean frames from 10.1 s: the 50th is the frame at 13.0 s
    assert done == pytest.approx(13.0) and bl.completed_s == pytest.approx(13.0)
    assert bl.extended and bl.n_frames == 50
    values = np.r_[np.arange(20) * HOP + 2.0, np.arange(30) * HOP + 10.1]
    assert bl.z("x", float(np.median(values))) == pytest.approx(0.0, abs=1e-12)


def test_a_block_with_enough_clean_frames_is_unchanged():
    ref, new = Baseline(0.0, 10.0, 2.0), Baseline(0.0, 10.0, 2.0, min_frames=50)
    clean = lambda t: int(round(t * 10)) % 3 != 0  # noqa: E731 - two thirds of the frames
    assert _feed(ref, clean) == _feed(new, clean) == pytest.approx(10.0)
    assert not new.extended and new.n_frames == ref.n_frames >= 50
    assert new.stats() == ref.stats()


def test_never_enough_clean_frames_never_completes():
    bl = Baseline(0.0, 10.0, 2.0, min_frames=50)
    assert math.isnan(_feed(bl, lambda t: t < 3.0))
    assert not bl.complete and bl.extended and math.isnan(bl.z("x", 5.0))


@pytest.mark.skipif(not EEGMAT_EDF.exists(), reason="EEGMAT recording not available")
def test_real_rest_with_a_noisy_first_70_seconds():
    """EEGMAT's rest with 300-uV broadband noise over its first 70 s (electrodes settling):
    the baseline block (0-60 s) is all artifact. Without the extension the energy stays empty
    for the whole recording; with it, it starts soon after the noise ends and reads a resting
    head (|z| mostly within 4)."""
    lf = load_eeg_file(EEGMAT_EDF)
    rng = np.random.default_rng(0)
    n = int(70 * lf.sfreq)
    data = lf.data.copy()
    data[:, :n] += rng.standard_normal((data.shape[0], n)) * 300.0
    noisy = dataclasses.replace(lf, data=data)

    def energy(cfg: PipelineConfig) -> tuple[np.ndarray, np.ndarray]:
        pipe = Pipeline(lf.sfreq, list(lf.ch_names), cfg, lf.rail_uv)
        frames = [f for chunk in iter_frames(noisy, cfg, pipe=pipe) for f in chunk]
        return np.array([f.time_s for f in frames]), np.array([f.energy for f in frames])

    t, e_old = energy(PipelineConfig(baseline=(0.0, 60.0), baseline_min_clean_s=0.0))
    assert not np.isfinite(e_old).any()
    t, e = energy(PipelineConfig(baseline=(0.0, 60.0)))
    first = t[np.argmax(np.isfinite(e))]
    assert 72.0 <= first <= 90.0  # after the noise has left the 2-s windows, 10 s of frames on
    after = e[t > first]
    assert np.isfinite(after).all() and np.mean(np.abs(after) <= 4.0) >= 0.8


def test_features_table_carries_baseline_completion():
    """``baseline_complete`` is a features.csv column: the report and a protocol replay read
    when z-scores started from it, also for frames whose energy is empty after completion (no
    clean channel), where the old inference from finite energy said 'not complete'."""
    from neurofeedback.report.data import table_from_frames, table_from_rows

    lf = load_eeg_file(EEGMAT_EDF)
    cfg = PipelineConfig(baseline=(0.0, 20.0))
    n = int(40 * lf.sfreq)
    data = lf.data[:, :n].copy()
    data[:, int(30 * lf.sfreq):int(31 * lf.sfreq)] = 5000.0  # every channel out of range for 1 s
    frames = Pipeline(lf.sfreq, list(lf.ch_names), cfg, lf.rail_uv).push(data)
    truth = np.array([f.baseline_complete for f in frames])
    assert truth.any() and not truth.all()
    tab = table_from_frames(frames, "test")
    np.testing.assert_array_equal(tab["baseline_complete"], truth.astype(float))
    rebuilt = np.array([f.baseline_complete for f in tab.to_frames()])
    np.testing.assert_array_equal(rebuilt, truth)
    assert (truth & ~np.isfinite(tab["energy"])).any()  # the case the column decides
    # a features.csv from before the column: inferred from finite energy, as before
    old = table_from_rows(["time_s", "phase", "artifact", "energy"],
                          [["1.0", "baseline", "0", ""], ["1.1", "heating", "0", "0.5"]], "old")
    assert [f.baseline_complete for f in old.to_frames()] == [False, True]
