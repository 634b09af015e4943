"""Adaptive reward threshold: a running quantile of recent clean scores.

To hold a target reward rate r (the share of time the score is above threshold), the threshold
is set to the (1 - r) quantile of the clean scores seen in the last ``adapt_window_s`` seconds,
clamped to ``[min_threshold, max_threshold]``. For a score whose distribution changes slowly
compared with the window, the share of new scores above that quantile is r; when the limits bind
(a score that stays very low or very high) the rate departs from r on purpose: the file's
limits win. Until ``warmup_s`` seconds of clean scores have been seen, ``initial_threshold``
is used.

Only clean (non-artifact), finite scores are learned from: artifact frames have score 0 by
contract and would drag the threshold down.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from .schema import RewardRule


class AdaptiveThreshold:
    """Running-quantile threshold for one score.

    Parameters
    ----------
    rule : RewardRule
        Target rate, limits, window and warm-up.
    hop_s : float
        Nominal time between scores in seconds (0.1 for the pipeline's frames); used to count
        warm-up time when ``time_s`` gaps are irregular.
    """

    def __init__(self, rule: RewardRule, hop_s: float = 0.1):
        self.rule = rule
        self.hop_s = float(hop_s)
        self._times: deque[float] = deque()
        self._scores: deque[float] = deque()
        self._n_seen = 0
        self.value = float(rule.initial_threshold)

    def set_rule(self, rule: RewardRule) -> None:
        """Switch to another rule (a phase override); the score history is kept."""
        self.rule = rule
        if not self._warm():
            self.value = float(rule.initial_threshold)
        else:
            self._recompute()

    @property
    def adapting(self) -> bool:
        """True once the warm-up is over and the threshold follows the scores."""
        return self._warm() and len(self._scores) > 0

    def update(self, time_s: float, score: float) -> float:
        """Learn one clean score and return the new threshold.

        Parameters
        ----------
        time_s : float
            Time of the score, seconds.
        score : float
            Clean feedback score, 0..1. Non-finite values are ignored.
        """
        if not math.isfinite(score):
            return self.value
        self._times.append(float(time_s))
        self._scores.append(float(score))
        self._n_seen += 1
        start = time_s - self.rule.adapt_window_s
        while self._times and self._times[0] <= start:
            self._times.popleft()
            self._scores.popleft()
        if self._warm():
            self._recompute()
        return self.value

    def _warm(self) -> bool:
        return self._n_seen * self.hop_s >= self.rule.warmup_s - 1e-9

    def _recompute(self) -> None:
        if not self._scores:
            return
        q = float(np.quantile(np.fromiter(self._scores, float), 1.0 - self.rule.target_rate))
        self.value = min(max(q, self.rule.min_threshold), self.rule.max_threshold)
