"""Scalp spatial modes, causal filters, quality checks and chunking invariance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _helpers import window_quality

from neurofeedback.errors import UsageError
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.filters import FilterChain, detect_mains
from neurofeedback.pipeline.pipeline import Pipeline, run_pipeline
from neurofeedback.pipeline.regions import assign_regions, positions, region_of
from neurofeedback.pipeline.spatial_modes import (
    SpatialModeBasis,
    eigenmodes,
    low_share_batch,
    mode_entropy_batch,
    mode_power,
)

SF = 250.0
NAMES = ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]


def _eeg(n: int, seed: int = 0, n_ch: int = 8) -> np.ndarray:
    """Brown-ish noise plus white noise, tens of uV."""
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.standard_normal((n_ch, n)), axis=1) * 0.5 + 5 * rng.standard_normal((n_ch, n))


def test_spatially_constant_signal_has_all_power_in_mode_zero():
    pos = positions(NAMES)
    evals, evecs = eigenmodes(pos)
    assert abs(evals[0]) < 1e-10 and np.all(np.diff(evals) >= -1e-12)
    x = np.tile(np.sin(np.linspace(0, 20, 500)), (8, 1)) * 30
    p = mode_power(x, evecs)
    assert p[0] / p.sum() > 1 - 1e-12
    assert low_share_batch(p[None], 1)[0] == pytest.approx(1.0)
    assert mode_entropy_batch(p[None])[0] < 1e-6
    # an alternating left-right pattern lives in higher modes
    alt = np.array([1, -1, 1, -1, 1, -1, 1, -1], float)[:, None] * x[:1]
    assert mode_power(alt, evecs)[0] < 1e-20


def test_spatial_modes_are_reference_free_and_find_a_smooth_gradient():
    names = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz", "C4", "T8", "P7", "P3",
             "Pz", "P4", "P8", "O1", "O2"]
    pos = positions(names)
    sel, ev = SpatialModeBasis(pos).basis(np.ones(len(names), bool))
    assert sel.size == 19 and ev.shape == (19, 18)  # the constant mode is left out
    rng = np.random.default_rng(0)
    # a known pattern: one source whose scalp field is a smooth front-to-back gradient
    y = pos[:, 1]
    x = ((y - y.mean()) / y.std())[:, None] * rng.standard_normal(500)[None, :] * 10
    assert low_share_batch(mode_power(x, ev)[None], 3)[0] > 0.9
    # reference-free: a signal added to every channel (a noisy reference) changes nothing
    common = 50 * rng.standard_normal(500)
    assert np.allclose(mode_power(x + common, ev), mode_power(x, ev), rtol=1e-9, atol=1e-9)
    # spatially white activity: the analytic null 3 / (n_channels - 1) on average
    white = np.array([low_share_batch(mode_power(rng.standard_normal((19, 500)), ev)[None], 3)[0]
                      for _ in range(200)])
    assert white.mean() == pytest.approx(3 / 18, abs=0.01)


def test_regions_from_names():
    assert region_of("EEG O1") == "occipital"
    assert region_of("Fp1") == "frontal" and region_of("FC3") == "central"
    assert region_of("P7") == "left_temporal" and region_of("T4") == "right_temporal"
    assert region_of("CPz") == "parietal" and region_of("Cz") == "central"
    assert region_of("foo") is None
    regions, idx = assign_regions(["Fp1", "O2", "xyz"])
    assert regions == ("frontal", "occipital") and list(idx) == [0, 1, -1]
    assert np.isnan(positions(["xyz"])).all() and np.isfinite(positions(["EEG Cz"])).all()


def test_causal_filter_output_before_impulse_is_exactly_zero():
    chain = FilterChain(SF, 2, 1.0, 45.0, 50.0)
    x = np.zeros((2, 1000))
    x[:, 600] = 1.0
    y = chain.process(x)
    assert np.all(y[:, :600] == 0.0)
    assert np.abs(y[:, 600:]).max() > 0


def test_mains_detection():
    rng = np.random.default_rng(1)
    t = np.arange(500) / SF
    base = rng.standard_normal((4, 500)) * 5
    assert detect_mains(base + 30 * np.sin(2 * np.pi * 50 * t), SF) == 50.0
    assert detect_mains(base + 30 * np.sin(2 * np.pi * 60 * t), SF) == 60.0
    assert detect_mains(base, SF) is None


def test_quality_detects_railed_flat_and_line_channels():
    n = int(SF * 4)
    x = _eeg(n, seed=2)
    t = np.arange(n) / SF
    x[1] = 187500.0  # railed at the Cyton limit
    x[3] = 0.01 * np.sin(2 * np.pi * 10 * t)  # flat: 0.007 uV rms
    x[5] += 400 * np.sin(2 * np.pi * 50 * t)  # this electrode picks up far more mains
    frames = run_pipeline(x, SF, NAMES, PipelineConfig(notch=50), rail_uv=187500.0)
    q = frames[-1].channel_quality
    assert q[1] == "railed" and q[3] == "flat" and q[5] == "line"
    assert set(frames[-1].bad_channels) == {"Fp2", "C4", "P8"}
    assert q[0] == "ok" and q[2] == "ok" and q[6] == "ok"
    assert not frames[-1].artifact


def test_chunking_invariance_identical_frames():
    x = _eeg(int(SF * 6), seed=3)
    cfg = PipelineConfig(baseline=(0.0, 3.0))
    whole = run_pipeline(x, SF, NAMES, cfg)
    p25 = Pipeline(SF, NAMES, cfg)
    by25 = [f for s in range(0, x.shape[1], 25) for f in p25.push(x[:, s : s + 25])]
    p1 = Pipeline(SF, NAMES, cfg)
    by1 = [f for s in range(x.shape[1]) for f in p1.push(x[:, s : s + 1])]
    assert len(whole) == len(by25) == len(by1) == 41
    assert [f.time_s for f in whole] == [(500 + 25 * k) / SF for k in range(41)]
    for a, b, c in zip(whole, by25, by1, strict=True):
        assert a.to_row() == b.to_row() == c.to_row()
        for name in ("psd", "band_power", "plv_matrix", "sync_matrix", "mode_power"):
            assert np.array_equal(getattr(a, name), getattr(b, name))
            assert np.array_equal(getattr(a, name), getattr(c, name))
        for name in ("energy", "synchrony", "plv", "metastability", "synchrony_chance", "lempel_ziv",
                         "kuramoto", "consonance"):
            va, vb, vc = getattr(a, name), getattr(b, name), getattr(c, name)
            assert (va == vb == vc) or (math.isnan(va) and math.isnan(vb) and math.isnan(vc))
    assert whole[-1].baseline_complete and not whole[0].baseline_complete
    assert math.isnan(whole[0].energy) and math.isfinite(whole[-1].energy)


def test_frames_every_hop_at_non_integer_hop_rate():
    x = _eeg(int(125 * 5), seed=4, n_ch=2)
    frames = run_pipeline(x, 125.0, ["O1", "O2"])
    times = np.array([f.time_s for f in frames])
    assert len(frames) == 31  # 2.0 .. 5.0 s
    # boundaries at round-half-up of k x 12.5 samples after the first window: 10 frames a second
    expected = (250 + np.floor(12.5 * np.arange(31) + 0.5)) / 125
    assert np.array_equal(times, expected)


def test_scores_zero_before_baseline_and_in_artifacts():
    x = _eeg(int(SF * 8), seed=5)
    x[0, 1500:1560] += 400.0  # a big step on Fp1 around 6 s
    frames = run_pipeline(x, SF, NAMES, PipelineConfig(baseline=(0.0, 4.0)))
    for f in frames:
        if not f.baseline_complete or f.artifact:
            assert f.meditation_score == 0.0 and f.integration_score == 0.0
        assert 0.0 <= f.meditation_score <= 1.0 and 0.0 <= f.integration_score <= 1.0
    assert any(f.artifact for f in frames)
    assert any(f.meditation_score > 0 for f in frames)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(window_s=-1), "window_s"),
        (dict(notch=55), "notch"),
        (dict(integration_band=(8, 4)), "integration_band"),
        (dict(baseline=(10, 5)), "baseline"),
        (dict(hop_s=3.0), "hop_s"),
    ],
)
def test_config_errors_name_the_parameter(kwargs, word):
    with pytest.raises(UsageError, match=word):
        PipelineConfig(**kwargs)


def test_push_rejects_wrong_shape_and_nan():
    p = Pipeline(SF, NAMES)
    with pytest.raises(UsageError, match="n_channels=8"):
        p.push(np.zeros((3, 10)))
    bad = np.zeros((8, 10))
    bad[0, 0] = np.nan
    with pytest.raises(UsageError, match="NaN"):
        p.push(bad)


def _quality_window(raw: np.ndarray, end: int):
    """Quality reasons (pipeline kernel, checked against the reference) for the 2-s window
    ending at sample ``end`` of ``raw``."""
    return window_quality(raw, end, NAMES, SF, 187500.0)


def _blink(n: int, start_s: float, amp: float = 90.0, dur: float = 0.3) -> np.ndarray:
    w = np.zeros(n)
    i0, k = int(start_s * SF), int(dur * SF)
    w[i0 : i0 + k] = amp * np.sin(np.pi * (np.arange(k) + 0.5) / k) ** 2
    return w


def test_blink_flagged_while_in_window_not_after_it_left():
    n = int(SF * 12)
    raw = _eeg(n, seed=5)
    raw[:2] += _blink(n, 8.0)  # 90 uV at Fp1/Fp2 only: below the old 100-uV threshold
    assert _quality_window(raw, int(9.0 * SF))[:2] == ["blink", "blink"]  # blink inside
    # 0.1 s after the blink has left the window the causal high-pass still rings; the raw
    # window holds no blink, so it must not be called one.
    assert _quality_window(raw, int(10.4 * SF))[:2] == ["ok", "ok"]


def test_slow_wave_on_every_channel_is_not_a_blink():
    n = int(SF * 12)
    raw = _eeg(n, seed=6)
    raw += _blink(n, 8.0, amp=150.0, dur=0.4)[None, :]  # same deflection everywhere
    q = _quality_window(raw, int(9.0 * SF))
    assert "blink" not in q


def test_short_emg_burst_at_window_end_is_flagged():
    from scipy.signal import butter, sosfiltfilt

    n = int(SF * 12)
    raw = _eeg(n, seed=7)
    rng = np.random.default_rng(0)
    burst = sosfiltfilt(butter(4, (25, 45), "bandpass", fs=SF, output="sos"), rng.standard_normal(n))
    burst *= 25.0 / burst.std()
    i0 = int(9.7 * SF)
    raw[4, i0:] += burst[i0:]  # P7: a burst that started 0.3 s before the window's end
    q = _quality_window(raw, int(10.0 * SF))
    assert q[4] == "emg" and q.count("emg") == 1


def test_channel_recovering_from_the_rail_is_bad_not_an_artifact():
    n = int(SF * 14)
    raw = _eeg(n, seed=8)
    raw[5, int(2 * SF) : int(8 * SF)] = 187500.0
    q = _quality_window(raw, int(10.1 * SF))  # rail released 2.1 s ago: filters still ringing
    assert q[5] == "railed"
    assert all(r == "ok" for i, r in enumerate(q) if i != 5)
