"""Exceptions that carry a one-line, user-facing message.

The command line turns every :class:`NeurofeedbackError` into ``error: <message>`` on stderr and
exit code 2, without a traceback. Messages say what is wrong and what to do about it, and name
a setting by its parameter and its command-line flag (:func:`setting`), never by the flag alone.
"""

from __future__ import annotations


class NeurofeedbackError(Exception):
    """Base class: a problem the user can fix, described in one line."""


class UsageError(NeurofeedbackError):
    """Bad command-line usage or a bad parameter value."""


class SourceError(NeurofeedbackError):
    """A source could not be opened, or failed while running."""


class SourceDisconnected(SourceError):
    """A live source stopped delivering data and did not come back."""


class FileFormatError(NeurofeedbackError):
    """A file is missing, empty, truncated, corrupt or of an unknown format."""


class MissingRateError(FileFormatError):
    """A file that does not say its sample rate (a CSV without a time column): give ``--sfreq``."""


class RecordingError(NeurofeedbackError):
    """The recording directory cannot be written (permissions, full disk)."""


class ProtocolError(NeurofeedbackError):
    """A protocol file is invalid."""


def setting(param: str, flag: str) -> str:
    """Name a setting in a message: the library's parameter, then the command-line flag that sets it.

    Library errors reach the command line, the Qt window and scripts alike, so a message names the
    parameter a caller passes and, for the command-line user, the flag.

    Parameters
    ----------
    param : str
        The parameter as the library spells it, e.g. ``"board"`` or ``"start_s"``.
    flag : str
        The command-line flag that sets it, e.g. ``"--board"``.

    Returns
    -------
    str
        For example ``"board (--board on the command line)"``.
    """
    return f"{param} ({flag} on the command line)"
