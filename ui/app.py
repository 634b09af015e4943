"""Start the Qt application: ``neurofeedback gui`` and ``python -m neurofeedback.ui`` end up in :func:`run_gui`."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PyQt6 import QtCore, QtWidgets

from neurofeedback.app import DEFAULT_SCORE, SessionSpec
from neurofeedback.errors import UsageError

from .main_window import MainWindow

log = logging.getLogger(__name__)


def feedback_path(path: str | os.PathLike[str]) -> Path:
    """Where the feedback view's screenshot goes: ``shot.png`` -> ``shot-feedback.png``."""
    p = Path(path)
    return p.with_name(f"{p.stem}-feedback{p.suffix or '.png'}")


def check_screenshot_path(path: str | os.PathLike[str]) -> Path:
    """Validate ``--screenshot`` before anything starts (folder exists, image suffix)."""
    p = Path(path)
    if p.suffix.lower() not in (".png", ".jpg", ".jpeg", ".bmp"):
        raise UsageError(f"--screenshot must end in .png, .jpg or .bmp; got '{path}'")
    if not p.parent.exists():
        raise UsageError(f"--screenshot folder '{p.parent}' does not exist; create it or pick another path")
    return p


def save_screenshots(window, path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Grab the operator window and the feedback window into ``path`` and its ``-feedback`` twin."""
    p = Path(path)
    fb = feedback_path(p)
    if not window.grab().save(str(p)):
        raise UsageError(f"could not write the screenshot '{p}' (check the folder's permissions)")
    fw = window.feedback_window
    if not fw.isVisible():
        fw.show()
    window.feedback.update()
    if not fw.grab().save(str(fb)):
        raise UsageError(f"could not write the screenshot '{fb}' (check the folder's permissions)")
    return p, fb


def _application() -> QtWidgets.QApplication:
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(sys.argv[:1])
        app.setApplicationName("neurofeedback")
    return app


def _drop_pending_quit(app: QtCore.QCoreApplication) -> None:
    """Discard quit requests still queued after ``app.exec()`` returned.

    Closing the last window posts a ``QEvent.Quit`` (quit-on-last-window-closed) besides the
    ``app.quit()`` that ended the loop, so one request outlives the loop. Delivered later outside
    ``exec()`` (by any ``processEvents()``), it calls ``QCoreApplication.exit()``, whose "quit now"
    flag only a new ``app.exec()`` clears: every later ``QEventLoop.exec()`` in this thread would
    return -1 at once, and timers would never fire again in a process that reuses the application
    (a second :func:`run_gui`, or a test run).
    """
    QtCore.QCoreApplication.removePostedEvents(app, QtCore.QEvent.Type.Quit)


def run_gui(
    spec: SessionSpec | None,
    *,
    feedback_mode: str = DEFAULT_SCORE,
    screenshot: str | None = None,
    quit_after: float | None = None,
    fullscreen_feedback: bool = False,
    size: tuple[int, int] = (1600, 1000),
) -> int:
    """Open the window, start ``spec`` (if given) and run the event loop.

    Parameters
    ----------
    spec : SessionSpec or None
        Session to start at once; None waits for the setup bar.
    feedback_mode : str
        Score fed back without a protocol, one of :data:`neurofeedback.app.FEEDBACK_SCORES`.
    screenshot : str, optional
        Save the operator view here (and the feedback view beside it) before quitting.
    quit_after : float, optional
        Quit after this many seconds (required with ``screenshot``).
    fullscreen_feedback : bool
        Show the feedback window full screen.
    size : (int, int)
        Operator window size in pixels.

    Returns
    -------
    int
        Exit code: 0, or 1 when ``quit_after`` ended a session that had failed.
    """
    if screenshot is not None:
        check_screenshot_path(screenshot)
        if quit_after is None:
            raise UsageError("--screenshot needs --quit-after S (seconds to run before the screenshot)")
    if quit_after is not None and not quit_after > 0:
        raise UsageError(f"--quit-after must be > 0 seconds; got {quit_after:g}")
    app = _application()
    window = MainWindow(feedback_mode=feedback_mode)
    window.resize(*size)
    window.show()
    if spec is not None:
        window.setup_bar.show_spec(spec)
        window.start_session(spec)
    if fullscreen_feedback:
        window.feedback_window.showFullScreen()
    outcome = {"code": 0, "error": None}

    def finish() -> None:
        try:
            if screenshot is not None:
                op, fb = save_screenshots(window, screenshot)
                sys.stdout.write(f"screenshots: {op} {fb}\n")
        except UsageError as exc:
            outcome["error"] = exc
        session = window.session
        if session is not None and session.error is not None:
            outcome["code"] = 1
        if spec is not None and session is None:
            outcome["code"] = 1  # the source never started; its error is in the window
        window.close()
        app.quit()

    if quit_after is not None:
        QtCore.QTimer.singleShot(int(quit_after * 1000), finish)
    app.exec()
    _drop_pending_quit(app)
    if outcome["error"] is not None:
        raise outcome["error"]
    if window.session is not None and window.session.recording_path is not None:
        sys.stdout.write(f"recorded to {window.session.recording_path}\n")
    if window.report_path is not None:
        sys.stdout.write(f"report: {window.report_path}\n")
    if window.banner_level == "error":
        sys.stderr.write(f"error: {window.banner_text}\n")
    return int(outcome["code"])
