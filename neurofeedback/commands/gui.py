"""``neurofeedback gui``: the Qt operator and feedback windows.

The options and their checks are the application layer's (:mod:`neurofeedback.app.options`),
shared with ``python -m ui``. Qt is imported only inside :func:`open_window`, so the command
line and everything below it never import Qt (see the comment there).
"""

from __future__ import annotations

import argparse

from ..app import SessionSpec, spec_from_args
from ..app.options import add_gui_arguments, check_gui_arguments

NAME = "gui"
HELP = "open the operator and feedback windows (live board, simulator or replay)"
ORDER = 20


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_gui_arguments(p)


def open_window(
    spec: SessionSpec | None,
    *,
    feedback_mode: str | None = None,
    screenshot: str | None = None,
    quit_after: float | None = None,
    fullscreen_feedback: bool = False,
) -> int:
    """Open the Qt window on ``spec`` (None: wait for the setup bar) and run its event loop.

    Returns the exit code of :func:`ui.app.run_gui`.
    """
    # lazy on purpose: PyQt6 and pyqtgraph are heavy, need a display library stack, and the
    # headless package must never import Qt (the ``ui`` package sits above this layer)
    from neurofeedback.ui.app import run_gui

    kwargs = {} if feedback_mode is None else {"feedback_mode": feedback_mode}
    return run_gui(spec, screenshot=screenshot, quit_after=quit_after,
                   fullscreen_feedback=fullscreen_feedback, **kwargs)


def run(args: argparse.Namespace) -> int:
    check_gui_arguments(args)
    spec = spec_from_args(args, duration_s=getattr(args, "duration", None), frontend="gui")
    return open_window(
        spec,
        feedback_mode=args.feedback_mode,
        screenshot=args.screenshot,
        quit_after=args.quit_after,
        fullscreen_feedback=bool(args.fullscreen_feedback),
    )
