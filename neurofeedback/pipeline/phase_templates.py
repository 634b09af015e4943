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
        start=(-0.714, -0.018, 0.110, -0.075),
        end=(7.844, 0.229, 0.201, 1.880),
        spread=(0.781, 0.480, 0.515, 0.459),
    ),
    "disintegration": PhaseTemplate(
        start=(8.230, 0.199, 0.421, 1.417),
        end=(11.164, 3.969, -1.020, 0.498),
        spread=(1.119, 0.480, 0.598, 0.252),
    ),
    "search": PhaseTemplate(
        start=(11.313, 4.099, -1.381, 0.454),
        end=(9.693, 4.182, -1.396, -0.476),
        spread=(1.097, 0.492, 0.447, 0.196),
    ),
    "annealing": PhaseTemplate(
        start=(9.802, 4.719, -1.838, -0.536),
        end=(2.865, 0.562, 2.055, -1.343),
        spread=(0.816, 0.561, 0.512, 0.296),
    ),
    "integrated": PhaseTemplate(
        start=(2.132, 0.076, 2.105, -1.010),
        end=(0.960, -0.009, 2.319, 0.104),
        spread=(3.000, 0.570, 0.377, 0.399),
    ),
}
