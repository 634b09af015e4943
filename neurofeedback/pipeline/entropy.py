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
    psd : ndarray, shape (..., n_channels, n_freqs)
        Any leading batch dimensions (e.g. frames); each spectrum is treated on its own.
    mask : ndarray of bool, shape (n_freqs,)
        Bins to use (e.g. 1-45 Hz).

    Returns
    -------
    ndarray, shape (..., n_channels)
    """
    p = np.ascontiguousarray(psd[..., mask])  # rows contiguous: same sums in any batch
    total = p.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = p / total
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=-1)
    return h / np.log(p.shape[-1])


@njit(cache=True, nogil=True)
def _lz76_rows(bits: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Kaspar & Schuster's (1987) LZ76 phrase count of each row of a uint8 array."""
    n_rows, n = bits.shape
    out = np.empty(n_rows, dtype=np.int64)
    for r in range(n_rows):
        out[r] = _lz76_count(bits[r])
    return out


@njit(cache=True, nogil=True)
def _median_inplace(a: np.ndarray) -> float:  # pragma: no cover - compiled
    """Median of ``a`` (reordered in place) by quickselect; equals ``np.median`` exactly."""
    n = a.size
    k = n // 2
    lo, hi = 0, n - 1
    while lo < hi:  # Hoare selection of the k-th smallest
        mid = (lo + hi) // 2
        # median-of-three pivot
        if a[mid] < a[lo]:
            a[mid], a[lo] = a[lo], a[mid]
        if a[hi] < a[lo]:
            a[hi], a[lo] = a[lo], a[hi]
        if a[hi] < a[mid]:
            a[hi], a[mid] = a[mid], a[hi]
        pivot = a[mid]
        i, j = lo, hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            break
    upper = a[k]
    if n % 2:
        return upper
    lower = a[0]
    for t in range(1, k):  # the (k-1)-th smallest: the largest of the k below a[k]
        if a[t] > lower:
            lower = a[t]
    return (lower + upper) / 2.0


@njit(cache=True, nogil=True)
def _lz_median_rows(x: np.ndarray, step: int) -> np.ndarray:  # pragma: no cover - compiled
    """LZ76 phrase count of each row of ``x[..., ::step]`` binarised at its median."""
    n_rows, n_full = x.shape
    n = (n_full + step - 1) // step
    out = np.empty(n_rows, dtype=np.int64)
    buf = np.empty(n)
    bits = np.empty(n, dtype=np.uint8)
    for r in range(n_rows):
        for t in range(n):
            buf[t] = x[r, t * step]
        med = _median_inplace(buf)
        for t in range(n):
            bits[t] = 1 if x[r, t * step] > med else 0
        out[r] = _lz76_count(bits)
    return out


@njit(cache=True, nogil=True)
def _lz76_count(s: np.ndarray) -> int:  # pragma: no cover - compiled
    """LZ76 phrase count of one uint8 sequence (see :func:`lempel_ziv_decimated`), bit-parallel.

    A phrase starting at ``i`` is one symbol longer than the longest prefix of ``s[i:]`` that
    also starts at some ``j < i``. The candidate starts ``j`` are kept as a bitset (64 per
    machine word) and filtered symbol by symbol, so each phrase costs its length times
    ``n / 64`` word operations instead of a scan over the history.
    """
    n = s.size
    if n < 2:
        return n
    n_words = (n + 63) // 64
    one = np.uint64(1)
    zero = np.uint64(0)
    full = ~zero
    n_sym = 0
    for p in range(n):
        n_sym = max(n_sym, int(s[p]) + 1)
    sym = np.zeros((n_sym, n_words), dtype=np.uint64)  # positions of each symbol value
    for p in range(n):
        sym[s[p], p >> 6] |= one << np.uint64(p & 63)
    m = np.empty(n_words, dtype=np.uint64)
    c = 0
    i = 0
    while i < n:
        for w in range(n_words):  # candidate starts: every j < i
            lo = w * 64
            if i >= lo + 64:
                m[w] = full
            elif i <= lo:
                m[w] = zero
            else:
                m[w] = (one << np.uint64(i - lo)) - one
        length = 0
        while True:
            if i + length == n:  # the rest occurred before: an unfinished last phrase
                return c + 1
            row = s[i + length]
            alive = zero
            carry = zero
            for w in range(n_words):  # keep starts whose next symbol matches, then shift
                v = m[w] & sym[row, w]  # bit p (= j + length) -> p + 1
                alive |= v
                m[w] = (v << one) | carry
                carry = v >> np.uint64(63)
            if alive == zero:
                c += 1
                i += length + 1
                break
            length += 1
    return c


def lz_decimation(sfreq: float) -> int:
    """Subsampling factor that brings the LZ input near 100-125 Hz: ``max(1, floor(sfreq / 100))``.

    LZ complexity depends on how many samples each oscillation spans, so it is computed at a
    similar rate on every board (data are already low-passed at 45 Hz before subsampling).
    """
    return max(1, int(sfreq // 100))


def lempel_ziv_decimated(x: np.ndarray, step: int) -> np.ndarray:
    """Normalised LZ76 complexity of each channel of ``x[..., ::step]`` binarised at its median.

    ``C = c(n) * log2(n) / n``, with ``n`` the subsampled length and ``c(n)`` the number of
    phrases in the Lempel-Ziv (1976) exhaustive-history parsing of the sequence
    ``x(t) > median(x)``: each phrase is the shortest substring starting at the current
    position that does not occur earlier (the occurrence may overlap the phrase itself, as in
    Kaspar & Schuster 1987), and an unfinished last phrase counts too; e.g.
    ``0001101001000101`` parses as ``0.001.10.100.1000.101`` -> 6. About 1 for a random binary
    sequence, lower for regular signals. One compiled pass per row: subsample, median
    (quickselect, equal to ``np.median``), binarise, count (bit-parallel Kaspar & Schuster).
    A plain-Python parsing that tests check this against is in ``tests/reference/entropy.py``.

    Parameters
    ----------
    x : ndarray, shape (..., n_channels, n_times)
    step : int
        Subsampling factor (:func:`lz_decimation`).

    Returns
    -------
    ndarray, shape (..., n_channels)
    """
    n_full = x.shape[-1]
    n = (n_full + step - 1) // step
    rows = x.reshape(-1, n_full)
    return (_lz_median_rows(rows, int(step)) * (np.log2(n) / n)).reshape(x.shape[:-1])
