"""Noise processes of the simulator, generated block by block with carried filter state.

- :class:`PinkBank`: an aperiodic ``1/f^beta`` background as a weighted sum of first-order
  autoregressive (Lorentzian) processes whose corner frequencies are log-spaced; the weights are
  fitted once by non-negative least squares so that the summed spectrum follows ``f^-beta``.
- :class:`ComplexOU`: narrow-band complex baseband noise (a complex AR(1) process, unit
  variance); multiplied by a carrier it becomes an oscillator with a Lorentzian spectral peak.
- :class:`BandNoise`: white noise through a causal Butterworth band-pass.
- :class:`RotatingAperiodic`: an aperiodic ``(f / f_pivot)^-beta`` process whose exponent may change
  from sample to sample while the power at the pivot frequency stays fixed (the same Lorentzian
  bank as :class:`PinkBank`, with one set of fitted gains per exponent, interpolated).
- :class:`SlowDrift`: second-order low-pass noise (corner well below 1 Hz) for electrode drift.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, signal


class PinkBank:
    """``1/f^beta`` noise, one independent process per row.

    Parameters
    ----------
    n : int
        Number of independent processes (channels).
    sfreq : float
        Sample rate, Hz.
    beta : float
        Aperiodic exponent of the power spectrum (1 = pink, 2 = brown).
    f_lo, f_hi : float
        Band (Hz) over which the spectrum follows ``f^-beta``.
    """

    def __init__(
        self, n: int, sfreq: float, beta: float = 1.5, f_lo: float = 0.3, f_hi: float = 100.0
    ) -> None:
        corners = np.geomspace(f_lo / 2.0, min(f_hi * 1.5, 0.45 * sfreq), 10)
        self.poles = np.exp(-2.0 * np.pi * corners / sfreq)
        f = np.geomspace(f_lo, min(f_hi, 0.45 * sfreq), 200)
        w = 2.0 * np.pi * f / sfreq
        psd = 1.0 / np.abs(1.0 - self.poles[None, :] * np.exp(-1j * w)[:, None]) ** 2
        target = f**-beta
        gains2, _ = optimize.nnls(psd / target[:, None], np.ones(f.size))
        self.gains = np.sqrt(gains2)
        # scale to unit variance over the fitted band: sum of AR(1) variances 1/(1-a^2)
        var = float(np.sum(gains2 / (1.0 - self.poles**2)))
        self.gains /= np.sqrt(var)
        self.zi = np.zeros((self.poles.size, n, 1))

    def step(self, white: np.ndarray) -> np.ndarray:
        """Filter ``white`` (shape (n_poles, n, n_samples), unit variance) into pink noise.

        Returns
        -------
        ndarray, shape (n, n_samples), unit variance
        """
        out = np.zeros(white.shape[1:])
        for k, a in enumerate(self.poles):
            y, self.zi[k] = signal.lfilter([1.0], [1.0, -a], white[k], axis=-1, zi=self.zi[k])
            out += self.gains[k] * y
        return out


class ComplexOU:
    """Unit-variance complex narrow-band processes (one per row), bandwidth about ``bw_hz``.

    Two identical complex AR(1) stages in cascade (pole ``exp(-2 pi bw_hz / sfreq)``): the
    spectrum of the resulting oscillator falls off as the fourth power of the distance from its
    carrier rather than the square, so a peak's skirts do not raise the 1/f floor around it
    (real alpha and theta peaks stand on the aperiodic background, they do not make it).
    """

    def __init__(self, n: int, sfreq: float, bw_hz: float = 1.0) -> None:
        a = float(np.exp(-2.0 * np.pi * bw_hz / sfreq))
        self.a = a
        # impulse response b (k + 1) a^k: its energy is b^2 (1 + a^2) / (1 - a^2)^3, so this
        # gain gives unit variance
        self.b = float(np.sqrt((1.0 - a * a) ** 3 / (1.0 + a * a)))
        self._den = np.convolve([1.0, -a], [1.0, -a])
        self.zi = np.zeros((n, 2), dtype=complex)

    def step(self, white: np.ndarray) -> np.ndarray:
        """``white``: complex, shape (n, n_samples), E|w|^2 = 1. Returns same shape."""
        y, self.zi = signal.lfilter([self.b], self._den, white, axis=-1, zi=self.zi)
        return y


class BandNoise:
    """Band-limited noise: white noise through a causal 4th-order Butterworth band-pass."""

    def __init__(self, n: int, sfreq: float, band: tuple[float, float]) -> None:
        self.sos = signal.butter(4, band, btype="bandpass", fs=sfreq, output="sos")
        self.zi = np.zeros((self.sos.shape[0], n, 2))
        # gain so that unit-variance white noise comes out with unit variance
        _, h = signal.sosfreqz(self.sos, worN=1 << 16, fs=sfreq)
        self.gain = 1.0 / np.sqrt(np.mean(np.abs(h) ** 2))

    def step(self, white: np.ndarray) -> np.ndarray:
        y, self.zi = signal.sosfilt(self.sos, white, axis=-1, zi=self.zi)
        return self.gain * y


def _bank_psd(poles: np.ndarray, orders: np.ndarray, f: np.ndarray, sfreq: float) -> np.ndarray:
    """One-sided PSD (per Hz) of all-pole filters ``1 / (1 - a z^-1)^order`` driven by
    unit-variance white noise.

    Returns
    -------
    ndarray, shape (f.size, poles.size)
    """
    w = 2.0 * np.pi * f / sfreq
    h2 = 1.0 / np.abs(1.0 - poles[None, :] * np.exp(-1j * w)[:, None]) ** 2
    return (2.0 / sfreq) * h2 ** orders[None, :]


class RotatingAperiodic:
    """Aperiodic noise with PSD ``(f / pivot_hz)^-beta`` uV^2/Hz and a time-varying ``beta``.

    Each row is a sum of independent low-pass processes with log-spaced corners, first order
    (Lorentzian, ``f^-2`` above the corner) and second order (``f^-4``, so exponents above 2 can
    be reached). For every exponent on a grid the squared gains are fitted by NNLS so that the
    summed spectrum follows ``f^-beta`` over ``f_lo..f_hi`` and equals 1 uV^2/Hz at the pivot.
    For a per-sample exponent the squared gains are interpolated linearly between grid points,
    so the spectrum rotates around the pivot: flattening (smaller ``beta``) moves power from
    below the pivot to above it. Below about ``f_lo / 2`` the spectrum bends flat (a knee).

    Parameters
    ----------
    n : int
        Number of independent processes (rows).
    sfreq : float
        Sample rate, Hz.
    pivot_hz : float
        Frequency whose power does not depend on the exponent, Hz.
    f_lo, f_hi : float
        Band (Hz) over which the spectrum follows the power law (``f_hi`` is capped at
        0.45 ``sfreq``).
    betas : (float, float)
        Range of exponents the gains are fitted for; requests outside are clipped.
    """

    def __init__(
        self, n: int, sfreq: float, pivot_hz: float = 12.0, f_lo: float = 2.0,
        f_hi: float = 100.0, betas: tuple[float, float] = (0.5, 3.5),
    ) -> None:
        f_hi = min(f_hi, 0.45 * sfreq)
        corners = np.geomspace(f_lo / 2.0, min(f_hi * 1.5, 0.45 * sfreq), 12)
        self.poles = np.concatenate([np.exp(-2.0 * np.pi * corners / sfreq)] * 2)
        self.orders = np.repeat([1, 2], corners.size)
        f = np.geomspace(f_lo, f_hi, 240)
        psd = _bank_psd(self.poles, self.orders, f, sfreq)
        at_pivot = _bank_psd(self.poles, self.orders, np.array([pivot_hz]), sfreq)[0]
        self.beta_grid = np.linspace(betas[0], betas[1], 61)
        g2 = np.zeros((self.beta_grid.size, self.poles.size))
        for i, beta in enumerate(self.beta_grid):
            design = psd / ((f / pivot_hz) ** -beta)[:, None]
            scale = np.linalg.norm(design, axis=0)  # unit columns: a well-conditioned fit
            sol, _ = optimize.nnls(design / scale, np.ones(f.size), maxiter=50 * self.poles.size)
            g2[i] = sol / scale
            g2[i] /= float(at_pivot @ g2[i])  # exactly 1 uV^2/Hz at the pivot
        self.gains2 = g2
        self._den = [np.poly(np.full(o, a)) for a, o in zip(self.poles, self.orders, strict=True)]
        self.zi = [np.zeros((n, o)) for o in self.orders]

    @property
    def n_inputs(self) -> int:
        """Number of white-noise inputs per row (first axis of :meth:`step`'s ``white``)."""
        return self.poles.size

    def step(self, white: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """Filter ``white`` (shape (n_inputs, n, n_samples), unit variance) with exponent ``beta``.

        Parameters
        ----------
        white : ndarray, shape (n_inputs, n, n_samples)
        beta : ndarray, shape (n_samples,)
            Aperiodic exponent at each sample.

        Returns
        -------
        ndarray, shape (n, n_samples), uV with 1 uV^2/Hz at the pivot
        """
        x = np.interp(beta, self.beta_grid, np.arange(self.beta_grid.size))
        i0 = np.clip(np.floor(x).astype(int), 0, self.beta_grid.size - 2)
        u = np.clip(x - i0, 0.0, 1.0)
        g = np.sqrt((1.0 - u)[:, None] * self.gains2[i0] + u[:, None] * self.gains2[i0 + 1]).T
        out = np.zeros(white.shape[1:])
        for k, den in enumerate(self._den):
            y, self.zi[k] = signal.lfilter([1.0], den, white[k], axis=-1, zi=self.zi[k])
            out += g[k][None, :] * y
        return out


class SlowDrift:
    """Electrode drift: white noise through two cascaded AR(1) low-passes at ``corner_hz``.

    The spectrum is flat below the corner and falls as ``f^-4`` above it, so almost nothing
    reaches the pipeline's 1 Hz high-pass band. Output has unit variance.
    """

    def __init__(self, n: int, sfreq: float, corner_hz: float = 0.1) -> None:
        self.a = float(np.exp(-2.0 * np.pi * corner_hz / sfreq))
        # variance of two cascaded unit-gain-input AR(1) stages with the same pole
        var = (1.0 + self.a**2) / (1.0 - self.a**2) ** 3
        self.gain = 1.0 / np.sqrt(var)
        self.zi = np.zeros((2, n, 1))

    def step(self, white: np.ndarray) -> np.ndarray:
        """``white``: shape (n, n_samples), unit variance. Returns the same shape, unit variance."""
        y, self.zi[0] = signal.lfilter([1.0], [1.0, -self.a], white, axis=-1, zi=self.zi[0])
        y, self.zi[1] = signal.lfilter([1.0], [1.0, -self.a], y, axis=-1, zi=self.zi[1])
        return self.gain * y
