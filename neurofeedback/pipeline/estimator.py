"""The annealing-state estimator: a causal forward filter that tracks where the brain stands in
the annealing cycle.

Phases (:data:`neurofeedback.pipeline.frame.PHASES`), in cycle order:

``baseline``
    The baseline block is still being collected, or nothing has departed from it yet.
``heating``
    Energy rising from the baseline, temperature and synchrony still near it.
``disintegration``
    Energy high, temperature rising, synchrony falling.
``search``
    Energy and temperature high on a plateau, synchrony low.
``annealing``
    Cooling: energy and temperature falling, synchrony rising.
``integrated``
    Temperature back near the baseline, synchrony well above it, energy modestly raised.
``drowsy``
    Outside the cycle: the pipeline's drowsiness is at or above its ``drowsy_hold``. A brain
    falling asleep is not heating: while drowsy the filter is held (as in artifact frames)
    and resumes where it was when the person is alert again.

Model
-----
The filter sees four numbers per frame: the energy, temperature and synchrony baseline z-scores,
each smoothed by a causal exponential moving average (``smooth_tau_s``), and the energy trend:
the fast-smoothed energy minus energy smoothed over ``trend_tau_s`` (for energy rising at r z/s
this settles at r * (trend_tau_s - smooth_tau_s)). Each phase is a *template*: a straight path in
this four-dimensional space from where the phase starts to where it ends, with a spread per axis
(:class:`PhaseTemplate`). The path is cut into ``substates`` equal steps, so the hidden state is
"phase p, fraction k/substates of the way through it"; ``baseline`` is one more state at the
origin, with the heating template's spread (heating starts from rest, so the two differ in where
they lie, not in how much frames scatter around them). The
states form a ring in cycle order. Per frame a state either stays or moves one step on, at a rate
that makes a phase last ``expected_phase_s`` on average; the baseline is left for the start of
heating and the end of integrated leads to the start of a new heating, each at its own small
rate. A brain that skips phases (energy rising straight into integration, as in meditation) is
followed by the probability passing quickly through the phases its frames do not match.

The filter is the forward recursion of this hidden Markov model: predict with the transition rates over the
time since the last frame, then weigh each state by its Gaussian likelihood raised to
``evidence_weight`` (consecutive frames share 95 % of their window, so each frame is far from an
independent observation). Only past frames are used. A phase's probability is the sum over its
substates.

Reported phase: the most probable phase takes over when its probability exceeds the current
phase's by ``hysteresis`` and the current phase has lasted its minimum dwell time. Confidence is
the reported phase's probability. Frames flagged as artifacts change nothing.

The default templates were calibrated on the scenario simulator's ``annealing-cycle`` (seeds 0-9)
by :mod:`neurofeedback.simulate.calibrate`; see :mod:`.phase_templates`.
"""

from __future__ import annotations

import bisect
import logging
import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from ..errors import UsageError
from .baseline import MAD_SCALE
from .features import CYCLE_PHASES
from .frame import PHASES
from .phase_templates import AXES, CONFIDENCE_MAP, DEFAULT_TEMPLATES, PhaseTemplate

log = logging.getLogger(__name__)

#: Phases of the cycle (every phase but ``baseline`` and ``drowsy``), in order.
CYCLE: tuple[str, ...] = CYCLE_PHASES


def _default_dwell() -> dict[str, float]:
    return {
        "baseline": 0.0,
        "heating": 4.0,
        "disintegration": 4.0,
        "search": 4.0,
        "annealing": 4.0,
        "integrated": 6.0,
        "drowsy": 0.0,
    }


def _default_expected() -> dict[str, float]:
    return {p: 40.0 for p in CYCLE}


@dataclass
class EstimatorConfig:
    """Parameters of :class:`AnnealingEstimator`.

    Attributes
    ----------
    smooth_tau_s : float
        Time constant of the causal EMA applied to each input, seconds (> 0).
    trend_tau_s : float
        Time constant of the slower energy EMA the trend is measured against, seconds
        (> ``smooth_tau_s``).
    substates : int
        Steps each phase template is cut into (>= 1). More steps make the filter surer of the
        order *within* a phase and slower to skip through it.
    evidence_weight : float
        Exponent on the likelihood of 0.1 s of frames (0 < w <= 1; each frame's exponent is
        ``w * hop_s / 0.1``): how much the evidence counts. Frames overlap, so counting each
        fully would make the filter overconfident.
    expected_phase_s : dict of str to float
        Mean time spent in each cycle phase, seconds (> 0); keys are cycle phases. A prior only:
        the evidence decides; doubling every value changes accuracy on the simulator by < 0.01.
    leave_baseline_per_s : float
        Rate of leaving ``baseline`` for ``heating``, per second (> 0).
    new_cycle_per_s : float
        Rate of a new heating starting from the end of ``integrated``, per second (> 0).
    min_input_scale : float
        Floor of the input scales, z (> 0; see :meth:`AnnealingEstimator.set_input_scale`).
    return_per_s : float
        Rate at which a heating that has not got past its first half falls back to
        ``baseline``, per second (>= 0). A steady brain wanders around its baseline; without
        this way back the filter's probability would drift into early heating (which lies next
        to the baseline) and stay there, calling a resting brain "heating".
    hysteresis : float
        Probability by which a new phase must beat the current one to take over (0..1).
    min_dwell_s : dict of str to float
        Minimum time in each phase before it may be left, seconds (>= 0); keys are phases.
    templates : dict of str to PhaseTemplate
        One per cycle phase; default :data:`~.phase_templates.DEFAULT_TEMPLATES`.
    confidence_map : (sequence of float, sequence of float)
        Knots (filter probability, calibrated confidence), both non-decreasing in [0, 1];
        default :data:`~.phase_templates.CONFIDENCE_MAP`; ``((0, 1), (0, 1))`` reports the raw
        probability.
    """

    smooth_tau_s: float = 3.0
    trend_tau_s: float = 10.0
    substates: int = 8
    evidence_weight: float = 0.1
    expected_phase_s: dict[str, float] = field(default_factory=_default_expected)
    leave_baseline_per_s: float = 0.002
    new_cycle_per_s: float = 0.005
    return_per_s: float = 0.2
    min_input_scale: float = 0.2
    hysteresis: float = 0.1
    min_dwell_s: dict[str, float] = field(default_factory=_default_dwell)
    templates: dict[str, PhaseTemplate] = field(default_factory=lambda: dict(DEFAULT_TEMPLATES))
    confidence_map: tuple[tuple[float, ...], tuple[float, ...]] = CONFIDENCE_MAP

    def __post_init__(self) -> None:
        for name in ("smooth_tau_s", "trend_tau_s", "leave_baseline_per_s", "new_cycle_per_s",
                     "min_input_scale"):
            setattr(self, name, _number(name, getattr(self, name), "> 0", lambda v: v > 0))
        self.return_per_s = _number("return_per_s", self.return_per_s, ">= 0", lambda v: v >= 0)
        if self.trend_tau_s <= self.smooth_tau_s:
            raise UsageError(
                f"estimator trend_tau_s must be greater than smooth_tau_s "
                f"({self.smooth_tau_s!r} s); got {self.trend_tau_s!r}"
            )
        self.evidence_weight = _number(
            "evidence_weight", self.evidence_weight, "in (0, 1]", lambda v: 0 < v <= 1
        )
        self.hysteresis = _number("hysteresis", self.hysteresis, "in [0, 1)", lambda v: 0 <= v < 1)
        sub = self.substates
        if isinstance(sub, bool) or not isinstance(sub, (int, np.integer)) or sub < 1:
            raise UsageError(f"estimator substates must be an integer >= 1; got {sub!r}")
        self.substates = int(sub)
        self.min_dwell_s = _phase_dict(
            "min_dwell_s", self.min_dwell_s, PHASES, _default_dwell(), ">= 0", lambda v: v >= 0
        )
        self.expected_phase_s = _phase_dict(
            "expected_phase_s", self.expected_phase_s, CYCLE, _default_expected(), "> 0",
            lambda v: v > 0,
        )
        if not isinstance(self.templates, dict):
            raise UsageError(
                f"estimator templates must be a dict of phase name to PhaseTemplate; got "
                f"{type(self.templates).__name__}"
            )
        missing = [p for p in CYCLE if p not in self.templates]
        unknown = sorted(set(self.templates) - set(CYCLE))
        if missing or unknown:
            raise UsageError(
                f"estimator templates must have exactly the keys {', '.join(CYCLE)}; "
                f"missing {missing or 'none'}, unknown {unknown or 'none'}"
            )
        try:
            xs, ys = (np.asarray(v, dtype=float) for v in self.confidence_map)
            ok = (xs.ndim == 1 and xs.shape == ys.shape and xs.size >= 2
                  and bool(np.all(np.diff(xs) >= 0) and np.all(np.diff(ys) >= 0))
                  and bool(np.all((xs >= 0) & (xs <= 1) & (ys >= 0) & (ys <= 1))))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise UsageError(
                "estimator confidence_map must be two equally long non-decreasing sequences in "
                f"[0, 1] (probability knots, confidences); got {self.confidence_map!r}"
            )
        self.confidence_map = (tuple(xs.tolist()), tuple(ys.tolist()))
        for p, tpl in self.templates.items():
            if not isinstance(tpl, PhaseTemplate):
                raise UsageError(
                    f"estimator templates[{p}] must be a PhaseTemplate; got {type(tpl).__name__}"
                )


def _number(name: str, value: object, allowed: str, ok) -> float:
    """``value`` as a finite float satisfying ``ok``; :class:`UsageError` naming ``allowed``."""
    if isinstance(value, bool):
        v = math.nan
    else:
        try:
            v = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            v = math.nan
    if not math.isfinite(v) or not ok(v):
        raise UsageError(f"estimator {name} must be a finite number {allowed}; got {value!r}")
    return v


def _phase_dict(
    name: str, given: object, keys: tuple[str, ...], defaults: dict[str, float], allowed: str,
    ok,
) -> dict[str, float]:
    """``defaults`` updated from ``given`` (a dict keyed by phase names, values ``allowed``)."""
    if not isinstance(given, dict):
        raise UsageError(
            f"estimator {name} must be a dict of phase name to seconds (keys among "
            f"{', '.join(keys)}); got {given!r}"
        )
    unknown = sorted(set(given) - set(keys))
    if unknown:
        raise UsageError(
            f"estimator {name} keys must be among {', '.join(keys)}; "
            f"got {', '.join(map(repr, unknown))}"
        )
    out = dict(defaults)
    for key, value in given.items():
        out[key] = _number(f"{name}[{key}]", value, allowed, ok)
    return out


@dataclass
class EstimatorState:
    """What the estimator says after one frame.

    Attributes
    ----------
    phase : str
        One of :data:`~neurofeedback.pipeline.frame.PHASES`.
    confidence : float
        0..1: how often frames reported like this one are right: the filter's probability of
        the reported phase (at most 0.5 while an input lies outside the calibrated range, see
        ``in_range``) through the calibration map (``EstimatorConfig.confidence_map``).
    cycle_count : int
        Completed annealing cycles (annealing -> integrated after a heating or disintegration).
    time_in_phase_s : float
        Seconds since the current phase was entered.
    probabilities : dict of str to float
        The filter's probability of each phase (sums to 1; empty until the baseline is
        complete).
    probability : float
        The filter's probability of the reported phase before calibration (capped at 0.5
        out of range).
    in_range : bool
        False when an input of this frame lay outside the range the templates cover (it was
        clamped to the range's edge: the model is extrapolating).
    """

    phase: str
    confidence: float
    cycle_count: int
    time_in_phase_s: float = 0.0
    probabilities: dict[str, float] = field(default_factory=dict)
    in_range: bool = True
    probability: float = 1.0


class _Ema:
    """Causal exponential moving average with a time constant; NaN inputs are skipped."""

    def __init__(self, tau_s: float) -> None:
        self.tau_s = tau_s
        self.value = math.nan
        self.last_t = math.nan

    def update(self, t: float, x: float, default_dt: float) -> float:
        if not math.isfinite(x):
            return self.value
        if not math.isfinite(self.value):
            self.value = x
        else:
            dt = t - self.last_t if math.isfinite(self.last_t) and t > self.last_t else default_dt
            alpha = 1.0 - math.exp(-dt / self.tau_s)
            self.value += alpha * (x - self.value)
        self.last_t = t
        return self.value


class _Features:
    """The filter's four inputs from one frame's z-scores (see the module docstring)."""

    def __init__(self, cfg: EstimatorConfig, hop_s: float) -> None:
        self.hop_s = hop_s
        self._fast = [_Ema(cfg.smooth_tau_s) for _ in range(3)]
        self._slow = _Ema(cfg.trend_tau_s)

    def update(
        self, t: float, energy_z: float, temperature_z: float, synchrony_z: float
    ) -> np.ndarray:
        """The four inputs; NaN on an axis whose z-score is missing in this frame (its average
        is kept for when the z-score returns, but a stale value is never offered as evidence)."""
        fe, ft, fs = self._fast
        ez, tz, sz = float(energy_z), float(temperature_z), float(synchrony_z)
        e = fe.update(t, ez, self.hop_s)
        slow = self._slow.update(t, ez, self.hop_s)
        tt = ft.update(t, tz, self.hop_s)
        ss = fs.update(t, sz, self.hop_s)
        nan = math.nan
        e_ok = math.isfinite(ez)
        return np.array([
            e if e_ok else nan, tt if math.isfinite(tz) else nan,
            ss if math.isfinite(sz) else nan, e - slow if e_ok else nan,
        ])


def estimator_features(
    times: np.ndarray, inputs: np.ndarray, config: EstimatorConfig | None = None,
    hop_s: float = 0.1, scale: np.ndarray | None = None,
) -> np.ndarray:
    """The four filter inputs for a whole series, as :meth:`AnnealingEstimator.update` makes them.

    Parameters
    ----------
    times : ndarray, shape (n_frames,)
        Frame times, seconds.
    inputs : ndarray, shape (n_frames, 3)
        Energy, temperature and synchrony z-scores; NaN entries are skipped (the previous
        smoothed value is kept). Give NaN rows for artifact frames, which the estimator skips.
    config : EstimatorConfig or None
        Supplies the time constants; defaults when None.
    hop_s : float
        Nominal hop, seconds.
    scale : ndarray, shape (4,), or None
        Input scales (:func:`input_scale`) the four inputs are divided by; None: 1.

    Returns
    -------
    ndarray, shape (n_frames, 4)
        Smoothed energy, temperature and synchrony z, and the energy trend (z), per
        :data:`~.phase_templates.AXES`, divided by ``scale``.
    """
    feats = _Features(config or EstimatorConfig(), hop_s)
    x = np.array([feats.update(float(t), *map(float, row)) for t, row in zip(times, inputs, strict=True)]
                 ).reshape(len(times), len(AXES))
    return x if scale is None else x / np.asarray(scale, dtype=float)[None, :]


def input_scale(
    baseline_z: np.ndarray, config: EstimatorConfig | None = None, hop_s: float = 0.1
) -> np.ndarray:
    """How far the estimator's four inputs wander at rest, from the baseline block's frames.

    The baseline frames' own z-scores are smoothed exactly as the estimator smooths its inputs;
    each axis' scale is the robust spread (1.4826 x median absolute deviation about 0, the
    baseline's level) of the smoothed series, floored at ``config.min_input_scale``. Dividing
    the inputs by it puts every head on one scale: "one unit" is how far this person's
    smoothed energy (temperature, synchrony, trend) wandered while sitting at rest. Real heads
    wander much further than the simulator (alpha waxes and wanes over tens of seconds); in
    raw z units, such a wander looks like heating.

    Parameters
    ----------
    baseline_z : ndarray, shape (n_frames, 3)
        Energy, temperature and per-window synchrony z-scores of the baseline frames, in time
        order (NaN where missing).
    config : EstimatorConfig or None
    hop_s : float
        Nominal hop between the frames, seconds.

    Returns
    -------
    ndarray, shape (4,)
        Per :data:`~.phase_templates.AXES`, >= ``min_input_scale``; the floor where an axis
        has fewer than two values.
    """
    cfg = config or EstimatorConfig()
    z = np.asarray(baseline_z, dtype=float).reshape(-1, 3)
    x = estimator_features(np.arange(len(z)) * hop_s, z, cfg, hop_s)
    out = np.full(len(AXES), cfg.min_input_scale)
    for a in range(len(AXES)):
        v = x[:, a][np.isfinite(x[:, a])]
        if v.size >= 2:
            out[a] = max(cfg.min_input_scale, MAD_SCALE * float(np.median(np.abs(v))))
    return out


#: Inputs are clamped to the templates' range widened by this many spreads on each side.
RANGE_SPREADS = 3.0
#: Longest gap between frames the filter predicts across, seconds (longer gaps count as this).
MAX_GAP_S = 60.0
#: Floor mixed into the predicted probabilities each step, so that no state ever has exactly
#: zero probability and evidence far from every template cannot freeze the filter.
_FLOOR = 1e-12


class _Model:
    """The hidden states' emission parameters and transition rates, as flat arrays.

    State 0 is ``baseline``; state ``1 + p * K + k`` is step ``k`` of cycle phase ``p``.
    """

    def __init__(self, cfg: EstimatorConfig) -> None:
        k = cfg.substates
        self.k = k
        n = 1 + len(CYCLE) * k
        self.n = n
        mean = np.zeros((n, len(AXES)))
        spread = np.empty((n, len(AXES)))
        spread[0] = cfg.templates[CYCLE[0]].spread
        frac = (np.arange(k) + 0.5) / k
        advance = np.empty(n)  # rate of moving one step on, per second
        advance[0] = cfg.leave_baseline_per_s
        for p, name in enumerate(CYCLE):
            tpl = cfg.templates[name]
            rows = slice(1 + p * k, 1 + (p + 1) * k)
            start, end = np.asarray(tpl.start), np.asarray(tpl.end)
            mean[rows] = start + frac[:, None] * (end - start)
            spread[rows] = np.asarray(tpl.spread)
            advance[rows] = k / cfg.expected_phase_s[name]
        advance[-1] = cfg.new_cycle_per_s
        back = np.zeros(n)  # rate of falling back to the baseline state, per second
        back[1 : 1 + k // 2 if k > 1 else 2] = cfg.return_per_s
        self.back = back
        self.mean = mean
        self.inv_spread = 1.0 / spread
        self.log_norm = np.log(spread)  # per axis, subtracted for the axes present
        self.advance = advance
        ends = [np.zeros(len(AXES))] + [np.asarray(getattr(cfg.templates[p], e)) for p in CYCLE
                                         for e in ("start", "end")]
        wide = [spread[0]] + [np.asarray(cfg.templates[p].spread) for p in CYCLE for _ in "se"]
        self.lo = np.min(np.array(ends) - RANGE_SPREADS * np.array(wide), axis=0)
        self.hi = np.max(np.array(ends) + RANGE_SPREADS * np.array(wide), axis=0)
        self._lo, self._hi = self.lo.tolist(), self.hi.tolist()
        self.phase_of = np.concatenate([[0], 1 + np.repeat(np.arange(len(CYCLE)), k)])
        self._dt = math.nan
        self._stay = self._move = self._fall = np.ones(n)

    def clamp(self, x: np.ndarray) -> bool:
        """Clamp ``x`` (in place) to the calibrated range; True when nothing had to move."""
        inside = True
        for a in range(x.size):  # four numbers: plain floats are cheaper than array calls
            v = x[a]
            if v < self._lo[a]:
                x[a], inside = self._lo[a], False
            elif v > self._hi[a]:
                x[a], inside = self._hi[a], False
        return inside  # NaN compares False both ways: it stays NaN and counts as inside

    def step(self, prob: np.ndarray, x: np.ndarray, dt: float, hop_s: float, weight: float,
             by_phase: np.ndarray) -> bool:
        """One filter step in place: ``prob`` predicted over ``dt`` seconds (in steps of at most
        ``hop_s``, the gap capped at :data:`MAX_GAP_S`) and weighed by the evidence ``x`` (NaN
        axes ignored); ``by_phase`` gets the phase sums. False (``prob`` unchanged) when the
        evidence fits no state."""
        n_sub = max(1, math.ceil(min(dt, MAX_GAP_S) / hop_s - 1e-9))
        sub = min(dt, MAX_GAP_S) / n_sub
        if sub != self._dt:
            self._dt = sub
            rate = self.advance + self.back
            leave = -np.expm1(-rate * sub)
            self._move = leave * self.advance / rate
            self._fall = leave * self.back / rate
            self._stay = 1.0 - leave
        return _filter_step(
            prob, self._stay, self._move, self._fall, n_sub, self.mean, self.inv_spread, self.log_norm, x,
            weight, self.phase_of, by_phase,
        )


@njit(cache=True)  # tiny: keeping the GIL is cheaper than handing it over
def _filter_step(
    prob: np.ndarray, stay: np.ndarray, move: np.ndarray, fall: np.ndarray, n_sub: int, mean: np.ndarray,
    inv_spread: np.ndarray, log_norm: np.ndarray, x: np.ndarray, weight: float,
    phase_of: np.ndarray, by_phase: np.ndarray,
) -> bool:  # pragma: no cover - compiled
    """Predict-and-update of the forward filter (see :class:`_Model` for the state layout).

    ``prob`` (n_states,) is replaced by the posterior; ``stay``/``move`` (n_states,) are the
    probabilities of staying and of moving one step on within one of the ``n_sub`` prediction
    steps (the last state moves to state 1, the start of heating); ``fall`` (n_states,) the
    probability of falling back to state 0 (baseline); ``mean``, ``inv_spread``,
    ``log_norm`` (n_states, n_axes) are each state's Gaussian; ``x`` (n_axes,) the inputs, NaN
    where missing; ``weight`` the evidence exponent; ``by_phase`` (n_phases,) receives the sum
    of ``prob`` over each phase's states.
    """
    n, d = mean.shape
    pred = prob.copy()
    nxt = np.empty(n)
    for _ in range(n_sub):
        for i in range(n):
            nxt[i] = pred[i] * stay[i]
        for i in range(1, n):
            nxt[i] += pred[i - 1] * move[i - 1]
        nxt[1] += pred[n - 1] * move[n - 1]
        for i in range(n):
            nxt[0] += pred[i] * fall[i]
        pred[:] = nxt
    for i in range(n):
        pred[i] = pred[i] * (1.0 - _FLOOR) + _FLOOR / n
    ll = np.empty(n)
    top = -np.inf
    for i in range(n):
        acc = 0.0
        for j in range(d):
            if np.isfinite(x[j]):
                z = (x[j] - mean[i, j]) * inv_spread[i, j]
                acc += -0.5 * z * z - log_norm[i, j]
        ll[i] = weight * acc
        if ll[i] > top:
            top = ll[i]
    total = 0.0
    for i in range(n):
        pred[i] *= np.exp(ll[i] - top)
        total += pred[i]
    if not (total > 0.0 and np.isfinite(total)):
        return False
    by_phase[:] = 0.0
    for i in range(n):
        prob[i] = pred[i] / total
        by_phase[phase_of[i]] += prob[i]
    return True


def _interp(x: float, xs: tuple[float, ...], ys: tuple[float, ...]) -> float:
    """``np.interp(x, xs, ys)`` for one number and a short knot list (without array overhead)."""
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect.bisect_right(xs, x)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)


class AnnealingEstimator:
    """Causal annealing-phase filter with hysteresis and minimum dwell times.

    Parameters
    ----------
    hop_s : float
        Nominal time between updates, seconds (used when time stamps do not advance).
    config : EstimatorConfig or None
        Templates, rates and time constants; defaults when None.

    Notes
    -----
    Deterministic, no threads. Call :meth:`update` once per feature frame, in time order.
    """

    def __init__(self, hop_s: float = 0.1, config: EstimatorConfig | None = None) -> None:
        self.hop_s = _number("hop_s", hop_s, "> 0", lambda v: v > 0)
        self.config = config if config is not None else EstimatorConfig()
        if not isinstance(self.config, EstimatorConfig):
            raise UsageError(
                f"estimator config must be an EstimatorConfig; got {type(config).__name__}"
            )
        self._model = _Model(self.config)
        # the evidence weight is per 0.1 s of frames, whatever the hop
        self._weight = self.config.evidence_weight * self.hop_s / 0.1
        self.reset()

    def reset(self) -> None:
        """Forget everything: back to the baseline phase with no history."""
        self._features = _Features(self.config, self.hop_s)
        self._prob = np.zeros(self._model.n)
        self._prob[0] = 1.0
        self._by_phase = np.zeros(len(PHASES))
        self._last_t = math.nan
        self._phase = "baseline"
        self._entered_t = math.nan
        self._heated = False
        self._cycles = 0
        self._state = EstimatorState("baseline", 1.0, 0)
        self._awake = self._state
        self._scale = np.ones(len(AXES))

    def use_input_scale(self, scale: np.ndarray) -> None:
        """Use known input scales, shape (4,) (as :meth:`set_input_scale` learns them)."""
        self._scale = np.asarray(scale, dtype=float).reshape(len(AXES)).copy()

    def set_input_scale(self, baseline_z: np.ndarray) -> np.ndarray:
        """Put the inputs on this head's scale (:func:`input_scale`) from the baseline frames'
        z-scores, shape (n_frames, 3) (energy, temperature, per-window synchrony); returns the
        four scales. Call once, when the baseline completes; :meth:`reset` forgets it."""
        self._scale = input_scale(baseline_z, self.config, self.hop_s)
        log.info("estimator input scales (z): %s", np.round(self._scale, 3).tolist())
        return self._scale.copy()

    @property
    def state(self) -> EstimatorState:
        """The state returned by the last :meth:`update`."""
        return self._state

    def update(
        self,
        time_s: float,
        energy_z: float,
        temperature_z: float,
        synchrony_z: float,
        artifact: bool,
        baseline_complete: bool,
        drowsy: bool = False,
    ) -> EstimatorState:
        """Feed one frame and return the estimated state.

        Parameters
        ----------
        time_s : float
            Frame time, seconds (non-decreasing across calls).
        energy_z, temperature_z, synchrony_z : float
            Baseline z-scores of energy, temperature and synchrony (NaN when unavailable).
        artifact : bool
            True for an artifact frame: the state is held and nothing is updated.
        baseline_complete : bool
            False while the baseline block is being collected: the phase is ``baseline``.
        drowsy : bool
            True when the person is drowsy or asleep: the phase is ``drowsy`` and the filter
            is held.

        Returns
        -------
        EstimatorState
        """
        if not baseline_complete:
            if self._phase != "baseline" or math.isfinite(self._last_t):
                self.reset()
            self._state = EstimatorState("baseline", 1.0, self._cycles)
            return self._state
        if drowsy:
            if self._state.phase != "drowsy":
                self._awake = self._state  # what to report again when the person wakes
            self._state = EstimatorState("drowsy", 1.0, self._cycles, in_range=self._state.in_range)
            return self._state
        if self._state.phase == "drowsy":  # awake again: the cycle phase held while drowsy
            self._state = self._awake
        if artifact:
            return self._state
        t = float(time_s)
        x = self._features.update(t, energy_z, temperature_z, synchrony_z) / self._scale
        if not np.isfinite(x).any():
            return self._state
        if not math.isfinite(self._entered_t):
            self._entered_t = t
        dt = t - self._last_t if math.isfinite(self._last_t) and t > self._last_t else self.hop_s
        self._last_t = t
        m = self._model
        in_range = m.clamp(x)
        by_phase = self._by_phase
        if not m.step(self._prob, x, dt, self.hop_s, self._weight, by_phase):
            return self._state  # cannot happen with the floor; kept as a guard
        self._decide(t, by_phase.tolist(), in_range)
        return self._state

    def _decide(self, t: float, by_phase: list[float], in_range: bool) -> None:
        c = self.config
        best_i = max(range(len(by_phase)), key=by_phase.__getitem__)
        best = PHASES[best_i]
        current = self._phase
        if (
            best != current
            and by_phase[best_i] - by_phase[PHASES.index(current)] > c.hysteresis
            and t - self._entered_t >= c.min_dwell_s[current]
        ):
            if current == "annealing" and best == "integrated" and self._heated:
                self._cycles += 1
                self._heated = False
                log.debug("annealing cycle %d completed at %.1f s", self._cycles, t)
            if best in ("heating", "disintegration"):
                self._heated = True
            log.debug("phase %s -> %s at %.1f s", current, best, t)
            self._phase = current = best
            self._entered_t = t
        probs = dict(zip(PHASES, by_phase, strict=True))
        raw = float(min(1.0 if in_range else 0.5, max(0.0, probs[current])))
        self._state = EstimatorState(
            phase=current,
            confidence=_interp(raw, *c.confidence_map),
            probability=raw,
            cycle_count=self._cycles,
            time_in_phase_s=float(t - self._entered_t),
            probabilities=probs,
            in_range=in_range,
        )
