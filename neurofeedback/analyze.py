"""Offline analysis: the live pipeline run over a whole file, written as CSV tables.

The same :class:`~neurofeedback.pipeline.pipeline.Pipeline` object as live sessions, fed the
file in big chunks by :func:`neurofeedback.offline.iter_frames`; frames are identical to what a
live session would have computed.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

import numpy as np

from .errors import RecordingError, UsageError, setting
from .io import ReadOptions
from .io.loaded import LoadedFile
from .offline import iter_frames, session_config
from .pipeline.config import PipelineConfig
from .pipeline.features import feature_row
from .pipeline.frame import BANDS, FEATURE_COLUMNS, FeatureFrame
from .pipeline.pipeline import Pipeline
from .pipeline.rates import recorded_lowpass_note

log = logging.getLogger(__name__)

FEATURES_NAME = "features.csv"
BANDPOWER_NAME = "bandpower.csv"


def _feature_writer(fh: TextIO) -> csv.writer:  # type: ignore[valid-type]
    w = csv.writer(fh)
    w.writerow(FEATURE_COLUMNS)
    return w


_CSV_SPECIAL = frozenset(',"\r\n')


def feature_line(frame: FeatureFrame) -> str:
    """:func:`~.pipeline.features.feature_row` as one CSV line (``\r\n``-terminated), the
    text ``csv.writer`` writes for it (fields needing quotes go through ``csv.writer``)."""
    fields = feature_row(frame)
    if any(not _CSV_SPECIAL.isdisjoint(v) for v in fields):
        buf = io.StringIO()
        csv.writer(buf).writerow(fields)
        return buf.getvalue()
    return ",".join(fields) + "\r\n"


def bandpower_header(ch_names: list[str]) -> list[str]:
    """``time_s`` then ``<channel>:<band>`` for each channel (file order) and band."""
    return ["time_s"] + [f"{ch}:{band}" for ch in ch_names for band in BANDS]


def bandpower_row(frame: FeatureFrame) -> list[str]:
    """Per-channel band powers of one frame, dB, in :func:`bandpower_header` order."""
    vals = [frame.time_s] + [float(v) for v in frame.band_power.ravel()]
    return [f"{v:.6g}" if math.isfinite(v) else "" for v in vals]


def bandpower_line(frame: FeatureFrame) -> str:
    """:func:`bandpower_row` as one CSV line (``\\r\\n``-terminated, as ``csv.writer`` writes it).

    Formats all values in one ``%`` operation (the per-value f-strings of
    :func:`bandpower_row` cost more than the whole pipeline in offline analysis).
    """
    bp = frame.band_power.ravel()
    if np.isfinite(bp).all():
        return ("%.6g," * bp.size + "%.6g\r\n") % (frame.time_s, *bp.tolist())
    return ",".join(bandpower_row(frame)) + "\r\n"


@dataclass
class AnalysisSummary:
    """What one analysed input produced."""

    path: str
    out_dir: str
    n_frames: int
    duration_s: float
    artifact_share: float
    mains_hz: float | None
    #: adaptations to the sample rate (:attr:`.pipeline.pipeline.Pipeline.rate_notes`)
    rate_notes: tuple[str, ...] = ()
    #: what the file's own recording settings do to the measures
    #: (:func:`.pipeline.rates.recorded_lowpass_note`)
    recording_notes: tuple[str, ...] = ()


#: Suffix of the tables while they are written; renamed to the final names when complete.
PARTIAL_SUFFIX = ".partial"


@dataclass
class TableCounts:
    """What :func:`write_tables` counted and the pipeline decided while writing one input."""

    n_frames: int
    n_artifact: int
    mains_hz: float | None
    rate_notes: tuple[str, ...]
    recording_notes: tuple[str, ...] = ()


def write_tables(
    loaded: LoadedFile,
    features: TextIO,
    bandpower: TextIO,
    config: PipelineConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> TableCounts:
    """Run the pipeline over ``loaded`` and write the two tables as CSV text.

    Parameters
    ----------
    loaded : LoadedFile
        Data in uV, shape (n_channels, n_samples).
    features, bandpower : text file
        Opened with ``newline=""``: ``features.csv`` and ``bandpower.csv`` (header, then one
        ``\r\n``-terminated line per 0.1-s frame).
    config : PipelineConfig or None
        Pipeline settings (default: the pipeline's defaults).
    progress : callable or None
        Called with the number of samples processed after each 60-s chunk.

    Returns
    -------
    TableCounts
        Frames written, artifact frames among them, the mains found, the rate adaptations.
    """
    n = n_art = 0
    pipe = Pipeline(loaded.sfreq, list(loaded.ch_names), config, loaded.rail_uv)

    def write(frames: list[FeatureFrame]) -> None:
        features.write("".join([feature_line(f) for f in frames]))
        bandpower.write("".join([bandpower_line(f) for f in frames]))

    # a writer thread formats and writes chunk k while the pipeline computes chunk k + 1
    # (its compiled stages run without the GIL); chunks are written in order
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyze-writer") as pool:
        _feature_writer(features)
        csv.writer(bandpower).writerow(bandpower_header(list(loaded.ch_names)))
        pending: Future | None = None
        for frames in iter_frames(loaded, config, progress, pipe):
            if pending is not None:
                pending.result()  # at most one chunk queued; re-raises a write error
            pending = pool.submit(write, frames)
            n += len(frames)
            n_art += sum(f.artifact for f in frames)
        if pending is not None:
            pending.result()
    note = recorded_lowpass_note(loaded.meta.get("lowpass_hz"))
    return TableCounts(n, n_art, pipe.mains_hz, pipe.rate_notes, (note,) if note else ())


def summary_of(path: str, out_dir: str | Path, duration_s: float, counts: TableCounts) -> AnalysisSummary:
    """The :class:`AnalysisSummary` of one input from what :func:`write_tables` counted."""
    n = counts.n_frames
    return AnalysisSummary(
        path=path,
        out_dir=str(out_dir),
        n_frames=n,
        duration_s=duration_s,
        artifact_share=(counts.n_artifact / n) if n else float("nan"),
        mains_hz=counts.mains_hz,
        rate_notes=counts.rate_notes,
        recording_notes=counts.recording_notes,
    )


def partial_paths(out_dir: str | Path) -> list[Path]:
    """Where the two tables of ``out_dir`` are written before they are complete."""
    out = Path(out_dir)
    return [out / (name + PARTIAL_SUFFIX) for name in (FEATURES_NAME, BANDPOWER_NAME)]


def remove_partial(out_dir: str | Path, created: bool) -> None:
    """Delete half-written tables in ``out_dir``, and the folder too when ``created`` and empty."""
    for p in partial_paths(out_dir):
        p.unlink(missing_ok=True)
    if created:
        try:
            Path(out_dir).rmdir()
        except OSError:
            pass  # not empty (other files were there or came) or already gone


def make_out_dir(out_dir: str | Path) -> bool:
    """Create ``out_dir`` (and parents). Returns True if it did not exist before.

    Raises
    ------
    RecordingError
        When the folder cannot be created.
    """
    out = Path(out_dir)
    existed = out.is_dir()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordingError(
            f"cannot write to {out}: {exc.strerror or exc}; choose another "
            f"{setting('out_dir', '--out')}"
        ) from None
    return not existed


def analyze_to_dir(
    loaded: LoadedFile,
    out_dir: str | Path,
    config: PipelineConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> AnalysisSummary:
    """Analyse a loaded file into ``out_dir``: ``features.csv`` and ``bandpower.csv``.

    The tables are streamed to ``*.partial`` names and renamed when complete, so a failure (or
    Ctrl-C) leaves no half-written table behind, and the folder only if it existed before.

    Raises
    ------
    RecordingError
        When ``out_dir`` cannot be created or written.
    """
    out = Path(out_dir)
    created = make_out_dir(out)
    tmp_f, tmp_b = partial_paths(out)
    try:
        try:
            ff = open(tmp_f, "w", encoding="utf-8", newline="")
            bf = open(tmp_b, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise RecordingError(
                f"cannot write to {out}: {exc.strerror or exc}; choose another "
                f"{setting('out_dir', '--out')}"
            ) from None
        with ff, bf:
            counts = write_tables(loaded, ff, bf, config, progress)
        os.replace(tmp_f, out / FEATURES_NAME)
        os.replace(tmp_b, out / BANDPOWER_NAME)
    except BaseException:
        remove_partial(out, created)
        raise
    return summary_of(loaded.path, out, loaded.duration_s, counts)


def output_dirs(paths: list[str], out: str | Path) -> list[Path]:
    """``out`` itself for one input; ``out/<stem>`` (de-duplicated) for several."""
    out = Path(out)
    if len(paths) == 1:
        return [out]
    dirs, seen = [], set()
    for p in paths:
        stem = Path(p.rstrip("/\\")).stem or "input"
        name, k = stem, 2
        while name in seen:
            name, k = f"{stem}_{k}", k + 1
        seen.add(name)
        dirs.append(out / name)
    return dirs


def load_for_analysis(
    path: str, baseline_s: float | None = None, read: ReadOptions | None = None
) -> tuple[LoadedFile, PipelineConfig]:
    """Load one input with :func:`neurofeedback.io.load_eeg_file` and make its pipeline settings:
    a recorded session's own (:func:`~neurofeedback.offline.session_config`: the settings it
    stored, baseline block included), with the baseline block replaced by the first
    ``baseline_s`` seconds when given. ``read`` carries ``--board``, ``--channels`` and
    ``--sfreq`` (default: none).

    Raises
    ------
    FileFormatError
        When the input cannot be read.
    UsageError
        When it is shorter than one analysis window.
    """
    loaded = (read or ReadOptions()).load(path)
    config = session_config(loaded, loaded.meta)  # a session's own: the live numbers
    if baseline_s is not None:
        config = replace(config, baseline=(0.0, float(baseline_s)))
    if loaded.duration_s < config.window_s:
        raise UsageError(
            f"{path}: only {loaded.duration_s:.2f} s of data; analysis needs at least "
            f"{config.window_s:g} s (one window)"
        )
    return loaded, config


def analyze_path(
    path: str,
    out_dir: str | Path,
    baseline_s: float | None = None,
    progress: Callable[[float, float], None] | None = None,
    read: ReadOptions | None = None,
) -> AnalysisSummary:
    """Load one input and analyse it into ``out_dir`` (:func:`analyze_to_dir`).

    Parameters
    ----------
    path : str
        Anything :func:`neurofeedback.io.load_eeg_file` reads.
    out_dir : str or Path
        Folder for ``features.csv`` and ``bandpower.csv``.
    baseline_s : float or None
        Baseline block = the first ``baseline_s`` seconds (default: the pipeline's, 60 s).
    progress : callable or None
        Called as ``progress(done_s, total_s)`` (seconds of EEG) after each 60-s chunk.
    read : ReadOptions or None
        ``--board``, ``--channels``, ``--sfreq`` for reading the input.
    """
    loaded, config = load_for_analysis(path, baseline_s, read)
    cb = None
    if progress is not None:
        done = [0]
        total_s = loaded.duration_s

        def cb(n: int) -> None:
            done[0] += n
            progress(done[0] / loaded.sfreq, total_s)

    return analyze_to_dir(loaded, out_dir, config, cb)
