"""Offline analysis of many inputs: one overall progress bar, per-file errors, parallel processes.

:func:`analyze_files` runs :func:`neurofeedback.analyze.analyze_path` over several inputs, in this
process (``jobs=1``) or in ``jobs`` worker processes started with the ``spawn`` method (the same on
Linux, macOS and Windows; no state is inherited by forking). Each worker takes one whole input at a
time and writes its two tables itself, so the outputs are the files a one-by-one run writes, byte
for byte. The numba kernels are compiled once (in this process, before the workers start, if the
on-disk cache is empty) and the workers load them from that cache.

An input that fails (unreadable, too short, unwritable output, or a bug) is reported as one
:class:`FileOutcome` with a one-line ``error``; the other inputs go on, and the failed one leaves
no table behind (:func:`neurofeedback.analyze.analyze_to_dir` writes ``*.partial`` files and renames
them when complete). Ctrl-C stops the workers, removes what they had half written and re-raises
:class:`KeyboardInterrupt`.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import signal
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .analyze import AnalysisSummary, analyze_path, output_dirs, remove_partial
from .errors import NeurofeedbackError
from .io import ReadOptions
from .io._common import fname
from .pipeline.warmup import compile_kernels

log = logging.getLogger(__name__)

#: How often the parent collects progress from the workers (s).
POLL_S = 0.25


@dataclass
class FileOutcome:
    """What became of one input of a batch: its summary, or a one-line error."""

    #: position of the input in the batch
    index: int
    #: the input as given
    path: str
    summary: AnalysisSummary | None = None
    #: one line saying what went wrong and what to do (None on success)
    error: str | None = None
    #: True when the error is a bug of ours rather than a problem of the input
    internal: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def failure(index: int, path: str, exc: BaseException) -> FileOutcome:
    """The :class:`FileOutcome` of an input whose analysis raised ``exc``."""
    if isinstance(exc, NeurofeedbackError):
        msg = str(exc)
        name = fname(path.rstrip("/\\"))
        if name not in msg:
            msg = f"{path}: {msg}"
        return FileOutcome(index, path, error=msg)
    log.debug("analysis of %s failed", path, exc_info=exc)
    return FileOutcome(
        index, path, internal=True,
        error=f"{path}: internal error ({type(exc).__name__}: {exc}); run with --verbose for "
              "details and please report it",
    )


def run_one(
    index: int,
    path: str,
    out_dir: str | Path,
    baseline_s: float | None = None,
    progress: Callable[[float, float], None] | None = None,
    read: ReadOptions | None = None,
) -> FileOutcome:
    """Analyse one input into ``out_dir``; any error becomes the outcome's one-line ``error``.

    ``progress(done_s, total_s)`` is called after each 60-s chunk (seconds of EEG); ``read``
    carries ``--board``, ``--channels`` and ``--sfreq``.
    :class:`KeyboardInterrupt` is not caught.
    """
    try:
        return FileOutcome(index, path, analyze_path(path, out_dir, baseline_s, progress, read))
    except Exception as exc:  # noqa: BLE001 - one input's failure must not stop the batch
        return failure(index, path, exc)


class BatchProgress:
    """One progress bar (tqdm, on stderr) for a batch of inputs.

    The bar counts inputs, with fractions for those in progress; its text says how many are done,
    how many seconds of EEG have been analysed, and that amount over the wall-clock time since the
    start (x real time).

    Parameters
    ----------
    n_files : int
        Number of inputs.
    enabled : bool
        Draw the bar (False: only count).
    on_done : callable or None
        Called as ``on_done(outcome, bar)`` by :meth:`done` as each input finishes.
    """

    def __init__(
        self, n_files: int, enabled: bool,
        on_done: Callable[[FileOutcome, BatchProgress], None] | None = None,
    ) -> None:
        self.n_files = n_files
        self.outcomes: list[FileOutcome | None] = [None] * n_files
        self._on_done = on_done
        self.files_done = 0
        self.failed = 0
        self._done_s = 0.0  # EEG seconds of finished inputs
        self._running: dict[int, float] = {}  # index -> EEG seconds analysed so far
        self._fraction: dict[int, float] = {}  # index -> share of the input analysed
        self._t0 = time.perf_counter()
        self._bar = tqdm(
            total=n_files, file=sys.stderr, disable=not enabled, dynamic_ncols=True,
            # the text goes in ``desc`` (``{postfix}`` would come with a leading comma)
            bar_format="analyze: {percentage:3.0f}%|{bar}| {desc} [{elapsed}<{remaining}]",
        )
        self._refresh()

    @property
    def eeg_seconds(self) -> float:
        """Seconds of EEG analysed so far (finished inputs and the analysed part of the others)."""
        return self._done_s + sum(self._running.values())

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self._t0

    @property
    def realtime_factor(self) -> float:
        """Seconds of EEG analysed per second of wall-clock time since the start."""
        el = self.elapsed_s
        return self.eeg_seconds / el if el > 0 else 0.0

    def update(self, index: int, done_s: float, total_s: float) -> None:
        """Input ``index`` has ``done_s`` of its ``total_s`` seconds of EEG analysed."""
        self._running[index] = done_s
        self._fraction[index] = min(1.0, done_s / total_s) if total_s > 0 else 0.0
        self._refresh()

    def finish(self, outcome: FileOutcome) -> None:
        """Input ``outcome.index`` is done (analysed or failed)."""
        self._running.pop(outcome.index, None)
        self._fraction.pop(outcome.index, None)
        self.files_done += 1
        if outcome.summary is not None:
            self._done_s += outcome.summary.duration_s
        else:
            self.failed += 1
        self._refresh()

    def done(self, outcome: FileOutcome) -> None:
        """Keep ``outcome`` in input order, move the bar, then call ``on_done``."""
        self.outcomes[outcome.index] = outcome
        self.finish(outcome)
        if self._on_done is not None:
            self._on_done(outcome, self)

    def results(self) -> list[FileOutcome]:
        """The outcomes of the inputs that finished, in input order."""
        return [o for o in self.outcomes if o is not None]

    def _refresh(self) -> None:
        if self._bar.disable:
            return
        self._bar.n = self.files_done + sum(self._fraction.values())
        failed = f", {self.failed} failed" if self.failed else ""
        self._bar.set_description_str(
            f"{self.files_done}/{self.n_files} files{failed}, {self.eeg_seconds:.0f} s of EEG, "
            f"{self.realtime_factor:.0f}x real time", refresh=True,
        )

    def write(self, line: str) -> None:
        """Print a line on stderr above the bar."""
        tqdm.write(line, file=sys.stderr)

    def close(self) -> None:
        self._bar.close()


# --- worker side ---------------------------------------------------------------------------

_PROGRESS: Any = None  # the worker's end of the progress queue (set by _init_worker)


def _init_worker(progress_queue: Any, level: int) -> None:
    """Set up a worker process: Ctrl-C is the parent's business; logging as in the parent."""
    global _PROGRESS
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _PROGRESS = progress_queue
    root = logging.getLogger("neurofeedback")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    if level > logging.DEBUG:
        warnings.filterwarnings("ignore")
        logging.getLogger("mne").setLevel(logging.ERROR)


def _worker_task(
    index: int, path: str, out_dir: str, baseline_s: float | None, read: ReadOptions | None
) -> FileOutcome:
    q = _PROGRESS

    def progress(done_s: float, total_s: float) -> None:
        if q is not None:
            q.put((index, done_s, total_s))

    return run_one(index, path, out_dir, baseline_s, progress, read)


# --- parent side ---------------------------------------------------------------------------


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's worker processes now (their current inputs are abandoned)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
        return
    # older Pythons have no public way; the executor keeps its processes in ``_processes``
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        if proc.is_alive():
            proc.terminate()


def _run_pool(
    paths: list[str],
    dirs: list[Path],
    baseline_s: float | None,
    read: ReadOptions | None,
    jobs: int,
    bar: BatchProgress,
    done: Callable[[FileOutcome], None],
) -> None:
    ctx = multiprocessing.get_context("spawn")
    progress_queue = ctx.Queue()
    level = logging.getLogger("neurofeedback").getEffectiveLevel()
    compile_kernels()
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(paths)), mp_context=ctx,
                               initializer=_init_worker, initargs=(progress_queue, level))
    futs: dict[Future, int] = {}
    finished: set[int] = set()

    def drain() -> None:
        while True:
            try:
                index, done_s, total_s = progress_queue.get_nowait()
            except queue.Empty:
                return
            if index not in finished:
                bar.update(index, done_s, total_s)

    try:
        for i, (p, d) in enumerate(zip(paths, dirs, strict=True)):
            futs[pool.submit(_worker_task, i, p, str(d), baseline_s, read)] = i
        pending = set(futs)
        while pending:
            ready, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
            drain()
            for fut in ready:
                i = futs[fut]
                try:
                    outcome = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker killed from outside
                    outcome = failure(i, paths[i], exc)
                    remove_partial(dirs[i], created=True)
                finished.add(i)
                done(outcome)
    except BaseException:  # Ctrl-C (or a bug here): stop everything, leave no half tables
        for fut in futs:
            fut.cancel()
        _terminate(pool)
        pool.shutdown(wait=True, cancel_futures=True)
        for i, d in enumerate(dirs):
            if i not in finished:
                remove_partial(d, created=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        progress_queue.close()


def analyze_files(
    paths: list[str],
    out: str | Path,
    baseline_s: float | None = None,
    jobs: int = 1,
    show_progress: bool = False,
    on_done: Callable[[FileOutcome, BatchProgress], None] | None = None,
    read: ReadOptions | None = None,
) -> list[FileOutcome]:
    """Analyse several inputs into ``out`` (see :func:`neurofeedback.analyze.output_dirs`).

    Parameters
    ----------
    paths : list of str
        Inputs (anything :func:`neurofeedback.io.load_eeg_file` reads).
    out : str or Path
        Output folder: the two tables for one input, one subfolder per input for several.
    baseline_s : float or None
        Baseline block = the first ``baseline_s`` seconds (default 60).
    jobs : int
        Worker processes (>= 1); ``1`` analyses the inputs one by one in this process.
    show_progress : bool
        Draw the overall progress bar on stderr.
    on_done : callable or None
        Called as ``on_done(outcome, bar)`` as each input finishes (in completion order), e.g. to
        print a failure at once with ``bar.write``.
    read : ReadOptions or None
        ``--board``, ``--channels`` and ``--sfreq``, the same for every input.

    Returns
    -------
    list of FileOutcome
        One per input, in input order.
    """
    dirs = output_dirs(paths, out)
    bar = BatchProgress(len(paths), show_progress, on_done)
    done = bar.done
    try:
        if jobs <= 1 or len(paths) == 1:
            for i, (p, d) in enumerate(zip(paths, dirs, strict=True)):
                done(run_one(i, p, d, baseline_s, lambda s, t, i=i: bar.update(i, s, t), read))
        else:
            _run_pool(paths, dirs, baseline_s, read, jobs, bar, done)
    finally:
        bar.close()
    return bar.results()
