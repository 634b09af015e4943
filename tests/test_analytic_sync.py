"""The per-sample analytic-signal synchrony (pipeline.analytic): kernel, chance level, coupling,
and live == offline bit for bit when it feeds the integration score."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.signal import butter, sosfilt
from test_pipeline_batch import NAMES, RAIL, SF, _artifact_eeg, _same_frames

from neurofeedback.errors import UsageError
from neurofeedback.pipeline.analytic import AnalyticSynchrony, halfway_s, kernel_weights
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.pipeline import Pipeline, run_pipeline

KEY4 = ("a", "b", "c", "d")


def _run(sync: AnalyticSynchrony, x: np.ndarray, hop: int = 25, chunk: int | None = None):
    """Per-frame (measured, surrogate) pair values, each region one channel."""
    w = np.eye(x.shape[0])
    key = KEY4[: x.shape[0]]
    chunk = chunk or x.shape[1]
    vals, surs = [], []
    done = 0
    for s in range(0, x.shape[1], chunk):
        sync.process(x[:, s : s + chunk])
        done = min(x.shape[1], s + chunk)
        while sync._pos + hop <= done:
            v, u = sync.frame(sync._pos + hop, key, w, True)
            vals.append(v)
            surs.append(u)
    return np.array(vals), np.array(surs)


def test_kernel_weights_known_forms():
    # one stage: a (1 - a)^k; two stages: the discrete gamma-2, (k + 1) a^2 (1 - a)^k
    tau = 12.5
    a = 1.0 - math.exp(-1.0 / tau)
    k = np.arange(400)
    np.testing.assert_allclose(kernel_weights(tau, 1, 400), a * (1 - a) ** k, rtol=1e-12)
    np.testing.assert_allclose(kernel_weights(tau, 2, 400), (k + 1) * a**2 * (1 - a) ** k,
                               rtol=1e-12)
    assert kernel_weights(tau, 3, 2000).sum() == pytest.approx(1.0, abs=1e-9)
    # half-way of the continuous kernels: ln 2 tau (exponential), 1.678 tau (gamma-2)
    assert halfway_s(1.0, 1) == pytest.approx(math.log(2), abs=0.01)
    assert halfway_s(1.0, 2) == pytest.approx(1.678, abs=0.01)


def test_demodulation_gives_the_band_analytic_signal_and_its_delay():
    # a 6-Hz cosine (the centre of 4-8 Hz): z turns into a constant phasor of half the
    # amplitude and phase 0 once the low-pass has settled (the -6 Hz image, at -12 Hz after
    # demodulation, is left at about -64 dB: the small ripple allowed for)
    sync = AnalyticSynchrony(SF, 1, (4.0, 8.0), 0.5)
    t = np.arange(int(10 * SF)) / SF
    sync.process(10.0 * np.cos(2 * np.pi * 6.0 * t)[None])
    z = sync._take(int(10 * SF))[0, int(5 * SF) :]
    np.testing.assert_allclose(np.abs(z), 5.0, rtol=1e-3)
    assert np.abs(np.angle(z)).max() < 2e-3
    # DC group delay of an order-4 Butterworth low-pass at 2 Hz: 2.6131 / (2 pi 2 Hz)
    assert sync.delay_s == pytest.approx(2.6131 / (2 * math.pi * 2.0), rel=0.01)
    # a 12-Hz cosine lies 6 Hz from the centre: the Butterworth's |H(6 Hz)| = 1/sqrt(1 + 3^8)
    sync2 = AnalyticSynchrony(SF, 1, (4.0, 8.0), 0.5)
    sync2.process(10.0 * np.cos(2 * np.pi * 12.0 * t)[None])
    z2 = np.abs(sync2._take(int(10 * SF))[0, int(5 * SF) :])
    assert np.median(z2) == pytest.approx(5.0 / math.sqrt(1 + 3**8), rel=0.02)


def test_independent_noise_reads_zero_on_average():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, int(300 * SF)))
    vals, surs = _run(AnalyticSynchrony(SF, 4, (4.0, 8.0), 1.0), x)
    vals, surs = vals[100:], surs[100:]  # the kernel has filled; the surrogate ring too
    # 6 pairs x 300 s: the mean over frames and pairs is 0 within its sampling error (~0.01)
    assert abs(vals.mean()) < 0.03
    assert abs(surs.mean()) < 0.03
    assert abs(np.median(vals.mean(axis=1))) < 0.05


def test_lagged_coupling_high_zero_lag_low_and_surrogate_at_chance():
    rng = np.random.default_rng(2)
    n = int(120 * SF)
    sos = butter(4, [4.0, 8.0], btype="bandpass", fs=SF, output="sos")
    s = sosfilt(sos, rng.standard_normal(n))
    lag = int(round(SF / 6.0 / 4))  # a quarter cycle at 6 Hz
    noise = 0.3 * np.std(s) * rng.standard_normal((2, n))
    lagged = np.stack([s + noise[0], np.roll(s, lag) + noise[1]])
    zero = np.stack([s + noise[0], s + noise[1]])
    v_lag, sur = _run(AnalyticSynchrony(SF, 2, (4.0, 8.0), 0.5), lagged)
    v_zero, _ = _run(AnalyticSynchrony(SF, 2, (4.0, 8.0), 0.5), zero)
    assert np.median(v_lag[100:]) > 0.8
    assert np.median(v_zero[100:]) < 0.1
    assert abs(np.median(sur[100:])) < 0.1  # 2 s apart the band's phases are unrelated


def test_any_chunking_gives_identical_values():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, int(8 * SF)))
    whole, sw = _run(AnalyticSynchrony(SF, 3, (4.0, 8.0), 0.4, 3), x)
    by7, s7 = _run(AnalyticSynchrony(SF, 3, (4.0, 8.0), 0.4, 3), x, chunk=7)
    by1, s1 = _run(AnalyticSynchrony(SF, 3, (4.0, 8.0), 0.4, 3), x, chunk=1)
    assert whole.shape == (80, 3)
    assert np.array_equal(whole, by7) and np.array_equal(whole, by1)
    assert np.array_equal(sw, s7, equal_nan=True) and np.array_equal(sw, s1, equal_nan=True)


def _analytic_config() -> PipelineConfig:
    return PipelineConfig(baseline=(0.0, 6.0), notch=50, integration_analytic_tau_s=0.4)


def test_pipeline_live_equals_offline_with_the_analytic_path():
    # the contract, extended: frames with artifacts, bad channels and region changes
    x = _artifact_eeg(20.0)
    offline = Pipeline(SF, NAMES, _analytic_config(), RAIL).push(x)
    live = Pipeline(SF, NAMES, _analytic_config(), RAIL)
    streamed = [f for s in range(0, x.shape[1], 7) for f in live.push(x[:, s : s + 7])]
    _same_frames(offline, streamed)
    one = Pipeline(SF, NAMES, _analytic_config(), RAIL)
    by1 = [f for s in range(0, int(8 * SF)) for f in one.push(x[:, s : s + 1])]
    _same_frames(offline[: len(by1)], by1)
    # the path is in use: the integration score differs from the windowed path's
    windowed = run_pipeline(x, SF, NAMES, replace(_analytic_config(), integration_analytic_tau_s=0.0),
                            RAIL)
    a = np.array([f.integration_score for f in offline])
    b = np.array([f.integration_score for f in windowed])
    assert np.any(a != b) and np.array_equal([f.synchrony for f in offline],
                                             [f.synchrony for f in windowed], equal_nan=True)


@pytest.mark.parametrize(("field", "value", "needle"), [
    ("integration_analytic_tau_s", -1.0, "integration_analytic_tau_s must be a number of seconds"),
    ("integration_analytic_order", 0, "integration_analytic_order must be an integer from 1 to 6"),
    ("integration_analytic_order", 2.5, "got 2.5"),
])
def test_config_rejects_bad_kernel_settings(field, value, needle):
    with pytest.raises(UsageError, match=needle):
        PipelineConfig(**{field: value})
