"""Real recordings reshaped: what drowsiness reads when the alpha rhythm is slower, or the
recording was low-passed.

Two questions about heads and amplifiers the validation recordings do not cover, answered by
transforming real recordings and analysing them with the real pipeline
(:func:`~neurofeedback.pipeline.pipeline.run_pipeline`, default settings):

``--scale K,...``
    Every frequency multiplied by ``k``: the same samples at ``k`` times the sample rate. The
    alpha peak moves from ``f`` to ``k f`` (a slow alpha rhythm, as in some older adults), and
    so does everything else, *including the recording's own filters*: a file low-passed at
    45 Hz is then low-passed at ``45 k`` Hz.
``--lowpass HZ,...``
    A 4th-order Butterworth low-pass applied causally (as an amplifier's analog filter acts) at
    each edge (0: none), as clinical and sleep-lab systems record (the AASM manual recommends
    0.3-35 Hz for sleep EEG). The head stays the same.

``--blinks-from SOURCE``
    A real blink added to each recording: the mean of ``SOURCE``'s Fp1 blinks on every channel
    (:func:`blink_template`), every 4 s from 25 s on (``--blinks-start``; baseline block
    ``--baseline``, default 0-20 s); each frame's scores are compared with the same frame of the
    untouched recording (:func:`blink_effect`): the same brain, only the blink differs. A
    recording with fewer channels gets the template's rows of its own channel names, resampled
    to its rate. Feedback must not rise with it.

Each table row of ``--scale`` and ``--lowpass`` is one recording: the median over clean frames
of ``drowsiness`` and of ``aperiodic_exponent``, the share of clean frames at or above ``drowsy_hold`` (drowsy: the
feedback fades), and for ``--scale`` the median ``alpha_peak_hz``.

Run ``python -m neurofeedback.simulate.reshaped FILE... [--scale 1,0.8,0.7] [--lowpass 0,35,30]
[--blinks-from SOURCE [--blinks-start S] [--baseline START,END]]``.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Callable, Sequence

import numpy as np
from scipy.signal import resample, sosfilt

from ..errors import UsageError
from ..pipeline.config import PipelineConfig
from ..pipeline.filters import design_sos
from ..pipeline.pipeline import run_pipeline
from ..pipeline.regions import site_rows
from ..protocols.engine import score_value
from ._cli import frames_holding, require_channel, run_reporting_errors

MODULE = "python -m neurofeedback.simulate.reshaped"
#: Butterworth order of :func:`lowpassed` (a typical amplifier's analog low-pass).
LOWPASS_ORDER = 4


def lowpassed(data: np.ndarray, sfreq: float, edge_hz: float) -> np.ndarray:
    """``data`` through a causal Butterworth low-pass of :data:`LOWPASS_ORDER` at ``edge_hz``.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        uV.
    sfreq : float
        Hz.
    edge_hz : float
        -3 dB edge, Hz; 0 returns ``data`` unchanged.

    Returns
    -------
    ndarray, shape (n_channels, n_samples)
    """
    if edge_hz == 0:
        return data
    if not 0 < edge_hz < sfreq / 2:
        raise UsageError(f"low-pass edge must be 0 or between 0 and {sfreq / 2:g} Hz (Nyquist); "
                         f"got {edge_hz:g}")
    return sosfilt(design_sos(sfreq, "lowpass", edge_hz, LOWPASS_ORDER), data, axis=1)


def summarise(data: np.ndarray, sfreq: float, ch_names: list[str],
              rail_uv: float | None = None) -> dict[str, float]:
    """Median drowsiness, exponent and alpha peak over the clean frames of one analysis.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        uV.
    sfreq : float
        Hz.
    ch_names : list of str
    rail_uv : float or None

    Returns
    -------
    dict
        ``drowsiness``, ``exponent``, ``alpha_peak_hz`` (medians, NaN without clean frames),
        ``drowsy_pct`` (% of clean frames at or above ``drowsy_hold``), ``frames`` (clean).
    """
    cfg = PipelineConfig()
    frames = [f for f in run_pipeline(data, sfreq, ch_names, cfg, rail_uv) if not f.artifact]

    def median(name: str) -> float:
        a = np.array([getattr(f, name) for f in frames], float)
        a = a[np.isfinite(a)]
        return float(np.median(a)) if a.size else math.nan

    d = np.array([f.drowsiness for f in frames], float)
    d = d[np.isfinite(d)]
    return {
        "drowsiness": median("drowsiness"),
        "exponent": median("aperiodic_exponent"),
        "alpha_peak_hz": median("alpha_peak_hz"),
        "drowsy_pct": float(100.0 * np.mean(d >= cfg.drowsy_hold)) if d.size else math.nan,
        "frames": float(len(frames)),
    }


def _cell(s: dict[str, float], peak: bool) -> str:
    text = f"{s['drowsiness']:.2f} ({s['drowsy_pct']:.0f} %), exp {s['exponent']:.2f}"
    return text + (f", alpha {s['alpha_peak_hz']:.1f} Hz" if peak else "")


def _recording_table(paths: Sequence[str], heads: list[str], settings: Sequence[float],
                     summary: Callable[..., dict[str, float]], peak: bool) -> str:
    """Markdown table: one row per recording, one cell per setting, each
    ``summary(loaded, setting)`` (a :func:`summarise` dict) written by :func:`_cell`."""
    from ..io import load_eeg_file
    from ..io._common import fname

    lines = ["| recording | " + " | ".join(heads) + " |", "|---|" + "---|" * len(heads)]
    for path in paths:
        ld = load_eeg_file(path)
        cells = [_cell(summary(ld, v), peak) for v in settings]
        lines.append(f"| {fname(path)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scale_table(paths: Sequence[str], ks: Sequence[float]) -> str:
    """Markdown table: per recording, :func:`summarise` with every frequency scaled by each k."""
    return _recording_table(
        paths, [f"k = {k:g}" for k in ks], ks,
        lambda ld, k: summarise(ld.data, ld.sfreq * k, list(ld.ch_names), ld.rail_uv), True)


def lowpass_table(paths: Sequence[str], edges: Sequence[float]) -> str:
    """Markdown table: per recording, :func:`summarise` after each low-pass (0: none)."""
    return _recording_table(
        paths, [("none" if e == 0 else f"{e:g} Hz") for e in edges], edges,
        lambda ld, e: summarise(lowpassed(ld.data, ld.sfreq, e), ld.sfreq, list(ld.ch_names),
                                ld.rail_uv), False)


#: Blinks are cut ``BLINK_HALF_S`` either side of their peak.
BLINK_HALF_S = 0.4
#: Span after each added blink whose frames :func:`blink_effect` reports apart (``after_*``):
#: windows that no longer hold the blink but hold the high-pass's ring-down after it, s (more
#: than three of its time constants for the default 1-Hz, 4th-order filter).
RINGDOWN_S = 1.5


def blink_template(path: str, channel: str = "Fp1", height_uv: float = 250.0
                   ) -> tuple[np.ndarray, list[str], float]:
    """The mean blink of a recording, on every channel.

    Peaks of ``channel`` (high-passed at 1 Hz, zero phase) above ``height_uv`` and at least 1 s
    apart are the blinks; the template is their mean, :data:`BLINK_HALF_S` either side.

    Returns
    -------
    template : ndarray, shape (n_channels, n)
        uV.
    ch_names : list of str
    sfreq : float
    """
    from scipy.signal import find_peaks, sosfiltfilt

    from ..io import load_eeg_file
    src = load_eeg_file(path)
    names, sf = list(src.ch_names), float(src.sfreq)
    require_channel(names, channel, path)
    x = sosfiltfilt(design_sos(sf, "highpass", 1.0, 2), src.data, axis=1)
    half = int(BLINK_HALF_S * sf)
    peaks, _ = find_peaks(x[names.index(channel)], height=height_uv, distance=int(sf))
    peaks = peaks[(peaks > half) & (peaks < x.shape[1] - half)]
    if peaks.size == 0:
        raise UsageError(f"no blink in {path}: no {channel} peak above {height_uv:g} uV")
    return np.mean([x[:, p - half:p + half] for p in peaks], axis=0), names, sf


def blink_effect(template: np.ndarray, ch_names: list[str], path: str, every_s: float = 4.0,
                 start_s: float = 25.0, baseline: tuple[float, float] = (0.0, 20.0),
                 sfreq: float | None = None) -> dict[str, float]:
    """What an added blink does to the feedback, frame by frame, on one recording.

    ``template`` is added every ``every_s`` seconds from ``start_s`` on; both the recording and
    the copy are analysed (baseline block ``baseline``, s), and each frame whose window holds
    part of a blink is compared with the same frame of the untouched recording (same brain,
    only the blink differs). The recording may have fewer channels than the template's (its
    rows are taken by name, e.g. an 8-channel headset's Fp1, Fp2, C3...) and another rate
    (``sfreq``, the template's, resampled to the recording's; None: the same).

    Returns
    -------
    dict
        ``frames`` (frames holding a blink), ``gated_pct`` (of them gated in the copy),
        ``meditation_diff``, ``integration_diff`` (median change of the score over the frames
        gated in neither), ``meditation_up_pct``, ``integration_up_pct`` (% of those frames
        where it rose), ``eye_seen_pct`` (% of them that are eye frames, ``eye_artifact``: a
        ``blink`` or ``gaze`` channel, or the ring-down after one),
        ``away_diff`` (median change of the meditation score in the frames without a blink),
        ``after_diff``, ``after_up_pct`` (*mean* change of the meditation score, and the %
        raised, over the frames whose window holds the :data:`RINGDOWN_S` after a blink but
        not the blink: a mean, because most of them score 0 both ways and a median hides a
        bump in the rest).
    """
    from ..io import load_eeg_file

    rec = load_eeg_file(path)
    rows, missing = site_rows(ch_names, list(rec.ch_names))
    if missing:
        raise UsageError(f"{path}: channels {', '.join(missing)} are not in the blink template's "
                         "recording; give recordings whose channels it has")
    sf = float(rec.sfreq)
    template = template[rows]
    if sfreq is not None and sfreq != sf:
        template = resample(template, int(round(template.shape[1] * sf / sfreq)), axis=1)
    half = template.shape[1] // 2
    times = np.arange(start_s, rec.duration_s - 2 * BLINK_HALF_S, every_s)
    y = rec.data.copy()
    for t in times:
        i = int(round(t * sf))
        y[:, i - half:i - half + template.shape[1]] += template
    cfg = PipelineConfig(baseline=baseline)
    a = run_pipeline(rec.data, sf, list(rec.ch_names), cfg, rec.rail_uv)
    b = run_pipeline(y, sf, list(rec.ch_names), cfg, rec.rail_uv)
    t = np.array([f.time_s for f in a])
    hit = frames_holding(t, cfg.window_s, [(tb - BLINK_HALF_S, tb + BLINK_HALF_S) for tb in times])
    art_a = np.array([f.artifact for f in a])
    art_b = np.array([f.artifact for f in b])
    handled = hit & ~art_a & ~art_b
    eye = np.array([f.eye_artifact for f in b])

    def change(name: str) -> np.ndarray:
        return np.array([getattr(fb, name) - getattr(fa, name) for fa, fb in
                         zip(a, b, strict=True)])

    med, integ = change("meditation_score"), change("integration_score")
    # the alpha-theta protocol's score as its engine computes it (0 where withheld)
    at = np.array([score_value(fb, "alpha-theta") - score_value(fa, "alpha-theta")
                   for fa, fb in zip(a, b, strict=True)])
    away = (t > start_s) & ~hit & ~art_a & ~art_b
    after = away & frames_holding(t, cfg.window_s, [(tb + BLINK_HALF_S, tb + BLINK_HALF_S + RINGDOWN_S)
                                                    for tb in times])
    pct = 100.0 / max(1, int(handled.sum()))
    return {
        "frames": float(hit.sum()),
        "gated_pct": 100.0 * float(np.mean(art_b[hit])) if hit.any() else math.nan,
        "eye_seen_pct": pct * float(eye[handled].sum()),
        "meditation_diff": float(np.median(med[handled])) if handled.any() else math.nan,
        "meditation_up_pct": pct * float((med[handled] > 0).sum()),
        "integration_diff": float(np.median(integ[handled])) if handled.any() else math.nan,
        "integration_up_pct": pct * float((integ[handled] > 0).sum()),
        "alpha_theta_diff": float(np.nanmedian(at[handled])) if handled.any() else math.nan,
        "alpha_theta_up_pct": pct * float((at[handled] > 0).sum()),
        "away_diff": float(np.median(med[away])) if away.any() else math.nan,
        "after_diff": float(np.mean(med[after])) if after.any() else math.nan,
        "after_up_pct": 100.0 * float(np.mean(med[after] > 0)) if after.any() else math.nan,
    }


def blink_table(source: str, paths: Sequence[str], start_s: float = 25.0,
                baseline: tuple[float, float] = (0.0, 20.0)) -> str:
    """Markdown table: :func:`blink_effect` of ``source``'s mean blink on each recording."""
    from ..io._common import fname

    tmpl, names, sf = blink_template(source)
    lines = ["| recording | frames with a blink | gated % | eye frames % | meditation: median "
             "change | raised % | integration: median change | raised % | alpha-theta: median "
             "change | raised % | frames without: meditation change | ring-down frames: "
             "meditation mean change | raised % |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for path in paths:
        e = blink_effect(tmpl, names, path, start_s=start_s, baseline=baseline, sfreq=sf)
        lines.append(
            f"| {fname(path)} | {e['frames']:.0f} | {e['gated_pct']:.0f} | {e['eye_seen_pct']:.0f} "
            f"| {e['meditation_diff']:+.3f} | {e['meditation_up_pct']:.0f} | "
            f"{e['integration_diff']:+.3f} | {e['integration_up_pct']:.0f} | "
            f"{e['alpha_theta_diff']:+.3f} | {e['alpha_theta_up_pct']:.0f} | "
            f"{e['away_diff']:+.3f} | {e['after_diff']:+.3f} | {e['after_up_pct']:.0f} |")
    return "\n".join(lines)


def _floats(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{name} must be comma-separated numbers, e.g. 1,0.8; got {text!r}") from None
    if not values or not all(math.isfinite(v) and v >= 0 for v in values):
        raise UsageError(f"{name} must be finite numbers >= 0; got {text!r}")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog=MODULE, description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", metavar="FILE", help="EEG recordings")
    ap.add_argument("--scale", help="frequency factors k, e.g. 1,0.8,0.7")
    ap.add_argument("--lowpass", help="low-pass edges in Hz (0: none), e.g. 0,40,35,30")
    ap.add_argument("--blinks-from", metavar="SOURCE",
                    help="add SOURCE's mean blink every 4 s to each FILE (channels taken by "
                         "name) and compare each frame's scores with the untouched FILE")
    ap.add_argument("--blinks-start", type=float, default=25.0, metavar="S",
                    help="first added blink, s (default 25)")
    ap.add_argument("--baseline", default="0,20", metavar="START,END",
                    help="baseline block of both analyses, s (default 0,20)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(message)s")

    def body() -> None:
        if not (args.scale or args.lowpass or args.blinks_from):
            raise UsageError("give --scale K,..., --lowpass HZ,... or --blinks-from SOURCE")
        if args.blinks_from:
            print(f"What {args.blinks_from}'s mean blink, added every 4 s, does to each frame's "
                  "scores (median change over the frames that hold it and are not gated):\n")
            span = _floats(args.baseline, "--baseline")
            if len(span) != 2 or not span[0] < span[1] <= args.blinks_start:
                raise UsageError("--baseline must be START,END with START < END <= --blinks-start; "
                                 f"got {args.baseline!r} (--blinks-start {args.blinks_start:g})")
            print(blink_table(args.blinks_from, args.files, args.blinks_start,
                              (span[0], span[1])) + "\n")
        if args.scale:
            ks = _floats(args.scale, "--scale")
            if 0 in ks:
                raise UsageError(f"--scale factors must be > 0; got {args.scale!r}")
            print("Median drowsiness over clean frames (% drowsy), exponent, alpha peak; every "
                  "frequency scaled by k:\n")
            print(scale_table(args.files, ks) + "\n")
        if args.lowpass:
            print("Median drowsiness over clean frames (% drowsy), exponent; after a "
                  f"{LOWPASS_ORDER}th-order Butterworth low-pass:\n")
            print(lowpass_table(args.files, _floats(args.lowpass, "--lowpass")))
    return run_reporting_errors(body)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
