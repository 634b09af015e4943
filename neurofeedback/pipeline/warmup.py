"""Compile the pipeline's numba kernels before a session starts (first run after installing).

numba compiles a kernel the first time it runs and keeps the result in its on-disk cache
(``__pycache__``), so every later process loads it at once. On a fresh install nothing is
cached yet: a live session would compile each kernel when the stream first reaches it (the
first frame, the first blink, the baseline's completion), tens of seconds in all, while the
source goes on delivering samples, and the feedback would lag the head by that much until the
backlog was worked off. :func:`compile_kernels` runs one short pipeline over made-up data that
takes every compiled path of the default settings and of the optional ones (the per-sample
synchrony, the recent-spectrum meditation energy) before any source is opened.
"""

from __future__ import annotations

import logging

import numpy as np

from . import kernels_compiled

log = logging.getLogger(__name__)

#: The made-up recording: an 8-channel Cyton montage (two frontal electrodes, so the eye
#: checks and the regression run; four or more sources, so interpolation runs).
_NAMES = ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]
_SFREQ = 250.0
_SECONDS = 12.0  # past the 8-s harmony window and a 4-s baseline


def warmup_data(seed: int = 0) -> np.ndarray:
    """Noise with a 10-Hz rhythm and one blink on Fp1/Fp2 at 7 s, uV, shape (8, 3000)."""
    rng = np.random.default_rng(seed)
    n = int(_SECONDS * _SFREQ)
    t = np.arange(n) / _SFREQ
    x = 10.0 * rng.standard_normal((len(_NAMES), n)) + 15.0 * np.sin(2 * np.pi * 10.0 * t)
    blink = 200.0 * np.exp(-0.5 * ((t - 7.0) / 0.1) ** 2)
    x[:2] += blink
    return x


def compile_kernels(force: bool = False) -> bool:
    """Fill numba's on-disk cache when it is empty (or with ``force``).

    Returns True when it ran the warm-up pipeline (tens of seconds on a fresh install), False
    when the kernels were already compiled.
    """
    if kernels_compiled() and not force:
        return False
    from .config import PipelineConfig
    from .pipeline import Pipeline

    log.info("compiling the pipeline's kernels once")
    cfg = PipelineConfig(baseline=(0.0, 4.0), baseline_min_clean_s=1.0,
                         integration_analytic_tau_s=0.4, meditation_segments=1)
    Pipeline(_SFREQ, list(_NAMES), cfg).push(warmup_data())
    return True
