"""Offline analysis on a Dask cluster (``analyze --scheduler ADDRESS``).

One task per input. This machine (the client) reads each input and sends its bytes with the task;
a worker writes them into a temporary folder, runs the same analysis as a local run
(:func:`neurofeedback.analyze.write_tables`) into memory and returns the two tables as bytes; the
client writes them into the output folder (``*.partial``, then renamed). So the workers need the
``neurofeedback`` package (the same version) but no shared disk, and the files are the ones a
local ``analyze`` writes, byte for byte.

What travels: each input once to a worker, each result once back (``features.csv`` about 10 MB and
``bandpower.csv`` about 20 MB per hour of 16-channel EEG). At most two inputs per worker thread are
in flight at a time, so the client never holds the whole batch in memory.

``distributed`` is an optional dependency (the ``cluster`` extra); it is imported only here, only
when a cluster is used.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import re
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .analyze import (
    BANDPOWER_NAME,
    FEATURES_NAME,
    load_for_analysis,
    make_out_dir,
    output_dirs,
    partial_paths,
    remove_partial,
    summary_of,
    write_tables,
)
from .analyze_many import BatchProgress, FileOutcome, failure
from .errors import FileFormatError, UsageError, setting
from .io import ReadOptions
from .io._common import fname
from .io.session_folder import session_dir_of

log = logging.getLogger(__name__)

#: Seconds to wait for the scheduler before giving up.
CONNECT_TIMEOUT_S = 10.0

#: The files of one input: path relative to a folder -> content.
InputFiles = dict[str, bytes]


def named_companions(header: Path) -> list[Path]:
    """The files a recording's header names beside it: a BrainVision ``.vhdr``'s ``DataFile``
    and ``MarkerFile``, an EEGLAB ``.set``'s ``datfile``. Empty for other files, or when the
    header cannot be read (the reader then says what is wrong)."""
    names: list[str] = []
    suffix = header.suffix.lower()
    try:
        if suffix == ".vhdr":
            text = header.read_text(encoding="utf-8", errors="replace")
            names = re.findall(r"^\s*(?:DataFile|MarkerFile)\s*=\s*(.+?)\s*$", text, re.MULTILINE)
        elif suffix == ".set":
            from scipy.io import loadmat

            mat = loadmat(header, variable_names=["EEG", "datfile"], squeeze_me=True,
                          struct_as_record=False)
            dat = mat.get("datfile", getattr(mat.get("EEG"), "datfile", None))
            names = [dat] if isinstance(dat, str) and dat else []
    except (OSError, ValueError, NotImplementedError, TypeError):
        return []
    return [header.parent / Path(n.replace("\\", "/")).name for n in names]


def pack_input(path: str) -> tuple[str, InputFiles]:
    """Read an input into memory, with the files it needs, for a worker without the disk.

    A folder travels whole; a file inside a recording folder travels with that folder; any other
    file travels with the files beside it that share its name before the extension (BrainVision's
    ``.vhdr``/``.vmrk``/``.eeg``, EEGLAB's ``.set``/``.fdt``) and with those its header names
    (:func:`named_companions`).

    Returns
    -------
    (str, dict)
        The path to load relative to the shipped folder, and the files (relative path -> bytes).

    Raises
    ------
    FileFormatError
        When the input does not exist or cannot be read.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise FileFormatError(f"{path}: no such file or folder; check the path")
    session = session_dir_of(p)
    try:
        if p.is_dir() or session is not None:
            root = (session if session is not None else p).resolve()
            base = root.parent
            files = {f.relative_to(base).as_posix(): f.read_bytes()
                     for f in sorted(root.rglob("*")) if f.is_file()}
            return p.resolve().relative_to(base).as_posix(), files
        siblings = {f for f in p.parent.iterdir()
                    if f.is_file() and f != p and f.name.split(".")[0] == p.name.split(".")[0]}
        siblings |= {f for f in named_companions(p) if f.is_file() and f != p}
        files = {f.name: f.read_bytes() for f in [p, *sorted(siblings)]}
    except OSError as exc:
        raise FileFormatError(
            f"{fname(path)}: cannot read ({exc.strerror or exc}); check the path and permissions"
        ) from None
    return p.name, files


def cluster_task(
    index: int, path: str, name: str, files: InputFiles, baseline_s: float | None,
    read: ReadOptions | None = None,
) -> tuple[FileOutcome, bytes, bytes]:
    """Run on a worker: analyse one shipped input and return the two tables.

    Parameters
    ----------
    index : int
        Position of the input in the batch.
    path : str
        The input as given on the client (for the summary and messages).
    name, files : str, dict
        What :func:`pack_input` returned.
    baseline_s : float or None
        Baseline block = the first ``baseline_s`` seconds (default 60).
    read : ReadOptions or None
        ``--board``, ``--channels`` and ``--sfreq`` for reading the input.

    Returns
    -------
    (FileOutcome, bytes, bytes)
        The outcome (``summary.out_dir`` left empty for the client to fill in) and the UTF-8 text
        of ``features.csv`` and ``bandpower.csv`` (empty on failure).
    """
    with tempfile.TemporaryDirectory(prefix="neurofeedback-analyze-") as tmp:
        try:
            for rel, data in files.items():
                target = Path(tmp, rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            loaded, config = load_for_analysis(os.path.join(tmp, name), baseline_s, read)
            ff = io.StringIO(newline="")
            bf = io.StringIO(newline="")
            counts = write_tables(loaded, ff, bf, config)
        except Exception as exc:  # noqa: BLE001 - one input's failure must not stop the batch
            outcome = failure(index, path, exc)
            if outcome.error is not None:  # name the input as given, not the worker's copy
                outcome.error = outcome.error.replace(os.path.join(tmp, name), path)
            return outcome, b"", b""
    summary = summary_of(path, "", loaded.duration_s, counts)
    return FileOutcome(index, path, summary), ff.getvalue().encode("utf-8"), bf.getvalue().encode("utf-8")


def write_result(out_dir: Path, features: bytes, bandpower: bytes) -> None:
    """Write the two tables returned by a worker into ``out_dir`` (complete files or none).

    Raises
    ------
    RecordingError
        When the folder cannot be created.
    OSError
        When writing fails (the partial files are removed first).
    """
    created = make_out_dir(out_dir)
    tmp_f, tmp_b = partial_paths(out_dir)
    try:
        tmp_f.write_bytes(features)
        tmp_b.write_bytes(bandpower)
        os.replace(tmp_f, out_dir / FEATURES_NAME)
        os.replace(tmp_b, out_dir / BANDPOWER_NAME)
    except BaseException:
        remove_partial(out_dir, created)
        raise


def connect(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> Any:
    """A ``distributed.Client`` connected to the scheduler at ``address``.

    Raises
    ------
    UsageError
        When ``distributed`` is not installed or the scheduler cannot be reached.
    """
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(
            f"{setting('scheduler', '--scheduler')} needs the optional package 'distributed'; "
            "install it with: pip install 'neurofeedback[cluster]'"
        ) from None
    try:
        client = Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        # the half-made client closes itself when collected: do that now, while its event loop
        # still runs (at interpreter exit it would print a traceback)
        gc.collect()
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise UsageError(
            f"cannot reach the Dask scheduler at {address!r} within {timeout_s:g} s ({detail}); "
            "check the address (tcp://HOST:8786) and that 'dask scheduler' is running with "
            "workers attached"
        ) from None
    try:
        client.wait_for_workers(1, timeout=timeout_s)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise UsageError(
            f"the Dask scheduler at {address!r} has no workers (none came within {timeout_s:g} s); "
            f"start some with: dask worker {address} --nthreads 1"
        ) from exc
    return client


def analyze_on_cluster(
    paths: list[str],
    out: str | Path,
    address: str,
    baseline_s: float | None = None,
    show_progress: bool = False,
    on_done: Callable[[FileOutcome, BatchProgress], None] | None = None,
    timeout_s: float = CONNECT_TIMEOUT_S,
    read: ReadOptions | None = None,
) -> list[FileOutcome]:
    """Analyse several inputs on the Dask cluster at ``address``; outputs as
    :func:`neurofeedback.analyze_many.analyze_files` writes them.

    Parameters
    ----------
    paths, out, baseline_s, show_progress, on_done, read
        As for :func:`neurofeedback.analyze_many.analyze_files`.
    address : str
        The scheduler, e.g. ``tcp://10.0.0.5:8786``.
    timeout_s : float
        Seconds to wait for the scheduler.

    Returns
    -------
    list of FileOutcome
        One per input, in input order.

    Raises
    ------
    UsageError
        When ``distributed`` is missing or the scheduler cannot be reached.
    """
    client = connect(address, timeout_s)
    from distributed import as_completed

    dirs = output_dirs(paths, out)
    bar = BatchProgress(len(paths), show_progress, on_done)
    done = bar.done

    futures: dict[Any, int] = {}
    todo = list(range(len(paths)))

    def submit_next() -> Any | None:
        while todo:
            i = todo.pop(0)
            try:
                name, files = pack_input(paths[i])
            except FileFormatError as exc:
                done(failure(i, paths[i], exc))
                continue
            [data] = client.scatter([files], hash=False)
            fut = client.submit(cluster_task, i, paths[i], name, data, baseline_s, read, pure=False,
                                key=f"neurofeedback-analyze-{i}-{uuid.uuid4().hex}")
            futures[fut] = i
            return fut
        return None

    try:
        n_threads = max(1, sum(client.nthreads().values()))
        first = [f for f in (submit_next() for _ in range(2 * n_threads)) if f is not None]
        running = as_completed(first, loop=client.loop)
        for fut in running:
            i = futures.pop(fut)
            try:
                outcome, features, bandpower = fut.result()
                if outcome.summary is not None:
                    write_result(dirs[i], features, bandpower)
                    outcome.summary.out_dir = str(dirs[i])
            except ModuleNotFoundError as exc:  # the task could not be unpacked on the worker
                outcome = FileOutcome(i, paths[i], error=(
                    f"{paths[i]}: a Dask worker cannot import {exc.name!r}; install the same "
                    "version of neurofeedback on every worker"))
            except Exception as exc:  # noqa: BLE001 - a lost worker, an unwritable folder
                outcome = failure(i, paths[i], exc)
            fut.release()
            done(outcome)
            nxt = submit_next()
            if nxt is not None:
                running.add(nxt)
    except BaseException:  # Ctrl-C: cancel the cluster's work; only complete tables were written
        client.cancel(list(futures))
        raise
    finally:
        bar.close()
        client.close()
    return bar.results()
