"""Calibration of the estimator's phase templates: the fit recovers known paths, and the shipped
table is what calibrating on the tuning seeds gives."""

from __future__ import annotations

import numpy as np
import pytest

from neurofeedback.pipeline.estimator import CYCLE, EstimatorConfig
from neurofeedback.pipeline.phase_templates import AXES, DEFAULT_TEMPLATES
from neurofeedback.simulate.calibrate import (
    INTEGRATED_ENERGY_SPREAD,
    EstimatorInputs,
    calibrate,
    fit_templates,
    format_templates,
)


def _known_paths(seed: int):
    """Inputs moving on straight lines through each phase, plus Gaussian noise of sd 0.3."""
    rng = np.random.default_rng(seed)
    starts = {p: rng.uniform(-3, 3, 3) for p in CYCLE}
    ends = {p: rng.uniform(-3, 3, 3) for p in CYCLE}
    rows, phases = [], []
    for p in CYCLE:
        u = (np.arange(3000) + 0.5) / 3000
        rows.append(starts[p] + u[:, None] * (ends[p] - starts[p]) + 0.3 * rng.standard_normal((u.size, 3)))
        phases += [p] * u.size
    x = np.concatenate(rows)
    return EstimatorInputs(np.arange(len(x)) * 0.1, x, np.array(phases)), starts, ends


def test_fit_recovers_known_paths():
    run, starts, ends = _known_paths(3)
    # Near-instant smoothing, so the filter inputs are the raw ones (the trend is ~0).
    cfg = EstimatorConfig(smooth_tau_s=1e-3, trend_tau_s=2e-3)
    tpl = fit_templates([run], cfg)
    assert set(tpl) == set(CYCLE)
    for p in CYCLE:
        assert np.allclose(tpl[p].start[:3], starts[p], atol=0.03)
        assert np.allclose(tpl[p].end[:3], ends[p], atol=0.03)
        spread = np.array(tpl[p].spread)
        if p == "integrated":
            assert spread[0] == INTEGRATED_ENERGY_SPREAD  # the modelling rule
            spread = spread[1:3]
        else:
            spread = spread[:3]
        assert np.allclose(spread, 0.3, atol=0.02)
        assert len(tpl[p].start) == len(AXES)


def test_shipped_templates_are_the_calibration_on_tuning_seeds():
    fitted = calibrate()
    for p in CYCLE:
        for name in ("start", "end", "spread"):
            assert getattr(fitted[p], name) == pytest.approx(
                getattr(DEFAULT_TEMPLATES[p], name), abs=2e-3
            ), (p, name)
    # What the calibration prints is valid Python that rebuilds the table.
    ns: dict = {}
    exec("from neurofeedback.pipeline.phase_templates import PhaseTemplate\n"  # noqa: S102
         + format_templates(fitted), ns)
    assert ns["DEFAULT_TEMPLATES"] == fitted
