"""The marker vocabulary: what the protocol engine writes is what every reader parses."""

from __future__ import annotations

import pytest

from neurofeedback.io import marker_labels as ml
from neurofeedback.pipeline.frame import FeatureFrame
from neurofeedback.protocols import ProtocolEngine, validate_protocol


def _engine_labels() -> list[str]:
    proto = validate_protocol({
        "name": "two", "description": "d",
        "phases": [
            {"kind": "baseline-eyes-open", "duration_s": 2, "instruction": "b",
             "label": "open-eyes"},
            {"kind": "training", "duration_s": 3, "instruction": "t", "score": "meditation",
             "reward": {"sustain_s": 0.0}},
        ],
    }, "two.toml")
    eng = ProtocolEngine(proto, start_s=0.0)
    out = []
    for k in range(1, 61):
        fr = FeatureFrame(time_s=k * 0.1)
        fr.baseline_complete = True
        fr.meditation_score = 1.0 if k % 10 < 5 else 0.0  # in and out of target
        out += [e.label for e in eng.update(fr)]
    return out


def test_engine_markers_parse_back():
    got = _engine_labels()
    edges = [ml.phase_edge(m) for m in got if ml.phase_edge(m)]
    assert edges == [("open-eyes", "start"), ("open-eyes", "end"),
                     ("training-1", "start"), ("training-1", "end")]
    assert ml.REWARD_ON in got and ml.REWARD_OFF in got
    assert got[-1] == ml.finished("two")
    assert all(ml.is_session_marker(m) for m in got)


@pytest.mark.parametrize("marker", ["mark", "3", "S  1", "phase", "eyes closed", "Sleep stage 2"])
def test_user_and_file_markers_are_not_the_sessions(marker):
    assert not ml.is_session_marker(marker) and ml.phase_edge(marker) is None


def test_exported_spans_are_the_sessions_too():
    assert ml.is_session_marker(ml.phase_span("training-1")) and ml.is_session_marker(ml.REWARD_SPAN)
    assert not ml.is_session_marker("rewarding moment")


def test_estimator_phase_changes_are_not_protocol_phases():
    m = ml.estimator_phase("heating")
    assert m == "phase:heating" and ml.phase_edge(m) is None


def test_reward_kind_is_checked():
    with pytest.raises(ValueError, match="'on' or 'off'"):
        ml.reward("maybe")


def test_exported_phase_spans_become_edges_again():
    """An exported file keeps each protocol phase as a span (export.loaded_to_raw); the report
    turns it back into the start and end markers a session writes. Instants that look alike
    (an LSL stream's estimator phase changes) stay as they are."""
    markers = [(0.0, "phase:baseline-open"), (5.0, "mark"), (30.0, "phase:training-1"),
               (31.0, "phase:heating"), (40.0, "reward")]
    spans = [(0.0, 30.0, "phase:baseline-open"), (30.0, 60.0, "phase:training-1"),
             (40.0, 2.5, "reward")]
    got = ml.with_phase_edges(markers, spans)
    assert got == [(0.0, "phase:baseline-open:start"), (5.0, "mark"),
                   (30.0, "phase:baseline-open:end"), (30.0, "phase:training-1:start"),
                   (31.0, "phase:heating"), (40.0, "reward"), (90.0, "phase:training-1:end")]
    assert [ml.phase_edge(m) for _, m in got if ml.phase_edge(m)] == [
        ("baseline-open", "start"), ("baseline-open", "end"),
        ("training-1", "start"), ("training-1", "end")]
    assert ml.with_phase_edges(markers, []) == markers
