"""The compiled fast paths give the numbers of the library routines they replace."""

from __future__ import annotations

import numpy as np
import pytest
from reference import quality as ref_quality
from scipy import signal

from neurofeedback.pipeline.batch import (
    _centred_ss,
    _local_emg_cols,
    _slow_defl_cols,
    _slow_defl_row,
)
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.filters import CausalFilter, FilterChain, sos_step_cols, sosfilt_cols
from neurofeedback.pipeline.quality import (
    BROAD_BAND_HZ,
    HIGH_BAND_HZ,
    QualityChecker,
    common_mode_slow_wave,
    quality_masks,
)


def _pieces(rng: np.random.Generator, n: int, most: int) -> list[slice]:
    """Consecutive slices of random lengths 1..most covering 0..n."""
    out, start = [], 0
    while start < n:
        stop = min(start + int(rng.integers(1, most + 1)), n)
        out.append(slice(start, stop))
        start = stop
    return out


@pytest.mark.parametrize("n_ch, order", [(16, 4), (19, 6), (3, 2), (1, 4)])
@pytest.mark.parametrize("most", [1, 7, 300, 5000])
def test_sosfilt_cols_equals_scipy_bit_for_bit_in_any_chunking(n_ch, order, most):
    rng = np.random.default_rng(n_ch * 1000 + most)
    sos = signal.butter(order, (4.0, 8.0), "bandpass", fs=250.0, output="sos")
    x = rng.standard_normal((2000, n_ch)) * 20.0 + 300.0  # (time, channel)
    zi = rng.standard_normal((sos.shape[0], 2, n_ch))  # SciPy's zi layout for axis=0
    ref, ref_zf = signal.sosfilt(sos, x, axis=0, zi=zi)
    # in pieces of random length with the state carried: still SciPy's numbers exactly
    out = np.empty_like(x)
    z = zi.copy()
    for sl in _pieces(rng, x.shape[0], most):
        piece = np.ascontiguousarray(x[sl])
        sosfilt_cols(sos, piece, z)
        out[sl] = piece
    assert np.array_equal(out, ref)
    assert np.array_equal(z, ref_zf)


def test_sos_step_cols_is_one_sample_of_scipy():
    rng = np.random.default_rng(3)
    sos = np.vstack([signal.butter(4, 1.0, "highpass", fs=250.0, output="sos"),
                     signal.butter(2, (48.0, 52.0), "bandstop", fs=250.0, output="sos")])
    x = rng.standard_normal((50, 5)) * 50.0
    z = np.zeros((sos.shape[0], 2, 5))
    ref, ref_zf = signal.sosfilt(sos, x, axis=0, zi=z.copy())
    out = np.empty_like(x)
    for t in range(x.shape[0]):
        cur = x[t].copy()
        sos_step_cols(sos, z, cur)
        out[t] = cur
    assert np.array_equal(out, ref)
    assert np.array_equal(z, ref_zf)


@pytest.mark.parametrize("n_ch", [1, 8, 16])
def test_causal_filter_equals_scipy_from_the_first_sample_steady_state(n_ch):
    rng = np.random.default_rng(n_ch)
    sfreq = 250.0
    sos = FilterChain(sfreq, n_ch, 1.0, 45.0, 50.0).filter.sos
    x = rng.standard_normal((n_ch, 3000)) * 20.0 - 60000.0  # an OpenBCI-like DC offset
    zi = signal.sosfilt_zi(sos)[:, None, :] * x[:, 0][None, :, None]
    ref, _ = signal.sosfilt(sos, x, axis=1, zi=zi)
    for most in (25, 1000):
        filt = CausalFilter(sos, n_ch)
        out = np.concatenate(
            [filt.process(x[:, sl]) for sl in _pieces(rng, x.shape[1], most)], axis=1
        )
        assert np.array_equal(out, ref)
    assert np.abs(ref[:, 1000:]).max() < 200.0  # the offset gone, no start-up ringing


def test_causal_filter_rejects_wrong_shapes():
    sos = signal.butter(2, 1.0, "highpass", fs=250.0, output="sos")
    with pytest.raises(ValueError, match=r"sos must have shape .* got shape \(6,\)"):
        CausalFilter(sos[0], 2)
    filt = CausalFilter(sos, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(2, n_samples\); got shape \(3, 10\)"):
        filt.process(np.zeros((3, 10)))


def _common_mode_fft(x_w, clean, sfreq, band=(1.0, 4.0)):
    """The definition, by full FFT: power of the clean-channel mean in the band over the mean
    of each clean channel's power there, and the mean's band-limited RMS (Parseval, Hann)."""
    n = x_w.shape[-1]
    w = np.hanning(n)
    spec = np.fft.rfft(x_w * w, axis=-1)
    f = np.fft.rfftfreq(n, 1.0 / sfreq)
    sb = spec[..., (f >= band[0]) & (f < band[1])]
    m = clean.astype(float)
    mean_spec = (sb * m[..., None]).sum(axis=1) / m.sum(axis=1)[:, None]
    p_mean = (np.abs(mean_spec) ** 2).sum(axis=-1)
    p_each = ((np.abs(sb) ** 2).sum(axis=-1) * m).sum(axis=1) / m.sum(axis=1)
    return p_mean / p_each, np.sqrt(2.0 * p_mean / (n * np.sum(w**2)))


def test_common_mode_direct_dft_equals_the_fft_definition():
    rng = np.random.default_rng(5)
    sf, n = 250.0, 500
    t = np.arange(n) / sf
    x_w = rng.standard_normal((6, 8, n)) * 10.0
    x_w[:3] += 25.0 * np.sin(2 * np.pi * 2.0 * t)  # a shared 2-Hz sway in half the frames
    clean = rng.random((6, 8)) > 0.2
    clean[:, :2] = True
    ratio, rms = common_mode_slow_wave(x_w, clean, sf)
    ref_ratio, ref_rms = _common_mode_fft(x_w, clean, sf)
    assert np.allclose(ratio, ref_ratio, rtol=1e-12, atol=0)
    assert np.allclose(rms, ref_rms, rtol=1e-12, atol=0)
    assert np.all(ratio[:3] > 0.9) and np.all(ratio[3:] < 0.5)  # the sway is what it finds


@pytest.mark.parametrize("n", [500, 501, 60])
def test_slow_deflection_kernels_equal_the_reference(n):
    rng = np.random.default_rng(n)
    qc = QualityChecker(PipelineConfig(), 250.0, np.ones(6, bool), None)
    t = np.arange(n) / 250.0
    # a DC offset, a linear drift (both removed), fast noise and a blink-like bump on half
    # the channels
    w = rng.uniform(-3000.0, 3000.0, (6, 1)) + rng.uniform(-200.0, 200.0, (6, 1)) * t
    w += 20.0 * rng.standard_normal((6, n))
    w[:3] += 120.0 * np.exp(-(((t - t[n // 2]) / 0.08) ** 2))
    k1, k2 = qc.smooth_lengths(n)
    tt = _centred_ss(n)
    cols = np.empty(6)
    _slow_defl_cols(np.ascontiguousarray(w.T), k1, k2, np.empty((n, 6)), tt, cols)
    rows = np.array([
        _slow_defl_row(np.ascontiguousarray(w[c]), k1, k2, np.empty(n), np.empty(n), tt)
        for c in range(6)
    ])
    assert np.array_equal(cols, rows)  # the column kernel is the row kernel, bit for bit
    np.testing.assert_allclose(cols, ref_quality.slow_deflection(qc, w), rtol=1e-10)
    if n >= 500:
        assert cols[:3].min() > 90.0 > 40.0 > cols[3:].max()  # the bumps stand out


def test_local_emg_kernel_equals_the_reference():
    sf, n, n_ch = 250.0, 500, 6
    cfg = PipelineConfig()
    qc = QualityChecker(cfg, sf, np.zeros(n_ch, bool), None)
    rng = np.random.default_rng(11)
    t = np.arange(n) / sf
    x = 10.0 * np.sin(2 * np.pi * 10.0 * t) + 3.0 * rng.standard_normal((n_ch, n))
    burst = 40.0 * np.sin(2 * np.pi * 33.0 * t)  # a 33-Hz muscle-like burst
    x[0, 100:180] += burst[100:180]  # in the window's first half
    x[1, 430:] += burst[430:]  # just arriving at its end
    x[2, :15] += burst[:15]  # only within the skipped start-up transient
    x[3] += 0.3 * burst  # weak, spread over the whole window (under the local floor)
    m = n - qc.emg_skip
    out = np.empty(n_ch, dtype=np.bool_)
    _local_emg_cols(
        np.ascontiguousarray(x.T), np.ascontiguousarray(qc.emg_sos), qc.emg_skip, qc.emg_len,
        qc.emg_step, cfg.emg_local_share, cfg.emg_local_min_uv2, np.empty((m, n_ch)),
        np.empty((m, n_ch)), np.empty((qc.emg_sos.shape[0], 2, n_ch)), np.empty(n_ch),
        np.empty((2, n_ch)), out,
    )
    ref = ref_quality.local_emg(qc, x)
    assert out.tolist() == ref.tolist()
    assert out.tolist() == [True, True, False, False, False, False]


def test_quality_masks_cover_the_documented_bands():
    freqs = np.arange(0.0, 125.5, 0.5)
    broad, high, line = quality_masks(freqs, None)
    assert freqs[broad].min() == BROAD_BAND_HZ[0] and freqs[broad].max() == 44.5
    assert freqs[high].min() == HIGH_BAND_HZ[0] and freqs[high].max() == 44.5
    assert line.shape == (2, freqs.size)
    assert freqs[line[0]].tolist() == [49.0, 49.5, 50.0, 50.5, 51.0]
    assert freqs[line[1]].tolist() == [59.0, 59.5, 60.0, 60.5, 61.0]
    assert freqs[quality_masks(freqs, 60.0)[2][0]].tolist() == [59.0, 59.5, 60.0, 60.5, 61.0]
    with pytest.raises(ValueError, match=r"freqs must be one-dimensional .* got shape \(2, 3\)"):
        quality_masks(np.zeros((2, 3)), None)
