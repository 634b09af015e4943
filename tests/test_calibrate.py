"""Calibration of the estimator's phase templates: the fit recovers known paths, and the shipped
table is what calibrating on the tuning seeds gives."""

from __future__ import annotations

import numpy as np
import pytest

from neurofeedback.pipeline.estimator import CYCLE, EstimatorConfig
from neurofeedback.pipeline.phase_templates import AXES, CONFIDENCE_MAP, DEFAULT_TEMPLATES
from neurofeedback.simulate.calibrate import (
    INTEGRATED_ENERGY_SPREAD,
    EstimatorInputs,
    _pava,
    calibrate_all,
    fit_templates,
    format_confidence_map,
    format_templates,
    reliability,
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
    fitted, cmap = calibrate_all()
    # the confidence map too, fitted on the same recordings
    assert cmap[0] == CONFIDENCE_MAP[0]
    assert cmap[1] == pytest.approx(CONFIDENCE_MAP[1], abs=2e-3)
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
    ns = {}
    exec(format_confidence_map(cmap), ns)  # noqa: S102
    assert ns["CONFIDENCE_MAP"] == cmap


def test_pava_is_the_monotone_least_squares_fit():
    y = np.array([0.1, 0.5, 0.3, 0.2, 0.9, 0.8])
    w = np.array([1.0, 1.0, 1.0, 1.0, 2.0, 1.0])
    fit = _pava(y, w)
    assert np.all(np.diff(fit) >= 0)
    # the violating runs are pooled into their weighted means
    assert fit == pytest.approx([0.1, 1 / 3, 1 / 3, 1 / 3, 2.6 / 3, 2.6 / 3])


def test_confidence_is_calibrated_on_held_out_seeds():
    """Frames reported with confidence p are right about p of the time (seeds the templates and
    the map never saw; the docs' reliability table is the same measurement on more seeds)."""
    rows = reliability((200, 201, 202))
    n = sum(r[2] for r in rows)
    ece = sum(r[2] * abs(r[3] - r[4]) for r in rows if r[2]) / n
    assert ece <= 0.12, rows
    # confident frames are mostly right, unsure ones mostly not
    top = rows[-1]
    assert top[1] == 1.0 and top[2] > 0.3 * n and top[4] >= 0.85, rows
