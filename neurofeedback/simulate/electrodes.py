"""One electrode misbehaving on a real recording: what it does to the measures and the feedback.

Each question is answered causally, as :mod:`.reshaped`'s blinks are: the recording is analysed
untouched and with one electrode changed, and each frame is compared with the same frame of the
untouched recording (the same brain; only the electrode differs). Baseline: the first 20 s.

``--dead CH,...``
    The electrode held at 0 from 30 to 50 s (the amplifier sees a flat line: left out as bad,
    rebuilt from its neighbours). Median change of ``spatial_low_share`` over the frames whose
    window lies in that span, as reported (what rebuilding does taken back:
    :mod:`neurofeedback.pipeline.rebuilt_power`) and as the rebuilt data's own mode powers give
    it (``mode_power``, uncorrected). A rebuilt electrode should leave it where it was.
``--swing CH,...``
    A 0.4-s, 150-uV half sine added to that electrode alone every 4 s from 25 s (a moving or
    loosening contact; the frontopolar electrodes do not see it, so it is not from the eyes:
    :class:`neurofeedback.pipeline.eyes.OcularSource`). How the frames holding it code the
    electrode, how many are eye-artifact frames, and the median change of the meditation score
    over the frames that are neither gated nor eye-artifact frames in either analysis. The
    swing must not be rewarded.

Run ``python -m neurofeedback.simulate.electrodes FILE... [--dead AF8,F3] [--swing AF8]``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..errors import UsageError
from ..pipeline.config import PipelineConfig
from ..pipeline.frame import FeatureFrame
from ..pipeline.pipeline import run_pipeline
from ..pipeline.spatial_modes import low_share_batch
from ._cli import frames_holding, require_channel, run_reporting_errors

MODULE = "python -m neurofeedback.simulate.electrodes"
#: The baseline of every analysis here, s.
BASELINE_S = 20.0
#: ``--dead``: the electrode is flat over this span, s.
DEAD_SPAN_S = (30.0, 50.0)
#: ``--swing``: the half sine's length (s), height (uV), period (s) and first onset (s).
SWING_S, SWING_UV, SWING_EVERY_S, SWING_START_S = 0.4, 150.0, 4.0, 25.0


def _load(path: str, channel: str):
    from ..io import load_eeg_file

    rec = load_eeg_file(path)
    require_channel(list(rec.ch_names), channel, path)
    return rec


def _analyse(rec, data: np.ndarray) -> list[FeatureFrame]:
    cfg = PipelineConfig(baseline=(0.0, BASELINE_S))
    return run_pipeline(data, rec.sfreq, list(rec.ch_names), cfg, rec.rail_uv)


def _uncorrected_low_share(frames: list[FeatureFrame]) -> np.ndarray:
    """``spatial_low_share`` from each frame's own mode powers (rebuilt electrodes as rebuilt)."""
    n_low = PipelineConfig().low_modes
    return np.array([low_share_batch(f.mode_power[None], n_low)[0] if f.mode_power is not None
                     else np.nan for f in frames])


def dead_effect(path: str, channel: str, untouched: list[FeatureFrame] | None = None
                ) -> dict[str, float]:
    """What ``channel`` held flat over :data:`DEAD_SPAN_S` does to ``spatial_low_share``.

    Parameters
    ----------
    path : str
        A recording with electrode positions (10-20 names).
    channel : str
    untouched : list of FeatureFrame, optional
        The untouched recording's frames, if already analysed.

    Returns
    -------
    dict
        ``frames`` (compared: window inside the span, finite in both), ``rebuilt_pct`` (of them
        with ``channel`` rebuilt), ``corrected`` and ``uncorrected`` (median change), and
        ``corrected_up_pct``, ``uncorrected_up_pct`` (% of the frames where it rose).
    """
    rec = _load(path, channel)
    a = untouched if untouched is not None else _analyse(rec, rec.data)
    y = rec.data.copy()
    s0, s1 = (int(round(t * rec.sfreq)) for t in DEAD_SPAN_S)
    y[list(rec.ch_names).index(channel), s0:s1] = 0.0
    b = _analyse(rec, y)
    t = np.array([f.time_s for f in a])
    out: dict[str, float] = {}
    pairs = (("corrected", np.array([f.spatial_low_share for f in a]),
              np.array([f.spatial_low_share for f in b])),
             ("uncorrected", _uncorrected_low_share(a), _uncorrected_low_share(b)))
    w = (t - PipelineConfig().window_s >= DEAD_SPAN_S[0]) & (t <= DEAD_SPAN_S[1])
    for _, la, lb in pairs:
        w &= np.isfinite(la) & np.isfinite(lb)
    out["frames"] = float(w.sum())
    out["rebuilt_pct"] = 100.0 * float(np.mean([channel in b[i].interpolated
                                                for i in np.flatnonzero(w)])) if w.any() else 0.0
    for name, la, lb in pairs:
        d = lb[w] - la[w]
        out[name] = float(np.median(d)) if d.size else np.nan
        out[f"{name}_up_pct"] = 100.0 * float(np.mean(d > 0)) if d.size else np.nan
    return out


def swing_effect(path: str, channel: str, untouched: list[FeatureFrame] | None = None
                 ) -> dict[str, float | str]:
    """What a slow swing on ``channel`` alone does to the frames that hold it.

    Returns
    -------
    dict
        ``frames`` (holding part of a swing), ``codes`` (the electrode's commonest reasons
        there, e.g. ``amplitude 90 %, ok 10 %``), ``eye_pct`` and ``eye_untouched_pct`` (% of
        those frames that are eye-artifact frames, with and without the swing), ``compared``
        (frames neither gated nor eye-artifact frames in either), ``meditation`` (median change
        of the score there) and ``meditation_up_pct``.
    """
    rec = _load(path, channel)
    sf = rec.sfreq
    a = untouched if untouched is not None else _analyse(rec, rec.data)
    y = rec.data.copy()
    n = int(round(SWING_S * sf))
    bump = SWING_UV * np.sin(np.pi * np.arange(n) / n)
    c = list(rec.ch_names).index(channel)
    onsets = np.arange(SWING_START_S, rec.duration_s - 2 * SWING_S, SWING_EVERY_S)
    for t0 in onsets:
        i = int(round(t0 * sf))
        y[c, i:i + n] += bump
    b = _analyse(rec, y)
    t = np.array([f.time_s for f in a])
    hit = frames_holding(t, PipelineConfig().window_s, [(t0, t0 + SWING_S) for t0 in onsets])
    off_a = np.array([f.artifact or f.eye_artifact for f in a])
    off_b = np.array([f.artifact or f.eye_artifact for f in b])
    ok = hit & ~off_a & ~off_b
    d = np.array([fb.meditation_score - fa.meditation_score for fa, fb in zip(a, b, strict=True)])
    codes = Counter(b[i].channel_quality[c] for i in np.flatnonzero(hit))
    n_hit = max(1, int(hit.sum()))
    return {
        "frames": float(hit.sum()),
        "codes": ", ".join(f"{r} {100 * k / n_hit:.0f} %" for r, k in codes.most_common(3)),
        "eye_pct": 100.0 * float(np.mean([b[i].eye_artifact for i in np.flatnonzero(hit)])),
        "eye_untouched_pct": 100.0 * float(np.mean([a[i].eye_artifact
                                                    for i in np.flatnonzero(hit)])),
        "compared": float(ok.sum()),
        "meditation": float(np.median(d[ok])) if ok.any() else np.nan,
        "meditation_up_pct": 100.0 * float(np.mean(d[ok] > 0)) if ok.any() else np.nan,
    }


def dead_table(paths: Sequence[str], channels: Sequence[str]) -> str:
    """Markdown table of :func:`dead_effect` for every recording and electrode."""
    from ..io._common import fname

    lines = ["| recording | electrode | frames | rebuilt % | low share change, reported | "
             "raised % | uncorrected | raised % |", "|---|---|---|---|---|---|---|---|"]
    for path in paths:
        for ch in channels:
            e = dead_effect(path, ch)
            lines.append(f"| {fname(path)} | {ch} | {e['frames']:.0f} | {e['rebuilt_pct']:.0f} | "
                         f"{e['corrected']:+.4f} | {e['corrected_up_pct']:.0f} | "
                         f"{e['uncorrected']:+.4f} | {e['uncorrected_up_pct']:.0f} |")
    return "\n".join(lines)


def swing_table(paths: Sequence[str], channels: Sequence[str]) -> str:
    """Markdown table of :func:`swing_effect` for every recording and electrode."""
    from ..io._common import fname

    lines = ["| recording | electrode | frames | coded as | eye-artifact frames % (untouched) | "
             "compared | meditation: median change | raised % |",
             "|---|---|---|---|---|---|---|---|"]
    for path in paths:
        for ch in channels:
            e = swing_effect(path, ch)
            lines.append(f"| {fname(path)} | {ch} | {e['frames']:.0f} | {e['codes']} | "
                         f"{e['eye_pct']:.0f} ({e['eye_untouched_pct']:.0f}) | "
                         f"{e['compared']:.0f} | {e['meditation']:+.4f} | "
                         f"{e['meditation_up_pct']:.0f} |")
    return "\n".join(lines)


def _names(text: str, flag: str) -> list[str]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    if not names:
        raise UsageError(f"{flag} needs channel names, e.g. AF8,F3; got {text!r}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog=MODULE, description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", metavar="FILE", help="EEG recordings")
    ap.add_argument("--dead", metavar="CH,...", help="hold each electrode flat from 30 to 50 s")
    ap.add_argument("--swing", metavar="CH,...",
                    help="add a 150-uV slow swing to each electrode alone every 4 s")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(message)s")

    def body() -> None:
        if not (args.dead or args.swing):
            raise UsageError("give --dead CH,... or --swing CH,...")
        if args.dead:
            print("An electrode flat from 30 to 50 s: median change of spatial_low_share over "
                  "the frames in that span\n")
            print(dead_table(args.files, _names(args.dead, "--dead")) + "\n")
        if args.swing:
            print("A slow swing on one electrode alone every 4 s: the frames that hold it\n")
            print(swing_table(args.files, _names(args.swing, "--swing")))
    return run_reporting_errors(body)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
