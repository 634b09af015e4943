"""Causal IIR filters designed with MNE and applied with carried state, plus mains detection.

Every filter here is *causal*: the output at sample ``n`` depends only on samples ``<= n``.
Filters are designed once with :func:`mne.filter.construct_iir_filter` (second-order sections)
and applied with the arithmetic of :func:`scipy.signal.sosfilt` (a compiled kernel here, which
gives the same numbers bit for bit without SciPy's per-call overhead: a live push filters only
25 samples), carrying the state ``zi`` from one call to the next, so filtering a signal in
pieces gives exactly the same numbers as filtering it whole.
"""

from __future__ import annotations

import logging

import mne
import numpy as np
from numba import njit
from scipy.signal import sosfilt_zi

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


@njit(cache=True, nogil=True)
def _section_row(x: np.ndarray, c: int, sec: np.ndarray, z: np.ndarray) -> None:  # pragma: no cover
    """One second-order section over row ``c`` of ``x`` in place (state ``z``, shape (2,))."""
    b0, b1, b2, a1, a2 = sec[0], sec[1], sec[2], sec[4], sec[5]
    z0, z1 = z[0], z[1]
    for t in range(x.shape[1]):
        cur = x[c, t]
        new = b0 * cur + z0
        z0 = b1 * cur - a1 * new + z1
        z1 = b2 * cur - a2 * new
        x[c, t] = new
    z[0], z[1] = z0, z1


@njit(cache=True, nogil=True)
def _section_rows4(x: np.ndarray, c: int, sec: np.ndarray, zs: np.ndarray) -> None:  # pragma: no cover
    """:func:`_section_row` of rows ``c .. c + 3`` side by side (states ``zs[c:c + 4]``).

    Four independent recurrences in local variables overlap in the CPU; each row's own
    operations are exactly those of :func:`_section_row`.
    """
    b0, b1, b2, a1, a2 = sec[0], sec[1], sec[2], sec[4], sec[5]
    p0, p1 = zs[c, 0], zs[c, 1]
    q0, q1 = zs[c + 1, 0], zs[c + 1, 1]
    r0, r1 = zs[c + 2, 0], zs[c + 2, 1]
    s0, s1 = zs[c + 3, 0], zs[c + 3, 1]
    for t in range(x.shape[1]):
        xa = x[c, t]
        xb = x[c + 1, t]
        xc = x[c + 2, t]
        xd = x[c + 3, t]
        ya = b0 * xa + p0
        yb = b0 * xb + q0
        yc = b0 * xc + r0
        yd = b0 * xd + s0
        p0 = b1 * xa - a1 * ya + p1
        q0 = b1 * xb - a1 * yb + q1
        r0 = b1 * xc - a1 * yc + r1
        s0 = b1 * xd - a1 * yd + s1
        p1 = b2 * xa - a2 * ya
        q1 = b2 * xb - a2 * yb
        r1 = b2 * xc - a2 * yc
        s1 = b2 * xd - a2 * yd
        x[c, t] = ya
        x[c + 1, t] = yb
        x[c + 2, t] = yc
        x[c + 3, t] = yd
    zs[c, 0], zs[c, 1] = p0, p1
    zs[c + 1, 0], zs[c + 1, 1] = q0, q1
    zs[c + 2, 0], zs[c + 2, 1] = r0, r1
    zs[c + 3, 0], zs[c + 3, 1] = s0, s1


@njit(cache=True, nogil=True)
def sosfilt_inplace(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> None:  # pragma: no cover
    """Filter each row of ``x`` in place through the sections ``sos``, updating ``zi``.

    Direct form II transposed with exactly the operations (and their order) of SciPy's
    ``sosfilt``, so the output equals ``scipy.signal.sosfilt`` bit for bit. A section's
    output at a sample depends only on its input up to that sample, so the cascade is run
    section by section over the whole piece (the same numbers as sample by sample), with
    four channels side by side and the state in registers.

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6)
        Second-order sections ``b0, b1, b2, a0 (= 1), a1, a2``.
    x : ndarray, shape (n_channels, n_samples), C-contiguous
        Signal; replaced by the filtered signal.
    zi : ndarray, shape (n_sections, n_channels, 2), C-contiguous
        Filter state (``scipy.signal.sosfilt``'s ``zi`` layout with ``axis=1``); updated.
    """
    n_ch = x.shape[0]
    n4 = n_ch - n_ch % 4
    for s in range(sos.shape[0]):
        for c in range(0, n4, 4):
            _section_rows4(x, c, sos[s], zi[s])
        for c in range(n4, n_ch):
            _section_row(x, c, sos[s], zi[s, c])


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
            self._zi = np.ascontiguousarray(base[:, None, :] * x[:, 0][None, :, None])
        y = np.array(x, dtype=float, order="C")  # filtered in place
        sosfilt_inplace(self.sos, y, self._zi)
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
    live = np.ptp(data, axis=1) > 0
    if rail_uv is not None:
        live &= (np.abs(data) >= 0.99 * rail_uv).mean(axis=1) < 0.01
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
