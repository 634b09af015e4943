"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from _data import DATA_DIR

#: the main-window fixture (``window``) shared by the window tests
pytest_plugins = ["_window"]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real recordings (``tests/data``, copies of the team's shared recordings)."""
    assert DATA_DIR.is_dir(), f"test recordings missing at {DATA_DIR}"
    return DATA_DIR
