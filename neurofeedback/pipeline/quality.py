"""Signal quality per channel and frame: bad channels (left out) and artifacts (frame flagged)."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numba import njit

from .config import PipelineConfig
from .filters import design_sos
from .rates import max_hz

#: Physically wrong channels (left out of every measure in that frame).
BAD_REASONS = ("railed", "flat", "line")
#: Artifacts on a channel (the channel is left out; the frame is gated only as
#: :func:`frame_gate` says).
ARTIFACT_REASONS = ("blink", "emg", "amplitude", "gaze")
#: Order of the reason codes. The per-window kernel tests railed, flat, line, blink, emg,
#: amplitude in this order and a channel gets the first that applies; the pipeline's stage 1 then
#: adds the checks that need more than one window or channel: "emg" and "amplitude" relative to
#: the channel's own past (only on channels still "ok"; amplitude not in frames with an eye
#: artifact), and "gaze" (a mirror pair swinging apart), which takes precedence over "blink".
PRIORITY = BAD_REASONS + ARTIFACT_REASONS
#: Channel-quality reasons by code (the codes of the quality kernel); ``ok`` is 0.
REASONS: tuple[str, ...] = ("ok", *PRIORITY)
BAD_CODES = tuple(REASONS.index(r) for r in BAD_REASONS)
ARTIFACT_CODES = tuple(REASONS.index(r) for r in ARTIFACT_REASONS)
#: Codes of eye artifacts (blinks, horizontal eye movements), treated alike by the gate and the
#: EOG regression.
EYE_CODES = (REASONS.index("blink"), REASONS.index("gaze"))
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
      a blink or horizontal eye movement (``gaze``, :mod:`.eyes`) on either electrode gates
      the frame;
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
    eyes = np.isin(codes, EYE_CODES)
    for r in np.unique(region_index[usable & arte]):
        in_region = region_index == r
        if r < 0 or (usable & in_region).sum() > region_gate_channels:
            continue
        if not (clean & in_region).any() or (eyes & in_region).any():
            return clean, True
    return clean, False


#: Length of the second moving average of the slow deflection, s (the first is 0.1 s).
SECOND_PASS_S = 0.05


def whole_file_status(
    data: np.ndarray, rail_uv: float | None, flat_uv: float
) -> list[str]:
    """Per channel of a whole recording: ``railed``, ``flat`` or ``ok``.

    ``railed``: half or more of the samples within 1 % of the rail; ``flat``: the
    sample-to-sample differences have a standard deviation under ``flat_uv``, or half of them
    are exactly zero (a constant, stuck or disconnected input, whatever its offset; a
    saturated input that only now and then jumps between the rails). Used to refuse a file in which no channel
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
        step = np.diff(row)
        if rail_uv is not None and (np.abs(row) >= 0.99 * rail_uv).mean() >= 0.5:
            out.append("railed")
        elif row.size < 2 or np.std(step) < flat_uv or (step == 0).mean() >= 0.5:
            out.append("flat")
        else:
            out.append("ok")
    return out


#: Broad EEG band of the quality checks (reference of the line and EMG ratios), Hz,
#: ``lo <= f < hi``.
BROAD_BAND_HZ = (1.0, 45.0)
#: Fast (muscle) band of the EMG and blink checks, Hz, ``lo <= f < hi``; its lower edge is also
#: the corner of the local-EMG high-pass.
HIGH_BAND_HZ = (20.0, 45.0)
#: The slow band of movement, electrode and sweat artifacts (and of the common-mode check).
SLOW_BAND_HZ = (1.0, 4.0)
#: Half-width of the band around a mains frequency in the line check, Hz (``|f - f0| <= w``).
LINE_HALF_WIDTH_HZ = 1.0


def quality_masks(
    freqs: np.ndarray, mains_hz: float | None, top_hz: float = math.inf
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequency masks of the quality checks on a spectrum's bins.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Bin frequencies of the Welch spectra, Hz.
    mains_hz : float or None
        Mains frequency, Hz; None gives one line mask for each of 50 and 60 Hz.
    top_hz : float
        Highest frequency the sample rate carries (:func:`.rates.max_hz`), Hz: the broad and
        high bands end there when it is below their upper edge.

    Returns
    -------
    broad : ndarray of bool, shape (n_freqs,)
        :data:`BROAD_BAND_HZ`.
    high : ndarray of bool, shape (n_freqs,)
        :data:`HIGH_BAND_HZ`.
    line : ndarray of bool, shape (n_mains, n_freqs)
        Within :data:`LINE_HALF_WIDTH_HZ` of each mains candidate (1 or 2 rows).
    """
    freqs = np.asarray(freqs, dtype=float)
    if freqs.ndim != 1:
        raise ValueError(f"freqs must be one-dimensional (n_freqs,); got shape {freqs.shape}")
    broad = (freqs >= BROAD_BAND_HZ[0]) & (freqs < min(BROAD_BAND_HZ[1], top_hz))
    high = (freqs >= HIGH_BAND_HZ[0]) & (freqs < min(HIGH_BAND_HZ[1], top_hz))
    f0s = (50.0, 60.0) if mains_hz is None else (float(mains_hz),)
    line = np.array([np.abs(freqs - f0) <= LINE_HALF_WIDTH_HZ for f0 in f0s])
    return broad, high, line


def emg_highpass(sfreq: float) -> np.ndarray:
    """The muscle checks' high-pass: 4th-order Butterworth at the muscle band's lower edge
    (20 Hz, or what the rate carries), second-order sections (shared by the local-EMG check and
    the channel references of :mod:`.reference`)."""
    return design_sos(sfreq, "highpass", min(HIGH_BAND_HZ[0], max_hz(sfreq)), 4)


class QualityChecker:
    """Configuration of the per-channel quality checks of a window (``ok``, bad or artifacted).

    Holds the thresholds, smoothing lengths and the local-EMG high-pass; the checks themselves
    run in :class:`.batch.BatchQuality` (a compiled kernel over a batch of windows). The rules,
    in order (the first that applies is the channel's reason):

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
      (linear trend removed, 0.1-s then 0.05-s moving averages, which cancel 50/60 Hz mains
      and pass under 0.8 % of any oscillation above 40 Hz; see :func:`.batch._slow_defl_row`)
      spans more than ``blink_uv`` peak to peak, and more than ``blink_dominance`` times the
      median of the same measure over the non-frontal channels (an eye blink is frontal; a
      slow wave or a movement seen everywhere is not a blink); the same measure on the
      *filtered* window must also exceed ``blink_uv`` (a blink lies in the pass band;
      electrode drift slower than the 1-Hz high-pass does not) and ``blink_hf_ratio`` times
      the RMS of the filtered window's 20-45 Hz activity (a blink stands out from the
      channel's own fast background; broadband noise that large leaves slow wiggles of that
      size by itself). Requiring the raw deflection keeps the causal high-pass's ring-down
      *after* a blink has left the window from being taken for a blink;
    - ``emg``: over the whole window, 20-45 Hz holds more than ``emg_share`` of the 1-45 Hz
      power and exceeds ``emg_min_uv2``; or, in any ``emg_local_s`` stretch of the window, the
      20-45 Hz part of the filtered signal holds more than ``emg_local_share`` of its power
      and exceeds ``emg_local_min_uv2`` (catches a burst that fills only part of the window:
      one that has just started or is about to leave it);
    - ``amplitude``: the filtered signal exceeds ``amplitude_uv`` in absolute value.

    The first three make a channel *bad* (left out of every metric); the last three make the
    frame an *artifact* frame (when they hit a channel that is not bad). The frequency bands
    are :data:`BROAD_BAND_HZ`, :data:`HIGH_BAND_HZ` and :data:`LINE_HALF_WIDTH_HZ`
    (:func:`quality_masks`).

    Parameters
    ----------
    config : PipelineConfig
        Thresholds (``rail_fraction``, ``flat_uv``, ``line_ratio``, ``blink_*``, ``emg_*``,
        ``amplitude_uv``).
    sfreq : float
        Sample rate, Hz (> 0).
    frontal : ndarray of bool, shape (n_channels,)
        Channels where blinks are looked for.
    rail_uv : float or None
        Amplifier saturation level, uV (None: only "constant" counts as railed).

    Attributes
    ----------
    smooth_n, smooth_n2 : int
        Lengths of the slow deflection's two moving averages (0.1 s and
        :data:`SECOND_PASS_S`), samples, before :meth:`smooth_lengths` fits them to a window.
    emg_sos : ndarray, shape (n_sections, 6)
        Local-EMG high-pass (4th-order Butterworth at 20 Hz, at most 0.45 ``sfreq``), run from
        zero state at each window's start.
    top_hz : float
        Highest frequency the sample rate carries, Hz (:func:`.rates.max_hz`, 0.45 ``sfreq``).
    emg_skip : int
        Samples at the window's start left out of the local-EMG test (the high-pass's
        start-up transient, 0.1 s).
    emg_len, emg_step : int
        Length of the local-EMG stretches (``emg_local_s``) and the step between them, samples.
    """

    def __init__(
        self, config: PipelineConfig, sfreq: float, frontal: np.ndarray, rail_uv: float | None
    ) -> None:
        if not sfreq > 0:
            raise ValueError(f"sfreq must be a positive sample rate in Hz; got {sfreq!r}")
        self.cfg = config
        self.frontal = np.asarray(frontal, dtype=bool)
        self.rail_uv = rail_uv
        self.smooth_n = max(1, int(round(0.1 * sfreq)))
        self.smooth_n2 = max(1, int(round(SECOND_PASS_S * sfreq)))
        # local EMG: 20 Hz high-pass (applied within the window), its power in short stretches
        self.top_hz = max_hz(sfreq)  # highest frequency the rate carries
        self.emg_sos = emg_highpass(sfreq)
        self.emg_skip = int(round(0.1 * sfreq))  # the high-pass's start-up transient
        self.emg_len = max(2, int(round(config.emg_local_s * sfreq)))
        self.emg_step = max(1, self.emg_len // 5)

    def smooth_lengths(self, n: int) -> tuple[int, int]:
        """Lengths (samples) of the two moving averages of the slow deflection for an
        ``n``-sample window (shortened only for windows under ~0.15 s)."""
        k1 = max(1, min(self.smooth_n, (n - 1) // 2))
        return k1, max(1, min(self.smooth_n2, k1))


def common_mode_slow_wave(
    x_w: np.ndarray, clean: np.ndarray, sfreq: float, band: tuple[float, float] = SLOW_BAND_HZ
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
