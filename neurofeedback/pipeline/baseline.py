"""z-scores against a baseline block."""

from __future__ import annotations

import math

import numpy as np


class Baseline:
    """Collects per-frame values during a baseline block, then z-scores against them.

    Frames count when their whole window lies inside ``[start_s, end_s]`` (for blocks shorter
    than the window: when the frame's time lies inside it) and they are not artifact frames.
    The baseline is complete from the first frame at or after ``end_s``; before that every
    z-score is NaN. ``z = (x - mean) / std`` with NaN values ignored; a quantity with fewer
    than two baseline values, or zero spread, gets NaN.

    Parameters
    ----------
    start_s, end_s : float
        The block, stream seconds.
    window_s : float
        Analysis window, seconds.
    """

    def __init__(self, start_s: float, end_s: float, window_s: float) -> None:
        self.start_s = float(start_s)
        self.end_s = float(end_s)
        self.first_s = self.start_s + min(window_s, self.end_s - self.start_s)
        self.complete = False
        self._values: dict[str, list[float]] = {}
        self._mean: dict[str, float] = {}
        self._std: dict[str, float] = {}

    def update(self, time_s: float, values: dict[str, float], artifact: bool) -> None:
        """Offer one frame's values; finishes the baseline once ``time_s >= end_s``."""
        if self.complete:
            return
        if self.first_s - 1e-9 <= time_s <= self.end_s + 1e-9 and not artifact:
            for k, v in values.items():
                self._values.setdefault(k, []).append(v)
        if time_s >= self.end_s - 1e-9:
            self._finish()

    def _finish(self) -> None:
        self.complete = True
        for k, vals in self._values.items():
            a = np.asarray(vals, dtype=float)
            a = a[np.isfinite(a)]
            if a.size >= 2 and a.std() > 0:
                self._mean[k] = float(a.mean())
                self._std[k] = float(a.std(ddof=1))
        self._values = {}

    def z(self, name: str, value: float) -> float:
        """z-score of ``value`` for quantity ``name`` (NaN until complete or without stats)."""
        if not self.complete or name not in self._mean or not math.isfinite(value):
            return math.nan
        return (value - self._mean[name]) / self._std[name]

    def stats(self) -> dict[str, tuple[float, float]]:
        """(mean, std) per quantity once complete."""
        return {k: (self._mean[k], self._std[k]) for k in self._mean}
