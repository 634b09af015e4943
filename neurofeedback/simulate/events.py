"""Random events drawn per 30-s block: the same events for a seed, whatever is asked when.

Blinks and muscle bursts (:mod:`.artifacts`) and sleep graphoelements (:mod:`.sleep`) are
drawn block by block from ``numpy.random.default_rng([seed, stream, block])`` and cached, so
any request pattern (one sample at a time, a whole recording) sees the same events.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Length of the blocks events are drawn in, seconds.
EVENT_BLOCK_S = 30.0


class BlockEvents:
    """Base of an event model: subclasses draw one block's events in :meth:`_draw`.

    Events are any objects with integer ``start`` and ``length`` attributes (samples).

    Parameters
    ----------
    sfreq : float
        Sample rate, Hz.
    seed : int
        The recording's seed.
    stream : int
        Distinguishes this model's random stream from the other models' of the same seed.
    """

    def __init__(self, sfreq: float, seed: int, stream: int) -> None:
        self.sfreq = sfreq
        self.seed = int(seed)
        self._stream = stream
        self._cache: dict[int, list[Any]] = {}

    def _draw(self, rng: np.random.Generator, t0: float) -> list[Any]:
        """The events starting in the block that begins at ``t0`` seconds."""
        raise NotImplementedError

    def events(self, block: int) -> list[Any]:
        """Events starting in the ``block``-th 30-s block (empty for negative blocks)."""
        if block < 0:
            return []
        if block not in self._cache:
            rng = np.random.default_rng([self.seed, self._stream, block])
            out = self._draw(rng, block * EVENT_BLOCK_S)
            # blocks are asked for in time order: keep the two before this one
            self._cache = {b: v for b, v in self._cache.items() if b >= block - 2}
            self._cache[block] = out
        return self._cache[block]

    def events_near(self, n0: int, n1: int) -> list[Any]:
        """Events overlapping samples ``n0 <= n < n1`` (from the block before ``n0`` on: an
        event may start in one block and last into the next)."""
        b0 = int((n0 / self.sfreq) // EVENT_BLOCK_S) - 1
        b1 = int((n1 / self.sfreq) // EVENT_BLOCK_S)
        return [e for b in range(b0, b1 + 1) for e in self.events(b)
                if e.start < n1 and e.start + e.length > n0]
