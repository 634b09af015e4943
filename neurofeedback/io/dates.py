"""When a recording started: one rule for every reader, export, ``info`` and the report.

The rule (also in docs/formats.md):

- **What the start is**: the wall-clock time of the recording's first sample, to the whole second
  (EDF and BDF cannot store less, so every format holds the same value; the fraction is dropped,
  not rounded).
- **Where it comes from**, first found wins: a session folder's ``session.json`` ``start_time``
  (ISO 8601 with the recording computer's UTC offset); the date a file carries (FIF
  ``meas_date``, EDF/BDF start date and time, as MNE reads them: UTC), moved by the file's
  ``first_samp`` when it does not start at sample 0; unix timestamps of the first sample (BrainFlow
  recordings); otherwise the start is unknown and no date is written.
- **Stored** in UTC: FIF ``meas_date``, the EDF/BDF header's start date and time, BIDS
  ``scans.tsv`` ``acq_time``.
- **Shown** (report, ``info``) as local time of the recording with the offset written out, and
  the same instant in UTC: ``2026-03-01 14:05:09 +01:00 (13:05:09 UTC)``. Where the offset is not
  known (a file's date is UTC by definition), the time is shown in UTC.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
from typing import Any

import numpy as np

from .loaded import LoadedFile

log = logging.getLogger(__name__)

UTC = _dt.timezone.utc
UNIX_MIN_S = 1e9  # 2001-09-09: smaller first timestamps are counts from 0, not unix time
UNIX_MAX_S = 4e9  # 2096-10-02


def parse_iso(text: Any, what: str) -> _dt.datetime | None:
    """An aware datetime from an ISO 8601 string (a naive one is taken as UTC), or None.

    Parameters
    ----------
    text : Any
        The value read from a file; anything but a valid ISO 8601 string gives None (logged).
    what : str
        Where the value came from, for the log message.
    """
    if not isinstance(text, str) or not text:
        return None
    try:
        dt = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        log.warning("%s: start time %r is not an ISO 8601 date and time; ignored", what, text)
        return None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _from_unix(t0: float) -> _dt.datetime | None:
    if math.isfinite(t0) and UNIX_MIN_S < t0 < UNIX_MAX_S:
        return _dt.datetime.fromtimestamp(t0, tz=UTC)
    return None


def recording_start(loaded: LoadedFile) -> _dt.datetime | None:
    """The start of ``loaded`` by the module's rule: aware, whole seconds, or None.

    Returns
    -------
    datetime or None
        In the recording computer's UTC offset when the file records it (``session.json``),
        else in UTC. ``.astimezone(UTC)`` gives the stored value.
    """
    meta = loaded.meta or {}
    sidecar = meta.get("sidecar") if isinstance(meta.get("sidecar"), dict) else {}
    dt = parse_iso(meta.get("start_time"), loaded.path) or parse_iso(sidecar.get("start_time"),
                                                                        loaded.path)
    if dt is None:
        dt = parse_iso(meta.get("meas_date"), loaded.path)
        first = meta.get("first_time_s", 0.0)
        if dt is not None and isinstance(first, (int, float)) and math.isfinite(first) and first:
            dt = dt + _dt.timedelta(seconds=float(first))
    if dt is None and loaded.timestamps.size:
        dt = _from_unix(float(np.asarray(loaded.timestamps)[0]))
    return None if dt is None else dt.replace(microsecond=0)


def stored_start(loaded: LoadedFile) -> _dt.datetime | None:
    """:func:`recording_start` in UTC: the value written into FIF, EDF/BDF and BIDS."""
    dt = recording_start(loaded)
    return None if dt is None else dt.astimezone(UTC)


def format_start(dt: _dt.datetime | None) -> str:
    """``2026-03-01 14:05:09 +01:00 (13:05:09 UTC)``; ``... +00:00`` alone in UTC; or
    ``not recorded``. A date that differs in UTC is written out in full."""
    if dt is None:
        return "not recorded"
    dt = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    off = dt.utcoffset() or _dt.timedelta(0)
    sign = "-" if off < _dt.timedelta(0) else "+"
    minutes = int(abs(off).total_seconds()) // 60
    text = f"{dt:%Y-%m-%d %H:%M:%S} {sign}{minutes // 60:02d}:{minutes % 60:02d}"
    if off:
        u = dt.astimezone(UTC)
        text += f" ({u:%H:%M:%S} UTC)" if u.date() == dt.date() else f" ({u:%Y-%m-%d %H:%M:%S} UTC)"
    return text


def iso_utc(dt: _dt.datetime | None) -> str | None:
    """``2026-03-01T13:05:09Z`` (for JSON output), or None."""
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
