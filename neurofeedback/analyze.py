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
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
from tqdm import tqdm

from .errors import RecordingError, UsageError, setting
from .io import load_eeg_file
from .io.loaded import LoadedFile
from .offline import iter_frames
from .pipeline.config import PipelineConfig
from .pipeline.features import feature_row
from .pipeline.frame import BANDS, FEATURE_COLUMNS, FeatureFrame
from .pipeline.pipeline import Pipeline

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


def analyze_to_dir(
    loaded: LoadedFile,
    out_dir: str | Path,
    config: PipelineConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> AnalysisSummary:
    """Analyse a loaded file and stream ``features.csv`` and ``bandpower.csv`` into ``out_dir``.

    Raises
    ------
    RecordingError
        When ``out_dir`` cannot be created or written.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        ff = open(out / FEATURES_NAME, "w", encoding="utf-8", newline="")
        bf = open(out / BANDPOWER_NAME, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise RecordingError(
            f"cannot write to {out}: {exc.strerror or exc}; choose another "
            f"{setting('out_dir', '--out')}"
        ) from None
    n = n_art = 0
    pipe = Pipeline(loaded.sfreq, list(loaded.ch_names), config, loaded.rail_uv)

    def write(frames: list[FeatureFrame]) -> None:
        ff.write("".join([feature_line(f) for f in frames]))
        bf.write("".join([bandpower_line(f) for f in frames]))

    # a writer thread formats and writes chunk k while the pipeline computes chunk k + 1
    # (its compiled stages run without the GIL); chunks are written in order
    with ff, bf, ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyze-writer") as pool:
        _feature_writer(ff)
        csv.writer(bf).writerow(bandpower_header(list(loaded.ch_names)))
        pending: Future | None = None
        for frames in iter_frames(loaded, config, progress, pipe):
            if pending is not None:
                pending.result()  # at most one chunk queued; re-raises a write error
            pending = pool.submit(write, frames)
            n += len(frames)
            n_art += sum(f.artifact for f in frames)
        if pending is not None:
            pending.result()
    return AnalysisSummary(
        path=loaded.path,
        out_dir=str(out),
        n_frames=n,
        duration_s=loaded.duration_s,
        artifact_share=(n_art / n) if n else float("nan"),
        mains_hz=pipe.mains_hz,
        rate_notes=pipe.rate_notes,
    )


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


def analyze_path(
    path: str,
    out_dir: str | Path,
    baseline_s: float | None = None,
    show_progress: bool = False,
) -> AnalysisSummary:
    """Load one input with :func:`neurofeedback.io.load_eeg_file` and analyse it into ``out_dir``."""
    loaded = load_eeg_file(path)
    kwargs = {} if baseline_s is None else {"baseline": (0.0, float(baseline_s))}
    config = PipelineConfig(**kwargs)
    if loaded.duration_s < config.window_s:
        raise UsageError(
            f"{path}: only {loaded.duration_s:.2f} s of data; analysis needs at least "
            f"{config.window_s:g} s (one window)"
        )
    bar = None
    if show_progress:
        bar = tqdm(total=loaded.n_samples, unit="sample", unit_scale=True, desc=Path(path).name, leave=False)
    try:
        return analyze_to_dir(loaded, out_dir, config, bar.update if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()


def analyze_paths(
    paths: list[str],
    out: str | Path,
    baseline_s: float | None = None,
    jobs: int = 1,
    show_progress: bool = False,
) -> list[AnalysisSummary]:
    """Analyse several inputs, one process per input when ``jobs > 1``."""
    dirs = output_dirs(paths, out)
    if jobs <= 1 or len(paths) == 1:
        return [analyze_path(p, d, baseline_s, show_progress) for p, d in zip(paths, dirs, strict=True)]
    results: list[AnalysisSummary | None] = [None] * len(paths)
    bar = None
    if show_progress:
        bar = tqdm(total=len(paths), unit="file")
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths))) as pool:
        futs = {pool.submit(analyze_path, p, d, baseline_s, False): i
                for i, (p, d) in enumerate(zip(paths, dirs, strict=True))}
        for fut in as_completed(futs):
            results[futs[fut]] = fut.result()
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return [r for r in results if r is not None]
