"""The numbers in a report: channel quality, cycles, protocol blocks, baseline comparison.

Offline only (a finished recording), so nothing here needs to be causal.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..io import marker_labels
from ..io.loaded import LoadedFile
from ..pipeline.frame import BANDS, PHASES
from ..pipeline.spectra import WelchPSD, band_masks, band_power_db
from ..protocols import ProtocolEngine
from ..quality_summary import QualitySummary, raw_facts
from .data import FeatureTable

log = logging.getLogger(__name__)

#: Quantities compared between the opening and the closing baseline. Energy and temperature are
#: z-scores against the opening baseline itself (empty until it ends), so the table compares what
#: they are made of: the oscillatory power above the 1/f floor (``periodic_db``, energy) and the
#: aperiodic exponent (temperature is its flattening).
COMPARED: tuple[str, ...] = (*BANDS, "energy_db", "periodic_db", "aperiodic_exponent", "synchrony",
                             "plv")


# -- signal quality -------------------------------------------------------------------------------
@dataclass
class ChannelQuality:
    """Whole-recording quality of one channel: the pipeline's per-frame reasons, summarised as in
    ``neurofeedback info`` (:mod:`neurofeedback.quality_summary`), plus raw facts.

    Attributes
    ----------
    name : str
    offset_uv : float
        Median raw value, uV (DC offset; large on OpenBCI boards before filtering).
    railed_pct : float or None
        Percent of raw samples within 1 % of the amplifier's rail (None when the rail is unknown).
    rms_uv : float
        RMS after the pipeline's filters (1-45 Hz, mains notch) in frames where the channel was
        in use, uV.
    reason_pct : dict of str to float
        Percent of frames per pipeline reason (``ok``, ``railed``, ``flat``, ``line``, ``blink``,
        ``emg``, ``amplitude``).
    left_out_pct : float
        Percent of frames in which the pipeline left this channel out (any reason but ok).
    artifact_pct : float
        Percent of frames with an artifact (blink, emg, amplitude) on this channel.
    verdict : str
        The most frequent non-ok reason if it covers >= 10 % of frames, else ``ok``.
    band_db : dict of str to float
        Mean band power over the recording (Welch, 2-s segments of the raw signal), dB re 1 uV^2.
    """

    name: str
    offset_uv: float
    railed_pct: float | None
    rms_uv: float
    reason_pct: dict[str, float]
    left_out_pct: float
    artifact_pct: float
    verdict: str
    band_db: dict[str, float]


#: Band power of a channel without any power (flat), dB re 1 uV^2: a floor instead of -inf.
FLOOR_DB = -300.0


def channel_band_db(loaded: LoadedFile) -> list[dict[str, float]]:
    """Per channel, mean band power over the recording in dB re 1 uV^2, bands as :data:`BANDS`.

    The pipeline's spectrum (:class:`~neurofeedback.pipeline.spectra.WelchPSD`: Hann
    segments, 50 % overlap, mean removed per segment, one-sided density) with 2-s segments over
    the whole raw signal, and its band sums (:func:`~neurofeedback.pipeline.spectra.band_power_db`).
    A channel without power in a band reads :data:`FLOOR_DB`.

    Parameters
    ----------
    loaded : LoadedFile
        data shape (n_channels, n_samples), uV; at least 2 samples.

    Returns
    -------
    list of dict of str to float
        One dict per channel, band name to dB.
    """
    data = np.asarray(loaded.data, float)
    sf = float(loaded.sfreq)
    n = data.shape[1]
    welch = WelchPSD(sf, n, n_per_seg=int(min(n, round(2 * sf))))
    db = band_power_db(welch(data), band_masks(welch.freqs), welch.df)  # (n_ch, n_bands)
    db = np.maximum(db, FLOOR_DB)
    return [dict(zip(BANDS, row.tolist(), strict=True)) for row in db]


def channel_quality(loaded: LoadedFile, summary: QualitySummary) -> list[ChannelQuality]:
    """Per-channel quality over the whole recording.

    Parameters
    ----------
    loaded : LoadedFile
        data shape (n_channels, n_samples), uV.
    summary : QualitySummary
        The pipeline's per-frame reasons summarised over the recording
        (:class:`neurofeedback.quality_summary.ReasonCounter` or ``summarize_loaded``).
    """
    facts = raw_facts(loaded)
    bands = channel_band_db(loaded)
    out = []
    for i, c in enumerate(summary.channels):
        out.append(ChannelQuality(
            name=c.name,
            offset_uv=float(facts[i]["offset_uv"]),
            railed_pct=facts[i]["railed_pct"],
            rms_uv=c.rms_uv,
            reason_pct=dict(c.reason_pct),
            left_out_pct=c.left_out_pct,
            artifact_pct=c.artifact_pct,
            verdict=c.verdict,
            band_db=bands[i],
        ))
    return out


# -- annealing phases and cycles ------------------------------------------------------------------
def phase_runs(times: np.ndarray, phases: np.ndarray, hop_s: float = 0.1) -> list[tuple[str, float, float]]:
    """Consecutive runs of the same estimator phase: (phase, start_s, end_s)."""
    runs: list[tuple[str, float, float]] = []
    if times.size == 0:
        return runs
    start = 0
    for i in range(1, times.size + 1):
        if i == times.size or phases[i] != phases[start]:
            end = times[i] if i < times.size else times[-1] + hop_s
            runs.append((str(phases[start]), float(times[start]), float(end)))
            start = i
    return runs


def time_in_phases(runs: list[tuple[str, float, float]]) -> dict[str, float]:
    """Seconds spent in each phase of :data:`PHASES`."""
    out = dict.fromkeys(PHASES, 0.0)
    for ph, a, b in runs:
        out[ph] = out.get(ph, 0.0) + (b - a)
    return out


def annealing_cycles(runs: list[tuple[str, float, float]]) -> list[dict[str, Any]]:
    """Completed annealing cycles, counted as the estimator counts them.

    A cycle completes when the phase moves from ``annealing`` to ``integrated`` after the brain
    went through ``heating`` or ``disintegration`` since the previous completed cycle. Each cycle:
    ``start_s`` (first heating/disintegration onset), ``end_s`` (integrated onset),
    ``duration_s``, ``phases`` (the sequence of phases visited) and per-phase seconds.
    """
    cycles: list[dict[str, Any]] = []
    heated_at: float | None = None
    visited: list[tuple[str, float, float]] = []
    prev: str | None = None
    for ph, a, b in runs:
        if prev == "annealing" and ph == "integrated" and heated_at is not None:
            secs: dict[str, float] = {}
            for v, va, vb in visited:
                secs[v] = secs.get(v, 0.0) + (vb - va)
            cycles.append({
                "start_s": heated_at, "end_s": a, "duration_s": a - heated_at,
                "phases": [v for v, _, _ in visited], "seconds": secs,
            })
            heated_at, visited = None, []
        if ph in ("heating", "disintegration") and heated_at is None:
            heated_at = a
            visited = []
        if heated_at is not None:
            visited.append((ph, a, b))
        prev = ph
    return cycles


# -- protocol blocks ------------------------------------------------------------------------------
def protocol_start(markers: list[tuple[float, str]], protocol: Any) -> float | None:
    """Stream time of the protocol's first phase start marker (None if it is not there)."""
    label = marker_labels.phase_start(protocol.phases[0].label)
    for t, m in markers:
        if m == label:
            return float(t)
    return None


def replay_blocks(table: FeatureTable, markers: list[tuple[float, str]], protocol: Any
                  ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Per-block summary, by replaying the protocol engine over the recorded frames.

    The engine is deterministic, so with the frames the live session computed (``features.csv``)
    it reproduces the live thresholds and rewards. Returns the block summaries of the phases that
    were reached and a count of ``reward:on`` markers, recorded versus replayed, as a check.
    """
    t0 = protocol_start(markers, protocol)
    engine = ProtocolEngine(protocol, start_s=0.0 if t0 is None else t0)
    replayed_on = 0
    for f in table.to_frames():
        replayed_on += sum(1 for e in engine.update(f) if e.kind == "reward_on")
    recorded_on = sum(1 for _, m in markers if m == marker_labels.REWARD_ON)
    return engine.block_summary(), {"recorded": recorded_on, "replayed": replayed_on}


# -- opening vs closing baseline ------------------------------------------------------------------
def baseline_windows(markers: list[tuple[float, str]], protocol: Any, duration_s: float
                     ) -> tuple[tuple[float, float] | None, tuple[float, float] | None, str]:
    """Windows (start_s, end_s) of the opening and closing baselines, and how they were chosen.

    With a protocol: its first and last baseline phases, placed by their start/end markers
    (None when a phase was not completed). Without one: the first and the last 60 s (a quarter of
    the recording each if it is shorter than 4 minutes).
    """
    if protocol is not None:
        idx = [i for i, p in enumerate(protocol.phases) if p.is_baseline]
        if len(idx) < 2:
            return None, None, (f"the protocol '{protocol.name}' has fewer than two baseline "
                                "phases, so there is no closing baseline to compare")
        times = {m: t for t, m in markers}

        def window(i: int) -> tuple[float, float] | None:
            lab = protocol.phases[i].label
            a, b = times.get(marker_labels.phase_start(lab)), times.get(marker_labels.phase_end(lab))
            return None if a is None or b is None else (float(a), float(b))

        first, last = protocol.phases[idx[0]].label, protocol.phases[idx[-1]].label
        return window(idx[0]), window(idx[-1]), (
            f"protocol baseline phases '{first}' (opening) and '{last}' (closing)")
    span = 60.0 if duration_s >= 240.0 else duration_s / 4.0
    return (0.0, span), (duration_s - span, duration_s), (
        f"no protocol in this recording: the first {span:.0f} s against the last {span:.0f} s")


def compare_windows(table: FeatureTable, opening: tuple[float, float],
                    closing: tuple[float, float]) -> list[dict[str, Any]]:
    """Mean of each quantity in :data:`COMPARED` in two windows (clean frames), its change and
    Cohen's d (difference over the pooled standard deviation of frames).

    Frames overlap (2-s windows every 0.1 s) and are autocorrelated, so d and the frame counts
    describe the change; they are not a significance test.
    """
    t = table["time_s"]
    clean = ~table["artifact"]
    a_m = clean & (t >= opening[0]) & (t < opening[1])
    b_m = clean & (t >= closing[0]) & (t < closing[1])
    out = []
    for q in COMPARED:
        x, y = table[q][a_m], table[q][b_m]
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        row: dict[str, Any] = {"quantity": q, "n_open": int(x.size), "n_close": int(y.size),
                               "open": math.nan, "close": math.nan, "diff": math.nan,
                               "cohen_d": math.nan}
        if x.size >= 2 and y.size >= 2:
            pooled = math.sqrt(((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1))
                               / (x.size + y.size - 2))
            row.update(open=float(x.mean()), close=float(y.mean()),
                       diff=float(y.mean() - x.mean()),
                       cohen_d=float((y.mean() - x.mean()) / pooled) if pooled > 0 else math.nan)
        out.append(row)
    return out


# -- annotated spans ------------------------------------------------------------------------------
#: The spans table lists at most this many labels (the longest in total).
MAX_SPAN_LABELS = 30


def span_summary(
    table: FeatureTable, spans: list[tuple[float, float, str]], window_s: float
) -> list[dict[str, Any]]:
    """Per annotation label, what the pipeline read in the spans carrying it.

    A frame belongs to a span when its whole analysis window lies inside it (as in
    ``neurofeedback validate``), so spans shorter than ``window_s`` have no frames.

    Parameters
    ----------
    table : FeatureTable
    spans : list of (float, float, str)
        (onset s, duration s, label).
    window_s : float
        The analysis window, s.

    Returns
    -------
    list of dict
        In order of each label's first onset, at most :data:`MAX_SPAN_LABELS` (the longest in
        total): ``label``, ``n_spans``, ``total_s``, ``n_frames``, ``clean_pct``, ``drowsy_pct``
        (share of frames read drowsy), and medians over the clean frames of ``drowsiness``,
        ``alpha`` (dB), ``energy`` (z), ``meditation_score`` and ``integration_score`` (NaN
        without such frames).
    """
    t = table["time_s"]
    by_label: dict[str, list[tuple[float, float]]] = {}
    for onset, dur, label in sorted(spans):
        by_label.setdefault(label, []).append((onset, onset + dur))
    labels = sorted(by_label, key=lambda k: -sum(b - a for a, b in by_label[k]))[:MAX_SPAN_LABELS]
    labels.sort(key=lambda k: by_label[k][0][0])
    phase = table["phase"]
    out = []
    for label in labels:
        m = np.zeros(t.size, dtype=bool)
        for a, b in by_label[label]:
            m |= (t - window_s >= a - 1e-6) & (t <= b + 1e-6)
        n = int(m.sum())
        clean = m & ~table["artifact"]
        row: dict[str, Any] = {
            "label": label, "n_spans": len(by_label[label]),
            "total_s": float(sum(b - a for a, b in by_label[label])), "n_frames": n,
            "clean_pct": 100.0 * float(clean.sum()) / n if n else math.nan,
            "drowsy_pct": 100.0 * float(np.mean(phase[m] == "drowsy")) if n else math.nan,
        }
        for q in ("drowsiness", "alpha", "energy", "meditation_score", "integration_score"):
            v = table[q][clean] if q in table.columns else np.empty(0)
            v = v[np.isfinite(v)]
            row[q] = float(np.median(v)) if v.size else math.nan
        out.append(row)
    return out
