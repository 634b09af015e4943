"""Band power, spectral entropy and Lempel-Ziv complexity against known answers."""

from __future__ import annotations

import mne
import numpy as np
import pytest
from reference.entropy import lempel_ziv, lz76
from scipy.signal import butter, sosfiltfilt

from neurofeedback.pipeline.entropy import (
    SHUFFLE_SEED,
    _lz76_rows,
    _lz_ratio_rows,
    lempel_ziv_decimated,
    shuffle_order,
    spectral_entropy,
)
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


LZ_N = 250  # samples per LZ row live: a 2-s window at 250 Hz subsampled by 2


def test_lempel_ziv_equals_reference_on_varied_rows():
    # odd and even lengths, trends, offsets, bursts: the compiled detrend/FFT/mean path and the
    # SciPy oracle give the same bits, hence exactly the same ratio
    rng = np.random.default_rng(5)
    for n in (7, 64, 65, 249, 250, 321):
        t = np.arange(n)
        x = (rng.standard_normal((6, n)) * rng.uniform(0.1, 50, (6, 1))
             + rng.uniform(-1e3, 1e3, (6, 1)) + rng.uniform(-5, 5, (6, 1)) * t)
        x[0] = np.sin(2 * np.pi * t / 25) * (1 + (t > n // 2))  # an amplitude step
        assert np.array_equal(lempel_ziv_decimated(x, 1), lempel_ziv(x, shuffle_order(n)))


def test_shuffle_order_is_the_seeded_permutation():
    order = shuffle_order(LZ_N)
    assert np.array_equal(order, np.random.default_rng(SHUFFLE_SEED).permutation(LZ_N))
    assert np.array_equal(np.sort(order), np.arange(LZ_N))
    assert shuffle_order(LZ_N) is order  # built once per length
    assert not order.flags.writeable


def test_lempel_ziv_null_is_one_for_unordered_bits():
    # amplitudes drawn independently at each sample: the bits have no temporal order, so the
    # count equals that of its shuffle on average (Schartner et al. 2017: 1 = random)
    rng = np.random.default_rng(3)
    z = rng.random((600, LZ_N)) + 0j
    ratio = _lz_ratio_rows(z, shuffle_order(LZ_N))
    assert abs(ratio.mean() - 1) < 0.02


def test_lempel_ziv_white_noise_slightly_below_one():
    # the analytic amplitude of white noise is correlated over neighbouring samples (the Hilbert
    # kernel spreads each sample), so its bits carry a little order: 0.94, not 1
    rng = np.random.default_rng(4)
    white = lempel_ziv_decimated(rng.standard_normal((600, LZ_N)), 1)
    assert 0.92 < white.mean() < 0.97


def test_lempel_ziv_regular_envelope_low_steady_tone_like_noise():
    rng = np.random.default_rng(6)
    fs = 125.0
    t = np.arange(LZ_N) / fs
    noise = 0.1 * rng.standard_normal((100, LZ_N))
    # a 10-Hz rhythm waxing and waning at 0.5 Hz: the envelope is slow and regular
    swell = 1 + 0.8 * np.sin(2 * np.pi * 0.5 * t + rng.uniform(0, 2 * np.pi, (100, 1)))
    waxing = lempel_ziv_decimated(swell * np.sin(2 * np.pi * 10 * t) + noise, 1)
    assert waxing.mean() < 0.3
    # alpha-band noise (8-12 Hz): its envelope varies over ~0.25 s
    sos = butter(4, [8, 12], btype="bandpass", fs=fs, output="sos")
    alpha = sosfiltfilt(sos, rng.standard_normal((100, LZ_N + 400)))[:, 200:-200]
    assert lempel_ziv_decimated(alpha, 1).mean() < 0.3
    # a steady 10-Hz tone has a flat envelope: the bits follow the small noise on it, so it
    # reads like white noise (LZ of the amplitude does not measure how sinusoidal x is)
    steady = lempel_ziv_decimated(np.sin(2 * np.pi * 10 * t) + noise, 1)
    white = lempel_ziv_decimated(rng.standard_normal((100, LZ_N)), 1)
    assert abs(steady.mean() - white.mean()) < 0.03


def test_lempel_ziv_independent_of_batch_and_layout():
    rng = np.random.default_rng(7)
    x = np.cumsum(rng.standard_normal((9, 16, 500)), axis=-1)
    full = lempel_ziv_decimated(x, 2)
    assert full.shape == (9, 16)
    for f in (0, 4, 8):
        assert np.array_equal(lempel_ziv_decimated(x[f], 2), full[f])
        assert np.array_equal(lempel_ziv_decimated(x[f, 3:4], 2), full[f, 3:4])
    assert np.array_equal(lempel_ziv_decimated(x[[8, 2, 5]], 2), full[[8, 2, 5]])
    assert np.array_equal(lempel_ziv_decimated(np.asfortranarray(x[1]), 2), full[1])
    # already-subsampled input at step 1 is the same computation
    assert np.array_equal(lempel_ziv_decimated(x[..., ::2].copy(), 1), full)


@pytest.mark.parametrize("step", [0, -1, 1.5, True])
def test_lempel_ziv_rejects_bad_step(step):
    with pytest.raises(ValueError, match="step must be an integer >= 1"):
        lempel_ziv_decimated(np.zeros((2, 10)), step)


def test_lempel_ziv_rejects_empty_rows():
    with pytest.raises(ValueError, match="at least one sample"):
        lempel_ziv_decimated(np.zeros((2, 0)), 1)

