"""Reader for CSV files whose first row names the columns: Muse exports and generic EEG tables.

Three layouts, told apart by the header row:

- **Mind Monitor** (``TimeStamp, Delta_TP9, ..., RAW_TP9, RAW_AF7, RAW_AF8, RAW_TP10, ...,
  Elements``): the raw EEG columns ``RAW_*`` (µV), times from ``TimeStamp``
  (``YYYY-MM-DD hh:mm:ss.fff``); rows that carry only an ``Elements`` entry (blinks, jaw
  clenches, markers the user pressed) become markers at their time and hold no sample.
- **muse-lsl / Petal** (``timestamps, TP9, AF7, AF8, TP10, Right AUX``): unix-second time stamps;
  the EEG columns are all but the time and the ``AUX`` ones.
- **EmotivPRO** (a first line of metadata ``title:...,sampling rate:eeg_128,...``, then a header
  ``Timestamp, OriginalTimestamp, EEG.Counter, ..., EEG.AF3, ...``): the ``EEG.*`` electrode
  columns (named ``AF3``...; counters, contact quality, motion and band powers left out), times
  from ``Timestamp``; rows without EEG values (other streams) are skipped.
- **generic**: any other header of channel names, with an optional time column (``time``,
  ``timestamp``, ``timestamps``, ``time_s``; seconds) and label columns (``class``, ``label``,
  ``marker``, ``event``, ``condition``; each change of value becomes a marker ``class=1``);
  columns of other signals (ECG, EOG, counters, motion sensors, contact quality:
  :func:`neurofeedback.channels.is_non_eeg_label`) are left out.
  Without a time column the rate must be given (``--sfreq``), e.g. the UCI eye-state file.

The rate is ``sfreq`` when given, else the number of steps over the time column's span; values
are taken as microvolts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import numpy as np

from ..channels import apply_channel_override, is_non_eeg_label, normalize_names
from ..errors import FileFormatError, MissingRateError
from ._common import check_finite, fname
from .loaded import LoadedFile
from .text_rows import is_number

_TIME_NAMES = ("time", "timestamp", "timestamps", "time_s", "times")
_LABEL_NAMES = ("class", "label", "labels", "marker", "markers", "event", "events", "condition")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _\-.()/]*$")


def is_emotiv_metadata(first_line: str) -> bool:
    """True for the first line of an EmotivPRO CSV export (``title:...,sampling rate:eeg_128,...``)."""
    low = first_line.lstrip("\ufeff").strip().lower()
    return low.startswith("title:") and "sampling rate:" in low


def looks_like_header_csv(first_line: str) -> bool:
    """True when the line is a comma-separated header: at least two fields, none a number."""
    fields = [f.strip().strip('"') for f in first_line.split(",")]
    if len(fields) < 2 or not all(fields):
        return False
    return all(_NAME.match(f) for f in fields)


def _floats(values: list[str], what: str, name: str) -> np.ndarray:
    try:
        return np.array([float(v) if v.strip() else np.nan for v in values])
    except ValueError:
        bad = next(v for v in values if v.strip() and not is_number(v.strip()))
        raise FileFormatError(
            f"{name}: column {what} holds {bad.strip()!r}, not a number; the file is corrupt"
        ) from None


def _rate(t: np.ndarray, sfreq: float | None, name: str) -> float:
    if sfreq is not None:
        return float(sfreq)
    tt = t[np.isfinite(t)]
    if tt.size < 3 or not tt[-1] > tt[0]:
        raise FileFormatError(f"{name}: cannot tell the sample rate from the time column; give --sfreq")
    # over the whole span: time stamps rounded to milliseconds (Mind Monitor) make single steps
    # 3 or 4 ms at 256 Hz, so their median would say 250 Hz
    rate = (tt.size - 1) / float(tt[-1] - tt[0])
    if not 1.0 <= rate <= 100_000.0:
        raise FileFormatError(
            f"{name}: the time column gives {rate:g} Hz; give the rate with --sfreq"
        )
    return rate


def _mind_monitor_time(values: list[str], name: str) -> np.ndarray:
    out = np.empty(len(values))
    for k, v in enumerate(values):
        try:
            out[k] = dt.datetime.fromisoformat(v.strip()).timestamp()
        except ValueError:
            raise FileFormatError(
                f"{name}: TimeStamp {v.strip()!r} in data row {k + 1} is not a date and time; "
                "the file is corrupt"
            ) from None
    return out


def read_header_csv(
    path: str | Path, *, channels: str | list[str] | None = None, sfreq: float | None = None
) -> LoadedFile:
    """Read a CSV file whose first row names the columns (see the module docstring).

    Parameters
    ----------
    path : str or Path
    channels : str or list of str or None
        ``--channels`` override of the channel names.
    sfreq : float or None
        Sample rate, Hz (``--sfreq``): needed when there is no time column.

    Returns
    -------
    LoadedFile
        ``data`` (n_channels, n_samples) in microvolts.
    """
    path = Path(path)
    name = fname(path)
    text = path.read_text(encoding="utf-8", errors="replace").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(c.strip() for c in r)]
    emotiv = bool(rows) and is_emotiv_metadata(",".join(rows[0]))
    if emotiv:  # EmotivPRO: a line of recording metadata above the header
        rows = rows[1:]
    if len(rows) < 3:
        raise FileFormatError(f"{name}: a header row but fewer than 2 samples; the recording is empty")
    header = [h.strip().strip('"') for h in rows[0]]
    body = rows[1:]
    n_cols = len(header)
    for k, r in enumerate(body):
        if len(r) != n_cols:
            raise FileFormatError(
                f"{name}: data row {k + 1} has {len(r)} fields, the header {n_cols}; the file is "
                "corrupt or cut"
            )
    cols = list(zip(*body, strict=True))
    low = [h.lower() for h in header]
    markers: list[tuple[float, str]] = []
    left_out: list[str] = []  # other signals' columns (the generic and Emotiv layouts)
    if any(h.upper().startswith("RAW_") for h in header) and "timestamp" in low:
        fmt = "Mind Monitor CSV"
        eeg = [j for j, h in enumerate(header) if h.upper().startswith("RAW_")
               and not h.upper().startswith("RAW_AUX")]
        names = [header[j][4:] for j in eeg]
        t_all = _mind_monitor_time(list(cols[low.index("timestamp")]), name)
        data_all = np.vstack([_floats(list(cols[j]), header[j], name) for j in eeg])
        has = np.isfinite(data_all).all(axis=0)
        if "elements" in low:
            for k, e in enumerate(cols[low.index("elements")]):
                if e.strip():
                    markers.append((float(t_all[k]), e.strip()))
        data, t = data_all[:, has], t_all[has]
    else:
        if emotiv:
            fmt = "EmotivPRO CSV"
        elif low[0] == "timestamps" and any("aux" in h for h in low):
            fmt = "muse-lsl CSV"
        else:
            fmt = "CSV with a header row"
        t_col = next((j for j, h in enumerate(low) if h in _TIME_NAMES), None)
        label_cols = [j for j, h in enumerate(low) if h in _LABEL_NAMES]
        eeg = [j for j, h in enumerate(low) if j != t_col and j not in label_cols
               and "aux" not in h and not is_non_eeg_label(header[j])
               and (not emotiv or h.startswith("eeg."))]  # EmotivPRO: EEG.<electrode> only
        if not eeg:
            raise FileFormatError(f"{name}: no EEG columns in the header {header!r}")
        names = [header[j] for j in eeg]
        left_out = [header[j] for j in range(len(header))
                    if j not in eeg and j != t_col and j not in label_cols]
        data = np.vstack([_floats(list(cols[j]), header[j], name) for j in eeg])
        t = _floats(list(cols[t_col]), header[t_col], name) if t_col is not None else None
        # EmotivPRO: rows without any EEG value carry another stream's values (motion, band
        # powers, mental commands at their own rates), not samples
        if emotiv:
            rows_kept = np.flatnonzero(~np.isnan(data).all(axis=0))
            data = data[:, rows_kept]
            t = None if t is None else t[rows_kept]
            cols = [tuple(c[k] for k in rows_kept) for c in cols]
        if t is None and sfreq is None:
            raise MissingRateError(
                f"{name}: no time column ({', '.join(_TIME_NAMES)}); give the sample rate with --sfreq"
            )
        for j in label_cols:
            vals = [v.strip() for v in cols[j]]
            for k in range(len(vals)):
                if k == 0 or vals[k] != vals[k - 1]:
                    markers.append((k, f"{header[j]}={vals[k]}"))
    rate = _rate(t, sfreq, name) if t is not None else float(sfreq)
    if t is None:
        t = np.arange(data.shape[1]) / rate
    t0 = float(t[0])
    # generic label markers were sample indexes; the others are times
    markers = [(float(m[0]) / rate if isinstance(m[0], int) else float(m[0]) - t0, m[1])
               for m in markers]
    ch_names = apply_channel_override(normalize_names(names), channels)
    check_finite(str(path), data, ch_names, rate)
    return LoadedFile(
        path=str(path), format=fmt, data=data, sfreq=rate, ch_names=ch_names,
        timestamps=t, markers=markers,
        meta={"header": header, "time_column": t is not None,
              "dropped_channels": left_out},
    )
