"""Reference Lempel-Ziv complexity: the LZ76 parsing in plain Python.

The pipeline computes it with :func:`neurofeedback.pipeline.entropy.lempel_ziv_decimated`
(compiled, bit-parallel); these are the definitions that kernel is tested against.
"""

from __future__ import annotations

import numpy as np


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


def lempel_ziv(x: np.ndarray) -> np.ndarray:
    """Normalised LZ76 complexity of each row binarised at its median, ``c(n) log2(n) / n``.

    Parameters
    ----------
    x : ndarray, shape (..., n_times)

    Returns
    -------
    ndarray, shape x.shape[:-1]
    """
    n = x.shape[-1]
    bits = (x > np.median(x, axis=-1, keepdims=True)).astype(np.uint8).reshape(-1, n)
    norm = np.log2(n) / n
    counts = np.array([lz76(row.tobytes()) for row in bits], dtype=np.int64)
    return (counts * norm).reshape(x.shape[:-1])
