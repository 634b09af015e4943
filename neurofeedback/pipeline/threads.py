"""One BLAS thread per process, for the pipeline's matrix products.

The pipeline's products are small (channels x channels x one window) and run while other work
keeps the other cores busy: offline, the per-window stage runs in a worker thread beside the
per-frame stage, ``analyze --jobs N`` runs N processes, and live the window paints beside it.
A BLAS library that splits each product over every core then waits on cores that are busy.
On this 2-core machine one product alone is faster with OpenBLAS's 2 threads (24 against 34 ms
for the spatial-mode products of 50 frames of a 64-channel 1000-Hz recording), but the whole
offline analysis of that recording ran at 21.6x real time with one BLAS thread against 13.0x
with two, and at 13.2x against 8.8x with another process busy (``benchmarks/blas_threads.py``;
with both cores taken by other work, the same products once took 0.8 s instead of 0.07 s).
So the first :class:`~.pipeline.Pipeline` of a process limits
BLAS to one thread, through ``threadpoolctl``, unless the user chose a number themselves
(``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` set in the environment).
The numbers are the same either way up to rounding; live and offline analysis run under the
same limit, so they stay bit-identical.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

#: Environment variables with which a user sets the BLAS thread count themselves.
USER_SETTINGS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

_done = False


def one_blas_thread() -> bool:
    """Limit BLAS to one thread in this process (once; later calls do nothing).

    Returns
    -------
    bool
        True when the limit was set by this call.
    """
    global _done
    if _done:
        return False
    _done = True
    if any(os.environ.get(v) for v in USER_SETTINGS):
        return False
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a declared dependency
        return False
    threadpool_limits(1, user_api="blas")
    log.debug("BLAS limited to one thread per process")
    return True
