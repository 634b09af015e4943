"""The ``neurofeedback`` command line.

Each subcommand lives in its own module under :mod:`neurofeedback.commands` and exposes
``NAME``, ``HELP``, ``ORDER`` (position in ``--help``), ``add_arguments(parser)`` and
``run(args) -> int``. Every :class:`~neurofeedback.errors.NeurofeedbackError` becomes one line
``error: ...`` on stderr and exit code 2; ``--verbose`` adds details.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

from . import __version__, commands
from .errors import NeurofeedbackError

log = logging.getLogger("neurofeedback")


class _Parser(argparse.ArgumentParser):
    """argparse with exit code 2 and a one-line message that suggests ``--help``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def _command_modules() -> list[ModuleType]:
    mods = []
    for info in pkgutil.iter_modules(commands.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(mod, "NAME") and hasattr(mod, "run"):
            mods.append(mod)
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", 100), m.NAME))


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = _Parser(
        prog="neurofeedback",
        description="Open EEG neurofeedback: acquire, record, replay, analyse and train.",
    )
    parser.add_argument("--version", action="version", version=f"neurofeedback {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="show details and tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    table: dict[str, ModuleType] = {}
    for mod in _command_modules():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP, parents=[common])
        mod.add_arguments(p)
        table[mod.NAME] = mod
    return parser, table


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger("neurofeedback")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.propagate = False
    if not verbose:
        warnings.filterwarnings("ignore")
        logging.getLogger("mne").setLevel(logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script. Returns the process exit code."""
    try:
        parser, table = build_parser()  # imports every command (NumPy, MNE...): a second or two
    except KeyboardInterrupt:  # Ctrl-C while starting: as later, no traceback
        sys.stderr.write("interrupted\n")
        return 130
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    verbose = bool(getattr(args, "verbose", False))
    _setup_logging(verbose)
    try:
        return int(table[args.command].run(args) or 0)
    except NeurofeedbackError as exc:
        if verbose:
            log.exception("details")
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug: still one line, details with --verbose
        if verbose:
            log.exception("details")
        sys.stderr.write(
            f"error: internal error ({type(exc).__name__}: {exc}); run with --verbose for details "
            "and please report it\n"
        )
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
