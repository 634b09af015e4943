"""Spherical-spline interpolation of left-out electrodes (Perrin et al. 1989).

A channel left out of a frame (bad, or carrying an artifact that does not gate the frame) is
rebuilt from the clean electrodes around it, so energy, regions and spatial modes keep the same
channel set all session (one channel set: a channel dropping out does not move a number). The
method is MNE's (``mne.io.Raw.interpolate_bads`` for EEG): electrode positions projected onto a
unit sphere around the head's centre, the spline ``g(x) = 1/(4 pi) sum_n (2n + 1) /
(n (n + 1))^m P_n(x)`` with stiffness ``m = 4`` and 50 Legendre terms, a ridge ``alpha = 1e-5``
on the diagonal, and a constant term. ``tests/test_interpolation.py`` checks the matrix against
MNE's.

Matrices depend only on which electrodes are clean, so they are cached per set.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.polynomial.legendre import legval

STIFFNESS = 4
N_LEGENDRE = 50
ALPHA = 1e-5
#: Interpolation matrices kept (least recently used dropped first).
CACHE_SIZE = 512
#: At least this many clean electrodes with known positions are needed to interpolate.
MIN_SOURCES = 4


def sphere_centre(pos: np.ndarray) -> np.ndarray:
    """Least-squares centre of the sphere through electrode positions.

    Parameters
    ----------
    pos : ndarray, shape (n, 3)
        Positions, m (NaN rows ignored).

    Returns
    -------
    ndarray, shape (3,)
        The centre, m; the origin when fewer than 4 positions are known.
    """
    p = pos[np.isfinite(pos).all(axis=1)]
    if len(p) < 4:
        return np.zeros(3)
    # |p - c|^2 = r^2  <=>  2 p.c + (r^2 - |c|^2) = |p|^2 : linear in (c, k)
    a = np.column_stack([2.0 * p, np.ones(len(p))])
    sol, *_ = np.linalg.lstsq(a, (p**2).sum(axis=1), rcond=None)
    return sol[:3]


def _unit(pos: np.ndarray) -> np.ndarray:
    return pos / np.linalg.norm(pos, axis=1, keepdims=True)


def _g(cosang: np.ndarray) -> np.ndarray:
    n = np.arange(1, N_LEGENDRE + 1, dtype=float)
    factors = (2.0 * n + 1.0) / (n**STIFFNESS * (n + 1.0) ** STIFFNESS * 4.0 * np.pi)
    return legval(cosang, np.concatenate([[0.0], factors]))


def spline_matrix(pos_from: np.ndarray, pos_to: np.ndarray) -> np.ndarray:
    """Matrix that maps signals at ``pos_from`` to signals at ``pos_to``.

    Parameters
    ----------
    pos_from : ndarray, shape (n_from, 3)
        Positions of the clean electrodes relative to the sphere's centre.
    pos_to : ndarray, shape (n_to, 3)
        Positions of the electrodes to rebuild, same frame.

    Returns
    -------
    ndarray, shape (n_to, n_from)
    """
    u_from, u_to = _unit(pos_from), _unit(pos_to)
    c_inv = _system_inverse(u_from)
    g_to = _g(np.clip(u_to @ u_from.T, -1.0, 1.0))
    return np.column_stack([g_to, np.ones(len(u_to))]) @ c_inv[:, : len(u_from)]


def _system_inverse(u_from: np.ndarray) -> np.ndarray:
    """Inverse of the spline system ``[[G + alpha I, 1], [1', 0]]`` of unit positions
    ``u_from`` (n, 3), shape (n + 1, n + 1)."""
    g_from = _g(np.clip(u_from @ u_from.T, -1.0, 1.0))
    g_from.flat[:: len(u_from) + 1] += ALPHA
    n = len(u_from)
    c = np.zeros((n + 1, n + 1))
    c[:n, :n] = g_from
    c[:n, n] = c[n, :n] = 1.0
    return np.linalg.pinv(c)


def leave_one_out_matrix(pos: np.ndarray) -> np.ndarray:
    """Matrix that maps signals at ``pos`` to each electrode's leave-one-out residual.

    Row i gives electrode i's signal minus what the spline fitted to all the other electrodes
    predicts there. For any interpolation system ``A c = [x; 0]`` this is ``c_i / (A^-1)_ii``
    (Rippa 1999), so one inverse gives every electrode's residual (``tests/test_interpolation.py``
    checks it against :func:`spline_matrix` refitted without each electrode).

    Parameters
    ----------
    pos : ndarray, shape (n, 3)
        Positions of the clean electrodes relative to the sphere's centre.

    Returns
    -------
    ndarray, shape (n, n)
    """
    n = len(pos)
    c_inv = _system_inverse(_unit(pos))
    return c_inv[:n, :n] / np.diag(c_inv)[:n, None]


class Interpolator:
    """Interpolation matrices of one montage, cached per set of clean electrodes.

    Parameters
    ----------
    positions : ndarray, shape (n_channels, 3)
        Electrode positions, m (NaN rows: position unknown, never interpolated or used).
    """

    def __init__(self, positions: np.ndarray) -> None:
        self.known = np.isfinite(positions).all(axis=1)
        self.pos = positions - sphere_centre(positions)
        # least recently used clean sets leave first; functools' cache is thread-safe (stage 1
        # of successive blocks runs in two worker threads)
        self._plan = lru_cache(maxsize=CACHE_SIZE)(self._build)
        self._loo = lru_cache(maxsize=CACHE_SIZE)(self._build_loo)

    def plan(self, clean: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Which channels to rebuild from which, for one clean-channel mask.

        Parameters
        ----------
        clean : ndarray of bool, shape (n_channels,)

        Returns
        -------
        targets : ndarray of int
            Left-out channels with known positions (empty when nothing can be rebuilt).
        sources : ndarray of int
            Clean channels with known positions.
        matrix : ndarray, shape (n_targets, n_sources), or None
            None when there is nothing to rebuild or fewer than :data:`MIN_SOURCES` sources.
        """
        return self._plan(np.asarray(clean, dtype=bool).tobytes())

    def _build(self, key: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        clean = np.frombuffer(key, dtype=bool)
        sources = np.flatnonzero(clean & self.known)
        targets = np.flatnonzero(~clean & self.known)
        m = None
        if targets.size and sources.size >= MIN_SOURCES:
            m = np.ascontiguousarray(spline_matrix(self.pos[sources], self.pos[targets]))
            m.setflags(write=False)
        return targets, sources, m

    def leave_one_out(self, clean: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Each clean electrode's leave-one-out residual, for one clean-channel mask.

        Returns
        -------
        sources : ndarray of int
            Clean channels with known positions.
        matrix : ndarray, shape (n_sources, n_sources), or None
            :func:`leave_one_out_matrix` of their positions (residual = ``matrix @ x[sources]``);
            None with fewer than :data:`MIN_SOURCES` + 1 of them (each residual's fit needs
            :data:`MIN_SOURCES`).
        """
        return self._loo(np.asarray(clean, dtype=bool).tobytes())

    def _build_loo(self, key: bytes) -> tuple[np.ndarray, np.ndarray | None]:
        sources = np.flatnonzero(np.frombuffer(key, dtype=bool) & self.known)
        m = None
        if sources.size > MIN_SOURCES:
            m = np.ascontiguousarray(leave_one_out_matrix(self.pos[sources]))
            m.setflags(write=False)
        return sources, m
