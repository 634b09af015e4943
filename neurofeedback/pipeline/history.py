"""The latest samples of a multi-row signal, with room to append: windows without copies.

Each live push (a few samples) needs the last ``keep`` samples followed by the new ones as one
array. Concatenating copies the whole history every push; :class:`SlidingHistory` writes only
the new samples after the history in a preallocated buffer and returns a view of the span. When
the room is used up, the last ``keep`` samples move to the front once (every
``room / samples per push`` pushes), so the copying per push is the push's own samples.
"""

from __future__ import annotations

import numpy as np


class SlidingHistory:
    """The last ``keep`` samples of ``n_rows`` signals (zeros before the stream), appendable.

    Parameters
    ----------
    n_rows : int
        Signals (rows), >= 1.
    keep : int
        Samples of history kept before each append, >= 0.
    room : int
        Samples that can be appended before the history moves to the front, >= 1. A longer
        append is served by a fresh array.

    Notes
    -----
    The span returned by :meth:`append` is a view into the buffer (each row contiguous, rows
    ``keep + room`` samples apart) valid only until the next call: with ``fresh=True`` it is a
    new C-contiguous array instead (for readers in other threads). The values are the same
    either way.
    """

    def __init__(self, n_rows: int, keep: int, room: int) -> None:
        if n_rows < 1 or keep < 0 or room < 1:
            raise ValueError(
                f"n_rows and room must be >= 1 and keep >= 0; got {n_rows}, {keep}, {room}"
            )
        self.keep = keep
        self._buf = np.zeros((n_rows, keep + room))
        self._end = keep  # samples [end - keep, end) are the history

    def append(self, *parts: np.ndarray, fresh: bool = False) -> np.ndarray:
        """Append new samples; return the history followed by them.

        Parameters
        ----------
        *parts : ndarray, each shape (n_rows_i, m)
            The new samples of consecutive row blocks (their rows add up to ``n_rows``; all
            the same ``m``).
        fresh : bool
            Return a new array instead of a view of the buffer.

        Returns
        -------
        ndarray, shape (n_rows, keep + m)
        """
        m = parts[0].shape[1]
        buf, keep = self._buf, self.keep
        if fresh or m > buf.shape[1] - keep:
            new = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
            span = np.concatenate([buf[:, self._end - keep : self._end], new], axis=1)
            buf[:, :keep] = span[:, span.shape[1] - keep :]
            self._end = keep
            return span
        if self._end + m > buf.shape[1]:  # room used up: history to the front
            buf[:, :keep] = buf[:, self._end - keep : self._end]
            self._end = keep
        r, end = 0, self._end
        for p in parts:
            buf[r : r + p.shape[0], end : end + m] = p
            r += p.shape[0]
        self._end = end + m
        return buf[:, self._end - keep - m : self._end]
