"""Shared pytest fixtures."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from _data import DATA_DIR

# Lab Streaming Layer stays on this machine in tests (liblsl reads the file named by LSLAPICFG
# when it first starts, so this is set before any test touches it)
_LSL_CFG = Path(tempfile.mkdtemp(prefix="lslcfg-")) / "lsl_api.cfg"
_LSL_CFG.write_text("[ports]\nIPv6 = disable\n\n[multicast]\nResolveScope = machine\n")
os.environ.setdefault("LSLAPICFG", str(_LSL_CFG))

#: the main-window fixture (``window``) shared by the window tests
pytest_plugins = ["_window"]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real recordings (``tests/data``, copies of the team's shared recordings)."""
    assert DATA_DIR.is_dir(), f"test recordings missing at {DATA_DIR}"
    return DATA_DIR


@pytest.fixture(autouse=True)
def _qt_garbage_collected_between_tests(request):
    """After a Qt test, collect its garbage at once. Left to the collector's own timing, a
    previous test's plot items were freed while a later test's window was processing events,
    and pyqtgraph's InfiniteLine asked its then-deleted view for a size inside Qt's paint code,
    which aborts the worker (seen in ``tests/test_ui_parts.py`` under pytest-xdist)."""
    yield
    if "qtbot" in request.fixturenames:
        import gc

        gc.collect()
