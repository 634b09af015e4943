"""--json on boards and protocols: machine-readable lists matching the one vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

from neurofeedback.app import BOARDS
from neurofeedback.cli import main
from neurofeedback.protocols import list_protocols


def test_boards_json(capsys):
    assert main(["boards", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [b["name"] for b in got] == [b.name for b in BOARDS]
    assert any(b["name"] == "lsl" for b in got)


def test_protocols_json(capsys):
    assert main(["protocols", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    shipped = list_protocols()
    assert [p["name"] for p in got] == [p.name for p in shipped]
    assert [p["duration_s"] for p in got] == [p.duration_s for p in shipped]
    assert main(["protocols", "meditation", "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["name"] == "meditation" and len(one["phases"]) == 7


def test_analyze_and_replay_json(tmp_path, capsys):
    from _data import EEGMMIDB_EDF

    f = str(EEGMMIDB_EDF[(2, 2)])
    assert main(["analyze", f, "--out", str(tmp_path / "a"), "--json"]) == 0
    (res,) = json.loads(capsys.readouterr().out)
    assert res["n_frames"] == 591 and res["path"] == f
    assert (Path(res["out_dir"]) / "features.csv").is_file()
    assert main(["replay", f, "--speed", "0", "--duration", "5", "--headless", "--json",
                 "--record-dir", str(tmp_path / "r")]) == 0
    end = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert end["exit_code"] == 0 and end["samples"] == 800 and end["duration_s"] == 5.0
    assert Path(end["recording"]).is_dir() and "report" in end
