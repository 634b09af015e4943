"""MkDocs hook: a page that another command generates may not exist yet in a fresh checkout.

``docs/validation.md`` is written by ``make validate`` (it analyses the real recordings, which
takes minutes), so ``make docs`` does not run it. When the file is missing, the site gets a page
saying how to make it instead of failing the strict build on a nav entry without a file.
"""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files

#: Pages made by other commands: file name -> the command that writes it.
MADE_ELSEWHERE: dict[str, str] = {"validation.md": "make validate"}


def on_files(files: Files, config: Any) -> Files:
    """Add a short placeholder for every page of :data:`MADE_ELSEWHERE` that is missing."""
    for name, command in MADE_ELSEWHERE.items():
        if files.get_file_from_path(name) is None:
            title = name.removesuffix(".md").capitalize()
            files.append(File.generated(
                config, name,
                content=f"# {title}\n\nNot generated in this checkout yet: run `{command}`.\n",
            ))
    return files
