"""Report figures: no text over the data area of a plot, no text over other text.

The boxes are the ones matplotlib's own renderer computes for each artist (pixels at the figure's
dpi), so the check is exactly what ends up in the PNG.
"""

from __future__ import annotations

import numpy as np
import pytest


def _table(duration_s: float = 120.0, hop_s: float = 0.1):
    from neurofeedback.report.data import NUMERIC_COLUMNS, FeatureTable

    t = np.arange(0.0, duration_s, hop_s)
    rng = np.random.default_rng(0)
    cols = {name: rng.normal(5.0, 2.0, t.size) for name in NUMERIC_COLUMNS}
    cols["time_s"] = t
    cols["synchrony"] = rng.uniform(0, 1, t.size)
    phases = np.array(["baseline", "heating", "disintegration", "search", "annealing",
                       "integrated"], dtype=object)
    cols["phase"] = phases[np.minimum((t // (duration_s / 6)).astype(int), 5)]
    cols["artifact"] = rng.uniform(0, 1, t.size) < 0.02
    return FeatureTable(cols, [()] * t.size, "test")


# quick-demo's phase starts, and a crowded protocol (starts 1 s apart, long names) that must stack
QUICK_DEMO = [(0.0, "baseline-open"), (30.0, "training-1"), (60.0, "rest-1"),
              (70.0, "training-2"), (100.0, "baseline-close")]
CROWDED = [(float(i), f"phase-with-a-long-name-{i}") for i in range(0, 12)] + [(119.5, "last")]


def _markers(starts):
    out = []
    for t, name in starts:
        out += [(t, f"phase:{name}:start"), (t + 0.5, "reward:on")]
    return out


def _boxes(fig):
    from neurofeedback.report.figures import PHASE_LABEL_GID

    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    labels = [a for ax in fig.axes for a in ax.texts if a.get_gid() == PHASE_LABEL_GID]
    label_boxes = [a.get_window_extent(r) for a in labels]
    data_boxes = [ax.get_window_extent(r) for ax in fig.axes]
    legend_boxes = [ax.get_legend().get_window_extent(r) for ax in fig.axes if ax.get_legend()]
    tick_boxes = [lab.get_window_extent(r) for ax in fig.axes
                  for lab in ax.get_xticklabels() + ax.get_yticklabels() if lab.get_text()]
    return labels, label_boxes, data_boxes, legend_boxes, tick_boxes


def _overlap(a, b) -> bool:
    """Strict overlap of two boxes (touching edges do not count)."""
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _check(fig, n_labels: int) -> None:
    import matplotlib.pyplot as plt

    labels, label_boxes, data_boxes, legend_boxes, tick_boxes = _boxes(fig)
    try:
        assert len(labels) == n_labels
        texts = label_boxes + legend_boxes
        for i, a in enumerate(texts):
            for d in data_boxes:
                assert not _overlap(a, d), f"text {i} {a} over a data area {d}"
            for t in tick_boxes:
                assert not _overlap(a, t), f"text {i} {a} over a tick label {t}"
            for j in range(i + 1, len(texts)):
                assert not _overlap(a, texts[j]), f"text {i} {a} over text {j} {texts[j]}"
        # the labels stay at their phase's start: left edge within 3 px of the dashed line
        ax = fig.axes[0]
        for lab, box in zip(labels, label_boxes, strict=True):
            x_line = ax.transData.transform((lab.xy[0], 0))[0]
            assert 0 <= box.x0 - x_line <= 3.0
    finally:
        plt.close(fig)


@pytest.mark.parametrize("starts", [QUICK_DEMO, CROWDED], ids=["quick-demo", "crowded"])
def test_state_figure_text_stays_off_the_plots(starts):
    from neurofeedback.report import figures, stats

    tab = _table()
    runs = stats.phase_runs(tab["time_s"], tab["phase"])
    _check(figures.state_fig(tab, runs, _markers(starts)), len(starts))


@pytest.mark.parametrize("starts", [QUICK_DEMO, CROWDED], ids=["quick-demo", "crowded"])
def test_band_figure_text_stays_off_the_plot(starts):
    from neurofeedback.report import figures

    _check(figures.band_power_fig(_table(), _markers(starts)), len(starts))


def test_crowded_labels_are_stacked_in_rows():
    """Twelve long names one second apart cannot share a row: they climb, and rows are reused."""
    import matplotlib.pyplot as plt

    from neurofeedback.report import figures

    fig = figures.band_power_fig(_table(), _markers(CROWDED))
    labels, label_boxes, *_ = _boxes(fig)
    plt.close(fig)
    rows = sorted({round(b.y0, 1) for b in label_boxes})
    assert len(rows) >= 6
    # the last label (119.5 s) is far from the others: it goes back to the lowest row
    assert round(label_boxes[-1].y0, 1) == rows[0]


def test_blocks_figure_legend_off_the_bars():
    import matplotlib.pyplot as plt

    from neurofeedback.report import figures

    blocks = [{"kind": "training", "label": f"training-{i}", "reward_rate": 0.98,
               "mean_score": 0.97} for i in (1, 2)]
    fig = figures.blocks_fig(blocks)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ax = fig.axes[0]
    assert not _overlap(ax.get_legend().get_window_extent(r), ax.get_window_extent(r))
    plt.close(fig)
