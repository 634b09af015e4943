"""Test oracle: the vectorised NumPy version of the aperiodic fit.

The package compiles the same five steps with numba, one spectrum at a time
(:func:`neurofeedback.pipeline.aperiodic.fit_aperiodic`, whose docstring describes them); this
version runs them on all spectra at once with array operations, so that a test can check the
two against each other. Its constants are the package's.
"""

from __future__ import annotations

import numpy as np

from neurofeedback.pipeline.aperiodic import (
    _HALF_NORMAL_SD,
    _LN10,
    MIN_BINS,
    PEAK_NEIGHBOURS,
    PEAK_THRESHOLD_SD,
)


def _line_fit(
    x_pows: np.ndarray, y: np.ndarray, w: np.ndarray | None, want_ss: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """Weighted least-squares line ``y = a + b * x`` for many spectra at once (closed form).

    Parameters
    ----------
    x_pows : ndarray, shape (3, n_bins)
        Rows 1, x, x**2 (x: log frequency), each contiguous.
    y : ndarray, shape (n_spectra, n_bins)
        Log power; finite everywhere (any value where ``w`` is 0).
    w : ndarray, shape (n_spectra, n_bins), or None
        Weights, 0 or 1 (float); None: all 1.
    want_ss : bool
        Also return the residual sum of squares.

    Returns
    -------
    a, b : ndarray, shape (n_spectra,)
        Intercept and slope (NaN where fewer than 2 bins are weighted).
    ss : ndarray, shape (n_spectra,), or None
        Weighted sum of squared residuals (None unless ``want_ss``).
    ok : ndarray of bool, shape (n_spectra,)
        Where the fit is defined.
    n : ndarray, shape (n_spectra,)
        Number of weighted bins.
    """
    # row-wise sums (NumPy's pairwise summation along each contiguous row): every spectrum's
    # arithmetic is the same whatever else is in the batch, so a live frame and the same frame
    # in an offline batch give identical bits (matrix products through BLAS do not guarantee
    # that)
    ones, x, x2 = x_pows
    if w is None:
        sw = np.full(y.shape[0], float(x.size))
        sx = np.full(y.shape[0], x.sum())
        sxx = np.full(y.shape[0], x2.sum())
        wy = y
    else:
        sw = w.sum(axis=-1)
        sx = (w * x).sum(axis=-1)
        sxx = (w * x2).sum(axis=-1)
        wy = w * y
    sy = wy.sum(axis=-1)
    sxy = (wy * x).sum(axis=-1)
    den = sw * sxx - sx * sx
    ok = (sw >= 2) & (den > 1e-9 * np.maximum(sw * sxx, 1e-300))
    den = np.where(ok, den, 1.0)
    b = (sw * sxy - sx * sy) / den
    a = (sy - b * sx) / np.where(ok, sw, 1.0)
    nan = np.nan
    ss = None
    if want_ss:
        ss = np.where(ok, np.maximum((wy * y).sum(axis=-1) - a * sy - b * sxy, 0.0), nan)
    return np.where(ok, a, nan), np.where(ok, b, nan), ss, ok, sw


def _edge_runs(mask: np.ndarray) -> np.ndarray:
    """The runs of True that start at the first or end at the last column.

    Parameters
    ----------
    mask : ndarray of bool, shape (n_spectra, n_bins)

    Returns
    -------
    ndarray of bool, shape (n_spectra, n_bins)
    """
    out = np.zeros_like(mask)
    rows = np.flatnonzero(mask[:, 0] | mask[:, -1])
    if rows.size:
        m = mask[rows]
        n = m.shape[-1]
        idx = np.arange(n)
        first_false = np.where(m.all(axis=-1), n, np.argmin(m, axis=-1))
        last_false = n - 1 - np.argmin(m[:, ::-1], axis=-1)
        out[rows] = (idx < first_false[:, None]) | (idx > last_false[:, None])
    return out


def fit_rows(x: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The fit of every row of ``p`` at once.

    Parameters
    ----------
    x : ndarray, shape (n_bins,)
        Natural log of the bins' frequencies (the fit range only).
    p : ndarray, shape (n_spectra, n_bins)
        PSD in those bins, uV^2/Hz.

    Returns
    -------
    offset, exponent : ndarray, shape (n_spectra,)
        As :func:`neurofeedback.pipeline.aperiodic.fit_aperiodic` returns them.
    """
    x_pows = np.stack([np.ones_like(x), x, x * x])
    with np.errstate(divide="ignore", invalid="ignore"):
        # -inf at 0, NaN below 0 or at NaN; double precision, elementwise (no SIMD tail that
        # could round differently depending on where a spectrum sits in the batch)
        y = np.log(np.ascontiguousarray(p))
    valid = np.isfinite(y)
    all_valid = bool(valid.all())
    if not all_valid:
        y = np.where(valid, y, 0.0)
    w0 = valid.astype(float)

    # 1. all bins; 2. the bins at or below that line
    a0, b0, _, _, n_valid = _line_fit(x_pows, y, None if all_valid else w0)
    detrended = y - b0[:, None] * x  # flattened spectrum of step 1, plus a0
    below = detrended <= a0[:, None]
    if not all_valid:
        below &= valid
    w1 = below.astype(float)
    a1, b1, ss1, ok1, n_below = _line_fit(x_pows, y, w1, want_ss=True)

    # 3. noise SD from the bins of step 2 (peak-free by construction): they are the lower half of
    #    the noise, so their RMS about their own line is sqrt(1 - 2/pi) of the full noise SD
    dof = np.maximum(n_below - 2.0, 1.0)
    sd = np.sqrt(ss1 / dof) / _HALF_NORMAL_SD
    a1 = np.where(ok1, a1, a0)
    b1 = np.where(ok1, b1, b0)
    sd = np.where(ok1, sd, np.inf)

    # 4. peak bins; 5. final line through the rest
    peak = y - b1[:, None] * x > (a1 + PEAK_THRESHOLD_SD * sd)[:, None]
    if not all_valid:
        peak &= valid
    peak &= ~_edge_runs(peak)
    if PEAK_NEIGHBOURS:
        grown = peak.copy()
        for k in range(1, PEAK_NEIGHBOURS + 1):
            grown[:, k:] |= peak[:, :-k]
            grown[:, :-k] |= peak[:, k:]
        peak = grown
    w2 = w0 * ~peak if not all_valid else (~peak).astype(float)
    a2, b2, _, ok2, n_rest = _line_fit(x_pows, y, w2)
    ok2 &= n_rest >= MIN_BINS
    a2 = np.where(ok2, a2, a1)
    b2 = np.where(ok2, b2, b1)

    enough = n_valid >= MIN_BINS
    offset = np.where(enough, a2 / _LN10, np.nan)
    exponent = np.where(enough, -b2, np.nan)
    return offset, exponent
