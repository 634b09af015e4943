"""Scenario schedules: the ground truth (energy, temperature, synchrony, drowsiness, phase) over time.

A scenario is a piecewise-linear schedule of the generator's parameters plus a phase label per
segment. Times are seconds since the first sample. Schedules of a fixed duration scale their
segments with it; without a duration (a live source) the post-baseline part repeats forever.

Ground-truth units
------------------
energy
    log2 of the amplitude of the oscillatory (periodic) components only, the theta and alpha
    rhythms of the region sources, relative to the baseline (0 = baseline, 1 = twice the
    amplitude, i.e. +6 dB of oscillatory power). The aperiodic background does not change with it.
temperature
    0..1, flattening of the aperiodic (1/f) exponent of the region sources: exponent 2.0 at 0,
    1.0 at 1, with the power at the 12 Hz pivot fixed (power moves from low to high frequencies;
    the oscillations are not touched).
synchrony
    0..1, coherence of the region oscillators in the integration band (the share of each region's
    theta that comes from the shared driver).
drowsiness
    0 (alert: relaxed wake, eyes closed, posterior alpha) .. 1 (deep sleep, N3); about 0.3-0.5 is
    drowsy (N1), 0.6-0.8 light sleep (N2). See :mod:`neurofeedback.simulate.sleep`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..pipeline.regions import REGIONS
from ..validation import check_option

#: Length of the baseline segment (s); the pipeline's baseline block is the first 60 s.
BASELINE_S = 65.0
#: Golden mean, for the trauma scenario's frequency ratios.
PHI = (1.0 + math.sqrt(5.0)) / 2.0


@dataclass(frozen=True)
class Segment:
    """One phase of a schedule: parameters move linearly from ``start`` to ``end``.

    Attributes
    ----------
    phase : str
        Ground-truth phase label (one of ``neurofeedback.pipeline.frame.PHASES``).
    weight : float
        Share of the post-baseline time (fixed durations) or seconds (repeating cycle).
    start, end : tuple of float
        (energy, temperature, synchrony) at the segment's start and end.
    drowsiness : (float, float)
        Drowsiness at the segment's start and end (0 = alert).
    """

    phase: str
    weight: float
    start: tuple[float, float, float]
    end: tuple[float, float, float]
    drowsiness: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Scenario:
    """A named scenario.

    Attributes
    ----------
    name : str
    description : str
    baseline : tuple of float
        (energy, temperature, synchrony) during the baseline segment.
    segments : tuple of Segment
        What follows the baseline; empty for steady scenarios.
    cycle_s : float
        Length of one repeat of ``segments`` when the duration is unbounded, seconds.
    min_duration_s : float
        Shortest sensible duration, seconds.
    theta_freqs : tuple of float
        Carrier frequency (Hz) of each region's integration-band oscillator, in
        :data:`SOURCE_REGIONS` order.
    lag_scale : float
        Multiplier of the regions' fixed phase lags (0 = zero-lag, widespread mode).
    alpha_sync : float
        Coherence of the alpha oscillators across regions (widespread alpha when high).
    artifacts : bool
        Add blinks, EMG bursts and a railed channel.
    wander : float
        Amplitude of the slow synchrony wander during ``search`` segments.
    """

    name: str
    description: str
    baseline: tuple[float, float, float]
    segments: tuple[Segment, ...] = ()
    cycle_s: float = 240.0
    min_duration_s: float = 90.0
    theta_freqs: tuple[float, ...] = (6.0,) * 6
    lag_scale: float = 1.0
    alpha_sync: float = 0.2
    artifacts: bool = False
    wander: float = 0.0


#: One simulated source per region the pipeline knows.
SOURCE_REGIONS: tuple[str, ...] = REGIONS

_CYCLE = (
    Segment("heating", 0.20, (0.0, 0.0, 0.35), (1.2, 0.10, 0.40)),
    Segment("disintegration", 0.15, (1.2, 0.10, 0.40), (1.6, 0.80, 0.05)),
    Segment("search", 0.20, (1.6, 0.80, 0.05), (1.35, 0.80, 0.05)),
    Segment("annealing", 0.20, (1.35, 0.80, 0.05), (0.3, 0.0, 0.85)),
    Segment("integrated", 0.25, (0.3, 0.0, 0.85), (0.15, 0.0, 0.90)),
)

#: (energy, temperature, synchrony) of the ``drowsy`` scenario throughout: drowsiness is its own axis.
_AWAKE = (0.0, 0.0, 0.35)

SCENARIOS: dict[str, Scenario] = {
    "annealing-cycle": Scenario(
        name="annealing-cycle",
        description="baseline, heating, disintegration, search, annealing, integrated",
        baseline=(0.0, 0.0, 0.35),
        segments=_CYCLE,
        cycle_s=240.0,
        min_duration_s=BASELINE_S + 120.0,
        wander=0.04,
    ),
    "meditation": Scenario(
        name="meditation",
        description="energy building slowly in widespread, coherent theta/alpha (low spatial modes, short lags)",
        baseline=(0.0, 0.0, 0.3),
        segments=(
            Segment("heating", 0.65, (0.0, 0.0, 0.3), (1.2, -0.1, 0.75)),
            Segment("integrated", 0.35, (1.2, -0.1, 0.75), (1.2, -0.1, 0.75)),
        ),
        cycle_s=300.0,
        min_duration_s=BASELINE_S + 60.0,
        lag_scale=0.5,
        alpha_sync=0.7,
    ),
    "trauma": Scenario(
        name="trauma",
        description="regions at golden-mean frequency ratios, weak low-frequency coupling",
        baseline=(0.0, 0.0, 0.05),
        theta_freqs=(4.0, 4.0 * PHI, 4.0 * PHI**2, 4.0, 4.0 * PHI, 4.0 * PHI**2),
        alpha_sync=0.05,
        min_duration_s=BASELINE_S,
    ),
    "drowsy": Scenario(
        name="drowsy",
        description="awake baseline, then drowsy (alpha drop-out, theta, slow eye movements, "
        "vertex waves), light sleep (spindles, K-complexes) and deep sleep (delta)",
        baseline=_AWAKE,
        segments=(
            Segment("baseline", 0.20, _AWAKE, _AWAKE, (0.0, 0.4)),
            Segment("baseline", 0.15, _AWAKE, _AWAKE, (0.4, 0.5)),
            Segment("drowsy", 0.30, _AWAKE, _AWAKE, (0.5, 0.75)),
            Segment("drowsy", 0.20, _AWAKE, _AWAKE, (0.75, 1.0)),
            Segment("drowsy", 0.15, _AWAKE, _AWAKE, (1.0, 1.0)),
        ),
        cycle_s=600.0,
        min_duration_s=BASELINE_S + 120.0,
    ),
    "artifacts": Scenario(
        name="artifacts",
        description="steady background with blinks, EMG bursts and a railed channel",
        baseline=(0.0, 0.0, 0.35),
        artifacts=True,
        min_duration_s=BASELINE_S,
    ),
}


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; :class:`UsageError` naming the choices otherwise."""
    check_option("scenario", name, SCENARIOS)
    return SCENARIOS[name]


class Schedule:
    """Ground truth of a scenario over time.

    Parameters
    ----------
    scenario : Scenario
    duration_s : float or None
        Fixed duration (segments scale with it) or None for an endlessly repeating cycle.
    """

    def __init__(self, scenario: Scenario, duration_s: float | None = None) -> None:
        self.scenario = scenario
        self.duration_s = duration_s
        if duration_s is not None:
            d = float(duration_s)
            if not math.isfinite(d) or d < scenario.min_duration_s:
                raise UsageError(
                    f"duration for scenario {scenario.name} must be at least "
                    f"{scenario.min_duration_s:g} s; got {duration_s!r}"
                )
            span = d - BASELINE_S
            repeat = None
        else:
            span = scenario.cycle_s
            repeat = scenario.cycle_s
        self.repeat_s = repeat
        total = sum(s.weight for s in scenario.segments) or 1.0
        t, bounds = BASELINE_S, [(0.0, BASELINE_S, "baseline", scenario.baseline, scenario.baseline)]
        for seg in scenario.segments:
            dur = span * seg.weight / total
            bounds.append((t, t + dur, seg.phase, seg.start, seg.end))
            t += dur
        self.bounds = bounds
        self._drowsy = [(0.0, 0.0)] + [seg.drowsiness for seg in scenario.segments]
        self.end_s = t

    def _fold(self, t: np.ndarray) -> np.ndarray:
        """Map times of an unbounded cycle onto the first cycle."""
        t = np.asarray(t, dtype=float)
        if self.repeat_s is None or not self.scenario.segments:
            return t
        over = t >= BASELINE_S
        out = t.copy()
        out[over] = BASELINE_S + np.mod(t[over] - BASELINE_S, self.repeat_s)
        return out

    def params(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """Ground-truth energy, temperature, synchrony and drowsiness at times ``t`` (s).

        Returns
        -------
        dict with keys ``energy``, ``temperature``, ``synchrony``, ``drowsiness``; arrays shaped
        like ``t``.
        """
        tf = self._fold(t)
        out = {k: np.zeros(tf.shape) for k in ("energy", "temperature", "synchrony", "drowsiness")}
        for (lo, hi, phase, a, b), (d0, d1) in zip(self.bounds, self._drowsy, strict=True):
            m = (tf >= lo) & (tf < hi) if hi > lo else np.zeros(tf.shape, bool)
            if hi == self.bounds[-1][1]:
                m |= tf >= hi
            if not m.any():
                continue
            x = (tf[m] - lo) / max(hi - lo, 1e-9)
            x = np.clip(x, 0.0, 1.0)
            for k, key in enumerate(("energy", "temperature", "synchrony")):
                out[key][m] = a[k] + (b[k] - a[k]) * x
            out["drowsiness"][m] = d0 + (d1 - d0) * x
            if phase == "search" and self.scenario.wander:
                out["synchrony"][m] += self.scenario.wander * np.sin(2 * np.pi * 2.0 * x)
        return out

    def phase(self, t: np.ndarray) -> np.ndarray:
        """Ground-truth phase label at times ``t`` (s), array of str."""
        tf = self._fold(t)
        out = np.full(tf.shape, "baseline", dtype=object)
        for lo, hi, phase, _a, _b in self.bounds:
            m = (tf >= lo) & (tf < hi)
            if hi == self.bounds[-1][1]:
                m |= tf >= hi
            out[m] = phase
        return out
