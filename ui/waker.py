"""Wake the GUI thread when the session's worker has new feature frames.

The session (:mod:`neurofeedback.session`, no Qt) calls a plain function from its worker thread
(:attr:`~neurofeedback.session.Session.on_frames`); :meth:`FrameWaker.notify` is that function.
It emits a Qt signal, which a queued connection delivers to the object's own (GUI) thread, so
the window handles the new frame as soon as the GUI thread is free instead of at its next
redraw tick (:data:`~neurofeedback.ui.main_window.REDRAW_MS`, up to 30 ms later).

Wake-ups are coalesced: while one is posted and not yet handled, further calls post nothing,
so a burst of frames costs one handler run (which polls them all).
"""

from __future__ import annotations

import logging
import threading

from PyQt6 import QtCore

log = logging.getLogger(__name__)


class FrameWaker(QtCore.QObject):
    """Thread-safe "new frames" notice delivered on the GUI thread.

    Attributes
    ----------
    frames_ready : pyqtSignal
        Emitted (on the GUI thread) once per posted wake-up.
    posted : int
        Wake-ups posted since creation (coalesced calls not counted).
    """

    frames_ready = QtCore.pyqtSignal()
    _post = QtCore.pyqtSignal()

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._pending = threading.Event()
        self.posted = 0
        # queued: emitted in any thread, the slot runs in this object's thread
        self._post.connect(self._deliver, QtCore.Qt.ConnectionType.QueuedConnection)

    def notify(self) -> None:
        """Post one wake-up unless one is already waiting (any thread; returns at once)."""
        if self._pending.is_set():
            return
        self._pending.set()
        self.posted += 1
        self._post.emit()

    def _deliver(self) -> None:
        # cleared before the handler polls: frames arriving while it runs post a new wake-up
        self._pending.clear()
        self.frames_ready.emit()
