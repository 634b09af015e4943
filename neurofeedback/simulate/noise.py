"""Noise processes of the simulator, generated block by block with carried filter state.

- :class:`PinkBank`: an aperiodic ``1/f^beta`` background as a weighted sum of first-order
  autoregressive (Lorentzian) processes whose corner frequencies are log-spaced; the weights are
  fitted once by non-negative least squares so that the summed spectrum follows ``f^-beta``.
- :class:`ComplexOU`: narrow-band complex baseband noise (a complex AR(1) process, unit
  variance); multiplied by a carrier it becomes an oscillator with a Lorentzian spectral peak.
- :class:`BandNoise`: white noise through a causal Butterworth band-pass.
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
    """Unit-variance complex AR(1) processes (one per row) with bandwidth ``bw_hz``."""

    def __init__(self, n: int, sfreq: float, bw_hz: float = 1.0) -> None:
        self.a = float(np.exp(-2.0 * np.pi * bw_hz / sfreq))
        self.b = float(np.sqrt(1.0 - self.a**2))
        self.zi = np.zeros((n, 1), dtype=complex)

    def step(self, white: np.ndarray) -> np.ndarray:
        """``white``: complex, shape (n, n_samples), E|w|^2 = 1. Returns same shape."""
        y, self.zi = signal.lfilter([self.b], [1.0, -self.a], white, axis=-1, zi=self.zi)
        return y


class BandNoise:
    """Band-limited noise: white noise through a causal 4th-order Butterworth band-pass."""

    def __init__(self, n: int, sfreq: float, band: tuple[float, float]) -> None:
        self.sos = signal.butter(4, band, btype="bandpass", fs=sfreq, output="sos")
        self.zi = np.zeros((self.sos.shape[0], n, 2))
        # gain so that unit-variance white noise comes out with unit variance
        _, h = signal.sosfreqz(self.sos, worN=4096, fs=sfreq)
        self.gain = 1.0 / np.sqrt(np.mean(np.abs(h) ** 2))

    def step(self, white: np.ndarray) -> np.ndarray:
        y, self.zi = signal.sosfilt(self.sos, white, axis=-1, zi=self.zi)
        return self.gain * y
