"""Latency bookkeeping: processing latency statistics and the configured response time.

Two different delays stand between a change in the brain and the feedback that shows it:

- **processing latency** (measured): from the moment a sample leaves the source to the moment
  the feedback that includes it is drawn, played or printed. Measured per frame by the
  consumers of a live session; kept here in :class:`LatencyTracker` (a fixed ring of the
  latest values for the live display, a fixed log-spaced histogram for the whole session:
  no growth over hours);
- **response time** (configured): how long after a step change in the brain the feedback
  score has moved half-way to its new level, a consequence of the analysis windows and the
  smoothing (:func:`response_time_s`). It is usually 20-100 times the processing latency.

All times are on :func:`clock` (``time.monotonic``, seconds).
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import numpy as np

__all__ = [
    "LatencyRing",
    "LatencyHistogram",
    "LatencyTracker",
    "clock",
    "response_time_s",
    "RESPONSE_SCORES",
]

#: The scores :func:`response_time_s` models.
RESPONSE_SCORES: tuple[str, ...] = ("meditation", "integration")

#: Values kept by a tracker's ring: 128 frames = 12.8 s at the default 0.1-s hop.
RING_SIZE = 128


def clock() -> float:
    """The session clock of latency measurements: ``time.monotonic()``, seconds."""
    return time.monotonic()


class LatencyRing:
    """The latest ``size`` latencies in a preallocated ring (no growth).

    Parameters
    ----------
    size : int
        Capacity (>= 1).
    """

    def __init__(self, size: int = RING_SIZE) -> None:
        if int(size) < 1:
            raise ValueError(f"size must be an integer >= 1; got {size!r}")
        self._buf = np.empty(int(size))
        self._n = 0  # values ever added
        self._lock = threading.Lock()

    def add(self, value_s: float) -> None:
        """Add one latency (seconds)."""
        with self._lock:
            self._buf[self._n % len(self._buf)] = value_s
            self._n += 1

    def values(self) -> np.ndarray:
        """The values held, shape (min(n_added, size),), oldest first."""
        with self._lock:
            n, size = self._n, len(self._buf)
            if n <= size:
                return self._buf[:n].copy()
            i = n % size
            return np.concatenate([self._buf[i:], self._buf[:i]])

    def __len__(self) -> int:
        return min(self._n, len(self._buf))

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (0..100, numpy's linear interpolation) of the values held;
        NaN when empty."""
        v = self.values()
        return float(np.percentile(v, q)) if len(v) else math.nan


class LatencyHistogram:
    """Counts of latencies in log-spaced bins: fixed memory, percentiles to ``1 %`` of the value.

    Bins are ``growth``-fold wide from ``lo_s`` to ``hi_s``; values below ``lo_s`` count in the
    first bin, values above ``hi_s`` in the last. A percentile is the geometric centre of the bin
    holding it (clipped to the smallest and largest value counted), so it is within a factor
    ``sqrt(growth)`` of the exact value.

    Parameters
    ----------
    lo_s, hi_s : float
        Range, seconds (default 10 us .. 100 s).
    growth : float
        Ratio between successive bin edges (default 1.02: 1 % resolution).
    """

    def __init__(self, lo_s: float = 1e-5, hi_s: float = 100.0, growth: float = 1.02) -> None:
        self.lo_s, self.hi_s, self.growth = float(lo_s), float(hi_s), float(growth)
        self._log_g = math.log(self.growth)
        n = int(math.ceil(math.log(self.hi_s / self.lo_s) / self._log_g))
        self._counts = np.zeros(n, dtype=np.int64)
        self.n = 0
        self.min_s = math.nan
        self.max_s = math.nan

    def add(self, value_s: float) -> None:
        """Count one latency (seconds; non-finite values are ignored)."""
        if not math.isfinite(value_s):
            return
        k = 0 if value_s <= self.lo_s else int(math.log(value_s / self.lo_s) / self._log_g)
        self._counts[min(k, len(self._counts) - 1)] += 1
        self.n += 1
        self.max_s = value_s if not self.max_s >= value_s else self.max_s
        self.min_s = value_s if not self.min_s <= value_s else self.min_s

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (0..100) of the counted values, seconds; NaN when empty."""
        if self.n == 0:
            return math.nan
        rank = q / 100.0 * self.n
        k = int(np.searchsorted(np.cumsum(self._counts), max(rank, 1e-9)))
        return min(max(self.lo_s * self.growth ** (k + 0.5), self.min_s), self.max_s)


class LatencyTracker:
    """Processing latency of one consumer (window, audio, status line).

    :meth:`add` costs a few microseconds; memory is fixed (:class:`LatencyRing` for the
    recent values, :class:`LatencyHistogram` for the whole session).

    Parameters
    ----------
    ring_size : int
        Recent values kept for :meth:`recent_percentile`.
    """

    def __init__(self, ring_size: int = RING_SIZE) -> None:
        self.ring = LatencyRing(ring_size)
        self.hist = LatencyHistogram()

    def add(self, value_s: float) -> None:
        """Record one latency in seconds (ignored when not finite or negative: a clock that
        went backwards measures nothing)."""
        if math.isfinite(value_s) and value_s >= 0.0:
            self.ring.add(value_s)
            self.hist.add(value_s)

    def record(self, sample_clock_s: float, now_s: float | None = None) -> float:
        """Record ``now - sample_clock_s`` (``now`` from :func:`clock` unless given).

        Returns
        -------
        float
            The latency recorded, seconds (NaN when ``sample_clock_s`` is not finite).
        """
        if not math.isfinite(sample_clock_s):
            return math.nan
        value = (clock() if now_s is None else now_s) - sample_clock_s
        self.add(value)
        return value

    @property
    def n(self) -> int:
        """Latencies recorded this session."""
        return self.hist.n

    def recent_percentile(self, q: float) -> float:
        """``q``-th percentile of the latest values (the ring), seconds; NaN when none."""
        return self.ring.percentile(q)

    def summary(self) -> dict[str, Any]:
        """Whole-session statistics for ``session.json``: ``n``, ``p50_ms``, ``p95_ms``,
        ``max_ms`` (milliseconds, rounded to 0.01; None when nothing was measured)."""
        def ms(x: float) -> float | None:
            return None if not math.isfinite(x) else round(1000.0 * x, 2)

        return {
            "n": int(self.hist.n),
            "p50_ms": ms(self.hist.percentile(50)),
            "p95_ms": ms(self.hist.percentile(95)),
            "max_ms": ms(self.hist.max_s),
        }


def _first_half_way(t: np.ndarray, y: np.ndarray) -> float:
    idx = np.flatnonzero(y >= 0.5 - 1e-12)
    return float(t[idx[0]]) if len(idx) else math.nan


def meditation_span_s(cfg: Any) -> float:
    """Seconds of signal the meditation score's energy reads: the whole ``window_s``, or with
    ``meditation_segments`` = k > 0 the window's last k 1-s Welch segments (0.5-s steps),
    ``min(window_s, 1 + (k - 1) / 2)``."""
    k = int(getattr(cfg, "meditation_segments", 0))
    win = float(cfg.window_s)
    return win if k <= 0 else min(win, 1.0 + 0.5 * (k - 1))


def response_time_s(cfg: Any = None, dt_s: float = 0.001) -> dict[str, float]:
    """Configured response time of each feedback score: seconds from a step change in the
    brain until the score has moved half-way to its new level.

    A linear model of the pipeline's windows and smoothing (each score treated as linear in
    its inputs, exact for small steps): after a step at time 0,

    - a per-window quantity computed from the ``window_s`` samples before a frame's end moves
      in proportion to the share of its window after the step, ``w(d) = clip(d / window_s,
      0, 1)`` at ``d`` seconds after it;
    - **meditation** = mean of energy and low-mode share, both per-window: ``w(d)``; with
      ``meditation_segments`` = k > 0 its energy reads only the window's last k 1-s Welch
      segments (0.5-s steps), the last ``min(window_s, 1 + (k - 1) / 2)`` seconds, ``w_k(d)``
      over that span, and the score follows ``(w_k(d) + w(d)) / 2``;
    - **integration** follows a change of lagged synchrony (the quantity it rewards; its
      consonance term has its own 8-s window and does not move with synchrony): the feedback
      synchrony pools the frames of the last ``integration_pool_s`` (one every ``hop_s``),
      ``mean_j w(d - j hop_s)``, then its causal exponential average (``integration_smooth_s``)
      when set; with the per-sample path on (``integration_analytic_tau_s > 0``) it is the gamma
      kernel's distribution function (``integration_analytic_order`` stages of that time
      constant) plus the demodulation filter's delay (:class:`.analytic.AnalyticSynchrony`
      ``halfway_s``);
    - the half-way time is the first ``d`` at which the model reaches 0.5, plus ``hop_s / 2``:
      a step falls anywhere between two frames, and the score changes only at frames.

    The model errs late: noise brings the measured half-way crossing forward by 0.1-0.4 s
    (``python -m neurofeedback.simulate.steps`` measures it; docs/latency.md).

    Processing latency (milliseconds) and the feedback view's own animation come on top.

    Parameters
    ----------
    cfg : PipelineConfig, optional
        The pipeline settings (default: :class:`~.config.PipelineConfig()`).
    dt_s : float
        Time step of the model, seconds.

    Returns
    -------
    dict
        ``{"meditation": s, "integration": s}``.
    """
    if cfg is None:
        from .config import PipelineConfig

        cfg = PipelineConfig()
    win, hop = float(cfg.window_s), float(cfg.hop_s)
    span = float(getattr(cfg, "integration_pool_s", cfg.synchrony_smooth_s))
    smooth = float(getattr(cfg, "integration_smooth_s", 0.0))
    tau = float(getattr(cfg, "integration_analytic_tau_s", 0.0))
    order = int(getattr(cfg, "integration_analytic_order", 2))
    t = np.arange(0.0, win + span + 10.0 * (smooth + tau * order) + 2.0, dt_s)

    def share(d: np.ndarray, length: float) -> np.ndarray:
        return np.clip(d / length, 0.0, 1.0)

    meditation = share(t, win)
    if getattr(cfg, "meditation_segments", 0) > 0:  # energy over the recent span, low-mode
        meditation = 0.5 * (share(t, meditation_span_s(cfg)) + meditation)  # share the window
    analytic_s = math.nan
    if tau > 0:  # the per-sample path's own half-way time (kernel + demodulation delay)
        from .analytic import AnalyticSynchrony

        analytic_s = AnalyticSynchrony(250.0, 1, cfg.integration_band, tau, order).halfway_s
        integration = np.zeros_like(t)
    else:
        lags = hop * np.arange(int(math.floor(span / hop + 1e-9)) + 1)
        integration = share(t[:, None] - lags[None, :], win).mean(axis=1)
        if smooth > 0:  # causal exponential average of the pooled value, sampled finely
            kernel = np.exp(-t / smooth)
            integration = np.convolve(integration, kernel / kernel.sum())[: len(t)]
    return {
        "meditation": round(_first_half_way(t, meditation) + hop / 2, 3),
        "integration": round(
            (analytic_s if tau > 0 else _first_half_way(t, integration)) + hop / 2, 3
        ),
    }
