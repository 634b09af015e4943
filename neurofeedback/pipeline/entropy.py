"""Signal disorder: normalised spectral entropy and Lempel-Ziv complexity (Schartner et al. 2017)."""

from __future__ import annotations

import numpy as np
from numba import njit


def spectral_entropy(psd: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Normalised Shannon entropy of each channel's spectrum within ``mask``.

    ``H = -sum_f p_f log p_f / log(n_f)`` with ``p_f = PSD_f / sum PSD``: 1 for a flat (white)
    spectrum, near 0 when all power sits in one bin.

    Parameters
    ----------
    psd : ndarray, shape (n_channels, n_freqs)
    mask : ndarray of bool, shape (n_freqs,)
        Bins to use (e.g. 1-45 Hz).

    Returns
    -------
    ndarray, shape (n_channels,)
    """
    p = psd[:, mask]
    total = p.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = p / total
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    return h / np.log(p.shape[1])


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


@njit(cache=True)
def _lz76_rows(bits: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Kaspar & Schuster's (1987) LZ76 phrase count of each row of a uint8 array."""
    n_rows, n = bits.shape
    out = np.empty(n_rows, dtype=np.int64)
    for r in range(n_rows):
        s = bits[r]
        if n < 2:
            out[r] = n
            continue
        c, length, i, k, k_max = 1, 1, 0, 1, 1
        while True:
            if s[i + k - 1] == s[length + k - 1]:
                k += 1
                if length + k > n:
                    c += 1
                    break
            else:
                if k > k_max:
                    k_max = k
                i += 1
                if i == length:
                    c += 1
                    length += k_max
                    if length + 1 > n:
                        break
                    i, k, k_max = 0, 1, 1
                else:
                    k = 1
        out[r] = c
    return out


def lz_decimation(sfreq: float) -> int:
    """Subsampling factor that brings the LZ input near 100-125 Hz: ``max(1, floor(sfreq / 100))``.

    LZ complexity depends on how many samples each oscillation spans, so it is computed at a
    similar rate on every board (data are already low-passed at 45 Hz before subsampling).
    """
    return max(1, int(sfreq // 100))


def lempel_ziv(x: np.ndarray) -> np.ndarray:
    """Normalised LZ76 complexity of each channel binarised at its median.

    The phrase count uses Kaspar & Schuster's algorithm, compiled with numba (the plain-Python
    :func:`lz76` is the readable reference; a test checks that both agree).

    ``C = c(n) * log2(n) / n`` with ``c(n)`` from :func:`lz76` of the sequence
    ``x(t) > median(x)``; about 1 for a random binary sequence, lower for regular signals.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)

    Returns
    -------
    ndarray, shape (n_channels,)
    """
    n = x.shape[1]
    bits = (x > np.median(x, axis=1, keepdims=True)).astype(np.uint8)
    norm = np.log2(n) / n
    return _lz76_rows(np.ascontiguousarray(bits)) * norm
