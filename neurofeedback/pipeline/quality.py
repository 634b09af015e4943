"""Signal quality per channel and frame: bad channels (left out) and artifacts (frame flagged)."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numba import njit
from scipy.signal import butter, sosfilt

from .config import PipelineConfig

#: Physically wrong channels (left out of every measure in that frame).
BAD_REASONS = ("railed", "flat", "line")
#: Artifacts on a channel (the channel is left out; the frame is gated only as
#: :func:`frame_gate` says).
ARTIFACT_REASONS = ("blink", "emg", "amplitude")
#: Order in which a channel's reasons are tested; a channel gets the first that applies.
PRIORITY = BAD_REASONS + ARTIFACT_REASONS
#: Channel-quality reasons by code (the codes of the quality kernel); ``ok`` is 0.
REASONS: tuple[str, ...] = ("ok", *PRIORITY)
BAD_CODES = tuple(REASONS.index(r) for r in BAD_REASONS)
ARTIFACT_CODES = tuple(REASONS.index(r) for r in ARTIFACT_REASONS)
#: Frame-level reasons (not tied to one channel's check).
FRAME_REASONS = ("common-mode", "no usable channels")


def frame_gate(
    codes: np.ndarray, region_index: np.ndarray, gate_share: float, region_gate_channels: int
) -> tuple[np.ndarray, bool]:
    """Which channels a frame uses and whether its artifacts reach the measures.

    A channel problem is not a frame problem: every channel whose code is not ``ok`` is left
    out of this frame's measures. The frame is *gated* (no feedback) only when its artifacts
    reach the measures:

    - a region measured by at most ``region_gate_channels`` usable (not physically bad)
      electrodes loses all of them to artifacts (for example a blink on Fp1 and Fp2 of an
      8-channel Cyton montage: the frontal region is gone and its signal cannot be rebuilt
      from the others). In a dense montage a region rests on many electrodes, and a blink
      over all of them leaves that region out of the frame's region measures instead (a
      limit: the region set of that frame is smaller). Eye artifacts are stricter: in such
      a sparse region (the frontal pair of a consumer headset, which is all the EOG it has)
      a blink on either electrode gates the frame;
    - artifacts hit at least ``gate_share`` of the usable channels (muscle, movement or eye
      activity over many channels, or too few clean channels left);
    - no channel is usable at all (reported as ``no usable channels``).

    Parameters
    ----------
    codes : ndarray of int, shape (n_channels,)
        Reason codes (index into :data:`REASONS`).
    region_index : ndarray of int, shape (n_channels,)
        Region of each channel (-1: none).
    gate_share : float
        Share of usable channels with artifacts that gates the frame, 0..1.
    region_gate_channels : int
        Regions with at most this many usable electrodes gate the frame when all are lost.

    Returns
    -------
    clean : ndarray of bool, shape (n_channels,)
        Channels the frame's measures use.
    gated : bool
        True when the frame must not give feedback.
    """
    codes = np.asarray(codes)
    usable = ~np.isin(codes, BAD_CODES)
    arte = np.isin(codes, ARTIFACT_CODES)
    clean = codes == 0
    n_usable = int(usable.sum())
    if n_usable == 0:
        return clean, True
    if arte.sum() >= gate_share * n_usable:
        return clean, True
    blink = codes == REASONS.index("blink")
    for r in np.unique(region_index[usable & arte]):
        in_region = region_index == r
        if r < 0 or (usable & in_region).sum() > region_gate_channels:
            continue
        if not (clean & in_region).any() or (blink & in_region).any():
            return clean, True
    return clean, False
#: Length of the second moving average of the slow deflection, s (the first is 0.1 s).
SECOND_PASS_S = 0.05


def whole_file_status(
    data: np.ndarray, rail_uv: float | None, flat_uv: float
) -> list[str]:
    """Per channel of a whole recording: ``railed``, ``flat`` or ``ok``.

    ``railed``: half or more of the samples within 1 % of the rail; ``flat``: the
    sample-to-sample differences have a standard deviation under ``flat_uv`` (a constant or
    disconnected input, whatever its offset). Used to refuse a file in which no channel
    carries EEG at all.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Raw samples, uV.
    rail_uv : float or None
        Amplifier saturation level, uV.
    flat_uv : float
        Threshold of the flat test, uV.
    """
    out = []
    for row in np.asarray(data, dtype=float):
        if rail_uv is not None and (np.abs(row) >= 0.99 * rail_uv).mean() >= 0.5:
            out.append("railed")
        elif row.size < 2 or np.std(np.diff(row)) < flat_uv:
            out.append("flat")
        else:
            out.append("ok")
    return out


class QualityChecker:
    """Classify each channel of a window as ``ok``, bad or artifacted.

    Checks, in order (the first that applies is the channel's reason):

    - ``railed``: at least ``rail_fraction`` of the raw samples within 1 % of the amplifier's
      rail (``rail_uv``), or the raw signal is exactly constant, or the channel is still
      *recovering* from an earlier saturation: its filtered signal exceeds ``amplitude_uv`` and
      is more than twice the raw window's peak to peak (the excursion cannot come from the
      samples in the window; it is the causal filters ringing down after a step that left the
      window, typically the release of a railed amplifier);
    - ``flat``: standard deviation of the filtered signal below ``flat_uv``;
    - ``line``: raw power within ±1 Hz of the mains frequency above ``line_ratio`` times the
      raw power in 1-45 Hz; when the mains notch is active (it removes what all channels
      share), the ratio must also exceed 20 times the median ratio over channels, so only an
      electrode picking up far more mains than the others (a loose contact) is flagged;
    - ``blink`` (frontal channels only, Fp/AF/F names): the slow deflection of the *raw* window
      (:meth:`slow_deflection`: linear trend removed, 0.1-s then 0.05-s moving averages, which
      cancel 50/60 Hz mains and pass under 0.8 % of any oscillation above 40 Hz) spans more
      than ``blink_uv`` peak to peak, and more than ``blink_dominance`` times the median of the
      same measure over the non-frontal channels (an eye blink is frontal; a slow wave or a
      movement seen everywhere is not a blink); the same measure on the *filtered* window must
      also exceed ``blink_uv`` (a blink lies in the pass band; electrode drift slower than the
      1-Hz high-pass does not) and ``blink_hf_ratio`` times the RMS of the filtered window's
      20-45 Hz activity (a blink stands out from the channel's own fast background; broadband
      noise that large leaves slow wiggles of that size by itself). Requiring the raw
      deflection keeps the causal high-pass's ring-down *after* a blink has left the window
      from being taken for a blink;
    - ``emg``: over the whole window, 20-45 Hz holds more than ``emg_share`` of the 1-45 Hz
      power and exceeds ``emg_min_uv2``; or, in any ``emg_local_s`` stretch of the window, the
      20-45 Hz part of the filtered signal holds more than ``emg_local_share`` of its power and
      exceeds ``emg_local_min_uv2`` (catches a burst that fills only part of the window: one that has
      just started or is about to leave it);
    - ``amplitude``: the filtered signal exceeds ``amplitude_uv`` in absolute value.

    The first three make a channel *bad* (left out of every metric); the last three make the
    frame an *artifact* frame (when they hit a channel that is not bad).

    Parameters
    ----------
    config : PipelineConfig
    sfreq : float
    frontal : ndarray of bool, shape (n_channels,)
        Channels where blinks are looked for.
    rail_uv : float or None
        Amplifier saturation level, uV (None: only "constant" counts as railed).
    """

    def __init__(
        self, config: PipelineConfig, sfreq: float, frontal: np.ndarray, rail_uv: float | None
    ) -> None:
        self.cfg = config
        self.frontal = np.asarray(frontal, dtype=bool)
        self.rail_uv = rail_uv
        self.smooth_n = max(1, int(round(0.1 * sfreq)))
        self.smooth_n2 = max(1, int(round(SECOND_PASS_S * sfreq)))
        # local EMG: 20 Hz high-pass (applied within the window), its power in short stretches
        hp = min(20.0, 0.45 * sfreq)
        self._emg_sos = butter(4, hp, "highpass", fs=sfreq, output="sos")
        self._emg_skip = int(round(0.1 * sfreq))  # the high-pass's start-up transient
        self._emg_len = max(2, int(round(config.emg_local_s * sfreq)))
        self._emg_step = max(1, self._emg_len // 5)

    def check(
        self,
        raw: np.ndarray,
        x: np.ndarray,
        psd: np.ndarray,
        raw_psd: np.ndarray,
        freqs: np.ndarray,
        mains_hz: float | None,
        notched: bool = False,
    ) -> list[str]:
        """Reason per channel (``"ok"`` or one of the reasons above).

        Parameters
        ----------
        raw : ndarray, shape (n_channels, n_times)
            Unfiltered window, uV.
        x : ndarray, shape (n_channels, n_times)
            Filtered window, uV.
        psd, raw_psd : ndarray, shape (n_channels, n_freqs)
            Welch PSD of the filtered and of the raw window, uV^2/Hz.
        freqs : ndarray, shape (n_freqs,)
        mains_hz : float or None
            Mains frequency; None checks both 50 and 60 Hz.
        notched : bool
            True when a notch at ``mains_hz`` is applied to the filtered signal.
        """
        cfg = self.cfg
        n_ch = raw.shape[0]
        reasons = ["ok"] * n_ch
        ptp_raw = raw.max(axis=1) - raw.min(axis=1)
        if self.rail_uv is not None:
            at_rail = (np.abs(raw) >= 0.99 * self.rail_uv).mean(axis=1) >= cfg.rail_fraction
        else:
            at_rail = np.zeros(n_ch, dtype=bool)
        amax = np.abs(x).max(axis=1)
        settling = (amax > cfg.amplitude_uv) & (amax > 2.0 * ptp_raw)
        railed = at_rail | (ptp_raw == 0) | settling
        flat = x.std(axis=1) < cfg.flat_uv

        broad = (freqs >= 1.0) & (freqs < 45.0)
        raw_broad = raw_psd[:, broad].sum(axis=1)
        line_pow = np.zeros(n_ch)
        for f0 in (50.0, 60.0) if mains_hz is None else (mains_hz,):
            m = np.abs(freqs - f0) <= 1.0
            if m.any():
                line_pow = np.maximum(line_pow, raw_psd[:, m].sum(axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(raw_broad > 0, line_pow / raw_broad, 0.0)
            line = ratio > cfg.line_ratio
            if notched:  # against the live (not railed) channels only
                live = ratio[~railed]
                line &= ratio > 20.0 * (np.median(live) if live.size else 0.0)

        df = freqs[1] - freqs[0]
        total = psd[:, broad].sum(axis=1) * df
        high = psd[:, (freqs >= 20.0) & (freqs < 45.0)].sum(axis=1) * df
        with np.errstate(divide="ignore", invalid="ignore"):
            emg = (high > cfg.emg_share * total) & (high > cfg.emg_min_uv2)
        emg |= self._local_emg(x)
        amplitude = amax > cfg.amplitude_uv
        blink = np.zeros(n_ch, dtype=bool)
        if self.frontal.any():
            defl = self.slow_deflection(raw)
            ref = ~self.frontal & ~railed
            floor = cfg.blink_dominance * np.median(defl[ref]) if ref.any() else 0.0
            f = self.frontal
            filt = self.slow_deflection(x[f])
            blink[f] = (
                (defl[f] > cfg.blink_uv) & (filt > cfg.blink_uv) & (defl[f] > floor)
                & (np.minimum(defl[f], filt) > cfg.blink_hf_ratio * np.sqrt(high[f]))
            )

        flags = {"railed": railed, "flat": flat, "line": line, "blink": blink, "emg": emg,
                 "amplitude": amplitude}
        for i in range(n_ch):
            # the first reason in priority order wins (bad before artifact)
            reasons[i] = next((r for r in PRIORITY if flags[r][i]), "ok")
        return reasons

    def slow_deflection(self, raw: np.ndarray) -> np.ndarray:
        """Peak-to-peak of the slow part of each raw channel, uV.

        The window's least-squares line is removed (electrode drift and DC offset), then a
        0.1-s moving average (zero gain at every multiple of 10 Hz: 50 and 60 Hz mains complete
        5 and 6 cycles in 0.1 s) and a 0.05-s one (zeros at multiples of 20 Hz) keep what is
        slower than ~5 Hz. Together they pass at most 0.8 % of any oscillation above 40 Hz (the
        0.1-s average alone: up to 7.5 % between its zeros, so a 1000-uV 45-75 Hz oscillation
        left a 50-70-uV "deflection"), and keep 87 % of the height of a 250-ms ``sin^2``
        blink, 96 % of a 300-ms half-sine.

        Parameters
        ----------
        raw : ndarray, shape (n_channels, n_times)
            Unfiltered window, uV.

        Returns
        -------
        ndarray, shape (n_channels,)
        """
        n = raw.shape[1]
        t = np.arange(n) - (n - 1) / 2.0
        r = raw - raw.mean(axis=1, keepdims=True)
        r = r - np.outer(r @ t / float(t @ t), t)
        k1, k2 = self.smooth_lengths(n)
        c = np.cumsum(r, axis=1)
        c2 = np.cumsum(c[:, k1:] - c[:, :-k1], axis=1)  # running total of the k1-sample sums
        s2 = c2[:, k2:] - c2[:, :-k2]  # sums of k2 consecutive k1-sample sums
        return np.ptp(s2, axis=1) / float(k1 * k2)

    def smooth_lengths(self, n: int) -> tuple[int, int]:
        """Lengths (samples) of the two moving averages of :meth:`slow_deflection` for an
        ``n``-sample window (shortened only for windows under ~0.15 s)."""
        k1 = max(1, min(self.smooth_n, (n - 1) // 2))
        return k1, max(1, min(self.smooth_n2, k1))

    def _local_emg(self, x: np.ndarray) -> np.ndarray:
        """True per channel when a short stretch of the window is dominated by 20-45 Hz power.

        Parameters
        ----------
        x : ndarray, shape (n_channels, n_times)
            Filtered window, uV.
        """
        cfg = self.cfg
        h = sosfilt(self._emg_sos, x, axis=1)[:, self._emg_skip :]
        xs = x[:, self._emg_skip :]
        L = self._emg_len
        if xs.shape[1] <= L:
            return np.zeros(x.shape[0], dtype=bool)
        ch = np.cumsum(h**2, axis=1)
        cx = np.cumsum(xs**2, axis=1)
        hp = (ch[:, L:] - ch[:, :-L])[:, :: self._emg_step] / L
        tot = (cx[:, L:] - cx[:, :-L])[:, :: self._emg_step] / L
        with np.errstate(divide="ignore", invalid="ignore"):
            hit = (hp > cfg.emg_local_share * tot) & (hp > cfg.emg_local_min_uv2)
        return hit.any(axis=1)


def common_mode_slow_wave(
    x_w: np.ndarray, clean: np.ndarray, sfreq: float, band: tuple[float, float] = (1.0, 4.0)
) -> tuple[np.ndarray, np.ndarray]:
    """How much of each window's slow (1-4 Hz) activity is one wave shared by every channel.

    Movement, cable sway and a moving reference electrode put the same slow wave on every
    channel; it raises broadband power and the lowest spatial mode, which is exactly what the
    meditation score rewards, so such frames must be flagged (feedback never rewards an
    artifact). Brain delta activity is never this uniform across the scalp.

    Each channel's Hann-windowed spectrum is needed only at the few bins of ``band`` (six for
    a 2-s window), so they are computed as direct DFT sums (compiled, time in order) instead
    of a full FFT: the same quantities, equal to an FFT's to rounding (relative ~1e-14).

    Parameters
    ----------
    x_w : ndarray, shape (n_frames, n_channels, n_window)
        Filtered windows, uV.
    clean : ndarray of bool, shape (n_frames, n_channels)
        Channels to use in each frame.
    sfreq : float
        Sample rate, Hz.
    band : (float, float)
        Slow band, Hz.

    Returns
    -------
    ratio : ndarray, shape (n_frames,)
        Band power of the clean-channel mean over the clean channels' mean band power, 0..1
        (1/n_clean for independent channels, 1 for one shared wave). NaN with < 2 clean channels.
    rms_uv : ndarray, shape (n_frames,)
        RMS of the clean-channel mean in the band, uV.
    """
    n = x_w.shape[-1]
    tab, w_ss = _dft_table(n, float(sfreq), float(band[0]), float(band[1]))
    x = np.ascontiguousarray(x_w, dtype=float)
    # Parseval with the Hann window: mean square of the band-limited signal
    return _common_mode_kernel(x, np.ascontiguousarray(clean, dtype=np.bool_), tab, n * w_ss)


@lru_cache(maxsize=8)
def _dft_table(n: int, sfreq: float, lo: float, hi: float) -> tuple[np.ndarray, float]:
    """Hann-windowed DFT rows of the ``rfft`` bins ``k`` with ``lo <= f_k < hi``.

    Returns the table, shape (n, 2 n_bins): columns ``w(t) cos(2 pi k t / n)`` for each bin,
    then ``-w(t) sin(2 pi k t / n)`` (``w``: ``np.hanning(n)``), and ``sum(w**2)``.
    """
    w = np.hanning(n)
    freqs = np.fft.rfftfreq(n, 1.0 / sfreq)
    k = np.flatnonzero((freqs >= lo) & (freqs < hi))
    phase = 2.0 * np.pi * ((k[:, None] * np.arange(n)[None, :]) % n) / n  # exact integer turns
    tab = np.ascontiguousarray(np.concatenate([w * np.cos(phase), -w * np.sin(phase)]).T)
    tab.setflags(write=False)
    return tab, float(np.sum(w**2))


@njit(cache=True, nogil=True)
def _dft_rows(x: np.ndarray, rows: np.ndarray, tab: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """``out[i] = x[rows[i]] @ tab`` for each listed row: the windowed DFT at the table's bins.

    ``x`` (n_rows, n), ``tab`` (n, 2 n_bins), ``out`` (>= len(rows), 2 n_bins). Every sum runs
    over time in order; two rows side by side (vectorised across the bins, never across
    time), so each row's numbers do not depend on which rows are computed with it.
    """
    n = x.shape[1]
    m = tab.shape[1]
    n_rows = rows.size
    for i in range(0, n_rows - 1, 2):
        a = out[i]
        b = out[i + 1]
        a[:] = 0.0
        b[:] = 0.0
        ra, rb = rows[i], rows[i + 1]
        for t in range(n):
            xa = x[ra, t]
            xb = x[rb, t]
            for j in range(m):
                a[j] += xa * tab[t, j]
                b[j] += xb * tab[t, j]
    if n_rows % 2:
        a = out[n_rows - 1]
        a[:] = 0.0
        r = rows[n_rows - 1]
        for t in range(n):
            xa = x[r, t]
            for j in range(m):
                a[j] += xa * tab[t, j]


@njit(cache=True, nogil=True, error_model="numpy")
def _common_mode_kernel(
    x: np.ndarray, clean: np.ndarray, tab: np.ndarray, norm: float
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """:func:`common_mode_slow_wave`'s ratio and RMS (uV) per frame.

    ``x`` (n_frames, n_channels, n), ``clean`` (n_frames, n_channels), ``tab`` from
    :func:`_dft_table`, ``norm = n * sum(w**2)``. From the slow-band power of the
    clean-channel mean and the clean channels' mean slow-band power (sums of ``|X_k|^2``
    over the table's bins). Frame by frame, channels in order: a frame's numbers do not
    depend on the other frames in the batch.
    """
    n_fr, n_ch, _ = x.shape
    n_k = tab.shape[1] // 2
    ratio = np.empty(n_fr)
    rms = np.empty(n_fr)
    spec = np.empty((n_ch, 2 * n_k))  # per clean channel: re of each bin, then im
    sr = np.empty(n_k)
    si = np.empty(n_k)
    for f in range(n_fr):
        rows = np.flatnonzero(clean[f])
        n_clean = rows.size
        if n_clean == 0:
            ratio[f] = np.nan
            rms[f] = np.nan
            continue
        _dft_rows(x[f], rows, tab, spec)
        sr[:] = 0.0
        si[:] = 0.0
        pe = 0.0
        for i in range(n_clean):
            pc = 0.0
            for j in range(n_k):
                re = spec[i, j]
                im = spec[i, n_k + j]
                sr[j] += re
                si[j] += im
                pc += re * re + im * im
            pe += pc
        pm = 0.0
        for j in range(n_k):
            mr = sr[j] / n_clean
            mi = si[j] / n_clean
            pm += mr * mr + mi * mi
        ratio[f] = pm / (pe / n_clean) if n_clean >= 2 else np.nan
        rms[f] = math.sqrt(2.0 * pm / norm)
    return ratio, rms
