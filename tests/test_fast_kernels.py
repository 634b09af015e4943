"""The compiled fast paths give the numbers of the library routines they replace."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from neurofeedback.pipeline.filters import sosfilt_inplace
from neurofeedback.pipeline.quality import common_mode_slow_wave


@pytest.mark.parametrize("n_ch, order", [(16, 4), (19, 6), (3, 2)])
def test_sosfilt_inplace_equals_scipy_bit_for_bit(n_ch, order):
    rng = np.random.default_rng(n_ch)
    sos = signal.butter(order, (4.0, 8.0), "bandpass", fs=250.0, output="sos")
    x = rng.standard_normal((n_ch, 2000)) * 20.0
    ref, _ = signal.sosfilt(sos, x, axis=1, zi=np.zeros((sos.shape[0], n_ch, 2)))
    # In pieces of random length with the state carried: still SciPy's numbers exactly.
    out = np.empty_like(x)
    zi = np.zeros((sos.shape[0], n_ch, 2))
    start = 0
    while start < x.shape[1]:
        stop = min(start + int(rng.integers(1, 300)), x.shape[1])
        piece = np.ascontiguousarray(x[:, start:stop])
        sosfilt_inplace(sos, piece, zi)
        out[:, start:stop] = piece
        start = stop
    assert np.array_equal(out, ref)


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
