"""In-memory form of any EEG file the application can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..sources.base import RowLayout

#: An annotation lasting at most this many samples is an event, not a span
#: (:attr:`LoadedFile.spans`): BrainVision markers and GDF events are written one sample long.
SPAN_MIN_SAMPLES = 1.5


def is_span(duration_s: float, sfreq: float) -> bool:
    """True for an annotation lasting more than :data:`SPAN_MIN_SAMPLES` samples at ``sfreq``."""
    return float(duration_s) * float(sfreq) > SPAN_MIN_SAMPLES


@dataclass
class LoadedFile:
    """An EEG file read into memory.

    Attributes
    ----------
    path : str
        Where it came from.
    format : str
        Human-readable format, e.g. ``"OpenBCI GUI v6 txt"``, ``"EDF"``, ``"neurofeedback session"``.
    data : ndarray, shape (n_channels, n_samples)
        EEG in microvolts, float64. Dropped packets are *not* filled in: the samples that
        arrived, in order.
    sfreq : float
        Sample rate in Hz.
    ch_names : list of str
        Channel names, normalised to 10-20 spelling where they obviously are 10-20 names.
    timestamps : ndarray, shape (n_samples,)
        Sample times in seconds, starting wherever the file starts (unix time or 0).
    rows : ndarray, shape (layout.n_rows, n_samples) or None
        Full sample matrix when the file has a BrainFlow row layout (our recordings, BrainFlow CSV).
    layout : RowLayout or None
        Layout of ``rows``.
    board_id : int or None
        BrainFlow board id of the device that recorded it, if known.
    board_name : str
        Board or device description, if known.
    rail_uv : float or None
        Amplifier saturation level in uV, if known (187500 for Cyton / Daisy).
    dropped_samples : int
        Samples the file itself shows as lost (gaps in a packet counter).
    cut_lines : int
        Cut last lines of a text file dropped on reading (0 or 1; see
        :mod:`neurofeedback.io.text_rows`).
    markers : list of (float, str)
        (time in seconds from the first sample, label) pairs found in the file.
    spans : list of (float, float, str)
        (onset s from the first sample, duration s, label) of the file's annotations that last
        (an EDF+ sleep stage, a FIF ``BAD_`` span, ...); each also has its onset in ``markers``.
    meta : dict
        Anything else the reader learned (e.g. the session.json of our own recordings).
    """

    path: str
    format: str
    data: np.ndarray
    sfreq: float
    ch_names: list[str]
    timestamps: np.ndarray
    rows: np.ndarray | None = None
    layout: RowLayout | None = None
    board_id: int | None = None
    board_name: str = ""
    rail_uv: float | None = None
    dropped_samples: int = 0
    cut_lines: int = 0
    markers: list[tuple[float, str]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    spans: list[tuple[float, float, str]] = field(default_factory=list)

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.sfreq
