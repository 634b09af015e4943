"""Crash-safe session recording: the writer of a session folder.

The folder's layout (``raw.csv``, ``session.json``, ``markers.csv``, ``features.csv``,
``raw.fif``) and its file names are defined once, with their reader, in
:mod:`neurofeedback.io.session_folder`. What writing adds to that layout:

- ``raw.csv`` is appended and flushed to the operating system at least once a second, so a
  killed process loses at most the last second;
- ``session.json`` is rewritten atomically, and says ``ended_cleanly: false`` until a clean stop;
- ``raw.fif`` is written only on a clean stop.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import errno
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from . import __version__
from .errors import RecordingError
from .io.export import export_loaded
from .io.session_folder import (
    FEATURES_NAME,
    FIF_NAME,
    MARKERS_NAME,
    META_NAME,
    RAW_DECIMALS,
    RAW_NAME,
    quantized,
    read_session,
)
from .pipeline.frame import FEATURE_COLUMNS, FeatureFrame
from .sources.base import Chunk, SourceInfo, rows_from_data

log = logging.getLogger(__name__)

#: Free space below which a recording does not start (bytes).
MIN_FREE_BYTES = 50 * 1024 * 1024
#: Flush interval for raw.csv (seconds); the guarantee is "at most one second lost".
FLUSH_INTERVAL_S = 0.5


def as_recorded(chunk: Chunk) -> Chunk:
    """The chunk with its samples (and source rows) :func:`quantized` as raw.csv holds them."""
    rows = None if chunk.rows is None else quantized(chunk.rows)
    return dataclasses.replace(chunk, data=quantized(chunk.data), rows=rows)


def _disk_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _write_json_atomic(path: Path, obj: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def check_record_dir(record_dir: Path, min_free_bytes: int = MIN_FREE_BYTES) -> Path:
    """Make sure ``record_dir`` exists, is writable and has room; return it resolved.

    Raises
    ------
    RecordingError
        When the directory cannot be created or written, or the disk is (nearly) full.
    """
    record_dir = Path(record_dir).expanduser()
    try:
        record_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordingError(
            f"cannot create recording directory {record_dir}: {exc.strerror}; "
            "choose another record_dir or do not record"
        ) from None
    if not os.access(record_dir, os.W_OK | os.X_OK):
        raise RecordingError(
            f"recording directory {record_dir} is not writable; "
            "choose another record_dir or do not record"
        )
    free = shutil.disk_usage(record_dir).free
    if free < min_free_bytes:
        raise RecordingError(
            f"disk holding {record_dir} is full ({free / 1e6:.0f} MB free, need at least "
            f"{min_free_bytes / 1e6:.0f} MB); free some space or choose another record_dir"
        )
    return record_dir.resolve()


class Recorder:
    """Append-only writer of one session folder.

    Use :meth:`create`; then :meth:`write` chunks, :meth:`add_marker`, :meth:`write_frames`,
    and finally :meth:`close`. Any write failure (full disk, removed directory) raises
    :class:`RecordingError`; everything flushed before it stays readable.
    """

    def __init__(self, path: Path, info: SourceInfo, meta: dict[str, Any]):
        self.path = path
        self.info = info
        self.meta = meta
        self.n_samples = 0
        self.closed = False
        self._raw = open(path / RAW_NAME, "a", encoding="ascii", newline="\n")
        self._markers = open(path / MARKERS_NAME, "a", encoding="utf-8", newline="")
        self._markers.write("time_s,label\n")
        self._markers.flush()
        self._features: Any = None
        self._features_writer: Any = None
        self._last_flush = time.monotonic()
        # the session worker writes samples and protocol markers while the GUI thread may
        # write user markers: every file operation holds this lock
        self._lock = threading.RLock()

    # -- creation ------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        record_dir: str | Path,
        info: SourceInfo,
        extra_meta: dict[str, Any] | None = None,
        *,
        folder: str | Path | None = None,
    ) -> Recorder:
        """Create ``<record_dir>/<YYYYMMDD-HHMMSS>-<info.name>/`` and start a recording.

        Parameters
        ----------
        record_dir : path
            Parent directory of session folders.
        info : SourceInfo
            What is being recorded.
        extra_meta : dict, optional
            Merged into ``session.json``.
        folder : path, optional
            Use exactly this session folder instead of a time-stamped one (must not hold a
            recording already).
        """
        now = _dt.datetime.now().astimezone()
        if folder is not None:
            path = Path(folder).expanduser()
            check_record_dir(path.parent if path.parent != Path("") else Path("."))
            if (path / RAW_NAME).exists():
                raise RecordingError(
                    f"{path} already holds a recording; choose an empty folder"
                )
            path.mkdir(parents=True, exist_ok=True)
        else:
            parent = check_record_dir(Path(record_dir))
            safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in info.name) or "session"
            stem = f"{now:%Y%m%d-%H%M%S}-{safe}"
            path = parent / stem
            k = 1
            while path.exists():
                k += 1
                path = parent / f"{stem}-{k}"
            try:
                path.mkdir()
            except OSError as exc:
                raise RecordingError(f"cannot create {path}: {exc.strerror}") from None
        meta: dict[str, Any] = {
            "format": "neurofeedback-session",
            "format_version": 1,
            "software": f"neurofeedback {__version__}",
            "source_kind": info.kind,
            "source_name": info.name,
            "board_id": info.board_id,
            "board_name": info.board_name,
            "sfreq": info.sfreq,
            "ch_names": list(info.ch_names),
            "layout": info.layout.to_dict(),
            "units": {"eeg": "uV", "timestamp": "s"},
            "rail_uv": info.rail_uv,
            "start_time": now.isoformat(timespec="seconds"),
            "status": "recording",
            "ended_cleanly": False,
            "end_time": None,
            "n_samples": 0,
            "protocol": None,
            "description": info.description,
        }
        if extra_meta:
            meta.update(extra_meta)
        try:
            _write_json_atomic(path / META_NAME, meta)
            rec = cls(path, info, meta)
        except OSError as exc:
            raise RecordingError(f"cannot write to {path}: {exc.strerror}") from None
        log.info("recording to %s", path)
        return rec

    # -- writing -------------------------------------------------------------------------
    def _fail(self, exc: OSError, what: str) -> RecordingError:
        if _disk_full(exc):
            return RecordingError(
                f"disk full while writing {what} in {self.path}; the recording up to now is kept"
            )
        return RecordingError(
            f"cannot write {what} in {self.path}: {exc.strerror}; the recording up to now is kept"
        )

    def write(self, chunk: Chunk) -> None:
        """Append a chunk's samples to ``raw.csv`` (flushing at least every second)."""
        if chunk.n_samples == 0:
            return
        rows = chunk.rows
        if rows is None:
            rows = rows_from_data(self.info.layout, chunk.data, chunk.timestamps, self.n_samples)
        fmt = f"{{:.{RAW_DECIMALS}f}}".format
        lines = "\n".join("\t".join(map(fmt, col.tolist())) for col in rows.T) + "\n"
        try:
            with self._lock:
                self._raw.write(lines)
                self.n_samples += chunk.n_samples
                if time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
                    self.flush()
        except OSError as exc:
            raise self._fail(exc, RAW_NAME) from None

    def flush(self) -> None:
        """Push buffered samples and markers to the operating system."""
        try:
            with self._lock:
                self._raw.flush()
                self._markers.flush()
                if self._features is not None:
                    self._features.flush()
        except OSError as exc:
            raise self._fail(exc, RAW_NAME) from None
        self._last_flush = time.monotonic()

    def add_marker(self, time_s: float, label: str) -> None:
        """Append a marker; ``time_s`` is seconds since the session's first sample."""
        label = str(label).replace("\n", " ").replace("\r", " ")
        try:
            with self._lock:
                if self.closed:
                    raise RecordingError(f"cannot add marker {label!r}: the recording has ended")
                csv.writer(self._markers).writerow([f"{time_s:.4f}", label])
                self._markers.flush()
        except OSError as exc:
            raise self._fail(exc, MARKERS_NAME) from None

    def write_frames(self, frames: list[FeatureFrame]) -> None:
        """Append feature frames to ``features.csv``."""
        if not frames:
            return
        try:
            if self._features is None:
                self._features = open(self.path / FEATURES_NAME, "w", encoding="utf-8", newline="")
                self._features_writer = csv.writer(self._features)
                self._features_writer.writerow(FEATURE_COLUMNS)
            self._features_writer.writerows(f.to_row() for f in frames)
        except OSError as exc:
            raise self._fail(exc, FEATURES_NAME) from None

    def update_meta(self, **fields: Any) -> None:
        """Merge ``fields`` into ``session.json`` (atomically rewritten)."""
        self.meta.update(fields)
        self.meta["n_samples"] = self.n_samples
        try:
            _write_json_atomic(self.path / META_NAME, self.meta)
        except OSError as exc:
            raise self._fail(exc, META_NAME) from None

    def close(self, status: str = "complete", *, write_fif: bool = True) -> Path:
        """Finish the recording.

        Parameters
        ----------
        status : str
            ``"complete"`` for a clean stop, ``"stopped"`` for a clean stop before the protocol's
            end, or why it ended (``"disconnected"``, ``"error"``).
        write_fif : bool
            Also write ``raw.fif`` (only when at least one sample was recorded).
        """
        with self._lock:
            if self.closed:
                return self.path
            self.closed = True
        for fh in (self._raw, self._markers, self._features):
            if fh is None:
                continue
            try:
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
            except OSError as exc:
                log.warning("could not flush %s: %s", getattr(fh, "name", "?"), exc)
        self.meta.update(
            status=status,
            ended_cleanly=True,
            end_time=_dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            n_samples=self.n_samples,
        )
        try:
            _write_json_atomic(self.path / META_NAME, self.meta)
        except OSError as exc:
            log.warning("could not update %s: %s", META_NAME, exc)
        if write_fif and self.n_samples > 0:
            try:
                export_loaded(read_session(self.path), self.path / FIF_NAME, "fif")
            except Exception as exc:  # noqa: BLE001 - the raw.csv is the primary record
                log.warning("could not write %s: %s", FIF_NAME, exc)
        return self.path
