"""The feature frame: everything the pipeline says about one 0.1-s hop.

This is the contract between the pipeline (producer) and the recorder, the GUI, the protocol
engine and the report (consumers). ``FEATURE_COLUMNS`` is the exact column order of
``features.csv``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 45.0),
}

PHASES: tuple[str, ...] = (
    "baseline",
    "heating",
    "disintegration",
    "search",
    "annealing",
    "integrated",
)

FEATURE_COLUMNS: tuple[str, ...] = (
    "time_s",
    "energy",
    "energy_db",
    "temperature",
    "synchrony",
    "wpli",
    "metastability",
    "harmonic_low_share",
    "harmonic_entropy",
    "consonance",
    "golden_mean_index",
    "phase",
    "meditation_score",
    "integration_score",
    "artifact",
    "bad_channels",
    *BANDS,
)


@dataclass
class FeatureFrame:
    """One frame of features, computed from the window that ends at ``time_s``.

    Scalars are NaN when they cannot be computed (e.g. z-scores before the baseline is complete,
    region metrics with fewer than two clean regions).

    Attributes
    ----------
    time_s : float
        Time of the window's last sample, seconds since the stream's first sample.
    energy : float
        z-scored log broadband power of clean channels against the baseline block.
    energy_db : float
        Mean broadband power of clean channels, dB re 1 uV^2.
    temperature : float
        z-scored mean of spectral entropy and Lempel-Ziv complexity against the baseline.
    synchrony : float
        Bias-corrected PLV between regions in the integration band, mean over region pairs, 0..1.
    wpli : float
        Weighted phase-lag index between regions in the integration band, mean over pairs, 0..1.
    metastability : float
        Standard deviation of the Kuramoto order parameter over the last ~10 s.
    harmonic_low_share : float
        Share of spatial power in the lowest graph-Laplacian modes, 0..1.
    harmonic_entropy : float
        Normalised Shannon entropy of power over spatial modes, 0..1.
    consonance : float
        1 - normalised Plomp-Levelt dissonance between spectral peaks, 0..1.
    golden_mean_index : float
        Proximity of peak-frequency ratios to the golden mean, 0..1 (1 = all at phi).
    phase : str
        Annealing phase, one of :data:`PHASES`.
    meditation_score, integration_score : float
        Feedback scores, 0..1, exactly 0 in artifact frames.
    artifact : bool
        True when the frame holds an artifact (blink, EMG, high amplitude) on clean channels.
    bad_channels : tuple of str
        Channels left out of every metric in this frame.
    bands : dict of str to float
        Band power in dB, mean over clean channels, keys as :data:`BANDS`.
    band_power : ndarray, shape (n_channels, n_bands)
        Per-channel band power in dB, band order as :data:`BANDS`. Like :attr:`psd`,
        :attr:`plv` and :attr:`mode_power`, a read-only view into the array of the batch of
        frames computed together (copy it to modify it).
    channel_quality : tuple of str
        Per channel: ``"ok"`` or the reason it is bad / artifacted (``railed``, ``flat``,
        ``line``, ``amplitude``, ``emg``, ``blink``).
    artifact_reasons : tuple of str
        Why the frame is flagged (empty when clean).
    regions : tuple of str
        Region names used for synchrony.
    plv : ndarray, shape (n_regions, n_regions)
        Bias-corrected PLV matrix between regions.
    mode_power : ndarray, shape (n_modes,)
        Power per spatial harmonic, lowest mode first.
    freqs : ndarray, shape (n_freqs,)
        Frequencies of :attr:`psd`, Hz.
    psd : ndarray, shape (n_channels, n_freqs)
        Power spectral density, uV^2/Hz.
    phase_confidence : float
        Confidence of the phase estimate, 0..1.
    cycle_count : int
        Completed annealing cycles so far.
    baseline_complete : bool
        False while the baseline block is still being collected.
    protocol : ProtocolSnapshot or None
        State of the protocol engine right after this frame (set by a session running a
        protocol; None otherwise).
    spectral_entropy : float
        Normalised spectral entropy (1-45 Hz), mean over clean channels, 0..1 (not z-scored).
    lempel_ziv : float
        Normalised LZ76 complexity, mean over clean channels (not z-scored).
    kuramoto : float
        Kuramoto order parameter across regions in the integration band, window mean, 0..1.
    """

    time_s: float
    energy: float = math.nan
    energy_db: float = math.nan
    temperature: float = math.nan
    synchrony: float = math.nan
    wpli: float = math.nan
    metastability: float = math.nan
    harmonic_low_share: float = math.nan
    harmonic_entropy: float = math.nan
    consonance: float = math.nan
    golden_mean_index: float = math.nan
    phase: str = "baseline"
    meditation_score: float = 0.0
    integration_score: float = 0.0
    artifact: bool = False
    bad_channels: tuple[str, ...] = ()
    bands: dict[str, float] = field(default_factory=dict)
    band_power: np.ndarray = field(default_factory=lambda: np.zeros((0, len(BANDS))))
    channel_quality: tuple[str, ...] = ()
    artifact_reasons: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    plv: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    mode_power: np.ndarray = field(default_factory=lambda: np.zeros(0))
    freqs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    psd: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    phase_confidence: float = 0.0
    cycle_count: int = 0
    baseline_complete: bool = False
    spectral_entropy: float = math.nan
    lempel_ziv: float = math.nan
    kuramoto: float = math.nan
    protocol: Any = None

    def to_row(self) -> list[object]:
        """Values in :data:`FEATURE_COLUMNS` order, ready for ``csv.writer``."""

        def num(x: float) -> str:
            return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.6g}"

        scalars = [
            num(self.time_s),
            num(self.energy),
            num(self.energy_db),
            num(self.temperature),
            num(self.synchrony),
            num(self.wpli),
            num(self.metastability),
            num(self.harmonic_low_share),
            num(self.harmonic_entropy),
            num(self.consonance),
            num(self.golden_mean_index),
            self.phase,
            num(self.meditation_score),
            num(self.integration_score),
            int(bool(self.artifact)),
            ";".join(self.bad_channels),
        ]
        return scalars + [num(self.bands.get(b, math.nan)) for b in BANDS]
