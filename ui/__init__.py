"""The Qt application (PyQt6 + pyqtgraph) over the headless :mod:`neurofeedback` package.

All Qt code lives here; ``neurofeedback`` never imports Qt. Start it with ``neurofeedback gui``
or ``python -m ui``.
"""

from __future__ import annotations

__all__ = ["run_gui"]


def run_gui(*args, **kwargs):
    """See :func:`ui.app.run_gui`."""
    from .app import run_gui as _run

    return _run(*args, **kwargs)
