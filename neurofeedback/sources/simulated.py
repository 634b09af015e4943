"""The scenario simulator as a live source (``--board simulated``).

Samples are produced on demand by :class:`~neurofeedback.simulate.generator.Generator`: no
thread, no buffer growth. :meth:`SimulatedSource.read` returns what the wall clock
(``time.monotonic``) says has "arrived" since :meth:`start`, at ``speed`` times real time;
:meth:`SimulatedSource.pull` returns the next samples immediately. Both draw from the same
stream, so for a seed the data are identical however they are requested. Timestamps are seconds
since the first sample.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace

import numpy as np

from ..errors import UsageError
from ..simulate.generator import Generator
from ..simulate.source_info import simulator_info
from ..validation import check_positive
from .base import Chunk, Source, rows_from_data

log = logging.getLogger(__name__)

#: Most samples one read() returns (10 s), so a stalled consumer does not get a huge block.
MAX_READ_S = 10.0


class SimulatedSource(Source):
    """Scenario simulator behind the :class:`Source` interface.

    Parameters
    ----------
    scenario : str
        ``annealing-cycle``, ``meditation``, ``trauma`` or ``artifacts``.
    seed : int
        Random seed.
    montage : str
        Electrode set (see :data:`neurofeedback.simulate.montages.MONTAGES`).
    duration_s : float or None
        Stop after this many seconds (the scenario scales to it), or run forever (None; the
        scenario's cycle repeats).
    speed : float
        Multiple of real time for :meth:`read` (> 0).
    sfreq : float
        Sample rate, Hz.
    """

    def __init__(
        self,
        scenario: str = "annealing-cycle",
        seed: int = 0,
        montage: str = "default",
        duration_s: float | None = None,
        speed: float = 1.0,
        sfreq: float = 250.0,
    ) -> None:
        self.speed = check_positive("speed", speed)
        if duration_s is not None:
            duration_s = check_positive("duration_s", duration_s)
        self._gen = Generator(scenario, seed=seed, montage=montage, sfreq=sfreq,
                              duration_s=duration_s)
        self.info = simulator_info(self._gen)
        self._n_total = (
            None if duration_s is None else int(round(duration_s * self._gen.sfreq))
        )
        self._t0: float | None = None
        self._running = False

    @property
    def generator(self):
        """The underlying :class:`~neurofeedback.simulate.generator.Generator`."""
        return self._gen

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        # Pace from the current position so a restart does not burst.
        self._t0 = time.monotonic() - self._gen.position / (self._gen.sfreq * self.speed)
        log.info("simulator started: %s", self.info.board_name)

    def stop(self) -> None:
        self._running = False

    def _take(self, n: int) -> Chunk:
        if self._n_total is not None:
            n = min(n, self._n_total - self._gen.position)
        n = max(n, 0)
        first = self._gen.position
        data, _ = self._gen.generate(n)
        ts = (first + np.arange(n)) / self._gen.sfreq
        return Chunk(data=data, timestamps=ts, rows=rows_from_data(self.info.layout, data, ts, first))

    def read(self) -> Chunk:
        """Samples due by the wall clock since :meth:`start` (possibly none)."""
        if not self._running or self._t0 is None:
            raise UsageError("the simulated source is not started; call start() before read()")
        due = int(math.floor((time.monotonic() - self._t0) * self._gen.sfreq * self.speed))
        n = min(due - self._gen.position, int(MAX_READ_S * self._gen.sfreq))
        first = self._gen.position
        chunk = self._take(n)
        # sample k is due (leaves the source) once (now - t0) * rate * speed reaches k + 1
        k = first + 1 + np.arange(chunk.n_samples)
        return replace(chunk, sent_s=self._t0 + k / (self._gen.sfreq * self.speed))

    def pull(self, n_samples: int) -> Chunk:
        """The next ``n_samples`` samples at once (fewer at the end of a fixed duration)."""
        if int(n_samples) < 0:
            raise UsageError(f"n_samples must be >= 0; got {n_samples}")
        return self._take(int(n_samples))

    @property
    def finished(self) -> bool:
        return self._n_total is not None and self._gen.position >= self._n_total

    @property
    def status(self) -> str:
        return "ended" if self.finished else "ok"
