"""The feature pipeline: ``push(chunk) -> list[FeatureFrame]``, deterministic and causal.

Samples go through a causal filter cascade with carried state; a frame is computed whenever
the number of samples received crosses a hop boundary, from the window that ends there. The
boundaries depend only on the sample count, and every filter gives the same output however
its input is split, so pushing one sample, 25 samples or a whole file at a time gives
identical frames.

Frames are computed in two stages. Stage 1 takes every frame that a push completes (one in a
live session, up to ``_MAX_BLOCK_S`` seconds' worth in offline analysis) and computes all
per-window quantities for them at once, with arrays shaped (n_frames, n_channels, n_window)
(:mod:`.batch`, :meth:`.spectra.WelchPSD.batch`, numba kernels for quality, LZ, synchrony and
consonance). Each frame's arithmetic there is independent of the other frames in its batch,
so batching changes speed, never numbers. Stage 2 walks the frames in time order for what
carries state: baseline z-scores, metastability, the estimator and the feedback scores.
For long pushes (offline analysis) stage 1 of successive 5-s blocks runs in worker threads
(the numba kernels release the GIL) while the calling thread filters and runs stage 2;
live pushes stay in the calling thread. Threads change timing only, never numbers.
"""

from __future__ import annotations

import functools
import logging
import math
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from ..errors import UsageError
from ..validation import check_positive
from .analytic import AnalyticSynchrony
from .aperiodic import AperiodicFit
from .baseline import Baseline
from .batch import (
    BatchQuality,
    FastMetastability,
    analytic,
    frame_windows,
    synchrony_batch,
)
from .channel_stats import spectral_stats
from .config import PipelineConfig
from .drowsiness import DrowsinessSmoother, slowing, window_drowsiness
from .entropy import lempel_ziv_decimated, lz_decimation
from .estimator import AnnealingEstimator
from .eyes import BlinkRegression, GazeCheck, OcularSource, ringdown_s
from .features import FEATURES
from .filters import CausalFilter, FilterChain, design_sos, detect_mains, unsaturated_channels
from .frame import BANDS, FeatureFrame
from .harmony import Harmony
from .history import SlidingHistory
from .interpolation import Interpolator
from .quality import (
    ARTIFACT_REASONS,
    BAD_CODES,
    EYE_CODES,
    FRAME_REASONS,
    HIGH_BAND_HZ,
    REASONS,
    QualityChecker,
    common_mode_slow_wave,
    frame_gate,
)
from .rates import announce, plan_for_rate
from .rebuilt_power import SAMPLE_S, RebuildEffect, rebuild_effect
from .reference import channel_reference
from .regions import assign_regions, positions, region_of
from .scores import (
    alpha_theta_share,
    integration_score,
    meditation_score,
    wakefulness,
    withheld,
)
from .spatial_modes import (
    SpatialModeBasis,
    low_share_batch,
    mode_courses,
    mode_entropy_batch,
    power_of_courses,
)
from .spectra import SegmentCache, WelchPSD, band_masks
from .synchrony import (
    LaggedSynchrony,
    SynchronySmoother,
    debias_plv,
    effective_samples,
    triu_pairs,
)
from .threads import one_blas_thread

log = logging.getLogger(__name__)

_MAX_BLOCK_S = 5.0  # long pushes are filtered and batched in blocks of this length (cache-friendly)
#: ... but dense, fast montages in shorter blocks: at most this many channel-samples per block
#: (64 channels at 2048 Hz: 1-s blocks, which cut the peak memory of offline analysis from
#: 2.7 to 1.7 GB at the same speed; 16 channels at 250 Hz keep 5-s blocks).
_MAX_BLOCK_CHANNEL_SAMPLES = 131_072
_MIN_BLOCK_S = 0.5
_MAX_BATCH = 600  # frames computed together in the per-window stage (memory bound)
_MAINS_WINDOWS = 5  # mains is looked for in at most this many first windows (10 s by default)
_ROOM_S = 4.0  # samples appended to the sliding histories before they move to the front
_WORKERS = 2  # stage-1 worker threads for long pushes (blocks computed side by side)


class _Stage1(NamedTuple):
    """Per-window results of one batch (leading axis or list index: frame)."""

    labels: list[tuple]
    band_power: np.ndarray
    psd: np.ndarray
    bands: np.ndarray
    #: per-window scalar features by feature-table name (NaN where not computed), plus the
    #: unsmoothed values of the stream quantities (:data:`_STREAM_INPUTS`), each shape (n_frames,)
    scalars: dict[str, np.ndarray]
    plv_of: list[np.ndarray | None]
    #: per frame, the window sums of each region pair (measured, surrogate), shape (n_pairs, 3)
    sums_of: list[tuple[np.ndarray, np.ndarray] | None]
    reg_of: list[tuple[str, ...]]
    mp_of: list[np.ndarray | None]
    interp_of: list[tuple[str, ...]]
    note_of: list[tuple[str, ...]]
    #: per-channel periodic_db and aperiodic exponent, shape (n_frames, n_channels), NaN for
    #: channels not in use
    ch_periodic: np.ndarray
    ch_exponent: np.ndarray
    #: per-channel periodic_db of the window's last ``meditation_segments`` Welch segments
    #: (the meditation score's energy), shape (n_frames, n_channels); None when not configured
    ch_periodic_recent: np.ndarray | None
    #: per-band consonance, dissonance, noise, shape (n_frames, n_bands, 3)
    band_cdns: np.ndarray
    #: per frame, gated by frontal blink codes alone while the channels away from the eyes
    #: read asleep (:meth:`Pipeline._sleep_waves`), shape (n_frames,)
    sleep_waves: np.ndarray
    #: what rebuilding each clean channel does to the low-mode share and the mode entropy
    #: (.rebuilt_power), shape (n_frames, 2, n_channels); NaN for other channels and for
    #: frames not sampled
    rebuild_effect: np.ndarray
    #: per frame, the rebuilt channels (None when none)
    rebuilt_of: list[np.ndarray | None]
    #: per frame, a ``blink`` or ``gaze`` channel (``FeatureFrame.eye_artifact``), shape
    #: (n_frames,)
    eye_artifact: np.ndarray
    #: per frame, the largest raw slow deflection of those channels, uV (0 where none), shape
    #: (n_frames,): how long the high-pass rings on after it (.eyes.ringdown_s)
    eye_deflection: np.ndarray


_COMMON_MODE, _NO_USABLE = FRAME_REASONS
_IS_BAD = np.isin(np.arange(len(REASONS)), BAD_CODES)  # by reason code
_IS_EYE = np.isin(np.arange(len(REASONS)), EYE_CODES)  # by reason code
_EMG_CODE = REASONS.index("emg")
_AMPLITUDE_CODE = REASONS.index("amplitude")
_GAZE_CODE = REASONS.index("gaze")
_BLINK_CODE = REASONS.index("blink")
_BLINK_LABEL = "blink:"  # an artifact label's prefix (reason:channel)

#: Per-window scalars copied from stage 1 onto each frame (feature-table names).
_WINDOW_SCALARS: tuple[str, ...] = tuple(
    f.name for f in FEATURES if f.stage == "window" and f.kind == "float" and not f.band
)
#: Per-window values that stage 2 smooths or accumulates over frames: the synchrony (debiased
#: wPLI^2, the estimator's input) and PLV of the window, the Kuramoto order of the window's
#: time-shift surrogate (chance), and the window's drowsiness.
#: Per-window values of the harmony measures (:class:`.harmony.Harmony`, the long window): empty
#: in frames whose long window an artifact frame overlapped.
_HARMONY_SCALARS = ("consonance", "dissonance", "noise", "golden_mean_index", "alpha_theta_ratio",
                    "alpha_peak_hz", "theta_peak_hz", "spectral_peaks")
_STREAM_INPUTS = ("synchrony_window", "plv_window", "kuramoto_surrogate", "drowsiness_window")


def block_samples(sfreq: float, n_channels: int) -> int:
    """Samples per block of a long (offline) push: :data:`_MAX_BLOCK_S` seconds, shortened
    (down to :data:`_MIN_BLOCK_S`) so that a block holds at most
    :data:`_MAX_BLOCK_CHANNEL_SAMPLES` channel-samples. Blocks change memory and speed, never
    the frames."""
    by_memory = _MAX_BLOCK_CHANNEL_SAMPLES / max(1, int(n_channels))
    return max(1, int(min(_MAX_BLOCK_S * sfreq, max(_MIN_BLOCK_S * sfreq, by_memory))))


class Pipeline:
    """Causal, deterministic EEG feature pipeline.

    Parameters
    ----------
    sfreq : float
        Sample rate, Hz.
    ch_names : list of str
        Channel names (10-20 names get regions and positions; others still get every
        per-channel and global quantity).
    config : PipelineConfig or None
        Parameters (default: :class:`PipelineConfig`'s defaults).
    rail_uv : float or None
        Amplifier saturation level in uV (187500 for Cyton), for the "railed" check.

    Attributes
    ----------
    mains_hz : float or None
        The notch frequency in use (known once the first window has arrived when
        ``config.notch == "auto"``).
    """

    def __init__(
        self,
        sfreq: float,
        ch_names: list[str],
        config: PipelineConfig | None = None,
        rail_uv: float | None = None,
    ) -> None:
        self.sfreq = check_positive("sfreq", sfreq)
        if isinstance(ch_names, str) or not ch_names or not all(isinstance(c, str) for c in ch_names):
            raise UsageError(f"ch_names must be a non-empty list of channel names; got {ch_names!r}")
        self.ch_names = list(ch_names)
        self.n_ch = len(self.ch_names)
        self.cfg = config if config is not None else PipelineConfig()
        if not isinstance(self.cfg, PipelineConfig):
            raise UsageError(f"config must be a PipelineConfig; got {type(self.cfg).__name__}")
        self.rail_uv = None if rail_uv is None else check_positive("rail_uv", rail_uv)
        # what the rate carries: fixed bands adapted (and stated), requested bands checked
        rate_plan = plan_for_rate(self.sfreq, self.cfg, HIGH_BAND_HZ)
        announce(rate_plan)
        #: one sentence per adaptation to the sample rate (empty when nothing was adapted)
        self.rate_notes: tuple[str, ...] = rate_plan.notes
        self.cfg = cfg = rate_plan.config
        one_blas_thread()  # small products beside other busy threads (.threads)
        nyq = self.sfreq / 2.0
        self.n_win = int(round(cfg.window_s * self.sfreq))
        if self.n_win < 32:
            raise UsageError(
                f"window_s x sfreq must give at least 32 samples; got {self.n_win}: lengthen window_s"
            )
        self._hop = cfg.hop_s * self.sfreq
        self._k = 0  # index of the next frame
        self._n = 0  # samples filtered so far
        self._pending: list[np.ndarray] = []
        self._n_pending = 0
        self._mains_try = 0  # windows examined for mains so far
        self._chain: FilterChain = None  # type: ignore[assignment]  # set by _start_filters
        self.mains_hz: float | None = None
        # the last window of filtered and raw signal stacked (filtered rows first), and the last
        # two of the integration band (the window before is synchrony's chance surrogate)
        room = max(1, int(round(_ROOM_S * self.sfreq)))  # live pushes append without copies
        self._hist_xr = SlidingHistory(2 * self.n_ch, self.n_win, room)
        self._hist_b = SlidingHistory(self.n_ch, 2 * self.n_win, room)
        # ...and the last long window of filtered signal (harmony measures), plus one update
        # step: the long window ends on a fixed grid of stream samples (every _grid samples),
        # so successive frames share its Welch segments instead of each transforming new ones
        self.n_harmony = int(round(cfg.harmony_window_s * self.sfreq))
        self._grid = max(1, (int(round(cfg.harmony_segment_s * self.sfreq)) // 2) // 4)
        self._hist_h = SlidingHistory(self.n_ch, self.n_harmony + self._grid, room)
        self._last_artifact_s = -math.inf  # time of the latest artifact frame
        self._eye_until_s = -math.inf  # end of the latest eye artifact's ring-down

        # analysis objects, designed once
        self.welch = WelchPSD(self.sfreq, self.n_win)
        # the meditation score's energy from the window's most recent segments (0: all of them)
        n_segs = self.welch.starts.size
        if cfg.meditation_segments > n_segs:
            raise UsageError(
                f"meditation_segments must be at most the {n_segs} Welch segments of the "
                f"{cfg.window_s:g}-s window; got {cfg.meditation_segments}"
            )
        self._recent = cfg.meditation_segments if cfg.meditation_segments < n_segs else 0
        # a window of only those segments, for rows whose spectrum is recomputed (eye fix)
        self._welch_recent = (
            WelchPSD(self.sfreq, int(self.n_win - self.welch.starts[-self._recent]),
                     self.welch.n_per_seg)
            if self._recent else None
        )
        # live pushes reuse Welch segment powers across frames (filtered and raw rows stacked)
        self._seg_cache = SegmentCache()
        f = self.welch.freqs
        self._band_masks = band_masks(f, rate_plan.bands)
        # the aperiodic fit and energy's rhythms on this grid (ranges as the rate allows)
        self._fit_range = rate_plan.fit_range
        self._aperiodic = AperiodicFit(f, rate_plan.fit_range, rate_plan.rhythm_band)
        # peaks above noise, CDNS and golden mean on the long window (.harmony); in the
        # stream's first seconds, on the whole segments there are (each layout has its own
        # noise threshold), so the measures start after one segment, not one long window
        n_seg = int(round(cfg.harmony_segment_s * self.sfreq))
        lengths = [n for n in range(n_seg, self.n_harmony, max(1, n_seg // 2))] + [self.n_harmony]
        self._harmonies = [
            (n, Harmony(self.sfreq, n, n_seg, rate_plan.fit_range, bands=rate_plan.bands))
            for n in lengths
        ]
        self.harmony = self._harmonies[-1][1]
        self._layout_len = np.array([n for n, _ in self._harmonies])  # ascending
        self._harmony_cache = SegmentCache()
        # harmony values of the latest long windows, by (layout, measured channels, end sample):
        # frames on the same grid step reuse them (live pushes only: calling thread)
        self._harmony_memo: dict[tuple[int, bytes, int], tuple[np.ndarray, np.ndarray]] = {}
        top = min(cfg.lowpass_hz, nyq)
        self._broad = (f >= cfg.highpass_hz) & (f <= top)
        regions, index = assign_regions(self.ch_names)
        self.regions_all = regions
        self._region_index = index
        if len(regions) < 2:
            log.warning(
                "cross-region measures (synchrony, plv, metastability) will stay empty: the "
                "channel names give %d scalp region(s) (%s), 2 are needed",
                len(regions), ", ".join(regions) or "no 10-20 names",
            )
        self._reg_cache: dict[bytes, tuple[tuple[str, ...], np.ndarray]] = {}
        self.positions = positions(self.ch_names)
        frontal = np.array([region_of(c) == "frontal" for c in self.ch_names])
        self.quality = QualityChecker(cfg, self.sfreq, frontal, self.rail_uv)
        self._reference = channel_reference(self.sfreq, self.n_ch, self.n_win, cfg)
        # what rebuilding an electrode does to the spatial modes, measured where it is clean
        # and taken back where it is rebuilt (.rebuilt_power)
        self._rebuild_grid = max(1, int(round(SAMPLE_S * self.sfreq)))
        self._rebuild = RebuildEffect(self.n_ch, int(round(cfg.quality_ref_s / SAMPLE_S)))
        # the eye checks smooth as the blink check does (0.1-s then 0.05-s moving averages)
        k1, k2 = self.quality.smooth_lengths(self.n_win)
        self._gaze = GazeCheck(self.ch_names, k1, k2, cfg.gaze_uv, cfg.gaze_ratio)
        self._ocular = OcularSource(self.ch_names, frontal, cfg.blink_frontopolar_ratio)
        self._eog = BlinkRegression(k1, k2, cfg.eog_min_uv)
        self._bquality = BatchQuality(self.quality, f)
        self._label_cache: dict[bytes, tuple] = {}
        sos_band = design_sos(self.sfreq, "bandpass", list(cfg.integration_band), 4)
        self._band_filter = CausalFilter(sos_band, self.n_ch)
        self.n_eff = effective_samples(sos_band, self.sfreq, self.n_win)
        self.spatial_modes = SpatialModeBasis(self.positions)
        self._interp = Interpolator(self.positions)
        self.metastability = FastMetastability(cfg.metastability_s)
        # ...and the same over the time-shift surrogates: what chance gives (reported excess)
        self._metastability_null = FastMetastability(cfg.metastability_s)
        # reported synchrony: the windows of the last synchrony_smooth_s pooled (LaggedSynchrony),
        # and its time-shift surrogates pooled the same way (the chance level); PLV: a causal
        # average of the per-window values (SynchronySmoother)
        inflation = self.n_win / self.n_eff
        self._sync_pool = LaggedSynchrony(cfg.synchrony_smooth_s, cfg.window_s, inflation)
        self._surrogate_pool = LaggedSynchrony(cfg.synchrony_smooth_s, cfg.window_s, inflation)
        self._plv_smoother = SynchronySmoother(cfg.synchrony_smooth_s, cfg.hop_s)
        # the integration score's synchrony: the same pooled estimator over a shorter span,
        # then a short causal average (docs/latency.md: response vs frame-to-frame noise)
        self._feedback_pool = (
            LaggedSynchrony(cfg.integration_pool_s, cfg.window_s, inflation)
            if cfg.integration_pool_s != cfg.synchrony_smooth_s else None
        )
        self._feedback_smoother = SynchronySmoother(cfg.integration_smooth_s, cfg.hop_s)
        self._consonance_smoother = SynchronySmoother(cfg.consonance_score_smooth_s, cfg.hop_s)
        # ...or the per-sample analytic-signal synchrony (.analytic), when configured
        self._analytic = (
            AnalyticSynchrony(self.sfreq, self.n_ch, cfg.integration_band,
                              cfg.integration_analytic_tau_s, cfg.integration_analytic_order)
            if cfg.integration_analytic_tau_s > 0 else None
        )
        self.baseline = self._new_baseline(cfg.baseline[0], cfg.baseline[1])
        self._drowsy = DrowsinessSmoother(cfg.drowsiness_smooth_s, cfg.hop_s)
        self._lz_q = lz_decimation(self.sfreq)
        self.estimator = AnnealingEstimator(hop_s=cfg.hop_s)
        if cfg.notch != "auto":
            self._start_filters(cfg.notch)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ public
    def set_baseline(self, start_s: float, end_s: float) -> None:
        """Use ``[start_s, end_s]`` (stream seconds) as the baseline block from now on.

        Collected baseline statistics are discarded; frames say ``baseline_complete=False``
        until ``end_s``.
        """
        start_s, end_s = PipelineConfig._check_baseline((start_s, end_s))
        self.baseline = self._new_baseline(start_s, end_s)
        self.estimator.reset()  # its z-score inputs restart with the new baseline

    def push(self, data: np.ndarray) -> list[FeatureFrame]:
        """Feed new samples; return the frames whose windows were completed by them.

        Parameters
        ----------
        data : ndarray, shape (n_channels, n_samples)
            New samples in uV, channel order as ``ch_names``.

        Returns
        -------
        list of FeatureFrame
            In time order; empty when no hop boundary was crossed.
        """
        data = np.asarray(data, dtype=float)
        if data.ndim != 2 or data.shape[0] != self.n_ch:
            raise UsageError(
                f"data must have shape (n_channels={self.n_ch}, n_samples); got {data.shape}"
            )
        if data.shape[1] == 0:
            return []
        if not np.isfinite(data).all():
            raise UsageError(
                "data contain NaN or infinite samples: drop or interpolate them before push()"
            )
        if self._chain is None:
            self._pending.append(data)
            self._n_pending += data.shape[1]
            data = np.concatenate(self._pending, axis=1)
            self._pending = [data]
            # mains is detected on the first whole window (of the first _MAINS_WINDOWS) in
            # which some channel is live: a board that starts saturated does not hide it. The
            # decision depends only on the samples, never on how they were chunked.
            decided, mains = False, None
            while not decided and (self._mains_try + 1) * self.n_win <= self._n_pending:
                w = data[:, self._mains_try * self.n_win : (self._mains_try + 1) * self.n_win]
                self._mains_try += 1
                if unsaturated_channels(w, self.rail_uv).any() or self._mains_try >= _MAINS_WINDOWS:
                    mains = detect_mains(w, self.sfreq, self.rail_uv)
                    decided = True
            if not decided:
                return []
            self._pending, self._n_pending = [], 0
            log.info("mains frequency detected: %s", "none" if mains is None else f"{mains:g} Hz")
            self._start_filters(mains)
        frames: list[FeatureFrame] = []
        block = block_samples(self.sfreq, self.n_ch)
        starts = range(0, data.shape[1], block)
        if len(starts) == 1:  # live pushes: no threads
            for s in starts:
                for job in self._prepare(data[:, s : s + block]):
                    frames.extend(self._stage2(job[0], self._stage1(*job, cached=True)))
            return frames
        # long pushes (offline): stage 1 of a block (compiled kernels and big array operations,
        # mostly without the GIL) runs in a worker thread while this thread filters the next
        # block and walks the previous block's frames through stage 2. Stage 1 only reads its
        # own block's arrays, stage 2 runs in time order here: the frames are the same.
        with ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="pipeline-stage1") as pool:
            pending: deque[tuple[np.ndarray, Future]] = deque()
            for s in starts:
                for job in self._prepare(data[:, s : s + block], fresh=True):
                    pending.append((job[0], pool.submit(self._stage1, *job)))
                while len(pending) > _WORKERS:
                    bnds, fut = pending.popleft()
                    frames.extend(self._stage2(bnds, fut.result()))
            while pending:
                bnds, fut = pending.popleft()
                frames.extend(self._stage2(bnds, fut.result()))
        return frames

    # ------------------------------------------------------------------ internals
    def _new_baseline(self, start_s: float, end_s: float) -> Baseline:
        """A baseline over ``[start_s, end_s]`` that needs ``baseline_min_clean_s`` of clean
        frames, but at most half the frames the block can hold."""
        cfg = self.cfg
        nominal = max(1, int(math.floor((end_s - start_s - cfg.window_s) / cfg.hop_s + 1e-9)) + 1)
        need = min(int(round(cfg.baseline_min_clean_s / cfg.hop_s)), math.ceil(nominal / 2))
        return Baseline(start_s, end_s, cfg.window_s, need)

    def _start_filters(self, mains: float | None) -> None:
        cfg = self.cfg
        self.mains_hz = mains
        self._chain = FilterChain(
            self.sfreq, self.n_ch, cfg.highpass_hz, cfg.lowpass_hz, mains, cfg.filter_order
        )

    def _region_weights(self, clean: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
        """Regions with clean channels and the (n_regions, n_channels) averaging matrix."""
        key = clean.tobytes()
        hit = self._reg_cache.get(key)
        if hit is None:
            ridx = self._region_index
            names, rows = [], []
            for i, name in enumerate(self.regions_all):
                mask = (ridx == i) & clean
                if mask.any():
                    names.append(name)
                    rows.append(mask / mask.sum())
            w = np.array(rows) if rows else np.zeros((0, self.n_ch))
            if len(self._reg_cache) > 256:
                self._reg_cache.clear()
            hit = self._reg_cache[key] = (tuple(names), w)
        return hit

    def _boundary(self, k: int) -> int:
        return self.n_win + int(math.floor(k * self._hop + 0.5))

    def _prepare(self, raw: np.ndarray, fresh: bool = False) -> list[tuple[np.ndarray, ...]]:
        """Filter one block; return the stage-1 jobs for the frames it completes (at most
        ``_MAX_BATCH`` frames each): ``(bnds, starts, cat_xr, cat_b, cat_h, rel_emg,
        rel_slow)``.
        ``cat_xr`` stacks the filtered rows over the raw ones, so both get their Welch spectra
        in one pass; ``cat_b`` (the integration band) begins one window earlier than
        ``cat_xr``, and ``cat_h`` (the filtered rows again) ends where they do and holds a long
        window plus one harmony grid step before each frame; ``rel_*`` are the channel-reference flags (:mod:`.reference`).
        The ``cat_*`` arrays are views of the sliding histories, valid until the next call,
        unless ``fresh`` (new arrays, for stage 1 in a worker thread)."""
        m = raw.shape[1]
        x = self._chain.process(raw)
        b = self._band_filter.process(x)
        if self._analytic is not None:
            self._analytic.process(x)
        cat_xr = self._hist_xr.append(x, raw, fresh=fresh)
        cat_b = self._hist_b.append(b, fresh=fresh)
        cat_h = self._hist_h.append(x, fresh=fresh)
        n0 = self._n
        self._n += m
        bnds = []
        while (bnd := self._boundary(self._k)) <= self._n:
            bnds.append(bnd)
            self._k += 1
        jobs = []
        bnd_arr = np.array(bnds, dtype=np.intp)
        starts = bnd_arr - n0  # window start in cat_* (cat_* begins n_win samples before n0)
        # relative EMG and slow power, in stream order (state carried frame by frame; .reference)
        ks = np.arange(self._k - len(bnds), self._k)
        rel = self._reference.update(x, starts, ks)
        rel_emg, rel_slow = rel[:, 0], rel[:, 1]
        for s in range(0, len(bnds), _MAX_BATCH):
            sl = slice(s, s + _MAX_BATCH)
            jobs.append((bnd_arr[sl], starts[sl], cat_xr, cat_b, cat_h, rel_emg[sl], rel_slow[sl]))
        return jobs

    def _quality_labels(
        self, codes: np.ndarray
    ) -> tuple[tuple[str, ...], np.ndarray, tuple[str, ...], tuple[str, ...]]:
        """(reasons, clean mask, bad channel names, artifact labels) for one frame's codes."""
        key = codes.tobytes()
        hit = self._label_cache.get(key)
        if hit is None:
            names = self.ch_names
            reasons = tuple(REASONS[c] for c in codes)
            clean, gated = frame_gate(
                codes, self._region_index, self.cfg.gate_share, self.cfg.region_gate_channels
            )
            bad = tuple(n for n, r in zip(names, reasons, strict=True) if r != "ok")
            art: tuple[str, ...] = ()
            if gated:
                art = tuple(
                    f"{r}:{n}" for n, r in zip(names, reasons, strict=True) if r in ARTIFACT_REASONS
                )
            if len(self._label_cache) > 256:
                self._label_cache.clear()
            hit = self._label_cache[key] = (reasons, clean, bad, art)
        return hit

    def _stage1(
        self,
        bnds: np.ndarray,
        starts: np.ndarray,
        cat_xr: np.ndarray,
        cat_b: np.ndarray,
        cat_h: np.ndarray,
        rel_emg: np.ndarray,
        rel_slow: np.ndarray,
        cached: bool = False,
    ) -> _Stage1:
        """Per-window quantities of the windows ``cat_*[:, s:s + n_win]``, ``s`` in ``starts``.

        Computed for all frames at once (arrays with a leading frame axis; frames sharing a
        clean-channel set are processed together). Touches no state that stage 2 uses (only
        the label, region and harmonic-basis caches), so it may run in a worker thread;
        ``cached=True`` (calling thread only) also reuses and updates the Welch segment cache.
        ``cat_xr`` holds the filtered rows, then the raw ones.
        """
        cfg = self.cfg
        n_fr = len(bnds)
        n_win = self.n_win
        # ---- stage 1: per-window quantities, whole batch
        n_ch = self.n_ch
        cat_x, cat_raw = cat_xr[:n_ch], cat_xr[n_ch:]  # C-contiguous row blocks (views)
        raw_w = frame_windows(cat_raw, starts, n_win, copy=False)  # reductions only
        x_w = frame_windows(cat_x, starts, n_win)
        n_h, grid = self.n_harmony, self._grid
        # the long window of frame i ends at the last grid point at or before bnds[i]
        end_h = (bnds // grid) * grid
        starts_h = starts - (bnds - end_h) + grid  # its first sample in cat_h
        origin = int(bnds[0]) - n_win - int(starts[0])
        if cached:  # stream position of cat_*[:, 0]: window i spans [bnds[i] - n_win, bnds[i])
            psd_xr = self.welch.batch(cat_xr, starts, self._seg_cache, origin)
        else:
            psd_xr = self.welch.batch(cat_xr, starts)
        # each row's spectrum is computed on its own: splitting gives the same numbers
        psd, raw_psd = _c(psd_xr[:, :n_ch]), _c(psd_xr[:, n_ch:])
        psd_recent = None
        if self._recent:  # the same segments (cache entries live), fewer of them averaged
            if cached:
                psd_recent = _c(self.welch.batch(
                    cat_xr, starts, self._seg_cache, origin, last=self._recent)[:, :n_ch])
            else:
                psd_recent = self.welch.batch(cat_x, starts, last=self._recent)
        codes, swing = self._bquality.codes_and_deflection(
            raw_w, x_w, psd, raw_psd, self.mains_hz, self._chain.notched)
        codes[(codes == 0) & rel_emg] = _EMG_CODE  # muscle relative to the channel's own past
        # horizontal eye movements: a mirror pair swinging in opposite directions (the blink
        # check sees each side's slow swing alone; opposite polarity makes it gaze, not blink)
        codes[self._gaze.flags(x_w, (codes == 0) | (codes == _BLINK_CODE))] = _GAZE_CODE
        # a "blink" on an AF or F electrode far larger than on the frontopolar ones is the
        # electrode's own swing, not the eyes': left out as amplitude, not used as the EOG
        codes[self._ocular.not_ocular(swing, codes, _BLINK_CODE, _GAZE_CODE,
                                      (codes == 0) | _IS_EYE[codes])] = _AMPLITUDE_CODE
        # ...and the blink component of the channels it reaches, to subtract (EOG regression)
        eye = _IS_EYE[codes]
        eye_fix: list = [None] * n_fr
        # slow power far above the channel's own past, in frames without eye artifacts (their
        # slow activity is the blink's, removed below): movement, a loosening electrode, sweat
        slow_hit = (codes == 0) & rel_slow & ~eye.any(axis=1, keepdims=True)
        codes[slow_hit] = _AMPLITUDE_CODE
        for f in np.flatnonzero(eye.any(axis=1)):
            eye_fix[f] = self._eog.fit(x_w[f], eye[f], codes[f] == 0)
        per_ch = self._per_channel(psd, x_w)  # (F, C, n_bands + 3)
        band_power = _c(per_ch[..., : len(BANDS)])  # (F, C, n_bands), dB
        labels = [self._quality_labels(codes[i]) for i in range(n_fr)]
        # one slow wave on every electrode that works (artifacted ones included: a sway also
        # trips each channel's own slow-power check)
        cm_ratio, cm_rms = common_mode_slow_wave(x_w, ~_IS_BAD[codes], self.sfreq)
        cm_hit = (cm_ratio >= self.cfg.common_mode_ratio) & (cm_rms > self.cfg.common_mode_uv)
        for i in np.flatnonzero(cm_hit):
            reasons, clean, bad, art = labels[i]
            labels[i] = (reasons, clean, bad, (*art, f"{_COMMON_MODE}:all"))
        # after common mode: a frame it gates is not one gated by blinks alone
        sleep_waves = self._sleep_waves(codes, labels, psd, per_ch)
        groups: dict[bytes, list[int]] = {}
        for i, lab in enumerate(labels):
            groups.setdefault(lab[1].tobytes(), []).append(i)

        bands = np.full((n_fr, len(BANDS)), math.nan)
        names = (*_WINDOW_SCALARS, *_STREAM_INPUTS)
        sc = dict(zip(names, np.full((len(names), n_fr), math.nan), strict=True))  # row views
        energy_db, s_ent, lzc = sc["energy_db"], sc["spectral_entropy"], sc["lempel_ziv"]
        sync, kur = sc["synchrony_window"], sc["kuramoto"]
        low, hent = sc["spatial_low_share"], sc["spatial_mode_entropy"]
        band_cdns = np.full((n_fr, len(self.harmony.bands), 3), math.nan)
        ch_per = np.full((n_fr, n_ch), math.nan)
        ch_recent = None if psd_recent is None else np.full((n_fr, n_ch), math.nan)
        ch_exp = np.full((n_fr, n_ch), math.nan)
        plv_of: list[np.ndarray | None] = [None] * n_fr
        sums_of: list[tuple[np.ndarray, np.ndarray] | None] = [None] * n_fr
        mp_of: list[np.ndarray | None] = [None] * n_fr
        rebuilt_of: list[np.ndarray | None] = [None] * n_fr
        ch_rb = np.full((n_fr, 2, n_ch), math.nan)
        # frames whose window end passed a residual grid point (from the stream position
        # alone: the same frames whatever the batching)
        g_rb, h_rb = self._rebuild_grid, int(math.ceil(self._hop))
        rb_sampled = (bnds // g_rb) != ((bnds - h_rb) // g_rb)
        reg_of: list[tuple[str, ...]] = [()] * n_fr
        interp_of: list[tuple[str, ...]] = [()] * n_fr
        note_of: list[tuple[str, ...]] = [()] * n_fr
        for members in groups.values():
            gi = np.array(members, dtype=np.intp)
            clean = labels[members[0]][1]
            if not clean.any():
                continue
            # left-out electrodes rebuilt from the clean ones (one channel set all session)
            targets, sources, interp = self._interp.plan(clean)
            use = clean.copy()
            x_g, psd_g, pc_g, pr_g = x_w, psd, per_ch, psd_recent
            b_g = None
            fix = [k for k, i in enumerate(members) if eye_fix[i] is not None]
            if interp is not None or fix:
                x_g = _c(x_w[gi])
                b_g = frame_windows(cat_b, starts[gi] + n_win, n_win)
                psd_g = _c(psd[gi])
                pr_g = None if psd_recent is None else _c(psd_recent[gi])
                pc_g = _c(per_ch[gi])
                changed = np.zeros((len(gi), n_ch), dtype=bool)
                for k in fix:  # blink component out of the channels it reaches
                    rows_f, beta, v = eye_fix[members[k]]
                    vb = b_g[k, eye[members[k]]]  # the EOG channels in the integration band
                    x_g[k, rows_f] -= beta[:, None] * v[None, :]
                    b_g[k, rows_f] -= beta[:, None] * vb.mean(axis=0)[None, :]
                    changed[k, rows_f] = True
                if interp is not None:  # left-out electrodes rebuilt from the clean ones
                    use[targets] = True
                    x_g[:, targets] = np.matmul(interp, _c(x_g[:, sources]))
                    b_g[:, targets] = np.matmul(interp, _c(b_g[:, sources]))
                    changed[:, targets] = True
                # spectra of the changed rows, a whole frame at a time: the same array shapes
                # live and offline, so the same numbers
                for k in np.flatnonzero(changed.any(axis=1)):
                    cc = changed[k]
                    psd_k = self.welch(x_g[k])  # (n_ch, n_freqs)
                    psd_g[k, cc] = psd_k[cc]
                    if pr_g is not None:
                        n_r = self._welch_recent.n_window
                        pr_g[k, cc] = self._welch_recent(_c(x_g[k][:, -n_r:]))[cc]
                    pc_g[k, cc] = self._per_channel(psd_k[None], x_g[k][None])[0, cc]
                rows = np.arange(len(gi))
            else:
                rows = gi
            ui = np.flatnonzero(use)
            means = _c(pc_g[np.ix_(rows, ui)].transpose(0, 2, 1)).mean(axis=-1)  # (G, n_feat)
            bands[gi] = means[:, : len(BANDS)]
            energy_db[gi] = 10.0 * np.log10(means[:, -3])
            s_ent[gi] = means[:, -2]
            lzc[gi] = means[:, -1]

            # periodic vs aperiodic (.aperiodic) and drowsiness, per measured channel: a channel
            # rebuilt by interpolation is a spatial estimate whose spectrum is not its own, and
            # each channel is later referred to its own baseline, so only measured ones count
            mi = np.flatnonzero(clean)
            ix_m, gix_m = np.ix_(rows, mi), np.ix_(gi, mi)
            psd_u = _c(psd_g[ix_m])  # (G, n_clean, n_freqs)
            off, expo = self._aperiodic.fit(psd_u)
            per = self._aperiodic.periodic_db(psd_u, off, expo)
            ch_per[gix_m] = per
            if ch_recent is not None:  # recent power over the window's own aperiodic floor
                ch_recent[gix_m] = self._aperiodic.periodic_db(_c(pr_g[ix_m]), off, expo)
            ch_exp[gix_m] = expo
            sc["aperiodic_offset"][gi] = _median_rows(off)
            med_exp = _median_rows(expo)
            sc["aperiodic_exponent"][gi] = med_exp
            sc["periodic_db"][gi] = per.mean(axis=1)
            slow = _median_rows(slowing(pc_g[ix_m][..., : len(BANDS)]))
            sc["drowsiness_window"][gi] = window_drowsiness(med_exp, slow)

            # harmony (.harmony): peaks of the long window's spectrum (mean over the measured
            # channels); early frames use the longest layout that lies within the stream. The
            # long window moves on a grid (every 0.5 s by default), so successive frames share
            # it: each distinct long window is measured once (:meth:`_harmony_windows`)
            # layout k serves long windows ending in [n_k, n_{k+1}) (-1: none yet)
            lay = np.searchsorted(self._layout_len, end_h[gi], side="right") - 1
            if gi.size == 1:  # a live frame: its one layout
                by_layout = [(int(lay[0]), gi)] if lay[0] >= 0 else []
            else:
                by_layout = [(k, gi[lay == k]) for k in range(len(self._harmonies))]
            for k, fr in by_layout:
                if not fr.size:
                    continue
                hs, hb = self._harmony_windows(
                    k, mi, end_h[fr], starts_h[fr], cat_h, origin - (n_h + grid - n_win), cached
                )
                for j, name in enumerate(_HARMONY_SCALARS):
                    sc[name][fr] = hs[:, j]
                band_cdns[fr] = hb

            # regions: mean of the channels in use
            reg_names, reg_w = self._region_weights(use)
            if len(reg_names) < 2:
                why = (f"synchrony, plv, metastability empty: {len(reg_names)} region(s) with "
                       "usable channels, 2 needed",)
                for i in members:
                    note_of[i] = why
            else:
                if b_g is None:
                    b_g = frame_windows(cat_b, starts[gi] + n_win, n_win)
                z = analytic(np.matmul(reg_w, b_g))
                # the window before, same channels and weights (rebuilt ones rebuilt alike)
                b_p = frame_windows(cat_b, starts[gi], n_win)
                if interp is not None:
                    b_p[:, targets] = np.matmul(interp, _c(b_p[:, sources]))
                sb = synchrony_batch(z, self.n_eff, analytic(np.matmul(reg_w, b_p)))
                plv = debias_plv(sb.plv, self.n_eff)
                iu, ju = triu_pairs(len(reg_names))
                sc["plv_window"][gi] = _c(plv[:, iu, ju]).mean(axis=-1)
                sync[gi] = sb.wpli2.mean(axis=-1)
                kur[gi] = sb.kuramoto
                sc["kuramoto_surrogate"][gi] = sb.kuramoto_surrogate
                early = bnds[gi] < 2 * n_win  # no window before the stream's first two
                plv.setflags(write=False)  # frames share views of them
                for k, i in enumerate(members):
                    plv_of[i] = plv[k]
                    sums_of[i] = (sb.sums[k], None if early[k] else sb.sums_surrogate[k])
                    reg_of[i] = reg_names

            # spatial harmonics
            sel, evecs = self.spatial_modes.basis(use)
            if evecs.size:
                if sel.size == self.n_ch and len(x_g) == len(gi):  # all of the group's windows
                    xs = x_g
                else:
                    xs = _c(x_g[np.ix_(rows, sel)])
                courses = mode_courses(xs, evecs)  # (G, n_modes, n_win)
                mp = power_of_courses(courses)
                mp.setflags(write=False)  # frames share views of it
                low[gi] = low_share_batch(mp, cfg.low_modes)
                hent[gi] = mode_entropy_batch(mp)
                for k, i in enumerate(members):
                    mp_of[i] = mp[k]
                if interp is not None:  # stage 2 takes their effect back
                    for i in members:
                        rebuilt_of[i] = targets
                # what rebuilding each clean electrode would do (.rebuilt_power), one frame at
                # a time (the same array shapes live and offline)
                samp = np.flatnonzero(rb_sampled[gi])
                src, loo = self._interp.leave_one_out(clean) if samp.size else (None, None)
                if loo is not None:
                    ps = np.searchsorted(sel, src)  # clean channels are in the basis
                    for k in samp:
                        eps = loo @ _c(x_g[rows[k]][src])
                        ch_rb[gi[k]][:, src] = np.vstack(rebuild_effect(
                            mp[k], courses[k], eps, evecs[ps], cfg.low_modes))

            if interp is not None:
                rebuilt = tuple(self.ch_names[t] for t in targets)
                for i in members:
                    interp_of[i] = rebuilt

        ch_per.setflags(write=False)  # frames share views of them
        ch_exp.setflags(write=False)
        return _Stage1(
            labels, band_power, psd, bands, sc, plv_of, sums_of, reg_of, mp_of, interp_of,
            note_of, ch_per, ch_exp, ch_recent, band_cdns, sleep_waves, ch_rb, rebuilt_of,
            eye.any(axis=1), np.where(eye, swing, 0.0).max(axis=1, initial=0.0),
        )

    def _harmony_windows(
        self,
        layout: int,
        measured: np.ndarray,
        ends: np.ndarray,
        starts_h: np.ndarray,
        cat_h: np.ndarray,
        origin_h: int,
        cached: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Harmony measures of frames whose long windows end at ``ends``, each distinct long
        window measured once.

        The long window ends on a grid (:attr:`_grid` samples), so the frames of one grid step
        (five with a 0.1-s hop and 0.5-s grid) share it and its spectrum; each distinct window
        is transformed, averaged over the ``measured`` channels and passed to
        :meth:`.harmony.Harmony.frames` once, and its values are given to each frame that
        shares it. With ``cached`` (live pushes, calling thread) the values of the latest
        windows are also kept across pushes. Every spectrum is computed row by row, so the
        numbers are those of measuring each frame on its own, bit for bit.

        Parameters
        ----------
        layout : int
            Index into :attr:`_harmonies` (the long window, or a shorter early layout).
        measured : ndarray of int, shape (n_measured,)
            Channels averaged into the spectrum.
        ends : ndarray of int, shape (n_frames,), ascending
            Stream sample at which each frame's long window ends.
        starts_h : ndarray of int, shape (n_frames,)
            First sample of each frame's full long window in ``cat_h``.
        cat_h : ndarray, shape (n_channels, n_samples)
            Filtered signal holding the long windows, uV.
        origin_h : int
            Stream position of ``cat_h[:, 0]`` (the segment cache's key).
        cached : bool
            Use and update the segment cache and the values of earlier pushes.

        Returns
        -------
        scalars : ndarray, shape (n_frames, len(_HARMONY_SCALARS))
        band_cdns : ndarray, shape (n_frames, n_bands, 3)
        """
        n_k, harm = self._harmonies[layout]
        n_h = self.n_harmony
        if ends.size == 1:  # a live frame
            uniq, first, inv = ends, np.zeros(1, dtype=np.intp), np.zeros(1, dtype=np.intp)
        else:
            uniq, first, inv = np.unique(ends, return_index=True, return_inverse=True)
        mkey = measured.tobytes()
        memo = self._harmony_memo
        n_u = uniq.size
        scal = np.empty((n_u, len(_HARMONY_SCALARS)))
        band = np.empty((n_u, len(harm.bands), 3))
        todo = []
        for u in range(n_u):
            hit = memo.get((layout, mkey, int(uniq[u]))) if cached else None
            if hit is None:
                todo.append(u)
            else:
                scal[u], band[u] = hit
        if todo:
            st = starts_h[first[todo]] + (n_h - n_k)  # the last n_k samples of the long window
            if cached and n_k == n_h:
                ps = harm.welch.batch(cat_h, st, self._harmony_cache, origin_h)
            else:
                ps = harm.welch.batch(cat_h, st)
            spec = _c(ps[:, measured].transpose(0, 2, 1)).mean(axis=-1)
            hv = harm.frames(spec)
            for j, name in enumerate(_HARMONY_SCALARS):
                scal[todo, j] = hv[name]
            band[todo] = hv["band_cdns"]
            if cached:
                for u in todo:
                    memo[(layout, mkey, int(uniq[u]))] = (scal[u].copy(), band[u].copy())
        if cached and len(memo) > 1:  # later frames end at or after the latest end
            last = int(uniq[-1])
            for key in [key for key in memo if key[2] < last]:
                del memo[key]
        if n_u == ends.size:  # one frame per window (every frame live)
            return scal, band
        return scal[inv], band[inv]

    def _sleep_waves(
        self, codes: np.ndarray, labels: list[tuple], psd: np.ndarray, per_ch: np.ndarray
    ) -> np.ndarray:
        """Frames gated by frontal ``blink`` codes alone whose other channels read asleep.

        An eye blink is a large slow frontal deflection, and so are the slow waves and
        K-complexes of sleep: largest over the forehead, 75 uV and more. Where a montage has
        few frontal electrodes (a sleep lab's Fpz-Cz beside Pz-Oz), they pass the blink check
        and gate the frame. People asleep do not blink, and the channels away from the eyes
        tell the two apart: a frame counts here when every artifact that gates it is a blink
        and the window drowsiness (:func:`.drowsiness.window_drowsiness`) of the median
        exponent and slowing over the non-frontal channels without a problem is at or above
        ``drowsy_threshold``. Stage 2 lifts the gate of such a frame only while the smoothed
        drowsiness already reads drowsy, so no frame that can give feedback is affected (a
        drowsy frame gives none). The frontal channels stay left out of the frame's measures.

        Parameters
        ----------
        codes : ndarray of int8, shape (n_frames, n_channels)
            Reason codes of the quality checks.
        labels : list of tuple
            :meth:`_quality_labels` of each frame.
        psd : ndarray, shape (n_frames, n_channels, n_freqs)
            Welch PSD of the filtered windows, uV^2/Hz.
        per_ch : ndarray, shape (n_frames, n_channels, n_bands + 3)
            :meth:`_per_channel` of the same windows (band powers in dB first).

        Returns
        -------
        ndarray of bool, shape (n_frames,)
        """
        out = np.zeros(len(labels), dtype=bool)
        away = np.flatnonzero(~self._bquality.frontal)
        if not away.size:  # a frontal-only headset: nothing to tell blinks from slow waves
            return out
        frames = np.array([i for i, lab in enumerate(labels) if lab[3] and all(
            a.startswith(_BLINK_LABEL) for a in lab[3])], dtype=np.intp)
        if not frames.size:
            return out
        ok = codes[np.ix_(frames, away)] == 0  # (F_b, n_away)
        _, expo = self._aperiodic.fit(_c(psd[np.ix_(frames, away)]))
        slow = slowing(per_ch[np.ix_(frames, away)][..., : len(BANDS)])
        med_exp = np.full(frames.size, math.nan)  # NaN (not asleep): no usable channel
        med_slow = np.full(frames.size, math.nan)
        for k in np.flatnonzero(ok.any(axis=1)):
            med_exp[k] = np.median(expo[k, ok[k]])
            med_slow[k] = np.median(slow[k, ok[k]])
        out[frames] = window_drowsiness(med_exp, med_slow) >= self.cfg.drowsy_threshold
        return out

    def _per_channel(self, psd: np.ndarray, x_w: np.ndarray) -> np.ndarray:
        """What is averaged over the channels in use, per frame and channel.

        Parameters
        ----------
        psd : ndarray, shape (n_frames, n_channels, n_freqs)
            Welch PSD, uV^2/Hz.
        x_w : ndarray, shape (n_frames, n_channels, n_window)
            The same windows in time, uV.

        Returns
        -------
        ndarray, shape (n_frames, n_channels, n_bands + 3)
            Band powers (dB, :data:`BANDS` order), broadband power (uV^2), spectral entropy
            and Lempel-Ziv complexity.
        """
        out = spectral_stats(psd, self._band_masks, self._broad, self.welch.df, extra=1)
        out[..., -1] = lempel_ziv_decimated(x_w, self._lz_q)
        return out

    def _stage2(self, bnds: np.ndarray, r: _Stage1) -> list[FeatureFrame]:
        """The frames of one stage-1 batch, walked in time order for what carries state
        (synchrony smoothing, metastability, baseline, estimator, scores)."""
        labels, band_power, psd, bands = r.labels, r.band_power, r.psd, r.bands
        # frames get read-only views of this batch's fresh arrays (no per-frame copies)
        band_power.setflags(write=False)
        psd.setflags(write=False)
        sc, plv_of, reg_of, mp_of = r.scalars, r.plv_of, r.reg_of, r.mp_of
        sync = sc["synchrony_window"]
        freqs = self.welch.freqs
        out = []
        for i in range(len(bnds)):
            reasons, clean, bad, art = labels[i]
            if art and r.sleep_waves[i] and self._drowsy.value >= self.cfg.drowsy_threshold:
                art = ()  # asleep: frontal slow waves, not blinks (the channels stay left out)
            fb_analytic = self._analytic_frame(int(bnds[i]), clean, bool(art))
            frame = FeatureFrame(
                time_s=float(bnds[i]) / self.sfreq,
                bad_channels=bad,
                band_power=band_power[i],
                channel_quality=reasons,
                freqs=freqs,
                psd=psd[i],
            )
            # the causal high-pass rings on after a blink has left the window, unflagged (its
            # raw deflection is gone): those frames count as eye frames too (.eyes.ringdown_s)
            if r.eye_artifact[i]:
                self._eye_until_s = max(self._eye_until_s, frame.time_s + ringdown_s(
                    float(r.eye_deflection[i]), self._chain.ringdown_tau_s, self.cfg.ringdown_uv))
            frame.eye_artifact = frame.time_s <= self._eye_until_s
            out.append(frame)
            if not clean.any():
                frame.artifact = True
                frame.artifact_reasons = art or (_NO_USABLE,)
                self._finish(frame, {})
                continue
            frame.artifact = bool(art)
            frame.artifact_reasons = art
            frame.interpolated = r.interp_of[i]
            frame.notes = r.note_of[i]
            frame.bands = dict(zip(BANDS, bands[i].tolist(), strict=True))
            for name in _WINDOW_SCALARS:  # NaN where stage 1 could not compute them
                setattr(frame, name, float(sc[name][i]))
            effect = r.rebuild_effect[i]
            if not np.isnan(effect).all():
                self._rebuild.update(effect)
            if r.rebuilt_of[i] is not None and math.isfinite(frame.spatial_low_share):
                # what rebuilding its left-out electrodes did, taken back (.rebuilt_power)
                frame.spatial_low_share, frame.spatial_mode_entropy = self._rebuild.corrected(
                    frame.spatial_low_share, frame.spatial_mode_entropy, r.rebuilt_of[i])
            t, art = frame.time_s, frame.artifact
            if art:
                self._last_artifact_s = t
            if t - self._last_artifact_s < self.cfg.harmony_window_s:
                # an artifact frame's window overlaps the long window: no harmony measures
                for name in _HARMONY_SCALARS:
                    setattr(frame, name, math.nan)
            else:
                frame.band_cdns = r.band_cdns[i]
            surrogate = feedback = math.nan
            if plv_of[i] is not None:
                regions = frame.regions = reg_of[i]
                frame.plv_matrix = plv_of[i]
                sums, sums_sur = r.sums_of[i]
                pairs = self._sync_pool.update(t, regions, None if art else sums)
                frame.sync_matrix = _pair_matrix(pairs, len(regions))
                frame.synchrony = float(pairs.mean()) if pairs.size else math.nan
                if fb_analytic is not None:
                    feedback = fb_analytic
                elif self._feedback_pool is not None:
                    fb = self._feedback_pool.update(t, regions, None if art else sums)
                    feedback = float(fb.mean()) if fb.size else math.nan
                else:
                    feedback = frame.synchrony
                feedback = self._feedback_smoother.update(t, feedback, art)
                frame.plv = self._plv_smoother.update(t, float(sc["plv_window"][i]), art)
                sur = self._surrogate_pool.update(t, regions, None if art else sums_sur)
                surrogate = float(sur.mean()) if sur.size and sums_sur is not None else math.nan
            # metastability as an excess over the time-shift surrogates' (chance reads 0)
            meta = self.metastability.update(t, frame.kuramoto if not art else math.nan)
            meta_null = self._metastability_null.update(
                t, float(sc["kuramoto_surrogate"][i]) if not art else math.nan
            )
            frame.metastability = meta - meta_null
            if mp_of[i] is not None:
                frame.mode_power = mp_of[i]
            frame.channel_periodic_db = r.ch_periodic[i]
            frame.channel_exponent = r.ch_exponent[i]
            frame.drowsiness = self._drowsy.update(float(sc["drowsiness_window"][i]), frame.artifact)
            values = {
                "synchrony": frame.synchrony,
                # the integration score's synchrony (shorter pool, own smoothing)
                "synchrony_feedback": feedback,
                # the estimator smooths its own inputs: it gets the per-window value's z-score
                "synchrony_window": float(sync[i]),
                # the chance level: the surrogates' smoothed synchrony over the baseline
                "synchrony_surrogate": surrogate,
                "spatial_low_share": frame.spatial_low_share,
                "consonance": frame.consonance,
            }
            recent = None if r.ch_periodic_recent is None else r.ch_periodic_recent[i]
            self._finish(frame, values, recent)
        return out

    def _analytic_frame(self, end: int, clean: np.ndarray, artifact: bool) -> float | None:
        """The per-sample synchrony's value at stream sample ``end`` (mean over pairs; NaN with
        fewer than 2 clean regions), or None when that path is off. Artifact frames' samples
        enter with weight 0."""
        if self._analytic is None:
            return None
        names, w = self._region_weights(clean)
        ok = len(names) >= 2
        pairs, _ = self._analytic.frame(end, names if ok else None, w if ok else None,
                                        not artifact)
        return float(pairs.mean()) if pairs.size else math.nan

    def _finish(
        self, frame: FeatureFrame, values: dict[str, float], recent: np.ndarray | None = None
    ) -> None:
        """Baseline, z-scores, estimator and scores (also for frames without clean channels).

        ``recent``: per-channel periodic_db of the window's last ``meditation_segments``
        segments, shape (n_channels,), when configured (the meditation score's energy)."""
        cfg = self.cfg
        bl = self.baseline
        per_ch = {"periodic_db": frame.channel_periodic_db,
                  "aperiodic_exponent": frame.channel_exponent} if values else None
        if per_ch is not None and recent is not None:
            per_ch["periodic_recent_db"] = recent
        was_complete = bl.complete
        bl.update(frame.time_s, values, frame.artifact, per_ch)
        if bl.complete and not was_complete:
            if bl.extended:
                log.warning("the baseline block %g-%g s held fewer than %d clean frames: it took "
                            "the clean frames after it and was completed at %.1f s (z-scores "
                            "and feedback start there)", bl.start_s, bl.end_s, bl.min_frames,
                            bl.completed_s)
            # the estimator learns how far this head wanders
            zt = bl.z_table(("periodic_db", "aperiodic_exponent", "synchrony_window"))
            zt[:, 1] *= -1.0  # temperature is the exponent's flattening
            self.estimator.set_input_scale(zt)
        frame.baseline_complete = bl.complete
        frame.synchrony_chance = bl.upper("synchrony_surrogate")
        if per_ch is not None:
            frame.energy = bl.z_channels("periodic_db", frame.channel_periodic_db)
            # flatter exponent = hotter
            frame.temperature = -bl.z_channels("aperiodic_exponent", frame.channel_exponent)
        if not math.isfinite(frame.drowsiness):  # no clean frame yet, or none at all
            frame.drowsiness = self._drowsy.value
        drowsy = frame.drowsiness >= cfg.drowsy_threshold
        hold = frame.drowsiness >= cfg.drowsy_hold  # on the way to sleep: no cycle evidence
        # the estimator reports "drowsy" from ``hold`` on: the phase it held there was a guess
        # made before the drift into sleep, not the state now (frame.phase is the flag the
        # status line, the window and the report read)
        sync_z = bl.z("synchrony_feedback", values.get("synchrony_feedback", math.nan))
        sync_window_z = bl.z("synchrony_window", values.get("synchrony_window", math.nan))
        low_z = bl.z("spatial_low_share", frame.spatial_low_share)
        cons_z = bl.z("consonance", frame.consonance)
        if math.isfinite(cons_z):  # undefined consonance leaves the score to synchrony alone
            cons_z = self._consonance_smoother.update(frame.time_s, cons_z, frame.artifact)
        st = self.estimator.update(
            frame.time_s, frame.energy, frame.temperature, sync_window_z,
            frame.artifact, bl.complete, hold,
        )
        frame.phase = st.phase
        frame.phase_confidence = float(st.confidence)
        frame.estimator_in_range = bool(st.in_range)
        frame.cycle_count = int(st.cycle_count)
        ok = bl.complete and not frame.artifact
        energy_score = frame.energy
        if self._recent:  # the window's most recent segments (NaN without clean channels)
            energy_score = (bl.z_channels("periodic_recent_db", recent)
                            if per_ch is not None and recent is not None else math.nan)
        # on the way to sleep (drowsy_hold .. drowsy_threshold) both scores fade to 0
        awake = wakefulness(frame.drowsiness, cfg.drowsy_hold, cfg.drowsy_threshold)
        # a blink or eye movement handled without gating (regressed out, its electrodes
        # rebuilt) still raises energy and the low-mode share on real heads: no meditation
        # reward in such a frame (scores.withheld)
        eyes = withheld("meditation", False, frame.eye_artifact)
        frame.meditation_score = awake * meditation_score(
            energy_score, low_z, cfg.score_gain, cfg.score_offset, ok and not drowsy and not eyes
        )
        frame.alpha_theta_share = alpha_theta_share(frame.bands)
        frame.integration_score = awake * integration_score(
            sync_z, cons_z, cfg.score_gain, cfg.score_offset, ok and not drowsy
        )


def _pair_matrix(pairs: np.ndarray, n: int) -> np.ndarray:
    """Symmetric (n, n) matrix of per-pair values in :func:`.synchrony.triu_pairs` order,
    diagonal 0 (NaN-filled when the pair count does not match ``n``)."""
    if pairs.size != n * (n - 1) // 2:
        return np.full((n, n), math.nan)
    # built as a list: no NumPy fancy-index assignment, which releases the GIL, and in offline
    # analysis (stage 2 here, stage 1 in worker threads) every release waits for a worker to
    # hand the GIL back (about 0.5 ms a frame)
    flat = [0.0] * (n * n)
    for v, (i, j) in zip(pairs.tolist(), _pair_slots(n), strict=True):
        flat[i] = flat[j] = v
    return np.array(flat).reshape(n, n)


@functools.lru_cache(maxsize=32)
def _pair_slots(n: int) -> tuple[tuple[int, int], ...]:
    """Flat positions ``(i n + j, j n + i)`` in an (n, n) matrix of each pair of
    :func:`.synchrony.triu_pairs` ``(i, j)``."""
    iu, ju = triu_pairs(n)
    return tuple((i * n + j, j * n + i) for i, j in zip(iu.tolist(), ju.tolist(), strict=True))


def _median_rows(a: np.ndarray) -> np.ndarray:
    """Median of each row of ``a`` (shape (n_rows, n), n >= 1), NaN if a row holds one: the
    same numbers as ``np.median(a, axis=1)`` with less overhead for the small arrays of a live
    frame."""
    s = np.sort(a, axis=1)
    n = s.shape[1]
    mid = (s[:, (n - 1) // 2] + s[:, n // 2]) * 0.5
    return np.where(np.isnan(s[:, -1]), np.nan, mid)


def _c(a: np.ndarray) -> np.ndarray:
    """C-contiguous copy (or ``a`` itself): NumPy lays out fancy-indexing results in orders
    that depend on the batch size, and reductions over non-contiguous axes sum in a different
    order; contiguous rows keep every frame's arithmetic independent of its batch."""
    return np.ascontiguousarray(a)


def run_pipeline(
    data: np.ndarray,
    sfreq: float,
    ch_names: list[str],
    config: PipelineConfig | None = None,
    rail_uv: float | None = None,
) -> list[FeatureFrame]:
    """Run a fresh :class:`Pipeline` over a whole recording.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        EEG in uV.
    sfreq : float
        Hz.
    ch_names : list of str
    config : PipelineConfig or None
    rail_uv : float or None

    Returns
    -------
    list of FeatureFrame
        One per hop from the first full window on.
    """
    return Pipeline(sfreq, ch_names, config, rail_uv).push(data)
