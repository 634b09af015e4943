"""Causal IIR filters designed with MNE and applied with carried state, plus mains detection.

Every filter here is *causal*: the output at sample ``n`` depends only on samples ``<= n``.
Filters are designed once with :func:`mne.filter.construct_iir_filter` (second-order sections)
and applied with the arithmetic of :func:`scipy.signal.sosfilt`, carrying the state from one
call to the next, so filtering a signal in pieces gives exactly the same numbers as filtering
it whole.

One compiled routine does the filtering everywhere: :func:`sos_step_cols` moves every channel
one time step through the cascade (callable from inside other numba kernels), and
:func:`sosfilt_cols` runs it over a (time, channel) block. Both give SciPy's numbers bit for
bit without its per-call overhead (a live push filters only 25 samples).
"""

from __future__ import annotations

import logging
import math

import mne
import numpy as np
from numba import njit
from scipy.signal import sosfilt_zi

log = logging.getLogger(__name__)


def slowest_decay_s(sos: np.ndarray, sfreq: float) -> float:
    """Time constant of a digital filter's slowest-decaying pole, s.

    A pole ``p`` decays as ``|p|**n`` per sample, i.e. as ``exp(-t / tau)`` with
    ``tau = -1 / (sfreq ln|p|)``; the pole nearest the unit circle sets how long the filter rings
    on after an input has ended. For a Butterworth high-pass of order ``N`` at ``fc`` that is
    about ``1 / (2 pi fc sin(pi / 2N))`` (0.42 s for 1 Hz, order 4).

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6)
        Second-order sections (stable: every pole inside the unit circle).
    sfreq : float
        Sample rate, Hz.
    """
    radius = max(float(np.abs(np.roots(section[3:])).max(initial=0.0)) for section in sos)
    if not 0.0 < radius < 1.0:
        return 0.0 if radius == 0.0 else math.inf
    return -1.0 / (sfreq * math.log(radius))


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


@njit(cache=True, nogil=True)
def sos_step_cols(sos: np.ndarray, z: np.ndarray, cur: np.ndarray) -> None:  # pragma: no cover
    """One time step of every channel through the cascade ``sos``, in place.

    Direct form II transposed with exactly the operations, in the order, of
    :func:`scipy.signal.sosfilt`: for each section ``y = b0 x + z0``,
    ``z0 = b1 x - a1 y + z1``, ``z1 = b2 x - a2 y``. The sections run one after the other on
    the sample; the channels of a section are independent, so that loop runs vectorised
    across channels. Callable from other compiled kernels (no allocation).

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6)
        Second-order sections ``b0, b1, b2, a0 (= 1), a1, a2``.
    z : ndarray, shape (n_sections, 2, n_channels), C-contiguous
        Filter state of every section and channel; updated.
    cur : ndarray, shape (n_channels,)
        This time step's input sample of every channel; replaced by the output.
    """
    n_ch = cur.shape[0]
    for s in range(sos.shape[0]):
        b0, b1, b2, a1, a2 = sos[s, 0], sos[s, 1], sos[s, 2], sos[s, 4], sos[s, 5]
        z0 = z[s, 0]
        z1 = z[s, 1]
        for c in range(n_ch):
            xi = cur[c]
            y = b0 * xi + z0[c]
            z0[c] = b1 * xi - a1 * y + z1[c]
            z1[c] = b2 * xi - a2 * y
            cur[c] = y


@njit(cache=True, nogil=True)
def sosfilt_cols(sos: np.ndarray, x_t: np.ndarray, z: np.ndarray) -> None:  # pragma: no cover
    """Filter a (time, channel) block in place, one :func:`sos_step_cols` per time step.

    The output equals ``scipy.signal.sosfilt(sos, x_t, axis=0, zi=...)`` bit for bit, and
    filtering a signal in pieces with ``z`` carried gives the same numbers as filtering it
    whole.

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6)
        Second-order sections ``b0, b1, b2, a0 (= 1), a1, a2``.
    x_t : ndarray, shape (n_samples, n_channels), C-contiguous
        Signal, time along the first axis; replaced by the filtered signal.
    z : ndarray, shape (n_sections, 2, n_channels), C-contiguous
        Filter state: the layout of ``scipy.signal.sosfilt``'s ``zi`` for ``axis=0``;
        updated.
    """
    for t in range(x_t.shape[0]):
        sos_step_cols(sos, z, x_t[t])


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
    however the data are chunked. Each piece is filtered by :func:`sosfilt_cols` on a
    (time, channel) copy, so the output equals :func:`scipy.signal.sosfilt` bit for bit.
    """

    def __init__(self, sos: np.ndarray, n_channels: int) -> None:
        sos = np.ascontiguousarray(sos, dtype=float)
        if sos.ndim != 2 or sos.shape[1] != 6 or sos.shape[0] == 0:
            raise ValueError(
                f"sos must have shape (n_sections >= 1, 6); got shape {sos.shape}"
            )
        if int(n_channels) < 1:
            raise ValueError(f"n_channels must be >= 1; got {n_channels}")
        self.sos = sos
        self.n_channels = int(n_channels)
        self._z: np.ndarray | None = None  # (n_sections, 2, n_channels)

    def process(self, x: np.ndarray) -> np.ndarray:
        """Filter the next piece of the signal.

        Parameters
        ----------
        x : ndarray, shape (n_channels, n_samples)

        Returns
        -------
        y : ndarray, shape (n_channels, n_samples), C-contiguous
        """
        if x.ndim != 2 or x.shape[0] != self.n_channels:
            raise ValueError(
                f"x must have shape ({self.n_channels}, n_samples); got shape {x.shape}"
            )
        if x.shape[1] == 0:
            return np.array(x, dtype=float)
        if self._z is None:
            base = sosfilt_zi(self.sos)  # (n_sections, 2), unit-step steady state
            self._z = np.ascontiguousarray(base[:, :, None] * x[:, 0][None, None, :])
        x_t = np.array(x.T, dtype=float, order="C", copy=True)  # (time, channel), filtered in place
        sosfilt_cols(self.sos, x_t, self._z)
        return np.ascontiguousarray(x_t.T)


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
        #: time constant of the high-pass's ring-down (its slowest pole), s
        self.ringdown_tau_s = slowest_decay_s(sections[0], sfreq)

    def process(self, x: np.ndarray) -> np.ndarray:
        """Filter the next piece, shape (n_channels, n_samples) -> same shape."""
        return self.filter.process(x)


def unsaturated_channels(data: np.ndarray, rail_uv: float | None) -> np.ndarray:
    """Channels that carry a signal in a stretch of raw data: not constant, and under 1 % of
    the samples within 1 % of the rail (the rule of the per-window ``railed`` check).

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Raw samples, uV.
    rail_uv : float or None
        Amplifier saturation level, uV (None: only constant channels are dead).

    Returns
    -------
    ndarray of bool, shape (n_channels,)
    """
    live = np.ptp(data, axis=1) > 0
    if rail_uv is not None:
        live &= (np.abs(data) >= 0.99 * rail_uv).mean(axis=1) < 0.01
    return live


def detect_mains(
    data: np.ndarray, sfreq: float, rail_uv: float | None = None
) -> float | None:
    """Guess the mains frequency (50 or 60 Hz) from a stretch of raw data.

    Compares the power within ±0.5 Hz of 50 and of 60 Hz, each relative to the median power
    of its neighbourhood (±6 Hz excluding ±1.5 Hz), median over the *live* channels: channels
    that are constant or have 1 % or more of their samples at the amplifier's rail carry no
    mains and are left out, so mains is found when most channels are railed, on a single live
    channel, and under any DC offset inside the rails (the mean and linear trend are removed).

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Raw signal, uV (a couple of seconds is enough).
    sfreq : float
        Sample rate, Hz.
    rail_uv : float or None
        Amplifier saturation level, uV (None: only constant channels are left out).

    Returns
    -------
    float or None
        50.0 or 60.0 when one of them stands out (peak > 10 x neighbourhood), else None.
    """
    n = data.shape[1]
    if n < int(sfreq):
        return None
    live = unsaturated_channels(data, rail_uv)
    if not live.any():
        return None
    data = data[live]
    x = data - data.mean(axis=1, keepdims=True)
    t = np.arange(n)
    # remove a linear trend: big DC drifts would otherwise leak everywhere
    slope = (x * (t - t.mean())).sum(axis=1) / ((t - t.mean()) ** 2).sum()
    x = x - slope[:, None] * (t - t.mean())
    spec = np.abs(np.fft.rfft(x * np.hanning(n), axis=1)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / sfreq)
    best, best_ratio = None, 10.0
    nyq = sfreq / 2.0
    for f0 in (50.0, 60.0):
        # the neighbourhood is cut at Nyquist: 60 Hz mains at 125 Hz (Cyton+Daisy) or 128 Hz
        near = (np.abs(freqs - f0) <= 6.0) & (np.abs(freqs - f0) > 1.5) & (freqs < nyq - 0.5)
        if f0 + 1.0 >= nyq or near.sum() < 3:
            continue
        peak = spec[:, np.abs(freqs - f0) <= 0.5].max(axis=1)
        ref = np.median(spec[:, near], axis=1) + 1e-12
        ratio = float(np.median(peak / ref))
        log.debug("mains %g Hz: peak/neighbourhood %.1f", f0, ratio)
        if ratio > best_ratio:
            best, best_ratio = f0, ratio
    return best
