"""What the developer commands under ``python -m neurofeedback.simulate.*`` share."""

from __future__ import annotations

import sys
from collections.abc import Callable

from ..errors import FileFormatError, UsageError


def run_reporting_errors(body: Callable[[], None]) -> int:
    """Run a command's body: 0 when it ends, 2 with one line on stderr (no traceback) when it
    raises :class:`UsageError` or :class:`FileFormatError` (a bad argument or file)."""
    try:
        body()
    except (UsageError, FileFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
