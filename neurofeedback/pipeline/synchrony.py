"""Phase synchrony between region signals: bias correction, metastability, smoothing.

PLV, debiased wPLI and the Kuramoto order of every frame are computed by the compiled
:func:`~neurofeedback.pipeline.batch.synchrony_batch`; this module holds what surrounds them:
the effective sample count that sets their finite-window bias, the PLV debiasing, the
metastability over frames and the causal smoothing of the frame series. (Their plain NumPy
definitions, which the kernel is tested against, are in ``tests/reference/synchrony.py``.)

The region signals are first band-passed *causally* (carried-state IIR) into the integration
band; within each 2-s window the analytic signal is then taken with an FFT Hilbert transform.
The Hilbert transform uses the whole window, but the window lies entirely in the past of the
frame's time stamp, so nothing looks ahead of the frame (its values near the window's end are
somewhat less accurate than in the middle; every frame treats them the same way).
"""

from __future__ import annotations

from collections import deque
from functools import lru_cache

import numpy as np
from numba import njit
from scipy.signal import sosfreqz

from .wpli_ratio import wpli2_ratio


@lru_cache(maxsize=64)
def triu_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Cached ``np.triu_indices(n, 1)`` (row, column) of each pair."""
    i, j = np.triu_indices(n, 1)
    i.setflags(write=False)
    j.setflags(write=False)
    return i, j


def effective_samples(sos: np.ndarray, sfreq: float, n: int) -> float:
    """Effective number of independent samples of a band-passed signal in an ``n``-sample window.

    With ``rho(k)`` the normalised complex autocorrelation of the analytic signal of white noise
    through the filter ``sos``, ``N_eff = n / sum_{|k|<n} (1 - |k|/n) |rho(k)|^2``. This is the
    number that sets the finite-window bias of phase-locking: for independent phases,
    ``E[PLV^2] ~= 1 / N_eff``.

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6)
        The band-pass filter.
    sfreq : float
        Sample rate, Hz.
    n : int
        Samples per window.

    Returns
    -------
    float
    """
    nfft = 1 << int(np.ceil(np.log2(8 * n)))
    _, h = sosfreqz(sos, worN=nfft // 2 + 1, whole=False, fs=sfreq)
    power = np.zeros(nfft)
    power[: nfft // 2 + 1] = np.abs(h) ** 2  # analytic: positive frequencies only
    acf = np.fft.ifft(power)
    rho = acf / acf[0]
    k = np.arange(n)
    w = 1.0 - k / n
    s = 1.0 + 2.0 * np.sum(w[1:] * np.abs(rho[1:n]) ** 2)
    return float(n / s)


def debias_plv(plv: np.ndarray, n_eff: float) -> np.ndarray:
    """Remove the finite-window bias of PLV.

    ``PLV_d = sqrt(max(0, (N_eff * PLV^2 - 1) / (N_eff - 1)))``: an unbiased estimate of the
    squared PLV (for independent phases ``E[PLV^2] = 1 / N_eff``), clipped at 0 and returned on
    the PLV scale. The diagonal stays 1.
    """
    sq = (n_eff * plv**2 - 1.0) / (n_eff - 1.0)
    return np.sqrt(np.clip(sq, 0.0, 1.0))


class Metastability:
    """Standard deviation of the Kuramoto order parameter over the last ``span_s`` seconds.

    Each frame contributes the window-mean of ``R(t)`` (Shanahan 2010 uses the std over time of
    R(t); here its 10-Hz frame series). Frames without a value (artifact, < 2 regions) are
    skipped; at least ``min_count`` values within the span are needed, else NaN.
    """

    def __init__(self, span_s: float, min_count: int = 20) -> None:
        self.span_s = float(span_s)
        self.min_count = int(min_count)
        self._hist: deque[tuple[float, float]] = deque()

    def update(self, time_s: float, r: float) -> float:
        """Add a frame's order parameter (or NaN) and return the current metastability."""
        if np.isfinite(r):
            self._hist.append((time_s, r))
        while self._hist and self._hist[0][0] <= time_s - self.span_s:
            self._hist.popleft()
        if len(self._hist) < self.min_count:
            return float("nan")
        vals = np.fromiter((v for _, v in self._hist), dtype=float)
        return float(vals.std())


class SynchronySmoother:
    """Causal exponential moving average of the per-window synchrony, frame by frame.

    One 2-s window in a 4-Hz-wide band holds only ~10 independent phase samples
    (:func:`effective_samples`), so the per-window PLV of each region pair scatters by about
    ``1 / sqrt(N_eff)`` even after the bias correction. Averaging the frames' values with
    ``s_k = s_{k-1} + a (x_k - s_{k-1})``, ``a = 1 - exp(-dt / tau_s)``, cuts that scatter by
    roughly ``sqrt(2 tau_s / window_s)`` while adding a lag of ~``tau_s`` on ramps. Only past
    frames are used (causal). Artifact frames and NaN values do not update the average; they
    get the last value. ``tau_s = 0`` returns every value unchanged.

    Parameters
    ----------
    tau_s : float
        Time constant, seconds (>= 0).
    hop_s : float
        Nominal time between frames, seconds (used for the first step).
    """

    def __init__(self, tau_s: float, hop_s: float) -> None:
        self.tau_s = float(tau_s)
        self.hop_s = float(hop_s)
        self.value = float("nan")
        self._last_t = float("nan")

    def update(self, time_s: float, value: float, artifact: bool = False) -> float:
        """Add one frame's per-window synchrony and return the smoothed synchrony.

        Parameters
        ----------
        time_s : float
            Frame time, seconds (non-decreasing).
        value : float
            The frame's per-window synchrony (NaN when undefined).
        artifact : bool
            True for an artifact frame: the average is not updated.

        Returns
        -------
        float
            The smoothed synchrony (NaN until the first clean finite value).
        """
        if self.tau_s <= 0:
            return float(value)
        if artifact or not np.isfinite(value):
            return self.value
        if not np.isfinite(self.value):
            self.value = float(value)
        else:
            dt = time_s - self._last_t if time_s > self._last_t else self.hop_s
            a = 1.0 - float(np.exp(-dt / self.tau_s))
            self.value += a * (float(value) - self.value)
        self._last_t = float(time_s)
        return self.value


class LaggedSynchrony:
    """Debiased squared wPLI of each region pair, pooled over the windows of the last ``span_s``.

    A single 2-s window holds few independent phase samples (about 10 in a 4-Hz band, fewer
    for a narrow-band rhythm), so its wPLI scatters widely and, for rhythms whose phases drift
    slowly, sits above 0 by chance. Pooling the windows' sums before taking the ratio (Vinck
    et al. 2011 pool over trials the same way) uses every sample of the span at once.

    Per frame ``k`` and pair, the kernel gives the window sums ``s_k = sum Im X``,
    ``a_k = sum |Im X|`` and ``q_k = sum (Im X)^2`` (:class:`.batch.SyncBatch`). Over the
    ``M`` frames held (clean frames whose time lies within ``span_s`` of the newest, all with
    the same regions):

    - ``S = sum_k s_k / M`` and ``A = sum_k a_k / M``;
    - the bias term ``Q = (n / N_eff) * mean_k(q_k) * sum_kl ov(t_k - t_l) / M^2``, with
      ``ov(d) = max(0, 1 - |d| / window_s)`` the share of samples two windows have in common:
      for independent signals ``E[S^2] = Q`` (``n / N_eff`` is the variance inflation of a sum
      of band-passed samples, :func:`effective_samples`; overlapping windows share samples);
    - ``wPLI^2 = (S^2 - Q) / (A^2 - Q)``, signed (chance reads 0 on average), in [-1, 1], 0
      when ``A^2 <= 2 Q`` (:func:`.wpli_ratio.wpli2_ratio`). With ``M = 1`` this is the single
      window's estimator.

    A frame whose regions differ from the held frames' restarts the pool; artifact frames and
    frames without regions are not added (the pool keeps its frames until they age out).

    Parameters
    ----------
    span_s : float
        Frames within this many seconds of the newest are pooled (>= 0; 0 = the newest only).
    window_s : float
        Length of each frame's window, seconds.
    inflation : float
        ``n / N_eff`` of one window.
    """

    def __init__(self, span_s: float, window_s: float, inflation: float) -> None:
        self.span_s = float(span_s)
        self.window_s = float(window_s)
        self.inflation = float(inflation)
        self._key: tuple[str, ...] | None = None
        # the held frames' times and sums, live in [_lo, _hi) of preallocated arrays
        self._t = np.empty(64)
        self._sums = np.empty((64, 0, 3))
        self._lo = 0
        self._hi = 0
        self.value = np.zeros(0)  # per pair, the last result

    def update(
        self, time_s: float, key: tuple[str, ...] | None, sums: np.ndarray | None
    ) -> np.ndarray:
        """Add one frame's window sums (or nothing: ``sums=None``); return each pair's wPLI^2.

        Parameters
        ----------
        time_s : float
            Frame time, seconds (non-decreasing).
        key : tuple of str or None
            The frame's region names (pairs in :func:`triu_pairs` order).
        sums : ndarray, shape (n_pairs, 3), or None
            ``sum Im X``, ``sum |Im X|``, ``sum (Im X)^2`` of the frame's window; None for a
            frame that adds nothing (artifact, no regions).

        Returns
        -------
        ndarray, shape (n_pairs,)
            Pooled debiased wPLI^2 of the held frames' pairs (empty before the first frame).
        """
        changed = sums is not None
        if sums is not None:
            sums = np.asarray(sums, dtype=float)
            if key != self._key or self._sums.shape[1] != sums.shape[0]:
                self._key = key
                self._sums = np.empty((self._t.size, sums.shape[0], 3))
                self._lo = self._hi = 0
            if self._hi == self._t.size:  # compact, and grow if more than half is live
                n = self._hi - self._lo
                size = self._t.size * (2 if n > self._t.size // 2 else 1)
                t, sm = np.empty(size), np.empty((size, *self._sums.shape[1:]))
                t[:n], sm[:n] = self._t[self._lo : self._hi], self._sums[self._lo : self._hi]
                self._t, self._sums, self._lo, self._hi = t, sm, 0, n
            self._t[self._hi] = time_s
            self._sums[self._hi] = sums
            self._hi += 1
        cut = time_s - self.span_s - 1e-9
        while self._lo < self._hi and self._t[self._lo] < cut:
            self._lo += 1
            changed = True
        if self._lo == self._hi:
            self.value = np.zeros(0)
            return self.value
        if not changed:
            return self.value
        self.value = _pooled_wpli2(
            self._t[self._lo : self._hi], self._sums[self._lo : self._hi], self.window_s,
            self.inflation,
        )
        return self.value


@njit(cache=True)  # per frame in stage 2: keeping the GIL is cheaper than handing it over
def _pooled_wpli2(
    t: np.ndarray, sums: np.ndarray, window_s: float, inflation: float
) -> np.ndarray:  # pragma: no cover - compiled
    """:class:`LaggedSynchrony`'s ratio for held frame times ``t`` (m,) and sums (m, n_pairs, 3);
    sums run frame by frame in time order."""
    m = t.size
    ov = 0.0
    for i in range(m):
        for j in range(m):
            ov += max(0.0, 1.0 - abs(t[i] - t[j]) / window_s)
    n_pairs = sums.shape[1]
    out = np.empty(n_pairs)
    for p in range(n_pairs):
        s = 0.0
        a = 0.0
        q = 0.0
        for k in range(m):
            s += sums[k, p, 0]
            a += sums[k, p, 1]
            q += sums[k, p, 2]
        s /= m
        a /= m
        out[p] = wpli2_ratio(s, a, inflation * (q / m) * ov / (m * m))
    return out
