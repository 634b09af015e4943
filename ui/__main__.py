"""``python -m ui [gui options]``: the same as ``neurofeedback gui [gui options]``."""

from __future__ import annotations

import sys

from neurofeedback.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["gui", *sys.argv[1:]]))
