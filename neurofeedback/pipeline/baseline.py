"""Robust z-scores against a baseline block.

Two kinds of quantity are z-scored:

- **Scalars** (one number per frame, e.g. synchrony): ``z = (x - median) / s`` where median and
  ``s`` are taken over the baseline frames and ``s = 1.4826 * MAD`` (the median absolute
  deviation scaled to equal the standard deviation for Gaussian data). A few wild baseline
  frames (a restless minute) move neither, unlike the mean and standard deviation.
- **Per-channel quantities** (one number per channel and frame, e.g. the oscillatory power of
  each channel): each channel is first referred to its own baseline median, ``d_c = x_c -
  median_c``; the frame's value is the mean of ``d_c`` over the channels measured in that frame,
  and that value is z-scored as a scalar against the same mean over the baseline frames. Which
  channels are usable in a frame then hardly moves the value: every channel is compared with
  itself, so the quantity refers to a fixed channel set even when some channels drop out.
"""

from __future__ import annotations

import math

import numpy as np

#: MAD to standard deviation for Gaussian data.
MAD_SCALE = 1.482602218505602


def robust_location_scale(values: np.ndarray) -> tuple[float, float] | None:
    """Median and scaled MAD of the finite entries of ``values`` (shape (n,)).

    The scale falls back to the standard deviation when more than half of the values are
    equal (MAD 0); None when fewer than two finite values or no spread at all.
    """
    a = np.asarray(values, dtype=float)
    a = a[np.isfinite(a)]
    if a.size < 2:
        return None
    med = float(np.median(a))
    s = MAD_SCALE * float(np.median(np.abs(a - med)))
    if not s > 0:
        s = float(a.std(ddof=1))
    if not s > 0:
        return None
    return med, s


#: Percentile of a quantity's baseline values that :meth:`Baseline.upper` gives (a one-sided
#: 5 % level when the quantity is a chance surrogate).
UPPER_PERCENTILE = 95.0


class Baseline:
    """Collects per-frame values during a baseline block, then z-scores against them.

    Frames count when their whole window lies inside ``[start_s, end_s]`` (for blocks shorter
    than the window: when the frame's time lies inside it) and they are not artifact frames.
    The baseline is complete from the first frame at or after ``end_s``; before that every
    z-score is NaN. A quantity with fewer than two finite baseline values, or no spread, gets
    NaN z-scores.

    A block that holds fewer than ``min_frames`` clean frames (electrodes still settling, a
    restless first minute) is **extended**: the clean frames after ``end_s`` are collected too,
    until there are ``min_frames``; the baseline completes then (:attr:`completed_s` says when),
    so a bad start delays the z-scores instead of leaving them empty for the whole recording.

    Parameters
    ----------
    start_s, end_s : float
        The block, stream seconds.
    window_s : float
        Analysis window, seconds.
    min_frames : int
        Clean frames the baseline needs (0: none, the block as it is).
    """

    def __init__(self, start_s: float, end_s: float, window_s: float, min_frames: int = 0) -> None:
        self.start_s = float(start_s)
        self.end_s = float(end_s)
        self.first_s = self.start_s + min(window_s, self.end_s - self.start_s)
        self.min_frames = max(0, int(min_frames))
        self.completed_s = math.nan  # the time of the frame that completed it
        self._last_s = -math.inf  # the last frame offered
        self.complete = False
        self._values: dict[str, list[float]] = {}
        self._channels: dict[str, list[np.ndarray]] = {}
        self._loc: dict[str, tuple[float, float]] = {}
        self._ch_median: dict[str, np.ndarray] = {}
        self._zseries: dict[str, np.ndarray] = {}
        self._upper: dict[str, float] = {}
        self.n_frames = 0  # frames collected (clean frames of the block)

    def update(
        self,
        time_s: float,
        values: dict[str, float],
        artifact: bool,
        channels: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Offer one frame's values; finishes the baseline at the first frame at or after
        ``end_s`` by which it holds ``min_frames`` clean frames.

        Parameters
        ----------
        time_s : float
            Frame time, seconds.
        values : dict of str to float
            Scalar quantities (NaN when not measured).
        artifact : bool
            Artifact frames are not collected.
        channels : dict of str to ndarray, shape (n_channels,), or None
            Per-channel quantities (NaN for channels not measured in this frame).
        """
        if self.complete:
            return
        self._last_s = float(time_s)
        inside = time_s <= self.end_s + 1e-9
        # after the block only while it held too few clean frames (extended)
        if (self.first_s - 1e-9 <= time_s and not artifact
                and (inside or self.n_frames < self.min_frames)):
            if values:
                self.n_frames += 1
            for k, v in values.items():
                self._values.setdefault(k, []).append(v)
            for k, arr in (channels or {}).items():
                self._channels.setdefault(k, []).append(np.array(arr, dtype=float))
        if time_s >= self.end_s - 1e-9 and self.n_frames >= self.min_frames:
            self.completed_s = float(time_s)
            self._finish()

    @property
    def extended(self) -> bool:
        """True when the block held too few clean frames and frames after it are (or were)
        collected: completed after ``end_s``, or not complete and past it."""
        last = self.completed_s if self.complete else self._last_s
        return last > self.end_s + 1e-9

    def _finish(self) -> None:
        self.complete = True
        for k, vals in self._values.items():
            a = np.asarray(vals, dtype=float)
            if np.isfinite(a).sum() >= 2:
                self._upper[k] = float(np.percentile(a[np.isfinite(a)], UPPER_PERCENTILE))
            ls = robust_location_scale(a)
            if ls is not None:
                self._loc[k] = ls
                self._zseries[k] = (a - ls[0]) / ls[1]
        for k, rows in self._channels.items():
            a = np.array(rows)  # (n_frames, n_channels)
            finite = np.isfinite(a)
            enough = finite.sum(axis=0) >= 2
            med = np.full(a.shape[1], math.nan)
            for c in np.flatnonzero(enough):
                med[c] = float(np.median(a[finite[:, c], c]))
            self._ch_median[k] = med
            ref = _referred(a, med)
            ls = robust_location_scale(ref)
            if ls is not None:
                self._loc[k] = ls
                self._zseries[k] = (ref - ls[0]) / ls[1]
        self._values, self._channels = {}, {}

    def upper(self, name: str) -> float:
        """The :data:`UPPER_PERCENTILE` th percentile of ``name``'s finite baseline values
        (NaN until the baseline is complete, or with fewer than two values)."""
        return self._upper.get(name, math.nan)

    def z(self, name: str, value: float) -> float:
        """Robust z-score of the scalar ``value`` of quantity ``name`` (NaN until complete,
        without statistics, or for a non-finite value)."""
        if not self.complete or name not in self._loc or not math.isfinite(value):
            return math.nan
        med, s = self._loc[name]
        return (value - med) / s

    def z_channels(self, name: str, values: np.ndarray) -> float:
        """Robust z-score of the per-channel quantity ``name`` in one frame.

        Parameters
        ----------
        name : str
        values : ndarray, shape (n_channels,)
            This frame's values, NaN for channels not measured.

        Returns
        -------
        float
            NaN until complete, without statistics, or when no measured channel has a
            baseline median.
        """
        if not self.complete or name not in self._loc:
            return math.nan
        d = np.asarray(values, dtype=float) - self._ch_median[name]
        ok = np.isfinite(d)
        n = int(np.count_nonzero(ok))
        if n == 0:
            return math.nan
        v = float(d[ok].sum()) / n  # as _referred does it, for one frame
        med, s = self._loc[name]
        return (v - med) / s

    def z_table(self, names: tuple[str, ...]) -> np.ndarray:
        """z-scores of the baseline frames themselves, in frame order.

        Returns
        -------
        ndarray, shape (n_frames, len(names))
            One column per quantity; NaN where a frame had no value and in the column of a
            quantity without statistics.
        """
        out = np.full((self.n_frames, len(names)), math.nan)
        for j, name in enumerate(names):
            z = self._zseries.get(name)
            if z is not None and z.size == self.n_frames:
                out[:, j] = z
        return out

    def stats(self) -> dict[str, tuple[float, float]]:
        """(median, scaled MAD) per quantity once complete (for per-channel quantities: of
        the frame means of the channels' deviations from their own baseline medians)."""
        return dict(self._loc)


def _referred(a: np.ndarray, med: np.ndarray) -> np.ndarray:
    """Per frame, the mean over channels of ``a - med`` where both are finite.

    Parameters
    ----------
    a : ndarray, shape (n_frames, n_channels)
    med : ndarray, shape (n_channels,)

    Returns
    -------
    ndarray, shape (n_frames,)
        NaN in frames without such a channel.
    """
    d = a - med[None, :]
    ok = np.isfinite(d)
    n = ok.sum(axis=1)
    return np.where(n > 0, np.where(ok, d, 0.0).sum(axis=1) / np.maximum(n, 1), math.nan)
