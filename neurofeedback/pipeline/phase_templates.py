"""Phase templates of the annealing estimator: where each cycle phase starts and ends in the
space of the estimator's inputs (:data:`AXES`), and how far frames spread around it.

The table below was produced by ``python -m neurofeedback.simulate.calibrate`` from the scenario
simulator's ``annealing-cycle`` (seeds 0-9, 270 s, 16 channels at 250 Hz); a test checks that
recalibrating reproduces it. Real recordings reach other z ranges, so on real data the phases are
the model's reading of the trajectory, not a measurement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import UsageError

#: The estimator's input axes, in template order: smoothed energy, temperature and synchrony
#: baseline z-scores, and the energy trend (fast minus slow smoothed energy, z).
AXES: tuple[str, ...] = ("energy", "temperature", "synchrony", "energy_trend")


@dataclass(frozen=True)
class PhaseTemplate:
    """One cycle phase as a straight path in the estimator's input space.

    Attributes
    ----------
    start, end : tuple of float
        Inputs (one per :data:`AXES`, z units) where the phase starts and ends.
    spread : tuple of float
        Standard deviation of the inputs around the path, per axis (> 0).
    """

    start: tuple[float, ...]
    end: tuple[float, ...]
    spread: tuple[float, ...]

    def __post_init__(self) -> None:
        for name in ("start", "end", "spread"):
            v = getattr(self, name)
            if len(v) != len(AXES) or not all(
                isinstance(a, (int, float)) and math.isfinite(a) for a in v
            ):
                raise UsageError(
                    f"phase template {name} must be {len(AXES)} finite numbers "
                    f"({', '.join(AXES)}); got {v!r}"
                )
        if min(self.spread) <= 0:
            raise UsageError(f"phase template spread must be > 0 on every axis; got {self.spread!r}")


DEFAULT_TEMPLATES: dict[str, PhaseTemplate] = {
    "heating": PhaseTemplate(
        start=(-0.481, -0.068, 0.068, -0.241),
        end=(4.940, 0.090, 0.511, 1.222),
        spread=(0.693, 0.443, 0.573, 0.470),
    ),
    "disintegration": PhaseTemplate(
        start=(5.102, -0.161, 0.575, 0.922),
        end=(8.104, 2.053, -0.438, 0.631),
        spread=(0.964, 0.513, 0.580, 0.345),
    ),
    "search": PhaseTemplate(
        start=(8.515, 2.066, -0.521, 0.541),
        end=(7.264, 2.515, -0.610, -0.384),
        spread=(1.238, 0.568, 0.453, 0.356),
    ),
    "annealing": PhaseTemplate(
        start=(7.516, 2.780, -1.113, -0.403),
        end=(1.333, 0.561, 2.170, -1.216),
        spread=(0.923, 0.509, 0.599, 0.413),
    ),
    "integrated": PhaseTemplate(
        start=(0.746, 0.060, 2.666, -0.839),
        end=(0.144, 0.078, 2.639, 0.146),
        spread=(3.000, 0.497, 0.701, 0.410),
    ),
}
