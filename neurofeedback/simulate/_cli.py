"""What the developer commands under ``python -m neurofeedback.simulate.*`` share: their
error handling, and the pieces of their causal comparisons (a real recording against a changed
copy)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import numpy as np

from ..errors import FileFormatError, UsageError


def run_reporting_errors(body: Callable[[], None]) -> int:
    """Run a command's body: 0 when it ends, 2 with one line on stderr (no traceback) when it
    raises :class:`UsageError` or :class:`FileFormatError` (a bad argument or file)."""
    try:
        body()
    except (UsageError, FileFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def require_channel(names: Sequence[str], channel: str, path: str) -> None:
    """Raise :class:`UsageError` naming the channels there are when ``channel`` is not one."""
    if channel not in names:
        raise UsageError(f"channel {channel!r} is not in {path}; it has {', '.join(names)}")


def frames_holding(times: np.ndarray, window_s: float, spans: Sequence[tuple[float, float]]
                   ) -> np.ndarray:
    """Which frames' windows hold part of any span.

    Parameters
    ----------
    times : ndarray, shape (n_frames,)
        Frame times (the end of each window), s.
    window_s : float
        Window length, s.
    spans : sequence of (start, end)
        Events, s.

    Returns
    -------
    ndarray of bool, shape (n_frames,)
    """
    hit = np.zeros(times.size, dtype=bool)
    for start, end in spans:
        hit |= (times - window_s < end) & (times > start)
    return hit
