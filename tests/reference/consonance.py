"""Reference consonance measures: aperiodic fit, peaks above it, dissonance, golden-mean index.

The pipeline computes them with :func:`neurofeedback.pipeline.consonance.consonance_frames`
(compiled, one frame at a time); these NumPy versions are the definitions that kernel is
tested against.
"""

from __future__ import annotations

import numpy as np

from neurofeedback.pipeline.consonance import _B1, _B2, _DMAX, _DSTAR, _S1, _S2, AUDIO_SCALE, PHI
from neurofeedback.pipeline.synchrony import triu_pairs


def aperiodic_fit(freqs: np.ndarray, spectra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Straight line ``log10 PSD = offset - exponent * log10 f`` per spectrum, in two passes.

    The second pass refits on the bins that lie below the first fit plus 0.1 (log10 units),
    so oscillatory peaks do not pull the line up (the aperiodic component of Donoghue et al.
    2020, without their knee and Gaussian peak model).

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Hz, all > 0.
    spectra : ndarray, shape (n_spectra, n_freqs)
        uV^2/Hz, all > 0.

    Returns
    -------
    offset, exponent : ndarray, shape (n_spectra,)
    """
    lf = np.log10(freqs)[None, :]
    lp = np.log10(spectra)
    slope, icpt = _lines(lf, lp, np.ones_like(lp))
    keep = (lp <= icpt[:, None] + slope[:, None] * lf + 0.1).astype(float)
    ok = keep.sum(axis=1) >= 3
    s2, i2 = _lines(lf, lp, keep)
    slope = np.where(ok, s2, slope)
    icpt = np.where(ok, i2, icpt)
    return icpt, -slope


def _lines(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least-squares slope and intercept of each row of y on x."""
    sw = w.sum(axis=1)
    xm = (w * x).sum(axis=1) / sw
    ym = (w * y).sum(axis=1) / sw
    dx = x - xm[:, None]
    slope = (w * dx * (y - ym[:, None])).sum(axis=1) / (w * dx * dx).sum(axis=1)
    return slope, ym - slope * xm


def find_peaks_above_fit(
    freqs: np.ndarray, spectra: np.ndarray, threshold_db: float = 3.0, max_peaks: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Spectral peaks that rise above the aperiodic fit, pooled over spectra.

    A peak is a local maximum of ``10 log10(PSD / fit)`` above ``threshold_db``; its frequency is
    refined by a parabola through the three bins around it. The ``max_peaks`` highest of each
    spectrum are kept.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
    spectra : ndarray, shape (n_spectra, n_freqs)

    Returns
    -------
    peak_freqs : ndarray, shape (n_peaks,)
        Hz.
    amplitudes : ndarray, shape (n_peaks,)
        Height above the fit, dB.
    """
    _, pf, pa = peaks_per_spectrum(freqs, spectra, threshold_db, max_peaks)
    return pf, pa


def peaks_per_spectrum(
    freqs: np.ndarray, spectra: np.ndarray, threshold_db: float = 3.0, max_peaks: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`find_peaks_above_fit` for many spectra at once, saying which spectrum each peak is in.

    Every spectrum is fitted and searched on its own (row-wise arithmetic), so a spectrum's
    peaks do not depend on which other spectra are in the batch.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Hz, all > 0.
    spectra : ndarray, shape (n_spectra, n_freqs)
        uV^2/Hz, all > 0.

    Returns
    -------
    rows : ndarray of int, shape (n_peaks,)
        Spectrum of each peak, ascending; within a spectrum peaks go highest first.
    peak_freqs : ndarray, shape (n_peaks,)
        Hz.
    amplitudes : ndarray, shape (n_peaks,)
        Height above the fit, dB.
    """
    empty = np.zeros(0, dtype=np.intp), np.zeros(0), np.zeros(0)
    if spectra.shape[1] < 3 or spectra.shape[0] == 0:
        return empty
    offset, exponent = aperiodic_fit(freqs, spectra)
    resid = 10.0 * (
        np.log10(spectra) - (offset[:, None] - exponent[:, None] * np.log10(freqs)[None, :])
    )
    mid = resid[:, 1:-1]
    is_peak = (mid > resid[:, :-2]) & (mid >= resid[:, 2:]) & (mid > threshold_db)
    rows, cols = np.nonzero(is_peak)
    if rows.size == 0:
        return empty
    cols = cols + 1
    height = resid[rows, cols]
    # keep the max_peaks highest per spectrum: sort by (row, -height), rank within row
    order = np.lexsort((-height, rows))
    rows, cols, height = rows[order], cols[order], height[order]
    first = np.searchsorted(rows, rows, side="left")
    keep = (np.arange(rows.size) - first) < max_peaks
    rows, cols, height = rows[keep], cols[keep], height[keep]
    y0, y2 = resid[rows, cols - 1], resid[rows, cols + 1]
    den = y0 - 2 * height + y2
    safe = np.where(den != 0, den, 1.0)
    shift = np.where(den != 0, 0.5 * (y0 - y2) / safe, 0.0)
    df = freqs[1] - freqs[0]
    return rows, freqs[cols] + np.clip(shift, -0.5, 0.5) * df, height


def pair_dissonance(f1: np.ndarray | float, f2: np.ndarray | float) -> np.ndarray:
    """Sethares' (1993) dissonance of two unit-amplitude partials, divided by its maximum (0..1).

    ``d = exp(-b1 s |f2-f1|) - exp(-b2 s |f2-f1|)``, ``s = d* / (s1 min(f) + s2)``, with the
    frequencies first scaled by :data:`AUDIO_SCALE` (ratios, hence intervals, are unchanged).
    """
    a = np.asarray(f1, dtype=float) * AUDIO_SCALE
    b = np.asarray(f2, dtype=float) * AUDIO_SCALE
    lo = np.minimum(a, b)
    s = _DSTAR / (_S1 * lo + _S2)
    x = s * np.abs(b - a)
    return (np.exp(-_B1 * x) - np.exp(-_B2 * x)) / _DMAX


def _pairs(peak_freqs: np.ndarray, amplitudes: np.ndarray):
    f = np.asarray(peak_freqs, dtype=float)
    w_amp = 10.0 ** (np.asarray(amplitudes, dtype=float) / 10.0) - 1.0
    i, j = triu_pairs(f.size)
    return f[i], f[j], np.minimum(w_amp[i], w_amp[j])


def consonance(peak_freqs: np.ndarray, amplitudes: np.ndarray) -> float:
    """``1 - sum_ij w_ij d_ij / sum_ij w_ij`` over peak pairs, ``w_ij = min(a_i, a_j)``, 0..1.

    ``d_ij`` from :func:`pair_dissonance`; amplitudes in dB above the fit, used as linear
    weights (power ratio - 1). NaN with fewer than two peaks. Unison and the octave score near 1,
    a minor second low.
    """
    if len(peak_freqs) < 2:
        return float("nan")
    fi, fj, w = _pairs(peak_freqs, amplitudes)
    den = w.sum()
    return float(1.0 - (w * pair_dissonance(fi, fj)).sum() / den) if den > 0 else float("nan")


def golden_mean_index(peak_freqs: np.ndarray, amplitudes: np.ndarray, width: float = 0.05) -> float:
    """Amplitude-weighted proximity of peak-frequency ratios to the golden mean, 0..1.

    For each pair, ``g = exp(-0.5 (ln(r / phi) / width)^2)`` with ``r = f_high / f_low``;
    1 when every ratio equals phi = 1.618..., about 0.6 at 1.57 or 1.67. NaN with < 2 peaks.
    """
    if len(peak_freqs) < 2:
        return float("nan")
    fi, fj, w = _pairs(peak_freqs, amplitudes)
    r = np.maximum(fi, fj) / np.minimum(fi, fj)
    g = np.exp(-0.5 * (np.log(r / PHI) / width) ** 2)
    den = w.sum()
    return float((w * g).sum() / den) if den > 0 else float("nan")
