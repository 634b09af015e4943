"""Ending a session off the GUI thread: stop, save and write the report in a worker thread.

Stopping joins the session's worker, closes the recording and writes its ``raw.fif`` copy; a
protocol session then gets its HTML report. After a long session that takes seconds, so it runs
in a plain thread and the result comes back to the GUI thread through a queued Qt signal.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PyQt6 import QtCore

from neurofeedback.errors import NeurofeedbackError

log = logging.getLogger(__name__)


@dataclass
class FinishResult:
    """How ending one session went.

    Attributes
    ----------
    session : Session
        The session that was ended.
    path : Path or None
        Its recording folder (None when not recorded or when stopping failed).
    stop_error : str or None
        Why stopping failed (the recording keeps what was written before).
    report : Path or None
        The HTML report written for a recorded protocol session that ended without error.
    report_error : str or None
        Why writing the report failed.
    """

    session: Any
    path: Path | None = None
    stop_error: str | None = None
    report: Path | None = None
    report_error: str | None = None


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
        session = self.session
        res = FinishResult(session)
        try:
            try:
                res.path = session.stop()
            except NeurofeedbackError as exc:
                res.stop_error = str(exc)
            except Exception as exc:  # noqa: BLE001 - the GUI must learn of anything that failed
                log.exception("stopping the session failed")
                res.stop_error = f"internal error: {exc!r}"
            wants_report = (
                res.stop_error is None and session.engine is not None
                and session.recording_path is not None and session.error is None
            )
            if wants_report:
                try:
                    from neurofeedback.report import write_report

                    res.report = Path(write_report(session.recording_path))
                except NeurofeedbackError as exc:
                    res.report_error = str(exc)
                except Exception as exc:  # noqa: BLE001 - the recording is what matters; say why
                    log.exception("writing the report failed")
                    res.report_error = f"internal error: {exc!r}"
        finally:  # whatever happened, the window must learn that this session is done
            self.result = res
            self.done.emit(res)
