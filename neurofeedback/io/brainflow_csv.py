"""Reader for BrainFlow CSV files (``DataFilter.write_file`` output).

One line per sample, one value per board row, tab-separated (commas are accepted too), no
header. The row layout comes from a ``session.json`` sidecar next to the file (our recordings:
``sfreq``, ``ch_names``, ``layout`` = :meth:`RowLayout.to_dict`, ``board_id``) or, without one,
from BrainFlow's board descriptors for the board named with ``board=`` (``--board``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..boards import board_label, board_layout, resolve_board
from ..channels import apply_channel_override, default_channel_names, normalize_names
from ..errors import FileFormatError, UsageError, setting
from ..sources.base import RowLayout
from ._common import check_finite, check_rate, counter_gaps, fname
from .loaded import LoadedFile
from .session_meta import META_NAME, check_meta, parse_meta
from .text_rows import float_matrix, read_text, split_rows

log = logging.getLogger(__name__)

SIDECAR = META_NAME
_RAILS = {"cyton": 187500.0, "cyton-daisy": 187500.0}


def looks_like_brainflow_csv(first_line: str) -> bool:
    """True if ``first_line`` is a row of numbers separated by tabs (or commas)."""
    line = first_line.strip()
    if not line:
        return False
    sep = "\t" if "\t" in line else ","
    fields = line.split(sep)
    if len(fields) < 2:
        return False
    try:
        [float(f) for f in fields]
    except ValueError:
        return False
    return True


def _load_matrix(path: Path) -> tuple[np.ndarray, int]:
    """Samples x rows matrix of a BrainFlow CSV and the number of cut last lines dropped."""
    name = fname(path)
    text = read_text(path)
    table = split_rows(text.splitlines(), name=name, ends_with_newline=text.endswith(("\n", "\r")))
    return float_matrix(table.rows, name), table.cut_lines


def _sidecar_remedy(path: Path) -> str:
    return f"fix or remove the {SIDECAR} next to {fname(path)} (without it, name the board with {setting('board', '--board')})"


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    """The ``session.json`` beside ``path``, fully checked (:func:`.session_meta.check_meta`); None if absent."""
    side = path.with_name(SIDECAR)
    if not side.is_file():
        return None
    try:
        meta = parse_meta(side, corrupt_hint=_sidecar_remedy(path))
    except FileNotFoundError:  # removed between the check and the read
        return None
    check_meta(meta, str(side), remedy=_sidecar_remedy(path))
    return meta


def read_brainflow_csv(
    path: str | Path,
    *,
    board: str | None = None,
    channels: str | list[str] | None = None,
    sidecar: dict[str, Any] | None = None,
) -> LoadedFile:
    """Read a BrainFlow CSV file.

    Parameters
    ----------
    path : str or Path
    board : str or None
        Board that recorded it (``cyton``, ``synthetic``, a ``BoardIds`` name ...). Needed when
        there is no ``session.json`` next to the file; ignored when there is.
    channels : str or list of str or None
        ``--channels`` override.
    sidecar : dict or None
        An already-parsed ``session.json`` (otherwise looked up next to the file); checked like
        one read from disk.

    Returns
    -------
    LoadedFile
        ``data`` (n_eeg, n_samples) in microvolts, ``rows`` (n_rows, n_samples) the full matrix.

    Raises
    ------
    FileFormatError
        Wrong column count (suggests ``board``), truncated or corrupt file, NaN samples,
        inconsistent sample rate, or a ``session.json`` sidecar with any invalid entry (the same
        checks as a session folder's).
    UsageError
        No sidecar and no ``board``, or an unknown board name.
    """
    path = Path(path)
    name = fname(path)
    if sidecar is not None:
        check_meta(sidecar, f"{SIDECAR} given for {name}", remedy=_sidecar_remedy(path))
    meta = sidecar if sidecar is not None else _read_sidecar(path)
    if meta is not None:
        layout = RowLayout.from_dict(meta["layout"])
        sfreq = float(meta["sfreq"])
        board_id = meta.get("board_id")
        board_name = str(meta.get("board_name") or (board_label(board_id) if board_id is not None else ""))
        ch_names = normalize_names(list(meta["ch_names"]))
        origin = f"{SIDECAR} says"
        fmt = "BrainFlow CSV + session.json"
    else:
        if not board:
            raise UsageError(
                f"{name} looks like a BrainFlow CSV without a {SIDECAR} beside it; name the board "
                f"that recorded it as {setting('board', '--board')}, e.g. cyton (or synthetic, "
                "cyton-daisy, ganglion, a BoardIds name)"
            )
        board_id = resolve_board(board)
        layout, sfreq = board_layout(board_id)
        board_name = board_label(board_id)
        ch_names = default_channel_names(board_name, len(layout.eeg_rows))
        origin = f"board {board_name} has"
        fmt = "BrainFlow CSV"
    if sfreq <= 0 or not np.isfinite(sfreq):
        raise FileFormatError(f"{name}: sample rate must be > 0 Hz; {origin} {sfreq!r}")

    mat, cut = _load_matrix(path)
    if mat.shape[1] != layout.n_rows:
        raise FileFormatError(
            f"{name}: wrong column count: {origin} {layout.n_rows} values per line, the file has "
            f"{mat.shape[1]}; give the board that recorded it as {setting('board', '--board')}"
        )
    rows = np.ascontiguousarray(mat.T)
    data = rows[list(layout.eeg_rows)].copy()
    ch_names = apply_channel_override(ch_names, channels)
    if len(ch_names) != data.shape[0]:
        raise FileFormatError(f"{name}: {len(ch_names)} channel names for {data.shape[0]} EEG rows; fix {SIDECAR}")
    check_finite(str(path), data, ch_names, sfreq)

    dropped = 0
    if layout.package_num_row is not None and rows.shape[1] > 1:
        counter = rows[layout.package_num_row]
        if np.all(np.isfinite(counter)):
            mod = 256 if counter.max() <= 255 else None
            _, dropped, _ = counter_gaps(counter, modulus=mod)
    timestamps = rows[layout.timestamp_row].copy()
    if not np.all(np.isfinite(timestamps)):
        k = int(np.flatnonzero(~np.isfinite(timestamps))[0])
        raise FileFormatError(f"{name}: NaN timestamp at sample {k}; the file is corrupt")
    implied = check_rate(str(path), timestamps, sfreq, dropped)

    markers: list[tuple[float, str]] = []
    if layout.marker_row is not None:
        mk = rows[layout.marker_row]
        for k in np.flatnonzero(np.nan_to_num(mk) != 0):
            markers.append((float(timestamps[k] - timestamps[0]), f"{mk[k]:g}"))

    rail = meta.get("rail_uv") if meta is not None else None
    if rail is None:
        rail = _RAILS.get(board_name)
    return LoadedFile(
        path=str(path),
        format=fmt,
        data=data,
        sfreq=sfreq,
        ch_names=ch_names,
        timestamps=timestamps,
        rows=rows,
        layout=layout,
        board_id=None if board_id is None else int(board_id),
        board_name=board_name,
        rail_uv=None if rail is None else float(rail),
        dropped_samples=dropped,
        cut_lines=cut,
        markers=markers,
        meta={"sidecar": meta, "timestamp_rate_hz": implied},
    )
