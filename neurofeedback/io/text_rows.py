"""The one parser of delimited sample text: one sample per line, fields split by a separator.

Three formats share it: our recordings' ``raw.csv``, BrainFlow CSV files and OpenBCI GUI
``.txt`` files. One rule for a cut last line, whatever the format:

A **cut last line** is the last non-blank line when the text does not end with a line break
after it, or when it has fewer fields than expected: a writer stopped in the middle of the line
(a killed process, a full disk, a copy that was interrupted). It is dropped, a warning is
logged, and :attr:`TextRows.cut_lines` counts it (readers copy the count to
:attr:`~neurofeedback.io.loaded.LoadedFile.cut_lines`). Any other line with the wrong number of
fields is corruption: :class:`~neurofeedback.errors.FileFormatError` naming the line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from ._common import fname

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextRows:
    """Complete data lines split into fields.

    Attributes
    ----------
    rows : list of list of str
        Fields of each complete data line, shape (n_lines, n_fields); blank lines are skipped.
    n_fields : int
        Fields per line.
    cut_lines : int
        Cut last lines dropped (0 or 1).
    """

    rows: list[list[str]]
    n_fields: int
    cut_lines: int


def read_text(path: str | os.PathLike, encoding: str = "utf-8") -> str:
    """A text file's content; :class:`FileFormatError` for undecodable bytes or NUL bytes.

    Parameters
    ----------
    path : str or PathLike
    encoding : str
        ``"utf-8"`` (BrainFlow CSV, OpenBCI txt) or ``"ascii"`` (our ``raw.csv``).
    """
    name = fname(path)
    try:
        text = Path(path).read_text(encoding=encoding)
    except UnicodeDecodeError:
        raise FileFormatError(f"{name}: not a text file (undecodable bytes); the file is corrupt") from None
    if "\x00" in text:
        raise FileFormatError(f"{name}: contains binary data (NUL bytes); the file is corrupt")
    return text


def guess_separator(line: str) -> str:
    """``"\\t"`` when ``line`` holds a tab, else ``","``."""
    return "\t" if "\t" in line else ","


def split_rows(
    lines: Sequence[str],
    *,
    name: str,
    ends_with_newline: bool,
    sep: str | None = None,
    n_fields: int | None = None,
    first_line_no: int = 1,
) -> TextRows:
    """Split data lines into fields, dropping a cut last line (see the module docstring).

    Parameters
    ----------
    lines : sequence of str
        The data lines without their line breaks (``str.splitlines()`` of the data part).
    name : str
        File name for messages.
    ends_with_newline : bool
        Whether the text ended with a line break after its last line.
    sep : str or None
        Field separator; None: :func:`guess_separator` of the first data line.
    n_fields : int or None
        Fields every line must have; None: as many as the first data line.
    first_line_no : int
        1-based line number of ``lines[0]`` in the file (for messages; blank lines aside).

    Returns
    -------
    TextRows

    Raises
    ------
    FileFormatError
        No data line, no complete data line, or a line other than the last with the wrong
        number of fields.
    """
    # the cut candidate is the file's final line, so it is judged before blank lines go
    last_is_final = bool(lines) and bool(lines[-1].strip())
    data = [ln for ln in lines if ln.strip()]
    if not data:
        raise FileFormatError(f"{name}: the file has no samples (empty)")
    if sep is None:
        sep = guess_separator(data[0])
    rows = [ln.split(sep) for ln in data]
    if n_fields is None:
        n_fields = len(rows[0])
    cut = 0
    last = len(rows[-1])
    if last < n_fields or (last_is_final and not ends_with_newline):
        log.warning(
            "%s: the last line is cut (%d of %d fields%s); dropped it",
            name, last, n_fields, "" if ends_with_newline else ", no line break after it",
        )
        rows.pop()
        cut = 1
        if not rows:
            raise FileFormatError(f"{name}: the only data line is cut; the file holds no complete sample")
    counts = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    bad = np.flatnonzero(counts != n_fields)
    if bad.size:
        k = int(bad[0])
        raise FileFormatError(
            f"{name}: line {first_line_no + k} has {counts[k]} fields, expected {n_fields}; "
            "the file is corrupt"
        )
    return TextRows(rows=rows, n_fields=n_fields, cut_lines=cut)


def float_matrix(rows: list[list[str]], name: str, first_line_no: int = 1) -> np.ndarray:
    """The fields as numbers, shape (n_lines, n_fields), float64.

    Raises
    ------
    FileFormatError
        Naming the first field that is not a number and its line.
    """
    try:
        return np.array(rows, dtype=np.float64)
    except ValueError:
        for k, r in enumerate(rows):
            for v in r:
                if not is_number(v):
                    raise FileFormatError(
                        f"{name}: non-numeric value {v.strip()!r} on line {first_line_no + k}; "
                        "the file is corrupt"
                    ) from None
        raise


def is_number(s: str) -> bool:
    """True if ``float(s)`` succeeds."""
    try:
        float(s)
    except ValueError:
        return False
    return True
