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


# an overnight recording: 6 h of 1-s frames (21600 frames: more than MAX_POINTS x SMOOTH_FRAMES)
NIGHT_STARTS = [(0.0, "lights-out"), (3600.0, "first-cycle"), (4 * 3600.0, "morning")]


@pytest.mark.parametrize("which", ["state", "band"])
def test_a_night_reads_in_hours_drawn_as_bins(which):
    import matplotlib.pyplot as plt

    from neurofeedback.report import figures, stats

    tab = _table(6 * 3600.0, 1.0)
    k = figures.frames_per_bin(tab.n_frames)
    assert k == 11 > figures.SMOOTH_FRAMES
    runs = stats.phase_runs(tab["time_s"], tab["phase"])
    fig = (figures.state_fig(tab, runs, _markers(NIGHT_STARTS)) if which == "state"
           else figures.band_power_fig(tab, _markers(NIGHT_STARTS)))
    try:
        assert fig.axes[-1 if which == "state" else 0].get_xlabel() == "time (h)"
        lines = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "-"]
        assert lines and all(ln.get_xdata().size <= figures.MAX_POINTS for ln in lines)
        assert max(ln.get_xdata().max() for ln in lines) == pytest.approx(6.0, abs=0.01)
    finally:
        plt.close(fig)
    # the phase labels stay at their starts, in hours, and off the plots
    fig = (figures.state_fig(tab, runs, _markers(NIGHT_STARTS)) if which == "state"
           else figures.band_power_fig(tab, _markers(NIGHT_STARTS)))
    _check(fig, len(NIGHT_STARTS))


def test_short_sessions_keep_seconds_and_every_frame():
    import matplotlib.pyplot as plt

    from neurofeedback.report import figures, stats

    tab = _table()
    fig = figures.state_fig(tab, stats.phase_runs(tab["time_s"], tab["phase"]), [])
    try:
        assert fig.axes[-1].get_xlabel() == "time (s)"
        assert fig.axes[0].get_lines()[0].get_xdata().size == tab.n_frames
    finally:
        plt.close(fig)
    assert figures.smoothing_note(tab.n_frames, 0.1) == "1-s moving average"
    assert figures.smoothing_note(21600, 1.0) == "medians of 11-s bins"


def test_time_axis_units():
    from neurofeedback.report.figures import time_axis

    assert time_axis(900.0).label == "time (s)"
    assert time_axis(901.0) == time_axis(3 * 3600.0)
    assert time_axis(901.0).seconds == 60.0 and time_axis(3 * 3600.0 + 1).seconds == 3600.0


def test_binned_medians_percentiles_and_runs():
    from neurofeedback.report.figures import binned, binned_runs

    t = np.arange(25.0)
    y = 2.0 * t
    y[3] = np.nan  # skipped
    centres, (lo, med) = binned(t, y, 10, (0.0, 50.0))
    np.testing.assert_allclose(centres, [4.5, 14.5, 22.0])  # the last bin holds 5 frames
    # a ramp's median over a bin is its middle (frame 3 missing from the first bin)
    np.testing.assert_allclose(med, [2 * 5.0, 2 * 14.5, 2 * 22.0])
    np.testing.assert_allclose(lo, [0.0, 20.0, 40.0])
    _, (empty,) = binned(t, np.full(25, np.nan), 10)
    assert np.isnan(empty).all()
    ph = np.array(["baseline"] * 12 + ["heating"] * 3 + ["drowsy"] * 10, dtype=object)
    # bins of 5 frames; frames 10-14 hold 2 baseline and 3 heating: that bin is heating
    # the last run ends a frame step after the last frame, as stats.phase_runs ends it
    assert binned_runs(t, ph, 5) == [("baseline", 0.0, 10.0), ("heating", 10.0, 15.0),
                                     ("drowsy", 15.0, 25.0)]


def test_a_nights_artifact_ticks_mark_mostly_artifact_bins():
    """21600 frames in bins of 11: red ticks exactly at the bins more than half artifact."""
    import matplotlib.pyplot as plt

    from neurofeedback.report import figures, stats

    tab = _table(6 * 3600.0, 1.0)
    art = np.zeros(tab.n_frames, dtype=bool)
    art[110:116] = True  # 6 of bin 10's 11 frames: a tick
    art[220:225] = True  # 5 of bin 20's 11: none
    art[330:341] = True  # all of bin 30: a tick
    tab.columns["artifact"] = art
    fig = figures.state_fig(tab, stats.phase_runs(tab["time_s"], tab["phase"]), [])
    try:
        ticks = [ln for ln in fig.axes[0].get_lines() if ln.get_marker() == "|"]
        assert len(ticks) == 1
        np.testing.assert_allclose(ticks[0].get_xdata() * 3600.0, [115.0, 335.0])
    finally:
        plt.close(fig)
