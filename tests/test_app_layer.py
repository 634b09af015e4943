"""The application layer (``neurofeedback.app``): one vocabulary, one spec-to-session path, one
end-of-session rule, and the fed-back score and modality the protocol files name."""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from pathlib import Path

import pytest

from neurofeedback.app import (
    BOARDS,
    FEEDBACK_SCORES,
    HARDWARE_BOARDS,
    SCENARIOS,
    SessionSpec,
    build_session,
    build_source,
    fed_back_score,
    feedback_value,
    finish_session,
    modality,
    spec_from_args,
)
from neurofeedback.app.options import add_board_arguments, add_session_arguments
from neurofeedback.boards import resolve_board
from neurofeedback.errors import UsageError
from neurofeedback.headless import format_status
from neurofeedback.protocols import SCORES, list_protocols, load_protocol, score_value
from neurofeedback.protocols.schema import tomllib
from neurofeedback.session import run_until_done
from neurofeedback.simulate.scenarios import SCENARIOS as SCENARIO_TABLE

ROOT = Path(__file__).resolve().parents[1]
ALPHA_THETA = ROOT / "protocols" / "alpha-theta.toml"


def test_vocabularies_come_from_their_one_definition():
    assert SCENARIOS == tuple(SCENARIO_TABLE)
    assert FEEDBACK_SCORES == SCORES == ("meditation", "integration", "alpha-theta")
    # every listed BrainFlow board resolves to a board id
    for name in HARDWARE_BOARDS:
        assert isinstance(resolve_board(name), int), name
    assert [b.name for b in BOARDS][:2] == ["synthetic", "simulated"]


@pytest.mark.parametrize("path", sorted((ROOT / "protocols").glob("*.toml")), ids=lambda p: p.stem)
def test_modality_is_the_one_each_protocol_file_names(path):
    mapping = tomllib.loads(path.read_text())["feedback"]["mapping"]
    m = modality(load_protocol(path))
    assert (m.visual, m.audio) == {"visual": (True, False), "audio": (False, True), "both": (True, True)}[mapping]


def test_alpha_theta_protocol_is_audio_only():
    m = modality(load_protocol(ALPHA_THETA))
    assert m.audio and not m.visual
    assert modality(None).visual and not modality(None).audio


def _cli_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_board_arguments(p)
    add_session_arguments(p)
    return p.parse_args(argv)


def test_spec_from_command_line_options_builds_the_named_source():
    spec = spec_from_args(_cli_args(["--board", "simulated", "--scenario", "trauma", "--seed", "7",
                                     "--sim-speed", "3", "--no-record"]), duration_s=5.0, frontend="cli")
    assert (spec.kind, spec.scenario, spec.seed, spec.speed, spec.record, spec.duration_s) == \
        ("simulated", "trauma", 7, 3.0, False, 5.0)
    src = build_source(spec)
    assert src.speed == 3.0 and src.info.kind != "file"
    # options that do not apply are refused with the option named
    with pytest.raises(UsageError, match=r"sim_speed \(--sim-speed on the command line\) only applies"):
        build_source(spec_from_args(_cli_args(["--board", "synthetic", "--sim-speed", "2"])))
    with pytest.raises(UsageError, match="--channels"):
        build_source(spec_from_args(_cli_args(["--board", "simulated", "--channels", "A,B"])))
    with pytest.raises(UsageError, match="source kind must be one of"):
        build_source(SessionSpec(kind="tape"))
    with pytest.raises(UsageError, match="--baseline"):
        build_session(SessionSpec(kind="simulated", baseline_s=0.0, record=False))


def test_status_line_shows_the_score_the_protocol_rewards(tmp_path):
    spec = SessionSpec(kind="simulated", scenario="meditation", protocol=str(ALPHA_THETA),
                       record=True, record_dir=str(tmp_path), duration_s=4.0, speed=20.0, frontend="cli")
    session = build_session(spec)
    run_until_done(session)
    fr = session.stats().frame
    assert fr.protocol.score == "alpha-theta" == fed_back_score(fr, "integration")
    value = score_value(fr, "alpha-theta")
    assert feedback_value(fr, "alpha-theta") == pytest.approx(value, nan_ok=True)
    assert math.isfinite(value) and 0.0 <= value <= 1.0
    line = format_status(session.stats())
    assert f"alpha-theta {value:.2f}" in line
    # the protocol did not finish (4 s of 29 min) and ended by duration: saved, and the report
    # rule (a recorded protocol session without error) wrote the report
    res = finish_session(session)
    assert res.stop_error is None and res.path == session.recording_path
    assert res.report == session.recording_path / "report.html" and res.report.exists()
    assert "frontend" in (session.recording_path / "session.json").read_text()


def test_without_a_protocol_the_operators_score_is_fed_back():
    spec = SessionSpec(kind="simulated", record=False, duration_s=3.0, speed=20.0)
    session = build_session(spec)
    run_until_done(session)
    fr = session.stats().frame
    assert fr.protocol is None
    assert fed_back_score(fr, "integration") == "integration"
    assert feedback_value(fr, "integration") == pytest.approx(float(fr.integration_score), nan_ok=True)
    assert "alpha-theta" not in format_status(session.stats())
    res = finish_session(session)
    assert res.path is None and res.report is None and res.stop_error is None
    with pytest.raises(UsageError, match="feedback score must be one of"):
        fed_back_score(fr, "loudness")


def test_every_protocol_names_its_scores_from_the_vocabulary():
    for p in list_protocols():
        assert set(p.scores) <= set(FEEDBACK_SCORES), p.name


def test_application_layer_never_imports_qt_or_ui():
    code = (
        "import sys, neurofeedback.app, neurofeedback.headless, neurofeedback.cli as c; c.build_parser(); "
        "bad = [m for m in sys.modules if m.startswith(('PyQt6', 'pyqtgraph', 'neurofeedback.ui'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
