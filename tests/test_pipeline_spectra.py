"""Band power, spectral entropy and Lempel-Ziv complexity against known answers."""

from __future__ import annotations

import mne
import numpy as np
import pytest
from reference.entropy import lz76

from neurofeedback.pipeline.entropy import _lz76_rows, lempel_ziv_decimated, spectral_entropy
from neurofeedback.pipeline.frame import BANDS
from neurofeedback.pipeline.spectra import WelchPSD, band_masks, band_power_db

SF = 250.0


def test_band_power_matches_mne_psd_array_welch():
    rng = np.random.default_rng(0)
    t = np.arange(500) / SF
    x = rng.standard_normal((4, 500)) * 5 + 20 * np.sin(2 * np.pi * 10 * t) + 5000.0
    welch = WelchPSD(SF, 500)
    psd = welch(x)
    ref, freqs = mne.time_frequency.psd_array_welch(
        x, SF, fmin=0, fmax=SF / 2, n_fft=250, n_per_seg=250, n_overlap=125,
        window="hann", verbose=False,
    )
    np.testing.assert_allclose(welch.freqs, freqs)
    # same estimator: agreement to floating-point precision (relative 1e-9)
    np.testing.assert_allclose(psd, ref, rtol=1e-9)
    masks = band_masks(freqs)
    ours = band_power_db(psd, masks, welch.df)
    ref_db = np.stack(
        [10 * np.log10(ref[:, (freqs >= lo) & (freqs < hi)].sum(axis=1) * 1.0) for lo, hi in BANDS.values()],
        axis=1,
    )
    np.testing.assert_allclose(ours, ref_db, atol=1e-9)
    assert np.argmax(ours[0]) == list(BANDS).index("alpha")


def test_welch_over_a_whole_recording_matches_scipy_welch():
    # the report's use: 2-s segments over a long signal (more segments than one block)
    from scipy.signal import welch as scipy_welch

    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, int(SF * 200))) * 10.0 - 30000.0
    ours = WelchPSD(SF, x.shape[1], n_per_seg=500)
    assert ours.starts.size > 64
    freqs, ref = scipy_welch(x, fs=SF, nperseg=500, detrend="constant", axis=-1)
    np.testing.assert_array_equal(ours.freqs, freqs)
    np.testing.assert_allclose(ours(x), ref, rtol=1e-12, atol=0)


def test_welch_rejects_bad_parameters_and_shapes():
    with pytest.raises(ValueError, match="sfreq must be > 0 Hz; got 0"):
        WelchPSD(0.0, 500)
    with pytest.raises(ValueError, match="segments of >= 2 samples; got n_window=1"):
        WelchPSD(SF, 1)
    with pytest.raises(ValueError, match=r"x must have shape \(n_channels, 500\); got shape \(2, 499\)"):
        WelchPSD(SF, 500)(np.zeros((2, 499)))


def test_spectral_entropy_white_noise_near_one_and_sine_low():
    rng = np.random.default_rng(1)
    welch = WelchPSD(SF, 500)
    mask = (welch.freqs >= 1) & (welch.freqs <= 45)
    white = spectral_entropy(welch(rng.standard_normal((8, 500))), mask)
    t = np.arange(500) / SF
    sine = spectral_entropy(welch(np.sin(2 * np.pi * 10 * t)[None, :]), mask)
    assert np.all(white > 0.93)
    assert sine[0] < 0.4


@pytest.mark.parametrize(
    "seq, expected",
    [
        ("0001101001000101", 6),  # Kaspar & Schuster 1987: 0.001.10.100.1000.101
        ("0000000000", 2),
        ("0101010101", 3),
        ("1", 1),
    ],
)
def test_lz76_known_sequences(seq, expected):
    assert lz76(seq.encode()) == expected
    row = np.frombuffer(seq.encode(), dtype=np.uint8)[None, :].copy()
    assert _lz76_rows(row)[0] == expected


def test_lz76_compiled_equals_reference():
    # the compiled count is bit-parallel (64 candidate starts per word): cover several words,
    # periodic rows (long phrases) and more than two symbols
    rng = np.random.default_rng(2)
    for k in range(300):
        n = int(rng.integers(2, 400))
        row = (rng.random((1, n)) < rng.random()).astype(np.uint8) * int(rng.integers(1, 4))
        if k % 3 == 0:
            row = np.tile(row[:, : int(rng.integers(1, 12))], (1, n))[:, :n].copy()
        assert _lz76_rows(row)[0] == lz76(row[0].tobytes())


def test_lempel_ziv_random_near_one_regular_low():
    rng = np.random.default_rng(3)
    noise = lempel_ziv_decimated(rng.standard_normal((4, 2000)), 1)
    t = np.arange(2000) / SF
    sine = lempel_ziv_decimated(np.sin(2 * np.pi * 6 * t)[None, :], 1)
    assert np.all(np.abs(noise - 1) < 0.15)
    assert sine[0] < 0.2
