"""Calibrate the annealing estimator's phase templates on the scenario simulator.

Each cycle phase's template (:class:`~neurofeedback.pipeline.phase_templates.PhaseTemplate`) is
fitted on simulated ``annealing-cycle`` recordings whose phases are known: the pipeline runs on
each recording, the estimator's inputs (energy, temperature and per-window synchrony z-scores)
are turned into its four filter inputs exactly as the estimator does (smoothing and energy
trend, :func:`~neurofeedback.pipeline.estimator.estimator_features`), and within each true phase
segment every axis is fitted by least squares as a straight line from the segment's start to its end against
the fraction of the segment elapsed. The fitted ends are the template's ``start`` and ``end``;
the residual standard deviation is its ``spread``. Artifact frames and frames before the
baseline is complete are left out.

One modelling rule is applied on top of the fit: ``integrated`` is defined by temperature and
synchrony, not by energy. In the annealing cycle energy returns close to the baseline, but in
meditation it stays raised while the regions synchronise (the ``meditation`` scenario), so the
integrated template's energy spread is widened to at least :data:`INTEGRATED_ENERGY_SPREAD`.

Run ``python -m neurofeedback.simulate.calibrate`` to print the table shipped in
:mod:`neurofeedback.pipeline.phase_templates` (seeds 0-9; the accuracy tests use other seeds).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..pipeline.estimator import CYCLE, EstimatorConfig, EstimatorState, estimator_features
from ..pipeline.phase_templates import PhaseTemplate
from ..pipeline.pipeline import Pipeline
from .artifacts import RAIL_UV
from .generator import Generator
from .truth import TRUTH_HOP_S, make_truth

log = logging.getLogger(__name__)

#: Seeds the shipped templates were calibrated on.
CALIBRATION_SEEDS: tuple[int, ...] = tuple(range(10))
#: Length of each calibration recording, seconds.
CALIBRATION_DURATION_S = 270.0
#: Smallest energy spread of the ``integrated`` template, z (see the module docstring).
INTEGRATED_ENERGY_SPREAD = 3.0


@dataclass
class EstimatorInputs:
    """What the pipeline fed the estimator on one simulated recording, with the true phases.

    Attributes
    ----------
    times : ndarray, shape (n_frames,)
        Frame times, seconds.
    inputs : ndarray, shape (n_frames, 3)
        Energy, temperature and per-window synchrony z-scores (NaN before the baseline is
        complete and in artifact frames).
    phase : ndarray of str, shape (n_frames,)
        True phase at each frame time.
    """

    times: np.ndarray
    inputs: np.ndarray
    phase: np.ndarray


class _InputLog:
    """Stands in for the estimator in a pipeline: keeps every input, always says baseline."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, float, float, float]] = []

    def update(
        self, time_s: float, energy_z: float, temperature_z: float, synchrony_z: float,
        artifact: bool, baseline_complete: bool, drowsy: bool = False,
    ) -> EstimatorState:
        if baseline_complete and not artifact and not drowsy:
            self.rows.append((time_s, energy_z, temperature_z, synchrony_z))
        else:
            self.rows.append((time_s, math.nan, math.nan, math.nan))
        return EstimatorState("baseline", 1.0, 0)


def estimator_inputs(seed: int, duration_s: float = CALIBRATION_DURATION_S) -> EstimatorInputs:
    """Simulate one ``annealing-cycle`` recording and collect the estimator's inputs.

    Parameters
    ----------
    seed : int
        Simulator seed.
    duration_s : float
        Recording length (the phases scale with it), seconds.
    """
    gen = Generator("annealing-cycle", seed=seed, duration_s=duration_s)
    data, art = gen.generate(int(duration_s * gen.sfreq))
    truth = make_truth(gen.schedule, art, gen.sfreq)
    pipe = Pipeline(gen.sfreq, list(gen.ch_names), rail_uv=RAIL_UV)
    pipe.estimator = recorder = _InputLog()  # type: ignore[assignment]
    pipe.push(data)
    rows = np.array(recorder.rows)
    idx = np.round(rows[:, 0] / TRUTH_HOP_S).astype(int)  # the truth row at each frame time
    return EstimatorInputs(rows[:, 0], rows[:, 1:], truth.phase[idx])


def fit_templates(
    runs: Iterable[EstimatorInputs],
    config: EstimatorConfig | None = None,
    hop_s: float = 0.1,
) -> dict[str, PhaseTemplate]:
    """Fit one template per cycle phase (see the module docstring).

    Parameters
    ----------
    runs : iterable of EstimatorInputs
    config : EstimatorConfig or None
        Supplies the estimator's time constants; defaults when None.
    hop_s : float
        Frame hop, seconds.

    Returns
    -------
    dict of str to PhaseTemplate
        Keyed by cycle phase, values rounded to 3 decimals.
    """
    frac: dict[str, list[np.ndarray]] = {p: [] for p in CYCLE}
    vals: dict[str, list[np.ndarray]] = {p: [] for p in CYCLE}
    for run in runs:
        x = estimator_features(run.times, run.inputs, config, hop_s)
        usable = np.isfinite(run.inputs).all(axis=1) & np.isfinite(x).all(axis=1)
        for p in CYCLE:
            idx = np.flatnonzero(run.phase == p)
            u = (np.arange(idx.size) + 0.5) / max(idx.size, 1)
            keep = usable[idx]
            frac[p].append(u[keep])
            vals[p].append(x[idx[keep]])
    out = {}
    for p in CYCLE:
        u = np.concatenate(frac[p])
        y = np.concatenate(vals[p])
        if u.size < 10:
            raise ValueError(f"too few clean frames of phase {p} to calibrate: {u.size}")
        design = np.column_stack([1.0 - u, u])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        spread = (y - design @ coef).std(axis=0)
        if p == "integrated":
            spread[0] = max(spread[0], INTEGRATED_ENERGY_SPREAD)
        out[p] = PhaseTemplate(
            start=_r(coef[0]), end=_r(coef[1]), spread=_r(np.maximum(spread, 1e-3))
        )
    return out


def _r(v: np.ndarray) -> tuple[float, ...]:
    return tuple(round(float(a), 3) for a in v)


def calibrate(seeds: Iterable[int] = CALIBRATION_SEEDS) -> dict[str, PhaseTemplate]:
    """Templates fitted on ``annealing-cycle`` recordings of the given seeds."""
    runs = []
    for seed in seeds:
        log.info("simulating seed %d", seed)
        runs.append(estimator_inputs(int(seed)))
    return fit_templates(runs)


def format_templates(templates: dict[str, PhaseTemplate]) -> str:
    """Python source of the table, as pasted into :mod:`.phase_templates`."""
    lines = ["DEFAULT_TEMPLATES: dict[str, PhaseTemplate] = {"]
    for p, t in templates.items():
        lines.append(f'    "{p}": PhaseTemplate(')
        for name in ("start", "end", "spread"):
            lines.append(f"        {name}=({', '.join(f'{v:.3f}' for v in getattr(t, name))}),")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines)


def main() -> None:
    """Print the calibrated table."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    print(format_templates(calibrate()))  # noqa: T201 - the output is the product


if __name__ == "__main__":
    main()
