"""Checks shared by the file readers: packet-counter gaps, NaN samples, sample-rate consistency."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np

from ..errors import FileFormatError

log = logging.getLogger(__name__)

#: Timestamps may disagree with the declared sample rate by at most this fraction.
RATE_TOLERANCE = 0.10


def fname(path: str | os.PathLike) -> str:
    """The file's name as shown in error messages."""
    return os.path.basename(os.fspath(path)) or os.fspath(path)


def counter_gaps(index: np.ndarray, *, modulus: int | None = None) -> tuple[np.ndarray, int, int]:
    """Sample positions implied by a wrapping packet counter.

    Parameters
    ----------
    index : ndarray, shape (n_samples,)
        Counter value of each sample (e.g. 0..255 on a Cyton, stepping 2 on a Cyton+Daisy).
    modulus : int or None
        Value at which the counter wraps (256 for Cyton/Daisy). None: ``max(index) + 1``.

    Returns
    -------
    position : ndarray of int, shape (n_samples,)
        Position of each sample counting the lost ones (first sample = 0).
    dropped : int
        Number of samples lost between the first and last sample.
    step : int
        Counter increment per sample (1, or 2 for Cyton+Daisy), the most common increment.
    """
    idx = np.asarray(index, dtype=np.int64)
    n = idx.size
    if n < 2:
        return np.zeros(n, dtype=np.int64), 0, 1
    mod = int(modulus) if modulus else int(idx.max()) + 1
    diff = np.mod(np.diff(idx), mod)
    positive = diff[diff > 0]
    if positive.size == 0:
        return np.arange(n, dtype=np.int64), 0, 1
    vals, counts = np.unique(positive, return_counts=True)
    step = int(vals[np.argmax(counts)])
    # a repeated counter value (diff 0) is taken as a full wrap-around of lost samples only
    # when the counter is otherwise regular; treat it as one step (no loss) to be conservative.
    inc = np.where(diff == 0, step, diff)
    samples = np.maximum(np.rint(inc / step).astype(np.int64), 1)
    position = np.concatenate([[0], np.cumsum(samples)])
    dropped = int(position[-1] - (n - 1))
    return position, dropped, step


def check_finite(path: str, data: np.ndarray, ch_names: Sequence[str], sfreq: float) -> None:
    """Raise :class:`FileFormatError` at the first NaN or infinite sample.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
    """
    bad = ~np.isfinite(data)
    if bad.any():
        ch, k = np.argwhere(bad)[0]
        count = int(bad.sum())
        raise FileFormatError(
            f"{fname(path)}: {count} NaN/infinite sample(s), first in channel {ch_names[ch]} at "
            f"{k / sfreq:.3f} s (sample {k}); repair or trim the file before using it"
        )


def check_rate(path: str, timestamps: np.ndarray, sfreq: float, dropped: int = 0) -> float:
    """Check that timestamps agree with the declared sample rate within 10 %.

    Parameters
    ----------
    timestamps : ndarray, shape (n_samples,)
        Seconds.
    sfreq : float
        Declared rate in Hz.
    dropped : int
        Samples known to be lost inside the span (they take time but have no row).

    Returns
    -------
    float
        The rate implied by the timestamps (Hz), or ``sfreq`` when there are too few samples.
    """
    if not np.isfinite(sfreq) or sfreq <= 0:
        raise FileFormatError(f"{fname(path)}: sample rate must be > 0 Hz; the file declares {sfreq!r}")
    n = timestamps.size
    if n < 3:
        return sfreq
    span = float(timestamps[-1] - timestamps[0])
    if not np.isfinite(span) or span <= 0:
        raise FileFormatError(
            f"{fname(path)}: timestamps do not increase (first {timestamps[0]!r}, last "
            f"{timestamps[-1]!r}); the file is corrupt or its timestamp column is wrong"
        )
    implied = (n - 1 + dropped) / span
    if abs(implied - sfreq) > RATE_TOLERANCE * sfreq:
        raise FileFormatError(
            f"{fname(path)}: inconsistent sample rate: the file declares {sfreq:g} Hz but its "
            f"timestamps imply {implied:.4g} Hz ({n} samples in {span:.3f} s); fix the header "
            f"or the timestamps (allowed difference 10 %)"
        )
    return implied


def timestamps_to_seconds(t: np.ndarray, sfreq: float) -> tuple[np.ndarray, str]:
    """Convert a timestamp column to seconds, detecting milliseconds.

    A column is in milliseconds when its values look like unix milliseconds (median above
    1e11, i.e. after 1973 in ms, or after the year 5000 in seconds), or when its mean spacing
    is between 300 and 3000 times the sample period (it should be about 1000x in ms and 1x in s).

    Returns
    -------
    seconds : ndarray, shape (n_samples,)
    unit : str
        ``"s"`` or ``"ms"``.
    """
    t = np.asarray(t, dtype=np.float64)
    finite = t[np.isfinite(t)]
    if finite.size == 0:
        return t, "s"
    if np.median(np.abs(finite)) > 1e11:
        return t / 1000.0, "ms"
    if finite.size > 2 and sfreq > 0:
        spacing = (finite[-1] - finite[0]) / (finite.size - 1)
        ratio = spacing * sfreq
        if 300 <= ratio <= 3000:
            return t / 1000.0, "ms"
    return t, "s"
