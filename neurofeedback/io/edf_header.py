"""The EDF/BDF header read and checked by us before MNE reads the file.

MNE accepts headers that lie (a record duration of 0 or 1e9 s, a signal with 0 samples per
record, a physical or digital range of zero width, a record count that disagrees with the file
size) and then returns silently wrong data. The layout checked here is the public EDF
specification: a fixed 256-byte header (ASCII fields: start date and time at bytes 168-184,
header size at 184-192, number of data records at 236-244, record duration in seconds at
244-252, number of signals ``ns`` at 252-256), then ``ns`` values of each per-signal field,
then the data records, each holding ``samples_per_record[i]`` samples of every signal ``i``
(2 bytes each in EDF, 3 in BDF).

Policy on the record count:

- a count >= 1 larger than what the file holds: refused (the file was cut short);
- a count smaller than what the file holds: the declared records only are read, with a warning;
- ``-1`` (unknown, left by a recorder that did not stop cleanly): the whole records the file
  holds are read, with a warning when a partial record at the end is dropped;
- 0 or another negative count: refused.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import FileFormatError
from ._common import fname

log = logging.getLogger(__name__)

#: Longest plausible data-record duration, s (recorders write 0.1-60 s records).
MAX_RECORD_DURATION_S = 3600.0
#: Most signals we accept in one file (the 4-character ``ns`` field allows 9999).
MAX_SIGNALS = 4096
#: Offsets (multiplied by ``ns``) and widths of the per-signal fields after the fixed header.
_SIGNAL_FIELDS = {
    "label": (0, 16), "transducer": (16, 80), "unit": (96, 8), "physical_min": (104, 8),
    "physical_max": (112, 8), "digital_min": (120, 8), "digital_max": (128, 8),
    "prefilter": (136, 80), "samples_per_record": (216, 8),
}
_HOW_TO_FIX = "re-export the recording or re-copy the file"


@dataclass
class EdfHeader:
    """What the header of an EDF/BDF file declares, checked against the file.

    Attributes
    ----------
    n_records : int
        Data records to read (the declared count, or the whole records held when it is -1).
    declared_records : int
        The header's count as written (-1: unknown).
    record_duration : float
        Seconds per data record.
    labels : list of str
        Signal labels, length ``ns``.
    samples_per_record : list of int
        Samples of each signal in one record, length ``ns``.
    bytes_per_sample : int
        2 (EDF) or 3 (BDF).
    units : list of str
        Physical dimension of each signal as written (``uV``, ``%``, ``bpm``, empty), length
        ``ns``.
    """

    n_records: int
    declared_records: int
    record_duration: float
    labels: list[str]
    samples_per_record: list[int]
    bytes_per_sample: int
    units: list[str]

    def signal_units(self) -> list[str]:
        """:attr:`units` of the signals that are not annotation channels (the channels MNE
        reads, in their order)."""
        return [u for lab, u in zip(self.labels, self.units, strict=True) if not _is_annotation(lab)]

    @property
    def record_bytes(self) -> int:
        """Bytes of one data record."""
        return sum(self.samples_per_record) * self.bytes_per_sample


def _is_annotation(label: str) -> bool:
    return label.strip() in ("EDF Annotations", "BDF Annotations")


def _number(raw: bytes, what: str, name: str, kind=float) -> float:
    text = raw.decode("ascii", errors="replace").strip()
    try:
        value = kind(text)
    except ValueError:
        raise FileFormatError(
            f"{name}: corrupt header: {what} is {text!r}, not a number; {_HOW_TO_FIX}"
        ) from None
    if not math.isfinite(value):
        raise FileFormatError(f"{name}: corrupt header: {what} is {text!r}; {_HOW_TO_FIX}")
    return value


def read_edf_header(path: str | Path, bytes_per_sample: int) -> EdfHeader:
    """Read and check the header of an EDF (``bytes_per_sample=2``) or BDF (3) file.

    Parameters
    ----------
    path : str or Path
    bytes_per_sample : int
        2 for EDF, 3 for BDF.

    Returns
    -------
    EdfHeader
        The header, with ``n_records`` the number of records to read.

    Raises
    ------
    FileFormatError
        A header field that is not a number, a zero or negative record duration or one longer
        than :data:`MAX_RECORD_DURATION_S`, a signal with no samples per record, a physical or
        digital range of zero width, fewer data records in the file than declared, or none.
    """
    if bytes_per_sample not in (2, 3):
        raise ValueError(f"bytes_per_sample must be 2 (EDF) or 3 (BDF), got {bytes_per_sample!r}")
    path = Path(path)
    name = fname(path)
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(256)
        if len(head) < 256:
            raise FileFormatError(f"{name}: truncated: {len(head)} bytes, shorter than the 256-byte header")
        header_bytes = int(_number(head[184:192], "the header size (bytes 184-192)", name, int))
        declared = int(_number(head[236:244], "the number of data records (bytes 236-244)", name, int))
        duration = _number(head[244:252], "the record duration (bytes 244-252)", name)
        ns = int(_number(head[252:256], "the number of signals (bytes 252-256)", name, int))
        if not 0 < ns <= MAX_SIGNALS or header_bytes != 256 * (ns + 1):
            raise FileFormatError(
                f"{name}: corrupt header ({ns} signals but {header_bytes} header bytes; expected "
                f"1-{MAX_SIGNALS} signals and 256 * (signals + 1) bytes); {_HOW_TO_FIX}"
            )
        signal_head = fh.read(256 * ns)
    if len(signal_head) < 256 * ns:
        raise FileFormatError(f"{name}: truncated inside the header ({size} of {header_bytes} bytes); {_HOW_TO_FIX}")

    def signal_field(key: str, i: int) -> bytes:
        base, width = _SIGNAL_FIELDS[key]
        start = base * ns + width * i
        return signal_head[start: start + width]

    labels = [signal_field("label", i).decode("latin-1").strip() for i in range(ns)]
    units = [signal_field("unit", i).decode("latin-1").strip() for i in range(ns)]
    spr = []
    for i, label in enumerate(labels):
        n = int(_number(signal_field("samples_per_record", i), f"samples per record of signal {i + 1} ({label!r})", name, int))
        if n <= 0:
            raise FileFormatError(
                f"{name}: corrupt header: signal {i + 1} ({label!r}) has {n} samples per data record "
                f"(must be >= 1; every record would be misaligned); {_HOW_TO_FIX}"
            )
        spr.append(n)
        if _is_annotation(label):
            continue
        values = {k: _number(signal_field(k, i), f"{k.replace('_', ' ')} of signal {i + 1} ({label!r})", name)
                  for k in ("physical_min", "physical_max", "digital_min", "digital_max")}
        if values["physical_min"] == values["physical_max"]:
            raise FileFormatError(
                f"{name}: corrupt header: signal {i + 1} ({label!r}) has physical minimum = maximum "
                f"({values['physical_min']:g}), so its samples cannot be scaled; {_HOW_TO_FIX}"
            )
        if values["digital_min"] >= values["digital_max"]:
            raise FileFormatError(
                f"{name}: corrupt header: signal {i + 1} ({label!r}) has digital minimum "
                f"{values['digital_min']:g} >= maximum {values['digital_max']:g} (must be lower), so "
                f"its samples cannot be scaled; {_HOW_TO_FIX}"
            )
    if all(_is_annotation(label) for label in labels):
        raise FileFormatError(
            f"{name}: an EDF+ annotation file (no signals, only annotations such as sleep stages "
            "or events), so there is no EEG to read; open the recording it annotates (for a "
            "Sleep-EDF hypnogram, the matching -PSG.edf file) and give this one as "
            "--annotations FILE"
        )
    if not 0 < duration <= MAX_RECORD_DURATION_S:
        raise FileFormatError(
            f"{name}: corrupt header: the data-record duration is {duration:g} s (must be > 0 and "
            f"<= {MAX_RECORD_DURATION_S:g} s), so the sample rate is unknown; {_HOW_TO_FIX}"
        )

    header = EdfHeader(declared, declared, duration, labels, spr, bytes_per_sample, units)
    record_bytes = header.record_bytes
    data_bytes = max(size - header_bytes, 0)
    held, partial = divmod(data_bytes, record_bytes)
    if declared == -1:
        if held == 0:
            raise FileFormatError(
                f"{name}: the file holds no complete data record ({data_bytes} data bytes, "
                f"{record_bytes} per record); {_HOW_TO_FIX}"
            )
        if partial:
            log.warning("%s: the header's record count is -1 (unknown) and the file ends %d bytes into a "
                        "record: reading the %d complete records, dropping the partial one", name, partial, held)
        header.n_records = held
    elif declared <= 0:
        raise FileFormatError(
            f"{name}: corrupt header: the number of data records is {declared} (must be >= 1, or -1 "
            f"for unknown); {_HOW_TO_FIX}"
        )
    elif held < declared:
        raise FileFormatError(
            f"{name}: truncated: the header declares {declared} data records but the file holds "
            f"{data_bytes / record_bytes:.1f} ({size} of {header_bytes + declared * record_bytes} bytes); "
            f"{_HOW_TO_FIX}"
        )
    elif held > declared or partial:
        log.warning("%s: %d bytes after the %d data records the header declares: ignored",
                    name, data_bytes - declared * record_bytes, declared)
    return header


def edf_start(path: str | Path) -> _dt.datetime | None:
    """The start an EDF/BDF header records (bytes 168-184, ``dd.mm.yyhh.mm.ss``; years 85-99
    are 19xx, 00-84 20xx, as the EDF specification has it), in UTC as MNE reads EDF times; None
    for other files or an unreadable field. ``mne.read_annotations`` gives EDF annotations
    without it."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(184)
    except OSError:
        return None
    if len(head) < 184 or not head.startswith((b"0       ", b"\xffBIOSEMI")):
        return None
    try:
        day, month, year = (int(v) for v in head[168:176].decode("ascii").split("."))
        hh, mm, ss = (int(v) for v in head[176:184].decode("ascii").split("."))
        year += 1900 if year >= 85 else 2000
        return _dt.datetime(year, month, day, hh, mm, ss, tzinfo=_dt.timezone.utc)
    except (UnicodeDecodeError, ValueError):
        return None
