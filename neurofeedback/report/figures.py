"""Report figures, drawn with matplotlib's Agg backend and returned as base64 PNG."""

from __future__ import annotations

import base64
import io
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


def _protocol_marks(ax: Any, markers: list[tuple[float, str]], label: bool) -> list[Any]:
    """Dashed lines at protocol phase starts; with ``label``, their names above the axes.

    The names sit outside the data area, in rows above the top spine (``_LABEL_ROW_PT`` points
    each); a name that would touch its left neighbour in a row moves up to the next free row.
    Returns the label artists (empty without ``label``).
    """
    starts = _phase_starts(markers)
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
    for b in BANDS:
        y = table[b]
        k = 10
        if y.size > k:
            y = np.convolve(np.nan_to_num(y, nan=np.nanmean(y) if np.isfinite(y).any() else 0.0),
                            np.ones(k) / k, mode="same")
        ax.plot(t, y, lw=1, label=f"{b} {BANDS[b][0]:g}-{BANDS[b][1]:g} Hz")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("power (dB re 1 uV²)")
    _legend_right(ax)
    ax.grid(alpha=0.3)
    _protocol_marks(ax, markers, label=True)
    return fig


def band_power_figure(table: FeatureTable, markers: list[tuple[float, str]]) -> str:
    """Band power (dB, mean over clean channels) over time, one line per band, 1-s smoothing."""
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
    rows = [("energy", "energy (z)"), ("temperature", "temperature (z)"),
            ("synchrony", "synchrony (lagged, wPLI\u00b2)")]
    fig, axes = plt.subplots(len(rows), 1, figsize=(10, 6.5), sharex=True)
    for ax, (col, lab) in zip(axes, rows, strict=True):
        for ph, a, b in runs:
            ax.axvspan(a, b, color=PHASE_COLORS.get(ph, "#ffffff"), lw=0)
        ax.plot(t, table[col], color="k", lw=0.8)
        art = table["artifact"]
        if art.any():
            ax.plot(t[art], np.full(int(art.sum()), 0.0), "|", color="red", ms=6,
                    transform=ax.get_xaxis_transform())
        ax.set_ylabel(lab)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=PHASE_COLORS[p]) for p in PHASES]
    _legend_right(axes[0], handles, list(PHASES), fontsize=8)
    fig.align_ylabels(axes)
    for i, ax in enumerate(axes):
        _protocol_marks(ax, markers, label=i == 0)
    return fig


def state_figure(table: FeatureTable, runs: list[tuple[str, float, float]],
                 markers: list[tuple[float, str]]) -> str:
    """Energy, temperature and synchrony over time, estimator phases shaded, protocol phases as
    dashed lines (named above the top panel), artifact frames as red ticks."""
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
