"""The feature pipeline: filters, quality checks, spectra, synchrony, harmony, the estimator."""

from __future__ import annotations

from pathlib import Path

#: What the command line says before the first pipeline of a fresh install (see
#: :func:`kernels_compiled`).
COMPILE_NOTE = ("preparing the analysis: compiling its kernels once after installing (about 20 s; "
                "later runs start at once) ...")


def kernels_compiled() -> bool:
    """True when numba's on-disk cache holds compiled kernels of this package (so the first
    pipeline of a process starts at once); False on a first run after installing, when compiling
    them takes a while (tens of seconds)."""
    cache = Path(__file__).resolve().parent / "__pycache__"
    return cache.is_dir() and any(cache.glob("*.nbi"))
