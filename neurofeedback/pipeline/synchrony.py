"""Phase synchrony between region signals: PLV, wPLI, Kuramoto order, metastability.

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
from scipy.signal import hilbert, sosfreqz


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


def analytic(x: np.ndarray) -> np.ndarray:
    """Analytic signal of each row (FFT Hilbert over the window), shape kept, complex."""
    return hilbert(x, axis=-1)


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


def debias_plv(plv: np.ndarray, n_eff: float) -> np.ndarray:
    """Remove the finite-window bias of PLV.

    ``PLV_d = sqrt(max(0, (N_eff * PLV^2 - 1) / (N_eff - 1)))``: an unbiased estimate of the
    squared PLV (for independent phases ``E[PLV^2] = 1 / N_eff``), clipped at 0 and returned on
    the PLV scale. The diagonal stays 1.
    """
    sq = (n_eff * plv**2 - 1.0) / (n_eff - 1.0)
    return np.sqrt(np.clip(sq, 0.0, 1.0))


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
