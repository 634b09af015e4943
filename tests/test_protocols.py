"""Protocol files: the shipped ones load, and every kind of mistake is one clear error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from neurofeedback.cli import main
from neurofeedback.errors import ProtocolError
from neurofeedback.protocols import (
    ENV_VAR,
    list_protocols,
    load_protocol,
    protocol_from_dict,
    protocols_dir,
)

GOOD = """\
name = "t"
description = "a test protocol"
integration_band = [3, 6]

[feedback]
mapping = "audio"

[reward]
target_rate = 0.7
min_threshold = 0.2
max_threshold = 0.8

[[phases]]
kind = "baseline-eyes-closed"
duration_s = 60
instruction = "rest"

[[phases]]
kind = "training"
duration_s = 120.5
instruction = "train"
score = "integration"
[phases.reward]
target_rate = 0.5

[[phases]]
kind = "rest"
duration_s = 10
instruction = "rest"

[[phases]]
kind = "training"
duration_s = 30
instruction = "train again"
score = "meditation"
"""


def write(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    msg = str(info.value)
    assert "\n" not in msg, "errors are one line"
    assert str(path) in msg, "errors name the file"
    return msg


def test_good_file_parses_every_field(tmp_path):
    p = load_protocol(write(tmp_path, GOOD))
    assert p.name == "t" and p.description == "a test protocol"
    assert p.integration_band == (3.0, 6.0)
    assert p.mapping == "audio"
    assert p.reward.target_rate == 0.7 and p.reward.min_threshold == 0.2
    assert p.reward.max_threshold == 0.8
    assert p.reward.adapt_window_s == 30.0  # default
    assert [ph.kind for ph in p.phases] == ["baseline-eyes-closed", "training", "rest", "training"]
    assert [ph.label for ph in p.phases] == [
        "baseline-eyes-closed-1", "training-1", "rest-1", "training-2"]
    assert p.duration_s == pytest.approx(60 + 120.5 + 10 + 30)
    assert p.phase_starts == pytest.approx([0, 60, 180.5, 190.5])
    # the override changes only its key; the rest is inherited from [reward]
    assert p.phases[1].reward.target_rate == 0.5
    assert p.phases[1].reward.min_threshold == 0.2
    assert p.phases[3].reward.target_rate == 0.7
    assert p.phases[0].reward is None and p.phases[0].score is None
    assert p.scores == ("integration", "meditation")


def test_to_dict_round_trip(tmp_path):
    p = load_protocol(write(tmp_path, GOOD))
    q = protocol_from_dict(p.to_dict())
    assert q == p


@pytest.mark.parametrize(
    "old, new, expected",
    [
        # unknown keys, with the allowed keys listed and a suggestion
        ('duration_s = 60\n', 'duration_s = 60\ndurration = 3\n',
         r"unknown key 'phases\[0\]\.durration'.*allowed keys in phases\[0\]: kind, duration_s"),
        ('name = "t"', 'name = "t"\ncolour = "red"', r"unknown key 'colour'.*allowed keys: name"),
        ('mapping = "audio"', 'mapping = "audio"\nvolume = 3',
         r"unknown key 'feedback\.volume'.*allowed keys in feedback: mapping"),
        ('target_rate = 0.5', 'target_rat = 0.5',
         r"unknown key 'phases\[1\]\.reward\.target_rat' \(did you mean 'target_rate'\?\)"),
        # wrong types
        ('duration_s = 120.5', 'duration_s = "long"',
         r"phases\[1\]\.duration_s must be a number > 0; found \"long\" \(a string\)"),
        ('name = "t"', 'name = 3', r"name must be a non-empty string; found 3"),
        ('integration_band = [3, 6]', 'integration_band = 4',
         r"integration_band must be an array of two numbers \[low_hz, high_hz\]; found 4"),
        ('target_rate = 0.7', 'target_rate = true',
         r"reward\.target_rate must be a number > 0 and < 1; found true \(a boolean\)"),
        ('instruction = "rest"\n\n[[phases]]\nkind = "training"',
         'instruction = 5\n\n[[phases]]\nkind = "training"',
         r"phases\[0\]\.instruction must be a non-empty string; found 5"),
        # bad durations
        ('duration_s = 10\n', 'duration_s = -10\n',
         r"phases\[2\]\.duration_s must be a number > 0; found -10"),
        ('duration_s = 30\n', 'duration_s = 0\n',
         r"phases\[3\]\.duration_s must be a number > 0; found 0"),
        # missing required fields
        ('description = "a test protocol"\n', '',
         r"missing required key 'description'"),
        ('score = "meditation"', '',
         r"missing required key 'phases\[3\]\.score' \(the score fed back: \"meditation\""),
        ('kind = "rest"\n', '', r"missing required key 'phases\[2\]\.kind' \(one of baseline-eyes-open"),
        # bad enum values
        ('kind = "rest"', 'kind = "nap"',
         r"phases\[2\]\.kind must be one of \"baseline-eyes-open\", \"baseline-eyes-closed\", "
         r"\"training\", \"rest\"; found \"nap\""),
        ('score = "meditation"', 'score = "calm"',
         r"phases\[3\]\.score must be one of \"meditation\", \"integration\", \"alpha-theta\"; "
         r"found \"calm\""),
        ('mapping = "audio"', 'mapping = "smell"',
         r"feedback\.mapping must be one of \"visual\", \"audio\", \"both\"; found \"smell\""),
        # out-of-range and inconsistent values
        ('target_rate = 0.7', 'target_rate = 1.5',
         r"reward\.target_rate must be a number > 0 and < 1; found 1\.5"),
        ('max_threshold = 0.8', 'max_threshold = 0.1',
         r"reward\.max_threshold must be such that min_threshold < max_threshold; "
         r"found \"min_threshold=0\.2, max_threshold=0\.1\""),
        ('integration_band = [3, 6]', 'integration_band = [6, 3]',
         r"integration_band must be \[low_hz, high_hz\] with low < high"),
        ('kind = "rest"\nduration_s = 10\ninstruction = "rest"',
         'kind = "rest"\nduration_s = 10\ninstruction = "rest"\nscore = "meditation"',
         r"phases\[2\]\.score must be absent: only \"training\" phases have a score"),
    ],
)
def test_each_mistake_is_one_clear_error(tmp_path, old, new, expected):
    assert old in GOOD
    msg = error_of(tmp_path, GOOD.replace(old, new, 1))
    assert re.search(expected, msg), msg


def test_toml_syntax_error_gives_the_line(tmp_path):
    bad = GOOD.replace('mapping = "audio"', 'mapping = "audio', 1)
    line = bad.splitlines().index('mapping = "audio') + 1
    msg = error_of(tmp_path, bad)
    assert "not valid TOML" in msg and f"line {line}" in msg


def test_no_phases_and_missing_file(tmp_path):
    msg = error_of(tmp_path, GOOD.split("[[phases]]")[0])
    assert "missing required key 'phases'" in msg
    with pytest.raises(ProtocolError, match="does not exist"):
        load_protocol(tmp_path / "nothere.toml")


def test_unknown_name_lists_available():
    with pytest.raises(ProtocolError) as info:
        load_protocol("no-such-protocol")
    msg = str(info.value)
    for name in ("meditation", "integration", "alpha-theta", "calibration", "quick-demo"):
        assert name in msg


def test_shipped_protocols_match_the_issue():
    names = {p.name: p for p in list_protocols()}
    assert {"meditation", "integration", "alpha-theta", "calibration", "quick-demo"} <= set(names)
    for key in ("meditation", "integration"):
        p = names[key]
        kinds = [ph.kind for ph in p.phases]
        assert kinds[0] == kinds[-1] == "baseline-eyes-closed"
        assert p.phases[0].duration_s == p.phases[-1].duration_s == 120
        training = [ph for ph in p.phases if ph.is_training]
        assert [ph.duration_s for ph in training] == [300, 300, 300]
        assert {ph.score for ph in training} == {key}
        assert all(ph.duration_s <= 120 for ph in p.phases if ph.kind == "rest")
    assert names["integration"].integration_band == (3.0, 6.0)
    at = names["alpha-theta"]
    assert at.mapping == "audio" and all(ph.kind != "baseline-eyes-open" for ph in at.phases)
    cal = names["calibration"]
    assert {ph.kind for ph in cal.phases} == {"baseline-eyes-open", "baseline-eyes-closed"}
    assert names["quick-demo"].duration_s == 120
    # by-name and by-path give the same protocol
    assert load_protocol("quick-demo") == load_protocol(protocols_dir() / "quick-demo.toml")


def test_env_var_overrides_the_folder(tmp_path, monkeypatch):
    write(tmp_path, GOOD, "mine.toml")
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert load_protocol("mine").name == "t"
    assert [p.name for p in list_protocols()] == ["t"]
    with pytest.raises(ProtocolError, match="available: mine"):
        load_protocol("meditation")


def test_cli_lists_and_shows(capsys):
    assert main(["protocols"]) == 0
    out = capsys.readouterr().out
    assert "quick-demo" in out and "2:00" in out and "21:00" in out
    assert main(["protocols", "meditation"]) == 0
    out = capsys.readouterr().out
    assert "baseline-eyes-closed" in out and "training-3" in out and "target rate 60%" in out


def test_cli_bad_protocol_exits_2(tmp_path, capsys):
    path = write(tmp_path, GOOD.replace("duration_s = 60", "duration_s = -1"))
    assert main(["protocols", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "phases[0].duration_s" in err and err.count("\n") == 1
