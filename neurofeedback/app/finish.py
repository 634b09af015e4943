"""The end of a session, one rule for every frontend: stop, save, then report.

Stopping joins the session's worker, closes the recording and writes its MNE copy; a recorded
protocol session that ended without error then gets its HTML report. The headless runner calls
:func:`finish_session` directly; the Qt window runs it in a worker thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..errors import NeurofeedbackError
from ..report import write_report
from ..session import Session

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

    session: Session
    path: Path | None = None
    stop_error: str | None = None
    report: Path | None = None
    report_error: str | None = None


def wants_report(session: Session, stop_error: str | None = None) -> bool:
    """True when ending ``session`` writes a report: a recorded protocol session that stopped
    and ran without error."""
    return (
        stop_error is None and session.engine is not None
        and session.recording_path is not None and session.error is None
    )


def finish_session(session: Session) -> FinishResult:
    """Stop ``session`` (running or already ended by itself), save it, then write its report.

    Never raises: every failure is in the result, so the caller can always tell the user what
    was kept.

    Returns
    -------
    FinishResult
    """
    res = FinishResult(session)
    try:
        res.path = session.stop()
    except NeurofeedbackError as exc:
        res.stop_error = str(exc)
    except Exception as exc:  # noqa: BLE001 - the frontend must learn of anything that failed
        log.exception("stopping the session failed")
        res.stop_error = f"internal error: {exc!r}"
    if wants_report(session, res.stop_error):
        try:
            res.report = Path(write_report(session.recording_path))
        except NeurofeedbackError as exc:
            res.report_error = str(exc)
        except Exception as exc:  # noqa: BLE001 - the recording is what matters; say why
            log.exception("writing the report failed")
            res.report_error = f"internal error: {exc!r}"
    return res
