"""The compiled per-channel spectral statistics equal the NumPy definitions to rounding."""

import numpy as np
import pytest

from neurofeedback.pipeline.channel_stats import spectral_stats
from neurofeedback.pipeline.entropy import spectral_entropy
from neurofeedback.pipeline.spectra import WelchPSD, band_masks, band_power_db


def test_equals_band_power_broadband_and_entropy():
    rng = np.random.default_rng(4)
    welch = WelchPSD(250.0, 500)
    x = rng.standard_normal((3, 6, 500)).cumsum(axis=-1)
    x[1, 2] = 0.0  # an all-zero spectrum: -inf dB, zero power, entropy 0 as NumPy gives
    psd = np.stack([welch(w) for w in x])
    masks = band_masks(welch.freqs)
    broad = (welch.freqs >= 1.0) & (welch.freqs <= 45.0)
    got = spectral_stats(psd, masks, broad, welch.df, extra=1)
    nb = masks.shape[0]
    assert got.shape == (3, 6, nb + 3)
    with np.errstate(invalid="ignore"):
        want_ent = spectral_entropy(psd, broad)
    np.testing.assert_allclose(got[..., :nb], band_power_db(psd, masks, welch.df), rtol=1e-13)
    np.testing.assert_allclose(got[..., nb], psd[..., broad].sum(axis=-1) * welch.df, rtol=1e-13)
    np.testing.assert_allclose(got[..., nb + 1], want_ent, rtol=1e-13, atol=1e-15)
    assert np.isneginf(got[1, 2, :nb]).all() and got[1, 2, nb] == 0.0 and got[1, 2, nb + 1] == 0.0
    # a frame's values do not depend on its batch
    np.testing.assert_array_equal(spectral_stats(psd[2:], masks, broad, welch.df)[0],
                                  got[2, :, : nb + 2])


def test_shapes_checked():
    with pytest.raises(ValueError, match="n_freqs"):
        spectral_stats(np.ones((1, 2, 5)), np.ones((3, 4), bool), np.ones(5, bool), 0.5)
