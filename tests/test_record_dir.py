"""Default recording folder: the repository's recordings/ inside a checkout, the user data folder elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from neurofeedback.app.paths import default_record_dir, repository_root

REPO = Path(__file__).resolve().parents[1]


def test_inside_the_checkout_recordings_go_to_the_repository():
    assert repository_root(REPO / "neurofeedback" / "pipeline") == REPO
    assert default_record_dir(REPO / "tests") == REPO / "recordings"


def test_outside_a_checkout_recordings_go_to_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    assert repository_root(elsewhere) is None
    if sys.platform.startswith("linux"):
        assert default_record_dir(elsewhere) == tmp_path / "data" / "neurofeedback" / "recordings"


def test_a_run_from_another_folder_records_there_and_prints_the_path(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "neurofeedback", "run", "--board", "simulated", "--duration", "2",
         "--sim-speed", "10", "--headless"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stderr
    target = tmp_path / "data" / "neurofeedback" / "recordings"
    assert f"recording into {target}" in done.stdout
    folders = list(target.iterdir())
    assert len(folders) == 1 and (folders[0] / "session.json").is_file()
