"""Reference Lempel-Ziv complexity: the LZ76 parsing in plain Python.

The pipeline computes it with :func:`neurofeedback.pipeline.entropy.lempel_ziv_decimated`
(compiled, bit-parallel, analytic signal from a real FFT); these are the definitions that
kernel is tested against.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import detrend, hilbert


def lz76(seq: bytes) -> int:
    """Lempel-Ziv (1976) complexity: number of phrases in the exhaustive-history parsing.

    Each phrase is the shortest substring starting at the current position that does not occur
    earlier (the occurrence may overlap the phrase itself, as in Kaspar & Schuster 1987); an
    unfinished last phrase counts too. E.g. ``0001101001000101`` parses as
    ``0.001.10.100.1000.101`` -> 6.

    Parameters
    ----------
    seq : bytes
        The symbol sequence (any byte values).

    Returns
    -------
    int
    """
    n = len(seq)
    i = 0
    c = 0
    while i < n:
        if seq[i:] in seq[: n - 1]:
            return c + 1
        # smallest l with seq[i:i+l] not in seq[:i+l-1]; "found" is monotone in l
        lo, hi = 1, n - i  # answer in [lo, hi]
        while lo < hi:
            mid = (lo + hi) // 2
            if seq[i : i + mid] in seq[: i + mid - 1]:
                lo = mid + 1
            else:
                hi = mid
        c += 1
        i += lo
    return c


def lempel_ziv(x: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Schartner et al. (2017) LZ of each row: amplitude binarised at its mean, over one shuffle.

    Each row is linearly detrended (:func:`scipy.signal.detrend`), its analytic amplitude
    ``|scipy.signal.hilbert(row)|`` is binarised at its mean, and the LZ76 phrase count of those
    bits is divided by the phrase count of the same bits reordered by ``order``.

    Parameters
    ----------
    x : ndarray, shape (..., n_times)
        Already subsampled.
    order : ndarray of int, shape (n_times,)
        The shuffle (a permutation of ``range(n_times)``).

    Returns
    -------
    ndarray, shape x.shape[:-1]
    """
    n = x.shape[-1]
    rows = x.reshape(-1, n)
    out = []
    for row in rows:
        amp = np.abs(hilbert(detrend(row)))
        bits = (amp > amp.mean()).astype(np.uint8)
        out.append(lz76(bits.tobytes()) / lz76(bits[order].tobytes()))
    return np.array(out).reshape(x.shape[:-1])
