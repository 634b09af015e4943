"""Reading one of our session folders (written by :class:`neurofeedback.recording.Recorder`).

A session folder ``<record_dir>/<YYYYMMDD-HHMMSS>-<source>/`` holds:

``raw.csv``
    Samples in BrainFlow's CSV layout (one line per sample, one tab-separated value per board
    row, no header), so BrainFlow's PLAYBACK_FILE_BOARD replays recordings of BrainFlow boards.
``session.json``
    Board id and name, sample rate, channel names, row layout, units, software version, start time,
    status and ``ended_cleanly`` (false until a clean stop), protocol.
``markers.csv``
    ``time_s,label``: time in seconds since the session's first sample.
``features.csv``
    One row per feature frame (see :data:`neurofeedback.pipeline.frame.FEATURE_COLUMNS`).
``raw.fif``
    Written on a clean stop: an MNE-readable copy of the EEG channels.

The names are defined here, the lowest layer that needs them; the writer imports them.
"""

from __future__ import annotations

import csv
import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError
from ..sources.base import RowLayout
from .loaded import LoadedFile
from .text_rows import float_matrix, guess_separator, read_text, split_rows

log = logging.getLogger(__name__)

RAW_NAME = "raw.csv"
META_NAME = "session.json"
MARKERS_NAME = "markers.csv"
FEATURES_NAME = "features.csv"
FIF_NAME = "raw.fif"


def session_dir_of(path: str | Path) -> Path | None:
    """Return the session folder if ``path`` is one (or a file inside one), else None."""
    p = Path(path)
    if p.is_dir() and (p / META_NAME).is_file():
        return p
    if p.is_file() and p.name in (RAW_NAME, META_NAME) and (p.parent / META_NAME).is_file():
        return p.parent
    return None


def read_meta(session_dir: str | Path) -> dict[str, Any]:
    """Read ``session.json`` and check every entry the reader uses (:func:`check_meta`).

    Parameters
    ----------
    session_dir : str or Path
        The session folder.

    Returns
    -------
    dict
        The parsed sidecar.

    Raises
    ------
    FileFormatError
        When the file is missing, not JSON, or an entry is missing or invalid.
    """
    path = Path(session_dir) / META_NAME
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileFormatError(f"{path} is missing; is this a session folder?") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise FileFormatError(f"{path} is corrupt ({exc}); the raw.csv may still be replayable "
                              "as a BrainFlow CSV with its board named") from None
    check_meta(meta, str(path))
    return meta


#: Highest sample rate a session may declare (Hz); no EEG amplifier samples faster.
MAX_SFREQ_HZ = 100_000.0


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


def check_meta(meta: object, where: str) -> None:
    """Check a parsed ``session.json`` completely; nothing is coerced or guessed.

    Checked: it is a JSON object with ``sfreq`` (a number in Hz, > 0 and <=
    :data:`MAX_SFREQ_HZ`), ``ch_names`` (distinct non-empty strings, one per EEG row) and
    ``layout`` (``n_rows`` > 0; ``eeg_rows``, ``timestamp_row`` and the optional ``marker_row`` /
    ``package_num_row``: integers in ``0 .. n_rows - 1``, no row used twice, so no EEG channel
    reads the timestamp row);
    optional ``board_id`` (integer or null), ``board_name`` (string), ``rail_uv`` (finite
    number > 0 or null).

    Parameters
    ----------
    meta : object
        The parsed JSON.
    where : str
        The file, for messages.

    Raises
    ------
    FileFormatError
        Naming the first invalid entry, the allowed values and what the file holds.
    """
    fix = f"fix it in {META_NAME} (e.g. from another session of the same board) or remove the folder"

    def bad(what: str) -> FileFormatError:
        return FileFormatError(f"{where}: {what}; the file is corrupt: {fix}")

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


def _check_row_count(lines: list[str], n_rows: int, raw_path: Path) -> None:
    """Refuse a ``raw.csv`` whose first two data lines agree on a field count other than ``n_rows``.

    A disagreement between the two files (rather than one corrupt line, which
    :func:`~neurofeedback.io.text_rows.split_rows` names) means ``session.json``'s layout does
    not describe this ``raw.csv``.
    """
    head: list[int] = []
    for line in lines:
        if line.strip():
            head.append(line.count(guess_separator(line)) + 1)
            if len(head) == 2:
                break
    if len(head) == 2 and head[0] == head[1] != n_rows:
        raise FileFormatError(
            f"{raw_path}: {head[0]} values per line, but {META_NAME} declares 'layout.n_rows' "
            f"{n_rows}; the layout does not describe this recording: fix {META_NAME} "
            "(e.g. from another session of the same board)"
        )


def read_session(path: str | Path) -> LoadedFile:
    """Read one of our session folders (or its ``raw.csv`` / ``session.json``).

    A cut last line of ``raw.csv`` (a killed writer) is dropped with a warning
    (:mod:`neurofeedback.io.text_rows`).

    Returns
    -------
    LoadedFile
        ``data`` (n_channels, n_samples) in uV, ``rows`` (n_rows, n_samples) the full matrix.

    Raises
    ------
    FileFormatError
        When the folder, its ``session.json`` or ``raw.csv`` is missing or corrupt: any invalid
        ``session.json`` entry (:func:`check_meta`), a ``raw.csv`` whose lines do not have
        ``layout.n_rows`` fields (every line is checked; only a cut last line is dropped), or a
        non-numeric sample.
    """
    sdir = session_dir_of(path)
    if sdir is None:
        raise FileFormatError(f"{path} is not a session folder (no {META_NAME})")
    meta = read_meta(sdir)
    layout = RowLayout.from_dict(meta["layout"])
    raw_path = sdir / RAW_NAME
    if not raw_path.is_file():
        raise FileFormatError(f"{raw_path} is missing; the session has no samples")
    text = read_text(raw_path, encoding="ascii")
    lines = text.splitlines()
    _check_row_count(lines, layout.n_rows, raw_path)
    # every line's field count is checked (text_rows.split_rows); only a cut last line is dropped
    table = split_rows(lines, name=str(raw_path), n_fields=layout.n_rows,
                       ends_with_newline=text.endswith(("\n", "\r")))
    rows = np.ascontiguousarray(float_matrix(table.rows, str(raw_path)).T)
    data = rows[list(layout.eeg_rows)].astype(float)
    if not np.all(np.isfinite(data)):
        ch, idx = np.argwhere(~np.isfinite(data))[0]
        raise FileFormatError(
            f"{raw_path} has a non-numeric (NaN) sample in channel {meta['ch_names'][ch]} at "
            f"sample {idx}; the file is corrupt"
        )
    markers: list[tuple[float, str]] = []
    mpath = sdir / MARKERS_NAME
    if mpath.is_file():
        with open(mpath, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                try:
                    markers.append((float(row["time_s"]), row["label"]))
                except (KeyError, TypeError, ValueError):
                    continue
    meta = dict(meta)
    meta["artifact_spans"] = artifact_spans(sdir / FEATURES_NAME)
    return LoadedFile(
        path=str(sdir),
        format="neurofeedback session",
        data=data,
        sfreq=float(meta["sfreq"]),
        ch_names=list(meta["ch_names"]),
        timestamps=rows[layout.timestamp_row].astype(float),
        rows=rows,
        layout=layout,
        board_id=meta.get("board_id"),
        board_name=meta.get("board_name", ""),
        rail_uv=meta.get("rail_uv"),
        cut_lines=table.cut_lines,
        markers=markers,
        meta=meta,
    )


#: Length of the analysis window behind each ``features.csv`` row, seconds (the pipeline's
#: default ``window_s``): an artifact frame at time t means an artifact in [t - 2, t].
FRAME_WINDOW_S = 2.0


def artifact_spans(features_path: Path) -> list[tuple[float, float]]:
    """(onset, duration) in seconds of the stretches whose frames were gated as artifact.

    Each artifact row of ``features.csv`` covers its window ``[time_s - 2, time_s]``;
    overlapping windows are merged. An unreadable or missing file gives no spans (the samples
    are the record; the frames only annotate them).
    """
    if not features_path.is_file():
        return []
    spans: list[list[float]] = []
    try:
        with open(features_path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("artifact") != "1":
                    continue
                t = float(row["time_s"])
                lo = max(0.0, t - FRAME_WINDOW_S)
                if spans and lo <= spans[-1][1]:
                    spans[-1][1] = max(spans[-1][1], t)
                else:
                    spans.append([lo, t])
    except (OSError, KeyError, TypeError, ValueError, csv.Error) as exc:
        log.warning("%s: artifact spans not read (%s)", features_path, exc)
        return []
    return [(a, b - a) for a, b in spans]
