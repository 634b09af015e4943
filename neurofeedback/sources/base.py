"""The one interface every EEG source implements: BrainFlow boards, file replay, the simulator.

A source delivers :class:`Chunk` objects: ``(n_channels, n_samples)`` float64 data in microvolts
with per-sample timestamps in seconds. Live sources run an acquisition worker thread that fills a
ring buffer and :meth:`Source.read` drains it; every source can also be pulled by hand,
deterministically, with :meth:`Source.pull`.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class RowLayout:
    """Where things live in a BrainFlow-style sample matrix (rows are channels, columns samples).

    Attributes
    ----------
    n_rows : int
        Total number of rows.
    eeg_rows : tuple of int
        Row index of each EEG channel, in channel order.
    timestamp_row : int
        Row holding the sample time in seconds (unix time for live boards).
    marker_row : int or None
        Row holding numeric markers (0 = no marker).
    package_num_row : int or None
        Row holding the board's packet counter, if any.
    """

    n_rows: int
    eeg_rows: tuple[int, ...]
    timestamp_row: int
    marker_row: int | None = None
    package_num_row: int | None = None

    @classmethod
    def generic(cls, n_channels: int) -> RowLayout:
        """Layout used for sources that are not BrainFlow boards.

        Row 0 is a sample counter, rows 1..n the EEG channels, then the timestamp row and the
        marker row: the same order BrainFlow boards use.
        """
        return cls(
            n_rows=n_channels + 3,
            eeg_rows=tuple(range(1, n_channels + 1)),
            timestamp_row=n_channels + 1,
            marker_row=n_channels + 2,
            package_num_row=0,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_rows": self.n_rows,
            "eeg_rows": list(self.eeg_rows),
            "timestamp_row": self.timestamp_row,
            "marker_row": self.marker_row,
            "package_num_row": self.package_num_row,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RowLayout:
        return cls(
            n_rows=int(d["n_rows"]),
            eeg_rows=tuple(int(r) for r in d["eeg_rows"]),
            timestamp_row=int(d["timestamp_row"]),
            marker_row=None if d.get("marker_row") is None else int(d["marker_row"]),
            package_num_row=None if d.get("package_num_row") is None else int(d["package_num_row"]),
        )


@dataclass(frozen=True)
class SourceInfo:
    """What a source is.

    Attributes
    ----------
    kind : str
        ``"brainflow"``, ``"file"`` or ``"simulator"``.
    name : str
        Short name used in recording folder names, e.g. ``"synthetic"``, ``"cyton"``.
    sfreq : float
        Sample rate in Hz.
    ch_names : tuple of str
        EEG channel names, normalised to 10-20 spelling where possible.
    layout : RowLayout
        Row layout of :attr:`Chunk.rows`; recordings are written in it.
    board_id : int or None
        BrainFlow board id whose layout :attr:`layout` follows, if any.
    board_name : str
        Human-readable board or file description.
    rail_uv : float or None
        Absolute amplitude at which the amplifier saturates (187500 uV for Cyton), if known.
    duration_s : float or None
        Length of a file source; None for live sources.
    description : dict
        Anything else worth recording in ``session.json``.
    """

    kind: str
    name: str
    sfreq: float
    ch_names: tuple[str, ...]
    layout: RowLayout
    board_id: int | None = None
    board_name: str = ""
    rail_uv: float | None = None
    duration_s: float | None = None
    description: dict[str, Any] = field(default_factory=dict)

    @property
    def n_channels(self) -> int:
        return len(self.ch_names)


@dataclass(frozen=True)
class Chunk:
    """A block of consecutive samples.

    Attributes
    ----------
    data : ndarray, shape (n_channels, n_samples)
        EEG in microvolts (float64).
    timestamps : ndarray, shape (n_samples,)
        Sample times in seconds.
    rows : ndarray, shape (layout.n_rows, n_samples) or None
        The full sample matrix in the source's :class:`RowLayout` (what the recorder writes).
    dropped : int
        Samples known to be missing (lost packets) inside or just before this chunk.
    sent_s : ndarray, shape (n_samples,) or None
        When each sample left the source, on the latency clock (``time.monotonic``, seconds):
        BrainFlow's timestamp for boards, the pacing clock for the simulator and file replay,
        the LSL timestamp mapped to this clock for LSL. None when the source does not know
        (pulled by hand, or replayed as fast as possible): the session then uses the moment
        it received the chunk.
    markers : tuple of (int, str)
        Markers that come with the samples (a replayed file's own annotations): the index of
        the sample inside this chunk, and the label.
    """

    data: np.ndarray
    timestamps: np.ndarray
    rows: np.ndarray | None = None
    dropped: int = 0
    sent_s: np.ndarray | None = None
    markers: tuple[tuple[int, str], ...] = ()

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[1])

    @classmethod
    def empty(cls, n_channels: int, n_rows: int | None = None) -> Chunk:
        return cls(
            data=np.zeros((n_channels, 0)),
            timestamps=np.zeros(0),
            rows=None if n_rows is None else np.zeros((n_rows, 0)),
        )


def rows_from_data(
    layout: RowLayout, data: np.ndarray, timestamps: np.ndarray, first_index: int
) -> np.ndarray:
    """Build a sample matrix in ``layout`` from EEG data and timestamps.

    Parameters
    ----------
    layout : RowLayout
    data : ndarray, shape (n_channels, n_samples)
    timestamps : ndarray, shape (n_samples,)
    first_index : int
        Value of the sample counter for the first sample.

    Returns
    -------
    rows : ndarray, shape (layout.n_rows, n_samples)
    """
    n = data.shape[1]
    rows = np.zeros((layout.n_rows, n))
    rows[list(layout.eeg_rows)] = data
    rows[layout.timestamp_row] = timestamps
    if layout.package_num_row is not None:
        rows[layout.package_num_row] = np.arange(first_index, first_index + n)
    return rows


class Source(ABC):
    """Common interface of all sources.

    Lifecycle: ``start()`` -> repeated ``read()`` (or ``pull(n)``) -> ``stop()``. Sources are also
    context managers. ``read()`` never blocks for long; it returns what is available (possibly an
    empty chunk). When a live source has given up after a disconnect, ``read()`` raises
    :class:`~neurofeedback.errors.SourceDisconnected`. When a file source is exhausted,
    :attr:`finished` becomes True.
    """

    info: SourceInfo

    @abstractmethod
    def start(self) -> None:
        """Open the device or file and begin delivering samples."""

    @abstractmethod
    def stop(self) -> None:
        """Stop delivering samples and release the device. Safe to call twice."""

    @abstractmethod
    def read(self) -> Chunk:
        """Return every sample available now (may be empty)."""

    def wait(self, timeout_s: float) -> None:
        """Block until new samples may have arrived, at most ``timeout_s`` seconds.

        The default sleeps ``timeout_s``; sources fed by their own thread return as soon as
        samples arrive, so the consumer reads them without waiting out a polling interval."""
        time.sleep(max(0.0, float(timeout_s)))

    def pull(self, n_samples: int) -> Chunk:
        """Return exactly the next ``n_samples`` (fewer only at the end of a file).

        Deterministic: used by tests and offline analysis. Live sources block until the
        samples have arrived.
        """
        raise NotImplementedError(f"{type(self).__name__} does not support pull()")

    @property
    def finished(self) -> bool:
        """True when no more samples will ever come (end of a file)."""
        return False

    @property
    def status(self) -> str:
        """One word for the status line: ``ok``, ``stalled``, ``reconnecting``, ``ended``."""
        return "ok"

    def __enter__(self) -> Source:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
