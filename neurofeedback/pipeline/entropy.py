"""Signal disorder: normalised spectral entropy and Lempel-Ziv complexity (Schartner et al. 2017)."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numba import njit

from .batch import analytic


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
def _detrended_rows(x: np.ndarray, step: int) -> np.ndarray:  # pragma: no cover - compiled
    """Each row of ``x[:, ::step]`` minus its least-squares line, as a new C-contiguous array.

    Sums run in time order, row by row, so a row gives the same numbers in any batch.
    """
    n_rows, n_full = x.shape
    n = (n_full + step - 1) // step
    out = np.empty((n_rows, n))
    t_mean = (n - 1) / 2.0
    t_var = 0.0
    for t in range(n):
        t_var += (t - t_mean) ** 2
    for r in range(n_rows):
        y_mean = 0.0
        for t in range(n):
            y_mean += x[r, t * step]
        y_mean /= n
        cov = 0.0
        for t in range(n):
            cov += (t - t_mean) * (x[r, t * step] - y_mean)
        slope = cov / t_var if t_var > 0.0 else 0.0
        for t in range(n):
            out[r, t] = x[r, t * step] - y_mean - slope * (t - t_mean)
    return out


@njit(cache=True, nogil=True)
def _lz_ratio_rows(z: np.ndarray, order: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Shuffle-normalised LZ76 complexity of the binarised amplitude of each analytic row.

    ``z`` (complex, shape (n_rows, n)): bits ``|z_t| > mean_t |z_t|``; result ``c / c_shuffled``
    with ``c_shuffled`` the phrase count of ``bits[order]``.
    """
    n_rows, n = z.shape
    out = np.empty(n_rows)
    amp = np.empty(n)
    bits = np.empty(n, dtype=np.uint8)
    mixed = np.empty(n, dtype=np.uint8)
    for r in range(n_rows):
        total = 0.0
        for t in range(n):
            a = math.sqrt(z[r, t].real ** 2 + z[r, t].imag ** 2)
            amp[t] = a
            total += a
        mean = total / n
        for t in range(n):
            bits[t] = 1 if amp[t] > mean else 0
        for t in range(n):
            mixed[t] = bits[order[t]]
        out[r] = _lz76_count(bits) / _lz76_count(mixed)
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
            # live candidates sit below i + length (j < i, shifted by length), so only the
            # words up to that position can be nonzero, and the carry never leaves them
            for w in range(((i + length) >> 6) + 1):  # keep matching starts, then shift
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


#: Seed of the one fixed shuffle per length that normalises the LZ phrase count. Fixed so the
#: same window gives the same number live, offline and in any batch.
SHUFFLE_SEED = 2017


@lru_cache(maxsize=16)
def shuffle_order(n: int) -> np.ndarray:
    """The fixed permutation of ``n`` samples used as the LZ surrogate (read-only, cached).

    Parameters
    ----------
    n : int
        Sequence length (samples after subsampling).

    Returns
    -------
    ndarray of int64, shape (n,)
        ``np.random.default_rng(SHUFFLE_SEED).permutation(n)``.
    """
    order = np.random.default_rng(SHUFFLE_SEED).permutation(n).astype(np.int64)
    order.setflags(write=False)
    return order


def lempel_ziv_decimated(x: np.ndarray, step: int) -> np.ndarray:
    """Lempel-Ziv complexity of each channel after Schartner et al. (2017): amplitude, shuffle-normalised.

    Per row: subsample ``x[..., ::step]`` (n samples), remove its least-squares line, take the
    analytic signal ``z`` (FFT Hilbert, :func:`~neurofeedback.pipeline.batch.analytic`),
    binarise its amplitude at the row's mean, ``b_t = |z_t| > mean(|z|)``, and return

    ``LZ = c(b) / c(b[perm])``,

    where ``c`` is the Lempel-Ziv (1976) phrase count of the exhaustive-history parsing (each
    phrase is the shortest substring starting at the current position that does not occur
    earlier, the occurrence may overlap the phrase itself as in Kaspar & Schuster 1987, and an
    unfinished last phrase counts; e.g. ``0001101001000101`` -> ``0.001.10.100.1000.101`` = 6)
    and ``perm`` is one fixed pseudo-random permutation of ``n`` (:func:`shuffle_order`). The
    shuffle keeps the number of ones and destroys temporal order, so it stands for the same bits
    without structure, as in Schartner et al. (2017, one shuffle).

    Null and reading: about 1 when the bits have no temporal order (independent amplitudes);
    lower the more predictable the envelope is (slow, regular amplitude changes). 1 is the null
    of "no temporal order in the bits", not of "the signal is noise": white Gaussian noise reads
    about 0.94, because the analytic amplitude of any signal is correlated over neighbouring
    samples, and noise band-passed at 1-45 Hz and subsampled to 125 Hz reads about 0.84 (white)
    or 0.80 (1/f), the eyes-open/closed EEG of EEGMMIDB 0.60-0.70. The shuffled count is one
    draw, so a single window scatters by about 0.05 (sd, 250 samples) around its expected value;
    means over channels and frames are steadier.

    What it is not: a measure of how sinusoidal the signal is. A steady tone has a flat
    envelope, so its bits follow whatever noise rides on it and it reads like noise; an
    oscillation whose amplitude waxes and wanes slowly reads low. Nor is it the median-binarised
    ``c log2(n) / n`` of earlier versions (which read 1.12 on white noise), nor the LZW
    dictionary size. A row whose bits are all equal (flat signal) reads 1 (nothing to shuffle);
    the pipeline drops flat channels before averaging.

    Every row is computed on its own (time-ordered sums, one FFT per row, one permutation per
    length), so a window gives the same value live, offline and in any batch. Detrend and
    binarise/count are compiled (the count is a bit-parallel Kaspar & Schuster parsing); a
    plain-Python definition that tests check this against is in ``tests/reference/entropy.py``.

    Parameters
    ----------
    x : ndarray, shape (..., n_channels, n_times)
        Band-passed EEG (any unit: the result is scale-free).
    step : int
        Subsampling factor (:func:`lz_decimation`), >= 1.

    Returns
    -------
    ndarray, shape (..., n_channels)
        Dimensionless, > 0; about 1 for temporally unstructured bits.

    Raises
    ------
    ValueError
        If ``step`` is not a positive integer or ``x`` has no samples.
    """
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
        raise ValueError(f"step must be an integer >= 1, got {step!r}")
    x = np.asarray(x, dtype=float)
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ValueError(f"x must have at least one sample on its last axis, got shape {x.shape}")
    n_full = x.shape[-1]
    n = (n_full + step - 1) // step
    rows = _detrended_rows(x.reshape(-1, n_full), int(step))
    return _lz_ratio_rows(analytic(rows), shuffle_order(n)).reshape(x.shape[:-1])
