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


#: Calibration of the reported confidence: (filter probability knots, share of frames found
#: right at that probability), a monotone map fitted (pool-adjacent-violators) on the same
#: calibration runs; the estimator reports ``interp(probability, *CONFIDENCE_MAP)``.
CONFIDENCE_MAP: tuple[tuple[float, ...], tuple[float, ...]] = (
    (0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1),
    (0.000, 0.256, 0.329, 0.385, 0.472, 0.583, 0.598, 0.598, 0.633, 0.733, 0.982),
)

DEFAULT_TEMPLATES: dict[str, PhaseTemplate] = {
    "heating": PhaseTemplate(
        start=(-1.021, -0.078, 0.117, -0.832),
        end=(10.846, -0.097, 1.534, 4.361),
        spread=(1.505, 0.993, 1.401, 1.620),
    ),
    "disintegration": PhaseTemplate(
        start=(11.265, -0.568, 1.664, 3.424),
        end=(17.719, 4.440, -0.547, 2.175),
        spread=(2.213, 1.342, 1.411, 1.322),
    ),
    "search": PhaseTemplate(
        start=(18.590, 4.480, -0.890, 1.849),
        end=(15.727, 5.583, -1.092, -1.340),
        spread=(2.353, 1.621, 0.992, 1.331),
    ),
    "annealing": PhaseTemplate(
        start=(16.495, 6.090, -2.511, -1.297),
        end=(2.845, 1.255, 5.630, -4.477),
        spread=(2.044, 1.422, 1.525, 1.517),
    ),
    "integrated": PhaseTemplate(
        start=(1.616, 0.260, 6.251, -3.009),
        end=(0.210, 0.193, 6.249, 0.504),
        spread=(8.000, 1.191, 1.858, 1.488),
    ),
}
