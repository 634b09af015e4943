"""--json on boards and protocols: machine-readable lists matching the one vocabulary."""

from __future__ import annotations

import json

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
