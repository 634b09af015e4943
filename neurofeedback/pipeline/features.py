"""The feature table: every quantity the pipeline reports, declared once.

Each :class:`Feature` row says what a quantity is (name, unit, definition, what chance reads,
which stage computes it). Everything else derives from :data:`FEATURES`:

- :class:`~neurofeedback.pipeline.frame.FeatureFrame`'s fields and its docstring;
- the columns of ``features.csv`` (:data:`FEATURE_COLUMNS`, rows from :func:`feature_row`),
  written identically by live sessions and offline analysis;
- the metric table in the documentation (``docs/gen_pages.py``).

Adding a scalar quantity is one row here plus the kernel that computes it (see the
documentation's "Adding a feature" page).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Frequency bands, Hz (lower edge inclusive, upper exclusive), in column order.
BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 45.0),
}

#: Annealing phases in cycle order (``baseline`` first: no estimate yet).
PHASES: tuple[str, ...] = (
    "baseline",
    "heating",
    "disintegration",
    "search",
    "annealing",
    "integrated",
    "drowsy",
)

#: The annealing cycle's phases, in order (``baseline`` and ``drowsy`` are outside it).
CYCLE_PHASES: tuple[str, ...] = PHASES[1:-1]

#: The natural rhythms (Hz) whose oscillatory power above the aperiodic floor is the energy:
#: theta, alpha and beta (delta is left to drowsiness and sleep, gamma to muscle).
RHYTHM_BAND: tuple[float, float] = (4.0, 30.0)

_UNSET: Any = object()
KINDS = ("float", "int", "bool", "str", "list", "array", "dict", "object")
STAGES = ("window", "stream", "baseline", "estimator", "score", "protocol", "frame")


@dataclass(frozen=True)
class Feature:
    """One quantity of a feature frame.

    Attributes
    ----------
    name : str
        Attribute of :class:`FeatureFrame` and, when ``column`` is True, the ``features.csv``
        column.
    unit : str
        Unit or range ("dB re 1 uV^2", "z", "0..1", "s", "" for labels).
    kind : str
        One of :data:`KINDS`: ``float`` (NaN when it cannot be computed), ``int``, ``bool``,
        ``str``, ``list`` (tuple of str, written ``;``-joined), ``array``, ``dict``, ``object``.
    doc : str
        Definition, one or two sentences.
    stage : str
        One of :data:`STAGES`: ``window`` (per-window, stage 1), ``stream`` (causal smoothing
        over frames), ``baseline`` (z-score against the baseline block), ``estimator``,
        ``score``, ``protocol``, ``frame`` (bookkeeping).
    zscored : bool
        True for robust z-scores against the baseline block.
    null : str
        What the quantity reads on chance / no signal (empty when not applicable).
    source : str
        Literature or reference for the definition ("" when it is our own bookkeeping).
    column : bool
        Written to ``features.csv``.
    band : bool
        A band-power column: its value is ``frame.bands[name]``.
    default : object
        Value of a new frame (default by kind: NaN, 0, False, "", (), None); for ``array``
        and ``dict`` kinds a function making a fresh empty value.
    """

    name: str
    unit: str
    kind: str
    doc: str
    stage: str
    zscored: bool = False
    null: str = ""
    source: str = ""
    column: bool = True
    band: bool = False
    default: Any = _UNSET

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Feature {self.name!r}: kind must be one of {KINDS}; got {self.kind!r}")
        if self.stage not in STAGES:
            raise ValueError(f"Feature {self.name!r}: stage must be one of {STAGES}; got {self.stage!r}")


def _band_rows() -> tuple[Feature, ...]:
    return tuple(
        Feature(
            name, "dB re 1 uV^2", "float",
            f"{lo:g}-{hi:g} Hz band power (Welch PSD summed over the band), mean over clean "
            "channels.",
            "window", null="the channels' own background level", band=True,
            source="standard EEG bands",
        )
        for name, (lo, hi) in BANDS.items()
    )


#: Every quantity of a frame. Columns of ``features.csv`` appear in this order.
FEATURES: tuple[Feature, ...] = (
    Feature("time_s", "s", "float",
            "Time of the window's last sample, seconds since the stream's first sample.",
            "frame"),
    Feature("energy", "z", "float",
            "Oscillatory power of the natural rhythms (4-30 Hz) above each channel's aperiodic "
            "1/f floor (periodic_db per channel), each channel referred to its own baseline "
            "median, mean over the channels measured (in a frame with eye artifacts: not those "
            "the blink regression reached), robust z against the baseline (median/MAD).",
            "baseline", zscored=True, null="0 (the baseline's level)",
            source="Johnson 2019 (neural annealing: energy in the brain's natural "
            "resonances); Donoghue et al. 2020 (periodic vs aperiodic)"),
    Feature("energy_db", "dB re 1 uV^2", "float",
            "Mean broadband (1-45 Hz) power of the clean channels: raw power, aperiodic "
            "and periodic together (rises with drowsiness, muscle, drift).", "window",
            null="the recording's own background level"),
    Feature("periodic_db", "dB", "float",
            "How far the 4-30 Hz rhythms stand above the aperiodic fit: 10 log10(sum of "
            "PSD / sum of the aperiodic model over 4-30 Hz), mean over channels in use.",
            "window", null="about +1 dB for a spectrum without peaks (2-s windows)",
            source="Donoghue et al. 2020"),
    Feature("aperiodic_offset", "log10(uV^2/Hz)", "float",
            "Offset b of the aperiodic fit log10 P(f) = b - chi log10 f over 2-35 Hz (no "
            "knee), peaks excluded, median over channels in use.", "window",
            source="Donoghue et al. 2020 (FOOOF/specparam, fixed mode)"),
    Feature("aperiodic_exponent", "", "float",
            "Exponent chi of that fit (steeper = larger), median over channels in use; awake "
            "scalp EEG about 0.5-1.8, deeper sleep steeper.", "window",
            null="the background's own exponent",
            source="Donoghue et al. 2020; Gao et al. 2017; Lendner et al. 2020"),
    Feature("temperature", "z", "float",
            "Flattening of the aperiodic exponent: minus the robust z of each channel's "
            "exponent referred to its own baseline median, mean over channels (flatter "
            "1/f = more asynchronous, noise-like activity = hotter).", "baseline",
            zscored=True, null="0 (the baseline's level)",
            source="Gao et al. 2017 (1/f slope and E:I); Carhart-Harris 2014 (entropic brain)"),
    Feature("drowsiness", "0..1", "float",
            "0 alert .. 1 asleep: mean of a steepening term (aperiodic exponent) and a "
            "slowing term (log10 of delta+theta over alpha+beta power), each a logistic, "
            "median over channels in use, causally averaged over 5 s; works on one channel.",
            "stream", null="about 0.05-0.1 in relaxed wakefulness",
            source="AASM scoring manual (Berry et al. 2017); Santamaria and Chiappa 1987; "
            "Lendner et al. 2020"),
    Feature("synchrony", "0..1", "float",
            "Lagged phase synchrony between scalp regions in the integration band: the "
            "debiased squared weighted phase-lag index of each pair of region signals, mean "
            "over pairs, pooled over the windows of the last 4 s. Built on the imaginary part "
            "of the cross-spectrum, so zero-lag mixing (volume conduction, a shared reference) "
            "and power changes do not move it; 1 = perfect lagged locking.", "stream",
            null="0 (the debiased estimator's analytic null; single frames scatter around "
            "it and may read slightly below 0)",
            source="Vinck et al. 2011 (debiased wPLI); Nolte et al. 2004 (imaginary coherency)"),
    Feature("synchrony_chance", "0..1", "float",
            "Chance level of synchrony: the 95th percentile, over the baseline, of the same "
            "smoothed measure on time-shift surrogates (each pair's second signal circularly "
            "shifted by half a window). Synchrony above it is above chance at 5 %.",
            "baseline", null="a small positive number (about 0.01-0.05)",
            source="time-shift surrogates (Lancaster et al. 2018)"),
    Feature("plv", "0..1", "float",
            "Phase-locking value between regions, bias-corrected for the window length, mean "
            "over pairs, causally smoothed: for display and comparison with mne-connectivity "
            "only. Zero-lag mixing (volume conduction, the reference) raises it as much as true "
            "coupling, and it follows power.", "stream",
            null="about 0 for independent signals; near 1 for one source seen by every "
            "electrode", source="Lachaux et al. 1999"),
    Feature("metastability", "0..1", "float",
            "Variability of global phase synchrony: the standard deviation of the Kuramoto "
            "order parameter of the region signals over the last 10 s, minus the same for "
            "time-shift surrogates of the same windows (each region shifted by a different "
            "part of the window).", "stream",
            null="0 (independent regions; it may read slightly below 0)",
            source="Shanahan 2010; Deco et al. 2017"),
    Feature("spatial_low_share", "0..1", "float",
            "Share of the window's spatial power in the 3 smoothest scalp spatial modes "
            "(eigenmodes of the electrode graph's Laplacian, the constant reference-dependent "
            "mode left out): high when one smooth pattern spans the head. Left-out electrodes "
            "are rebuilt, and what rebuilding each does (it carries none of its own activity) "
            "is measured on its clean frames and taken back. In frames with eye artifacts the "
            "blink's residue still shapes it (the meditation reward is withheld there).", "window",
            null="3 / (n_channels - 1) for spatially independent channels of equal power",
            source="graph Laplacian modes of the electrode array; after Atasoy et al. 2016, "
            "who use the cortex's connectome instead"),
    Feature("spatial_mode_entropy", "0..1", "float",
            "Normalised Shannon entropy of power over the scalp spatial modes (constant mode "
            "left out); rebuilt electrodes' effect taken back as for spatial_low_share.",
            "window",
            null="near 1 for spatially independent channels of equal power",
            source="after Atasoy et al. 2017"),
    Feature("consonance", "0..1", "float",
            "Consonant share of the spectrum (CDNS): the mean spectrum of the clean channels "
            "over the last 8 s (0.25-Hz resolution), peaks taken only where they rise above "
            "the aperiodic fit by more than noise does at this resolution; consonance = "
            "(peak power / power in 2-35 Hz) x (1 - the peaks' weighted Plomp-Levelt "
            "dissonance). Empty when there is no real peak, or an artifact in the 8 s.",
            "window", null="empty (pure noise shows a peak in at most 5 % of frames)",
            source="Gomez Emilsson 2017 (CDNS); Plomp and Levelt 1965; Sethares 1993; "
            "Donoghue et al. 2020 (aperiodic fit)"),
    Feature("dissonance", "0..1", "float",
            "Dissonant share of the spectrum (CDNS): the peak power's share times the peaks' "
            "weighted pairwise Plomp-Levelt dissonance (0 with a single peak).", "window",
            null="empty (no peaks)", source="Gomez Emilsson 2017; Sethares 1993"),
    Feature("noise", "0..1", "float",
            "Noise share of the spectrum (CDNS): 1 - peak power / power in 2-35 Hz (the "
            "aperiodic background and everything below the peak threshold); consonance, "
            "dissonance and noise sum to 1.", "window", null="empty (no peaks)",
            source="Gomez Emilsson 2017"),
    Feature("alpha_peak_hz", "Hz", "float",
            "Frequency of the strongest real peak in 8-13 Hz of that spectrum (individual alpha "
            "frequency of the last 8 s).", "window", null="empty (no peak)",
            source="Klimesch 1999"),
    Feature("theta_peak_hz", "Hz", "float",
            "Frequency of the strongest real peak in 4-8 Hz of that spectrum.", "window",
            null="empty (no peak)"),
    Feature("alpha_theta_ratio", "", "float",
            "alpha_peak_hz / theta_peak_hz (needs both peaks and 0.25-Hz resolution).",
            "window", null="empty (no peaks)", source="Pletzer et al. 2010"),
    Feature("golden_mean_index", "", "float",
            "Distance of the alpha/theta peak-frequency ratio from the golden mean: "
            "|alpha_theta_ratio - 1.618| (0 = at phi; Pletzer et al. found resting ratios "
            "near it).", "window", null="empty (no peaks)", source="Pletzer et al. 2010"),
    Feature("phase", "", "str",
            "Annealing phase, one of baseline, heating, disintegration, search, annealing, "
            "integrated, or drowsy (drowsiness >= 0.35: outside the cycle).", "estimator", null="baseline", default="baseline"),
    Feature("phase_confidence", "0..1", "float",
            "The estimator's probability of the reported phase (at most 0.5 while an input lies "
            "outside the range its templates cover; see estimator_in_range).", "estimator",
            default=math.nan),
    Feature("estimator_in_range", "", "bool",
            "False when an estimator input (energy, temperature, synchrony z, energy trend) "
            "lay outside the range its phase templates cover: the phase is an extrapolation.",
            "estimator", null="True", default=True),
    Feature("meditation_score", "0..1", "float",
            "Meditation feedback score: a logistic of energy and low-mode share z (with a "
            "protocol's balanced or fast response, the energy of the window's last 1.5 s or 1 s "
            "instead of the energy column); exactly 0 in artifact frames, at drowsiness >= 0.5 "
            "(fading from 0.35) and before the baseline is complete.", "score", null="0",
            default=0.0),
    Feature("integration_score", "0..1", "float",
            "Integration feedback score: a logistic of the z-scores of lagged synchrony (pooled "
            "over its own last 1 s of windows, 0.8 or 0.5 s with a protocol's balanced or fast "
            "response; the synchrony column pools 4 s) and consonance (averaged over 2 s); "
            "exactly 0 in artifact frames, at drowsiness >= 0.5 (fading from 0.35) and before the "
            "baseline is complete.",
            "score", null="0", default=0.0),
    Feature("alpha_theta_share", "0..1", "float",
            "Alpha (8-13 Hz) plus theta (4-8 Hz) share of the summed linear power of the five "
            "bands, mean band powers of the clean channels; the alpha-theta protocol rewards "
            "it (0 in gated frames there).", "score",
            null="white noise: the bands' share of 1-45 Hz, 9/44 = 0.2",
            source="alpha-theta training (Peniston and Kulkosky 1989)"),
    Feature("artifact", "", "bool",
            "True when an artifact reaches the measures in this frame (no feedback).", "window",
            null="False"),
    Feature("bad_channels", "", "list",
            "Channels left out of this frame's measures (physically bad, or carrying an "
            "artifact that does not gate the frame).", "window"),
    Feature("artifact_reasons", "", "list",
            "Why the frame is gated: 'reason:channel' items joined by ';' (e.g. "
            "'blink:Fp1;emg:T8'), 'common-mode:all', or 'no usable channels'; empty in clean "
            "frames.", "window"),
    Feature("eye_artifact", "", "bool",
            "A blink or horizontal eye movement on some channel, handled without gating (the "
            "frame is not an artifact frame: the blink is regressed out of the other channels "
            "and its electrodes rebuilt), or the high-pass's ring-down after one (the frames "
            "within tau ln(deflection / ringdown_uv) of it; tau = 0.42 s for the default 1-Hz "
            "filter, ringdown_uv = 30 uV); the meditation and alpha-theta scores give no "
            "reward in it, because on real heads what is left still raised them.", "stream"),
    Feature("baseline_complete", "", "bool",
            "False while the baseline block is still being collected (z-scores and feedback "
            "start at the first True; later than the block when it had too few clean frames).",
            "baseline"),
    *_band_rows(),
    # ---------------------------------------------------------------- not in features.csv
    Feature("band_power", "dB re 1 uV^2", "array",
            "Per-channel band power, shape (n_channels, n_bands), band order as BANDS; a "
            "read-only view into the batch's array.", "window", column=False,
            default=lambda: np.zeros((0, len(BANDS)))),
    Feature("bands", "dB re 1 uV^2", "dict",
            "Band power by band name, mean over clean channels (the band columns).", "window",
            column=False, default=dict),
    Feature("channel_quality", "", "list",
            "Per channel: 'ok' or the reason it is bad or artifacted.", "window", column=False),
    Feature("interpolated", "", "list",
            "Left-out channels rebuilt from the clean ones by spherical splines for this "
            "frame's measures (positions known, at least 4 clean sources).", "window",
            column=False, source="Perrin et al. 1989; MNE interpolate_bads"),
    Feature("notes", "", "list",
            "Why a measure is empty in this frame (e.g. fewer than two regions with usable "
            "channels for synchrony).", "window", column=False),
    Feature("regions", "", "list", "Region names behind synchrony.", "window", column=False),
    Feature("plv_matrix", "0..1", "array",
            "Bias-corrected PLV of each region pair in this window, shape (n_regions, "
            "n_regions).", "window", column=False, default=lambda: np.zeros((0, 0))),
    Feature("sync_matrix", "0..1", "array",
            "Debiased squared wPLI of each region pair in this window (what synchrony "
            "averages), shape (n_regions, n_regions), diagonal 0.", "window", column=False,
            default=lambda: np.zeros((0, 0))),
    Feature("mode_power", "uV^2", "array",
            "Power per scalp spatial mode, smoothest first, constant mode left out, shape "
            "(n_clean_channels - 1,).", "window",
            column=False, default=lambda: np.zeros(0)),
    Feature("freqs", "Hz", "array", "Frequencies of psd, shape (n_freqs,).", "window",
            column=False, default=lambda: np.zeros(0)),
    Feature("psd", "uV^2/Hz", "array",
            "Welch power spectral density, shape (n_channels, n_freqs).", "window",
            column=False, default=lambda: np.zeros((0, 0))),
    Feature("band_cdns", "0..1", "array",
            "Consonance, dissonance and noise of each band (peaks whose frequency lies in it, "
            "shares of the band's power), shape (n_bands, 3), band order as BANDS; NaN where "
            "the band has no peak or the harmony measures are empty.", "window", column=False,
            default=lambda: np.full((len(BANDS), 3), math.nan)),
    Feature("spectral_peaks", "", "float",
            "Number of real peaks (above the noise threshold) in the harmony spectrum.",
            "window", column=False, null="0 in at least 95 % of pure-noise frames"),
    Feature("channel_periodic_db", "dB", "array",
            "Per-channel periodic_db, shape (n_channels,), NaN for channels not in use.",
            "window", column=False, default=lambda: np.zeros(0)),
    Feature("channel_exponent", "", "array",
            "Per-channel aperiodic exponent, shape (n_channels,), NaN for channels not in use.",
            "window", column=False, default=lambda: np.zeros(0)),
    Feature("cycle_count", "", "int", "Completed annealing cycles so far.", "estimator",
            column=False),
    Feature("spectral_entropy", "0..1", "float",
            "Normalised spectral entropy (1-45 Hz), mean over clean channels (not z-scored).",
            "window", column=False, source="Inouye et al. 1991",
            null="1 for a flat (white) spectrum; 1/f noise and rhythms read lower"),
    Feature("lempel_ziv", "", "float",
            "Lempel-Ziv complexity of each channel's analytic amplitude (2-s window, detrended, "
            "subsampled to ~125 Hz, binarised at its mean): LZ76 phrase count divided by that of "
            "the same bits under one fixed shuffle; mean over clean channels (not z-scored).",
            "window", column=False,
            null="1 = bits with no temporal order (the shuffle); not a noise null: white noise "
            "reads ~0.94, band-passed 1/f noise ~0.80, resting EEG 0.6-0.7; a steady tone reads "
            "like noise (flat envelope)",
            source="Lempel and Ziv 1976; Kaspar and Schuster 1987; Schartner et al. 2017"),
    Feature("kuramoto", "0..1", "float",
            "Kuramoto order parameter across regions in the integration band, window mean.",
            "window", column=False, source="Kuramoto 1984",
            null="about sqrt(pi / (4 n_regions)) for independent phases; zero-lag mixing raises "
            "it"),
    Feature("protocol", "", "object",
            "State of the protocol engine right after this frame (None without a protocol).",
            "protocol", column=False),
    Feature("sample_clock_s", "s", "float",
            "When the newest sample of this frame's window left the source, on the live "
            "session's clock (time.monotonic); NaN offline. The consumers' processing latency "
            "is the moment they show the frame minus this.", "frame", column=False),
)

#: Column order of ``features.csv``.
FEATURE_COLUMNS: tuple[str, ...] = tuple(f.name for f in FEATURES if f.column)

_BY_NAME = {f.name: f for f in FEATURES}
if len(_BY_NAME) != len(FEATURES):  # pragma: no cover - a developer error, caught on import
    raise ValueError("FEATURES declares a name twice")


def feature(name: str) -> Feature:
    """The table row called ``name`` (KeyError names the known ones)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no feature {name!r}; known: {', '.join(_BY_NAME)}") from None


def _num(x: Any) -> str:
    return "" if x is None or x != x else f"{x:.6g}"


def _formatter(f: Feature):
    """Function of a frame giving the text of column ``f``."""
    name = f.name
    if f.band:
        return lambda fr: _num(fr.bands.get(name, math.nan))
    if f.kind == "float":
        return lambda fr: _num(getattr(fr, name))
    if f.kind == "bool":
        return lambda fr: "1" if getattr(fr, name) else "0"
    if f.kind == "list":
        return lambda fr: ";".join(getattr(fr, name))
    if f.kind == "int":
        return lambda fr: str(int(getattr(fr, name)))
    return lambda fr: str(getattr(fr, name))


_FORMATTERS = tuple(_formatter(f) for f in FEATURES if f.column)


def feature_row(frame: Any) -> list[str]:
    """The ``features.csv`` fields of one frame, in :data:`FEATURE_COLUMNS` order.

    Numbers as ``f"{x:.6g}"`` (NaN or None: empty), booleans as ``1``/``0``, lists joined
    by ``;``. Live sessions and offline analysis both write these strings.
    """
    return [fmt(frame) for fmt in _FORMATTERS]


_KIND_DEFAULTS = {"float": math.nan, "int": 0, "bool": False, "str": "", "list": (),
                  "object": None}


def default_of(f: Feature) -> Any:
    """The value a new frame holds before the pipeline sets ``f`` (for ``array`` and
    ``dict`` kinds: the function that makes a fresh empty one)."""
    return _KIND_DEFAULTS[f.kind] if f.default is _UNSET else f.default
