"""What ``neurofeedback info`` reports about a file: format, channels, rate, duration, and a
per-channel quality summary in the pipeline's vocabulary.

Quality (see :mod:`neurofeedback.quality_summary` for the exact rules):

- ``offset_uv``: median raw value (DC offset), uV;
- ``railed_pct``: % of raw samples with ``|x| >= 0.99 * rail`` (None when the board's rail is
  unknown);
- ``rms_uv``: RMS after the pipeline's filters (1-45 Hz, mains notch) in frames where the
  channel was in use, uV;
- ``reasons``: % of the pipeline's frames with each reason (``ok``, ``railed``, ``flat``,
  ``line``, ``blink``, ``emg``, ``amplitude``), the labels the live view and the feedback use;
- ``left_out_pct``: % of frames the channel was left out of the measures (any reason but ok);
- ``artifact_pct``: % of frames with blink, emg or amplitude on the channel;
- ``verdict``: the most frequent non-ok reason if it covers >= 10 % of frames, else ``ok``.

Recordings longer than 10 minutes are sampled in 60 evenly spaced 10-s stretches unless
``full=True`` (``info --full``).
"""

from __future__ import annotations

import math
from typing import Any

from .errors import UsageError
from .io.dates import format_start, iso_utc, recording_start
from .io.loaded import LoadedFile
from .pipeline.config import PipelineConfig
from .pipeline.rates import recorded_lowpass_note
from .quality_summary import (
    FULL_LIMIT_S,
    REASONS,
    VERDICT_MIN_PCT,
    QualitySummary,
    compact_reasons,
    raw_facts,
    summarize_loaded,
)


def describe(loaded: LoadedFile, full: bool = False) -> dict[str, Any]:
    """Summary of a loaded file, JSON-serialisable (NaN aside).

    Parameters
    ----------
    loaded : LoadedFile
        EEG in uV, shape (n_channels, n_samples).
    full : bool
        Run the pipeline over every frame even of a recording longer than 10 minutes.

    Returns
    -------
    dict
        path, format, board, board_id, start_time (ISO 8601 UTC, ``...Z``, or None),
        start_time_local (``2026-03-01 14:05:09 +01:00 (13:05:09 UTC)``, or "not recorded"; see
        :mod:`neurofeedback.io.dates`), channels (list), n_channels, sfreq, duration_s,
        n_samples, dropped_samples, markers (count), spans (count of markers with a duration), rail_uv, quality_method (dict: frames,
        analysed_s, stretches or None, mains_hz, window_s, hop_s, verdict_rule, text), and
        quality: one dict per channel with channel, verdict, left_out_pct, artifact_pct,
        reasons (% of frames per reason, every reason), offset_uv, railed_pct, rms_uv.
    """
    summary: QualitySummary | None = None
    why = f"too short for one {PipelineConfig().window_s:g}-s analysis window: no pipeline frames"
    if loaded.duration_s >= PipelineConfig().window_s:
        try:
            summary = summarize_loaded(loaded, full=full)
        except UsageError as exc:  # e.g. a sample rate the pipeline cannot use
            why = f"the pipeline cannot analyse this file ({exc})"
    facts = raw_facts(loaded)
    start = recording_start(loaded)
    quality = []
    for i, name in enumerate(loaded.ch_names):
        if summary is not None:
            c = summary.channels[i]
            q = {"verdict": c.verdict, "left_out_pct": c.left_out_pct,
                 "artifact_pct": c.artifact_pct, "reasons": dict(c.reason_pct), "rms_uv": c.rms_uv}
        else:
            q = {"verdict": "n/a", "left_out_pct": math.nan, "artifact_pct": math.nan,
                 "reasons": dict.fromkeys(REASONS, math.nan), "rms_uv": math.nan}
        quality.append({"channel": name, **q, **facts[i]})
    method: dict[str, Any] = {
        "frames": summary.n_frames if summary else 0,
        "analysed_s": summary.analysed_s if summary else 0.0,
        "stretches": [list(s) for s in summary.stretches] if summary and summary.stretches else None,
        "mains_hz": summary.mains_hz if summary else None,
        "window_s": summary.window_s if summary else None,
        "hop_s": summary.hop_s if summary else None,
        "verdict_rule": (f"most frequent non-ok reason if it covers >= {VERDICT_MIN_PCT:g} % "
                         "of frames, else ok"),
        "text": summary.method() if summary else why,
    }
    return {
        "path": loaded.path,
        "format": loaded.format,
        "board": loaded.board_name or "unknown",
        "board_id": loaded.board_id,
        "start_time": iso_utc(start),
        "start_time_local": format_start(start),
        "channels": list(loaded.ch_names),
        "n_channels": len(loaded.ch_names),
        "left_out_channels": [str(c) for c in loaded.meta.get("dropped_channels", [])],
        "sfreq": float(loaded.sfreq),
        "duration_s": float(loaded.duration_s),
        "n_samples": int(loaded.n_samples),
        "dropped_samples": int(loaded.dropped_samples),
        "markers": len(loaded.markers),
        "spans": len(loaded.spans),
        "rail_uv": loaded.rail_uv,
        "recorded_lowpass_hz": loaded.meta.get("lowpass_hz"),
        "quality_method": method,
        "quality": quality,
    }


def _num(v: float | None, fmt: str, none: str = "n/a") -> str:
    if v is None:
        return none
    return "n/a" if isinstance(v, float) and math.isnan(v) else format(v, fmt)


#: Left-out channel names listed by ``info`` (the rest are counted).
MAX_LEFT_OUT_NAMES = 12


def _left_out_line(names: list[str]) -> list[str]:
    """``left out: N ...`` for the file's channels that are not read as EEG (none: no line)."""
    if not names:
        return []
    shown = ", ".join(names[:MAX_LEFT_OUT_NAMES])
    more = f" and {len(names) - MAX_LEFT_OUT_NAMES} more" if len(names) > MAX_LEFT_OUT_NAMES else ""
    return [f"left out: {len(names)} not read as EEG (other signals, ear references): {shown}{more}"]


def _lowpass_line(lowpass_hz: float | None) -> list[str]:
    """``low-pass: ...`` for a recorded low-pass (none known: no line)."""
    if lowpass_hz is None:
        return []
    note = recorded_lowpass_note(lowpass_hz)
    return [f"low-pass:  {lowpass_hz:g} Hz, recorded in the file" + (f"; note: {note}" if note else "")]


def format_info(d: dict[str, Any]) -> str:
    """Human-readable text of :func:`describe`'s dict."""
    m = d["quality_method"]
    lines = [
        f"file:      {d['path']}",
        f"format:    {d['format']}",
        f"board:     {d['board']}" + (f" (BrainFlow id {d['board_id']})" if d.get("board_id") is not None else ""),
        f"start:     {d.get('start_time_local', 'not recorded')}",
        f"channels:  {d['n_channels']}: {', '.join(d['channels'])}",
        *_left_out_line(d.get("left_out_channels", [])),
        f"rate:      {d['sfreq']:g} Hz",
        *_lowpass_line(d.get("recorded_lowpass_hz")),
        f"duration:  {d['duration_s']:.2f} s ({d['n_samples']} samples)",
        f"dropped:   {d['dropped_samples']} samples",
        f"markers:   {d['markers']}" + (f" ({d['spans']} of them spans with a duration)"
                                          if d.get("spans") else ""),
        "",
        f"quality: {m['text']}",
    ]
    if m["stretches"]:
        lines.append(f"  (recordings over {FULL_LIMIT_S / 60:g} min are sampled; --full analyses every frame)")
    lines += [
        f"  verdict: {m['verdict_rule']}; left out = any reason but ok (bad, or an artifact on it)",
        f"  {'channel':<8}  {'DC offset uV':>12}  {'at rail %':>9}  {'RMS uV':>7}  {'left out %':>10}"
        f"  {'verdict':<9}  reasons, % of frames",
    ]
    for q in d["quality"]:
        reasons = q["reasons"]
        text = "-" if any(isinstance(v, float) and math.isnan(v) for v in reasons.values()) \
            else compact_reasons(reasons)
        lines.append(
            f"  {q['channel']:<8}  {_num(q['offset_uv'], '.1f'):>12}  "
            f"{_num(q['railed_pct'], '.1f', 'unknown'):>9}  {_num(q['rms_uv'], '.1f'):>7}  "
            f"{_num(q['left_out_pct'], '.1f'):>10}  {q['verdict']:<9}  {text}"
        )
    return "\n".join(lines)
