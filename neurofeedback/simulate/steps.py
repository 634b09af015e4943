"""Response latency: how fast the feedback scores follow a step change the simulator makes.

The scenario simulator holds one quantity at a low level, then switches it to a high level and
back, every ``hold_s`` seconds, at known samples (:func:`step_scenario`):

``energy``
    log2 amplitude of the region oscillations 0 <-> 1 (+6 dB of oscillatory power): the input
    of the meditation score;
``synchrony``
    lagged coupling of the region oscillators 0.35 <-> 0.85: the input of the integration score;
``drowsiness``
    0 (alert) <-> 0.8 (light sleep): the meditation score goes to 0 and the estimator's phase
    to ``drowsy``.

The real pipeline (:func:`~neurofeedback.pipeline.pipeline.run_pipeline`, the same code a live
session runs) analyses the recording (60-s baseline at the low level). For every step:

- the *steady levels* of a score are its medians over the last ``steady_s`` seconds of the hold
  before and of the hold after the step;
- the *response latency* is the time from the step to the first frame (time stamp = the end of
  its window) at which the score has moved half-way from the old level to the new one
  (:func:`halfway_latency`); steps whose levels differ by less than :data:`MIN_CHANGE` are not
  counted;
- the *phase latency* is the time from the step to the first frame whose estimator phase is the
  phase most frames of the new steady stretch have (only steps after which that phase differs
  from the old one).

The *frame-to-frame noise* of a score is measured on the steady stretches: the standard
deviation of its first difference (how much it jitters from one frame to the next) and its
standard deviation around the stretch's median (how far it wanders from its level), each the
root-mean-square over stretches.

Run ``python -m neurofeedback.simulate.steps [--seeds N] [--table] [--json] [--responses] [--real PATH...] [--meditation] [--sweep]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import FileFormatError, UsageError
from ..pipeline.config import PipelineConfig
from ..pipeline.pipeline import run_pipeline
from ..validation import check_option
from .generator import Generator
from .scenarios import BASELINE_S, Scenario, Segment

log = logging.getLogger(__name__)

#: The quantities stepped and the score that follows each.
KINDS: tuple[str, ...] = ("energy", "synchrony", "drowsiness")
SCORE_OF: dict[str, str] = {
    "energy": "meditation_score",
    "synchrony": "integration_score",
    "drowsiness": "meditation_score",
}
#: (energy, temperature, synchrony) and drowsiness at the low and high level of each kind.
_LOW = ((0.0, 0.0, 0.35), 0.0)
_HIGH: dict[str, tuple[tuple[float, float, float], float]] = {
    "energy": ((1.0, 0.0, 0.35), 0.0),
    "synchrony": ((0.0, 0.0, 0.85), 0.0),
    "drowsiness": ((0.0, 0.0, 0.35), 0.8),
}
#: Steps whose steady levels differ by less than this (score units) are not counted.
MIN_CHANGE = 0.05
#: Default seeds, steps per recording, hold and steady-stretch lengths (s).
SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)
N_STEPS = 4
HOLD_S = 20.0
STEADY_S = 6.0
MODULE = "python -m neurofeedback.simulate.steps"


def step_scenario(kind: str, n_steps: int = N_STEPS, hold_s: float = HOLD_S) -> Scenario:
    """A scenario that steps ``kind`` low -> high -> low ... ``n_steps`` times.

    Baseline (65 s) and a first hold at the low level, then ``n_steps`` holds alternating high
    and low, each ``hold_s`` long. Step ``i`` (0-based) happens at
    ``BASELINE_S + (i + 1) * hold_s`` seconds (:func:`step_times`).
    """
    check_option("kind", kind, KINDS)
    low, high = _LOW, _HIGH[kind]
    segs = []
    for i in range(n_steps + 1):
        (p, d) = low if i % 2 == 0 else high
        phase = "drowsy" if d >= 0.5 else "baseline"
        segs.append(Segment(phase, hold_s, p, p, (d, d)))
    return Scenario(
        name=f"steps-{kind}",
        description=f"{kind} stepped low/high every {hold_s:g} s",
        baseline=low[0],
        segments=tuple(segs),
        cycle_s=(n_steps + 1) * hold_s,
        min_duration_s=BASELINE_S + (n_steps + 1) * hold_s,
    )


def step_times(n_steps: int = N_STEPS, hold_s: float = HOLD_S) -> np.ndarray:
    """Times of the steps of :func:`step_scenario`, seconds, shape (n_steps,)."""
    return BASELINE_S + hold_s * np.arange(1, n_steps + 1)


def halfway_latency(t: np.ndarray, y: np.ndarray, t0: float, old: float, new: float,
                    t_end: float = math.inf) -> float:
    """Seconds from ``t0`` to the first sample in ``[t0, t_end)`` at which ``y`` has moved
    half-way from ``old`` to ``new``; NaN if it never does.

    Parameters
    ----------
    t : ndarray, shape (n,)
        Sample times, seconds, ascending.
    y : ndarray, shape (n,)
        The series (NaN samples never count as a crossing).
    t0 : float
        Time of the step, seconds.
    old, new : float
        Steady levels before and after the step.
    t_end : float
        Crossings at or after this time are not looked for.
    """
    mid = 0.5 * (old + new)
    sel = (t >= t0) & (t < t_end)
    ys = y[sel]
    hit = ys >= mid if new > old else ys <= mid
    hit &= np.isfinite(ys)
    if not hit.any():
        return math.nan
    return float(t[sel][np.argmax(hit)] - t0)


@dataclass
class StepResult:
    """What the steps of one quantity gave, over every seed."""

    kind: str
    score: str
    #: half-way latency of the score per counted step, seconds
    latency_s: list[float] = field(default_factory=list)
    #: phase latency per step whose steady phase changed, seconds (NaN: never reached)
    phase_s: list[float] = field(default_factory=list)
    #: per steady stretch, std of the first difference and std around the median
    diff_std: list[float] = field(default_factory=list)
    level_std: list[float] = field(default_factory=list)
    skipped: int = 0

    def summary(self) -> dict[str, float]:
        """Median and p95 latencies, phase latency median, noise (RMS over stretches)."""
        lat = np.asarray(self.latency_s, float)
        ph = np.asarray(self.phase_s, float)
        fin = lat[np.isfinite(lat)]
        fph = ph[np.isfinite(ph)]
        return {
            "latency_median_s": float(np.median(fin)) if fin.size else math.nan,
            "latency_p95_s": float(np.percentile(fin, 95)) if fin.size else math.nan,
            "latency_never": int(lat.size - fin.size),
            "n_steps": int(lat.size),
            "phase_median_s": float(np.median(fph)) if fph.size else math.nan,
            "phase_p95_s": float(np.percentile(fph, 95)) if fph.size else math.nan,
            "phase_steps": int(ph.size),
            "phase_never": int(ph.size - fph.size),
            "noise_diff_std": float(np.sqrt(np.mean(np.square(self.diff_std)))),
            "noise_level_std": float(np.sqrt(np.mean(np.square(self.level_std)))),
        }


def _mode(values: Sequence[str]) -> str:
    return Counter(values).most_common(1)[0][0] if len(values) else ""


def measure_recording(
    kind: str, seed: int, config: PipelineConfig | None = None, n_steps: int = N_STEPS,
    hold_s: float = HOLD_S, steady_s: float = STEADY_S, result: StepResult | None = None,
) -> StepResult:
    """Simulate one step recording of ``kind``, run the pipeline, add its steps to ``result``.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    seed : int
        Simulator seed.
    config : PipelineConfig or None
        Pipeline settings (default: the defaults; the baseline is 0-60 s either way).
    n_steps, hold_s, steady_s : int, float, float
        Steps per recording, seconds between steps, seconds of each hold's end that are steady.
    result : StepResult or None
        Accumulate into this (default: a new one).
    """
    check_option("kind", kind, KINDS)
    if not 0 < steady_s < hold_s:
        raise UsageError(f"steady_s must be in (0, hold_s={hold_s}); got {steady_s}")
    score = SCORE_OF[kind]
    res = result if result is not None else StepResult(kind, score)
    scen = step_scenario(kind, n_steps, hold_s)
    duration = BASELINE_S + (n_steps + 1) * hold_s
    gen = Generator(scen, seed=seed, duration_s=duration)
    data, _ = gen.generate(int(round(duration * gen.sfreq)))
    cfg = replace(config or PipelineConfig(), baseline=(0.0, 60.0))
    frames = run_pipeline(data, gen.sfreq, list(gen.ch_names), cfg)
    t = np.array([f.time_s for f in frames])
    y = np.array([getattr(f, score) for f in frames], float)
    phase = [f.phase for f in frames]
    ends = np.concatenate([[BASELINE_S + hold_s], step_times(n_steps, hold_s) + hold_s])
    stretches = [(e - steady_s, e) for e in ends]
    levels = []
    for lo, hi in stretches:
        m = (t >= lo) & (t < hi)
        seg = y[m]
        levels.append(float(np.median(seg)))
        res.diff_std.append(float(np.std(np.diff(seg))))
        res.level_std.append(float(np.std(seg - np.median(seg))))
    for i, t0 in enumerate(step_times(n_steps, hold_s)):
        old, new = levels[i], levels[i + 1]
        if abs(new - old) < MIN_CHANGE:
            res.skipped += 1
        else:
            res.latency_s.append(halfway_latency(t, y, t0, old, new, t0 + hold_s))
        (a0, a1), (b0, b1) = stretches[i], stretches[i + 1]
        old_ph = _mode([p for p, tt in zip(phase, t, strict=True) if a0 <= tt < a1])
        new_ph = _mode([p for p, tt in zip(phase, t, strict=True) if b0 <= tt < b1])
        if new_ph != old_ph:
            sel = np.flatnonzero((t >= t0) & (t < t0 + hold_s))
            hit = [k for k in sel if phase[k] == new_ph]
            res.phase_s.append(float(t[hit[0]] - t0) if hit else math.nan)
    return res


def measure(
    seeds: Sequence[int] = SEEDS, config: PipelineConfig | None = None,
    kinds: Sequence[str] = KINDS, n_steps: int = N_STEPS, hold_s: float = HOLD_S,
) -> dict[str, StepResult]:
    """:func:`measure_recording` for every kind and seed; results by kind."""
    out = {}
    for kind in kinds:
        res = StepResult(kind, SCORE_OF[kind])
        for seed in seeds:
            measure_recording(kind, seed, config, n_steps, hold_s, result=res)
        out[kind] = res
    return out


def bench_keys(results: dict[str, StepResult]) -> dict[str, float | None]:
    """The ``benchmarks/results.json`` keys of a :func:`measure` run (rounded)."""
    out: dict[str, float | None] = {}
    names = {"energy": "meditation", "synchrony": "integration", "drowsiness": "drowsy"}
    for kind, res in results.items():
        s = res.summary()
        name = names[kind]
        out[f"response_latency_{name}_s"] = _round(s["latency_median_s"], 3)
        out[f"response_latency_{name}_p95_s"] = _round(s["latency_p95_s"], 3)
        out[f"response_phase_{name}_s"] = _round(s["phase_median_s"], 3)
        out[f"response_phase_{name}_p95_s"] = _round(s["phase_p95_s"], 3)
        out[f"response_noise_diff_{name}"] = _round(s["noise_diff_std"], 4)
        out[f"response_noise_level_{name}"] = _round(s["noise_level_std"], 4)
    return out


def _round(x: float, digits: int) -> float | None:
    """``round(x, digits)``, None for NaN (JSON has no NaN)."""
    return round(x, digits) if math.isfinite(x) else None


def format_table(results: dict[str, StepResult]) -> str:
    """Markdown table: per stepped quantity, latencies and noise."""
    lines = [
        "| step | score | half-way median (s) | p95 (s) | steps (never) | phase change median (s) "
        "| phase steps (never) | frame-to-frame std | std around level |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, res in results.items():
        s = res.summary()
        lines.append(
            f"| {kind} | {res.score} | {s['latency_median_s']:.2f} | {s['latency_p95_s']:.2f} | "
            f"{s['n_steps']} ({s['latency_never']}) | {s['phase_median_s']:.2f} | "
            f"{s['phase_steps']} ({s['phase_never']}) | {s['noise_diff_std']:.4f} | "
            f"{s['noise_level_std']:.4f} |"
        )
    return "\n".join(lines)


#: (integration_pool_s, integration_smooth_s, consonance_score_smooth_s) compared by ``--sweep``;
#: the first is the pre-issue-14 setting (the reported 4-s pooled synchrony, unsmoothed), the
#: default is marked in the table.
SWEEP: tuple[tuple[float, float, float], ...] = (
    (4.0, 0.0, 0.0), (2.0, 0.0, 0.0), (1.0, 0.0, 0.0), (1.0, 0.5, 0.0), (0.0, 0.5, 0.0),
    (4.0, 0.0, 2.0), (2.0, 0.0, 2.0), (1.0, 0.0, 2.0), (0.8, 0.0, 2.0), (1.0, 0.0, 3.0),
    (0.5, 0.0, 2.0),
)


def sweep_table(
    seeds: Sequence[int], sweep: Sequence[tuple[float, float, float]] = SWEEP
) -> str:
    """Markdown table: the integration score's response and noise for each feedback window
    (synchrony pool span, its smoothing, the consonance term's smoothing)."""
    default = PipelineConfig()
    lines = [
        "| pool span (s) | smoothing tau (s) | consonance tau (s) | half-way median (s) | p95 (s) "
        "| frame-to-frame std | std around level | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for pool, tau, cons in sweep:
        cfg = replace(default, integration_pool_s=pool, integration_smooth_s=tau,
                      consonance_score_smooth_s=cons)
        s = measure(seeds, cfg, kinds=("synchrony",))["synchrony"].summary()
        note = "default" if (pool, tau, cons) == (
            default.integration_pool_s, default.integration_smooth_s,
            default.consonance_score_smooth_s) else ""
        lines.append(
            f"| {pool:g} | {tau:g} | {cons:g} | {s['latency_median_s']:.2f} | "
            f"{s['latency_p95_s']:.2f} | {s['noise_diff_std']:.4f} | {s['noise_level_std']:.4f} "
            f"| {note} |"
        )
    return "\n".join(lines)


#: (integration_analytic_tau_s, integration_analytic_order) compared by ``--analytic``: the
#: per-sample analytic-signal synchrony (:mod:`..pipeline.analytic`) with gamma kernels.
ANALYTIC_SWEEP: tuple[tuple[float, int], ...] = (
    (0.5, 1), (1.0, 1), (0.7, 2), (1.0, 2), (1.4, 2), (0.3, 3), (0.4, 3), (0.45, 3), (0.5, 3),
    (0.6, 3), (0.8, 3), (0.4, 4),
)


def analytic_table(
    seeds: Sequence[int], sweep: Sequence[tuple[float, int]] = ANALYTIC_SWEEP
) -> str:
    """Markdown table: the integration score's response and noise when it reads the per-sample
    synchrony, for each kernel (stage time constant, stages), and the kernel's nominal
    half-way time (kernel plus demodulation delay, without the score's nonlinearity)."""
    from ..pipeline.analytic import AnalyticSynchrony

    default = PipelineConfig()
    lines = [
        "| stage tau (s) | stages | nominal half-way (s) | half-way median (s) | p95 (s) "
        "| frame-to-frame std | std around level |",
        "|---|---|---|---|---|---|---|",
    ]
    for tau, order in sweep:
        cfg = replace(default, integration_analytic_tau_s=tau, integration_analytic_order=order)
        nominal = AnalyticSynchrony(250.0, 1, default.integration_band, tau, order).halfway_s
        s = measure(seeds, cfg, kinds=("synchrony",))["synchrony"].summary()
        lines.append(
            f"| {tau:g} | {order} | {nominal:.2f} | {s['latency_median_s']:.2f} | "
            f"{s['latency_p95_s']:.2f} | {s['noise_diff_std']:.4f} | {s['noise_level_std']:.4f} |"
        )
    return "\n".join(lines)


#: ``meditation_segments`` compared by ``--meditation``: all of the window's three 1-s Welch
#: segments (the default), the last two (1.5 s), the last one (1 s).
MEDITATION_SWEEP: tuple[int, ...] = (0, 2, 1)


def meditation_table(seeds: Sequence[int], sweep: Sequence[int] = MEDITATION_SWEEP) -> str:
    """Markdown table: the meditation score's response to energy steps and its noise for each
    ``meditation_segments`` setting, with the configured response time (:func:`response_time_s`)."""
    from ..pipeline.latency import meditation_span_s, response_time_s

    default = PipelineConfig()
    lines = [
        "| meditation_segments | spectral span (s) | configured (s) | half-way median (s) "
        "| p95 (s) | frame-to-frame std | std around level | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k in sweep:
        cfg = replace(default, meditation_segments=k)
        s = measure(seeds, cfg, kinds=("energy",))["energy"].summary()
        span = meditation_span_s(cfg)
        note = "default" if k == default.meditation_segments else ""
        lines.append(
            f"| {k} | {span:g} | {response_time_s(cfg)['meditation']:.2f} | "
            f"{s['latency_median_s']:.2f} | {s['latency_p95_s']:.2f} | {s['noise_diff_std']:.4f} "
            f"| {s['noise_level_std']:.4f} | {note} |"
        )
    return "\n".join(lines)


def responses_table(seeds: Sequence[int]) -> str:
    """Markdown table: for each protocol ``[feedback] response`` choice
    (:data:`~neurofeedback.protocols.schema.RESPONSES`), the configured response times and
    the measured half-way medians and frame-to-frame std of both scores."""
    from ..pipeline.latency import response_time_s
    from ..protocols.schema import RESPONSES

    lines = [
        "| response | settings | meditation: configured (s) | half-way median (s) "
        "| frame-to-frame std | integration: configured (s) | half-way median (s) "
        "| frame-to-frame std |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, settings in RESPONSES.items():
        cfg = replace(PipelineConfig(), **settings)
        res = measure(seeds, cfg, kinds=("energy", "synchrony"))
        med, integ = res["energy"].summary(), res["synchrony"].summary()
        conf = response_time_s(cfg)
        desc = ", ".join(f"{k} = {v:g}" for k, v in settings.items())
        lines.append(
            f"| {name} | {desc} | {conf['meditation']:.2f} | {med['latency_median_s']:.2f} "
            f"| {med['noise_diff_std']:.4f} | {conf['integration']:.2f} "
            f"| {integ['latency_median_s']:.2f} | {integ['noise_diff_std']:.4f} |"
        )
    return "\n".join(lines)


#: Baseline block (s) of the real recordings in :func:`real_jitter_table` (EEGMMIDB's runs
#: are 61 s long, so the usual 60 s would leave nothing after it).
REAL_BASELINE_S = 20.0


def real_jitter(path: str, settings: dict[str, object]) -> dict[str, float]:
    """Frame-to-frame std of the meditation and integration scores on one real recording.

    The recording is analysed with :data:`REAL_BASELINE_S` of baseline and ``settings``
    (:class:`PipelineConfig` fields); the std is over pairs of consecutive frames that are
    both after the baseline and not artifact frames. Returns ``{"meditation": std,
    "integration": std, "pairs": n}``.
    """
    from ..io import load_eeg_file

    loaded = load_eeg_file(path)
    cfg = replace(PipelineConfig(baseline=(0.0, REAL_BASELINE_S)), **settings)
    frames = run_pipeline(loaded.data, loaded.sfreq, list(loaded.ch_names), cfg, loaded.rail_uv)
    ok = np.array([f.baseline_complete and not f.artifact for f in frames])
    both = ok[1:] & ok[:-1]
    out: dict[str, float] = {"pairs": float(both.sum())}
    for name in ("meditation", "integration"):
        y = np.array([getattr(f, f"{name}_score") for f in frames], float)
        out[name] = float(np.std(np.diff(y)[both])) if both.any() else math.nan
    return out


def real_jitter_table(paths: Sequence[str]) -> str:
    """Markdown table: per real recording and protocol response choice, the frame-to-frame
    std of both scores (:func:`real_jitter`), and the root-mean-square over recordings."""
    from ..io._common import fname
    from ..protocols.schema import RESPONSES

    names = list(RESPONSES)
    head = " | ".join(f"{n}: meditation | {n}: integration" for n in names)
    lines = [f"| recording | clean pairs | {head} |", "|---|---|" + "---|" * (2 * len(names))]
    sq = {n: [] for n in names}
    for path in paths:
        cells = []
        pairs = 0.0
        for n in names:
            j = real_jitter(path, RESPONSES[n])
            pairs = j["pairs"]
            sq[n].append((j["meditation"], j["integration"]))
            cells += [f"{j['meditation']:.4f}", f"{j['integration']:.4f}"]
        lines.append(f"| {fname(path)} | {pairs:.0f} | " + " | ".join(cells) + " |")
    rms = []
    for n in names:
        a = np.array(sq[n], float)
        rms += [f"{np.sqrt(np.nanmean(a[:, 0] ** 2)):.4f}", f"{np.sqrt(np.nanmean(a[:, 1] ** 2)):.4f}"]
    lines.append("| **RMS over recordings** | | " + " | ".join(rms) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog=MODULE, description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=len(SEEDS), help="seeds 0..N-1 (default 5)")
    ap.add_argument("--kind", action="append", choices=KINDS, help="only these (repeatable)")
    ap.add_argument("--table", action="store_true", help="print a Markdown table")
    ap.add_argument("--json", action="store_true", help="print the benchmark keys as JSON")
    ap.add_argument("--sweep", action="store_true",
                    help="the integration score's response and noise for several feedback windows")
    ap.add_argument("--responses", action="store_true",
                    help="both scores' response and noise for each protocol response choice")
    ap.add_argument("--real", nargs="+", metavar="PATH",
                    help="frame-to-frame jitter of both scores on these real recordings, for "
                         "each protocol response choice")
    ap.add_argument("--meditation", action="store_true",
                    help="the meditation score's response and noise for several spectral spans")
    ap.add_argument("--analytic", action="store_true",
                    help="the same for the per-sample analytic-signal synchrony's kernels")
    args = ap.parse_args(argv)
    if args.seeds < 1:
        print(f"error: --seeds must be >= 1; got {args.seeds}", file=sys.stderr)
        return 2
    logging.getLogger("neurofeedback").setLevel(logging.ERROR)
    if args.real:
        try:
            print(real_jitter_table(args.real))
        except (UsageError, FileFormatError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.sweep or args.analytic or args.meditation or args.responses:
        if args.responses:
            print(responses_table(range(args.seeds)))
        if args.meditation:
            print(meditation_table(range(args.seeds)))
        if args.sweep:
            print(sweep_table(range(args.seeds)))
        if args.analytic:
            print(analytic_table(range(args.seeds)))
        return 0
    res = measure(range(args.seeds), kinds=args.kind or KINDS)
    if args.json:
        print(json.dumps(bench_keys(res), indent=2))
    if args.table or not args.json:
        print(format_table(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
