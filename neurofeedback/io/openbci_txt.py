"""Reader for every generation of OpenBCI GUI text recordings.

Generations (all comma-separated, header lines start with ``%``):

- **2014** (GUI 1-3): ``%OpenBCI Raw EEG Data``, ``%Sample Rate = 250.0 Hz``, no board line, no
  column names; columns ``SampleIndex, EEG x N, Aux x 0-3`` ("optional columns at end being
  unscaled Aux data"); no timestamps. N is the largest board channel count (16, 8, 4) that
  leaves at most 3 aux columns (:func:`_eeg_count_2014`). No electrode layout: the channels are
  ``Ch1..ChN`` (name them with ``--channels``).
- **v2-3** (GUI 2.x-3.x, 2016-2018): ``%OpenBCI Raw EEG Data``, ``%Number of channels``,
  ``%Sample Rate``, ``%Last Column = Timestamp``; columns ``index, EEG x N, accel x 3,
  HH:MM:SS.mmm clock time`` (the time of day the sample arrived; midnight is handled).
- **v4**: same header (plus ``%Number of channels``); columns ``index, EEG x N, accel x 3,
  HH:MM:SS.mmm clock time, unix milliseconds``.
- **v5**: ``%OpenBCI Raw EEG Data`` with ``%Board = ...`` and a column-name row
  (``Sample Index, EXG Channel 0..N-1, Accel..., Other..., Analog..., Timestamp,
  Timestamp (Formatted)``, 24 columns for a Cyton); the first data row is all zeros.
- **v6**: ``%OpenBCI Raw EXG Data``, ``%Board = OpenBCI_GUI$BoardCytonSerial`` and a column-name
  row that adds ``Marker Channel``. Timestamps are unix seconds in live recordings and
  milliseconds in files converted from older generations (detected, converted to seconds).

Packet counter: the sample index wraps at 256 on a Cyton (step 1) and Cyton+Daisy (step 2 per
125 Hz sample). Gaps are counted as dropped samples (the samples are not filled in). On a
Ganglion the counter runs to the largest value seen in the file and a repeated value (two
samples from one compressed radio packet) is not a loss; a missing Ganglion packet is counted as
the number of missing counter steps, which is approximate.

Timestamps returned are ``t0 + position / sfreq`` where ``t0`` is the file's first timestamp in
seconds (0 for 2014 files) and ``position`` counts lost samples: the board's sample clock is
steadier than the PC arrival times in the file, which come in bursts. The file's own clock
(converted to seconds) is kept in ``meta["file_timestamps_s"]`` and checked against the declared
rate (10 % tolerance).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from ..boards import board_label, resolve_board
from ..channels import apply_channel_override, default_channel_names, normalize_names
from ..errors import FileFormatError
from ._common import check_finite, check_rate, counter_gaps, fname, timestamps_to_seconds
from .loaded import LoadedFile
from .text_rows import is_number, read_text, split_rows

log = logging.getLogger(__name__)

#: Cyton and Daisy ADS1299 saturation level at gain 24 (4.5 V / 24), in microvolts.
CYTON_RAIL_UV = 187500.0
#: Default sample rates of the OpenBCI boards.
BOARD_RATES = {"cyton": 250.0, "cyton-daisy": 125.0, "ganglion": 200.0}
#: Plausible EEG sample rates (Hz): a header rate outside them is a corrupt file, not a recording.
MIN_RATE_HZ = 1.0
MAX_RATE_HZ = 100_000.0
_BY_COUNT = {8: "cyton", 16: "cyton-daisy", 4: "ganglion"}
_EEG_COL = re.compile(r"^(EXG|EEG) Channel \d+$", re.IGNORECASE)


def looks_like_openbci(first_line: str) -> bool:
    """True if a file's first line is an OpenBCI GUI header (``%OpenBCI Raw ...``)."""
    return first_line.lstrip("\ufeff").strip().lower().startswith("%openbci raw")


def _board_from_text(text: str) -> str | None:
    t = text.lower()
    if "daisy" in t:
        return "cyton-daisy"
    if "cyton" in t:
        return "cyton"
    if "ganglion" in t:
        return "ganglion"
    if "synthetic" in t:
        return "synthetic"
    return None


def _parse_header(lines: list[str]) -> tuple[dict[str, str], int]:
    """Header key/values (lower-case keys) and the index of the first non-header line."""
    header: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i].lstrip("\ufeff").startswith("%"):
        body = lines[i].lstrip("\ufeff")[1:]
        if "=" in body:
            k, v = body.split("=", 1)
            header[k.strip().lower()] = v.strip()
        i += 1
    return header, i


def _sample_rate(header: dict[str, str], name: str) -> float | None:
    """The rate of the ``%Sample Rate = ... Hz`` header line in Hz, or None without that line.

    Parameters
    ----------
    header : dict of str to str
        Header key/values from :func:`_parse_header`.
    name : str
        The file's name, for messages.

    Raises
    ------
    FileFormatError
        The line holds no number, or a rate outside ``[MIN_RATE_HZ, MAX_RATE_HZ]`` (0, negative,
        NaN, infinite, 1e308 ...).
    """
    raw = header.get("sample rate")
    if raw is None:
        return None
    line = f"'%Sample Rate = {raw}'"
    m = re.search(r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", raw)
    if m is None:
        raise FileFormatError(
            f"{name}: header line {line} holds no sample rate; expected a number of Hz between "
            f"{MIN_RATE_HZ:g} and {MAX_RATE_HZ:g}"
        )
    rate = float(m.group())
    if not (np.isfinite(rate) and MIN_RATE_HZ <= rate <= MAX_RATE_HZ):
        raise FileFormatError(
            f"{name}: header line {line} gives {rate:g} Hz; an EEG sample rate must be between "
            f"{MIN_RATE_HZ:g} Hz and {MAX_RATE_HZ:g} Hz"
        )
    return rate


def read_openbci_txt(
    path: str | Path, *, board: str | None = None, channels: str | list[str] | None = None
) -> LoadedFile:
    """Read an OpenBCI GUI ``.txt`` recording of any generation.

    Parameters
    ----------
    path : str or Path
    board : str or None
        ``cyton``, ``cyton-daisy`` or ``ganglion`` to override the board found in the file
        (it decides default channel names and the rail level).
    channels : str or list of str or None
        ``--channels`` override of the channel names.

    Returns
    -------
    LoadedFile
        ``data`` (n_channels, n_samples) in microvolts.

    Raises
    ------
    FileFormatError
        Empty, truncated or corrupt file, NaN samples, a header sample rate outside 1 Hz-100 kHz
        or inconsistent with the timestamps.
    """
    path = Path(path)
    name = fname(path)
    text = read_text(path)
    lines = text.splitlines()
    header, i = _parse_header(lines)
    if not lines or not looks_like_openbci(lines[0]):
        raise FileFormatError(f"{name}: not an OpenBCI GUI file (first line should start with '%OpenBCI Raw')")
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines):
        raise FileFormatError(f"{name}: OpenBCI header but no samples; the recording is empty")
    col_names: list[str] | None = None
    first_fields = [f.strip() for f in lines[i].split(",")]
    if not is_number(first_fields[0]):
        col_names = first_fields
        i += 1
    if not any(ln.strip() for ln in lines[i:]):
        raise FileFormatError(f"{name}: OpenBCI header but no samples; the recording is empty")
    table = split_rows(
        lines[i:], name=name, ends_with_newline=text.endswith(("\n", "\r")), sep=",",
        n_fields=len(col_names) if col_names else None, first_line_no=i + 1,
    )
    rows, ncols = table.rows, table.n_fields

    # --- column roles -------------------------------------------------------------------
    ts_col: int | None = None
    clock_col: int | None = None  # a column of clock times hh:mm:ss.mmm (GUI 2.x-3.x)
    marker_col: int | None = None
    index_col = 0
    ts_unit_hint: str | None = None
    if col_names is not None:
        low = [c.strip().lower() for c in col_names]
        eeg_cols = [j for j, c in enumerate(col_names) if _EEG_COL.match(c.strip())]
        if "timestamp" in low:
            ts_col = low.index("timestamp")
        for j, c in enumerate(low):
            if c.startswith("marker"):
                marker_col = j
        if "sample index" in low:
            index_col = low.index("sample index")
        generation = "v6" if "exg data" in lines[0].lower() else "v5"
        file_labels = [col_names[j].strip() for j in eeg_cols]
    else:
        first = [f.strip() for f in rows[0]]
        has_clock = any(":" in f for f in first)
        declared = header.get("number of channels")
        if has_clock and ":" in first[-1]:
            # GUI 2.x-3.x: index, EEG, accel x 3, then the clock time hh:mm:ss.mmm last
            generation = "v2-3"
            n_eeg = int(declared) if declared and declared.isdigit() else ncols - 5
            clock_col = ncols - 1
        elif has_clock:
            generation = "v4"
            n_eeg = int(declared) if declared and declared.isdigit() else ncols - 6
            ts_col = ncols - 1
            ts_unit_hint = "ms"
        else:
            generation = "2014"
            n_eeg = int(declared) if declared and declared.isdigit() else _eeg_count_2014(ncols)
        if n_eeg <= 0 or n_eeg + 1 > ncols:
            raise FileFormatError(f"{name}: cannot find the EEG columns among {ncols} columns; unsupported OpenBCI layout")
        eeg_cols = list(range(1, 1 + n_eeg))
        file_labels = []
    if not eeg_cols:
        raise FileFormatError(f"{name}: no 'EXG Channel' columns in the column-name row; unsupported OpenBCI layout")
    n_eeg = len(eeg_cols)

    # --- board, rate --------------------------------------------------------------------
    board_name = None
    if board:
        board_name = board_label(resolve_board(board))
    elif "board" in header:
        board_name = _board_from_text(header["board"])
    if board_name is None:
        board_name = _BY_COUNT.get(n_eeg, "unknown")
    sfreq = _sample_rate(header, name)
    if sfreq is None:
        sfreq = BOARD_RATES.get(board_name)
        if sfreq is None:
            raise FileFormatError(f"{name}: no '%Sample Rate' header line and unknown board; cannot tell the sample rate")
        log.warning("%s: no sample-rate line; assuming %g Hz for %s", name, sfreq, board_name)
    if not np.isfinite(sfreq) or sfreq <= 0:
        raise FileFormatError(f"{name}: sample rate must be > 0 Hz; the header says {header.get('sample rate')!r}")

    # --- numbers ------------------------------------------------------------------------
    def column(j: int, what: str) -> np.ndarray:
        try:
            return np.array([r[j] for r in rows], dtype=np.float64)
        except ValueError:
            for k, r in enumerate(rows):
                if not is_number(r[j].strip()):
                    raise FileFormatError(
                        f"{name}: {what} has a non-numeric value {r[j].strip()!r} in data row "
                        f"{k + 1}; the file is corrupt"
                    ) from None
            raise

    labels = file_labels or [f"column {j}" for j in eeg_cols]
    data = np.vstack([column(j, labels[c]) for c, j in enumerate(eeg_cols)])
    index = column(index_col, "the sample index")
    ts_file = column(ts_col, "the timestamp column") if ts_col is not None else None
    if clock_col is not None:
        ts_file = _clock_seconds([r[clock_col] for r in rows], name)
    markers_raw = column(marker_col, "the marker column") if marker_col is not None else None

    # v5 writes an all-zero row right after the header; drop leading all-zero EEG rows.
    lead = 0
    while lead < data.shape[1] - 1 and not np.any(data[:, lead]) and index[lead] == 0:
        lead += 1
    if lead:
        log.debug("%s: dropped %d all-zero row(s) after the header", name, lead)
        data, index = data[:, lead:], index[lead:]
        ts_file = ts_file[lead:] if ts_file is not None else None
        markers_raw = markers_raw[lead:] if markers_raw is not None else None

    if file_labels and not all(_EEG_COL.match(x) for x in file_labels):
        ch_names = normalize_names(file_labels)
    elif generation == "2014":
        # the 2014 GUI stored and implied no electrode layout (eeghacker's O1 recording has its
        # only electrode on channel 2, which the later default layout calls Fp2): numbered
        # channels, named with --channels
        ch_names = [f"Ch{i}" for i in range(1, n_eeg + 1)]
    else:  # 'EXG Channel N' carries no electrode name: use the board's default layout
        ch_names = default_channel_names(board_name, n_eeg)
    ch_names = apply_channel_override(ch_names, channels)
    check_finite(str(path), data, ch_names, sfreq)

    modulus = 256 if board_name in ("cyton", "cyton-daisy") else None
    if not np.all(np.isfinite(index)):
        raise FileFormatError(f"{name}: the sample index column has NaN values; the file is corrupt")
    position, dropped, step = counter_gaps(index, modulus=modulus)

    meta: dict = {"generation": generation, "header": header, "counter_step": step,
                  "file_channel_labels": file_labels, "leading_zero_rows": lead}
    if ts_file is not None:
        if clock_col is not None:  # seconds of the day already
            ts_s, unit = ts_file, "clock time"
        else:
            ts_s, unit = timestamps_to_seconds(ts_file, sfreq)
        if ts_unit_hint and unit != ts_unit_hint:
            log.debug("%s: timestamp unit detected as %s", name, unit)
        if not np.all(np.isfinite(ts_s)):
            k = int(np.flatnonzero(~np.isfinite(ts_s))[0])
            raise FileFormatError(f"{name}: NaN timestamp in data row {k + 1}; the file is corrupt")
        meta["timestamp_unit"] = unit
        meta["file_timestamps_s"] = ts_s
        meta["timestamp_rate_hz"] = check_rate(str(path), ts_s, sfreq, dropped)
        t0 = float(ts_s[0])
    else:
        t0 = 0.0
    timestamps = t0 + position / sfreq

    markers: list[tuple[float, str]] = []
    if markers_raw is not None:
        for k in np.flatnonzero(np.nan_to_num(markers_raw) != 0):
            markers.append((float(position[k] / sfreq), f"{markers_raw[k]:g}"))

    rail = CYTON_RAIL_UV if board_name in ("cyton", "cyton-daisy") else None
    board_id = None
    if board_name in BOARD_RATES:
        board_id = resolve_board(board_name)
    log.debug("%s: OpenBCI %s, board %s, %d ch, %g Hz, %d samples, %d dropped",
              name, generation, board_name, n_eeg, sfreq, data.shape[1], dropped)
    return LoadedFile(
        path=str(path),
        format=f"OpenBCI GUI {generation} txt",
        data=data,
        sfreq=float(sfreq),
        ch_names=ch_names,
        timestamps=timestamps,
        board_id=board_id,
        board_name=board_name,
        rail_uv=rail,
        dropped_samples=dropped,
        cut_lines=table.cut_lines,
        markers=markers,
        meta=meta,
    )


def _eeg_count_2014(ncols: int) -> int:
    """EEG columns of a 2014-generation file with ``ncols`` columns and no channel-count line.

    The columns are the sample index, the EEG channels of an OpenBCI board (16, 8 or 4) and up
    to 3 optional unscaled aux columns: the largest board count that fits with 0-3 aux columns
    wins (10 columns = index + 8 EEG + 1 aux, not 6 EEG + 3 aux). Any other layout is read as
    index, EEG, 3 aux.
    """
    for n in (16, 8, 4):
        if 0 <= ncols - 1 - n <= 3:
            return n
    return ncols - 4


def _clock_seconds(values: list[str], name: str) -> np.ndarray:
    """Clock times ``hh:mm:ss.mmm`` -> seconds, continuing past midnight (+24 h at each wrap).

    Raises
    ------
    FileFormatError
        A value that is not a clock time (names the data row).
    """
    out = np.empty(len(values))
    for k, v in enumerate(values):
        parts = v.strip().split(":")
        try:
            h, m, sec = (float(p) for p in parts)
        except ValueError:
            raise FileFormatError(
                f"{name}: the clock-time column holds {v.strip()!r} in data row {k + 1}, not "
                "hh:mm:ss.mmm; the file is corrupt"
            ) from None
        if not (0 <= h < 24 and 0 <= m < 60 and 0 <= sec < 61):
            raise FileFormatError(
                f"{name}: the clock-time column holds {v.strip()!r} in data row {k + 1}, not a "
                "time of day; the file is corrupt"
            )
        out[k] = 3600.0 * h + 60.0 * m + sec
    wraps = np.cumsum(np.r_[0.0, np.diff(out) < -43200.0])  # passed midnight
    return out + 86400.0 * wraps
