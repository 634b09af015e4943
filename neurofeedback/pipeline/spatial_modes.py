"""Scalp spatial modes: eigenmodes of the electrode graph's Laplacian.

These are spatial frequencies across the electrode array (smooth gradients first, checkerboards
last), computed from electrode positions alone. They are **not** connectome harmonics (Atasoy et
al. 2016 take the eigenmodes of the brain's structural connectivity graph on the cortex); the
feature names say "spatial" for that reason. The constant mode (eigenvalue 0, every electrode
equal) is the part of the signal that the recording reference adds to every channel alike, so it
is left out: everything here is reference-free (adding any signal to all channels changes
nothing).
"""

from __future__ import annotations

import numpy as np


def graph_laplacian(pos: np.ndarray) -> np.ndarray:
    """Combinatorial Laplacian ``L = D - W`` of a Gaussian-distance-weighted electrode graph.

    ``W_ij = exp(-d_ij^2 / (2 sigma^2))`` for ``i != j`` with ``d_ij`` the Euclidean distance
    between electrodes and ``sigma`` the median distance from an electrode to its nearest
    neighbour (so sparse and dense montages get comparable graphs).

    Parameters
    ----------
    pos : ndarray, shape (n_channels, 3)
        Electrode positions, m.

    Returns
    -------
    ndarray, shape (n_channels, n_channels)
    """
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)
    off = d + np.diag(np.full(len(pos), np.inf))
    sigma = float(np.median(off.min(axis=1)))
    w = np.exp(-(d**2) / (2.0 * sigma**2))
    np.fill_diagonal(w, 0.0)
    return np.diag(w.sum(axis=1)) - w


def eigenmodes(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors (columns) of :func:`graph_laplacian`.

    Mode 0 (eigenvalue 0) is the spatially constant pattern; higher modes vary faster across
    the scalp. Signs are fixed so each eigenvector's largest entry is positive.

    Returns
    -------
    evals : ndarray, shape (n_channels,)
    evecs : ndarray, shape (n_channels, n_channels)
    """
    evals, evecs = np.linalg.eigh(graph_laplacian(pos))
    idx = np.argmax(np.abs(evecs), axis=0)
    signs = np.sign(evecs[idx, np.arange(evecs.shape[1])])
    return evals, evecs * signs


def mode_power(x: np.ndarray, evecs: np.ndarray) -> np.ndarray:
    """Mean power per spatial mode: ``P_k = mean_t (u_k . x(t))^2``.

    Parameters
    ----------
    x : ndarray, shape (..., n_channels, n_times)
        Signals, uV (any leading batch dimensions, e.g. frames).
    evecs : ndarray, shape (n_channels, n_modes)

    Returns
    -------
    ndarray, shape (..., n_modes), uV^2
    """
    return power_of_courses(mode_courses(x, evecs))


def mode_courses(x: np.ndarray, evecs: np.ndarray) -> np.ndarray:
    """Each mode's time course ``c_k(t) = u_k . x(t)``, shape (..., n_modes, n_times), uV."""
    return np.matmul(np.ascontiguousarray(evecs.T), x)  # a transposed operand: slow path


def power_of_courses(c: np.ndarray) -> np.ndarray:
    """Mean power of mode time courses (:func:`mode_courses`), shape (..., n_modes), uV^2."""
    return np.einsum("...kt,...kt->...k", c, c) / c.shape[-1]


def low_share_batch(power: np.ndarray, n_low: int) -> np.ndarray:
    """Share of each frame's total power in its first ``n_low`` modes, 0..1.

    With the constant mode left out (:class:`SpatialModeBasis`), spatially white activity
    (independent channels of equal power) has the share ``n_low / n_modes``; one smooth
    gradient across the head has nearly all of it.

    Parameters
    ----------
    power : ndarray, shape (n_frames, n_modes)
        Mode powers (:func:`mode_power`), uV^2.
    n_low : int
        Number of low modes.

    Returns
    -------
    ndarray, shape (n_frames,)
        NaN where a frame has no power.
    """
    total = power.sum(axis=-1)
    low = power[:, :n_low].sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, low / np.where(total > 0, total, 1.0), np.nan)


def mode_entropy_batch(power: np.ndarray) -> np.ndarray:
    """Shannon entropy of each frame's power distribution over modes over ``log(n_modes)``, 0..1.

    ``H = -sum_k p_k log p_k / log(n_modes)`` with ``p_k = P_k / sum P``; zero-power modes
    contribute 0.

    Parameters
    ----------
    power : ndarray, shape (n_frames, n_modes)
        Mode powers (:func:`mode_power`), uV^2.

    Returns
    -------
    ndarray, shape (n_frames,)
        NaN where a frame has no power or there are fewer than two modes.
    """
    n_modes = power.shape[-1]
    total = power.sum(axis=-1, keepdims=True)
    if n_modes < 2:
        return np.full(power.shape[0], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = power / total
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=-1) / np.log(n_modes)
    return np.where(total[:, 0] > 0, h, np.nan)


class SpatialModeBasis:
    """Non-constant eigenmodes for the current set of clean electrodes, recomputed only when it
    changes (the constant mode 0 is dropped: reference-free).

    Parameters
    ----------
    pos : ndarray, shape (n_channels, 3)
        Positions; NaN rows (unknown names) never take part.
    """

    def __init__(self, pos: np.ndarray) -> None:
        self.pos = pos
        self.known = np.isfinite(pos).all(axis=1)
        # (key, channel indices, eigenvectors) of the last clean set, replaced as one tuple so
        # that threads computing stage 1 of different blocks never see a mixed entry
        self._last: tuple[bytes, np.ndarray, np.ndarray] | None = None

    def basis(self, clean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(channel indices, eigenvectors without the constant mode, shape (n_sel, n_sel - 1))
        for clean channels with positions (>= 3 needed)."""
        mask = clean & self.known
        key = mask.tobytes()
        last = self._last
        if last is None or last[0] != key:
            sel = np.flatnonzero(mask)
            evecs = (np.ascontiguousarray(eigenmodes(self.pos[sel])[1][:, 1:]) if sel.size >= 3
                     else np.zeros((0, 0)))
            last = self._last = (key, sel, evecs)
        return last[1], last[2]
