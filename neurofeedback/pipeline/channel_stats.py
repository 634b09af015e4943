"""Per-channel spectral statistics of a batch of windows in one compiled pass.

Band powers (dB), broadband power and normalised spectral entropy of every frame and channel,
from the Welch PSD: the definitions of :func:`.spectra.band_power_db`, the broadband sum and
:func:`.entropy.spectral_entropy`, computed in one loop over each spectrum instead of a dozen
NumPy calls with their temporaries. The sums run bin by bin in frequency order (NumPy sums
pairwise, the band sums go through a matrix product), so values agree with those functions to
rounding (relative ~1e-15, ``tests/test_channel_stats.py``); every frame and channel is
computed on its own, so a frame's values do not depend on its batch.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def _spectral_stats(
    psd: np.ndarray, masks: np.ndarray, broad: np.ndarray, df: float, out: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Fill ``out[..., :n_bands + 2]`` (see :func:`spectral_stats`) from ``psd`` (F, C, nf)."""
    n_fr, n_ch, nf = psd.shape
    n_b = masks.shape[0]
    n_broad = 0
    for k in range(nf):
        if broad[k]:
            n_broad += 1
    log_n = math.log(n_broad) if n_broad > 0 else np.nan
    for f in range(n_fr):
        for c in range(n_ch):
            for b in range(n_b):
                s = 0.0
                for k in range(nf):
                    if masks[b, k]:
                        s += psd[f, c, k]
                out[f, c, b] = 10.0 * np.log10(s * df)
            tot = 0.0
            for k in range(nf):
                if broad[k]:
                    tot += psd[f, c, k]
            out[f, c, n_b] = tot * df
            h = 0.0
            for k in range(nf):
                if broad[k]:
                    p = psd[f, c, k] / tot
                    if p > 0:  # 0 and NaN (an all-zero spectrum) contribute nothing
                        h += p * np.log(p)
            out[f, c, n_b + 1] = -h / log_n


def spectral_stats(
    psd: np.ndarray, masks: np.ndarray, broad: np.ndarray, df: float, extra: int = 0
) -> np.ndarray:
    """Band powers, broadband power and spectral entropy of each frame's channels.

    Parameters
    ----------
    psd : ndarray, shape (n_frames, n_channels, n_freqs)
        Welch PSD, uV^2/Hz.
    masks : ndarray of bool, shape (n_bands, n_freqs)
        Band bins (:func:`.spectra.band_masks`).
    broad : ndarray of bool, shape (n_freqs,)
        Bins of the broadband power and the entropy (e.g. 1-45 Hz).
    df : float
        Bin width, Hz.
    extra : int
        Further columns left uninitialised at the end of the result (for the caller to fill).

    Returns
    -------
    ndarray, shape (n_frames, n_channels, n_bands + 2 + extra)
        Per band ``10 log10(df sum_band PSD)`` (dB re 1 uV^2, -inf for zero power), then
        ``df sum_broad PSD`` (uV^2), then ``-sum p log p / log n`` with ``p`` the broadband
        PSD normalised to sum 1 and ``n`` its bin count (0..1).
    """
    if psd.ndim != 3 or masks.ndim != 2 or masks.shape[1] != psd.shape[2] or broad.shape != (
        psd.shape[2],
    ):
        raise ValueError(
            f"psd must be (n_frames, n_channels, n_freqs) with masks (n_bands, n_freqs) and "
            f"broad (n_freqs,); got {psd.shape}, {masks.shape}, {broad.shape}"
        )
    out = np.empty((*psd.shape[:2], masks.shape[0] + 2 + extra))
    _spectral_stats(psd, masks, broad, float(df), out)
    return out
