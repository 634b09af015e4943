"""The feature pipeline: filters, quality checks, spectra, synchrony, harmony, the estimator."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

#: What the command line says before the first pipeline of a fresh install (see
#: :func:`kernels_compiled`).
COMPILE_NOTE = ("preparing the analysis: compiling its kernels once after installing (about 20 s; "
                "later runs start at once) ...")


def kernels_compiled() -> bool:
    """True when numba's on-disk cache holds compiled kernels of this package (so the first
    pipeline of a process starts at once); False on a first run after installing, when compiling
    them takes a while (tens of seconds)."""
    return any(cache_index_files())


def cache_index_files() -> list[Path]:
    """numba's cache index files of this package's kernels: in ``__pycache__`` beside the
    modules, or under ``NUMBA_CACHE_DIR`` when that is set (in the folder numba names after
    the source directory and a hash of its path)."""
    here = Path(__file__).resolve().parent
    user = os.environ.get("NUMBA_CACHE_DIR")
    if user:  # numba's own naming: <directory name>_<sha1 of the directory's path>
        sub = f"{here.name}_{hashlib.sha1(os.path.abspath(here).encode()).hexdigest()}"
        cache = Path(user) / sub
    else:
        cache = here / "__pycache__"
    return sorted(cache.glob("*.nbi")) if cache.is_dir() else []
