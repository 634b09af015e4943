"""Gather what a report needs from a recording folder or an EEG file.

A session folder gives ``session.json`` (facts, the protocol), ``markers.csv``, ``features.csv``
and the raw samples. When ``features.csv`` is missing, or the input is a plain EEG file (EDF,
BDF, OpenBCI txt, ...), the offline analysis (:mod:`neurofeedback.analyze`) is run first.
"""

from __future__ import annotations

import csv
import functools
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError, ProtocolError, UsageError
from ..io import ReadOptions, marker_labels
from ..io.loaded import LoadedFile
from ..io.session_folder import FEATURES_NAME, session_dir_of
from ..offline import iter_frames, session_config
from ..pipeline.config import PipelineConfig
from ..pipeline.frame import BANDS, FEATURE_COLUMNS, FEATURES, FeatureFrame
from ..pipeline.pipeline import Pipeline
from ..pipeline.scores import alpha_theta_share
from ..protocols import protocol_from_dict
from ..quality_summary import (
    QualitySummary,
    ReasonCounter,
    summarize_loaded,
)

log = logging.getLogger(__name__)

#: Numeric columns of ``features.csv`` (the feature table's float columns).
NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in FEATURES if f.column and f.kind == "float"
)


@dataclass
class FeatureTable:
    """``features.csv`` as columns.

    Attributes
    ----------
    columns : dict of str to ndarray, shape (n_frames,)
        Every numeric column as float (NaN where empty), ``phase`` as str, ``artifact`` as bool.
    bad_channels : list of tuple of str
        Per frame, the channels left out.
    source : str
        Where the table came from (``features.csv`` path or "analysis of <file>").
    """

    columns: dict[str, np.ndarray]
    bad_channels: list[tuple[str, ...]]
    source: str

    @property
    def n_frames(self) -> int:
        return int(self.columns["time_s"].size)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.columns[key]

    def baseline_done(self) -> np.ndarray:
        """Per frame, whether the baseline was complete (shape (n_frames,), bool): the
        ``baseline_complete`` column; for a ``features.csv`` from before it, where ``energy`` (a
        baseline z-score) is finite, which is the frame contract (z-scores are NaN before)."""
        done = self.columns.get("baseline_complete")
        if done is None or not np.isfinite(done).all():
            return np.isfinite(self.columns["energy"])
        return done > 0.5

    def to_frames(self) -> list[FeatureFrame]:
        """Rebuild the scalar part of each frame (for replaying a protocol engine).

        ``baseline_complete`` as :meth:`baseline_done` gives it.
        """
        c = self.columns
        done = self.baseline_done()
        scalars = [f.name for f in FEATURES if f.column and f.kind == "float" and not f.band]
        out = []
        for i in range(self.n_frames):
            frame = FeatureFrame(
                **{name: float(c[name][i]) for name in scalars},
                phase=str(c["phase"][i]),
                artifact=bool(c["artifact"][i]),
                bad_channels=self.bad_channels[i],
                bands={b: float(c[b][i]) for b in BANDS},
                baseline_complete=bool(done[i]),
                eye_artifact=bool(c["eye_artifact"][i]) if "eye_artifact" in c else False,
            )
            if not math.isfinite(frame.alpha_theta_share):  # a features.csv from before the column
                frame.alpha_theta_share = alpha_theta_share(frame.bands)
            out.append(frame)
        return out


def _num(text: str) -> float:
    try:
        return float(text) if text not in ("", None) else math.nan
    except ValueError:
        return math.nan


def _bools(values: list[str]) -> np.ndarray:
    """A boolean column's cells (``1``/``0``; ``True``/``False`` too), empty as False."""
    return np.array([v.strip() in ("1", "True", "true") for v in values], dtype=bool)


def table_from_rows(header: list[str], rows: list[list[str]], source: str) -> FeatureTable:
    """Build a :class:`FeatureTable` from CSV text rows (header as in ``features.csv``)."""
    missing = [c for c in ("time_s", "phase", "artifact") if c not in header]
    if missing:
        raise FileFormatError(
            f"{source} has no column {', '.join(missing)}; it is not a features.csv file "
            "(delete it and the report re-runs the analysis)"
        )
    idx = {c: header.index(c) for c in header}
    n = len(rows)

    def col(name: str) -> list[str]:
        j = idx.get(name)
        return [r[j] if j is not None and j < len(r) else "" for r in rows]

    columns: dict[str, np.ndarray] = {}
    for name in NUMERIC_COLUMNS:
        columns[name] = np.array([_num(v) for v in col(name)], dtype=float)
    # 1/0; NaN in a features.csv from before the column (to_frames then infers it)
    columns["baseline_complete"] = np.array([_num(v) for v in col("baseline_complete")], dtype=float)
    columns["eye_artifact"] = _bools(col("eye_artifact"))  # False in a table from before it
    columns["phase"] = np.array(col("phase"), dtype=object)
    columns["artifact"] = _bools(col("artifact"))
    bad = [tuple(x for x in v.split(";") if x) for v in col("bad_channels")]
    if n and not np.all(np.isfinite(columns["time_s"])):
        raise FileFormatError(f"{source} has rows without a time_s value; the file is corrupt")
    return FeatureTable(columns, bad, source)


#: Rows converted to columns at a time: the text of a long recording's table (a night of sleep
#: is about 300 000 rows) is never held whole.
_ROWS_PER_PART = 10_000


def concat_tables(parts: list[FeatureTable], source: str) -> FeatureTable:
    """One :class:`FeatureTable` of ``parts`` in order (an empty one for no parts)."""
    if not parts:
        return table_from_rows(list(FEATURE_COLUMNS), [], source)
    columns = {k: np.concatenate([p.columns[k] for p in parts]) for k in parts[0].columns}
    return FeatureTable(columns, [b for p in parts for b in p.bad_channels], source)


def read_feature_table(path: Path) -> FeatureTable:
    """Read a ``features.csv`` file (converted to columns :data:`_ROWS_PER_PART` rows at a time)."""
    parts = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise FileFormatError(f"{path} is empty; delete it to re-run the analysis") from None
        rows: list[list[str]] = []
        for r in reader:
            if r:
                rows.append(r)
            if len(rows) == _ROWS_PER_PART:
                parts.append(table_from_rows(header, rows, str(path)))
                rows = []
        if rows or not parts:
            parts.append(table_from_rows(header, rows, str(path)))
    return concat_tables(parts, str(path))


def table_from_frames(frames: list[FeatureFrame], source: str) -> FeatureTable:
    """Build a :class:`FeatureTable` from frames computed in memory (the numbers of their
    ``features.csv`` rows: the same text, read back)."""
    rows = [[str(v) for v in f.to_row()] for f in frames]
    return table_from_rows(list(FEATURE_COLUMNS), rows, source)


@dataclass
class ReportData:
    """Everything a report is built from.

    Attributes
    ----------
    source : Path
        The session folder or EEG file.
    loaded : LoadedFile
        The raw EEG (microvolts).
    features : FeatureTable
    markers : list of (float, str)
        Markers in seconds since the first sample.
    meta : dict
        ``session.json`` (empty for plain EEG files).
    protocol : Protocol or None
        The protocol run in the session, if any.
    notes : list of str
        Things the report could not do or had to do first (e.g. "ran the analysis").
    quality : QualitySummary or None
        Per-channel shares of the pipeline's quality reasons over every frame.
    """

    source: Path
    loaded: LoadedFile
    features: FeatureTable
    markers: list[tuple[float, str]]
    meta: dict[str, Any]
    protocol: Any = None
    notes: list[str] = field(default_factory=list)
    quality: QualitySummary | None = None

    @functools.cached_property
    def config(self) -> PipelineConfig:
        """The pipeline settings the session ran with (:func:`session_config`), worked out
        once."""
        return session_config(self.loaded, self.meta)


def _analyse(loaded: LoadedFile, meta: dict[str, Any], source: str) -> tuple[FeatureTable, QualitySummary]:
    """Run the offline analysis on ``loaded`` with the session's settings (:func:`session_config`).

    Returns the feature table and the summary of the frames' per-channel quality reasons. The
    frames are turned into table columns chunk by chunk (memory grows by a few hundred bytes
    per 0.1-s frame, not by the frames themselves: a night's recording fits).
    """
    config = session_config(loaded, meta)
    pipe = Pipeline(loaded.sfreq, list(loaded.ch_names), config, loaded.rail_uv)
    counter = ReasonCounter(list(loaded.ch_names))
    parts = []
    for chunk in iter_frames(loaded, config, pipe=pipe):
        counter.add(chunk)
        parts.append(table_from_frames(chunk, source))
    summary = counter.summary(loaded.duration_s, pipe.mains_hz, config)
    return concat_tables(parts, source), summary


def gather(path: str | Path, read: ReadOptions | None = None) -> ReportData:
    """Read a session folder (or an EEG file, with ``read``'s ``--board``, ``--channels`` and
    ``--sfreq``) and make sure there are feature frames.

    Raises
    ------
    FileFormatError
        When the path does not exist or cannot be read as EEG.
    """
    p = Path(path)
    if not p.exists():
        raise FileFormatError(f"{p} does not exist; give a session folder or an EEG file")
    notes: list[str] = []
    sdir = session_dir_of(p)
    if sdir is not None:
        loaded = (read or ReadOptions()).load(sdir)  # a session folder: --channels may rename
        meta = dict(loaded.meta)
        source = sdir
        fpath = sdir / FEATURES_NAME
        table = None
        quality = None
        if fpath.is_file():
            table = read_feature_table(fpath)
            if table.n_frames == 0:
                table = None
        if table is None:
            table, quality = _analyse(loaded, meta, f"analysis of {sdir.name}")
            notes.append(f"{FEATURES_NAME} was missing or empty: the analysis was run for this "
                         "report (the recording folder was not changed).")
    else:
        loaded = (read or ReadOptions()).load(p)
        meta = dict(loaded.meta)
        source = p
        table, quality = _analyse(loaded, meta, f"analysis of {p.name}")
        notes.append(f"{p.name} is not a recording of this program: it was analysed with the "
                     "default pipeline settings for this report.")
    if table.n_frames == 0:
        raise FileFormatError(
            f"{source}: only {loaded.duration_s:.2f} s of data, no feature frames; a report needs "
            "at least one full 2-s analysis window"
        )
    if quality is None and isinstance(meta.get("channel_quality_counts"), dict):
        # counted live by the session, frame by frame, and stored in session.json
        try:
            counter = ReasonCounter.from_dict(meta["channel_quality_counts"],
                                              list(loaded.ch_names))
            quality = counter.summary(loaded.duration_s, meta.get("mains_hz"),
                                      session_config(loaded, meta))
        except UsageError as exc:
            notes.append(f"Channel quality: the counts stored in session.json were not used ({exc}).")
    if quality is None:  # an older recording: recompute the per-channel reasons
        quality = summarize_loaded(loaded, session_config(loaded, meta), full=True)
        notes.append("Channel quality: the pipeline's per-channel checks were re-run on the raw "
                      "signal (this recording's session.json has no stored counts).")
    protocol = None
    pd = meta.get("protocol")
    if isinstance(pd, dict) and pd:
        try:
            protocol = protocol_from_dict(pd, source=f"{source}/session.json:protocol")
        except ProtocolError as exc:
            notes.append(f"the protocol stored in session.json could not be read ({exc}).")
    # an exported file keeps protocol phases as spans: the report draws them from their edges
    markers = marker_labels.with_phase_edges(loaded.markers, loaded.spans)
    return ReportData(source, loaded, table, markers, meta, protocol, notes, quality)
