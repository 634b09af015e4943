"""The main-window fixture shared by the window tests (real Qt, offscreen)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from neurofeedback.ui.main_window import MainWindow  # noqa: E402


@pytest.fixture
def window(qtbot):
    """A shown main window (and its feedback window) in meditation mode, closed afterwards."""
    w = MainWindow(feedback_mode="meditation")
    qtbot.addWidget(w)
    qtbot.addWidget(w.feedback_window)
    w.show()
    yield w
    w.close()
