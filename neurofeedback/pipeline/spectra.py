"""Welch power spectra within one analysis window, and band powers in dB."""

from __future__ import annotations

import numpy as np
from scipy.signal import get_window

from .frame import BANDS

#: Segments transformed together by :meth:`WelchPSD.__call__` (bounds its memory).
_SEGMENT_BLOCK = 64


class WelchPSD:
    """Welch's method with a fixed segment layout, precomputed for speed.

    Segments of ``n_per_seg`` samples (default: 1 s) with 50 % overlap and a Hann window; each
    segment's mean is removed (as ``mne.time_frequency.psd_array_welch`` does with
    ``remove_dc=True``); one-sided density in uV^2/Hz, averaged over segments.

    Parameters
    ----------
    sfreq : float
        Sample rate, Hz.
    n_window : int
        Samples per analysis window.
    n_per_seg : int or None
        Samples per segment; default ``round(sfreq)`` (1-Hz resolution), capped at ``n_window``.
    """

    def __init__(self, sfreq: float, n_window: int, n_per_seg: int | None = None) -> None:
        if not sfreq > 0:
            raise ValueError(f"sfreq must be > 0 Hz; got {sfreq}")
        nps = int(round(sfreq)) if n_per_seg is None else int(n_per_seg)
        nps = min(nps, int(n_window))
        if nps < 2:
            raise ValueError(
                "n_window and n_per_seg must give segments of >= 2 samples; got "
                f"n_window={n_window}, n_per_seg={n_per_seg} (sfreq={sfreq})"
            )
        self.n_window = int(n_window)
        step = nps // 2
        self.n_per_seg = nps
        self.n_overlap = nps - step
        self.starts = np.arange(0, n_window - nps + 1, step)
        self.win = get_window("hann", nps)
        self.freqs = np.fft.rfftfreq(nps, 1.0 / sfreq)
        scale = np.full(self.freqs.size, 2.0 / (sfreq * (self.win**2).sum()))
        scale[0] /= 2.0
        if nps % 2 == 0:
            scale[-1] /= 2.0
        self.scale = scale
        self.df = float(sfreq / nps)
        self._seg_range = np.arange(nps)[None, :]
        self._idx = self.starts[:, None] + self._seg_range

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """PSD of each channel.

        Parameters
        ----------
        x : ndarray, shape (n_channels, n_window)
            Signal, uV.

        Returns
        -------
        psd : ndarray, shape (n_channels, n_freqs)
            uV^2/Hz at :attr:`freqs`.
        """
        if x.ndim != 2 or x.shape[1] != self.n_window:
            raise ValueError(
                f"x must have shape (n_channels, {self.n_window}); got shape {x.shape}"
            )
        # Segments are transformed a block at a time (memory stays small for a long signal,
        # e.g. a whole recording in the report) and summed in segment order, then divided by
        # their count: the arithmetic of a mean over segments, as :meth:`batch` does it.
        n_seg = self.starts.size
        out = np.zeros((x.shape[0], self.freqs.size))
        for b in range(0, n_seg, _SEGMENT_BLOCK):
            seg = np.ascontiguousarray(x[:, self._idx[b : b + _SEGMENT_BLOCK]])  # (n_ch, k, nps)
            power = self._segment_power(seg)
            for k in range(power.shape[1]):
                out += power[:, k]
        out /= n_seg
        return out * self.scale

    def _segment_power(self, seg: np.ndarray) -> np.ndarray:
        """|rFFT|^2 of each demeaned, Hann-windowed segment, shape (..., nps) -> (..., n_freqs)."""
        # mean as NumPy's mean computes it (sum, then divide by the count), minus its wrapper
        seg = np.subtract(seg, seg.sum(axis=-1, keepdims=True) / seg.shape[-1], order="C")
        seg *= self.win
        spec = np.fft.rfft(seg, axis=-1)
        power = spec.real**2
        power += spec.imag**2
        return power

    def batch(
        self,
        signal: np.ndarray,
        starts: np.ndarray,
        cache: SegmentCache | None = None,
        origin: int = 0,
        last: int = 0,
    ) -> np.ndarray:
        """PSD of many windows of one long signal, each segment transformed only once.

        Windows that overlap share segments (with a 0.1-s hop and 0.5-s segment steps, every
        segment serves three windows), so the distinct segment starts are found first and each
        is Fourier-transformed once. With a ``cache``, segments transformed for earlier calls
        (earlier frames of a live stream) are reused too. Every number equals
        ``self(signal[:, s:s + n_window])`` exactly: the same arithmetic on the same samples,
        whatever the batch and whatever came from the cache.

        Parameters
        ----------
        signal : ndarray, shape (n_channels, n_samples)
            Signal, uV.
        starts : ndarray of int, shape (n_frames,)
            First sample of each window in ``signal``.
        cache : SegmentCache or None
            Segment powers of this same signal from earlier calls (updated). Its keys are
            stream positions, so it must only ever see one signal; not thread-safe.
        origin : int
            Stream position of ``signal[:, 0]`` (sample count since the stream began), the
            key ``cache`` uses.
        last : int
            Average only each window's last ``last`` segments (0, the default: all of them):
            a spectrum of the window's most recent part, whose segments are the window's own
            (the same cache entries, the same numbers).

        Returns
        -------
        psd : ndarray, shape (n_frames, n_channels, n_freqs)
            uV^2/Hz at :attr:`freqs`.
        """
        n_seg = self.starts.size
        if isinstance(last, bool) or not isinstance(last, (int, np.integer)) or not 0 <= last <= n_seg:
            raise ValueError(f"last must be an integer from 0 to {n_seg}; got {last!r}")
        first = n_seg - last if last else 0
        seg_starts = np.asarray(starts, dtype=np.intp)[:, None] + self.starts[None, :]
        if cache is not None and seg_starts.shape[0] == 1:  # one live frame: no index work
            rows = self._cached_rows(signal, seg_starts[0], cache, int(origin))[first:]
            out = rows[0][None].copy()  # the same sums, in the same order, as below
            for row in rows[1:]:
                out += row
            out /= len(rows)
            return out * self.scale
        if cache is not None:
            power, inv = self._cached_powers(signal, seg_starts, cache, int(origin))
        elif seg_starts.shape[0] == 1:  # one window: its segments, gathered directly
            idx = seg_starts[0][:, None] + self._seg_range
            power = self._segment_power(np.ascontiguousarray(signal[:, idx].transpose(1, 0, 2)))
            inv = np.arange(seg_starts.shape[1])[None, :]
        else:
            power, inv = self._unique_powers(signal, seg_starts)
        # mean over segments in the same order as __call__ (segment 0 first), then scale;
        # runs of consecutive segment indices are taken as slices (same values, no gather)
        n_fr = inv.shape[0]
        out = None
        for k in range(first, inv.shape[1]):
            col = inv[:, k]
            i0 = int(col[0])
            run = n_fr == 1 or np.array_equal(col, np.arange(i0, i0 + n_fr))
            part = power[i0 : i0 + n_fr] if run and i0 + n_fr <= power.shape[0] else power[col]
            if out is None:
                out = part.copy()
            else:
                out += part
        out /= inv.shape[1] - first
        return out * self.scale

    def _unique_powers(
        self, signal: np.ndarray, seg_starts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Powers of the distinct segments, shape (n_unique, n_channels, n_freqs), and each
        window's segment indices into them, shape (n_frames, n_segments)."""
        uniq, inv = np.unique(seg_starts, return_inverse=True)
        inv = inv.reshape(seg_starts.shape)
        step = int(uniq[1] - uniq[0]) if uniq.size > 1 else 1
        if step > 0 and signal.flags.c_contiguous and np.all(np.diff(uniq) == step):
            # evenly spaced segments (an integer hop): a strided view, no gather; demeaning in
            # _segment_power writes the contiguous copy (each row is still reduced on its own)
            item = signal.itemsize
            segs = np.lib.stride_tricks.as_strided(
                signal[:, uniq[0] :],
                shape=(uniq.size, signal.shape[0], self.n_per_seg),
                strides=(step * item, signal.shape[1] * item, item),
                writeable=False,
            )
        else:
            idx = uniq[:, None] + self._seg_range
            segs = np.ascontiguousarray(signal[:, idx].transpose(1, 0, 2))  # (n_unique, n_ch, nps)
        return self._segment_power(segs), inv

    def _rows_from_cache(
        self, signal: np.ndarray, seg_starts: np.ndarray, cache: SegmentCache, origin: int
    ) -> tuple[list[np.ndarray], np.ndarray | None]:
        """Powers of the segments starting at ``seg_starts`` (ascending, in ``signal``): from
        ``cache`` where it has them, the others transformed (returned as ``fresh`` too, None
        when none were) and added to it."""
        keys = (seg_starts + origin).tolist()
        rows = [cache.get(k) for k in keys]
        missing = [i for i, r in enumerate(rows) if r is None]
        fresh = None
        if missing:
            idx = seg_starts[missing][:, None] + self._seg_range
            fresh = self._segment_power(np.ascontiguousarray(signal[:, idx].transpose(1, 0, 2)))
            for j, i in enumerate(missing):
                rows[i] = fresh[j]
                cache.put(keys[i], fresh[j])
        return rows, fresh if len(missing) == len(rows) else None

    def _cached_rows(
        self, signal: np.ndarray, seg_starts: np.ndarray, cache: SegmentCache, origin: int
    ) -> list[np.ndarray]:
        """Powers of one window's segments (starts ``seg_starts`` in ``signal``, ascending),
        through ``cache``, then forgetting segments no later window can use."""
        rows, _ = self._rows_from_cache(signal, seg_starts, cache, origin)
        cache.drop_before(int(seg_starts[0]) + origin)  # later windows start after this one
        return rows

    def _cached_powers(
        self, signal: np.ndarray, seg_starts: np.ndarray, cache: SegmentCache, origin: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_unique_powers` through ``cache``: only segments it lacks are transformed;
        afterwards those no later window can use are forgotten."""
        uniq, inv = np.unique(seg_starts, return_inverse=True)
        inv = inv.reshape(seg_starts.shape)
        rows, fresh = self._rows_from_cache(signal, uniq, cache, origin)
        cache.drop_before(int(seg_starts[-1, 0]) + origin)  # later windows start after this
        return (fresh if fresh is not None else np.stack(rows)), inv


class SegmentCache:
    """Powers of Welch segments already transformed, by the segment's stream position.

    A live stream computes one frame per 0.1-s hop, and each 1-s Welch segment (0.5-s step)
    lies in three windows 0.5 s apart (every fifth frame): keeping the powers of the last few
    segments lets each frame transform at most one new segment instead of three. Keys are stream positions (samples
    since the stream began) of the segment's first sample; values are the (n_channels,
    n_freqs) arrays of :meth:`WelchPSD._segment_power`, bit for bit what a fresh transform
    would give. Holds only what later windows can still use (a few entries).
    """

    def __init__(self) -> None:
        self._rows: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: int) -> np.ndarray | None:
        """The power of the segment starting at stream position ``key``, or None."""
        return self._rows.get(key)

    def put(self, key: int, row: np.ndarray) -> None:
        """Remember the power of the segment starting at stream position ``key``."""
        self._rows[key] = row

    def drop_before(self, key: int) -> None:
        """Forget segments that start before stream position ``key``."""
        old = [k for k in self._rows if k < key]
        for k in old:
            del self._rows[k]


def band_masks(freqs: np.ndarray, bands: dict[str, tuple[float, float]] = BANDS) -> np.ndarray:
    """Boolean masks, shape (n_bands, n_freqs): ``lo <= f < hi`` for each band."""
    return np.array([(freqs >= lo) & (freqs < hi) for lo, hi in bands.values()])


def band_power_db(psd: np.ndarray, masks: np.ndarray, df: float) -> np.ndarray:
    """Band power in dB re 1 uV^2: 10 log10 of the sum of PSD bins in the band times ``df``.

    Parameters
    ----------
    psd : ndarray, shape (..., n_channels, n_freqs)
        uV^2/Hz (any leading batch dimensions, e.g. frames).
    masks : ndarray of bool, shape (n_bands, n_freqs)
    df : float
        Bin width, Hz.

    Returns
    -------
    ndarray, shape (..., n_channels, n_bands)
    """
    power = psd @ masks.T.astype(float) * df
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(power)
