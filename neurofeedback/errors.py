"""Exceptions that carry a one-line, user-facing message.

The command line turns every :class:`NeurofeedbackError` into ``error: <message>`` on stderr and
exit code 2, without a traceback. Messages say what is wrong and what to do about it.
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


class RecordingError(NeurofeedbackError):
    """The recording directory cannot be written (permissions, full disk)."""


class ProtocolError(NeurofeedbackError):
    """A protocol file is invalid."""
