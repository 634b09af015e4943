"""Spectral harmony of one EEG spectrum per frame: peaks that rise above what noise gives, their
consonance-dissonance-noise signature (CDNS) and the golden-mean index of the alpha/theta ratio.

:class:`Harmony` is built once per sample rate and window layout and then called on batches of
spectra (:meth:`Harmony.frames`). The steps, per spectrum (typically the mean over clean
channels of their Welch spectra of the frame's long window):

1. **Aperiodic fit** over ``fit_range`` with :class:`~.aperiodic.AperiodicFit` (the robust
   'fixed'-mode fit of Donoghue et al. 2020, Nature Neuroscience 23:1655, without a knee); the
   residual is ``r(f) = 10 log10(PSD(f) / model(f))``, dB.
2. **Threshold = what noise gives at this resolution.** At construction, a Monte Carlo through
   the *same* Welch layout and the *same* fit: :data:`N_SIMULATIONS` windows of ``n_window``
   samples of Gaussian ``1/f^NOISE_EXPONENT`` noise, one channel each (the worst case: a mean
   over channels is smoother), fixed seed. The threshold is the ``1 - alpha`` quantile of each
   window's largest residual in ``fit_range``, so pure noise shows a peak in at most about
   ``alpha`` of frames, whatever the window length and resolution (longer windows or more
   segments give smoother spectra and a lower threshold; finer bins give more bins to exceed
   it and a higher one). The residual of a Welch estimate is a log-chi-square variable whose
   spread does not depend on the spectrum's slope, so the exponent of the simulated noise
   hardly matters (1.0 and 2.0 move the threshold by a few hundredths of a dB).
3. **Peaks**: contiguous runs of bins whose residual exceeds the threshold, one run = one peak
   (so the noise on a peak's shoulders cannot split it into two). Runs that touch either end of
   ``fit_range`` are not peaks (as in the aperiodic fit, and in fooof: a run at the edge is the
   background bending or the flank of a rhythm outside the range); the Monte Carlo counts every
   bin, so this can only make noise peaks rarer. The peak's frequency is the run's highest bin
   refined by a parabola through the residuals of it and its two neighbours (shift at most half
   a bin); its power is ``sum over the run of (PSD - model) * df``, uV^2.
4. **CDNS** after Gomez Emilsson (2017, "The Symmetry Theory of Valence", Qualia Research
   Institute; "consonance, dissonance and noise signature"): with ``T`` the power in
   ``fit_range`` and ``P = sum_i P_i`` the peaks' power,

   - ``noise = 1 - P / T`` (the aperiodic and sub-threshold share);
   - dissonant share of the peak power ``delta = sum_{i<j} w_ij d_ij / sum_{i<j} w_ij`` with
     ``w_ij = min(P_i, P_j)`` and ``d_ij`` the dissonance of two partials (below); ``delta = 0``
     for a single peak (a lone partial has no dissonance);
   - ``consonance = (P / T) (1 - delta)``, ``dissonance = (P / T) delta``.

   The three sum to 1. All three are NaN (empty) when the spectrum has no peak. Per band, the
   same with ``T_b`` the power in the band (bins ``lo <= f < hi``), the peaks whose frequency
   lies in the band, and each peak's power counted over its run's bins inside the band (so
   ``P_b <= T_b``).
5. **Golden-mean index** after Pletzer, Kerschbaum & Klimesch (2010, "When frequencies never
   synchronize: the golden mean and the resting EEG", Brain Research 1335:91-102): the alpha
   peak is the strongest peak (power) with frequency in :data:`ALPHA_RANGE_HZ`, the theta peak
   the strongest in :data:`THETA_RANGE_HZ`; ``alpha_theta_ratio = f_alpha / f_theta`` and
   ``golden_mean_index = |ratio - phi|``, phi = 1.618... (0 = at the golden mean). Both are NaN
   when either peak is missing or the resolution is coarser than
   :data:`GOLDEN_MEAN_RESOLUTION_HZ` (Pletzer et al. needed fine spectra to tell ratios apart;
   zero-padding does not count, so the resolution is ``sfreq / n_per_seg``).

**Dissonance of two partials** ``d(f_1, f_2)``: Sethares' (1993, "Local consonance and the
relationship between timbre and scale", JASA 94:1218) parameterisation of the Plomp & Levelt
(1965, JASA 38:548) curve for two unit partials, divided by its maximum::

    x = d* |f_2 - f_1| / (s1 min(f_1, f_2) + s2),   d = (exp(-b1 x) - exp(-b2 x)) / d_max

with both frequencies first multiplied by :data:`AUDIO_SCALE` = 32 (five octaves). The curve was
measured on tones of about 100-1000 Hz; the scaling keeps every frequency *ratio* (so an octave
stays an octave) and maps the 2-35 Hz fit range onto 64-1120 Hz, where Plomp and Levelt
measured it. Its absolute roughness scale (the critical band of the cochlea) has no brain
counterpart, and no EEG-defined dissonance curve exists to replace it; what is kept is the
shape: unison and wide intervals consonant, close intervals (within about 8 % at these
frequencies, e.g. 10 and 10.8 Hz) maximally dissonant. Because this shape turns a few tenths of
a hertz into the difference between unison and dissonance, peaks are whole runs (step 3) and
only peaks above the noise threshold enter it.

Each frame is computed on its own, bin by bin in a compiled loop: a frame's numbers do not
depend on the other frames of the batch.
"""

from __future__ import annotations

import functools
import logging
import math

import numpy as np
from numba import njit

from ..errors import UsageError
from .aperiodic import MIN_BINS, AperiodicFit
from .frame import BANDS
from .spectra import WelchPSD

log = logging.getLogger(__name__)

__all__ = [
    "ALPHA_RANGE_HZ",
    "AUDIO_SCALE",
    "GOLDEN_MEAN_RESOLUTION_HZ",
    "Harmony",
    "N_SIMULATIONS",
    "NOISE_EXPONENT",
    "PHI",
    "THETA_RANGE_HZ",
    "partial_dissonance",
]

#: The golden mean, (1 + sqrt 5) / 2.
PHI = (1.0 + math.sqrt(5.0)) / 2.0
#: EEG frequencies are multiplied by this (five octaves) before the Plomp-Levelt curve.
AUDIO_SCALE = 32.0
#: Sethares' (1993) constants of the Plomp-Levelt curve: b1, b2 (exponents), d* (position of the
#: maximum), s1, s2 (its growth with the lower frequency, per Hz and constant).
_B1, _B2, _DSTAR, _S1, _S2 = 3.5, 5.75, 0.24, 0.0207, 18.96
_XMAX = math.log(_B2 / _B1) / (_B2 - _B1)
_DMAX = math.exp(-_B1 * _XMAX) - math.exp(-_B2 * _XMAX)

#: Alpha and theta ranges of the golden-mean index, Hz (``lo <= f < hi``), after Pletzer et al.
ALPHA_RANGE_HZ: tuple[float, float] = (8.0, 13.0)
THETA_RANGE_HZ: tuple[float, float] = (4.0, 8.0)
#: Coarsest spectral resolution (Hz) at which the golden-mean index is given.
GOLDEN_MEAN_RESOLUTION_HZ = 0.25

#: Monte Carlo windows behind the noise threshold, their spectral exponent and seed.
N_SIMULATIONS = 1000
NOISE_EXPONENT = 1.5
_SEED = 20100412
_SIM_BLOCK = 250  # windows simulated at a time (bounds memory for long windows)

#: Names of the per-frame outputs of :meth:`Harmony.frames` (besides ``band_cdns``).
_SCALARS = ("consonance", "dissonance", "noise", "spectral_peaks", "alpha_peak_hz", "theta_peak_hz",
            "alpha_theta_ratio", "golden_mean_index")


@njit(cache=True, nogil=True)
def _dissonance(f1: float, f2: float) -> float:  # pragma: no cover - compiled
    """Normalised Plomp-Levelt/Sethares dissonance of partials at ``f1``, ``f2`` Hz (EEG)."""
    lo = min(f1, f2) * AUDIO_SCALE
    x = _DSTAR / (_S1 * lo + _S2) * abs(f2 - f1) * AUDIO_SCALE
    return (math.exp(-_B1 * x) - math.exp(-_B2 * x)) / _DMAX


def partial_dissonance(f1: float, f2: float) -> float:
    """Dissonance of two unit partials at EEG frequencies ``f1``, ``f2`` (Hz), 0..1.

    The Sethares (1993) form of the Plomp-Levelt curve after scaling both frequencies by
    :data:`AUDIO_SCALE`, divided by its maximum (module docstring): 0 at unison, 1 at the most
    dissonant interval (about 8 % apart near 10 Hz), near 0 for an octave.
    """
    for name, v in (("f1", f1), ("f2", f2)):
        if not (math.isfinite(v) and v > 0):
            raise UsageError(f"{name} must be a finite frequency > 0 Hz; got {v!r}")
    return float(_dissonance(float(f1), float(f2)))


@njit(cache=True, nogil=True)
def _delta(freq: np.ndarray, power: np.ndarray, n: int) -> float:  # pragma: no cover
    """Power-weighted mean pair dissonance of the first ``n`` peaks (0 for fewer than two)."""
    num = 0.0
    den = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            w = min(power[i], power[j])
            num += w * _dissonance(freq[i], freq[j])
            den += w
    return num / den if den > 0.0 else 0.0


@njit(cache=True, nogil=True)
def _frames_kernel(
    f_fit: np.ndarray, lf_fit: np.ndarray, i0: int, psd: np.ndarray, offset: np.ndarray,
    exponent: np.ndarray, threshold_db: float, df: float, band_bins: np.ndarray,
    band_hz: np.ndarray, alpha_hz: np.ndarray, theta_hz: np.ndarray, golden_ok: bool,
    scal: np.ndarray, band_out: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Steps 1-5 of the module docstring for every row of ``psd`` (n_frames, n_freqs).

    ``f_fit``/``lf_fit`` (m,): frequencies and log10 frequencies of the fit-range bins, which
    start at bin ``i0`` of ``psd``; ``band_bins`` (n_bands, 2): each band's bin range [k0, k1)
    in ``psd``; ``band_hz`` (n_bands, 2): its edges. Writes ``scal`` (n_frames, 8) in the
    order of ``_SCALARS`` and ``band_out`` (n_frames, n_bands, 3). Rows are independent.
    """
    m = f_fit.size
    n_bands = band_bins.shape[0]
    model = np.empty(m)
    resid = np.empty(m)
    pk_freq = np.empty(m)
    pk_pow = np.empty(m)
    pk_a = np.empty(m, dtype=np.int64)
    pk_b = np.empty(m, dtype=np.int64)
    bf = np.empty(m)
    bp = np.empty(m)
    for r in range(psd.shape[0]):
        scal[r, :] = np.nan
        band_out[r, :, :] = np.nan
        ok = math.isfinite(offset[r]) and math.isfinite(exponent[r])
        for j in range(m):
            v = psd[r, i0 + j]
            if not (v > 0.0 and v < np.inf):
                ok = False
        if not ok:
            continue
        total = 0.0
        for j in range(m):
            v = psd[r, i0 + j]
            model[j] = 10.0 ** (offset[r] - exponent[r] * lf_fit[j])
            resid[j] = 10.0 * (math.log10(v) - math.log10(model[j]))
            total += v * df
        # peaks: runs above threshold that touch neither end
        n_pk = 0
        j = 0
        while j < m:
            if resid[j] <= threshold_db:
                j += 1
                continue
            a = j
            while j < m and resid[j] > threshold_db:
                j += 1
            b = j - 1
            if a == 0 or b == m - 1:
                continue
            k = a
            pw = 0.0
            for q in range(a, b + 1):
                if resid[q] > resid[k]:
                    k = q
                pw += (psd[r, i0 + q] - model[q]) * df
            y0, y1, y2 = resid[k - 1], resid[k], resid[k + 1]
            den = y0 - 2.0 * y1 + y2
            shift = 0.5 * (y0 - y2) / den if den < 0.0 else 0.0
            shift = min(max(shift, -0.5), 0.5)
            pk_freq[n_pk] = f_fit[k] + shift * df
            pk_pow[n_pk] = pw
            pk_a[n_pk] = a
            pk_b[n_pk] = b
            n_pk += 1
        scal[r, 3] = n_pk
        if n_pk > 0 and total > 0.0:
            p_sum = 0.0
            for i in range(n_pk):
                p_sum += pk_pow[i]
            share = p_sum / total
            delta = _delta(pk_freq, pk_pow, n_pk)
            scal[r, 0] = share * (1.0 - delta)
            scal[r, 1] = share * delta
            scal[r, 2] = 1.0 - share
        # per band
        for g in range(n_bands):
            k0, k1 = band_bins[g, 0], band_bins[g, 1]
            t_b = 0.0
            for q in range(k0, k1):
                t_b += psd[r, q] * df
            if not (t_b > 0.0 and t_b < np.inf):
                continue
            n_b = 0
            p_b = 0.0
            for i in range(n_pk):
                if band_hz[g, 0] <= pk_freq[i] < band_hz[g, 1]:
                    pw = 0.0
                    for q in range(max(pk_a[i], k0 - i0), min(pk_b[i] + 1, k1 - i0)):
                        pw += (psd[r, i0 + q] - model[q]) * df
                    bf[n_b] = pk_freq[i]
                    bp[n_b] = pw
                    p_b += pw
                    n_b += 1
            if n_b == 0 or p_b <= 0.0:
                continue
            share = p_b / t_b
            delta = _delta(bf, bp, n_b)
            band_out[r, g, 0] = share * (1.0 - delta)
            band_out[r, g, 1] = share * delta
            band_out[r, g, 2] = 1.0 - share
        # alpha and theta peaks, golden mean
        ia = -1
        it = -1
        for i in range(n_pk):
            fi = pk_freq[i]
            if alpha_hz[0] <= fi < alpha_hz[1] and (ia < 0 or pk_pow[i] > pk_pow[ia]):
                ia = i
            if theta_hz[0] <= fi < theta_hz[1] and (it < 0 or pk_pow[i] > pk_pow[it]):
                it = i
        if ia >= 0:
            scal[r, 4] = pk_freq[ia]
        if it >= 0:
            scal[r, 5] = pk_freq[it]
        if golden_ok and ia >= 0 and it >= 0:
            ratio = pk_freq[ia] / pk_freq[it]
            scal[r, 6] = ratio
            scal[r, 7] = abs(ratio - PHI)


def _max_residual_db(fit: AperiodicFit, psd: np.ndarray, lf_fit: np.ndarray, i0: int) -> np.ndarray:
    """Largest residual ``10 log10(PSD / fit)`` in the fit range of each row, dB, shape (n,)."""
    offset, exponent = fit.fit(psd)
    seg = psd[:, i0 : i0 + lf_fit.size]
    resid = 10.0 * (np.log10(seg) - (offset[:, None] - exponent[:, None] * lf_fit[None, :]))
    return resid.max(axis=1)


@functools.lru_cache(maxsize=32)
def _noise_threshold_db(
    sfreq: float, n_window: int, n_per_seg: int, fit_range: tuple[float, float], alpha: float
) -> float:
    """The ``1 - alpha`` quantile of the largest residual of 1/f noise (module docstring, step 2)."""
    welch = WelchPSD(sfreq, n_window, n_per_seg)
    fit = AperiodicFit(welch.freqs, fit_range)
    sel = np.flatnonzero((welch.freqs >= fit_range[0]) & (welch.freqs <= fit_range[1]))
    i0, lf_fit = int(sel[0]), np.log10(welch.freqs[sel])
    f = np.fft.rfftfreq(n_window, 1.0 / sfreq)
    shape = np.zeros(f.size)
    shape[1:] = f[1:] ** (-NOISE_EXPONENT / 2.0)
    rng = np.random.default_rng(_SEED)
    maxima = []
    for b in range(0, N_SIMULATIONS, _SIM_BLOCK):
        n = min(_SIM_BLOCK, N_SIMULATIONS - b)
        # Gaussian noise drawn as its spectrum: independent complex Gaussian coefficients
        # (what the transform of white noise is) shaped to 1/f, then one inverse transform
        coef = rng.standard_normal((n, shape.size)) + 1j * rng.standard_normal((n, shape.size))
        coef *= shape
        x = np.fft.irfft(coef, n_window, axis=1)
        maxima.append(_max_residual_db(fit, welch(x), lf_fit, i0))
    threshold = float(np.quantile(np.concatenate(maxima), 1.0 - alpha))
    log.debug("harmony noise threshold %.3f dB (sfreq %g, n_window %d, n_per_seg %d, alpha %g)",
              threshold, sfreq, n_window, n_per_seg, alpha)
    return threshold


class Harmony:
    """Peaks above the aperiodic fit that rise above what noise gives, CDNS and golden mean.

    See the module docstring for the definitions and their sources.

    Parameters
    ----------
    sfreq : float
        Sample rate, Hz (> 0).
    n_window : int
        Samples per analysis window (>= 2).
    n_per_seg : int
        Samples per Welch segment (50 % overlap, Hann), 2..n_window; sets the resolution
        ``sfreq / n_per_seg``. The golden-mean values are NaN unless it is at most
        :data:`GOLDEN_MEAN_RESOLUTION_HZ`.
    fit_range : (float, float)
        Range of the aperiodic fit and of the peak search, Hz, ``0 < lo < hi <= sfreq / 2``,
        with at least 5 bins.
    alpha : float
        Share of pure-noise frames allowed a peak, 0.005..0.5 (the Monte Carlo has
        :data:`N_SIMULATIONS` windows).
    bands : dict of str to (float, float) or None
        Bands of ``band_cdns`` (``lo <= f < hi``, each with at least one bin; ``lo = hi`` is an
        empty band, always NaN); default
        :data:`~.frame.BANDS`.

    Attributes
    ----------
    welch : WelchPSD
        The Welch layout the spectra must come from.
    freqs : ndarray, shape (n_freqs,)
        Hz.
    threshold_db : float
        Peak threshold above the aperiodic fit, dB (the noise Monte Carlo's quantile).
    resolution_hz : float
        ``sfreq / n_per_seg``.
    """

    def __init__(
        self, sfreq: float, n_window: int, n_per_seg: int,
        fit_range: tuple[float, float] = (2.0, 35.0), alpha: float = 0.05,
        bands: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        sfreq = float(sfreq)
        if not (math.isfinite(sfreq) and sfreq > 0):
            raise UsageError(f"sfreq must be a finite rate > 0 Hz; got {sfreq!r}")
        if int(n_window) != n_window or n_window < 2:
            raise UsageError(f"n_window must be an integer >= 2 (samples); got {n_window!r}")
        if int(n_per_seg) != n_per_seg or not 2 <= n_per_seg <= n_window:
            raise UsageError(
                f"n_per_seg must be an integer in 2..n_window = {n_window} (samples); got "
                f"{n_per_seg!r}"
            )
        lo, hi = (float(v) for v in fit_range)
        if not (0 < lo < hi <= sfreq / 2):
            raise UsageError(
                f"fit_range must be (lo, hi) Hz with 0 < lo < hi <= sfreq / 2 = {sfreq / 2:g}; "
                f"got {fit_range!r}"
            )
        alpha = float(alpha)
        if not 0.005 <= alpha <= 0.5:
            raise UsageError(f"alpha must be in 0.005..0.5; got {alpha!r}")
        self.welch = WelchPSD(sfreq, int(n_window), int(n_per_seg))
        self.freqs = self.welch.freqs
        self.resolution_hz = sfreq / int(n_per_seg)
        self.fit_range = (lo, hi)
        self.alpha = alpha
        sel = np.flatnonzero((self.freqs >= lo) & (self.freqs <= hi))
        if sel.size < max(MIN_BINS, 5):
            raise UsageError(
                f"fit_range must hold at least 5 frequency bins at {self.resolution_hz:g}-Hz "
                f"resolution; got {fit_range!r} with {sel.size}"
            )
        self._i0 = int(sel[0])
        self._f_fit = np.ascontiguousarray(self.freqs[sel])
        self._lf_fit = np.log10(self._f_fit)
        self._fit = AperiodicFit(self.freqs, (lo, hi))
        self.bands = dict(BANDS if bands is None else bands)
        bins, hz = [], []
        for name, (b_lo, b_hi) in self.bands.items():
            k = np.flatnonzero((self.freqs >= b_lo) & (self.freqs < b_hi))
            if b_lo == b_hi >= 0:  # a band the sample rate cannot carry: always NaN
                bins.append((0, 0))
                hz.append((float(b_lo), float(b_hi)))
                continue
            if not (0 <= b_lo < b_hi) or k.size == 0:
                raise UsageError(
                    f"bands must map names to (lo, hi) Hz with 0 <= lo < hi and at least one "
                    f"bin in {self.freqs[0]:g}-{self.freqs[-1]:g} Hz (or lo = hi: an empty band); "
                    f"got {name!r}: {(b_lo, b_hi)!r}"
                )
            bins.append((int(k[0]), int(k[-1]) + 1))
            hz.append((float(b_lo), float(b_hi)))
        self._band_bins = np.array(bins, dtype=np.int64).reshape(-1, 2)
        self._band_hz = np.array(hz, dtype=float).reshape(-1, 2)
        self.golden_mean_defined = self.resolution_hz <= GOLDEN_MEAN_RESOLUTION_HZ
        self.threshold_db = _noise_threshold_db(sfreq, int(n_window), int(n_per_seg), (lo, hi),
                                                alpha)

    def frames(self, psd: np.ndarray) -> dict[str, np.ndarray]:
        """Peaks, CDNS and golden mean of each spectrum.

        Parameters
        ----------
        psd : ndarray, shape (n_frames, n_freqs)
            uV^2/Hz on :attr:`freqs` (from :attr:`welch`), typically the mean over clean
            channels of the frame's window.

        Returns
        -------
        dict of str to ndarray
            Shape (n_frames,): ``consonance``, ``dissonance``, ``noise`` (shares of the power in
            ``fit_range``, summing to 1; NaN without a peak), ``spectral_peaks`` (float),
            ``alpha_peak_hz``, ``theta_peak_hz`` (Hz), ``alpha_theta_ratio``,
            ``golden_mean_index``; shape (n_frames, n_bands, 3): ``band_cdns`` (consonance,
            dissonance, noise of each band, bands in the order of :attr:`bands`). NaN where
            undefined; every output NaN for a spectrum with a non-positive or non-finite bin in
            ``fit_range``.
        """
        psd = np.asarray(psd, dtype=float)
        if psd.ndim != 2 or psd.shape[1] != self.freqs.size:
            raise UsageError(
                f"psd must have shape (n_frames, n_freqs) with n_freqs = {self.freqs.size}; "
                f"got shape {psd.shape}"
            )
        psd = np.ascontiguousarray(psd)
        n = psd.shape[0]
        offset, exponent = self._fit.fit(psd)
        scal = np.empty((n, len(_SCALARS)))
        band = np.empty((n, self._band_bins.shape[0], 3))
        _frames_kernel(
            self._f_fit, self._lf_fit, self._i0, psd, np.ascontiguousarray(offset),
            np.ascontiguousarray(exponent), self.threshold_db, float(self.welch.df),
            self._band_bins, self._band_hz, np.array(ALPHA_RANGE_HZ), np.array(THETA_RANGE_HZ),
            bool(self.golden_mean_defined), scal, band,
        )
        out = {name: scal[:, i].copy() for i, name in enumerate(_SCALARS)}
        out["band_cdns"] = band
        return out
