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
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError
from ..sources.base import RowLayout
from .loaded import LoadedFile
from .text_rows import float_matrix, read_text, split_rows

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
    """Read and check ``session.json``."""
    path = Path(session_dir) / META_NAME
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileFormatError(f"{path} is missing; is this a session folder?") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(f"{path} is corrupt ({exc}); the raw.csv may still be replayable "
                              "as a BrainFlow CSV with its board named") from None
    for key in ("sfreq", "ch_names", "layout"):
        if key not in meta:
            raise FileFormatError(f"{path} has no '{key}' entry; it is not a session file")
    return meta


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
        When the folder, its ``session.json`` or ``raw.csv`` is missing or corrupt.
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
    table = split_rows(text.splitlines(), name=str(raw_path), n_fields=layout.n_rows,
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
