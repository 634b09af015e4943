"""Drowsiness, 0 (alert) .. 1 (asleep), from the spectrum of any number of channels.

Sleep physiology (AASM scoring manual, Berry et al. 2017; Santamaria and Chiappa 1987, "The
EEG of drowsiness") describes falling asleep as alpha dropping out and 4-7 Hz theta taking its
place (stage N1), then sleep spindles, K-complexes and growing delta (N2), then high-amplitude
0.5-2 Hz waves (N3). Two spectral consequences of that sequence are measured per channel in
every window, both independent of the amplifier's gain and of the montage's overall level:

- **slowing**: ``log10((delta + theta) / (alpha + beta))`` band power (1-8 Hz over 8-30 Hz).
  Alpha dropping out and theta, vertex waves, K-complexes and delta growing all raise it.
- **steepening**: the aperiodic exponent of the 2-35 Hz spectrum (:mod:`.aperiodic`), which
  grows from wakefulness to deep sleep (Lendner et al. 2020; Miskovic et al. 2019).

Each is mapped through a logistic whose midpoint lies between the values of relaxed
wakefulness and light sleep: wakefulness measured on the real recordings in the project's
validation set (median over clean channels; eyes open and closed, 64-, 19-, 8- and 1-channel
headsets) gives exponents 0.4-1.5 (10th-90th percentiles 0.0-1.8) and slowing -0.5 to +0.3
(90th percentile at most 0.75); sleep stage N2 spectra, dominated by 1-4 Hz activity, give
slowing near 1 and exponents of 2.5 and above. The window value is the mean of the two terms
over the median channel, so one channel is enough (a sleep lab's C3-A1, a one-electrode
headset). A causal moving average over ``smooth_s`` (default 5 s) follows: sleep stages are
scored over 30-s epochs, and a single 2-s window is noisy.

Not used: spindles (intermittent, and at 1-Hz resolution their 11-16 Hz band overlaps the
alpha and mu rhythms of wakefulness) and slow rolling eye movements (below the 1-Hz high-pass,
where electrode drift also lives).
"""

from __future__ import annotations

import math

import numpy as np

from .features import BANDS

#: Logistic midpoint and width of the slowing term (log10 of a power ratio).
SLOWING_MID, SLOWING_WIDTH = 0.6, 0.15
#: Logistic midpoint and width of the steepening term (aperiodic exponent, 2-35 Hz).
EXPONENT_MID, EXPONENT_WIDTH = 2.0, 0.2

_BAND_INDEX = {name: i for i, name in enumerate(BANDS)}


def slowing(band_db: np.ndarray) -> np.ndarray:
    """``log10((delta + theta) / (alpha + beta))`` from band powers.

    Parameters
    ----------
    band_db : ndarray, shape (..., n_bands)
        Band powers in dB, :data:`~.features.BANDS` order.

    Returns
    -------
    ndarray, shape (...,)
    """
    lin = 10.0 ** (np.asarray(band_db, dtype=float) / 10.0)
    b = _BAND_INDEX
    num = lin[..., b["delta"]] + lin[..., b["theta"]]
    den = lin[..., b["alpha"]] + lin[..., b["beta"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(num / den)


def window_drowsiness(exponent: np.ndarray, slow: np.ndarray) -> np.ndarray:
    """Per-window drowsiness from the median channel's exponent and slowing.

    Parameters
    ----------
    exponent, slow : ndarray, shape (n_frames,)
        Median over the channels in use of the aperiodic exponent and of :func:`slowing`.

    Returns
    -------
    ndarray, shape (n_frames,)
        0..1; the term that is NaN is left out, NaN when both are.
    """
    # arguments clipped so that exp() never overflows (the logistic is 0 or 1 there anyway)
    za = np.clip((np.asarray(exponent, dtype=float) - EXPONENT_MID) / EXPONENT_WIDTH, -50, 50)
    zb = np.clip((np.asarray(slow, dtype=float) - SLOWING_MID) / SLOWING_WIDTH, -50, 50)
    a = 1.0 / (1.0 + np.exp(-za))
    b = 1.0 / (1.0 + np.exp(-zb))
    fa, fb = np.isfinite(a), np.isfinite(b)
    total = np.where(fa, a, 0.0) + np.where(fb, b, 0.0)
    n = fa.astype(float) + fb
    return np.where(n > 0, total / np.maximum(n, 1.0), math.nan)


class DrowsinessSmoother:
    """Causal exponential moving average of the window drowsiness.

    Parameters
    ----------
    smooth_s : float
        Time constant, seconds (0: no smoothing).
    hop_s : float
        Nominal time between frames, seconds.

    Notes
    -----
    Artifact frames and NaN values leave the average unchanged (the last value is reported).
    """

    def __init__(self, smooth_s: float, hop_s: float) -> None:
        self.alpha = 1.0 if smooth_s <= 0 else 1.0 - math.exp(-hop_s / smooth_s)
        self.value = math.nan

    def update(self, value: float, artifact: bool) -> float:
        """Fold in one frame's window drowsiness; return the smoothed value."""
        if artifact or not math.isfinite(value):
            return self.value
        if not math.isfinite(self.value):
            self.value = value
        else:
            self.value += self.alpha * (value - self.value)
        return self.value
