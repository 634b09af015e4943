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
        start=(-0.485, -0.029, 0.068, -0.233),
        end=(4.881, -0.040, 0.511, 1.210),
        spread=(0.667, 0.455, 0.573, 0.457),
    ),
    "disintegration": PhaseTemplate(
        start=(5.053, -0.279, 0.575, 0.915),
        end=(7.967, 1.985, -0.438, 0.608),
        spread=(0.928, 0.539, 0.580, 0.336),
    ),
    "search": PhaseTemplate(
        start=(8.366, 2.008, -0.521, 0.524),
        end=(7.136, 2.529, -0.610, -0.374),
        spread=(1.150, 0.598, 0.453, 0.347),
    ),
    "annealing": PhaseTemplate(
        start=(7.392, 2.763, -1.113, -0.394),
        end=(1.310, 0.541, 2.170, -1.198),
        spread=(0.877, 0.553, 0.599, 0.402),
    ),
    "integrated": PhaseTemplate(
        start=(0.730, 0.127, 2.666, -0.826),
        end=(0.119, 0.058, 2.639, 0.138),
        spread=(3.000, 0.531, 0.701, 0.403),
    ),
}
