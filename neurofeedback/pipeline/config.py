"""Pipeline parameters, validated on construction (reasons: docs/metrics.md, docs/quality.md)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, fields
from typing import Any

from ..errors import UsageError
from ..validation import check_option, check_positive

log = logging.getLogger(__name__)


def _check_band(name: str, band: tuple[float, float]) -> tuple[float, float]:
    try:
        lo, hi = (float(band[0]), float(band[1]))
        if len(band) != 2:
            raise ValueError
    except (TypeError, ValueError, IndexError):
        raise UsageError(
            f"{name} must be a pair (low_hz, high_hz), e.g. (4, 8); got {band!r}"
        ) from None
    if not (0 < lo < hi) or not math.isfinite(hi):
        raise UsageError(
            f"{name} must satisfy 0 < low < high (Hz); got {band!r}: give e.g. (4, 8)"
        )
    return (lo, hi)


def _seconds(name: str, value: object) -> float:
    """``value`` as a finite number of seconds >= 0; :class:`UsageError` naming ``name``."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = math.nan
    if not (math.isfinite(v) and v >= 0):
        raise UsageError(f"{name} must be a number of seconds >= 0; got {value!r}")
    return v


@dataclass
class PipelineConfig:
    """Every tunable number of the feature pipeline.

    Attributes
    ----------
    window_s : float
        Analysis window, seconds (default 2).
    hop_s : float
        Time between frames, seconds (default 0.1, i.e. 10 frames a second).
    highpass_hz, lowpass_hz : float
        Causal Butterworth band edges of the preprocessing filter, Hz.
    filter_order : int
        Order of the high-pass and of the low-pass Butterworth (each).
    notch : str, float or None
        ``"auto"`` (detect 50 or 60 Hz from the first window of data), ``50``, ``60`` or ``None``.
    integration_band : (float, float)
        Band of the synchrony measures, Hz (default 4-8; 3-6 per the essay is a protocol option).
    harmony_window_s, harmony_segment_s : float
        The longer window behind consonance, dissonance, noise and the golden-mean index, and
        its Welch segment length, seconds (default 8 s of 4-s segments: 0.25-Hz resolution, as
        the golden-mean ratio needs; see :mod:`.harmony`).
    synchrony_smooth_s : float
        Synchrony pools the windows of the last this-many seconds (default 4; 0 = each
        window on its own; :class:`~.synchrony.LaggedSynchrony`); PLV is averaged causally with
        this time constant (:class:`~.synchrony.SynchronySmoother`).
    integration_pool_s : float
        The integration score's synchrony pools the windows of the last this-many seconds
        (default 1; the same debiased pooled wPLI^2 as ``synchrony``, whose 4-s pool follows a
        change in 2.5 s where this one takes about 1.3 s; docs/latency.md measures the trade-off). ``synchrony``
        (features, chance targets, the report) keeps ``synchrony_smooth_s``.
    integration_smooth_s : float
        Time constant of the causal exponential average of that feedback synchrony, seconds
        (default 0 = none; docs/latency.md).
    integration_analytic_tau_s : float
        0 (default): the integration score reads the windowed synchrony above. > 0: it reads
        the per-sample analytic-signal synchrony (:class:`~.analytic.AnalyticSynchrony`: the
        same debiased squared wPLI of the integration band, each sample's phase from a causal
        complex demodulation, weighted by a gamma kernel of this stage time constant, seconds;
        docs/latency.md measures response and noise). ``synchrony`` is unchanged.
    integration_analytic_order : int
        Number of cascaded exponential stages of that kernel, 1..6 (default 2: gamma-2).
    consonance_score_smooth_s : float
        Time constant of the causal exponential average of the consonance z-score the integration
        score reads, seconds (default 2; 0 = none). Consonance comes from an 8-s spectrum
        refreshed on a 0.5-s grid, so unsmoothed it moves the score in 0.5-s steps, most of the
        score's frame-to-frame jitter (docs/latency.md).
    meditation_segments : int
        0 (default): the meditation score reads ``energy``, the periodic power of the whole
        ``window_s`` window (its 1-s Welch segments averaged). k > 0: it reads the periodic
        power of the window's last k segments only (k = 2: the last 1.5 s; k = 1: the last
        1 s), over the same aperiodic floor and referred to its own baseline, so it follows a
        change sooner and jitters more (docs/latency.md measures the trade-off). ``energy``, the
        estimator and every column are unchanged. At most the window's segment count.
    baseline : (float, float)
        Baseline block (start_s, end_s) in stream seconds; z-scores refer to it (default 0-60).
    baseline_min_clean_s : float
        Clean frames the baseline needs, in seconds of frames (default 10: 100 frames at a
        0.1-s hop), but at most half the frames the block can hold. A block with fewer (a
        noisy start) is extended over the clean frames that follow it until it has them
        (:class:`.baseline.Baseline`); 0 keeps the block as it is.
    low_modes : int
        How many of the lowest scalp spatial modes count as "low" (the constant mode is left out,
        so 3 = the three smoothest gradients across the head).
    metastability_s : float
        Span over which metastability (std of the Kuramoto order parameter) is taken, seconds.
    amplitude_uv : float
        Peak absolute value of the filtered signal above which a channel is "amplitude", uV.
    flat_uv : float
        Standard deviation of the filtered signal below which a channel is "flat", uV.
    line_ratio : float
        Mains power (±1 Hz) over 1-45 Hz power above which a channel is "line".
    emg_share : float
        Share of 20-45 Hz in 1-45 Hz power above which a channel is "emg".
    emg_min_uv2 : float
        ... and the 20-45 Hz power must also exceed this, uV^2 (ignores quiet channels).
    emg_local_share : float
        Share of 20-45 Hz in the power of any ``emg_local_s`` stretch of the window above which a
        channel is "emg" (a burst filling only part of the window).
    emg_local_s : float
        Length of those stretches, seconds.
    emg_local_min_uv2 : float
        ... and their 20-45 Hz power must also exceed this, uV^2.
    blink_uv : float
        Peak-to-peak of the slow (detrended, 0.1-s then 0.05-s moving averages) deflection of
        a frontal channel, raw and filtered, above which a blink is flagged, uV (default 60:
        blinks are typically 75-200 uV at Fp1/Fp2; 60 also catches a blink that has only just
        entered the window, as 70 did with the former single 0.1-s average).
    blink_dominance : float
        ... and it must also exceed this multiple of the median deflection over non-frontal
        channels (a blink is frontal).
    blink_hf_ratio : float
        ... and the deflection of the filtered signal must exceed this multiple of the RMS of
        its 20-45 Hz activity, uV/uV (default 2.5; a blink stands out from the channel's own
        fast background: measured >= 3.2 for the blinks of the OpenBCI sample, >= 11 for the
        simulator's; at most 1.5 for the broadband noise of BrainFlow's synthetic board).
    blink_frontopolar_ratio : float
        A ``blink`` on an AF or F electrode whose slow deflection exceeds this multiple of the
        largest usable frontopolar one (Fp1, Fpz, Fp2) is not from the eyes and becomes
        ``amplitude`` (default 1.5; blinks gave at most 1.18 at the 90th percentile on
        EEGMMIDB's eyes-open runs; see :class:`.eyes.OcularSource`).
    common_mode_ratio : float
        A frame is a "common-mode" artifact (movement, cable sway, a reference electrode
        moving) when the 1-4 Hz power of the mean over clean channels is at least this share of
        the channels' mean 1-4 Hz power (1 = every channel carries the same slow wave) ...
    common_mode_uv : float
        ... and that common slow wave's RMS exceeds this, uV.
    rail_fraction : float
        Fraction of raw samples at the rail (or a constant raw signal) that makes a channel
        "railed" (default 0.01: a few saturated samples already mean the amplifier left its range).
    quality_ref_s : float
        Span of each channel's running references of 20-45 Hz and 1-4 Hz power, seconds
        (default 60; see :mod:`.reference`).
    quality_ref_warmup_s : float
        The relative tests start once the references hold this much, seconds (default 10).
    emg_ref_db : float
        A channel is "emg" when its 20-45 Hz power exceeds its reference median by more than
        this, dB (default 6) ...
    emg_ref_mads : float
        ... and by more than this many scaled median absolute deviations (default 4).
    slow_ref_db : float
        A channel is "amplitude" (movement, a loosening electrode, sweat) when its 1-4 Hz power
        exceeds its reference median by more than this, dB (default 10; not in frames with an
        eye artifact, whose slow activity the EOG regression handles) ...
    slow_ref_mads : float
        ... and by more than this many scaled median absolute deviations (default 5).
    gaze_uv : float
        A horizontal eye movement ("gaze") is flagged on a mirror pair of frontal electrodes
        (F7/F8, AF7/AF8, Fp1/Fp2...) when the slow part of their difference spans more than
        this, uV (default 60; see :mod:`.eyes`) ...
    gaze_ratio : float
        ... and at least this multiple of the slow part of their sum (opposite polarity).
    eog_min_uv : float
        In frames with a blink or eye movement, the blink component of every other usable
        channel is subtracted where it spans more than this, uV (default 10; see
        :class:`.eyes.BlinkRegression`).
    ringdown_uv : float
        After a frame with a blink or eye movement, the frames until the high-pass's ring-down
        of its deflection has decayed under this are eye frames too, uV (default 30, half of
        ``blink_uv``; see :func:`.eyes.ringdown_s`).
    gate_share : float
        A frame is gated (no feedback) when channel artifacts (blink, emg, amplitude) hit at
        least this share of the usable channels (default 1/3); with fewer, those channels are
        only left out of the frame, unless a region loses all its usable channels
        (:func:`~.quality.frame_gate`).
    region_gate_channels : int
        A region measured by at most this many usable electrodes gates the frame when
        artifacts take all of them (default 2).
    drowsiness_smooth_s : float
        Time constant of the causal average of the window drowsiness, seconds (default 5;
        0 = none). See :mod:`.drowsiness`.
    drowsy_threshold : float
        Drowsiness at or above which both feedback scores are 0 (default 0.5, 0 < value <= 1).
    drowsy_hold : float
        Drowsiness at or above which the estimator's phase is ``drowsy`` and it takes no
        evidence (the cycle phase it had is kept for when the person is awake again; default
        0.35, at most ``drowsy_threshold``): a brain on its way to sleep grows theta, which must
        not read as heating, and the phase the estimator held from before the drift is not the
        state now. From here to ``drowsy_threshold`` both feedback scores fade linearly to 0
        (:func:`.scores.wakefulness`). Awake validation recordings have medians of 0.00-0.29.
    score_gain, score_offset : float
        Feedback score = 1 / (1 + exp(-gain * (z - offset))).
    """

    window_s: float = 2.0
    hop_s: float = 0.1
    highpass_hz: float = 1.0
    lowpass_hz: float = 45.0
    filter_order: int = 4
    notch: str | float | None = "auto"
    integration_band: tuple[float, float] = (4.0, 8.0)
    synchrony_smooth_s: float = 4.0
    integration_pool_s: float = 1.0
    integration_smooth_s: float = 0.0
    integration_analytic_tau_s: float = 0.0
    integration_analytic_order: int = 2
    consonance_score_smooth_s: float = 2.0
    meditation_segments: int = 0
    harmony_window_s: float = 8.0
    harmony_segment_s: float = 4.0
    baseline: tuple[float, float] = (0.0, 60.0)
    baseline_min_clean_s: float = 10.0
    low_modes: int = 3
    metastability_s: float = 10.0
    amplitude_uv: float = 400.0
    flat_uv: float = 0.3
    line_ratio: float = 1.0
    emg_share: float = 0.45
    emg_min_uv2: float = 20.0
    emg_local_share: float = 0.75
    emg_local_s: float = 0.25
    emg_local_min_uv2: float = 120.0
    blink_uv: float = 60.0
    blink_dominance: float = 2.5
    blink_hf_ratio: float = 2.5
    blink_frontopolar_ratio: float = 1.5
    common_mode_ratio: float = 0.9
    common_mode_uv: float = 4.0
    rail_fraction: float = 0.01
    quality_ref_s: float = 60.0
    quality_ref_warmup_s: float = 10.0
    emg_ref_db: float = 6.0
    emg_ref_mads: float = 4.0
    slow_ref_db: float = 10.0
    slow_ref_mads: float = 5.0
    gaze_uv: float = 60.0
    gaze_ratio: float = 2.0
    eog_min_uv: float = 10.0
    ringdown_uv: float = 30.0
    gate_share: float = 1.0 / 3.0
    region_gate_channels: int = 2
    drowsiness_smooth_s: float = 5.0
    drowsy_threshold: float = 0.5
    drowsy_hold: float = 0.35
    score_gain: float = 1.5
    score_offset: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """Every setting, JSON-ready (pairs as lists): ``session.json``'s ``pipeline``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, d: Any) -> PipelineConfig:
        """Settings from :meth:`to_dict` output, validated as any settings are; keys this
        version does not know are left out (and logged).

        Raises
        ------
        UsageError
            ``d`` is not a dict, or a setting does not validate.
        """
        if not isinstance(d, dict):
            raise UsageError(f"pipeline settings must be a table of name: value; got {d!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in d if k not in known)
        if unknown:
            log.info("pipeline settings this version does not know are ignored: %s",
                     ", ".join(unknown))
        kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items() if k in known}
        try:
            return cls(**kwargs)
        except (TypeError, ValueError, OverflowError) as exc:  # types the checks do not expect
            raise UsageError(f"pipeline settings do not validate: {exc}") from None

    def __post_init__(self) -> None:
        self.window_s = check_positive("window_s", self.window_s)
        self.hop_s = check_positive("hop_s", self.hop_s)
        if self.hop_s > self.window_s:
            raise UsageError(
                f"hop_s must not exceed window_s ({self.window_s} s); got {self.hop_s}"
            )
        self.harmony_window_s = check_positive("harmony_window_s", self.harmony_window_s)
        self.harmony_segment_s = check_positive("harmony_segment_s", self.harmony_segment_s)
        if not self.window_s <= self.harmony_window_s <= 60.0:
            raise UsageError(
                f"harmony_window_s must be between window_s ({self.window_s} s) and 60 s; got "
                f"{self.harmony_window_s}"
            )
        if self.harmony_segment_s > self.harmony_window_s:
            raise UsageError(
                f"harmony_segment_s must not exceed harmony_window_s ({self.harmony_window_s} s); "
                f"got {self.harmony_segment_s}"
            )
        self.highpass_hz = check_positive("highpass_hz", self.highpass_hz)
        self.lowpass_hz = check_positive("lowpass_hz", self.lowpass_hz)
        if self.lowpass_hz <= self.highpass_hz:
            raise UsageError(
                f"lowpass_hz must be above highpass_hz ({self.highpass_hz} Hz); got {self.lowpass_hz}"
            )
        if not isinstance(self.filter_order, int) or not 1 <= self.filter_order <= 8:
            raise UsageError(f"filter_order must be an integer 1..8; got {self.filter_order!r}")
        if isinstance(self.notch, str):
            check_option("notch", self.notch, ["auto"])
        elif self.notch is not None:
            check_option("notch", float(self.notch), [50.0, 60.0])
            self.notch = float(self.notch)
        self.integration_band = _check_band("integration_band", self.integration_band)
        self.baseline = self._check_baseline(self.baseline)
        self.baseline_min_clean_s = check_positive(
            "baseline_min_clean_s", self.baseline_min_clean_s, allow_zero=True)
        try:
            self.synchrony_smooth_s = float(self.synchrony_smooth_s)
        except (TypeError, ValueError):
            raise UsageError(
                f"synchrony_smooth_s must be a number of seconds >= 0; got {self.synchrony_smooth_s!r}"
            ) from None
        if not (math.isfinite(self.synchrony_smooth_s) and self.synchrony_smooth_s >= 0):
            raise UsageError(
                f"synchrony_smooth_s must be a number of seconds >= 0 (0 = no smoothing); "
                f"got {self.synchrony_smooth_s!r}"
            )
        for name in ("integration_pool_s", "integration_smooth_s", "integration_analytic_tau_s",
                     "consonance_score_smooth_s"):
            setattr(self, name, _seconds(name, getattr(self, name)))
        order = self.integration_analytic_order
        if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= 6:
            raise UsageError(
                f"integration_analytic_order must be an integer from 1 to 6; got {order!r}"
            )
        k = self.meditation_segments
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise UsageError(
                f"meditation_segments must be an integer >= 0 (0 = the whole window); got {k!r}"
            )
        if not isinstance(self.region_gate_channels, int) or self.region_gate_channels < 0:
            raise UsageError(
                f"region_gate_channels must be an integer >= 0; got {self.region_gate_channels!r}"
            )
        if not isinstance(self.low_modes, int) or self.low_modes < 1:
            raise UsageError(f"low_modes must be an integer >= 1; got {self.low_modes!r}")
        for name in ("metastability_s", "amplitude_uv", "flat_uv", "line_ratio", "emg_share",
                     "emg_min_uv2", "emg_local_share", "emg_local_s", "emg_local_min_uv2", "blink_uv", "blink_dominance",
                     "blink_hf_ratio", "blink_frontopolar_ratio",
                     "common_mode_ratio", "common_mode_uv", "rail_fraction", "gate_share", "score_gain",
                     "quality_ref_s", "quality_ref_warmup_s", "emg_ref_db", "emg_ref_mads",
                     "slow_ref_db", "slow_ref_mads", "gaze_uv",
                     "gaze_ratio", "eog_min_uv", "ringdown_uv"):
            setattr(self, name, check_positive(name, getattr(self, name)))
        if (self.emg_share >= 1 or self.emg_local_share >= 1 or self.rail_fraction > 1
                or self.gate_share > 1):
            raise UsageError(
                "emg_share and emg_local_share must be < 1, rail_fraction and gate_share <= 1; "
                f"got {self.emg_share}, {self.emg_local_share}, {self.rail_fraction}, "
                f"{self.gate_share}"
            )
        if self.emg_local_s >= self.window_s:
            raise UsageError(
                f"emg_local_s must be shorter than window_s ({self.window_s} s); got {self.emg_local_s}"
            )
        self.score_offset = float(self.score_offset)
        try:
            ok = math.isfinite(float(self.drowsiness_smooth_s)) and float(self.drowsiness_smooth_s) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise UsageError(
                "drowsiness_smooth_s must be a number of seconds >= 0 (0 = no smoothing); "
                f"got {self.drowsiness_smooth_s!r}"
            )
        self.drowsiness_smooth_s = float(self.drowsiness_smooth_s)
        self.drowsy_threshold = check_positive("drowsy_threshold", self.drowsy_threshold)
        if self.drowsy_threshold > 1:
            raise UsageError(f"drowsy_threshold must be in (0, 1]; got {self.drowsy_threshold}")
        self.drowsy_hold = check_positive("drowsy_hold", self.drowsy_hold)
        if self.drowsy_hold > self.drowsy_threshold:
            raise UsageError(
                f"drowsy_hold must be in (0, drowsy_threshold={self.drowsy_threshold}]; "
                f"got {self.drowsy_hold}"
            )

    @staticmethod
    def _check_baseline(baseline: tuple[float, float]) -> tuple[float, float]:
        try:
            start, end = float(baseline[0]), float(baseline[1])
            if len(baseline) != 2:
                raise ValueError
        except (TypeError, ValueError, IndexError):
            raise UsageError(
                f"baseline must be a pair (start_s, end_s), e.g. (0, 60); got {baseline!r}"
            ) from None
        if not (0 <= start < end) or not math.isfinite(end):
            raise UsageError(
                f"baseline must satisfy 0 <= start_s < end_s; got {baseline!r}: give e.g. (0, 60)"
            )
        return (start, end)
