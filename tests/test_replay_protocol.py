"""A replay of a session runs the protocol it was recorded with, unless told otherwise."""

from __future__ import annotations

import json

from neurofeedback.cli import main


def test_replay_uses_the_recorded_protocol(tmp_path):
    assert main(["run", "--board", "simulated", "--protocol", "quick-demo", "--sim-speed", "40",
                 "--headless", "--record-dir", str(tmp_path / "live")]) == 0
    (live,) = list((tmp_path / "live").iterdir())
    assert main(["replay", str(live), "--speed", "0", "--duration", "40", "--headless",
                 "--record-dir", str(tmp_path / "again")]) == 0
    (again,) = list((tmp_path / "again").iterdir())
    meta = json.loads((again / "session.json").read_text())
    assert meta["protocol"]["name"] == "quick-demo"
    assert main(["replay", str(live), "--speed", "0", "--duration", "20", "--headless",
                 "--protocol", "none", "--record-dir", str(tmp_path / "bare")]) == 0
    (bare,) = list((tmp_path / "bare").iterdir())
    assert json.loads((bare / "session.json").read_text()).get("protocol") is None
