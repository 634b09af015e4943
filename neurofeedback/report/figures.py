"""Report figures, drawn with matplotlib's Agg backend and returned as base64 PNG."""

from __future__ import annotations

import base64
import io
import math
import warnings
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io import marker_labels  # noqa: E402
from ..pipeline.frame import BANDS, PHASES  # noqa: E402
from .data import FeatureTable  # noqa: E402

PHASE_COLORS: dict[str, str] = {
    "baseline": "#e0e0e0",
    "heating": "#fdd49e",
    "disintegration": "#fc8d59",
    "search": "#d7b5d8",
    "annealing": "#9ecae1",
    "integrated": "#a1d99b",
    "drowsy": "#bcbddc",
}


#: Points a time series is drawn with at most before it is drawn as bins (medians).
MAX_POINTS = 2000
#: Frames of the short-recording moving average of the band powers (1 s at the 0.1-s hop).
SMOOTH_FRAMES = 10


@dataclass(frozen=True)
class TimeAxis:
    """How a figure's time axis is labelled: ``seconds`` per unit and the axis label."""

    seconds: float
    label: str


def time_axis(duration_s: float) -> TimeAxis:
    """Seconds up to 15 min, minutes up to 3 h, hours beyond (an overnight recording reads in
    hours, a short session in seconds)."""
    if duration_s <= 15 * 60:
        return TimeAxis(1.0, "time (s)")
    if duration_s <= 3 * 3600:
        return TimeAxis(60.0, "time (min)")
    return TimeAxis(3600.0, "time (h)")


def frames_per_bin(n_frames: int) -> int:
    """Frames per bin so that at most :data:`MAX_POINTS` bins cover ``n_frames`` (1: none)."""
    return max(1, math.ceil(n_frames / MAX_POINTS))


def drawn_as_bins(n_frames: int) -> bool:
    """True when :func:`band_power_fig` and :func:`state_fig` draw ``n_frames`` frames as bins
    (more than :data:`MAX_POINTS` x :data:`SMOOTH_FRAMES`)."""
    return frames_per_bin(n_frames) > SMOOTH_FRAMES


def binned(t: np.ndarray, y: np.ndarray, k: int,
           q: tuple[float, ...] = (50.0,)) -> tuple[np.ndarray, np.ndarray]:
    """Percentiles ``q`` of ``y`` over consecutive bins of ``k`` frames (NaN-aware).

    Parameters
    ----------
    t, y : ndarray, shape (n_frames,)
        Frame times (s) and values; NaN values are skipped.
    k : int
        Frames per bin (the last bin may hold fewer).
    q : tuple of float
        Percentiles, 0-100.

    Returns
    -------
    centres : ndarray, shape (n_bins,)
        Mean frame time of each bin, s.
    values : ndarray, shape (len(q), n_bins)
        The percentiles of each bin (NaN for a bin without finite values).
    """
    n = t.size
    n_bins = -(-n // k)
    pad = n_bins * k - n
    tt = np.concatenate([t.astype(float), np.full(pad, np.nan)]).reshape(n_bins, k)
    yy = np.concatenate([y.astype(float), np.full(pad, np.nan)]).reshape(n_bins, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN bins give NaN
        values = np.nanpercentile(yy, q, axis=1)
        centres = np.nanmean(tt, axis=1)
    return centres, np.atleast_2d(values)


def binned_runs(t: np.ndarray, phases: np.ndarray,
                k: int) -> list[tuple[str, float, float]]:
    """Phase runs of bins of ``k`` frames: each bin takes the phase most of its frames have
    (a tie: the first in alphabetical order), and touching bins of one phase join
    (``(phase, start_s, end_s)``; empty phases skipped). A bin ends where the next begins, the
    last one a frame step after its last frame, as :func:`.stats.phase_runs` ends runs."""
    out: list[tuple[str, float, float]] = []
    step = float(t[-1] - t[-2]) if t.size > 1 else 0.0
    for i in range(0, t.size, k):
        vals, counts = np.unique(phases[i : i + k].astype(str), return_counts=True)
        ph = str(vals[np.argmax(counts)])
        a = float(t[i])
        b = float(t[i + k]) if i + k < t.size else float(t[-1]) + step
        if ph in ("", "nan"):
            continue
        if out and out[-1][0] == ph and math.isclose(out[-1][2], a):
            out[-1] = (ph, out[-1][1], b)
        else:
            out.append((ph, a, b))
    return out


def smoothing_note(n_frames: int, hop_s: float) -> str:
    """How the band-power and state figures draw ``n_frames`` frames, for their captions."""
    if not drawn_as_bins(n_frames):
        return f"{SMOOTH_FRAMES * hop_s:g}-s moving average"
    return f"medians of {frames_per_bin(n_frames) * hop_s:g}-s bins"


def to_base64_png(fig: Any) -> str:
    """Render ``fig`` to PNG and return it base64-encoded (the figure is closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


PHASE_LABEL_GID = "phase-label"
"""``gid`` of the protocol phase labels (tests find them by it)."""

LABEL_FONT_PT = 7.0
_LABEL_ROW_PT = 9.0  # height of one row of labels above the axes, points
_LABEL_GAP_PX = 3.0  # least horizontal gap between two labels in one row, pixels


def _phase_starts(markers: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """``(time_s, phase name)`` of every ``phase:NAME:start`` marker."""
    edges = ((t, marker_labels.phase_edge(m)) for t, m in markers)
    return [(t, e[0]) for t, e in edges if e is not None and e[1] == "start"]


def _protocol_marks(ax: Any, markers: list[tuple[float, str]], label: bool,
                    scale: float = 1.0) -> list[Any]:
    """Dashed lines at protocol phase starts; with ``label``, their names above the axes.

    The names sit outside the data area, in rows above the top spine (``_LABEL_ROW_PT`` points
    each); a name that would touch its left neighbour in a row moves up to the next free row.
    Returns the label artists (empty without ``label``). ``scale``: seconds per unit of the
    x axis.
    """
    starts = [(t / scale, name) for t, name in _phase_starts(markers)]
    for t, _ in starts:
        ax.axvline(t, color="k", lw=0.8, ls="--")
    if not label or not starts:
        return []
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    texts: list[Any] = []
    row_right: list[float] = []  # right edge (pixels) of the last label in each row
    for t, name in sorted(starts):
        txt = ax.annotate(name, xy=(t, 1.0), xycoords=ax.get_xaxis_transform(),
                          xytext=(1.5, 2.0), textcoords="offset points", fontsize=LABEL_FONT_PT,
                          ha="left", va="bottom", annotation_clip=False, gid=PHASE_LABEL_GID)
        box = txt.get_window_extent(renderer)
        row = next((i for i, right in enumerate(row_right) if box.x0 >= right + _LABEL_GAP_PX),
                   len(row_right))
        if row == len(row_right):
            row_right.append(box.x1)
        else:
            row_right[row] = box.x1
        txt.set_position((1.5, 2.0 + row * _LABEL_ROW_PT))
        texts.append(txt)
    return texts


def _legend_right(ax: Any, handles: list[Any] | None = None,
                  labels: list[str] | None = None, fontsize: float = 7) -> Any:
    """A legend outside the axes, to the right of its top corner (never over the data)."""
    kw = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0,
          "fontsize": fontsize}
    if handles is None:
        return ax.legend(**kw)
    return ax.legend(handles, labels, **kw)


def band_power_fig(table: FeatureTable, markers: list[tuple[float, str]]) -> Any:
    """The band-power figure (see :func:`band_power_figure`) as a matplotlib Figure."""
    fig, ax = plt.subplots(figsize=(10, 3.2))
    t = table["time_s"]
    axis = time_axis(float(t[-1] - t[0]) if t.size else 0.0)
    k = frames_per_bin(t.size)
    for b in BANDS:
        y = table[b]
        x = t
        if drawn_as_bins(t.size):  # a long recording: one median per bin
            x, (y,) = binned(t, y, k)
        elif y.size > SMOOTH_FRAMES:
            y = np.convolve(np.nan_to_num(y, nan=np.nanmean(y) if np.isfinite(y).any() else 0.0),
                            np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES, mode="same")
        ax.plot(x / axis.seconds, y, lw=1, label=f"{b} {BANDS[b][0]:g}-{BANDS[b][1]:g} Hz")
    ax.set_xlabel(axis.label)
    ax.set_ylabel("power (dB re 1 uV²)")
    _legend_right(ax)
    ax.grid(alpha=0.3)
    _protocol_marks(ax, markers, label=True, scale=axis.seconds)
    return fig


def band_power_figure(table: FeatureTable, markers: list[tuple[float, str]]) -> str:
    """Band power (dB, mean over clean channels) over time, one line per band: a 1-s moving
    average, or for a long recording the median of each bin (:func:`smoothing_note`)."""
    return to_base64_png(band_power_fig(table, markers))


def channel_band_figure(names: list[str], band_db: np.ndarray) -> str:
    """Heat map of mean band power per channel (rows) and band (columns), dB."""
    fig, ax = plt.subplots(figsize=(5.5, 0.25 * len(names) + 1.2))
    im = ax.imshow(band_db, aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_xticks(range(len(BANDS)), list(BANDS), fontsize=8)
    fig.colorbar(im, ax=ax, label="dB re 1 uV²")
    return to_base64_png(fig)


def state_fig(table: FeatureTable, runs: list[tuple[str, float, float]],
              markers: list[tuple[float, str]]) -> Any:
    """The state figure (see :func:`state_figure`) as a matplotlib Figure."""
    t = table["time_s"]
    axis = time_axis(float(t[-1] - t[0]) if t.size else 0.0)
    k = frames_per_bin(t.size)
    long = drawn_as_bins(t.size)
    if long:  # shading by the phase most frames of each bin have (thousands of runs otherwise)
        runs = binned_runs(t, table["phase"], k)
    art = table["artifact"]
    t_art = t[art]
    if long:  # bins whose frames are mostly artifact frames
        centres, (share,) = binned(t, art.astype(float), k, (50.0,))
        t_art = centres[share > 0.5]
    rows = [("energy", "energy (z)"), ("temperature", "temperature (z)"),
            ("synchrony", "synchrony (lagged, wPLI\u00b2)")]
    fig, axes = plt.subplots(len(rows), 1, figsize=(10, 6.5), sharex=True)
    u = axis.seconds
    for ax, (col, lab) in zip(axes, rows, strict=True):
        for ph, a, b in runs:
            ax.axvspan(a / u, b / u, color=PHASE_COLORS.get(ph, "#ffffff"), lw=0)
        if long:
            x, (lo, med, hi) = binned(t, table[col], k, (10.0, 50.0, 90.0))
            ax.fill_between(x / u, lo, hi, color="k", alpha=0.2, lw=0)
            ax.plot(x / u, med, color="k", lw=0.8)
        else:
            ax.plot(t / u, table[col], color="k", lw=0.8)
        if t_art.size:
            ax.plot(t_art / u, np.full(t_art.size, 0.0), "|", color="red", ms=6,
                    transform=ax.get_xaxis_transform())
        ax.set_ylabel(lab)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel(axis.label)
    handles = [plt.Rectangle((0, 0), 1, 1, color=PHASE_COLORS[p]) for p in PHASES]
    _legend_right(axes[0], handles, list(PHASES), fontsize=8)
    fig.align_ylabels(axes)
    for i, ax in enumerate(axes):
        _protocol_marks(ax, markers, label=i == 0, scale=u)
    return fig


def state_figure(table: FeatureTable, runs: list[tuple[str, float, float]],
                 markers: list[tuple[float, str]]) -> str:
    """Energy, temperature and synchrony over time, estimator phases shaded, protocol phases as
    dashed lines (named above the top panel), artifact frames as red ticks. A long recording
    (more than :data:`MAX_POINTS` x :data:`SMOOTH_FRAMES` frames) is drawn as bins: the median
    and the 10-90 % range of each, the phase most of its frames have, a red tick where most of
    its frames are artifact frames."""
    return to_base64_png(state_fig(table, runs, markers))


def blocks_fig(blocks: list[dict[str, Any]]) -> Any:
    """The blocks figure (see :func:`blocks_figure`) as a matplotlib Figure."""
    tr = [b for b in blocks if b["kind"] == "training"]
    fig, ax = plt.subplots(figsize=(6, 2.8))
    x = np.arange(len(tr))
    rate = [np.nan if b["reward_rate"] is None else b["reward_rate"] for b in tr]
    score = [np.nan if b["mean_score"] is None else b["mean_score"] for b in tr]
    ax.bar(x - 0.2, rate, 0.4, label="reward rate")
    ax.bar(x + 0.2, score, 0.4, label="mean score")
    ax.set_xticks(x, [b["label"] for b in tr], fontsize=8)
    ax.set_ylim(0, 1)
    _legend_right(ax, fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return fig


def blocks_figure(blocks: list[dict[str, Any]]) -> str:
    """Reward rate and mean score per training block."""
    return to_base64_png(blocks_fig(blocks))
