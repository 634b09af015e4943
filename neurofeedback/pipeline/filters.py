"""Causal IIR filters designed with MNE and applied with carried state, plus mains detection.

Every filter here is *causal*: the output at sample ``n`` depends only on samples ``<= n``.
Filters are designed once with :func:`mne.filter.construct_iir_filter` (second-order sections)
and applied with :func:`scipy.signal.sosfilt`, carrying the state ``zi`` from one call to the
next, so filtering a signal in pieces gives exactly the same numbers as filtering it whole.
"""

from __future__ import annotations

import logging

import mne
import numpy as np
from scipy.signal import sosfilt, sosfilt_zi

log = logging.getLogger(__name__)


def design_sos(
    sfreq: float, btype: str, f_pass: float | list[float], order: int
) -> np.ndarray:
    """Design a causal Butterworth filter with MNE.

    Parameters
    ----------
    sfreq : float
        Sample rate, Hz.
    btype : str
        ``"highpass"``, ``"lowpass"``, ``"bandpass"`` or ``"bandstop"``.
    f_pass : float or list of float
        Edge frequency (or the pair of edges), Hz.
    order : int
        Butterworth order (band filters get twice as many poles).

    Returns
    -------
    sos : ndarray, shape (n_sections, 6)
    """
    params = mne.filter.construct_iir_filter(
        dict(order=order, ftype="butter", output="sos"),
        f_pass=f_pass,
        sfreq=sfreq,
        btype=btype,
        phase="forward",
        verbose=False,
    )
    return np.asarray(params["sos"], dtype=float)


class CausalFilter:
    """A cascade of SOS sections applied causally to multichannel data, state carried.

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6)
    n_channels : int

    Notes
    -----
    The state is initialised on the first call to the steady state for that call's first
    sample (as if the signal had been constant before it), so a large DC offset does not
    produce a start-up transient. This depends only on the first sample, so it is the same
    however the data are chunked.
    """

    def __init__(self, sos: np.ndarray, n_channels: int) -> None:
        self.sos = np.ascontiguousarray(sos, dtype=float)
        self.n_channels = int(n_channels)
        self._zi: np.ndarray | None = None

    def process(self, x: np.ndarray) -> np.ndarray:
        """Filter the next piece of the signal.

        Parameters
        ----------
        x : ndarray, shape (n_channels, n_samples)

        Returns
        -------
        y : ndarray, shape (n_channels, n_samples)
        """
        if x.shape[1] == 0:
            return np.array(x, dtype=float)
        if self._zi is None:
            base = sosfilt_zi(self.sos)  # (n_sections, 2)
            self._zi = base[:, None, :] * x[:, 0][None, :, None]
        y, self._zi = sosfilt(self.sos, x, axis=1, zi=self._zi)
        return y


class FilterChain:
    """Preprocessing: high-pass, optional mains notch, low-pass; all causal, one cascade.

    Parameters
    ----------
    sfreq : float
        Sample rate, Hz.
    n_channels : int
    highpass_hz, lowpass_hz : float
        Band edges, Hz. The low-pass is skipped when it is at or above 0.95 x Nyquist.
    notch_hz : float or None
        Mains frequency to remove with a 4-Hz-wide band-stop; skipped above Nyquist.
    order : int
        Butterworth order of the high-pass and low-pass.
    """

    def __init__(
        self,
        sfreq: float,
        n_channels: int,
        highpass_hz: float,
        lowpass_hz: float,
        notch_hz: float | None,
        order: int = 4,
    ) -> None:
        nyq = sfreq / 2.0
        sections = [design_sos(sfreq, "highpass", highpass_hz, order)]
        self.notched = notch_hz is not None and notch_hz + 2.0 < nyq
        if self.notched:
            sections.append(design_sos(sfreq, "bandstop", [notch_hz - 2.0, notch_hz + 2.0], 2))
        if lowpass_hz < 0.95 * nyq:
            sections.append(design_sos(sfreq, "lowpass", lowpass_hz, order))
        self.notch_hz = notch_hz
        self.filter = CausalFilter(np.vstack(sections), n_channels)

    def process(self, x: np.ndarray) -> np.ndarray:
        """Filter the next piece, shape (n_channels, n_samples) -> same shape."""
        return self.filter.process(x)


def detect_mains(data: np.ndarray, sfreq: float) -> float | None:
    """Guess the mains frequency (50 or 60 Hz) from a stretch of raw data.

    Compares the power within ±0.5 Hz of 50 and of 60 Hz, each relative to the median power
    of its neighbourhood (±6 Hz excluding ±1.5 Hz), summed over channels.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Raw signal, uV (a couple of seconds is enough).
    sfreq : float
        Sample rate, Hz.

    Returns
    -------
    float or None
        50.0 or 60.0 when one of them stands out (peak > 10 x neighbourhood), else None.
    """
    n = data.shape[1]
    if n < int(sfreq):
        return None
    x = data - data.mean(axis=1, keepdims=True)
    t = np.arange(n)
    # remove a linear trend: big DC drifts would otherwise leak everywhere
    slope = (x * (t - t.mean())).sum(axis=1) / ((t - t.mean()) ** 2).sum()
    x = x - slope[:, None] * (t - t.mean())
    spec = np.abs(np.fft.rfft(x * np.hanning(n), axis=1)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / sfreq)
    best, best_ratio = None, 10.0
    for f0 in (50.0, 60.0):
        if f0 + 6.0 >= sfreq / 2.0:
            continue
        peak = spec[:, np.abs(freqs - f0) <= 0.5].max(axis=1)
        near = (np.abs(freqs - f0) <= 6.0) & (np.abs(freqs - f0) > 1.5)
        ref = np.median(spec[:, near], axis=1) + 1e-12
        ratio = float(np.median(peak / ref))
        log.debug("mains %g Hz: peak/neighbourhood %.1f", f0, ratio)
        if ratio > best_ratio:
            best, best_ratio = f0, ratio
    return best
