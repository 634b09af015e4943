"""``python -m neurofeedback.ui [gui options]``: the same window as ``neurofeedback gui [gui options]``.

The options come from the application layer (:mod:`neurofeedback.app.options`), so ``ui``
depends on ``neurofeedback.app`` and never on the command line module.
"""

from __future__ import annotations

import argparse
import sys

from neurofeedback.app import spec_from_args
from neurofeedback.app.options import add_gui_arguments, check_gui_arguments
from neurofeedback.errors import NeurofeedbackError

from .app import run_gui


def main(argv: list[str] | None = None) -> int:
    """Parse the gui options, open the window; one ``error:`` line and exit code 2 on bad input."""
    parser = argparse.ArgumentParser(prog="python -m neurofeedback.ui", description="The neurofeedback operator and feedback windows.")
    add_gui_arguments(parser)
    args = parser.parse_args(argv)
    try:
        check_gui_arguments(args)
        spec = spec_from_args(args, duration_s=args.duration, frontend="gui")
        return run_gui(spec, feedback_mode=args.feedback_mode, screenshot=args.screenshot,
                       quit_after=args.quit_after, fullscreen_feedback=bool(args.fullscreen_feedback))
    except NeurofeedbackError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
