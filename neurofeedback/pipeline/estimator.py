"""The annealing-state estimator: a causal state machine over smoothed energy, temperature and
synchrony z-scores.

Phases (:data:`neurofeedback.pipeline.frame.PHASES`):

``baseline``
    The baseline block is still being collected, or nothing has departed from it yet.
``heating``
    Energy rising (positive energy trend) while the brain is not yet both hot and energetic.
``disintegration``
    High energy and high temperature, temperature still rising, while synchrony falls.
``search``
    High temperature on a plateau, energy on a plateau or falling; synchrony free to wander.
``annealing``
    Cooling: energy and temperature falling, synchrony not falling.
``integrated``
    Low temperature, synchrony above baseline, energy steady.

Every update smooths each input with a causal exponential moving average (time constant
``smooth_tau_s``) and estimates its trend as the least-squares slope of the smoothed value over
the last ``slope_window_s`` seconds (causal: only past frames). Each phase gets a *membership
margin*: the minimum over its conditions of how far the condition is satisfied, in units of the
condition's scale (positive = satisfied). The best phase wins when it is positive, beats the
current phase by ``hysteresis`` and the current phase has lasted its minimum dwell time; otherwise
the state is held. Frames flagged as artifacts change nothing.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import UsageError
from .frame import PHASES

log = logging.getLogger(__name__)

#: Phases the state machine can move between once the baseline is complete.
_ACTIVE = PHASES[1:]
#: Largest magnitude of one condition margin, so no single input dominates.
_MARGIN_CLIP = 3.0


def _default_dwell() -> dict[str, float]:
    return {
        "baseline": 0.0,
        "heating": 4.0,
        "disintegration": 4.0,
        "search": 4.0,
        "annealing": 4.0,
        "integrated": 6.0,
    }


@dataclass
class EstimatorConfig:
    """Parameters of :class:`AnnealingEstimator`. All thresholds are in baseline z units.

    Attributes
    ----------
    smooth_tau_s : float
        Time constant of the causal EMA applied to each input, seconds (> 0).
    slope_window_s : float
        Length of the causal window over which trends (least-squares slopes) are fitted, s (> 0).
    energy_high_z : float
        Smoothed energy above this counts as "high energy".
    temperature_high_z : float
        Smoothed temperature above this counts as "hot".
    temperature_low_z : float
        Smoothed temperature below this counts as "cool" (must be < ``temperature_high_z``).
    synchrony_high_z : float
        Smoothed synchrony above this counts as "above baseline" (integrated).
    energy_slope_z_per_s : float
        Energy trend beyond +/- this many z per second counts as rising / falling (> 0).
    temperature_slope_z_per_s : float
        Same for temperature (> 0).
    synchrony_slope_z_per_s : float
        Same for synchrony (> 0).
    level_scale_z : float
        One margin unit for level conditions, z (> 0).
    hysteresis : float
        Margin units by which a new phase must beat the current one to take over (>= 0).
    backward_hysteresis : float
        Margin units needed instead to move backwards in the cycle (e.g. search ->
        disintegration) or to leave ``baseline`` for anything but ``heating``; moving to
        ``heating`` uses ``hysteresis`` (it starts a new cycle) except from ``disintegration``
        or ``annealing`` (always backward) and from ``integrated`` or ``search`` within
        ``settle_s`` of entering them. >= 0.
    settle_s : float
        See ``backward_hysteresis``: a settled state resists a new heating for this long, s.
    min_dwell_s : dict of str to float
        Minimum time in each phase before it may be left, seconds (>= 0); keys are phases.
    min_trend_s : float
        Trends are treated as 0 until this much post-baseline history is available, s (>= 0).
    """

    smooth_tau_s: float = 3.0
    slope_window_s: float = 10.0
    energy_high_z: float = 2.0
    temperature_high_z: float = 1.0
    temperature_low_z: float = 0.75
    synchrony_high_z: float = 0.75
    energy_slope_z_per_s: float = 0.1
    temperature_slope_z_per_s: float = 0.03
    synchrony_slope_z_per_s: float = 0.05
    level_scale_z: float = 1.0
    hysteresis: float = 0.25
    backward_hysteresis: float = 2.0
    settle_s: float = 30.0
    min_dwell_s: dict[str, float] = field(default_factory=_default_dwell)
    min_trend_s: float = 5.0

    def __post_init__(self) -> None:
        for name in (
            "smooth_tau_s",
            "slope_window_s",
            "energy_slope_z_per_s",
            "temperature_slope_z_per_s",
            "synchrony_slope_z_per_s",
            "level_scale_z",
        ):
            _check_finite(name, getattr(self, name), positive=True)
        for name in (
            "energy_high_z",
            "temperature_high_z",
            "temperature_low_z",
            "synchrony_high_z",
        ):
            _check_finite(name, getattr(self, name), positive=False)
        _check_finite("hysteresis", self.hysteresis, positive=False, nonneg=True)
        _check_finite("settle_s", self.settle_s, positive=False, nonneg=True)
        _check_finite(
            "backward_hysteresis", self.backward_hysteresis, positive=False, nonneg=True
        )
        _check_finite("min_trend_s", self.min_trend_s, positive=False, nonneg=True)
        if self.temperature_low_z >= self.temperature_high_z:
            raise UsageError(
                "estimator temperature_low_z must be below temperature_high_z; got "
                f"{self.temperature_low_z!r} >= {self.temperature_high_z!r}"
            )
        dwell = _default_dwell()
        unknown = sorted(set(self.min_dwell_s) - set(PHASES))
        if unknown:
            raise UsageError(
                f"estimator min_dwell_s keys must be among {', '.join(PHASES)}; "
                f"got {', '.join(map(repr, unknown))}"
            )
        for key, value in self.min_dwell_s.items():
            dwell[key] = _check_finite(f"min_dwell_s[{key}]", value, positive=False, nonneg=True)
        self.min_dwell_s = dwell


def _check_finite(name: str, value: object, *, positive: bool, nonneg: bool = False) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise UsageError(f"estimator {name} must be a number; got {value!r}") from None
    if not math.isfinite(v):
        raise UsageError(f"estimator {name} must be finite; got {value!r}")
    if positive and v <= 0:
        raise UsageError(f"estimator {name} must be > 0; got {value!r}")
    if nonneg and v < 0:
        raise UsageError(f"estimator {name} must be >= 0; got {value!r}")
    return v


@dataclass
class EstimatorState:
    """What the estimator says after one frame.

    Attributes
    ----------
    phase : str
        One of :data:`~neurofeedback.pipeline.frame.PHASES`.
    confidence : float
        0..1: 0.5 + 0.5 * tanh(margin of the current phase over the best other phase).
    cycle_count : int
        Completed annealing cycles (annealing -> integrated after a heating).
    time_in_phase_s : float
        Seconds since the current phase was entered.
    margins : dict of str to float
        Membership margin of each active phase (empty until the baseline is complete).
    """

    phase: str
    confidence: float
    cycle_count: int
    time_in_phase_s: float = 0.0
    margins: dict[str, float] = field(default_factory=dict)


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


def _slope(times: np.ndarray, values: np.ndarray) -> float:
    """Least-squares slope of ``values`` against ``times`` (per second); 0 if undefined."""
    ok = np.isfinite(values)
    if ok.sum() < 3:
        return 0.0
    t = times[ok] - times[ok].mean()
    denom = float(np.dot(t, t))
    if denom <= 0:
        return 0.0
    return float(np.dot(t, values[ok] - values[ok].mean()) / denom)


def _slopes(win: np.ndarray) -> tuple[float, float, float]:
    """:func:`_slope` of rows 1, 2 and 3 of ``win`` against row 0, bit-identical.

    ``win`` has shape (4, n) with C-contiguous rows (times, then three value series). When every
    value is finite (the usual case) the centred times and their sum of squares are computed once
    and shared by the three fits; the operations per fit (pairwise ``mean`` of a contiguous
    vector, ``dot`` of fresh contiguous vectors) are those of :func:`_slope`, so the results are
    the same floats. Otherwise each row goes through :func:`_slope`.
    """
    times = win[0]
    n = times.size
    if n < 3 or not np.isfinite(win[1:]).all():
        return _slope(times, win[1]), _slope(times, win[2]), _slope(times, win[3])
    add, dot = np.add.reduce, np.dot  # add.reduce / n is what ndarray.mean computes
    t = times - add(times) / n
    denom = float(dot(t, t))
    if denom <= 0:
        return 0.0, 0.0, 0.0
    e, tt, s = win[1], win[2], win[3]
    return (
        float(dot(t, e - add(e) / n) / denom),
        float(dot(t, tt - add(tt) / n) / denom),
        float(dot(t, s - add(s) / n) / denom),
    )


def _m(x: float) -> float:
    """Clip one condition margin; NaN (input unavailable) counts as not satisfied (0)."""
    if -_MARGIN_CLIP <= x <= _MARGIN_CLIP:  # the usual case (False for NaN)
        return x
    if not math.isfinite(x):
        return 0.0
    return _MARGIN_CLIP if x > 0 else -_MARGIN_CLIP


class AnnealingEstimator:
    """Causal annealing-phase state machine with hysteresis and minimum dwell times.

    Parameters
    ----------
    hop_s : float
        Nominal time between updates, seconds (used when time stamps do not advance).
    config : EstimatorConfig or None
        Thresholds and time constants; defaults when None.

    Notes
    -----
    Deterministic, no threads. Call :meth:`update` once per feature frame, in time order.
    """

    def __init__(self, hop_s: float = 0.1, config: EstimatorConfig | None = None) -> None:
        self.hop_s = _check_finite("hop_s", hop_s, positive=True)
        self.config = config if config is not None else EstimatorConfig()
        if not isinstance(self.config, EstimatorConfig):
            raise UsageError(
                f"estimator config must be an EstimatorConfig; got {type(config).__name__}"
            )
        self.reset()

    def reset(self) -> None:
        """Forget everything: back to the baseline phase with no history."""
        c = self.config
        self._ema = {k: _Ema(c.smooth_tau_s) for k in ("E", "T", "S")}
        n_hist = max(int(math.ceil(c.slope_window_s / self.hop_s)) + 1, 3)
        # the last n_hist (time, E, T, S) rows, each written twice (at i and i + n_hist) so the
        # window in time order is always one contiguous slice of each row
        self._n_hist = n_hist
        self._buf = np.empty((4, 2 * n_hist))
        self._count = 0
        self._phase = "baseline"
        self._entered_t = math.nan
        self._first_t = math.nan
        self._heated = False
        self._cycles = 0
        self._state = EstimatorState("baseline", 1.0, 0)

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

        Returns
        -------
        EstimatorState
        """
        if not baseline_complete:
            if self._phase != "baseline" or self._count:
                self.reset()
            self._state = EstimatorState("baseline", 1.0, self._cycles)
            return self._state
        if artifact:
            return self._state
        t = float(time_s)
        if not math.isfinite(self._first_t):
            self._first_t = t
            self._entered_t = t
        e = self._ema["E"].update(t, float(energy_z), self.hop_s)
        tt = self._ema["T"].update(t, float(temperature_z), self.hop_s)
        s = self._ema["S"].update(t, float(synchrony_z), self.hop_s)
        n_hist = self._n_hist
        head = self._count % n_hist
        self._buf[:, head] = self._buf[:, head + n_hist] = (t, e, tt, s)
        self._count += 1
        if t - self._first_t >= self.config.min_trend_s:
            end = head + n_hist + 1
            de, dt_, ds = _slopes(self._buf[:, end - min(self._count, n_hist) : end])
        else:
            de = dt_ = ds = 0.0
        margins = self._margins(e, tt, s, de, dt_, ds)
        self._decide(t, margins)
        return self._state

    def _margins(
        self, e: float, t: float, s: float, de: float, dt_: float, ds: float
    ) -> dict[str, float]:
        c = self.config
        lv = c.level_scale_z
        ke, kt, ks = c.energy_slope_z_per_s, c.temperature_slope_z_per_s, c.synchrony_slope_z_per_s
        rising_e = _m((de - ke) / ke)
        not_rising_e = _m((ke - de) / ke)
        falling_e = _m((-de - ke) / ke)
        steady_e = _m((2.0 * ke - abs(de)) / ke)
        hot = _m((t - c.temperature_high_z) / lv)
        cool = _m((c.temperature_low_z - t) / lv)
        high_e = _m((e - c.energy_high_z) / lv)
        cooling = _m(-dt_ / kt)
        warming = _m(dt_ / kt)
        steady_t = _m((2.0 * kt - abs(dt_)) / kt)
        falling_s = _m((-ds - ks) / ks)
        not_falling_s = _m((ds + ks) / ks)
        sync_high = _m((s - c.synchrony_high_z) / lv)
        return {
            "heating": min(rising_e, max(-high_e, -hot)),
            "disintegration": min(high_e, hot, falling_s, warming),
            "search": min(hot, not_rising_e, steady_t),
            "annealing": min(falling_e, cooling, not_falling_s),
            "integrated": min(cool, sync_high, steady_e),
        }

    def _decide(self, t: float, margins: dict[str, float]) -> None:
        c = self.config
        best = max(_ACTIVE, key=lambda p: margins[p])
        current = self._phase
        cur_margin = margins.get(current, 0.0)
        dwell = t - self._entered_t
        if best == "heating":  # a new cycle: from a settled state only with clear evidence
            # ...and never as a quick relapse from inside a cycle: disintegration, search and
            # annealing go back to heating only with backward evidence (an energy trend that
            # flickers during disintegration is noise, not a new cycle)
            backward = (
                current in ("integrated", "search") and dwell < c.settle_s
            ) or current in ("disintegration", "annealing")
        else:
            backward = current == "baseline" or PHASES.index(best) < PHASES.index(current)
        needed = c.backward_hysteresis if backward else c.hysteresis
        if (
            best != current
            and margins[best] > 0
            and margins[best] - cur_margin > needed
            and dwell >= c.min_dwell_s[current]
        ):
            if current == "annealing" and best == "integrated" and self._heated:
                self._cycles += 1
                self._heated = False
                log.debug("annealing cycle %d completed at %.1f s", self._cycles, t)
            if best in ("heating", "disintegration"):
                self._heated = True
            log.debug("phase %s -> %s at %.1f s", current, best, t)
            self._phase = best
            self._entered_t = t
            current = best
            cur_margin = margins[best]
        if current == "baseline":
            others = max(margins.values())
            margin = -others
        else:
            others = max(v for p, v in margins.items() if p != current)
            margin = cur_margin - others
        confidence = 0.5 + 0.5 * math.tanh(margin)
        self._state = EstimatorState(
            phase=current,
            confidence=float(min(1.0, max(0.0, confidence))),
            cycle_count=self._cycles,
            time_in_phase_s=float(t - self._entered_t),
            margins=dict(margins),
        )
