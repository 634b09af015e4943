"""Offline analysis: the live pipeline run over a whole file, written as CSV tables.

The same :class:`~neurofeedback.pipeline.pipeline.Pipeline` object as live sessions, fed the
file in big chunks; frames are identical to what a live session would have computed.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from .errors import RecordingError, UsageError
from .io.loaded import LoadedFile
from .pipeline.config import PipelineConfig
from .pipeline.features import feature_row
from .pipeline.frame import BANDS, FEATURE_COLUMNS, FeatureFrame
from .pipeline.pipeline import Pipeline

log = logging.getLogger(__name__)

CHUNK_S = 60.0
FEATURES_NAME = "features.csv"
BANDPOWER_NAME = "bandpower.csv"
_WRITER_THREAD = True  # format and write CSV rows in a thread (overlaps the pipeline's kernels)


_M_TRIM_THRESHOLD = -1  # glibc mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
_allocator_tuned = False


def tune_allocator() -> bool:
    """Keep freed memory in the process heap (glibc only; elsewhere a no-op).

    Offline analysis allocates and frees the same few-MB arrays for every 5-s block. With
    glibc's defaults such blocks are mapped fresh from the kernel and returned on free, so
    every block pays ~2500 page faults (about a fifth of the run time); raising the mmap and
    trim thresholds to 32 and 256 MB lets the blocks be reused. The process keeps up to
    256 MB of freed heap instead of returning it. Called once per process by
    :func:`iter_frames`; numbers are unaffected.

    Returns
    -------
    bool
        True when the thresholds were set (now or by an earlier call).
    """
    global _allocator_tuned
    if _allocator_tuned:
        return True
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        ok = bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)) and bool(
            libc.mallopt(_M_TRIM_THRESHOLD, 256 * 1024 * 1024)
        )
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl without mallopt)
        ok = False
    log.debug("allocator thresholds %s", "raised" if ok else "left at their defaults")
    _allocator_tuned = ok
    return ok


def iter_frames(
    loaded: LoadedFile,
    config: PipelineConfig | None = None,
    progress: Callable[[int], None] | None = None,
    pipe: Pipeline | None = None,
) -> Iterator[list[FeatureFrame]]:
    """Run the pipeline over a loaded file, yielding the frames of each 60-s chunk.

    Parameters
    ----------
    loaded : LoadedFile
        Data in uV, shape (n_channels, n_samples).
    config : PipelineConfig or None
    progress : callable or None
        Called with the number of samples processed in each chunk.
    pipe : Pipeline or None
        A fresh pipeline to use (default: one made for ``loaded`` and ``config``).
    """
    if pipe is None:
        pipe = Pipeline(loaded.sfreq, list(loaded.ch_names), config, loaded.rail_uv)
    tune_allocator()
    step = max(1, int(CHUNK_S * loaded.sfreq))
    for s in range(0, loaded.n_samples, step):
        chunk = loaded.data[:, s : s + step]
        frames = pipe.push(chunk)
        if progress is not None:
            progress(chunk.shape[1])
        yield frames


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


def write_feature_csv(path: str | Path, frames: Iterable[FeatureFrame]) -> None:
    """Write ``features.csv``: header :data:`FEATURE_COLUMNS`, one row per frame."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        _feature_writer(fh).writerows(f.to_row() for f in frames)


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


def write_bandpower_csv(path: str | Path, frames: Iterable[FeatureFrame], ch_names: list[str]) -> None:
    """Write ``bandpower.csv`` (see :func:`bandpower_header`)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(bandpower_header(ch_names))
        w.writerows(bandpower_row(f) for f in frames)


@dataclass
class AnalysisSummary:
    """What one analysed input produced."""

    path: str
    out_dir: str
    n_frames: int
    duration_s: float
    artifact_share: float
    mains_hz: float | None


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
            f"cannot write to {out}: {exc.strerror or exc}; choose another --out directory"
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
            if _WRITER_THREAD:
                pending = pool.submit(write, frames)
            else:
                write(frames)
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
    from .io import load_eeg_file

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
        from tqdm import tqdm

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
    from concurrent.futures import ProcessPoolExecutor

    results: list[AnalysisSummary | None] = [None] * len(paths)
    bar = None
    if show_progress:
        from tqdm import tqdm

        bar = tqdm(total=len(paths), unit="file")
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths))) as pool:
        futs = {pool.submit(analyze_path, p, d, baseline_s, False): i
                for i, (p, d) in enumerate(zip(paths, dirs, strict=True))}
        from concurrent.futures import as_completed

        for fut in as_completed(futs):
            results[futs[fut]] = fut.result()
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return [r for r in results if r is not None]
