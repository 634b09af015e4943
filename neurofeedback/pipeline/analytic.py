"""Per-sample (causal analytic-signal) synchrony with recency-weighted running sums.

The windowed path (:mod:`.synchrony`, :func:`.batch.synchrony_batch`) recomputes an FFT Hilbert
transform over each 2-s window and pools windows: a change reaches the feedback only once a
good share of the windows' samples hold it. This path gives every sample its own phase and
weighs the past by a smooth kernel instead:

1. **Complex demodulation** (per channel, carried state): ``x(t) exp(-i w0 t)``, ``w0`` the
   centre of the synchrony band, then a causal Butterworth low-pass (order ``lp_order``, cutoff
   half the band's width), so ``z(t)`` is the band's analytic signal shifted to 0 Hz. Its
   group delay at the band centre is :attr:`AnalyticSynchrony.delay_s` (about 0.2 s for a
   4-8 Hz band at order 4). The rotation is the same for every pair, so it leaves the
   cross-spectrum ``z_i conj(z_j)`` of two regions unchanged.
2. **Regions**: ``z`` of each region is the mean of its clean channels' ``z`` (the low-pass is
   linear, so this equals filtering the region mean).
3. **Running sums** per region pair, for ``X = z_i conj(z_j)``: ``Im X``, ``|Im X|`` and
   ``(Im X)^2`` (and a mass of 1), each through ``order`` cascaded exponential averages of time
   constant ``tau_s``: the kernel ``w(t) ~ t^(order-1) exp(-t / tau)`` (a gamma kernel), whose
   weights change smoothly from frame to frame. Dividing by the mass normalises the weights
   to sum 1 (at the start, and over samples left out because their frame was an artifact).
4. **Debiased squared wPLI** (Vinck et al. 2011, generalised to weights and correlated
   samples): with ``S = sum w Im X``, ``A = sum w |Im X|``, ``q = sum w (Im X)^2``,
   ``wPLI^2 = (S^2 - K q) / (A^2 - K q)``, ``K = sum_kl w_k w_l rho(k - l)`` and
   ``rho(d) = |r(d)|^2`` the autocorrelation of ``Im X`` for independent white-noise inputs
   through the demodulating filter (``r``: the analytic signal's normalised autocorrelation).
   For independent signals ``E[S^2] = K E[(Im X)^2]``, so chance reads 0 on average.
   (With independent samples ``rho(d) = [d == 0]`` and ``K q = sum w^2 (Im X)^2``: Vinck's
   estimator with weights.)
5. **Chance level**: the same sums over a time-shift surrogate, region ``i`` now with region
   ``j`` from ``shift_s`` earlier (a ring of the channels' ``z``).

The state lives across pushes and every step runs sample by sample, so pushing 1 sample, 25
samples or a whole file gives bit-identical values.

What it is not: the windowed ``synchrony`` column (2-s windows pooled over 4 s); both estimate
the same squared wPLI of the band, with different weights over time. docs/latency.md measures
response and noise of both.
"""

from __future__ import annotations

import logging
import math

import numpy as np
from numba import njit
from scipy.signal import butter, sosfreqz

from ..errors import UsageError
from .synchrony import triu_pairs
from .wpli_ratio import wpli2_ratio

log = logging.getLogger(__name__)

#: Number of statistics kept per pair: mass, Im X, |Im X|, (Im X)^2.
N_STATS = 4


def kernel_weights(tau_n: float, order: int, n: int) -> np.ndarray:
    """Discrete impulse response of ``order`` cascaded exponential averages.

    Parameters
    ----------
    tau_n : float
        Time constant of each stage, samples (> 0).
    order : int
        Number of stages (>= 1).
    n : int
        Samples returned.

    Returns
    -------
    ndarray, shape (n,)
        Weight of the sample ``k`` samples before the newest (sums to about 1 when ``n`` is
        long enough: more than ``(order + 10) * tau_n``).
    """
    a = 1.0 - math.exp(-1.0 / tau_n)
    y = np.zeros(order)
    out = np.empty(n)
    for k in range(n):
        v = 1.0 if k == 0 else 0.0
        for s in range(order):
            y[s] += a * (v - y[s])
            v = y[s]
        out[k] = v
    return out


def halfway_s(tau_s: float, order: int) -> float:
    """Half-way time of the gamma kernel's step response, seconds (``ln 2 tau`` for order 1,
    ``1.68 tau`` for order 2), without the demodulating filter's delay."""
    dt = tau_s / 200.0
    t = np.arange(int(60 * order * 200)) * dt
    h = (t / tau_s) ** (order - 1) * np.exp(-t / tau_s)
    c = np.cumsum(h)
    c /= c[-1]
    n = int(np.searchsorted(c, 0.5))
    return float(t[n])


class AnalyticSynchrony:
    """Causal per-sample squared wPLI of every region pair, gamma-kernel weighted.

    Parameters
    ----------
    sfreq : float
        Sample rate, Hz.
    n_channels : int
        Channels pushed to :meth:`process`.
    band : (float, float)
        Synchrony band, Hz (the integration band).
    tau_s : float
        Time constant of each exponential stage, seconds (> 0).
    order : int
        Number of cascaded exponential stages, 1..6 (2 = gamma-2 kernel).
    lp_order : int
        Butterworth order of the demodulating low-pass (cutoff: half the band's width).
    shift_s : float
        Lag of the time-shift surrogate, seconds (the chance level).
    """

    def __init__(
        self,
        sfreq: float,
        n_channels: int,
        band: tuple[float, float],
        tau_s: float,
        order: int = 2,
        lp_order: int = 4,
        shift_s: float = 2.0,
    ) -> None:
        lo, hi = float(band[0]), float(band[1])
        if not (0 < lo < hi < sfreq / 2):
            raise UsageError(f"band must satisfy 0 < low < high < sfreq/2 = {sfreq / 2:g} Hz; "
                             f"got {band!r}")
        if not (math.isfinite(tau_s) and tau_s > 0):
            raise UsageError(f"tau_s must be a number of seconds > 0; got {tau_s!r}")
        if not (isinstance(order, int) and 1 <= order <= 6):
            raise UsageError(f"order must be an integer from 1 to 6; got {order!r}")
        self.sfreq = float(sfreq)
        self.tau_s = float(tau_s)
        self.order = order
        self.n_ch = int(n_channels)
        f0 = 0.5 * (lo + hi)
        self._w0 = 2.0 * math.pi * f0 / self.sfreq  # rad / sample
        self.sos = np.ascontiguousarray(
            butter(lp_order, 0.5 * (hi - lo), btype="lowpass", fs=self.sfreq, output="sos")
        )
        self._zi = np.zeros((self.sos.shape[0], 2, self.n_ch), dtype=np.complex128)
        self._alpha = 1.0 - math.exp(-1.0 / (self.tau_s * self.sfreq))
        self.n_shift = max(1, int(round(shift_s * self.sfreq)))
        self._ring = np.zeros((self.n_ch, self.n_shift), dtype=np.complex128)
        self._n_seen = 0  # samples filtered (stream index of the next one)
        self._pos = 0  # samples accumulated into the sums
        self._buf: list[np.ndarray] = []  # filtered, not yet accumulated (time order)
        self._buf_n = 0
        self._key: tuple[str, ...] | None = None
        self._state = np.zeros((0, 2, N_STATS, order))
        self.delay_s = self._group_delay()
        self.bias_k = self._bias_factor()
        self.halfway_s = halfway_s(self.tau_s, order) + self.delay_s

    # ------------------------------------------------------------------ design numbers
    def _group_delay(self) -> float:
        """Group delay of the low-pass at 0 Hz (= at the band centre after demodulation), s."""
        f = np.array([0.0, 0.01])
        _, h = sosfreqz(self.sos, worN=f, fs=self.sfreq)
        ph = np.unwrap(np.angle(h))
        return float(-(ph[1] - ph[0]) / (2 * math.pi * (f[1] - f[0])))

    def _bias_factor(self) -> float:
        """``K = sum_kl w_k w_l |r(k - l)|^2`` for the normalised kernel ``w`` (see module)."""
        n_k = int(math.ceil((self.order + 12) * self.tau_s * self.sfreq)) + 1
        w = kernel_weights(self.tau_s * self.sfreq, self.order, n_k)
        w /= w.sum()
        nfft = 1 << int(math.ceil(math.log2(4 * n_k + 16)))
        _, h = sosfreqz(self.sos, worN=nfft, whole=True, fs=self.sfreq)
        acf = np.fft.ifft(np.abs(h) ** 2)
        rho = np.abs(acf / acf[0]) ** 2  # rho(d), d = 0..nfft-1 (circular: negative d at the end)
        ww = np.fft.ifft(np.abs(np.fft.fft(w, nfft)) ** 2).real  # sum_k w_k w_{k+d}
        return float(np.sum(ww * rho))

    # ------------------------------------------------------------------ stream
    def process(self, x: np.ndarray) -> None:
        """Demodulate and low-pass new samples (shape (n_channels, n_samples), uV), kept until
        :meth:`frame` accumulates them."""
        m = x.shape[1]
        if m == 0:
            return
        k = np.arange(self._n_seen, self._n_seen + m, dtype=np.float64)
        rot = np.exp(-1j * (self._w0 * k))  # from the integer sample index: chunk-independent
        z = _sos_complex(self.sos, np.ascontiguousarray(x, dtype=np.float64), rot, self._zi)
        self._n_seen += m
        self._buf.append(z)
        self._buf_n += m

    def _take(self, end: int) -> np.ndarray:
        """Filtered samples from the last accumulated one up to stream index ``end``."""
        n = end - self._pos
        if n < 0 or n > self._buf_n:
            raise ValueError(f"frame end {end} outside the filtered samples "
                             f"[{self._pos}, {self._pos + self._buf_n}]")
        cat = self._buf[0] if len(self._buf) == 1 else np.concatenate(self._buf, axis=1)
        out, rest = cat[:, :n], cat[:, n:]
        self._buf = [rest] if rest.shape[1] else []
        self._buf_n = rest.shape[1]
        self._pos = end
        return np.ascontiguousarray(out)

    def frame(
        self, end: int, key: tuple[str, ...] | None, weights: np.ndarray | None, use: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Accumulate the samples up to stream index ``end``; return each pair's wPLI^2.

        Parameters
        ----------
        end : int
            Stream index one past the frame's last sample (its window's end).
        key : tuple of str or None
            Region names (pairs in :func:`.synchrony.triu_pairs` order); a new key restarts
            the sums.
        weights : ndarray, shape (n_regions, n_channels), or None
            Averaging matrix of the regions (rows: the clean channels' weights).
        use : bool
            False: the samples enter with weight 0 (artifact frame, fewer than 2 regions).

        Returns
        -------
        wpli2, wpli2_surrogate : ndarray, shape (n_pairs,)
            Debiased squared wPLI of the measured pairs and of the time-shift surrogates
            (empty without a key; the surrogate is NaN until the ring has filled once).
        """
        z = self._take(end)
        if key is None or weights is None or weights.shape[0] < 2:
            if self._state.shape[0]:  # the held pairs decay: the samples count with weight 0
                n_reg = len(self._key)  # type: ignore[arg-type]
                iu, ju = triu_pairs(n_reg)
                _accumulate(self._state, z, np.zeros((n_reg, self.n_ch)), self._ring,
                            self._pos - z.shape[1], iu, ju, self._alpha, False)
            else:
                _advance_ring(self._ring, z, self._pos - z.shape[1])
            return np.zeros(0), np.zeros(0)
        iu, ju = triu_pairs(weights.shape[0])
        if key != self._key or self._state.shape[0] != iu.size:
            self._key = key
            self._state = np.zeros((iu.size, 2, N_STATS, self.order))
        _accumulate(self._state, z, np.ascontiguousarray(weights, dtype=np.float64), self._ring,
                    self._pos - z.shape[1], iu, ju, self._alpha, bool(use))
        val = _wpli2(self._state[:, 0], self.bias_k)
        sur = _wpli2(self._state[:, 1], self.bias_k)
        if self._pos < 2 * self.n_shift:  # the surrogate's ring held zeros at first
            sur[:] = math.nan
        return val, sur


@njit(cache=True)
def _sos_complex(
    sos: np.ndarray, x: np.ndarray, rot: np.ndarray, zi: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """Direct-form-II-transposed cascade over ``x[c] * rot`` per channel, state ``zi``
    (n_sections, 2, n_channels) updated in place; returns (n_channels, n_samples) complex."""
    n_ch, m = x.shape
    out = np.empty((n_ch, m), dtype=np.complex128)
    n_sec = sos.shape[0]
    for c in range(n_ch):
        for t in range(m):
            v = x[c, t] * rot[t]
            for s in range(n_sec):
                b0, b1, b2 = sos[s, 0], sos[s, 1], sos[s, 2]
                a1, a2 = sos[s, 4], sos[s, 5]
                y = b0 * v + zi[s, 0, c]
                zi[s, 0, c] = b1 * v - a1 * y + zi[s, 1, c]
                zi[s, 1, c] = b2 * v - a2 * y
                v = y
            out[c, t] = v
    return out


@njit(cache=True)
def _advance_ring(ring: np.ndarray, z: np.ndarray, start: int) -> None:  # pragma: no cover
    """Write samples ``start ..`` of ``z`` (n_channels, m) into the ring (index modulo size)."""
    n = ring.shape[1]
    for t in range(z.shape[1]):
        p = (start + t) % n
        for c in range(z.shape[0]):
            ring[c, p] = z[c, t]


@njit(cache=True)
def _accumulate(
    state: np.ndarray, z: np.ndarray, w: np.ndarray, ring: np.ndarray, start: int,
    iu: np.ndarray, ju: np.ndarray, alpha: float, use: bool,
) -> None:  # pragma: no cover - compiled
    """Run the cascaded averages of (mass, Im X, |Im X|, (Im X)^2) over the samples of ``z``
    for every pair (measured: ``state[:, 0]``; surrogate with region ``j`` from the ring:
    ``state[:, 1]``); the ring is advanced sample by sample."""
    n_reg, n_ch = w.shape
    m = z.shape[1]
    n_ring = ring.shape[1]
    n_pairs = state.shape[0]
    order = state.shape[3]
    now = np.empty(n_reg, dtype=np.complex128)
    old = np.empty(n_reg, dtype=np.complex128)
    v = np.empty(N_STATS)
    g = 1.0 if use else 0.0
    for t in range(m):
        p = (start + t) % n_ring
        for r in range(n_reg):
            a = 0j
            b = 0j
            for c in range(n_ch):
                wc = w[r, c]
                if wc != 0.0:
                    a += wc * z[c, t]
                    b += wc * ring[c, p]
            now[r] = a
            old[r] = b
        for c in range(n_ch):
            ring[c, p] = z[c, t]
        for k in range(n_pairs):
            for kind in range(2):
                zj = now[ju[k]] if kind == 0 else old[ju[k]]
                x = now[iu[k]] * np.conj(zj)
                im = x.imag
                v[0] = g
                v[1] = g * im
                v[2] = g * abs(im)
                v[3] = g * im * im
                for s in range(N_STATS):
                    u = v[s]
                    for o in range(order):
                        y = state[k, kind, s, o]
                        y += alpha * (u - y)
                        state[k, kind, s, o] = y
                        u = y


@njit(cache=True)
def _wpli2(st: np.ndarray, bias_k: float) -> np.ndarray:  # pragma: no cover - compiled
    """Debiased squared wPLI from the last stage of each pair's (mass, S, A, q) averages."""
    n_pairs = st.shape[0]
    last = st.shape[2] - 1
    out = np.empty(n_pairs)
    for k in range(n_pairs):
        mass = st[k, 0, last]
        if mass <= 1e-12:
            out[k] = np.nan
            continue
        s = st[k, 1, last] / mass
        a = st[k, 2, last] / mass
        q = bias_k * st[k, 3, last] / mass
        out[k] = wpli2_ratio(s, a, q)
    return out
