"""Test oracle: the vectorised NumPy version of the aperiodic fit.

The package compiles the same steps with numba, spectrum by spectrum
(``neurofeedback/pipeline/aperiodic.py``). The original description follows.

A resting EEG spectrum is a falling background, ``P(f) ~ 10**offset / f**exponent``, with
oscillatory peaks (theta, alpha, beta) standing above it. :func:`fit_aperiodic` fits the
background in log-log space while ignoring the peaks, following the steps of the *fooof* /
*specparam* algorithm (Donoghue et al. 2020, Nature Neuroscience 23:1655) in its 'fixed' mode
(no knee), with closed-form least squares instead of its iterative Gaussian peak fits, so that
thousands of spectra are fitted at once in a few milliseconds:

1. a straight line through all bins in range (log power against log frequency);
2. a refit on the bins at or below that line (fooof's robust first step: the peaks lie above it);
3. the noise SD of the flattened spectrum (log power minus the line of step 2), from the bins of
   step 2 alone, which no peak reaches: their RMS about the line, scaled up from a half to a
   whole normal distribution;
4. every bin more than :data:`PEAK_THRESHOLD_SD` noise SDs above the line of step 2 is a peak
   bin, except a run of them that touches either end of the range (fooof, too, drops peaks
   centred at the edge of its range: such a run is the background bending, or the flank of a
   rhythm outside the range), plus :data:`PEAK_NEIGHBOURS` neighbours on either side;
5. the final line through the bins that are not peak bins.

Everything is closed-form and vectorised over all spectra (no loop over spectra): psd of shape
(600, 16, 129) takes about 8-10 ms on the 2-core development machine (about five times one
float64 ``np.log`` over the fitted bins).
``tests/test_aperiodic.py`` checks it against fooof on real spectra.
"""

from __future__ import annotations

import logging

import numpy as np

from neurofeedback.errors import UsageError

log = logging.getLogger(__name__)

__all__ = [
    "FIT_RANGE_HZ",
    "MIN_BINS",
    "PEAK_NEIGHBOURS",
    "PEAK_THRESHOLD_SD",
    "aperiodic_model",
    "fit_aperiodic",
    "periodic_ratio_db",
]

#: Default fit range, Hz. Its lower end lies above the roll-off of the pipeline's 1-Hz causal
#: high-pass (which bends the spectrum down below about 2 Hz), its upper end well below the 45-Hz
#: low-pass and the mains lines. In between, a straight line in log-log space fits resting EEG as
#: well as fooof's 'knee' mode does (1580 clean 10-s mean spectra of EEGMAT, EEGMMIDB and OpenBCI
#: recordings: median R^2 0.973 fixed, 0.969 knee; knee frequencies scattered over 2-10 Hz, at
#: the alpha peak in eyes-closed runs), so the fit has no knee.
FIT_RANGE_HZ: tuple[float, float] = (2.0, 35.0)

#: Fewest positive, finite bins in range for a fit; fewer give NaN.
MIN_BINS = 4

#: A bin of the flattened spectrum more than this many noise SDs above the robust line is a peak
#: bin. fooof starts a peak at 2 SDs but then removes the peak's whole Gaussian, shoulders
#: included; leaving out every bin above 1 SD is what agrees best with fooof on real spectra
#: (thresholds 0.75-2.5 SD and 0-2 neighbours were compared on about 3200 spectra of the
#: recordings that tests/test_aperiodic.py uses).
PEAK_THRESHOLD_SD = 1.0

#: Bins on either side of a peak bin that are left out with it (0: the 1-SD cut already takes
#: the shoulders).
PEAK_NEIGHBOURS = 0

_LN10 = float(np.log(10.0))
# SD of a normal variable's lower half about its own mean, in units of the full SD
_HALF_NORMAL_SD = float(np.sqrt(1.0 - 2.0 / np.pi))


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


def _check_inputs(freqs: np.ndarray, psd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    freqs = np.asarray(freqs, dtype=float)
    psd = np.asarray(psd, dtype=float)
    if freqs.ndim != 1:
        raise UsageError(f"freqs must be 1-D (n_freqs,); got shape {freqs.shape}")
    if psd.ndim < 1 or psd.shape[-1] != freqs.size:
        raise UsageError(
            f"psd must have shape (..., n_freqs) with n_freqs = len(freqs) = {freqs.size}; "
            f"got shape {psd.shape}"
        )
    return freqs, psd


def fit_aperiodic(
    freqs: np.ndarray, psd: np.ndarray, fmin: float = FIT_RANGE_HZ[0], fmax: float = FIT_RANGE_HZ[1]
) -> tuple[np.ndarray, np.ndarray]:
    """Aperiodic fit ``log10 P(f) = offset - exponent * log10 f`` ('fixed' mode, no knee).

    Robust to oscillatory peaks (see the module docstring for the steps); vectorised over all
    leading axes of ``psd`` at once.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Frequencies of the bins, Hz, increasing.
    psd : ndarray, shape (..., n_freqs)
        Power spectral densities, uV^2/Hz, with any leading axes (e.g. (n_frames, n_channels)).
    fmin, fmax : float
        Fit range, Hz (inclusive); ``0 < fmin < fmax``. Default :data:`FIT_RANGE_HZ`.

    Returns
    -------
    offset : ndarray, shape (...,)
        log10(uV^2/Hz): the background's log power extrapolated to 1 Hz.
    exponent : ndarray, shape (...,)
        Power-law exponent, positive for falling spectra.
        Both are NaN where a spectrum has fewer than :data:`MIN_BINS` positive, finite bins
        within ``[fmin, fmax]``.

    Raises
    ------
    UsageError
        On shapes that do not fit together, decreasing frequencies or a bad range.
    """
    freqs, psd = _check_inputs(freqs, psd)
    fmin = float(fmin)
    fmax = float(fmax)
    if not (fmin > 0 and fmax > fmin):
        raise UsageError(f"fmin and fmax must satisfy 0 < fmin < fmax (Hz); got {fmin}, {fmax}")
    if freqs.size > 1 and not np.all(np.diff(freqs) > 0):
        raise UsageError("freqs must be strictly increasing (Hz); got an unsorted array")
    lead = psd.shape[:-1]
    n_spec = int(np.prod(lead, dtype=np.int64))
    i0 = int(np.searchsorted(freqs, fmin, side="left"))
    i1 = int(np.searchsorted(freqs, fmax, side="right"))
    if i1 - i0 < MIN_BINS or n_spec == 0:
        log.debug("fit_aperiodic: %d bins in %g-%g Hz, fewer than %d", i1 - i0, fmin, fmax, MIN_BINS)
        nan = np.full(lead, np.nan)
        return nan, nan.copy()

    # natural logs (cheaper than log10; the slope is the same, the intercept is rescaled at the end)
    x = np.log(freqs[i0:i1])
    x_pows = np.stack([np.ones_like(x), x, x * x])
    p = psd.reshape(n_spec, freqs.size)[:, i0:i1]
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
    return offset.reshape(lead), exponent.reshape(lead)


def aperiodic_model(freqs: np.ndarray, offset: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """The fitted background ``10**(offset - exponent * log10 f)``.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Hz; bins at or below 0 Hz (where a power law is undefined) give NaN.
    offset : ndarray, shape (...,)
        log10(uV^2/Hz), as returned by :func:`fit_aperiodic`.
    exponent : ndarray, shape (...,)
        As returned by :func:`fit_aperiodic`.

    Returns
    -------
    ndarray, shape (..., n_freqs)
        uV^2/Hz.
    """
    freqs = np.asarray(freqs, dtype=float)
    if freqs.ndim != 1:
        raise UsageError(f"freqs must be 1-D (n_freqs,); got shape {freqs.shape}")
    offset = np.asarray(offset, dtype=float)
    exponent = np.asarray(exponent, dtype=float)
    if offset.shape != exponent.shape:
        raise UsageError(
            f"offset and exponent must have the same shape; got {offset.shape} and {exponent.shape}"
        )
    pos = freqs > 0
    lf = np.where(pos, np.log10(np.where(pos, freqs, 1.0)), np.nan)
    return 10.0 ** (offset[..., None] - exponent[..., None] * lf)


def periodic_ratio_db(
    freqs: np.ndarray,
    psd: np.ndarray,
    offset: np.ndarray,
    exponent: np.ndarray,
    band: tuple[float, float] = (4.0, 30.0),
) -> np.ndarray:
    """How far the oscillations of ``band`` stand above the 1/f floor, dB.

    ``10 * log10(sum_band psd / sum_band aperiodic_model)`` over the bins with
    ``band[0] <= f <= band[1]``: about 0 dB for a spectrum without peaks, positive with peaks.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Hz.
    psd : ndarray, shape (..., n_freqs)
        uV^2/Hz.
    offset, exponent : ndarray, shape (...,)
        The aperiodic fit of ``psd`` (:func:`fit_aperiodic`).
    band : (float, float)
        Hz, ``0 < band[0] < band[1]``, with at least one bin inside.

    Returns
    -------
    ndarray, shape (...,)
        dB; NaN where the fit is NaN or a bin of the band is not finite.
    """
    freqs, psd = _check_inputs(freqs, psd)
    lo, hi = (float(v) for v in band)
    if not (lo > 0 and hi > lo):
        raise UsageError(f"band must be (lo, hi) Hz with 0 < lo < hi; got {band!r}")
    sel = np.flatnonzero((freqs >= lo) & (freqs <= hi))
    if sel.size == 0:
        raise UsageError(
            f"band must contain at least one frequency bin; got {band!r} with bins "
            f"{freqs.min():g}-{freqs.max():g} Hz"
        )
    offset = np.asarray(offset, dtype=float)
    if offset.shape != psd.shape[:-1]:
        raise UsageError(
            f"offset and exponent must have shape psd.shape[:-1] = {psd.shape[:-1]}; got {offset.shape}"
        )
    exponent = np.asarray(exponent, dtype=float)
    if exponent.shape != offset.shape:
        raise UsageError(
            f"offset and exponent must have the same shape; got {offset.shape} and {exponent.shape}"
        )
    # sum of the model over the band, as exp() of natural logs (several times faster than 10**)
    lnf = np.log(freqs[sel])
    model_sum = np.exp(-exponent[..., None] * lnf).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return 10.0 * (np.log10(psd[..., sel].sum(axis=-1) / model_sum) - offset)
