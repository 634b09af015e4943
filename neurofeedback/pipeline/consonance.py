"""Consonance of spectral peaks: aperiodic fit, peaks above it, Plomp-Levelt/Sethares dissonance,
and the golden-mean index of peak ratios (Pletzer et al. 2010).

The pipeline computes them frame by frame with the compiled :func:`consonance_frames`, whose
docstring gives the definitions; plain NumPy versions that tests check it against are in
``tests/reference/consonance.py``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

PHI = (1.0 + math.sqrt(5.0)) / 2.0
# Sethares (1993) parameterisation of the Plomp-Levelt (1965) curve
_B1, _B2, _DSTAR, _S1, _S2 = 3.5, 5.75, 0.24, 0.0207, 18.96
_XMAX = math.log(_B2 / _B1) / (_B2 - _B1)
_DMAX = math.exp(-_B1 * _XMAX) - math.exp(-_B2 * _XMAX)
AUDIO_SCALE = 32.0  # EEG frequencies are moved up 5 octaves into the range the curve was measured in


@njit(cache=True, nogil=True)
def _consonance_groups(
    f: np.ndarray, amp: np.ndarray, bounds: np.ndarray, width: float
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Consonance and golden-mean index of each group ``f[bounds[g]:bounds[g + 1]]``."""
    n_groups = bounds.size - 1
    cons_out = np.full(n_groups, np.nan)
    gold_out = np.full(n_groups, np.nan)
    for g in range(n_groups):
        a0, a1 = bounds[g], bounds[g + 1]
        if a1 - a0 < 2:
            continue
        den = 0.0
        num_d = 0.0
        num_g = 0.0
        for i in range(a0, a1):
            wi = 10.0 ** (amp[i] / 10.0) - 1.0
            for j in range(i + 1, a1):
                wj = 10.0 ** (amp[j] / 10.0) - 1.0
                w = min(wi, wj)
                lo = min(f[i], f[j])
                hi = max(f[i], f[j])
                s = _DSTAR / (_S1 * lo * AUDIO_SCALE + _S2)
                x = s * abs(f[j] * AUDIO_SCALE - f[i] * AUDIO_SCALE)
                d = (math.exp(-_B1 * x) - math.exp(-_B2 * x)) / _DMAX
                q = math.log((hi / lo) / PHI) / width
                den += w
                num_d += w * d
                num_g += w * math.exp(-0.5 * q * q)
        if den > 0:
            cons_out[g] = 1.0 - num_d / den
            gold_out[g] = num_g / den
    return cons_out, gold_out


@njit(cache=True, nogil=True)
def _line_fit(lf: np.ndarray, lp: np.ndarray, w: np.ndarray) -> tuple[float, float]:  # pragma: no cover
    """Weighted least-squares slope and intercept of ``lp`` on ``lf`` (one spectrum)."""
    sw = 0.0
    sx = 0.0
    sy = 0.0
    for k in range(lf.size):
        sw += w[k]
        sx += w[k] * lf[k]
        sy += w[k] * lp[k]
    xm = sx / sw
    ym = sy / sw
    num = 0.0
    den = 0.0
    for k in range(lf.size):
        dx = lf[k] - xm
        num += w[k] * dx * (lp[k] - ym)
        den += w[k] * dx * dx
    slope = num / den
    return slope, ym - slope * xm


@njit(cache=True, nogil=True)
def _consonance_frames_kernel(
    freqs: np.ndarray,
    logspec: np.ndarray,
    valid: np.ndarray,
    threshold_db: float,
    max_peaks: int,
    width: float,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    n_fr, n_spec, nf = logspec.shape
    lf = np.log10(freqs)
    df = freqs[1] - freqs[0]
    ones = np.ones(nf)
    keep = np.empty(nf)
    resid = np.empty(nf)
    pf = np.empty(n_spec * max_peaks)
    pa = np.empty(n_spec * max_peaks)
    cand_c = np.empty(nf, dtype=np.int64)
    cand_h = np.empty(nf)
    used = np.zeros(nf, dtype=np.bool_)
    bounds = np.zeros(2, dtype=np.int64)
    cons_out = np.full(n_fr, np.nan)
    gold_out = np.full(n_fr, np.nan)
    for f in range(n_fr):
        n_peaks = 0
        for r in range(n_spec):
            if not valid[f, r] or nf < 3:
                continue
            lp = logspec[f, r]
            slope, icpt = _line_fit(lf, lp, ones)
            n_keep = 0
            for k in range(nf):
                keep[k] = 1.0 if lp[k] <= icpt + slope * lf[k] + 0.1 else 0.0
                n_keep += int(keep[k])
            if n_keep >= 3:
                slope, icpt = _line_fit(lf, lp, keep)
            for k in range(nf):
                resid[k] = 10.0 * (lp[k] - (icpt + slope * lf[k]))
            n_c = 0
            for k in range(1, nf - 1):
                h = resid[k]
                if h > resid[k - 1] and h >= resid[k + 1] and h > threshold_db:
                    cand_c[n_c] = k
                    cand_h[n_c] = h
                    used[n_c] = False
                    n_c += 1
            for _ in range(min(max_peaks, n_c)):  # highest first; ties: lowest frequency
                best = -1
                for m in range(n_c):
                    if not used[m] and (best < 0 or cand_h[m] > cand_h[best]):
                        best = m
                used[best] = True
                k = cand_c[best]
                h = cand_h[best]
                y0 = resid[k - 1]
                y2 = resid[k + 1]
                den = y0 - 2 * h + y2
                shift = 0.5 * (y0 - y2) / den if den != 0 else 0.0
                shift = min(max(shift, -0.5), 0.5)
                pf[n_peaks] = freqs[k] + shift * df
                pa[n_peaks] = h
                n_peaks += 1
        bounds[1] = n_peaks
        c, g = _consonance_groups(pf[:n_peaks], pa[:n_peaks], bounds, width)
        cons_out[f] = c[0]
        gold_out[f] = g[0]
    return cons_out, gold_out


def consonance_frames(
    freqs: np.ndarray,
    spectra: np.ndarray,
    threshold_db: float = 3.0,
    max_peaks: int = 3,
    width: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """Consonance and golden-mean index of each frame's pooled spectral peaks (compiled).

    Per frame, each spectrum that is positive everywhere is treated on its own:

    1. **Aperiodic fit**: a straight line ``log10 PSD = offset - exponent * log10 f`` by least
       squares, then refitted on the bins that lie below the first line plus 0.1 (log10
       units, at least 3 of them), so oscillatory peaks do not pull it up (the aperiodic
       component of Donoghue et al. 2020, without their knee and Gaussian peak model).
    2. **Peaks**: local maxima of the residual ``10 log10(PSD / fit)`` above ``threshold_db``
       (strictly above the lower neighbour, at least the upper one); the ``max_peaks`` highest
       are kept (ties: lowest frequency first), each frequency refined by a parabola through
       the three bins around it (shift clipped to +-0.5 bin). The amplitude is the height
       above the fit, dB.

    The peaks of all the frame's spectra are pooled; over every pair ``i < j``, with weights
    ``w_ij = min(a_i, a_j)`` where ``a = 10^(amplitude / 10) - 1`` (power ratio above the fit):

    - **consonance** ``1 - sum w_ij d_ij / sum w_ij``, ``d_ij`` Sethares' (1993)
      parameterisation of the Plomp-Levelt curve for two unit partials divided by its maximum,
      ``d = exp(-b1 x) - exp(-b2 x)``, ``x = d* |f_j - f_i| / (s1 min(f) + s2)`` with the
      frequencies first multiplied by :data:`AUDIO_SCALE` (intervals unchanged). Unison and
      the octave score near 1, a minor second low.
    - **golden-mean index** ``sum w_ij g_ij / sum w_ij``,
      ``g = exp(-0.5 (ln(r / phi) / width)^2)``, ``r = f_high / f_low``: 1 when every ratio
      equals phi = 1.618..., about 0.6 at 1.57 or 1.67.

    Sums run bin by bin and pair by pair, so a frame's values do not depend on the other
    frames in the batch.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Hz, all > 0, evenly spaced.
    spectra : ndarray, shape (n_frames, n_spectra, n_freqs)
        uV^2/Hz (e.g. one spectrum per region).
    threshold_db : float
        Least peak height above the aperiodic fit, dB.
    max_peaks : int
        Most peaks kept per spectrum.
    width : float
        Width of the golden-mean tolerance, in natural-log units of the ratio.

    Returns
    -------
    consonance, golden_mean_index : ndarray, shape (n_frames,)
        NaN for frames with fewer than two peaks (or zero total weight).
    """
    valid = (spectra > 0).all(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        logspec = np.log10(spectra)
    return _consonance_frames_kernel(
        np.ascontiguousarray(freqs, dtype=float),
        np.ascontiguousarray(logspec),
        valid,
        float(threshold_db),
        int(max_peaks),
        float(width),
    )
