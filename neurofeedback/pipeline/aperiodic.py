"""The aperiodic (1/f) part of power spectra: a fast, peak-robust power-law fit.

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

Every step is closed-form least squares, compiled with numba and run spectrum by spectrum in
bin order, so a spectrum's fit does not depend on the batch it arrives in (live frames and
offline batches give identical bits). ``tests/test_aperiodic.py`` checks it against fooof on
real spectra and against a vectorised NumPy version of the same steps
(``tests/reference/aperiodic.py``).
"""

from __future__ import annotations

import logging
import math

import numpy as np
from numba import njit

from ..errors import UsageError

log = logging.getLogger(__name__)

__all__ = [
    "FIT_RANGE_HZ",
    "AperiodicFit",
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


@njit(cache=True, nogil=True)
def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float, float, float, bool]:
    """Weighted least-squares line ``y = a + b x`` (weights 0/1), sums in bin order.

    Returns (a, b, residual sum of squares, number of weighted bins, defined).
    """
    sw = sx = sxx = sy = sxy = syy = 0.0
    for j in range(x.size):
        if w[j]:
            xj, yj = x[j], y[j]
            sw += 1.0
            sx += xj
            sxx += xj * xj
            sy += yj
            sxy += xj * yj
            syy += yj * yj
    den = sw * sxx - sx * sx
    if not (sw >= 2.0 and den > 1e-9 * max(sw * sxx, 1e-300)):
        return math.nan, math.nan, math.nan, sw, False
    b = (sw * sxy - sx * sy) / den
    a = (sy - b * sx) / sw
    return a, b, max(syy - a * sy - b * sxy, 0.0), sw, True


@njit(cache=True, nogil=True)
def _fit_rows(
    x: np.ndarray, p: np.ndarray, threshold: float, neighbours: int, min_bins: int,
    offset: np.ndarray, exponent: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """The five steps of the module docstring for every row of ``p``.

    ``x`` (n_bins,): natural log of the bins' frequencies; ``p`` (n_spectra, n_bins): PSD;
    ``offset``/``exponent`` (n_spectra,) receive log10 offset and exponent (NaN when fewer
    than ``min_bins`` positive finite bins). Every row is computed on its own, in bin order:
    a spectrum gives the same bits whatever else is in the batch.
    """
    m = x.size
    y = np.empty(m)
    valid = np.empty(m, dtype=np.bool_)
    w = np.empty(m, dtype=np.bool_)
    peak = np.empty(m, dtype=np.bool_)
    for r in range(p.shape[0]):
        n_valid = 0
        for j in range(m):
            v = p[r, j]
            ok = v > 0.0 and v < np.inf
            valid[j] = ok
            y[j] = math.log(v) if ok else 0.0
            n_valid += ok
        if n_valid < min_bins:
            offset[r] = math.nan
            exponent[r] = math.nan
            continue
        # 1. all valid bins
        a0, b0, _, _, ok0 = _wls(x, y, valid)
        # 2. the bins at or below that line
        for j in range(m):
            w[j] = valid[j] and ok0 and (y[j] - b0 * x[j] <= a0)
        a1, b1, ss1, n_below, ok1 = _wls(x, y, w)
        # 3. noise SD from them: the lower half of the noise, scaled to a whole normal
        if ok1:
            sd = math.sqrt(ss1 / max(n_below - 2.0, 1.0)) / _HALF_NORMAL_SD
        else:
            a1, b1, sd = a0, b0, np.inf
        # 4. peak bins, without runs touching either end, plus neighbours
        for j in range(m):
            peak[j] = valid[j] and (y[j] - b1 * x[j] > a1 + threshold * sd)
        j = 0
        while j < m and peak[j]:
            peak[j] = False
            j += 1
        j = m - 1
        while j >= 0 and peak[j]:
            peak[j] = False
            j -= 1
        if neighbours > 0:
            grown = peak.copy()
            for j in range(m):
                if peak[j]:
                    for k in range(max(0, j - neighbours), min(m, j + neighbours + 1)):
                        grown[k] = True
            peak[:] = grown
        # 5. the final line through the rest
        n_rest = 0
        for j in range(m):
            w[j] = valid[j] and not peak[j]
            n_rest += w[j]
        a2, b2, _, _, ok2 = _wls(x, y, w)
        if not (ok2 and n_rest >= min_bins):
            a2, b2 = a1, b1
        offset[r] = a2 / _LN10
        exponent[r] = -b2


class AperiodicFit:
    """The aperiodic fit and the periodic ratio for spectra on one frequency grid.

    Everything that depends only on the grid (argument checks, the bins of the fit range and
    of the band, their log frequencies) is done once here; a live pipeline calls :meth:`fit`
    and :meth:`periodic_db` on every frame.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Frequencies of the bins, Hz, strictly increasing.
    fit_range : (float, float)
        Fit range, Hz (inclusive), ``0 < fmin < fmax``.
    band : (float, float) or None
        Band of :meth:`periodic_db`, Hz, ``0 < lo < hi`` with at least one bin inside; None
        when only :meth:`fit` is used.
    """

    def __init__(
        self, freqs: np.ndarray, fit_range: tuple[float, float] = FIT_RANGE_HZ,
        band: tuple[float, float] | None = None,
    ) -> None:
        freqs = np.asarray(freqs, dtype=float)
        if freqs.ndim != 1:
            raise UsageError(f"freqs must be 1-D (n_freqs,); got shape {freqs.shape}")
        fmin, fmax = (float(v) for v in fit_range)
        if not (fmin > 0 and fmax > fmin):
            raise UsageError(f"fmin and fmax must satisfy 0 < fmin < fmax (Hz); got {fmin}, {fmax}")
        if freqs.size > 1 and not np.all(np.diff(freqs) > 0):
            raise UsageError("freqs must be strictly increasing (Hz); got an unsorted array")
        self.freqs = freqs
        self._i0 = int(np.searchsorted(freqs, fmin, side="left"))
        self._i1 = int(np.searchsorted(freqs, fmax, side="right"))
        # natural logs (the slope is the same as log10's; the intercept is rescaled at the end)
        self._x = np.log(freqs[self._i0 : self._i1]) if self._i1 - self._i0 >= MIN_BINS else None
        if self._x is None:
            log.debug("fit_aperiodic: %d bins in %g-%g Hz, fewer than %d",
                      self._i1 - self._i0, fmin, fmax, MIN_BINS)
        self._sel = self._lnf = None
        if band is not None:
            lo, hi = (float(v) for v in band)
            if not (lo > 0 and hi > lo):
                raise UsageError(f"band must be (lo, hi) Hz with 0 < lo < hi; got {band!r}")
            sel = np.flatnonzero((freqs >= lo) & (freqs <= hi))
            if sel.size == 0:
                raise UsageError(
                    f"band must contain at least one frequency bin; got {band!r} with bins "
                    f"{freqs.min():g}-{freqs.max():g} Hz"
                )
            self._sel, self._lnf = sel, np.log(freqs[sel])

    def _psd(self, psd: np.ndarray) -> np.ndarray:
        psd = np.asarray(psd, dtype=float)
        if psd.ndim < 1 or psd.shape[-1] != self.freqs.size:
            raise UsageError(
                f"psd must have shape (..., n_freqs) with n_freqs = len(freqs) = "
                f"{self.freqs.size}; got shape {psd.shape}"
            )
        return psd

    def fit(self, psd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(offset, exponent) of each spectrum of ``psd`` (..., n_freqs); see
        :func:`fit_aperiodic`."""
        psd = self._psd(psd)
        lead = psd.shape[:-1]
        n_spec = int(np.prod(lead, dtype=np.int64))
        if self._x is None or n_spec == 0:
            nan = np.full(lead, np.nan)
            return nan, nan.copy()
        p = np.ascontiguousarray(psd.reshape(n_spec, self.freqs.size)[:, self._i0 : self._i1])
        offset = np.empty(n_spec)
        exponent = np.empty(n_spec)
        # compiled: one spectrum after another, each in bin order
        _fit_rows(self._x, p, PEAK_THRESHOLD_SD, PEAK_NEIGHBOURS, MIN_BINS, offset, exponent)
        return offset.reshape(lead), exponent.reshape(lead)

    def periodic_db(
        self, psd: np.ndarray, offset: np.ndarray, exponent: np.ndarray
    ) -> np.ndarray:
        """How far the band's oscillations stand above the fit, dB, shape (...,); see
        :func:`periodic_ratio_db`."""
        if self._sel is None:
            raise UsageError("periodic_db needs a band: give AperiodicFit(freqs, band=(lo, hi))")
        psd = self._psd(psd)
        offset = np.asarray(offset, dtype=float)
        if offset.shape != psd.shape[:-1]:
            raise UsageError(
                f"offset and exponent must have shape psd.shape[:-1] = {psd.shape[:-1]}; "
                f"got {offset.shape}"
            )
        exponent = np.asarray(exponent, dtype=float)
        if exponent.shape != offset.shape:
            raise UsageError(
                f"offset and exponent must have the same shape; got {offset.shape} and "
                f"{exponent.shape}"
            )
        # sum of the model over the band, as exp() of natural logs (cheaper than 10**)
        model_sum = np.exp(-exponent[..., None] * self._lnf).sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return 10.0 * (np.log10(psd[..., self._sel].sum(axis=-1) / model_sum) - offset)


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
    return AperiodicFit(freqs, (fmin, fmax)).fit(psd)


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
    return AperiodicFit(freqs, band=band).periodic_db(psd, offset, exponent)
