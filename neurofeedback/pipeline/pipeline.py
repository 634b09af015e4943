"""The feature pipeline: ``push(chunk) -> list[FeatureFrame]``, deterministic and causal.

Samples go through a causal filter cascade with carried state; a frame is computed whenever
the number of samples received crosses a hop boundary, from the window that ends there. The
boundaries depend only on the sample count, and every filter gives the same output however
its input is split, so pushing one sample, 25 samples or a whole file at a time gives
identical frames.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from ..errors import UsageError
from ..validation import check_positive
from . import consonance as cons
from .baseline import Baseline
from .config import PipelineConfig
from .entropy import lempel_ziv, lz_decimation, spectral_entropy
from .filters import CausalFilter, FilterChain, design_sos, detect_mains
from .frame import BANDS, FeatureFrame
from .harmonics import HarmonicBasis, low_share, mode_entropy, mode_power
from .quality import ARTIFACT_REASONS, BAD_REASONS, QualityChecker
from .regions import assign_regions, positions, region_of
from .scores import integration_score, meditation_score
from .spectra import WelchPSD, band_masks, band_power_db
from .synchrony import (
    Metastability,
    analytic,
    debias_plv,
    effective_samples,
    kuramoto_order,
    mean_offdiag,
    plv_matrix,
    wpli_matrix,
)

try:  # written in parallel by the estimator work; until then frames say "baseline"
    from .estimator import AnnealingEstimator
except ImportError:  # pragma: no cover - depends on the tree state
    AnnealingEstimator = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)

_MAX_BLOCK_S = 10.0  # long pushes are filtered in blocks of this length (memory bound)


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
        Parameters; defaults per DESIGN section 4.
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
        cfg = self.cfg
        nyq = self.sfreq / 2.0
        if cfg.integration_band[1] >= nyq or cfg.highpass_hz >= nyq:
            raise UsageError(
                f"sample rate {self.sfreq:g} Hz is too low for the integration band "
                f"{cfg.integration_band} and high-pass {cfg.highpass_hz} Hz: use a faster board"
            )
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
        self._chain: FilterChain = None  # type: ignore[assignment]  # set by _start_filters
        self.mains_hz: float | None = None
        z = np.zeros((self.n_ch, self.n_win))
        self._tail_raw, self._tail_x, self._tail_b = z, z.copy(), z.copy()

        # analysis objects, designed once
        self.welch = WelchPSD(self.sfreq, self.n_win)
        f = self.welch.freqs
        self._band_masks = band_masks(f)
        top = min(cfg.lowpass_hz, nyq)
        self._broad = (f >= cfg.highpass_hz) & (f <= top)
        self._fit_mask = self._broad & (f > 0)
        regions, index = assign_regions(self.ch_names)
        self.regions_all = regions
        self._region_index = index
        self._reg_cache: dict[bytes, tuple[tuple[str, ...], np.ndarray]] = {}
        self.positions = positions(self.ch_names)
        frontal = np.array([region_of(c) == "frontal" for c in self.ch_names])
        self.quality = QualityChecker(cfg, self.sfreq, frontal, self.rail_uv)
        sos_band = design_sos(self.sfreq, "bandpass", list(cfg.integration_band), 4)
        self._band_sos = sos_band
        self._band_filter = CausalFilter(sos_band, self.n_ch)
        self.n_eff = effective_samples(sos_band, self.sfreq, self.n_win)
        self.harmonics = HarmonicBasis(self.positions)
        self.metastability = Metastability(cfg.metastability_s)
        self.baseline = Baseline(cfg.baseline[0], cfg.baseline[1], cfg.window_s)
        self._lz_q = lz_decimation(self.sfreq)
        self.estimator = AnnealingEstimator(hop_s=cfg.hop_s) if AnnealingEstimator else None
        if self.estimator is None:
            log.warning("annealing-state estimator not available: phase stays 'baseline'")
        if cfg.notch != "auto":
            self._start_filters(cfg.notch)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ public
    def set_baseline(self, start_s: float, end_s: float) -> None:
        """Use ``[start_s, end_s]`` (stream seconds) as the baseline block from now on.

        Collected baseline statistics are discarded; frames say ``baseline_complete=False``
        until ``end_s``.
        """
        start_s, end_s = PipelineConfig._check_baseline((start_s, end_s))
        self.baseline = Baseline(start_s, end_s, self.cfg.window_s)

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
            if self._n_pending < self.n_win:
                return []
            data = np.concatenate(self._pending, axis=1)
            self._pending, self._n_pending = [], 0
            mains = detect_mains(data[:, : self.n_win], self.sfreq)
            log.info("mains frequency detected: %s", "none" if mains is None else f"{mains:g} Hz")
            self._start_filters(mains)
        frames: list[FeatureFrame] = []
        block = max(1, int(_MAX_BLOCK_S * self.sfreq))
        for s in range(0, data.shape[1], block):
            self._process(data[:, s : s + block], frames)
        return frames

    # ------------------------------------------------------------------ internals
    def _start_filters(self, mains: float | None) -> None:
        cfg = self.cfg
        self.mains_hz = mains
        self._chain = FilterChain(
            self.sfreq, self.n_ch, cfg.highpass_hz, cfg.lowpass_hz, mains, cfg.filter_order
        )

    def _region_weights(self, clean: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
        """Regions with clean channels and the (n_regions, n_channels) averaging matrix."""
        key = clean.tobytes()
        if key not in self._reg_cache:
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
            self._reg_cache[key] = (tuple(names), w)
        return self._reg_cache[key]

    def _boundary(self, k: int) -> int:
        return self.n_win + int(math.floor(k * self._hop + 0.5))

    def _process(self, raw: np.ndarray, frames: list[FeatureFrame]) -> None:
        m = raw.shape[1]
        x = self._chain.process(raw)
        b = self._band_filter.process(x)
        cat_raw = np.concatenate([self._tail_raw, raw], axis=1)
        cat_x = np.concatenate([self._tail_x, x], axis=1)
        cat_b = np.concatenate([self._tail_b, b], axis=1)
        n0 = self._n
        self._n += m
        while (bnd := self._boundary(self._k)) <= self._n:
            end = self.n_win + (bnd - n0)
            sl = slice(end - self.n_win, end)
            frames.append(self._frame(bnd, cat_raw[:, sl], cat_x[:, sl], cat_b[:, sl]))
            self._k += 1
        self._tail_raw = np.ascontiguousarray(cat_raw[:, -self.n_win :])
        self._tail_x = np.ascontiguousarray(cat_x[:, -self.n_win :])
        self._tail_b = np.ascontiguousarray(cat_b[:, -self.n_win :])

    def _frame(self, bnd: int, raw: np.ndarray, x: np.ndarray, b: np.ndarray) -> FeatureFrame:
        cfg = self.cfg
        t = bnd / self.sfreq
        freqs = self.welch.freqs
        psd = self.welch(x)
        raw_psd = self.welch(raw)
        reasons = self.quality.check(
            raw, x, psd, raw_psd, freqs, self.mains_hz, self._chain.notched
        )
        clean = np.array([r not in BAD_REASONS for r in reasons])
        bad_channels = tuple(c for c, r in zip(self.ch_names, reasons, strict=True) if r in BAD_REASONS)
        art = tuple(
            f"{r}:{c}" for c, r in zip(self.ch_names, reasons, strict=True) if r in ARTIFACT_REASONS
        )
        band_power = band_power_db(psd, self._band_masks, self.welch.df)
        frame = FeatureFrame(
            time_s=t,
            bad_channels=bad_channels,
            band_power=band_power,
            channel_quality=tuple(reasons),
            freqs=freqs,
            psd=psd,
        )
        if not clean.any():
            frame.artifact = True
            frame.artifact_reasons = ("no clean channels",)
            self._finish(frame, {})
            return frame
        frame.artifact = bool(art)
        frame.artifact_reasons = art
        frame.bands = {
            name: float(band_power[clean, i].mean()) for i, name in enumerate(BANDS)
        }
        df = self.welch.df
        broad_power = psd[clean][:, self._broad].sum(axis=1) * df
        frame.energy_db = float(10.0 * np.log10(broad_power.mean()))
        frame.spectral_entropy = float(spectral_entropy(psd[clean], self._broad).mean())
        frame.lempel_ziv = float(lempel_ziv(x[clean, :: self._lz_q]).mean())

        # regions: mean of clean channels (a weight matrix, cached per clean set)
        reg_names, reg_w = self._region_weights(clean)
        kur = math.nan
        if len(reg_names) >= 2:
            zc = analytic(reg_w @ b)
            plv = debias_plv(plv_matrix(zc), self.n_eff)
            frame.regions = reg_names
            frame.plv = plv
            frame.synchrony = mean_offdiag(plv)
            frame.wpli = mean_offdiag(wpli_matrix(zc, self.n_eff))
            kur = float(kuramoto_order(zc).mean())
            frame.kuramoto = kur
        frame.metastability = self.metastability.update(t, kur if not frame.artifact else math.nan)

        # spatial harmonics
        sel, evecs = self.harmonics.basis(clean)
        if evecs.size:
            mp = mode_power(x[sel], evecs)
            frame.mode_power = mp
            frame.harmonic_low_share = low_share(mp, cfg.low_modes)
            frame.harmonic_entropy = mode_entropy(mp)

        # consonance of peaks above the aperiodic fit, pooled over regions
        fm = self._fit_mask
        if len(reg_names):
            spectra = reg_w @ psd[:, fm]
        else:
            spectra = psd[clean][:, fm].mean(axis=0, keepdims=True)
        spectra = spectra[(spectra > 0).all(axis=1)]
        pf, pa = cons.find_peaks_above_fit(freqs[fm], spectra)
        frame.consonance = cons.consonance(pf, pa)
        frame.golden_mean_index = cons.golden_mean_index(pf, pa)

        values = {
            "energy_db": frame.energy_db,
            "spectral_entropy": frame.spectral_entropy,
            "lempel_ziv": frame.lempel_ziv,
            "synchrony": frame.synchrony,
            "harmonic_low_share": frame.harmonic_low_share,
            "consonance": frame.consonance,
        }
        self._finish(frame, values)
        return frame

    def _finish(self, frame: FeatureFrame, values: dict[str, float]) -> None:
        """Baseline, z-scores, estimator and scores (also for frames without clean channels)."""
        cfg = self.cfg
        bl = self.baseline
        bl.update(frame.time_s, values, frame.artifact)
        frame.baseline_complete = bl.complete
        frame.energy = bl.z("energy_db", frame.energy_db)
        tz = [bl.z("spectral_entropy", frame.spectral_entropy), bl.z("lempel_ziv", frame.lempel_ziv)]
        tz = [v for v in tz if math.isfinite(v)]
        frame.temperature = sum(tz) / len(tz) if tz else math.nan
        sync_z = bl.z("synchrony", frame.synchrony)
        low_z = bl.z("harmonic_low_share", frame.harmonic_low_share)
        cons_z = bl.z("consonance", frame.consonance)
        if self.estimator is not None:
            st = self.estimator.update(
                frame.time_s, frame.energy, frame.temperature, sync_z, frame.artifact, bl.complete
            )
            frame.phase = st.phase
            frame.phase_confidence = float(st.confidence)
            frame.cycle_count = int(st.cycle_count)
        ok = bl.complete and not frame.artifact
        frame.meditation_score = meditation_score(
            frame.energy, low_z, cfg.score_gain, cfg.score_offset, ok
        )
        frame.integration_score = integration_score(
            sync_z, cons_z, cfg.score_gain, cfg.score_offset, ok
        )


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
