"""Qt-free and widget-level checks of the GUI's parts against known values."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neurofeedback.ui.app import feedback_path
from neurofeedback.ui.audio import RATIO_HIGH, RATIO_LOW, ROOT_HZ, ChordSynth, chord_params
from neurofeedback.ui.widgets.feedback import explain_artifact
from neurofeedback.ui.widgets.head_geometry import project, region_positions
from neurofeedback.ui.widgets.traces import DisplayFilter

ROOT = Path(__file__).resolve().parents[1]


def test_headless_package_never_imports_qt():
    code = (
        "import sys, neurofeedback.cli as c; c.build_parser(); "
        "import neurofeedback.commands.gui; "
        "bad = [m for m in sys.modules if m.startswith(('PyQt6', 'pyqtgraph', 'neurofeedback.ui'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_display_filter_removes_openbci_offset_and_keeps_alpha():
    sf = 250.0
    t = np.arange(int(20 * sf)) / sf
    alpha = 20.0 * np.sin(2 * np.pi * 10 * t)
    x = np.vstack([60000.0 + alpha, -45000.0 + 0 * t])
    filt = DisplayFilter(2, sf)
    # in chunks, as the GUI sees them: state must carry over
    y = np.concatenate([filt(x[:, i:i + 37]) for i in range(0, x.shape[1], 37)], axis=1)
    tail = slice(int(5 * sf), None)  # after the 1-Hz filter has settled
    assert abs(y[0, tail].mean()) < 0.5
    assert np.max(np.abs(y[1, tail])) < 0.5
    # a 10-Hz sine passes a 1-Hz high-pass with its RMS within 1 %
    assert np.std(y[0, tail]) == pytest.approx(np.std(alpha), rel=0.01)


@pytest.mark.parametrize("score, ratio", [(0.0, RATIO_LOW), (1.0, RATIO_HIGH)])
def test_chord_interval_follows_score(score, ratio):
    sr = 22050
    synth = ChordSynth(sample_rate=sr)
    synth.render(sr, score, False)  # finish the ramp from silence
    x = synth.render(sr * 2, score, False)
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    freqs = np.fft.rfftfreq(x.size, 1 / sr)
    # the two strongest peaks, at least 5 Hz apart
    i1 = int(np.argmax(spec))
    masked = spec.copy()
    masked[np.abs(freqs - freqs[i1]) < 5] = 0
    i2 = int(np.argmax(masked))
    found = sorted([freqs[i1], freqs[i2]])
    assert found[0] == pytest.approx(ROOT_HZ, abs=1.0)
    assert found[1] == pytest.approx(ROOT_HZ * ratio, abs=1.0)
    _, amp = chord_params(score, False)
    # two unit sines at amplitude amp/2 each: RMS = amp/2
    assert np.sqrt(np.mean(x**2)) == pytest.approx(amp / 2, rel=0.02)


def test_chord_is_silent_in_artifacts_and_louder_with_score():
    synth = ChordSynth()
    synth.render(2000, 0.8, False)
    synth.render(2000, 0.8, True)  # ramp down
    assert np.max(np.abs(synth.render(2000, 0.8, True))) == 0.0
    assert chord_params(0.9, False)[1] > chord_params(0.1, False)[1]


def test_explain_artifact_names_reason_and_channels():
    msg = explain_artifact(("emg:T7", "emg:T8", "blink:Fp1"))
    assert msg.startswith("Paused:")
    assert "muscle" in msg and "(T7, T8)" in msg and "eye" in msg and "Fp1" in msg
    assert explain_artifact(()) == "Paused: a signal artifact"


def test_feedback_screenshot_path():
    assert feedback_path("out/shot.png") == Path("out/shot-feedback.png")
    assert feedback_path("a.b/c.jpg") == Path("a.b/c-feedback.jpg")


def test_head_projection_puts_landmarks_where_expected():
    from neurofeedback.pipeline.regions import positions

    xy = project(positions(["Cz", "T7", "T8", "Fpz", "Oz"]))
    assert np.allclose(xy[0], 0, atol=0.05)  # vertex at the centre
    assert xy[1, 0] < -0.9 and abs(xy[1, 1]) < 0.15  # T7 on the left equator
    assert xy[2, 0] > 0.9 and abs(xy[2, 1]) < 0.15
    assert xy[3, 1] > 0.85 and xy[4, 1] < -0.85  # nose up, occiput down
    reg = region_positions(["Fp1", "Fp2", "O1", "O2", "T7", "C3"])
    assert reg["frontal"][1] > 0.5 and reg["occipital"][1] < -0.5
    assert reg["left_temporal"][0] < -0.8


def test_nice_ceil_and_stepped_range():
    from neurofeedback.ui.widgets.ranges import nice_ceil, stepped_range

    assert [nice_ceil(x) for x in (0.9, 1.0, 1.2, 2.5, 4.0, 6.0, 8.0, 81.0 * 1.1)] == [
        1.0, 1.0, 1.5, 3.0, 5.0, 7.5, 10.0, 100.0
    ]
    # ends snap outwards to the step
    assert stepped_range(-37.0, 12.0, 10.0) == (-40.0, 20.0)
    # the shown range is kept while the data fit in it without too much slack...
    assert stepped_range(-35.0, 8.0, 10.0, (-40.0, 20.0)) == (-40.0, 20.0)
    # ...and replaced when the data leave it or shrink far inside it
    assert stepped_range(-35.0, 23.0, 10.0, (-40.0, 20.0)) == (-40.0, 30.0)
    assert stepped_range(-5.0, 0.0, 1.0, (-40.0, 20.0)) == (-5.0, 0.0)


def test_traces_polylines_hold_the_decimated_filtered_signal(qtbot):
    from neurofeedback.ui.widgets.traces import TracesWidget, peak_decimate

    w = TracesWidget()
    qtbot.addWidget(w)
    sf, n_ch = 250.0, 4
    w.configure([f"C{i}" for i in range(n_ch)], sf)
    w.scale_box.setCurrentIndex(w.scale_box.findData(50))  # 50 uV per row
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, 10.0, (n_ch, 3000))
    for i in range(0, 3000, 25):  # chunks with growing stream times, as the session hands them out
        w.update_data(x[:, : i + 25], np.arange(i + 25) / sf)
    assert w.samples_held == 2500
    ref = DisplayFilter(n_ch, sf)(x)[:, -2500:]
    xs, seg = peak_decimate(ref, 3000 - 2500, sf, max_points=2 * max(200, w.plot.width()))
    lengths = w.curve_lengths()
    assert lengths == [xs.size] * n_ch
    from pyqtgraph.functions import ndarray_from_qpolygonf

    for i, poly in enumerate(w.trace_item._polys):
        pts = ndarray_from_qpolygonf(poly)
        assert np.allclose(pts[:, 0], xs)
        assert np.allclose(pts[:, 1], seg[i] / 50.0 - i)  # row i sits at -i, 1 unit = 50 uV
    # a bad channel is drawn with the red pen and named beside its row
    w.set_quality(("ok", "railed", "ok", "ok"))
    assert w.trace_item._pens[1].color().red() == 220 and w.trace_item._pens[0].color().red() == 30
    assert w.labels[1].isVisible() and w.labels[1].textItem.toPlainText() == "railed"
    assert not w.labels[0].isVisible()


def test_feedback_repaints_only_when_the_picture_changes(qtbot):
    import types

    from neurofeedback.ui.widgets.feedback import FeedbackView

    v = FeedbackView(mode="integration")
    qtbot.addWidget(v)
    v.resize(600, 400)
    v.configure(["Fp1", "Fp2", "C3", "C4", "O1", "O2"])
    regions = tuple(v.home)
    plv = np.full((len(regions),) * 2, 0.4)
    fr = types.SimpleNamespace(baseline_complete=True, artifact=False, regions=regions, sync_matrix=plv,
                               meditation_score=0.5, integration_score=0.8)
    v.update_frame(fr)
    assert v.tick(0.03)  # the score moved: repaint
    for _ in range(400):  # 12 s: the smoothed score settles on the target
        v.tick(0.03)
    assert v.shown == pytest.approx(0.8, abs=1e-3)
    assert not v.tick(0.03)  # nothing visible changed: no repaint
    v.update_frame(types.SimpleNamespace(**{**vars(fr), "integration_score": 0.2}))
    assert v.tick(0.03)
    v.set_idle("Session ended")
    assert v.tick(0.03) and v.message == "Session ended"


def test_feedback_and_state_panel_say_drowsy(qtbot):
    import types

    from neurofeedback.ui.widgets.feedback import DROWSY_TEXT, FeedbackView
    from neurofeedback.ui.widgets.status import StatusPanel

    v = FeedbackView(mode="meditation")
    qtbot.addWidget(v)
    fr = types.SimpleNamespace(baseline_complete=True, artifact=False, regions=(), sync_matrix=np.zeros((0, 0)),
                               meditation_score=0.0, integration_score=0.3, phase="drowsy",
                               drowsiness=0.66)
    v.update_frame(fr)
    assert v.message == DROWSY_TEXT and v.target == 0.0
    v.update_frame(types.SimpleNamespace(**{**vars(fr), "phase": "baseline", "meditation_score": 0.5}))
    assert v.message != DROWSY_TEXT
    from neurofeedback.pipeline.frame import FeatureFrame

    panel = StatusPanel()
    qtbot.addWidget(panel)
    panel.update_frame(FeatureFrame(time_s=80.0, baseline_complete=True, phase="drowsy",
                                    drowsiness=0.66, phase_confidence=1.0))
    assert panel.phase_label.text() == "drowsy (0.66): no meditation reward"
    assert "drowsiness 0.66" in panel.scores_label.text()
    panel.update_frame(FeatureFrame(time_s=80.1, baseline_complete=True, phase="baseline",
                                    eye_artifact=True, phase_confidence=1.0))
    assert panel.phase_label.text() == "baseline: eyes (no meditation reward)"


def test_idle_window_says_what_to_do(qtbot):
    from neurofeedback.ui.main_window import IDLE_TEXT, MainWindow

    w = MainWindow(feedback_mode="meditation", show_feedback=False)
    qtbot.addWidget(w)
    assert w.banner_text == IDLE_TEXT and "press Start" in IDLE_TEXT
    assert not w.banner.isHidden()
    # closed as the application closes it (its timer stopped, its feedback window closed)
    # before the test lets go of it: a main window freed with its timer running crashed Qt
    w.close()


def _luminance(rgb) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0..255 per channel)."""
    c = np.asarray(rgb, dtype=float)[:3] / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def _contrast(a, b) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_bad_channel_labels_are_readable_over_red_traces(qtbot):
    """The reason label is white on a dark red box: WCAG contrast >= 4.5 against its box, and the
    box hides the red trace under it (the old red-on-red text had a contrast of 1.0)."""
    from neurofeedback.ui.widgets.traces import BAD_COLOR, TracesWidget

    w = TracesWidget()
    qtbot.addWidget(w)
    w.configure(["T7", "T8"], 250.0)
    w.set_quality(("emg", "ok"))
    label = w.labels[0]
    text = label.textItem.defaultTextColor().getRgb()
    fill = label.fill.color().getRgb()
    assert label.fill.style() != 0  # a filled box (Qt.BrushStyle.NoBrush is 0)
    assert _contrast(text, fill) >= 4.5
    assert _contrast(text, BAD_COLOR) >= 4.0  # readable even where the box edge meets the trace
    assert _contrast(BAD_COLOR, BAD_COLOR) == 1.0


def test_bad_channel_list_wraps_and_lists_all_in_tooltip(qtbot):
    """Sixteen bad channels in a 320-px panel: the list wraps over several lines, nothing cut."""
    from PyQt6 import QtWidgets

    from neurofeedback.ui.widgets.quality import QualityWidget

    names = ["Fp1", "Fp2", "F7", "F3", "F4", "F8", "C3", "Cz", "C4", "T7", "T8", "P3", "Pz",
             "P4", "O1", "O2"]
    w = QualityWidget()
    qtbot.addWidget(w)
    w.configure(names)
    w.resize(320, 300)
    w.show()
    w.update_quality(np.full(16, 5.0), tuple("emg" if i % 2 else "blink" for i in range(16)))
    QtWidgets.QApplication.processEvents()
    lab = w.bad_label
    assert lab.isVisible() and lab.wordWrap()
    assert all(f"{n}: " in lab.text() for n in names)
    assert lab.toolTip().splitlines() == [f"{n}: {'emg' if i % 2 else 'blink'}"
                                          for i, n in enumerate(names)]
    line = lab.fontMetrics().lineSpacing()
    assert lab.width() <= 320
    assert lab.height() >= lab.heightForWidth(lab.width()) >= 3 * line  # all lines get room
    w.update_quality(np.full(16, 5.0), ("ok",) * 16)
    assert not lab.isVisible() and lab.text() == ""


@pytest.mark.parametrize("size", [(900, 700), (640, 400), (400, 300)])
def test_three_line_pause_message_fits_its_box(qtbot, size):
    """The longest pause sentence (three reasons, many channels) wraps to three lines or more; the
    font shrinks until the wrapped text is inside the message box, so no line is cut off."""
    from PyQt6 import QtGui

    from neurofeedback.ui.widgets.feedback import FeedbackView, explain_artifact, fit_font

    v = FeedbackView(mode="meditation")
    qtbot.addWidget(v)
    v.message = explain_artifact(("emg:T7", "emg:T8", "emg:F7", "blink:Fp1", "blink:Fp2",
                                  "amplitude:O1", "amplitude:O2"))
    v.instruction = "Lie or sit back, close your eyes and rest. Keep them closed until the end."
    v.footer = "baseline-eyes-closed \u00b7 1:23 left"
    w, h = size
    base = QtGui.QFont(v.font())
    for text, box, max_pt, flags in v.text_boxes(w, h):
        font = fit_font(base, box, text, flags, max_pt)
        need = QtGui.QFontMetricsF(font).boundingRect(box, flags, text)
        assert need.height() <= box.height() and need.width() <= box.width(), text
        assert font.pointSizeF() <= max_pt
    text, box, max_pt, flags = v.text_boxes(w, h)[1]
    unfitted = QtGui.QFont(base)
    unfitted.setPointSizeF(max_pt)
    lines_before = QtGui.QFontMetricsF(unfitted).boundingRect(box, flags, text).height() / \
        QtGui.QFontMetricsF(unfitted).lineSpacing()
    assert lines_before > 2.5  # the case the issue describes: three lines at the old size
    # the picture renders at that size without error
    v.resize(w, h)
    img = v.grab().toImage()
    assert img.width() == w and img.height() == h


def test_alpha_theta_opening_baseline_is_eyes_closed():
    from neurofeedback.protocols import load_protocol

    p = load_protocol("alpha-theta")
    baselines = [ph for ph in p.phases if ph.kind.startswith("baseline")]
    assert [ph.kind for ph in baselines] == ["baseline-eyes-closed"] * 2
    assert baselines[0].label == "baseline-eyes-closed" and "open" not in baselines[0].label
    assert all("open" not in ph.label for ph in p.phases)


def test_audio_buffer_is_the_documented_50_ms():
    import re

    from neurofeedback.ui.audio import BUFFER_S, SAMPLE_RATE, buffer_bytes

    assert BUFFER_S == 0.05
    # 32-bit mono samples: within one sample of BUFFER_S
    assert abs(buffer_bytes() / 4 - SAMPLE_RATE * BUFFER_S) <= 1 and buffer_bytes() % 4 == 0
    docs = Path(__file__).resolve().parents[1] / "docs"
    for page in ("gui.md", "benchmarks.md"):
        said = re.findall(r"audio output buffer[^.]*?(\d+) ms", (docs / page).read_text())
        assert said and {int(x) for x in said} == {round(1000 * BUFFER_S)}, page


def test_fade_in_after_an_underrun_starts_from_silence_without_a_step():
    from neurofeedback.ui.audio import AMP_HIGH, FADE_S, SAMPLE_RATE

    synth = ChordSynth()
    synth.render(2000, 1.0, False)  # ramps up from the synth's initial silence
    steady = synth.render(2000, 1.0, False)  # full level before the output ran dry
    assert np.abs(steady).max() > 0.9 * AMP_HIGH
    n = 1000
    x = synth.fade_in(n, 1.0, False)
    k = int(round(FADE_S * SAMPLE_RATE))
    assert x.shape == (n,) and x[0] == 0.0
    # the envelope ramps linearly from 0: |x| <= amplitude * (sample / fade length)
    env = AMP_HIGH * np.arange(k) / k
    assert np.all(np.abs(x[:k]) <= env + 1e-6)
    # no sample-to-sample step larger than the steady chord's own
    assert np.abs(np.diff(x)).max() <= np.abs(np.diff(steady)).max() + 1e-6
    # after the fade the chord holds the score's level
    assert np.abs(x[k:]).max() > 0.9 * AMP_HIGH


def test_timeline_keeps_file_markers_apart_with_their_own_cap(qtbot):
    """A replayed file dense with triggers fills its own list; the protocol's phase lines and
    the user's markers stay."""
    from neurofeedback.ui.widgets.timeline import MAX_FILE_MARKERS, TimelineWidget

    w = TimelineWidget()
    qtbot.addWidget(w)
    w.add_marker(1.0, "baseline")
    for k in range(MAX_FILE_MARKERS + 50):
        w.add_marker(2.0 + 0.01 * k, f"S{k}", from_file=True)
    assert [top.label.toPlainText() for top, _ in w.markers] == ["baseline"]
    kept = [top.label.toPlainText() for top, _ in w.file_markers]
    assert kept == [f"S{k}" for k in range(50, MAX_FILE_MARKERS + 50)]  # the newest kept
    w.reset()
    assert w.markers == [] and w.file_markers == []
