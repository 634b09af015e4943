"""Reference definitions of the phase-synchrony measures (PLV, debiased wPLI, Kuramoto order).

The pipeline computes them with :func:`neurofeedback.pipeline.batch.synchrony_batch`; these
NumPy versions are the definitions that kernel is tested against.
"""

from __future__ import annotations

import numpy as np

from neurofeedback.pipeline.synchrony import triu_pairs


def plv_matrix(z: np.ndarray) -> np.ndarray:
    """Raw phase-locking value (Lachaux et al. 1999) between all pairs of rows.

    ``PLV_ij = | mean_t exp(i (phi_i(t) - phi_j(t))) |``.

    Parameters
    ----------
    z : ndarray of complex, shape (n_signals, n_times)
        Analytic signals.

    Returns
    -------
    ndarray, shape (n_signals, n_signals)
    """
    u = z / np.maximum(np.abs(z), 1e-300)
    return np.abs(u @ u.conj().T) / z.shape[1]


def wpli_matrix(z: np.ndarray, n_eff: float) -> np.ndarray:
    """Debiased weighted phase-lag index (Vinck et al. 2011) between all pairs of rows.

    With ``X_ij(t) = z_i(t) conj(z_j(t))`` and ``I = Im X``: ``S = sum_t I``, ``A = sum_t |I|``,
    ``Q = sum_t I^2``; Vinck's debiased estimator ``(S^2 - Q) / (A^2 - Q)`` assumes independent
    samples, so here ``Q`` is scaled by ``n / N_eff`` (successive samples of a band-passed
    signal are not independent). Clipped to 0..1 and returned as its square root. Zero-lag
    (volume-conducted) mixtures have ``Im X = 0`` and give 0.

    Parameters
    ----------
    z : ndarray of complex, shape (n_signals, n_times)
    n_eff : float

    Returns
    -------
    ndarray, shape (n_signals, n_signals)
    """
    n_sig, n = z.shape
    out = np.zeros((n_sig, n_sig))
    iu, ju = triu_pairs(n_sig)
    if iu.size == 0:
        return out
    im = (z[iu] * z[ju].conj()).imag  # (n_pairs, n_times)
    s = im.sum(axis=1)
    a = np.abs(im).sum(axis=1)
    q = (im**2).sum(axis=1) * (n / n_eff)
    den = a**2 - q
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.where(den > 0, (s**2 - q) / den, 0.0)
    val = np.sqrt(np.clip(val, 0.0, 1.0))
    out[iu, ju] = val
    out[ju, iu] = val
    return out


def kuramoto_order(z: np.ndarray) -> np.ndarray:
    """Kuramoto order parameter ``R(t) = | mean_r exp(i phi_r(t)) |`` across rows, shape (n_times,)."""
    u = z / np.maximum(np.abs(z), 1e-300)
    return np.abs(u.mean(axis=0))
