"""Artifacts of the ``artifacts`` scenario: blinks, EMG bursts and a railed channel.

Events are drawn per 30-s block from a random generator seeded by ``(seed, block)``, so the same
seed gives the same events however the samples are requested. Each event is rendered from its own
parameters, so a block of samples can be built without the samples before it.

- Blink: a ``sin^2`` deflection of 250-400 ms and 100-200 uV at Fp1/Fp2, falling off with
  distance from the nearest Fp electrode (length constant 3 cm).
- EMG burst: 20-100 Hz band-limited noise of 25-50 uV RMS for 0.6-2 s with 50-ms ramps, full
  strength on lateral (temporal: F7/F8, T7/T8, FT, TP, P7/P8) channels and 40 % elsewhere.
- Railed channel: one channel stuck at +187500 uV (the Cyton's rail) for 30 % of the time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from .events import EVENT_BLOCK_S, BlockEvents
from .montages import positions

RAIL_UV = 187500.0
BLINK_RATE_HZ = 1.0 / 7.0
EMG_RATE_HZ = 1.0 / 25.0
#: No artifacts in the first seconds (lets filters settle).
FIRST_EVENT_S = 5.0
_LATERAL = ("F7", "F8", "FT7", "FT8", "T7", "T8", "TP7", "TP8", "P7", "P8", "FT9", "FT10")


@dataclass(frozen=True)
class Event:
    """One artifact: ``kind`` ``blink`` or ``emg``, start sample, length in samples, amplitude
    (peak uV for blinks, RMS uV for EMG) and a seed for its noise."""

    kind: str
    start: int
    length: int
    amplitude: float
    seed: int


class ArtifactModel(BlockEvents):
    """Renders artifacts into sample blocks.

    Parameters
    ----------
    ch_names : tuple of str
    sfreq : float
    seed : int
    duration_s : float or None
        Fixed duration (the railed interval is 50-80 % of it) or None (railed 150-240 s of
        every 300 s).
    """

    def __init__(
        self, ch_names: tuple[str, ...], sfreq: float, seed: int, duration_s: float | None
    ) -> None:
        super().__init__(sfreq, seed, 7919)
        pos = positions(ch_names)
        fp = positions(("Fp1", "Fp2"))
        d_eye = np.min(np.linalg.norm(pos[:, None] - fp[None], axis=2), axis=1)
        self.blink_w = np.exp(-d_eye / 0.03)
        self.emg_w = np.array([1.0 if n in _LATERAL else 0.4 for n in ch_names])
        names = [n.upper() for n in ch_names]
        self.rail_ch = names.index("P4") if "P4" in names else len(names) // 2
        if duration_s is None:
            self.rail_period, self.rail_on = 300.0, (150.0, 240.0)
        else:
            self.rail_period, self.rail_on = None, (0.5 * duration_s, 0.8 * duration_s)
        self._sos = signal.butter(4, (20.0, min(100.0, 0.45 * sfreq)), "bandpass", fs=sfreq,
                                  output="sos")

    def _draw(self, rng: np.random.Generator, t0: float) -> list[Event]:
        out = []
        for kind, rate in (("blink", BLINK_RATE_HZ), ("emg", EMG_RATE_HZ)):
            n = rng.poisson(rate * EVENT_BLOCK_S)
            starts = np.sort(rng.uniform(t0, t0 + EVENT_BLOCK_S, n))
            for k, s in enumerate(starts):
                if s < FIRST_EVENT_S:
                    continue
                if kind == "blink":
                    dur, amp = rng.uniform(0.25, 0.4), rng.uniform(100.0, 200.0)
                else:
                    dur, amp = rng.uniform(0.6, 2.0), rng.uniform(25.0, 50.0)
                out.append(Event(kind, int(round(s * self.sfreq)), int(round(dur * self.sfreq)),
                                 float(amp), int(rng.integers(2**31)) + k))
        return out

    def _waveform(self, ev: Event) -> np.ndarray:
        n = np.arange(ev.length)
        if ev.kind == "blink":
            return ev.amplitude * np.sin(np.pi * (n + 0.5) / ev.length) ** 2
        rng = np.random.default_rng([self.seed, 104729, ev.seed])
        pad = int(self.sfreq)
        noise = signal.sosfiltfilt(self._sos, rng.standard_normal(ev.length + 2 * pad))[pad:-pad]
        noise *= ev.amplitude / max(noise.std(), 1e-12)
        ramp = max(1, int(0.05 * self.sfreq))
        env = np.ones(ev.length)
        env[:ramp] = np.linspace(0.0, 1.0, ramp)
        env[-ramp:] = np.minimum(env[-ramp:], np.linspace(1.0, 0.0, ramp))
        return noise * env

    def render(self, n0: int, n1: int) -> tuple[np.ndarray, np.ndarray]:
        """Artifact signal (added to the EEG) for samples ``n0 <= n < n1``.

        Returns
        -------
        add : ndarray, shape (n_channels, n1 - n0), uV
        present : ndarray of bool, shape (n1 - n0,)
            True where a blink or EMG burst is present.
        """
        add = np.zeros((self.blink_w.size, n1 - n0))
        present = np.zeros(n1 - n0, bool)
        for ev in self.events_near(n0, n1):
            w = self._waveform(ev)
            a, b = max(ev.start, n0), min(ev.start + ev.length, n1)
            seg = w[a - ev.start:b - ev.start]
            weights = self.blink_w if ev.kind == "blink" else self.emg_w
            add[:, a - n0:b - n0] += weights[:, None] * seg[None, :]
            present[a - n0:b - n0] = True
        return add, present

    def railed(self, n0: int, n1: int) -> np.ndarray:
        """True for samples ``n0 <= n < n1`` where :attr:`rail_ch` is railed."""
        t = np.arange(n0, n1) / self.sfreq
        if self.rail_period is not None:
            t = np.mod(t, self.rail_period)
        return (t >= self.rail_on[0]) & (t < self.rail_on[1])
