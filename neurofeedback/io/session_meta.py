"""The ``session.json`` sidecar: reading it and checking every entry a reader uses.

Two readers take a row layout from a ``session.json``: a session folder's
(:mod:`.session_folder`) and a BrainFlow CSV with the sidecar beside it (:mod:`.brainflow_csv`).
Both check it here, completely and with the same one-line messages, so a sidecar that lies
(sample rate 0 or NaN, names that are not strings or repeat, a name count that is not the EEG row
count, row indexes outside the layout or shared between roles) is refused before any sample is
read. This module sits below both readers (no import cycle inside :mod:`neurofeedback.io`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..errors import FileFormatError

#: File name of the sidecar.
META_NAME = "session.json"

#: Highest sample rate a session may declare (Hz); no EEG amplifier samples faster.
MAX_SFREQ_HZ = 100_000.0

#: What to do about a bad session folder's sidecar (the default remedy in messages).
FOLDER_REMEDY = f"fix it in {META_NAME} (e.g. from another session of the same board) or remove the folder"


def _show(v: object, limit: int = 60) -> str:
    """``repr(v)`` cut to ``limit`` characters, for messages."""
    text = repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_real(v: object) -> bool:
    """A JSON number that is finite as a float (huge integers overflow and are refused)."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def parse_meta(path: str | Path, *, corrupt_hint: str) -> Any:
    """Read a ``session.json`` file as JSON (not yet checked: see :func:`check_meta`).

    Parameters
    ----------
    path : str or Path
        The sidecar file.
    corrupt_hint : str
        What to do when the file is not readable JSON, appended to the message.

    Returns
    -------
    object
        The parsed JSON document (any JSON type; :func:`check_meta` requires an object).

    Raises
    ------
    FileNotFoundError
        When the file does not exist (each caller words that case itself).
    FileFormatError
        When the file is unreadable, not UTF-8 or not JSON.
    """
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise FileFormatError(f"{path} is corrupt ({exc}); {corrupt_hint}") from None


def check_meta(meta: object, where: str, *, remedy: str = FOLDER_REMEDY) -> None:
    """Check a parsed ``session.json`` completely; nothing is coerced or guessed.

    Checked: it is a JSON object with ``sfreq`` (a number in Hz, > 0 and <=
    :data:`MAX_SFREQ_HZ`), ``ch_names`` (distinct non-empty strings, one per EEG row) and
    ``layout`` (``n_rows`` > 0; ``eeg_rows``, ``timestamp_row`` and the optional ``marker_row`` /
    ``package_num_row``: integers in ``0 .. n_rows - 1``, no row used twice, so no EEG channel
    reads the timestamp row);
    optional ``board_id`` (integer or null), ``board_name`` (string), ``rail_uv`` (finite
    number > 0 or null), ``n_samples`` (integer >= 0), ``ended_cleanly`` (true or false).

    Parameters
    ----------
    meta : object
        The parsed JSON.
    where : str
        The file, for messages.
    remedy : str
        What the user can do, ending each message (default: for a session folder).

    Raises
    ------
    FileFormatError
        Naming the first invalid entry, the allowed values and what the file holds.
    """

    def bad(what: str) -> FileFormatError:
        return FileFormatError(f"{where}: {what}; the file is corrupt: {remedy}")

    if not isinstance(meta, dict):
        raise bad(f"holds a JSON {type(meta).__name__}, not an object with 'sfreq', 'ch_names' and 'layout'")
    for key in ("sfreq", "ch_names", "layout"):
        if key not in meta:
            raise bad(f"has no '{key}' entry (not a session file, or a damaged one)")
    sfreq = meta["sfreq"]
    if not _is_real(sfreq) or not 0 < sfreq <= MAX_SFREQ_HZ:
        raise bad(f"'sfreq' (sample rate) must be a number > 0 and <= {MAX_SFREQ_HZ:g} Hz; "
                  f"it is {_show(sfreq)}")

    layout = meta["layout"]
    if not isinstance(layout, dict):
        raise bad(f"'layout' must be an object with 'n_rows', 'eeg_rows' and 'timestamp_row'; it is {_show(layout)}")
    for key in ("n_rows", "eeg_rows", "timestamp_row"):
        if key not in layout:
            raise bad(f"'layout' has no '{key}' entry")
    n_rows = layout["n_rows"]
    if not _is_int(n_rows) or n_rows < 1:
        raise bad(f"'layout.n_rows' must be an integer >= 1; it is {_show(n_rows)}")
    eeg_rows = layout["eeg_rows"]
    if not isinstance(eeg_rows, list) or not eeg_rows:
        raise bad(f"'layout.eeg_rows' must be a non-empty list of row indexes; it is {_show(eeg_rows)}")
    used: dict[int, str] = {}
    named = [(f"layout.eeg_rows[{k}]", r, False) for k, r in enumerate(eeg_rows)]
    named.append(("layout.timestamp_row", layout["timestamp_row"], False))
    named += [(f"layout.{key}", layout.get(key), True) for key in ("marker_row", "package_num_row")]
    for label, row, optional in named:
        if optional and row is None:
            continue
        if not _is_int(row) or not 0 <= row < n_rows:
            allowed = "null or an integer" if optional else "an integer"
            raise bad(f"'{label}' must be {allowed} in 0..{n_rows - 1} (n_rows {n_rows}); it is {_show(row)}")
        if row in used:
            raise bad(f"'{label}' is row {row}, already used as '{used[row]}'; every row has one role")
        used[row] = label

    names = meta["ch_names"]
    if not isinstance(names, list):
        raise bad(f"'ch_names' must be a list of channel names; it is {_show(names)}")
    if len(names) != len(eeg_rows):
        raise bad(f"'ch_names' has {len(names)} names for {len(eeg_rows)} EEG rows "
                  "('layout.eeg_rows'); there must be one name per EEG row")
    seen: dict[str, int] = {}
    for k, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            raise bad(f"'ch_names[{k}]' must be a non-empty string; it is {_show(name)}")
        if name in seen:
            raise bad(f"'ch_names' holds {_show(name)} twice (positions {seen[name]} and {k}); "
                      "channel names must be distinct")
        seen[name] = k

    board_id = meta.get("board_id")
    if board_id is not None and not _is_int(board_id):
        raise bad(f"'board_id' must be null or an integer board id; it is {_show(board_id)}")
    board_name = meta.get("board_name", "")
    if not isinstance(board_name, str):
        raise bad(f"'board_name' must be a string; it is {_show(board_name)}")
    rail = meta.get("rail_uv")
    if rail is not None and (not _is_real(rail) or rail <= 0):
        raise bad(f"'rail_uv' must be null or a finite number > 0 (microvolts); it is {_show(rail)}")
    n_samples = meta.get("n_samples", 0)
    if not _is_int(n_samples) or n_samples < 0:
        raise bad(f"'n_samples' must be an integer >= 0; it is {_show(n_samples)}")
    clean = meta.get("ended_cleanly", False)
    if not isinstance(clean, bool):
        raise bad(f"'ended_cleanly' must be true or false; it is {_show(clean)}")
