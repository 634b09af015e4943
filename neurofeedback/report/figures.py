"""Report figures, drawn with matplotlib's Agg backend and returned as base64 PNG."""

from __future__ import annotations

import base64
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

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


def _protocol_marks(ax: Any, markers: list[tuple[float, str]], label: bool) -> None:
    for t, m in markers:
        if m.startswith("phase:") and m.endswith(":start"):
            ax.axvline(t, color="k", lw=0.8, ls="--")
            if label:
                ax.text(t, 1.0, " " + m[6:-6], transform=ax.get_xaxis_transform(), fontsize=7,
                        rotation=90, va="top", ha="left")


def band_power_figure(table: FeatureTable, markers: list[tuple[float, str]]) -> str:
    """Band power (dB, mean over clean channels) over time, one line per band, 1-s smoothing."""
    fig, ax = plt.subplots(figsize=(10, 3.2))
    t = table["time_s"]
    for b in BANDS:
        y = table[b]
        k = 10
        if y.size > k:
            y = np.convolve(np.nan_to_num(y, nan=np.nanmean(y) if np.isfinite(y).any() else 0.0),
                            np.ones(k) / k, mode="same")
        ax.plot(t, y, lw=1, label=f"{b} {BANDS[b][0]:g}-{BANDS[b][1]:g} Hz")
    _protocol_marks(ax, markers, label=True)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("power (dB re 1 uV²)")
    ax.legend(fontsize=7, ncol=5, loc="lower center", bbox_to_anchor=(0.5, 1.02))
    ax.grid(alpha=0.3)
    return to_base64_png(fig)


def channel_band_figure(names: list[str], band_db: np.ndarray) -> str:
    """Heat map of mean band power per channel (rows) and band (columns), dB."""
    fig, ax = plt.subplots(figsize=(5.5, 0.25 * len(names) + 1.2))
    im = ax.imshow(band_db, aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_xticks(range(len(BANDS)), list(BANDS), fontsize=8)
    fig.colorbar(im, ax=ax, label="dB re 1 uV²")
    return to_base64_png(fig)


def state_figure(table: FeatureTable, runs: list[tuple[str, float, float]],
                 markers: list[tuple[float, str]]) -> str:
    """Energy, temperature and synchrony over time, estimator phases shaded, protocol phases as
    dashed lines, artifact frames as red ticks."""
    t = table["time_s"]
    rows = [("energy", "energy (z)"), ("temperature", "temperature (z)"),
            ("synchrony", "synchrony (lagged, wPLI\u00b2)")]
    fig, axes = plt.subplots(len(rows), 1, figsize=(10, 6.5), sharex=True)
    for i, (ax, (col, lab)) in enumerate(zip(axes, rows, strict=True)):
        for ph, a, b in runs:
            ax.axvspan(a, b, color=PHASE_COLORS.get(ph, "#ffffff"), lw=0)
        ax.plot(t, table[col], color="k", lw=0.8)
        art = table["artifact"]
        if art.any():
            ax.plot(t[art], np.full(int(art.sum()), 0.0), "|", color="red", ms=6,
                    transform=ax.get_xaxis_transform())
        _protocol_marks(ax, markers, label=i == 0)
        ax.set_ylabel(lab)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=PHASE_COLORS[p]) for p in PHASES]
    fig.legend(handles, PHASES, ncol=6, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return to_base64_png(fig)


def blocks_figure(blocks: list[dict[str, Any]]) -> str:
    """Reward rate and mean score per training block."""
    tr = [b for b in blocks if b["kind"] == "training"]
    fig, ax = plt.subplots(figsize=(6, 2.8))
    x = np.arange(len(tr))
    rate = [np.nan if b["reward_rate"] is None else b["reward_rate"] for b in tr]
    score = [np.nan if b["mean_score"] is None else b["mean_score"] for b in tr]
    ax.bar(x - 0.2, rate, 0.4, label="reward rate")
    ax.bar(x + 0.2, score, 0.4, label="mean score")
    ax.set_xticks(x, [b["label"] for b in tr], fontsize=8)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return to_base64_png(fig)
