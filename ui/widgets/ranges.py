"""Axis ranges that change in steps, so pyqtgraph regenerates tick labels only now and then.

An axis whose range moves with every update re-lays out its labels and repaints its whole plot;
rounding the range outwards to a step (and keeping it while the data still fits comfortably)
makes most updates touch only the data items.
"""

from __future__ import annotations

import math

#: Mantissas (x 10^k) of the round numbers :func:`nice_ceil` steps through.
NICE_STEPS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.5)


def nice_ceil(x: float) -> float:
    """The smallest ``m * 10**k`` (``m`` in :data:`NICE_STEPS`) that is >= ``x`` (``x`` > 0)."""
    k = math.floor(math.log10(x))
    for m in (*NICE_STEPS, 10.0):
        v = m * 10.0**k
        if v >= x * (1 - 1e-12):
            return v
    return 10.0 ** (k + 1)


def stepped_range(
    lo: float, hi: float, step: float, current: tuple[float, float] | None = None, *, slack: float = 0.5
) -> tuple[float, float]:
    """A range covering ``[lo, hi]`` with ends on multiples of ``step``.

    Parameters
    ----------
    lo, hi : float
        Data extent (``lo <= hi``).
    step : float
        Grid the ends snap to (> 0).
    current : (float, float), optional
        The range now shown; it is kept while it covers the data and is not more than
        ``slack`` (fraction of the data span, at least one step) too wide at either end.
    slack : float
        See ``current``.

    Returns
    -------
    (float, float)
        ``(low, high)`` with ``high > low``.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return current if current is not None else (0.0, step)
    new = (step * math.floor(lo / step), step * math.ceil(hi / step))
    if new[1] <= new[0]:
        new = (new[0], new[0] + step)
    if current is not None:
        allow = max(step, slack * (hi - lo))
        covers = current[0] <= lo and current[1] >= hi
        tight = lo - current[0] <= allow and current[1] - hi <= allow
        if covers and tight:
            return current
    return new
