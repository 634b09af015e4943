"""Replay of an EEG file (any format :func:`neurofeedback.io.load_eeg_file` reads) as a source.

Paced by the wall clock at ``speed`` times real time, or as fast as possible (``speed=0``), from
``start_s``; pausable and seekable. :meth:`FileSource.pull` is deterministic. The file's markers
come with the chunks that hold their samples (:attr:`~.base.Chunk.markers`), so a replay's
recording keeps them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np

from ..errors import UsageError, setting
from ..io.loaded import LoadedFile
from ..io.marker_labels import is_session_marker
from ..validation import check_positive
from .base import Chunk, RowLayout, Source, SourceInfo, rows_from_data

#: Samples per read() when replaying as fast as possible.
FAST_BLOCK_S = 1.0


class FileSource(Source):
    """A loaded file replayed through the :class:`Source` interface.

    Parameters
    ----------
    loaded : LoadedFile
        The file.
    speed : float
        Multiple of real time; 0 means as fast as the consumer reads.
    start_s : float
        Where to start, seconds from the file's first sample.
    name : str, optional
        Short name for recording folders (default ``replay-<file stem>``).
    """

    def __init__(
        self, loaded: LoadedFile, *, speed: float = 1.0, start_s: float = 0.0, name: str | None = None
    ):
        self.loaded = loaded
        self.speed = check_positive(setting("speed", "--speed"), speed, allow_zero=True)
        start_s = check_positive(setting("start_s", "--start"), start_s, allow_zero=True)
        if start_s >= loaded.duration_s:
            raise UsageError(
                f"{setting('start_s', '--start')} must be less than the file's length "
                f"({loaded.duration_s:.1f} s); got {start_s:g}"
            )
        layout = loaded.layout or RowLayout.generic(len(loaded.ch_names))
        if loaded.rows is not None and loaded.layout is not None:
            self._rows = loaded.rows
        else:
            self._rows = rows_from_data(layout, loaded.data, loaded.timestamps, 0)
        stem = loaded.path.rstrip("/").split("/")[-1].rsplit(".", 1)[0] or "file"
        self.info = SourceInfo(
            kind="file",
            name=name or f"replay-{stem}",
            sfreq=float(loaded.sfreq),
            ch_names=tuple(loaded.ch_names),
            layout=layout,
            board_id=loaded.board_id,
            board_name=loaded.board_name or loaded.format,
            rail_uv=loaded.rail_uv,
            duration_s=loaded.duration_s,
            description={"replayed_file": loaded.path, "file_format": loaded.format},
        )
        # the file's markers, by sample (a session's own protocol markers are left out: a
        # replay with a protocol makes its own)
        own = sorted((int(round(t * loaded.sfreq)), label) for t, label in loaded.markers
                     if not is_session_marker(label))
        self._marker_k = np.array([k for k, _ in own], dtype=np.int64)  # ascending
        self._marker_label = [label for _, label in own]
        self._lock = threading.Lock()
        self._pos = int(round(start_s * loaded.sfreq))
        self._clock_pos = self._pos
        self._clock_t0 = time.monotonic()
        self._paused = False
        self._started = False

    # -- Source API ------------------------------------------------------------------------
    def start(self) -> None:
        self._started = True
        self._restart_clock()

    def stop(self) -> None:
        self._started = False

    def _restart_clock(self) -> None:
        self._clock_t0 = time.monotonic()
        self._clock_pos = self._pos

    @property
    def n_total(self) -> int:
        return self.loaded.n_samples

    @property
    def position_s(self) -> float:
        """Current replay position, seconds from the file's start."""
        return self._pos / self.info.sfreq

    @property
    def finished(self) -> bool:
        return self._pos >= self.n_total

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def status(self) -> str:
        return "ended" if self.finished else "paused" if self._paused else "ok"

    def pause(self) -> None:
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            self._restart_clock()

    def set_speed(self, speed: float) -> None:
        with self._lock:
            self.speed = check_positive("speed", speed, allow_zero=True)
            self._restart_clock()

    def seek(self, t_s: float) -> None:
        """Jump to ``t_s`` seconds from the file's start (clipped to the file)."""
        with self._lock:
            self._pos = int(np.clip(round(t_s * self.info.sfreq), 0, self.n_total))
            self._restart_clock()

    def _take(self, n: int) -> Chunk:
        a, b = self._pos, min(self._pos + max(n, 0), self.n_total)
        self._pos = b
        rows = self._rows[:, a:b]
        lay = self.info.layout
        lo, hi = np.searchsorted(self._marker_k, (a, b))  # the markers of samples a .. b-1
        return Chunk(
            data=rows[list(lay.eeg_rows)].astype(float),
            timestamps=rows[lay.timestamp_row].astype(float),
            rows=rows,
            markers=tuple((int(self._marker_k[i]) - a, self._marker_label[i]) for i in range(lo, hi)),
        )

    def read(self) -> Chunk:
        with self._lock:
            if self._paused or not self._started:
                return self._take(0)
            if self.speed == 0:  # as fast as possible: no pacing clock (the session stamps it)
                return self._take(int(FAST_BLOCK_S * self.info.sfreq))
            due = self._clock_pos + int((time.monotonic() - self._clock_t0) * self.speed * self.info.sfreq)
            first = self._pos
            chunk = self._take(due - self._pos)
            # sample k is due once (now - clock_t0) * speed * rate reaches k + 1 - clock_pos
            k = first + 1 - self._clock_pos + np.arange(chunk.n_samples)
            return replace(chunk, sent_s=self._clock_t0 + k / (self.speed * self.info.sfreq))

    def pull(self, n_samples: int) -> Chunk:
        with self._lock:
            return self._take(int(n_samples))
