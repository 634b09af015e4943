"""Reference definitions of the phase-synchrony measures (PLV, debiased wPLI, Kuramoto order).

The pipeline computes them with :func:`neurofeedback.pipeline.batch.synchrony_batch`; these
NumPy versions are the definitions that kernel is tested against.
"""

from __future__ import annotations

import numpy as np


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


def wpli2_matrix(z: np.ndarray, n_eff: float, z2: np.ndarray | None = None) -> np.ndarray:
    """Debiased squared weighted phase-lag index (Vinck et al. 2011) between all pairs of rows.

    With ``X_ij(t) = z_i(t) conj(z2_j(t))`` (``z2 = z`` by default) and ``I = Im X``:
    ``S = sum_t I``, ``A = sum_t |I|``, ``Q = sum_t I^2``; Vinck's debiased estimator of the
    squared wPLI is ``(S^2 - Q) / (A^2 - Q)``. It assumes independent samples, so here ``Q``
    is scaled by ``n / N_eff`` (successive samples of a band-passed signal are not
    independent). Signed (0 on average for independent signals), at most 1; 0 where
    ``A^2 <= Q``. Zero-lag (volume-conducted) mixtures have ``Im X = 0`` and give 0.

    Parameters
    ----------
    z : ndarray of complex, shape (n_signals, n_times)
    n_eff : float
    z2 : ndarray of complex, shape (n_signals, n_times), or None
        Second signal of each pair (e.g. the same signals at another time: a surrogate).

    Returns
    -------
    ndarray, shape (n_signals, n_signals)
        Entry ``(i, j)`` pairs row ``i`` of ``z`` with row ``j`` of ``z2``; diagonal 0.
    """
    z2 = z if z2 is None else z2
    n_sig, n = z.shape
    out = np.zeros((n_sig, n_sig))
    for i in range(n_sig):
        for j in range(n_sig):
            if i == j:
                continue
            im = (z[i] * z2[j].conj()).imag
            s, a, q = im.sum(), np.abs(im).sum(), (im**2).sum() * (n / n_eff)
            den = a**2 - q
            out[i, j] = min((s**2 - q) / den, 1.0) if den > 0 else 0.0
    return out


def kuramoto_surrogate(z: np.ndarray) -> float:
    """Window-mean Kuramoto order with row ``r`` circularly shifted by ``r n / n_signals``
    samples (a time-shift surrogate: what independent phases with these spectra give)."""
    n_sig, n = z.shape
    shifted = np.array([np.roll(z[r], -((r * n) // n_sig)) for r in range(n_sig)])
    return float(kuramoto_order(shifted).mean())


def kuramoto_order(z: np.ndarray) -> np.ndarray:
    """Kuramoto order parameter ``R(t) = | mean_r exp(i phi_r(t)) |`` across rows, shape (n_times,)."""
    u = z / np.maximum(np.abs(z), 1e-300)
    return np.abs(u.mean(axis=0))
