"""Session reports: one self-contained HTML file (figures embedded as base64 PNG).

``write_report(session_dir, out_path=None) -> Path`` works for any recording folder of this program
and for any EEG file :func:`neurofeedback.io.load_eeg_file` reads (which is analysed first).
Sections (ids in the HTML): ``facts``, ``quality``, ``bands``, ``state``, ``cycles``,
``annotations``, ``blocks``, ``baselines``. A section that cannot show its content says why.
"""

from __future__ import annotations

import html
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordingError, setting
from ..io import ReadOptions, marker_labels
from ..io.dates import format_start, recording_start
from ..pipeline.config import PipelineConfig
from ..pipeline.frame import BANDS, PHASES
from ..pipeline.latency import response_time_s
from ..quality_summary import REASONS, VERDICT_MIN_PCT, summarize_loaded
from . import figures, stats
from .data import ReportData, gather

log = logging.getLogger(__name__)

SECTIONS: tuple[tuple[str, str], ...] = (
    ("facts", "Session facts"),
    ("quality", "Signal quality per channel"),
    ("bands", "Band power over time"),
    ("state", "Energy, temperature and synchrony"),
    ("cycles", "Annealing cycles"),
    ("annotations", "Annotated spans"),
    ("blocks", "Protocol blocks: time in target and reward rate"),
    ("baselines", "Closing baseline against opening baseline"),
)

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;
line-height:1.4}table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}th{background:#f2f2f2}
td:first-child,th:first-child{text-align:left}.note{color:#555;font-style:italic}
.missing{background:#fff4e0;border-left:4px solid #f0a030;padding:.4em .8em}
img{max-width:100%}h2{border-bottom:1px solid #ddd;margin-top:1.6em}"""


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _fmt(x: Any, nd: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return _esc(x)


def _table(header: list[str], rows: list[list[Any]], nd: int = 2) -> str:
    h = "".join(f"<th>{_esc(c)}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v, nd)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def _img(b64: str, alt: str) -> str:
    return f'<img alt="{_esc(alt)}" src="data:image/png;base64,{b64}">'


def _missing(text: str) -> str:
    return f'<p class="missing">{_esc(text)}</p>'


def _facts(d: ReportData) -> str:
    lf, meta, tab = d.loaded, d.meta, d.features
    t = tab["time_s"]
    rows = [
        ["source", str(d.source)],
        ["format", lf.format],
        ["board / device", lf.board_name or meta.get("board_name") or "unknown"],
        ["start time", format_start(recording_start(lf))],
        ["status", meta.get("status", "–")],
        ["software version", meta.get("software") or meta.get("software_version") or "–"],
        ["channels", f"{len(lf.ch_names)}: {', '.join(lf.ch_names)}"],
        ["sample rate", f"{lf.sfreq:g} Hz"],
        ["duration", f"{lf.duration_s:.1f} s ({lf.duration_s / 60:.1f} min)"],
        ["dropped samples", lf.dropped_samples],
        ["feature frames", f"{tab.n_frames} ({_fmt(float(t[0]) if t.size else None, 1)}-"
                           f"{_fmt(float(t[-1]) if t.size else None, 1)} s), from {tab.source}"],
        ["artifact frames", f"{100 * float(tab['artifact'].mean()) if t.size else 0:.1f} %"],
        ["drowsy frames", _drowsy_share(tab, d.config)],
        ["eye-artifact frames", _eye_share(tab)],
        ["markers", len(d.markers)],
        ["protocol", f"{d.protocol.name}: {d.protocol.description}" if d.protocol else "none"],
        ["processing latency", processing_latency_text(meta)],
        ["response time (configured)", response_time_text(d)],
    ]
    out = _table(["", ""], rows)
    for n in d.notes:
        out += f'<p class="note">{_esc(n)}</p>'
    return out


def processing_latency_text(meta: dict[str, Any]) -> str:
    """The session's processing latency from ``session.json`` (``processing_latency``: per
    consumer ``n``, ``p50_ms``, ``p95_ms``), e.g. ``display p50 21 ms, p95 38 ms (1190
    frames)``; says so when the session did not measure it (older or offline recordings)."""
    lat = meta.get("processing_latency")
    if not isinstance(lat, dict) or not lat:
        return "not measured (recorded without a live display, or before it was measured)"
    names = {"display": "window", "audio": "audio", "status": "status line"}
    parts = []
    for consumer, s in lat.items():
        if consumer not in names or not isinstance(s, dict):  # the session's own stages
            continue
        p50, p95 = s.get("p50_ms"), s.get("p95_ms")
        if not isinstance(p50, (int, float)) or not isinstance(p95, (int, float)):
            continue
        parts.append(f"{names.get(consumer, consumer)} p50 {p50:.0f} ms, p95 {p95:.0f} ms "
                     f"({int(s.get('n', 0))} frames)")
    return "; ".join(parts) or "not measured"


def response_time_text(d: ReportData) -> str:
    """The configured response time of the meditation and integration scores with this
    session's pipeline settings (:func:`~neurofeedback.pipeline.latency.response_time_s`),
    after the protocol's response choice when the session had a protocol."""
    r = response_time_s(d.config)
    choice = f"protocol response {d.protocol.response}: " if d.protocol is not None else ""
    return choice + " \u00b7 ".join(f"{k} {v:.1f} s" for k, v in r.items()) + \
        " (half-way to a step change in the brain)"


def _drowsy_share(tab, cfg: PipelineConfig | None = None) -> str:
    """Share of frames read as drowsy (feedback fading out, none from the drowsy threshold),
    and the median drowsiness."""
    cfg = cfg or PipelineConfig()
    cols = tab.columns
    if "phase" not in cols or not cols["time_s"].size:
        return "–"
    share = 100 * float(np.mean(cols["phase"] == "drowsy"))
    d = cols.get("drowsiness")
    med = "" if d is None or not np.isfinite(d).any() else f", median drowsiness {np.nanmedian(d):.2f}"
    return (f"{share:.1f} % (drowsiness >= {cfg.drowsy_hold:g}: feedback fading out, none from "
            f"{cfg.drowsy_threshold:g}){med}")


def _eye_share(tab) -> str:
    """Share of the frames not gated in which a handled blink or eye movement (or the
    high-pass's ring-down after one) withheld the meditation and alpha-theta rewards (the
    ``eye_artifact`` column)."""
    cols = tab.columns
    if "eye_artifact" not in cols or not cols["time_s"].size:
        return "–"
    clean = ~cols["artifact"]
    if not clean.any():
        return "– (every frame gated)"
    share = 100 * float(np.mean(cols["eye_artifact"][clean]))
    return (f"{share:.1f} % of the frames not gated (a blink or eye movement handled there, or "
            "the filter's ring-down after one: no meditation or alpha-theta reward)")


def _quality(d: ReportData) -> tuple[str, list[stats.ChannelQuality]]:
    summary = d.quality
    if summary is None:  # ReportData built by hand: run the pipeline's checks here
        summary = summarize_loaded(d.loaded, full=True)
    q = stats.channel_quality(d.loaded, summary)
    reasons = [r for r in REASONS if r != "ok"]
    rows = [[c.name, c.verdict, c.reason_pct["ok"], *[c.reason_pct[r] for r in reasons],
             c.left_out_pct, c.offset_uv,
             c.railed_pct if c.railed_pct is not None else "rail unknown", c.rms_uv] for c in q]
    out = _table(["channel", "verdict", "ok (% frames)", *[f"{r} (%)" for r in reasons],
                  "left out (% frames)", "DC offset (uV)", "at rail (% samples)",
                  "RMS filtered (uV)"], rows, 1)
    out += (f'<p class="note">From {_esc(summary.method())}. Each frame the pipeline gives every '
            "channel one reason, the first that applies: railed, flat, line (the channel is "
            "left out of every metric), blink, emg, amplitude (the frame is an artifact frame); "
            "these are the labels of the live view. The verdict is the most frequent non-ok "
            f"reason if it covers at least {VERDICT_MIN_PCT:g} % of frames, else ok. RMS: "
            "the pipeline's filtered signal (1-45 Hz, mains notch) in the frames the channel was "
            "in use. DC offset: median raw value.</p>")
    return out, q


def _bands(d: ReportData, q: list[stats.ChannelQuality]) -> str:
    tab = d.features
    if tab.n_frames == 0:
        return _missing("No feature frames: band power over time cannot be shown.")
    out = _img(figures.band_power_figure(tab, d.markers), "band power over time")
    smooth = figures.smoothing_note(tab.n_frames, d.config.hop_s)
    out += (f'<p class="note">Mean over clean channels, dB re 1 uV², {smooth}; dashed '
            "lines are protocol phase starts.</p>")
    mat = np.array([[c.band_db[b] for b in BANDS] for c in q])
    out += _img(figures.channel_band_figure([c.name for c in q], mat), "band power per channel")
    out += '<p class="note">Mean band power per channel over the whole recording.</p>'
    return out


def _state(d: ReportData, runs: list[tuple[str, float, float]]) -> str:
    tab = d.features
    if tab.n_frames == 0:
        return _missing("No feature frames: the state over time cannot be shown.")
    out = _img(figures.state_figure(tab, runs, d.markers), "energy temperature synchrony")
    if not any(marker_labels.phase_edge(m) for _, m in d.markers):
        out += _missing("No protocol phase markers in this recording, so no protocol phases are "
                        "marked; the shading shows the estimator's annealing phases.")
    done = tab.baseline_done()
    if not done.any():
        out += _missing("Energy and temperature are z-scores against the baseline block and are "
                        "empty: the baseline was never completed.")
    else:
        end = d.config.baseline[1]
        first = float(tab["time_s"][np.argmax(done)])
        if first > end + 1.0:
            out += _missing(
                f"Energy and temperature start at {first:.1f} s, after the baseline block ended "
                f"at {end:g} s: the block held too few clean frames, so the baseline took the "
                "clean frames after it (pipeline setting baseline_min_clean_s).")
    if not np.isfinite(tab["synchrony"]).any():
        out += _missing("Synchrony is empty: it needs clean channels in at least two regions.")
    if figures.drawn_as_bins(tab.n_frames):
        smooth = figures.smoothing_note(tab.n_frames, d.config.hop_s)
        out += (f'<p class="note">Lines: {smooth}, grey: their 10-90 % range. Shading: the '
                "estimator phase most frames of a bin had. Dashed lines: protocol phase starts. "
                "Red ticks: bins of mostly artifact frames.</p>")
    else:
        out += ('<p class="note">Shading: estimator phase. Dashed lines: protocol phase starts. '
                "Red ticks: artifact frames.</p>")
    return out


def _cycles(runs: list[tuple[str, float, float]]) -> str:
    secs = stats.time_in_phases(runs)
    total = sum(secs.values()) or 1.0
    out = _table(["phase", "time (s)", "share (%)"],
                 [[p, secs.get(p, 0.0), 100 * secs.get(p, 0.0) / total] for p in PHASES], 1)
    cyc = stats.annealing_cycles(runs)
    if not cyc:
        out += _missing("No complete annealing cycle (heating or disintegration, then annealing "
                        "into integrated) was found in this recording.")
    else:
        out += _table(["cycle", "start (s)", "end (s)", "duration (s)", "phases visited"],
                      [[i + 1, c["start_s"], c["end_s"], c["duration_s"],
                        " → ".join(c["phases"])] for i, c in enumerate(cyc)], 1)
    out += ('<p class="note">A cycle is counted as the estimator counts it: a move from annealing '
            "to integrated after heating or disintegration since the previous cycle.</p>")
    return out


def _annotations(d: ReportData) -> str:
    spans = d.loaded.spans
    if not spans:
        return _missing("No annotated spans in this recording (annotations with a duration, as "
                        "EDF+, FIF, BrainVision or EEGLAB files carry them). Give a separate "
                        "file with --annotations FILE, e.g. a Sleep-EDF *-Hypnogram.edf.")
    window_s = d.config.window_s
    rows = stats.span_summary(d.features, spans, window_s)
    out = _table(["label", "spans", "total (s)", "frames", "clean (%)", "drowsy (%)",
                  "drowsiness", "alpha (dB)", "energy (z)", "meditation", "integration"],
                 [[r["label"], r["n_spans"], r["total_s"], r["n_frames"], r["clean_pct"],
                   r["drowsy_pct"], r["drowsiness"], r["alpha"], r["energy"],
                   r["meditation_score"], r["integration_score"]] for r in rows], 2)
    src = d.meta.get("annotations_file")
    labels = len({s[2] for s in spans})
    out += (f'<p class="note">{len(spans)} annotated spans'
            f"{f' from {_esc(Path(src).name)}' if src else ''}. A frame counts in a span when "
            f"its whole {window_s:g}-s analysis window lies inside it. Medians over the span's "
            "clean frames; drowsy (%): share of all its frames read drowsy (no feedback).</p>")
    if labels > stats.MAX_SPAN_LABELS:
        out += _missing(f"{labels} labels: the {stats.MAX_SPAN_LABELS} longest in total are shown.")
    return out


def _blocks(d: ReportData) -> str:
    if d.protocol is None:
        return _missing("No protocol was run in this recording, so there are no blocks, no time "
                        "in target and no reward rates to show.")
    blocks, check = stats.replay_blocks(d.features, d.markers, d.protocol)
    if not blocks:
        return _missing("The protocol's first phase never started in the recorded frames.")
    rows = []
    for b in blocks:
        rows.append([b["label"], b["kind"], b["score"] or "–", b["start_s"], b["end_s"],
                     b["time_in_target_s"], b["reward_rate"], b["mean_score"],
                     b["mean_threshold"], b["artifact_share"]])
    out = _table(["block", "kind", "score", "start (s)", "end (s)", "time in target (s)",
                  "reward rate", "mean score", "mean threshold", "artifact share"], rows)
    if any(b["kind"] == "training" for b in blocks):
        out += _img(figures.blocks_figure(blocks), "reward rate per block")
    n = len(d.protocol.phases)
    if len(blocks) < n:
        out += _missing(f"Only {len(blocks)} of the protocol's {n} phases were reached.")
    out += (f'<p class="note">Replayed with the protocol engine over the recorded frames. Time in '
            f"target: clean seconds with the score above the adaptive threshold. Reward rate: "
            f"share of scored time the reward was on (after the sustain time). reward:on markers "
            f"recorded {check['recorded']}, replayed {check['replayed']}.</p>")
    return out


def _baselines(d: ReportData) -> str:
    opening, closing, how = stats.baseline_windows(d.markers, d.protocol, d.loaded.duration_s)
    if opening is None or closing is None:
        what = how if "fewer than two" in how else (
            f"{how}: the {'opening' if opening is None else 'closing'} baseline was not completed")
        return _missing(f"No comparison: {what}.")
    rows = []
    compared = stats.compare_windows(d.features, opening, closing)
    for r in compared:
        q = r["quantity"]
        unit = ("dB" if q in BANDS or q in ("energy_db", "periodic_db")
                else "exponent" if q == "aperiodic_exponent" else "0..1")
        rows.append([f"{r['quantity']} ({unit})", r["open"], r["close"], r["diff"], r["cohen_d"],
                     f"{r['n_open']}/{r['n_close']}"])
    out = f"<p>Compared: {_esc(how)}; opening {opening[0]:.1f}-{opening[1]:.1f} s, closing " \
          f"{closing[0]:.1f}-{closing[1]:.1f} s, clean frames only.</p>"
    out += _table(["quantity", "opening", "closing", "closing − opening", "Cohen's d",
                   "frames (open/close)"], rows)
    out += ('<p class="note">Cohen\'s d = difference / pooled SD of frames. Frames overlap '
            "(2-s windows every 0.1 s) and are strongly autocorrelated, so d describes the size "
            "of the change; it is not a significance test.</p>")
    if any(r["n_open"] == 0 for r in compared):
        out += _missing("Some quantities have no frames in a window (shown as –): z-scores "
                        "(energy, temperature) are empty while the pipeline's baseline block is "
                        "being collected, and region measures need two clean regions.")
    return out


def render(d: ReportData) -> str:
    """The report as one HTML string (no external references)."""
    runs = stats.phase_runs(d.features["time_s"], d.features["phase"])
    quality_html, q = _quality(d)
    body = {
        "facts": _facts(d),
        "quality": quality_html,
        "bands": _bands(d, q),
        "state": _state(d, runs),
        "cycles": _cycles(runs),
        "annotations": _annotations(d),
        "blocks": _blocks(d),
        "baselines": _baselines(d),
    }
    title = f"Neurofeedback report: {d.source.name}"
    toc = "".join(f'<li><a href="#{k}">{_esc(v)}</a></li>' for k, v in SECTIONS)
    parts = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}'
             f"</title><style>{CSS}</style></head><body><h1>{_esc(title)}</h1>",
             '<p class="note">A research and self-exploration tool, not a medical device.</p>',
             f"<ol>{toc}</ol>"]
    for key, heading in SECTIONS:
        parts.append(f'<section id="{key}"><h2>{_esc(heading)}</h2>{body[key]}</section>')
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(
    session_dir: str | Path, out_path: str | Path | None = None, read: ReadOptions | None = None
) -> Path:
    """Write the HTML report of a recording folder or an EEG file.

    Parameters
    ----------
    session_dir : str or Path
        A session folder (``session.json``, ``raw.csv``, ``markers.csv``, ``features.csv``) or any
        EEG file :func:`neurofeedback.io.load_eeg_file` reads.
    out_path : str or Path, optional
        Where to write; default ``<session>/report.html`` for a folder, ``<file>.report.html``
        beside a file.
    read : ReadOptions, optional
        ``--board``, ``--channels`` and ``--sfreq`` for reading an EEG file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    FileFormatError
        The input cannot be read.
    RecordingError
        The report cannot be written.
    """
    d = gather(session_dir, read)
    if out_path is None:
        src = Path(d.source)
        out = src / "report.html" if src.is_dir() else src.with_name(src.name + ".report.html")
    else:
        out = Path(out_path)
    text = render(d)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise RecordingError(f"cannot write the report to {out}: {exc.strerror}; give another "
                             f"place as {setting('out_path', '--out PATH.html')}") from None
    log.info("report written to %s", out)
    return out


__all__ = ["SECTIONS", "processing_latency_text", "render", "response_time_text", "write_report"]
