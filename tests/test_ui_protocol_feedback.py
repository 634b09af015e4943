"""The window feeds back the score the protocol rewards, through the modality its ``[feedback]``
section names (pytest-qt, offscreen, real Qt, the shipped protocol files)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import numpy as np
import pytest
from PyQt6 import QtGui

from neurofeedback.app import SessionSpec
from neurofeedback.protocols import score_value
from neurofeedback.ui.widgets.feedback import AUDIO_ONLY_TEXT

ROOT = Path(__file__).resolve().parents[1]
ALPHA_THETA = ROOT / "protocols" / "alpha-theta.toml"




def _centre_and_corner(view) -> tuple[QtGui.QColor, QtGui.QColor]:
    img = view.grab().toImage()
    return img.pixelColor(img.width() // 2, img.height() // 2), img.pixelColor(2, img.height() // 2)


def test_alpha_theta_protocol_feeds_back_its_score_by_sound_only(qtbot, window):
    w = window
    spec = SessionSpec(kind="simulated", scenario="meditation", protocol=str(ALPHA_THETA), record=False,
                       speed=40.0)
    assert w.start_session(spec), w.banner_text
    # the [feedback] mapping is "audio": sound on from the start, no picture
    assert w.audio_check.isChecked()
    assert w.audio.enabled == w.audio.available  # plays wherever an output device exists
    view = w.feedback
    assert not view.visual and view.picture == "none"
    # past the protocol's 120-s opening baseline, into the first training phase
    qtbot.waitUntil(lambda: w.feedback_frame is not None and w.feedback_frame.baseline_complete
                    and not w.feedback_frame.artifact, timeout=90000)
    fr = w.feedback_frame
    assert fr.protocol.score == "alpha-theta"
    value = score_value(fr, "alpha-theta")
    # the window, the audio and the status panel all carry the rewarded score and its value
    assert view.mode == "alpha-theta" and w.mode_box.currentText() == "alpha-theta"
    assert view.target == pytest.approx(float(np.clip(value, 0, 1)))
    assert w.audio.score == pytest.approx(value)
    assert w.status_panel.fed_back == ("alpha-theta", pytest.approx(value))
    assert view.message in (AUDIO_ONLY_TEXT, "Reward!")
    # the meditation score is another number: the bug was showing it instead
    assert not np.isclose(value, fr.meditation_score)
    # nothing is drawn in the middle: it has the backdrop's colour (as at the left edge)
    view.repaint()
    centre, edge = _centre_and_corner(view)
    assert abs(centre.red() - edge.red()) <= 3 and abs(centre.blue() - edge.blue()) <= 3


def test_visual_protocol_draws_the_disc_and_leaves_sound_off(qtbot, window):
    w = window
    w.audio_check.setChecked(True)  # the protocol decides, not what was left on
    spec = SessionSpec(kind="simulated", protocol="calibration", record=False, speed=10.0)
    assert w.start_session(spec), w.banner_text
    assert not w.audio_check.isChecked() and not w.audio.enabled
    assert w.feedback.visual and w.feedback.picture == "disc"
    qtbot.waitUntil(lambda: w.feedback_frame is not None, timeout=30000)
    w.feedback.tick(0.03)
    w.feedback.repaint()
    centre, edge = _centre_and_corner(w.feedback)
    assert centre.red() > edge.red() + 40  # the disc glows in the middle


def test_both_protocol_turns_sound_and_picture_on(qtbot, window):
    w = window
    spec = SessionSpec(kind="simulated", protocol="meditation", record=False, speed=10.0)
    assert w.start_session(spec), w.banner_text
    assert w.audio_check.isChecked() and w.feedback.visual
    qtbot.waitUntil(lambda: w.feedback_frame is not None, timeout=30000)
    assert w.feedback.mode == "meditation"


def test_python_m_ui_uses_the_application_options(capsys):
    from neurofeedback.ui.__main__ import main

    assert main(["--feedback-mode", "loud"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --feedback-mode must be one of meditation, integration, alpha-theta")
