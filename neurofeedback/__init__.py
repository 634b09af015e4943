"""Headless core of the neurofeedback application: sources, signal processing, estimator,
protocols, recording and the command line. Nothing in this package imports Qt."""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logger = logging.getLogger("neurofeedback")
logger.addHandler(logging.NullHandler())

__all__ = ["__version__", "logger"]
