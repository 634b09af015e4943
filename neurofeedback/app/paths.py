"""Where session folders go by default.

Inside a checkout of this repository (the working folder or one of its parents holds our
``pyproject.toml``) recordings go to ``<repository>/recordings``, next to the code, as the
developers' guide promises. Anywhere else (an installed wheel run from a home folder) they go to
the platform's user data folder, ``platformdirs.user_data_path("neurofeedback") / "recordings"``
(``~/.local/share/neurofeedback/recordings`` on Linux), never into whatever folder the user
happened to start the program from.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

#: The project name our ``pyproject.toml`` declares; how a checkout is recognised.
_PROJECT_LINE = 'name = "neurofeedback"'


def repository_root(start: Path | None = None) -> Path | None:
    """The checkout of this project that holds ``start`` (default: the working folder), or None.

    Parameters
    ----------
    start : Path or None
        Folder to look from; its parents are searched too.

    Returns
    -------
    Path or None
        The folder holding our ``pyproject.toml`` and ``neurofeedback/`` package.
    """
    here = Path(start if start is not None else os.getcwd()).resolve()
    for folder in (here, *here.parents):
        project = folder / "pyproject.toml"
        if project.is_file() and (folder / "neurofeedback").is_dir():
            try:
                if _PROJECT_LINE in project.read_text(encoding="utf-8", errors="replace"):
                    return folder
            except OSError:
                return None
    return None


def default_record_dir(start: Path | None = None) -> Path:
    """The folder session folders go to when ``--record-dir`` is not given.

    Parameters
    ----------
    start : Path or None
        Folder to decide from (default: the working folder).

    Returns
    -------
    Path
        ``<repository>/recordings`` inside a checkout, else the user data folder's ``recordings``.
    """
    root = repository_root(start)
    if root is not None:
        return root / "recordings"
    return platformdirs.user_data_path("neurofeedback", appauthor=False) / "recordings"
