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
from scipy.stats import spearmanr

from ..pipeline.estimator import (
    CYCLE,
    AnnealingEstimator,
    EstimatorConfig,
    EstimatorState,
    estimator_features,
    input_scale,
)
from ..pipeline.phase_templates import AXES, PhaseTemplate
from ..pipeline.pipeline import Pipeline
from .artifacts import RAIL_UV
from .generator import Generator
from .truth import TRUTH_HOP_S, make_truth

log = logging.getLogger(__name__)

#: Seeds the shipped templates were calibrated on.
CALIBRATION_SEEDS: tuple[int, ...] = tuple(range(10))
#: Held-out seeds of the reliability table (``--reliability``).
RELIABILITY_SEEDS: tuple[int, ...] = tuple(range(100, 108))
#: Length of each calibration recording, seconds.
CALIBRATION_DURATION_S = 270.0
#: Smallest energy spread of the ``integrated`` template, z (see the module docstring).
INTEGRATED_ENERGY_SPREAD = 8.0


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
    scale : ndarray, shape (4,), or None
        The estimator's input scales learnt from the baseline block
        (:func:`~neurofeedback.pipeline.estimator.input_scale`).
    """

    times: np.ndarray
    inputs: np.ndarray
    phase: np.ndarray
    scale: np.ndarray | None = None


class _InputLog:
    """Stands in for the estimator in a pipeline: keeps every input, always says baseline."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, float, float, float]] = []
        self.scale = np.ones(len(AXES))

    def set_input_scale(self, baseline_z: np.ndarray) -> np.ndarray:
        self.scale = input_scale(baseline_z)
        return self.scale

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
    return EstimatorInputs(rows[:, 0], rows[:, 1:], truth.phase[idx], recorder.scale)


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
        x = estimator_features(run.times, run.inputs, config, hop_s, run.scale)
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


def replay(
    run: EstimatorInputs, config: EstimatorConfig, hop_s: float = 0.1
) -> list[EstimatorState]:
    """The states a real :class:`AnnealingEstimator` with ``config`` reports on ``run``'s
    inputs (frames before the first usable one count as the baseline block, NaN rows after it
    as artifact frames)."""
    est = AnnealingEstimator(hop_s, config)
    if run.scale is not None:
        est.use_input_scale(run.scale)
    started = False
    out = []
    for t, row in zip(run.times, run.inputs, strict=True):
        usable = bool(np.isfinite(row).any())
        started = started or usable
        out.append(est.update(float(t), *map(float, row), not usable, started))
    return out


def _pava(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pool-adjacent-violators: the non-decreasing sequence closest to ``y`` (weights ``w``)
    in the least-squares sense."""
    vals, wts, lens = [], [], []
    for yi, wi in zip(y.tolist(), w.tolist(), strict=True):
        vals.append(yi)
        wts.append(wi)
        lens.append(1)
        while len(vals) > 1 and vals[-2] > vals[-1]:
            v2, w2, n2 = vals.pop(), wts.pop(), lens.pop()
            v1, w1, n1 = vals.pop(), wts.pop(), lens.pop()
            vals.append((v1 * w1 + v2 * w2) / (w1 + w2))
            wts.append(w1 + w2)
            lens.append(n1 + n2)
    return np.repeat(vals, lens)


#: Probability knots of the confidence map.
CONFIDENCE_KNOTS: tuple[float, ...] = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)


def fit_confidence_map(
    runs: Iterable[EstimatorInputs], templates: dict[str, PhaseTemplate]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The monotone map from the filter's probability to the share of frames found right.

    The estimator with ``templates`` is replayed on each run (:func:`replay`); every frame after
    the baseline that is not an artifact gives (probability of the reported phase, reported
    phase == true phase). Frames are sorted by probability and the hit rate is made
    non-decreasing by pool-adjacent-violators; the map's value at each knot of
    :data:`CONFIDENCE_KNOTS` is the pooled hit rate of the frames nearest to it (linear
    interpolation between their probabilities).

    Returns
    -------
    (knots, confidences) : tuple of float, tuple of float
    """
    cfg = EstimatorConfig(templates=templates, confidence_map=((0.0, 1.0), (0.0, 1.0)))
    probs, hits = [], []
    for run in runs:
        for i, st in enumerate(replay(run, cfg)):
            if np.isfinite(run.inputs[i]).any():  # after the baseline, not an artifact
                probs.append(st.probability)
                hits.append(st.phase == run.phase[i])
    p = np.asarray(probs)
    h = np.asarray(hits, dtype=float)
    order = np.argsort(p, kind="stable")
    p, h = p[order], h[order]
    # frames sharing a probability (to 3 decimals) form one point
    key = np.round(p, 3)
    uniq, start = np.unique(key, return_index=True)
    counts = np.diff(np.append(start, key.size))
    rate = np.add.reduceat(h, start) / counts
    fitted = _pava(rate, counts.astype(float))
    conf = np.interp(CONFIDENCE_KNOTS, uniq, fitted)
    conf = np.maximum.accumulate(np.clip(conf, 0.0, 1.0))
    return CONFIDENCE_KNOTS, tuple(round(float(c), 3) for c in conf)


def reliability(
    seeds: Iterable[int], bins: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001),
    duration_s: float = CALIBRATION_DURATION_S, per_seed: list | None = None,
) -> list[tuple[float, float, int, float, float]]:
    """Reported confidence against the share of frames right, on simulated ``annealing-cycle``
    recordings of ``seeds`` through the whole pipeline with the shipped estimator.

    Parameters
    ----------
    seeds : iterable of int
    bins : tuple of float
        Confidence bin edges.
    duration_s : float
        Length of each recording, s.
    per_seed : list or None
        When given, receives ``(seed, phase balanced accuracy, energy Spearman rho)`` per seed
        (frames after the baseline, not artifacts).

    Returns
    -------
    list of (low, high, n_frames, mean_confidence, share_right)
        One per confidence bin ``[low, high)``; frames after the baseline, not artifacts.
    """
    conf, hit = [], []
    for seed in seeds:
        true_p, pred_p, energy, true_e = [], [], [], []
        gen = Generator("annealing-cycle", seed=int(seed), duration_s=duration_s)
        data, art = gen.generate(int(duration_s * gen.sfreq))
        truth = make_truth(gen.schedule, art, gen.sfreq)
        for f in Pipeline(gen.sfreq, list(gen.ch_names), rail_uv=RAIL_UV).push(data):
            if f.baseline_complete and not f.artifact:
                k = int(round(f.time_s / TRUTH_HOP_S))
                conf.append(f.phase_confidence)
                hit.append(f.phase == truth.phase[k])
                true_p.append(truth.phase[k])
                pred_p.append(f.phase)
                energy.append(f.energy)
                true_e.append(truth.energy[k])
        if per_seed is not None:
            tp, pp = np.array(true_p), np.array(pred_p)
            ba = float(np.mean([np.mean(pp[tp == c] == c) for c in np.unique(tp)]))
            e, te = np.array(energy), np.array(true_e)
            ok = np.isfinite(e)
            per_seed.append((int(seed), ba, float(spearmanr(e[ok], te[ok])[0])))
    c, h = np.asarray(conf), np.asarray(hit, dtype=float)
    out = []
    for lo, hi in zip(bins[:-1], bins[1:], strict=True):
        m = (c >= lo) & (c < hi)
        n = int(m.sum())
        out.append((lo, min(hi, 1.0), n, float(c[m].mean()) if n else math.nan,
                    float(h[m].mean()) if n else math.nan))
    return out


def _cell(v: float) -> str:
    return "" if v != v else f"{v:.2f}"


def format_reliability(
    rows: list[tuple[float, float, int, float, float]], seeds, per_seed: list | None = None
) -> str:
    """Markdown table of :func:`reliability` with the expected calibration error (and the
    per-seed accuracy table when ``per_seed`` is given)."""
    n = sum(r[2] for r in rows)
    ece = sum(r[2] * abs(r[3] - r[4]) for r in rows if r[2]) / max(n, 1)
    lines = [
        f"Held-out simulator seeds {', '.join(map(str, seeds))} (`annealing-cycle`, "
        f"{CALIBRATION_DURATION_S:g} s each, the harder simulator), {n} frames after the "
        "baseline:",
        "",
        "| reported confidence | frames | mean confidence | share right |",
        "|---|---|---|---|",
    ]
    for lo, hi, k, mc, sr in rows:
        lines.append(f"| {lo:.1f}-{hi:.1f} | {k} | {_cell(mc)} | {_cell(sr)} |")
    lines += ["", f"Expected calibration error (frame-weighted mean of |confidence - share "
              f"right|): {ece:.3f}."]
    if per_seed:
        lines += ["", "| seed | phase balanced accuracy | energy Spearman rho vs truth |",
                  "|---|---|---|"]
        lines += [f"| {sd} | {ba:.3f} | {rho:.3f} |" for sd, ba, rho in per_seed]
        lines += ["", f"Median over seeds: balanced accuracy "
                  f"{np.median([p[1] for p in per_seed]):.3f}, energy rho "
                  f"{np.median([p[2] for p in per_seed]):.3f}."]
    return "\n".join(lines) + "\n"


def _r(v: np.ndarray) -> tuple[float, ...]:
    return tuple(round(float(a), 3) for a in v)


def calibrate(seeds: Iterable[int] = CALIBRATION_SEEDS) -> dict[str, PhaseTemplate]:
    """Templates fitted on ``annealing-cycle`` recordings of the given seeds."""
    return calibrate_all(seeds)[0]


def calibrate_all(
    seeds: Iterable[int] = CALIBRATION_SEEDS,
) -> tuple[dict[str, PhaseTemplate], tuple[tuple[float, ...], tuple[float, ...]]]:
    """Templates and the confidence map, both fitted on the same recordings."""
    runs = []
    for seed in seeds:
        log.info("simulating seed %d", seed)
        runs.append(estimator_inputs(int(seed)))
    templates = fit_templates(runs)
    return templates, fit_confidence_map(runs, templates)


def format_confidence_map(cmap: tuple[tuple[float, ...], tuple[float, ...]]) -> str:
    """Python source of the confidence map, as pasted into :mod:`.phase_templates`."""
    knots, conf = cmap
    return (
        "CONFIDENCE_MAP: tuple[tuple[float, ...], tuple[float, ...]] = (\n"
        f"    ({', '.join(f'{v:g}' for v in knots)}),\n"
        f"    ({', '.join(f'{v:.3f}' for v in conf)}),\n)"
    )


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
    import sys

    if len(sys.argv) > 1 and sys.argv[1] == "--reliability":
        per: list = []
        rows = reliability(RELIABILITY_SEEDS, per_seed=per)
        print(  # noqa: T201 - the output is the product
            "# Estimator reliability on held-out simulator seeds\n\n"
            "Made by `make reliability` (`python -m neurofeedback.simulate.calibrate "
            "--reliability`): the whole pipeline and the shipped estimator on simulated "
            "recordings whose phases are known, seeds never used for calibration. Frames "
            "reported with confidence p should be right about p of the time.\n"
        )
        print(format_reliability(rows, RELIABILITY_SEEDS, per), end="")  # noqa: T201
        return
    templates, cmap = calibrate_all()
    print(format_confidence_map(cmap))  # noqa: T201 - the output is the product
    print()  # noqa: T201
    print(format_templates(templates))  # noqa: T201


if __name__ == "__main__":
    main()
