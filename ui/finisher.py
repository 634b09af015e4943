"""Ending a session off the GUI thread.

The rule itself (stop, save, then report) is :func:`neurofeedback.app.finish_session`; after a
long session it takes seconds, so here it runs in a plain thread and the
:class:`~neurofeedback.app.FinishResult` comes back to the GUI thread through a queued Qt signal.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PyQt6 import QtCore

from neurofeedback.app import FinishResult, finish_session

log = logging.getLogger(__name__)

__all__ = ["FinishResult", "SessionFinisher"]


class SessionFinisher(QtCore.QObject):
    """Ends ``session`` in a worker thread; :attr:`done` carries the :class:`FinishResult`.

    Parameters
    ----------
    session : Session
        The session to stop (running or already ended by itself).
    parent : QObject or None
        Qt parent (lives in the GUI thread, so :attr:`done` is delivered there).
    """

    done = QtCore.pyqtSignal(object)

    def __init__(self, session: Any, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.result: FinishResult | None = None
        self._thread = threading.Thread(target=self._run, name="session-finisher", daemon=False)

    def start(self) -> None:
        """Begin stopping, saving and writing the report."""
        self._thread.start()

    def wait(self, timeout_s: float | None = None) -> FinishResult | None:
        """Block until finished (or ``timeout_s`` passed); the result, or None if not done."""
        self._thread.join(timeout_s)
        return self.result

    @property
    def running(self) -> bool:
        """True until the worker thread has finished."""
        return self._thread.is_alive()

    def _run(self) -> None:
        res = FinishResult(self.session)
        try:
            res = finish_session(self.session)  # never raises; failures are in the result
        finally:  # whatever happened, the window must learn that this session is done
            self.result = res
            self.done.emit(res)
