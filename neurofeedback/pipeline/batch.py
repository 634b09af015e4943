"""Per-window stage of the pipeline, computed for a batch of frames at once.

Every function here takes arrays with a leading frame axis (``n_frames``) and computes for each
frame the quantity the per-window definitions define (plain NumPy versions of those definitions
live in ``tests/reference/``, and ``tests/test_pipeline_batch.py`` checks that both agree: reasons
exactly, numbers to relative 1e-12, since the numba kernels sum sample by sample where NumPy sums
pairwise). Reductions run along the last axis of each frame's own contiguous rows, and kernels
loop frame by frame, so a frame's numbers do not depend on which other frames share its batch:
a live push that completes one frame and an offline run that computes 50 at once give
bit-identical frames.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numba import njit

from .filters import sos_step_cols
from .quality import QualityChecker, quality_masks
from .synchrony import Metastability
from .wpli_ratio import wpli2_ratio


def _c(a: np.ndarray) -> np.ndarray:
    """C-contiguous (copy if needed): fancy-indexing results come in batch-dependent memory
    orders, and NumPy reduces non-contiguous axes in a different summation order."""
    return np.ascontiguousarray(a)


def frame_windows(
    signal: np.ndarray, starts: np.ndarray, n_window: int, copy: bool = True
) -> np.ndarray:
    """The windows ``signal[:, s:s + n_window]`` for each start, as one array.

    With ``copy=False`` and evenly spaced starts (an integer hop) the result is a strided,
    read-only view (good for reductions along the last axis); otherwise a C-contiguous copy
    (needed by ``matmul``, which takes a slow path on strided stacks).

    Parameters
    ----------
    signal : ndarray, shape (n_channels, n_samples), C-contiguous
    starts : ndarray of int, shape (n_frames,), ascending
    n_window : int
    copy : bool

    Returns
    -------
    ndarray, shape (n_frames, n_channels, n_window)
        Each window's rows are contiguous; read-only when it is a view.
    """
    starts = np.asarray(starts, dtype=np.intp)
    if starts.size == 1:  # the usual live case: a plain slice
        s0 = int(starts[0])
        win = signal[None, :, s0 : s0 + n_window]
        return np.ascontiguousarray(win) if copy else win
    step = int(starts[1] - starts[0])
    if np.all(np.diff(starts) == step):
        signal = np.ascontiguousarray(signal)
        item = signal.itemsize
        view = np.lib.stride_tricks.as_strided(
            signal[:, starts[0] :],
            shape=(starts.size, signal.shape[0], n_window),
            strides=(step * item, signal.shape[1] * item, item),
            writeable=False,
        )
        return np.ascontiguousarray(view) if copy else view
    view = np.lib.stride_tricks.sliding_window_view(signal, n_window, axis=1)  # (C, L', n)
    return np.ascontiguousarray(view.transpose(1, 0, 2)[starts])


@njit(cache=True, nogil=True)
def _centred_ss(n: int) -> float:  # pragma: no cover - compiled
    """``sum_i (i - mid)^2`` for ``i < n``, ``mid = (n - 1) / 2``, summed in index order."""
    mid = (n - 1) / 2.0
    tt = 0.0
    for i in range(n):
        tt += (i - mid) * (i - mid)
    return tt


@njit(cache=True, nogil=True)
def _slow_defl_row(
    v: np.ndarray, k: int, k2: int, r: np.ndarray, c: np.ndarray, tt: float
) -> float:  # pragma: no cover - compiled
    """The slow deflection of one channel of a window, uV: peak-to-peak of ``v`` detrended and
    smoothed by a ``k``- then a ``k2``-sample moving average (``k2 <= k``).

    The window's least-squares line is removed (electrode drift and DC offset), then a 0.1-s
    moving average (zero gain at every multiple of 10 Hz: 50 and 60 Hz mains complete 5 and 6
    cycles in 0.1 s) and a 0.05-s one (zeros at multiples of 20 Hz) keep what is slower than
    ~5 Hz. Together they pass at most 0.8 % of any oscillation above 40 Hz (the 0.1-s average
    alone: up to 7.5 % between its zeros, so a 1000-uV 45-75 Hz oscillation left a 50-70-uV
    "deflection"), and keep 87 % of the height of a 250-ms ``sin^2`` blink, 96 % of a 300-ms
    half-sine. Lengths from :meth:`.quality.QualityChecker.smooth_lengths`.

    ``v`` (n,) samples, uV; ``r``, ``c`` (n,) work; ``tt``: :func:`_centred_ss` of ``n`` (the
    same for every row of a batch).
    """
    n = v.size
    mid = (n - 1) / 2.0
    m = 0.0
    for i in range(n):
        m += v[i]
    m /= n
    rt = 0.0
    for i in range(n):
        r[i] = v[i] - m
        rt += r[i] * (i - mid)
    slope = rt / tt
    acc = 0.0
    for i in range(n):
        acc += r[i] - slope * (i - mid)
        c[i] = acc
    # first pass: c[i] - c[i - k] (k-sample sums) summed into a second running total, kept in
    # c[i - k] (no longer needed); second pass: differences of that total k2 apart
    lo = np.inf
    hi = -np.inf
    acc = 0.0
    for i in range(k, n):
        acc += c[i] - c[i - k]
        c[i - k] = acc
        j = i - k
        if j >= k2:
            w = acc - c[j - k2]
            lo = min(lo, w)
            hi = max(hi, w)
    return (hi - lo) / float(k * k2)


@njit(cache=True, nogil=True)
def _slow_defl_cols(
    vt: np.ndarray, k: int, k2: int, c: np.ndarray, tt: float, out: np.ndarray
) -> None:  # pragma: no cover - compiled
    """:func:`_slow_defl_row` of every column of ``vt`` (n, n_channels) into ``out``.

    The window transposed (time, channel), so each step updates all channels at once
    (vectorised across channels); every channel's own sums run over time in order, exactly
    as in :func:`_slow_defl_row`, so the values are the same bit for bit. Work array ``c``
    (n, n_channels); ``tt``: :func:`_centred_ss` of ``n``.
    """
    n, n_ch = vt.shape
    mid = (n - 1) / 2.0
    m = np.zeros(n_ch)
    for i in range(n):
        for j in range(n_ch):
            m[j] += vt[i, j]
    for j in range(n_ch):
        m[j] /= n
    rt = np.zeros(n_ch)
    for i in range(n):
        d = i - mid
        for j in range(n_ch):
            rt[j] += (vt[i, j] - m[j]) * d
    slope = rt / tt
    acc = np.zeros(n_ch)
    for i in range(n):
        d = i - mid
        for j in range(n_ch):
            acc[j] += (vt[i, j] - m[j]) - slope[j] * d
            c[i, j] = acc[j]
    lo = np.full(n_ch, np.inf)
    hi = np.full(n_ch, -np.inf)
    acc[:] = 0.0
    for i in range(k, n):  # as in _slow_defl_row: both passes in one sweep
        q = i - k
        if q >= k2:
            for j in range(n_ch):
                acc[j] += c[i, j] - c[q, j]
                c[q, j] = acc[j]
                w = acc[j] - c[q - k2, j]
                lo[j] = min(lo[j], w)
                hi[j] = max(hi[j], w)
        else:
            for j in range(n_ch):
                acc[j] += c[i, j] - c[q, j]
                c[q, j] = acc[j]
    kk = float(k * k2)
    for j in range(n_ch):
        out[j] = (hi[j] - lo[j]) / kk


@njit(cache=True, nogil=True)
def _window_stats_cols(
    raw_t: np.ndarray, x_t: np.ndarray, rail: float, has_rail: bool, lo: np.ndarray,
    hi: np.ndarray, n_rail: np.ndarray, amax: np.ndarray, ss: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Per channel of one window, transposed (n, n_channels): the raw minimum ``lo`` and
    maximum ``hi``, the count of raw samples at or beyond ``rail`` in absolute value, the
    filtered signal's peak ``amax`` (absolute) and sum of squared deviations from its mean
    ``ss``. All channels per step (vectorised across channels); each channel's sums run over
    time in order."""
    n, n_ch = raw_t.shape
    sx = np.zeros(n_ch)
    for j in range(n_ch):
        lo[j] = raw_t[0, j]
        hi[j] = raw_t[0, j]
        n_rail[j] = 0
        amax[j] = 0.0
        ss[j] = 0.0
    for i in range(n):
        for j in range(n_ch):
            v = raw_t[i, j]
            lo[j] = min(lo[j], v)
            hi[j] = max(hi[j], v)
            if has_rail and abs(v) >= rail:
                n_rail[j] += 1
            sx[j] += x_t[i, j]
            amax[j] = max(amax[j], abs(x_t[i, j]))
    for j in range(n_ch):
        sx[j] /= n
    for i in range(n):
        for j in range(n_ch):
            d = x_t[i, j] - sx[j]
            ss[j] += d * d


@njit(cache=True, nogil=True)
def _local_emg_cols(
    x_t: np.ndarray, sos: np.ndarray, skip: int, length: int, step: int, share: float,
    min_pow: float, ch: np.ndarray, cx: np.ndarray, z: np.ndarray, cur: np.ndarray,
    acc: np.ndarray, out: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """The local-EMG test for every column of ``x_t`` (n, n_channels, filtered window, uV)
    into ``out``: does any ``length``-sample stretch (every ``step``, after ``skip``) hold more
    than ``share`` of its power above the high-pass ``sos`` (zero state at the start) and more
    than ``min_pow`` (uV^2)?

    The window transposed (time, channel): each step of the high-pass
    (:func:`.filters.sos_step_cols`, SciPy's ``sosfilt`` operations) updates all channels at
    once; each channel's own operations and sums run in time order. Work arrays: ``ch``, ``cx``
    (n - skip, n_channels) cumulative high-passed and raw energies, ``z``
    (n_sections, 2, n_channels) filter state, ``cur`` (n_channels,), ``acc`` (2, n_channels).
    """
    n, n_ch = x_t.shape
    z[:, :, :] = 0.0
    acc[:, :] = 0.0
    for i in range(n):
        for c in range(n_ch):
            cur[c] = x_t[i, c]
        sos_step_cols(sos, z, cur)
        if i >= skip:
            k = i - skip
            for c in range(n_ch):
                acc[0, c] += cur[c] * cur[c]
                acc[1, c] += x_t[i, c] * x_t[i, c]
                ch[k, c] = acc[0, c]
                cx[k, c] = acc[1, c]
    _emg_decide(n_ch, n, skip, length, step, share, min_pow, ch, cx, out)


@njit(cache=True, nogil=True)
def _emg_decide(
    n_ch: int, n: int, skip: int, length: int, step: int, share: float, min_pow: float,
    ch: np.ndarray, cx: np.ndarray, out: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """The stretch test of :func:`_local_emg_cols` on cumulative energies ``ch``, ``cx``
    (n - skip, n_channels): a True per channel in ``out`` where any stretch passes."""
    for c in range(n_ch):
        out[c] = False
        for j in range(length, n - skip, step):
            hp = (ch[j, c] - ch[j - length, c]) / length
            tot = (cx[j, c] - cx[j - length, c]) / length
            if hp > share * tot and hp > min_pow:
                out[c] = True
                break


@njit(cache=True, nogil=True, error_model="numpy")
def _quality_kernel(
    raw, x, psd, raw_psd, broad, high, line_masks, frontal, params, k_smooth, k_smooth2, has_rail,
    notched, local_ok, sos, skip, length, step,
):  # pragma: no cover - compiled
    """Reason code (index into :data:`.quality.REASONS`) per frame and channel, as ``int8``
    (n_frames, n_channels): the checks described in :class:`.quality.QualityChecker`; and the
    raw window's slow deflection per frame and channel (:func:`_slow_defl_row`), uV.

    ``raw``, ``x`` (n_frames, n_channels, n) unfiltered and filtered windows, uV; ``psd``,
    ``raw_psd`` (n_frames, n_channels, n_freqs) their Welch PSDs, uV^2/Hz; ``broad``,
    ``high``, ``line_masks`` frequency masks (:func:`.quality.quality_masks`); ``frontal``
    blink channels; ``params`` thresholds (see :meth:`BatchQuality.codes_and_deflection`);
    ``k_smooth``, ``k_smooth2`` lengths of the two moving averages of the slow deflection, samples; ``sos``,
    ``skip``, ``length``, ``step`` the local-EMG high-pass and stretches.
    Each frame is transposed once to (time, channel) so the per-channel passes run across
    all channels at each step; every channel's sums still run over time in order.
    """
    rail_uv, rail_frac, flat_uv, line_ratio, emg_share, emg_min = params[:6]
    amp_uv, blink_uv, dominance, local_share, local_min, df, hf_ratio = params[6:]
    n_fr, n_ch, n = x.shape
    nf = psd.shape[2]
    out = np.zeros((n_fr, n_ch), dtype=np.int8)
    defl_all = np.empty((n_fr, n_ch))
    ratio = np.empty(n_ch)
    railed = np.zeros(n_ch, dtype=np.bool_)
    r_buf = np.empty(n)
    c_buf = np.empty(n)
    raw_t = np.empty((n, n_ch))  # the frame's windows transposed (time, channel)
    x_t = np.empty((n, n_ch))
    c_cols = np.empty((n, n_ch))
    lo = np.empty(n_ch)
    hi = np.empty(n_ch)
    n_rail = np.empty(n_ch, dtype=np.int64)
    amax = np.empty(n_ch)
    ss = np.empty(n_ch)
    ch = np.empty((max(n - skip, 1), n_ch))
    cx = np.empty((max(n - skip, 1), n_ch))
    z = np.empty((sos.shape[0], 2, n_ch))
    cur = np.empty(n_ch)
    acc = np.empty((2, n_ch))
    local = np.zeros(n_ch, dtype=np.bool_)
    refs = np.empty(n_ch)
    tt = _centred_ss(n)
    for f in range(n_fr):
        for c in range(n_ch):
            for t in range(n):
                raw_t[t, c] = raw[f, c, t]
                x_t[t, c] = x[f, c, t]
        if local_ok:  # local EMG of every channel at once (used only where it decides)
            _local_emg_cols(
                x_t, sos, skip, length, step, local_share, local_min, ch, cx, z, cur, acc, local
            )
        for c in range(n_ch):
            rb = 0.0
            for k in range(nf):
                if broad[k]:
                    rb += raw_psd[f, c, k]
            lp = 0.0
            for m in range(line_masks.shape[0]):
                sm = 0.0
                for k in range(nf):
                    if line_masks[m, k]:
                        sm += raw_psd[f, c, k]
                lp = max(lp, sm)
            ratio[c] = lp / rb if rb > 0 else 0.0
        _window_stats_cols(raw_t, x_t, 0.99 * rail_uv, has_rail, lo, hi, n_rail, amax, ss)
        n_live = 0
        for c in range(n_ch):
            ptp = hi[c] - lo[c]
            settling = amax[c] > amp_uv and amax[c] > 2.0 * ptp
            railed[c] = (has_rail and n_rail[c] / n >= rail_frac) or ptp == 0 or settling
            if not railed[c]:
                refs[n_live] = ratio[c]
                n_live += 1
        # the notch removes what the live channels share: only a channel with far more mains
        # than the other live ones (a loose contact) is "line"
        med = np.median(refs[:n_live]) if notched and n_live > 0 else 0.0
        for c in range(n_ch):
            ptp = hi[c] - lo[c]
            code = 0
            if railed[c]:
                code = 1
            elif math.sqrt(ss[c] / n) < flat_uv:
                code = 2
            elif ratio[c] > line_ratio and (not notched or ratio[c] > 20.0 * med):
                code = 3
            else:
                tot = 0.0
                hp = 0.0
                for k in range(nf):
                    if broad[k]:
                        tot += psd[f, c, k]
                    if high[k]:
                        hp += psd[f, c, k]
                tot *= df
                hp *= df
                emg = hp > emg_share * tot and hp > emg_min
                if not emg and local_ok:
                    emg = local[c]
                if emg:
                    code = 5
                elif amax[c] > amp_uv:
                    code = 6
            out[f, c] = code
        # blinks (frontal): raw slow deflection above blink_uv and above dominance x the median
        # over non-frontal, non-railed channels, and the filtered one above blink_uv and above
        # hf_ratio x the RMS of the filtered 20-45 Hz activity
        n_ref = 0
        any_frontal = False
        defl = defl_all[f]
        _slow_defl_cols(raw_t, k_smooth, k_smooth2, c_cols, tt, defl)
        for c in range(n_ch):
            if frontal[c]:
                any_frontal = True
            elif not railed[c]:
                refs[n_ref] = defl[c]
                n_ref += 1
        if not any_frontal:
            continue
        floor = dominance * np.median(refs[:n_ref]) if n_ref > 0 else 0.0
        for c in range(n_ch):
            if not frontal[c] or out[f, c] in (1, 2, 3):
                continue
            if defl[c] > blink_uv and defl[c] > floor:
                fd = _slow_defl_row(x[f, c], k_smooth, k_smooth2, r_buf, c_buf, tt)
                if fd > blink_uv:
                    hp = 0.0  # 20-45 Hz power of the filtered window, as for EMG
                    for k in range(nf):
                        if high[k]:
                            hp += psd[f, c, k]
                    if min(defl[c], fd) > hf_ratio * math.sqrt(hp * df):
                        out[f, c] = 4
    return out, defl_all


class BatchQuality:
    """The quality checks of :class:`~.quality.QualityChecker` on a batch of windows: one
    reason code per frame and channel.

    The checker supplies every threshold, smoothing length and filter; the checks run in a
    compiled kernel with a leading frame axis, and codes index :data:`.quality.REASONS`.
    ``tests/test_pipeline_batch.py`` checks them against the plain NumPy definitions in
    ``tests/reference/quality.py`` (the same reasons for every window).

    Parameters
    ----------
    checker : QualityChecker
        The checks' configuration for this pipeline.
    freqs : ndarray, shape (n_freqs,)
        Frequencies of the Welch spectra that will be passed in, Hz.
    """

    def __init__(self, checker: QualityChecker, freqs: np.ndarray) -> None:
        self.ref = checker
        self.cfg = checker.cfg
        self.frontal = np.asarray(checker.frontal, dtype=bool)
        self.rail_uv = checker.rail_uv
        self.freqs = freqs
        self._line_masks: dict[float | None, np.ndarray] = {}  # per mains frequency
        self.broad, self.high, _ = quality_masks(freqs, None, checker.top_hz)
        self.df = freqs[1] - freqs[0]
        cfg = self.cfg
        # the kernel's thresholds and the muscle high-pass, fixed for the checker's life
        self._params = np.array([
            self.rail_uv if self.rail_uv is not None else np.inf, cfg.rail_fraction, cfg.flat_uv,
            cfg.line_ratio, cfg.emg_share, cfg.emg_min_uv2, cfg.amplitude_uv, cfg.blink_uv,
            cfg.blink_dominance, cfg.emg_local_share, cfg.emg_local_min_uv2, self.df,
            cfg.blink_hf_ratio,
        ])
        self._emg_sos = np.ascontiguousarray(checker.emg_sos, dtype=float)

    def codes_and_deflection(
        self,
        raw: np.ndarray,
        x: np.ndarray,
        psd: np.ndarray,
        raw_psd: np.ndarray,
        mains_hz: float | None,
        notched: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Reason code per frame and channel, and the slow deflection of each raw window that
        the blink check measured.

        Parameters
        ----------
        raw, x : ndarray, shape (n_frames, n_channels, n_times)
            Unfiltered and filtered windows, uV.
        psd, raw_psd : ndarray, shape (n_frames, n_channels, n_freqs)
            Welch PSD of the filtered and of the raw windows, uV^2/Hz.
        mains_hz : float or None
            Mains frequency; None checks both 50 and 60 Hz.
        notched : bool
            True when a notch at ``mains_hz`` is applied to the filtered signal.

        Returns
        -------
        codes : ndarray of int8, shape (n_frames, n_channels)
        deflection : ndarray, shape (n_frames, n_channels)
            Linear trend removed, then the 0.1-s and 0.05-s moving averages; peak to peak, uV.
        """
        ref = self.ref
        line_masks = self._line_masks.get(mains_hz)
        if line_masks is None:
            line_masks = self._line_masks[mains_hz] = quality_masks(self.freqs, mains_hz)[2]
        n = raw.shape[-1]
        local_ok = n - ref.emg_skip > ref.emg_len
        return _quality_kernel(
            raw, x, psd, raw_psd, self.broad, self.high, line_masks, self.frontal, self._params,
            *ref.smooth_lengths(n), self.rail_uv is not None, bool(notched), bool(local_ok),
            self._emg_sos, ref.emg_skip, ref.emg_len, ref.emg_step,
        )


@lru_cache(maxsize=8)
def _hilbert_gain(n: int) -> np.ndarray:
    """One-sided gain of the analytic signal on ``rfft`` bins: 1 at DC (and Nyquist), else 2."""
    h = np.full(n // 2 + 1, 2.0)
    h[0] = 1.0
    if n % 2 == 0:
        h[-1] = 1.0
    h.setflags(write=False)
    return h


def analytic(x: np.ndarray) -> np.ndarray:
    """Analytic signal of each row (FFT Hilbert along the last axis), shape kept, complex.

    The same transform as :func:`scipy.signal.hilbert` (positive frequencies doubled, negative
    ones zeroed), from a real FFT: ``ifft`` of the one-sided spectrum zero-padded to ``n``.
    Agrees with SciPy to rounding; each row is transformed on its own.
    """
    n = x.shape[-1]
    spec = np.fft.rfft(x, axis=-1) * _hilbert_gain(n)
    return np.fft.ifft(spec, n=n, axis=-1)


@njit(cache=True, nogil=True)
def _wpli2(
    re: np.ndarray, im: np.ndarray, re2: np.ndarray, im2: np.ndarray, f: int, i: int, j: int,
    q_scale: float, sums: np.ndarray, p: int,
) -> float:  # pragma: no cover - compiled
    """Debiased squared wPLI of row ``i`` of ``re + i im`` and row ``j`` of ``re2 + i im2``
    (frame ``f``), signed: chance reads 0 on average. Stores ``sum Im``, ``sum |Im|`` and
    ``sum Im^2`` in ``sums[f, p]``."""
    n = re.shape[2]
    s = 0.0
    a = 0.0
    q = 0.0
    for t in range(n):
        x = im[f, i, t] * re2[f, j, t] - re[f, i, t] * im2[f, j, t]
        s += x
        a += abs(x)
        q += x * x
    sums[f, p, 0] = s
    sums[f, p, 1] = a
    sums[f, p, 2] = q
    return wpli2_ratio(s, a, q * q_scale)


@njit(cache=True, nogil=True)
def _sync_kernel(
    re: np.ndarray, im: np.ndarray, re_p: np.ndarray, im_p: np.ndarray, q_scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    n_fr, n_sig, n = re.shape
    n_pairs = n_sig * (n_sig - 1) // 2
    plv = np.empty((n_fr, n_sig, n_sig))
    wpli = np.empty((n_fr, n_pairs))
    wpli_sur = np.empty((n_fr, n_pairs))
    sums = np.empty((n_fr, n_pairs, 3))
    sums_sur = np.empty((n_fr, n_pairs, 3))
    kur = np.empty(n_fr)
    kur_sur = np.empty(n_fr)
    ur = np.empty((n_sig, n))
    ui = np.empty((n_sig, n))
    for f in range(n_fr):
        for r in range(n_sig):
            for t in range(n):
                mag = max(math.sqrt(re[f, r, t] ** 2 + im[f, r, t] ** 2), 1e-300)
                ur[r, t] = re[f, r, t] / mag
                ui[r, t] = im[f, r, t] / mag
        k = 0.0
        k_sur = 0.0
        for t in range(n):
            sr = 0.0
            si = 0.0
            hr = 0.0
            hi = 0.0
            for r in range(n_sig):
                sr += ur[r, t]
                si += ui[r, t]
                # surrogate: row r circularly shifted by r n / n_sig samples
                u = t + (r * n) // n_sig
                if u >= n:
                    u -= n
                hr += ur[r, u]
                hi += ui[r, u]
            k += math.sqrt((sr / n_sig) ** 2 + (si / n_sig) ** 2)
            k_sur += math.sqrt((hr / n_sig) ** 2 + (hi / n_sig) ** 2)
        kur[f] = k / n
        kur_sur[f] = k_sur / n
        p = 0
        for i in range(n_sig):
            for j in range(i, n_sig):
                cr = 0.0
                ci = 0.0
                for t in range(n):
                    cr += ur[i, t] * ur[j, t] + ui[i, t] * ui[j, t]
                    ci += ui[i, t] * ur[j, t] - ur[i, t] * ui[j, t]
                v = math.sqrt(cr * cr + ci * ci) / n
                plv[f, i, j] = v
                plv[f, j, i] = v
                if j == i:
                    continue
                wpli[f, p] = _wpli2(re, im, re, im, f, i, j, q_scale, sums, p)
                wpli_sur[f, p] = _wpli2(re, im, re_p, im_p, f, i, j, q_scale, sums_sur, p)
                p += 1
    return plv, wpli, kur, wpli_sur, kur_sur, sums, sums_sur


class SyncBatch(NamedTuple):
    """Per-frame synchrony measures of :func:`synchrony_batch` (leading axis: frame)."""

    #: raw (not debiased) PLV, shape (n_frames, n_signals, n_signals)
    plv: np.ndarray
    #: debiased squared wPLI per pair (:func:`.synchrony.triu_pairs` order), signed,
    #: shape (n_frames, n_pairs)
    wpli2: np.ndarray
    #: window mean of the Kuramoto order parameter, shape (n_frames,)
    kuramoto: np.ndarray
    #: the same wPLI with the second signal of each pair taken from the window before (a
    #: time-shift surrogate: chance), shape (n_frames, n_pairs)
    wpli2_surrogate: np.ndarray
    #: Kuramoto order with row ``r`` shifted by ``r n / n_signals`` samples, shape (n_frames,)
    kuramoto_surrogate: np.ndarray
    #: the window's sums of ``Im X``, ``|Im X|`` and ``(Im X)^2`` per pair, shape
    #: (n_frames, n_pairs, 3): what :class:`.synchrony.LaggedSynchrony` accumulates over frames
    sums: np.ndarray
    #: the same for the surrogate pairs
    sums_surrogate: np.ndarray


def synchrony_batch(z: np.ndarray, n_eff: float, z_before: np.ndarray | None = None) -> SyncBatch:
    """Raw PLV, debiased squared wPLI, Kuramoto order and their time-shift surrogates, per frame.

    Compiled equivalents of ``tests/reference/synchrony.py`` (``plv_matrix``,
    ``wpli2_matrix`` upper triangle, ``kuramoto_order(z).mean()``); sums run sample by
    sample, so values agree with the NumPy definitions to rounding (relative ~1e-13) and a
    frame's values never depend on the other frames in the batch.

    The surrogates pair signals from different times. For wPLI, the first signal of each pair
    comes from this window and the second from ``z_before`` (the same region signals one
    window earlier, not overlapping): each keeps its own spectrum and amplitude, so the
    surrogate has exactly the finite-window bias that independent signals with these spectra
    have (narrow-band rhythms, whose phases drift slowly, have more of it than the analytic
    correction assumes), but no coupling. For the Kuramoto order, row ``r`` is circularly
    shifted by ``r n / n_signals`` samples within the window.

    Parameters
    ----------
    z : ndarray of complex, shape (n_frames, n_signals, n_times)
        Analytic signals.
    n_eff : float
        Effective number of independent samples per window (scales wPLI's bias term).
    z_before : ndarray of complex, shape like ``z``, or None
        The same signals one window earlier (None: ``z`` itself, and the wPLI surrogate
        equals the measure).

    Returns
    -------
    SyncBatch
    """
    n = z.shape[-1]
    re, im = np.ascontiguousarray(z.real), np.ascontiguousarray(z.imag)
    if z_before is None:
        re_p, im_p = re, im
    else:
        re_p, im_p = np.ascontiguousarray(z_before.real), np.ascontiguousarray(z_before.imag)
    return SyncBatch(*_sync_kernel(re, im, re_p, im_p, float(n / n_eff)))


@njit(cache=True)  # per frame in stage 2: keeping the GIL is cheaper than handing it over
def _std(a: np.ndarray) -> float:  # pragma: no cover - compiled
    """Population standard deviation (two-pass, sequential sums)."""
    n = a.size
    s = 0.0
    for v in a:
        s += v
    m = s / n
    q = 0.0
    for v in a:
        q += (v - m) * (v - m)
    return math.sqrt(q / n)


class FastMetastability(Metastability):
    """:class:`~.synchrony.Metastability` with its history in arrays and a compiled std.

    Same definition and parameters (std of the finite frame values within the last
    ``span_s`` seconds, NaN with fewer than ``min_count``); the std is summed sequentially,
    so values agree with NumPy's to rounding (relative ~1e-14). About 20x cheaper per frame.
    """

    def __init__(self, span_s: float, min_count: int = 20) -> None:
        super().__init__(span_s, min_count)
        self._t = np.empty(256)
        self._v = np.empty(256)
        self._lo = 0
        self._hi = 0

    def update(self, time_s: float, r: float) -> float:
        """Add a frame's order parameter (or NaN) and return the current metastability."""
        if math.isfinite(r):
            if self._hi == self._t.size:  # compact, and grow if more than half is live
                n = self._hi - self._lo
                size = self._t.size * (2 if n > self._t.size // 2 else 1)
                t, v = np.empty(size), np.empty(size)
                t[:n], v[:n] = self._t[self._lo : self._hi], self._v[self._lo : self._hi]
                self._t, self._v, self._lo, self._hi = t, v, 0, n
            self._t[self._hi] = time_s
            self._v[self._hi] = r
            self._hi += 1
        cut = time_s - self.span_s
        while self._lo < self._hi and self._t[self._lo] <= cut:
            self._lo += 1
        if self._hi - self._lo < self.min_count:
            return math.nan
        return _std(self._v[self._lo : self._hi])
