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

The names are defined here, the lowest layer that needs them; the writer imports them
(``META_NAME`` and the sidecar's checks live in :mod:`.session_meta`, shared with the BrainFlow
CSV reader, and are re-exported here).
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError
from ..sources.base import RowLayout
from .loaded import LoadedFile
from .session_meta import MAX_SFREQ_HZ, META_NAME, check_meta, parse_meta
from .text_rows import float_matrix, guess_separator, read_text, split_rows

log = logging.getLogger(__name__)

__all__ = ["RAW_NAME", "META_NAME", "MARKERS_NAME", "FEATURES_NAME", "FIF_NAME", "MAX_SFREQ_HZ",
           "check_meta", "read_meta", "read_session", "session_dir_of", "artifact_spans"]

RAW_NAME = "raw.csv"
MARKERS_NAME = "markers.csv"
FEATURES_NAME = "features.csv"
FIF_NAME = "raw.fif"

#: Decimals of every value in raw.csv (1e-6 uV for EEG).
RAW_DECIMALS = 6
_RAW_SCALE = 10.0**RAW_DECIMALS
_EXACT_BELOW = 2.0**31  # |x| * 10**6 below 2^53: rint gives the exact decimal count


def quantized(x: np.ndarray) -> np.ndarray:
    """``x`` on raw.csv's grid of :data:`RAW_DECIMALS` decimals: what enters the pipeline.

    ``q = rint(x * 10**d) / 10**d`` is the double nearest to a d-decimal number, so
    ``f"{q:.6f}"`` writes exactly that number and reading it back gives ``q`` again. Every path
    into the pipeline (a live session, :func:`neurofeedback.offline.iter_frames`) feeds it
    quantized samples and the recorder writes them, so a session's live numbers, an offline
    analysis of its raw.csv and an offline analysis (or a replay) of the original file agree
    bit for bit. (A millionth of a microvolt, far below any amplifier's resolution; ``q`` may
    differ from ``f"{x:.6f}"`` by one unit in the last place when ``x`` lies within rounding of
    a tie, which nothing relies on.) Values of 2^31 or more in magnitude, and non-finite ones,
    go through the text itself.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):  # huge values are redone below
        out = np.rint(x * _RAW_SCALE) / _RAW_SCALE
    # beyond 2^31 the product is no longer an exact integer (and 1e308 would overflow): such
    # absurd values, and inf/NaN, go through the text itself
    huge = ~(np.abs(x) < _EXACT_BELOW)
    if huge.any():
        out[huge] = [float(f"{v:.{RAW_DECIMALS}f}") for v in x[huge].tolist()]
    return out


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
        meta = parse_meta(path, corrupt_hint="the raw.csv may still be replayable as a BrainFlow "
                                             "CSV with its board named")
    except FileNotFoundError:
        raise FileFormatError(f"{path} is missing; is this a session folder?") from None
    check_meta(meta, str(path))
    return meta


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


#: ``session.json`` statuses after which ``n_samples`` is exactly the number of lines in raw.csv
#: (a stop without a write error; written by :meth:`neurofeedback.recording.Recorder.close`).
EXACT_COUNT_STATUSES = ("complete", "stopped", "disconnected")


def _check_sample_count(meta: dict[str, Any], n_read: int, n_cut: int, raw_path: Path) -> None:
    """Refuse a ``raw.csv`` that holds another number of samples than its session ended with.

    When a session ends without a write error (``status`` in :data:`EXACT_COUNT_STATUSES`,
    ``ended_cleanly: true``), the Recorder writes the exact sample count into ``session.json``
    (``n_samples``); a ``raw.csv`` with fewer lines was cut (an incomplete copy), one with more
    had lines inserted. Any other session (a killed writer, a failed write) keeps only an
    approximate count and is read as far as its samples go. A cut last line, dropped with a
    warning (``n_cut``), counts as one of the samples.
    """
    if (meta.get("ended_cleanly") is not True or meta.get("status") not in EXACT_COUNT_STATUSES
            or "n_samples" not in meta):
        return
    declared = meta["n_samples"]
    if n_read + n_cut != declared:
        what = "cut (an incomplete copy?)" if n_read < declared else "longer than recorded (lines added?)"
        raise FileFormatError(
            f"{raw_path}: {n_read} samples, but {META_NAME} says the session ended cleanly with "
            f"{declared} ('n_samples'): the file is {what}; re-copy the session folder"
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
        ``layout.n_rows`` fields (every line is checked; only a cut last line is dropped), a
        non-numeric sample, or, for a session that ended cleanly, a sample count other than
        ``session.json``'s ``n_samples``.
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
    _check_sample_count(meta, rows.shape[1], table.cut_lines, raw_path)
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
