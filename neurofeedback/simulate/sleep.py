"""Drowsiness and sleep graphoelements of the simulator, driven by the ``drowsiness`` truth.

Physiology (AASM scoring manual; Santamaria & Chiappa 1987), as a function of drowsiness ``d``
(0 relaxed wake with eyes closed .. 1 deep sleep); every term scales smoothly with ``d`` through
:func:`ramp` (a smoothstep between two values of ``d``):

- Alpha drop-out: the alpha oscillators' amplitude is multiplied by :func:`alpha_factor`, 1 at
  ``d = 0`` falling to 0.2 at ``d >= 0.5`` (alpha at about 20 % of its waking amplitude in N1).
- Drowsy theta: an independent 5 Hz oscillator per region (2 Hz wide), up to
  :data:`DROWSY_THETA_UV` RMS on the frontal and central sources (half elsewhere), rising over
  ``d`` = 0.1..0.6.
- Slow rolling eye movements: 0.2-0.6 Hz horizontal eye position, peaking in N1 (``d`` 0.15..0.45
  rising, fading over 0.6..0.9), about 100 uV peak to peak at F7/F8 with opposite polarity, smaller
  at Fp1/Fp2 (:func:`eye_weights`).
- Vertex sharp waves: 60-100 uV negative transients of 0.2-0.35 s centred on Cz, up to one per 8 s
  in N1 (``d`` 0.2..0.4 rising, fading over 0.7..0.9).
- Sleep spindles: 12-14 Hz, 0.5-1.5 s, 20-40 uV peak, waxing and waning (Hann envelope), centred
  on Cz/C3/C4, up to one per 10 s in N2 (``d`` 0.45..0.7 rising, 60 % fewer at ``d`` = 1).
- K-complexes: a sharp negative wave then a slower positive one (0.6-1.0 s in all), 100-200 uV
  peak to peak, fronto-central (centred at FCz), up to one per 40 s (``d`` 0.5..0.75 rising).
- Delta: 0.5-2 Hz waves (a 1.1 Hz carrier, 0.5 Hz wide), mostly shared across regions and
  strongest frontally, rising over ``d`` = 0.5..1 to :data:`DELTA_UV` RMS at the sources, which
  gives waves of 75 uV and more over well above 20 % of the time at frontal and central sites.
- The aperiodic exponent steepens by up to :data:`SLEEP_STEEPENING` over ``d`` = 0.3..1 (scalp values after Schneider et al. 2022: wake about 1.5, N2 about 2.3, N3 about 2.8).

Events (spindles, K-complexes, vertex waves) are drawn per 30-s block from a generator seeded by
``(seed, block)`` as a Poisson process at the largest rate, each candidate kept with probability
rate(d(t)) / largest rate, so the same seed gives the same events however samples are requested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .events import EVENT_BLOCK_S, BlockEvents
from .montages import positions
from .scenarios import Schedule

#: RMS (uV) of each region's drowsy theta at full strength (frontal/central; half elsewhere).
DROWSY_THETA_UV = 12.0
DROWSY_THETA_HZ = 5.0
#: RMS (uV) of the slow eye movements' horizontal component at F7/F8 at full strength.
SEM_UV = 35.0
SEM_BAND = (0.2, 0.6)
#: RMS (uV) of the delta sources at drowsiness 1.
DELTA_UV = 45.0
DELTA_HZ = 1.1
#: Largest steepening of the aperiodic exponent (at drowsiness 1).
SLEEP_STEEPENING = 1.6
#: Sites the graphoelements are centred on.
VERTEX_SITE, SPINDLE_SITES, KCOMPLEX_SITE = "Cz", ("C3", "Cz", "C4"), "FCz"


def ramp(d: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Smoothstep of ``d`` from 0 at ``lo`` to 1 at ``hi`` (shape of ``d``)."""
    x = np.clip((np.asarray(d, float) - lo) / (hi - lo), 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def alpha_factor(d: np.ndarray) -> np.ndarray:
    """Alpha amplitude relative to wake: 1 at ``d = 0``, 0.2 from ``d = 0.5`` on."""
    return 1.0 - 0.8 * ramp(d, 0.0, 0.5)


def drowsy_theta_level(d: np.ndarray) -> np.ndarray:
    """Share (0..1) of :data:`DROWSY_THETA_UV` at drowsiness ``d``."""
    return ramp(d, 0.1, 0.6)


def sem_level(d: np.ndarray) -> np.ndarray:
    """Share (0..1) of :data:`SEM_UV`: slow eye movements belong to N1."""
    return ramp(d, 0.15, 0.45) * (1.0 - 0.8 * ramp(d, 0.6, 0.9))


def delta_level(d: np.ndarray) -> np.ndarray:
    """Share (0..1) of :data:`DELTA_UV`."""
    return ramp(d, 0.5, 1.0)


def steepening(d: np.ndarray) -> np.ndarray:
    """Added aperiodic exponent at drowsiness ``d``."""
    return SLEEP_STEEPENING * ramp(d, 0.3, 1.0)


#: kind -> (largest rate in Hz, rate share as a function of drowsiness)
_RATES = {
    "vertex": (1.0 / 8.0, lambda d: ramp(d, 0.2, 0.4) * (1.0 - ramp(d, 0.7, 0.9))),
    "spindle": (1.0 / 10.0, lambda d: ramp(d, 0.45, 0.7) * (1.0 - 0.6 * ramp(d, 0.85, 1.0))),
    "kcomplex": (1.0 / 40.0, lambda d: ramp(d, 0.5, 0.75)),
}


def eye_weights(ch_names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Reach of horizontal eye movements: +1 at F7, -1 at F8, about +-0.4 at Fp1/Fp2.

    Proportional to the electrode's left-right coordinate (left positive: looking to the left
    brings the left cornea closer) times ``exp(-distance / 4 cm)`` from the nearest of
    Fp1/Fp2/F7/F8; scaled so that F7 is +1.

    Returns
    -------
    ndarray, shape (n_channels,)
    """
    def raw(names):
        pos = positions(names)
        front = positions(("Fp1", "Fp2", "F7", "F8"))
        dist = np.min(np.linalg.norm(pos[:, None] - front[None], axis=2), axis=1)
        return -pos[:, 0] * np.exp(-dist / 0.04)

    return raw(list(ch_names)) / raw(["F7"])[0]


def site_weights(ch_names: tuple[str, ...] | list[str], sites: tuple[str, ...],
                 length_m: float) -> np.ndarray:
    """``exp(-distance / length_m)`` from the centroid of ``sites``, shape (n_channels,)."""
    centre = positions(sites).mean(axis=0)
    return np.exp(-np.linalg.norm(positions(list(ch_names)) - centre, axis=1) / length_m)


@dataclass(frozen=True)
class SleepEvent:
    """One graphoelement: ``kind`` (vertex, spindle, kcomplex), start sample, length in samples,
    amplitude (uV peak for vertex waves and spindles, peak to peak for K-complexes), frequency
    (Hz, spindles) and phase (rad)."""

    kind: str
    start: int
    length: int
    amplitude: float
    freq: float
    phase: float


class SleepEvents(BlockEvents):
    """Renders vertex waves, spindles and K-complexes into sample blocks.

    Parameters
    ----------
    ch_names : list of str
        Electrodes to render for (the recorded ones and the reference sites).
    sfreq : float
    seed : int
    schedule : Schedule
        Supplies the drowsiness at each candidate event's time.
    """

    def __init__(self, ch_names: list[str], sfreq: float, seed: int, schedule: Schedule) -> None:
        super().__init__(sfreq, seed, 15485863)
        self.schedule = schedule
        self.weights = {
            "vertex": site_weights(ch_names, (VERTEX_SITE,), 0.05),
            "spindle": site_weights(ch_names, SPINDLE_SITES, 0.06),
            "kcomplex": site_weights(ch_names, (KCOMPLEX_SITE,), 0.07),
        }
        self._n = len(ch_names)

    def _draw(self, rng: np.random.Generator, t0: float) -> list[SleepEvent]:
        out = []
        for kind, (rate, share) in _RATES.items():
            n = rng.poisson(rate * EVENT_BLOCK_S)
            starts = np.sort(rng.uniform(t0, t0 + EVENT_BLOCK_S, n))
            keep = rng.uniform(size=n)
            d = self.schedule.params(starts)["drowsiness"]
            for s, k, dd in zip(starts, keep, d, strict=True):
                if kind == "vertex":
                    dur, amp, freq = rng.uniform(0.2, 0.35), rng.uniform(60.0, 100.0), 0.0
                elif kind == "spindle":
                    dur, amp, freq = (rng.uniform(0.5, 1.5), rng.uniform(20.0, 40.0),
                                      rng.uniform(12.0, 14.0))
                else:
                    dur, amp, freq = rng.uniform(0.6, 1.0), rng.uniform(100.0, 200.0), 0.0
                phase = rng.uniform(0.0, 2.0 * np.pi)
                if k < float(share(dd)):
                    out.append(SleepEvent(kind, int(round(s * self.sfreq)),
                                          int(round(dur * self.sfreq)), float(amp),
                                          float(freq), float(phase)))
        return out

    def waveform(self, ev: SleepEvent) -> np.ndarray:
        """The event's waveform at its centre site, uV, shape (ev.length,)."""
        t = (np.arange(ev.length) + 0.5) / self.sfreq
        dur = ev.length / self.sfreq
        if ev.kind == "spindle":
            return ev.amplitude * np.sin(np.pi * t / dur) ** 2 * np.sin(
                2.0 * np.pi * ev.freq * t + ev.phase)
        if ev.kind == "vertex":
            # surface-negative sharp wave with a small positive rebound
            return ev.amplitude * (-np.exp(-0.5 * ((t - 0.35 * dur) / (0.12 * dur)) ** 2)
                                   + 0.3 * np.exp(-0.5 * ((t - 0.7 * dur) / (0.12 * dur)) ** 2))
        # K-complex: sharp negative wave, then a slower positive one; peak to peak = amplitude
        w = (-np.exp(-0.5 * ((t - 0.25 * dur) / (0.08 * dur)) ** 2)
             + 0.7 * np.exp(-0.5 * ((t - 0.6 * dur) / (0.14 * dur)) ** 2))
        return ev.amplitude * w / np.ptp(w)

    def render(self, n0: int, n1: int) -> np.ndarray:
        """Graphoelements for samples ``n0 <= n < n1``, shape (n_channels, n1 - n0), uV."""
        out = np.zeros((self._n, n1 - n0))
        for ev in self.events_near(n0, n1):
            a, e = max(ev.start, n0), min(ev.start + ev.length, n1)
            seg = self.waveform(ev)[a - ev.start:e - ev.start]
            out[:, a - n0:e - n0] += self.weights[ev.kind][:, None] * seg[None, :]
        return out
