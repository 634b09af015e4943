"""LSL output (--lsl-out): three streams other software can read, checked with real inlets."""

from __future__ import annotations

import math
import threading

import numpy as np
import pylsl
import pytest
from _data import EEGMMIDB_EDF

from neurofeedback.cli import main
from neurofeedback.outputs.lsl import EEG_NAME, FEATURES_NAME, MARKERS_NAME, LslOutput
from neurofeedback.outputs.osc import NUMBER_COLUMNS
from neurofeedback.pipeline.pipeline import run_pipeline

NAMES = ["Fz", "Cz", "Pz", "O1", "O2", "C3", "C4", "P3"]


def _inlet(name: str, source_id: str) -> pylsl.StreamInlet:
    """An open inlet on the stream ``name`` whose source id starts with ``source_id``."""
    found = pylsl.resolve_bypred(
        f"name='{name}' and starts-with(source_id, '{source_id}')", minimum=1, timeout=10.0
    )
    assert found, f"no LSL stream {name!r} on this machine"
    inlet = pylsl.StreamInlet(found[0], max_buflen=60)
    inlet.open_stream(timeout=10.0)
    return inlet


def _labels(info: pylsl.StreamInfo) -> list[str]:
    ch = info.desc().child("channels").child("channel")
    out = []
    while not ch.empty():
        out.append(ch.child_value("label"))
        ch = ch.next_sibling()
    return out


def test_streams_carry_the_eeg_features_and_markers():
    sf = 250.0
    rng = np.random.default_rng(1)
    data = 10 * rng.standard_normal((len(NAMES), int(sf * 6)))
    frames = run_pipeline(data, sf, NAMES)
    out = LslOutput(NAMES, sf, "test-session-1")
    eeg = _inlet(EEG_NAME, "test-session-1-eeg")
    feats = _inlet(FEATURES_NAME, "test-session-1-features")
    marks = _inlet(MARKERS_NAME, "test-session-1-markers")
    info = eeg.info(timeout=5.0)
    assert info.type() == "EEG" and info.nominal_srate() == sf and _labels(info) == NAMES
    assert feats.info(timeout=5.0).channel_count() == len(NUMBER_COLUMNS)
    assert _labels(feats.info(timeout=5.0)) == list(NUMBER_COLUMNS)
    anchor = pylsl.local_clock()  # stream time 0 on the LSL clock, as a session sets it
    for k in range(0, data.shape[1], 250):  # 1-s chunks
        out.send_chunk(data[:, k : k + 250], (k + 250) / sf, None, anchor)
    out.send(frames, [type("Ev", (), {"label": "phase:training", "time_s": 3.0})()])
    got_eeg, ts_eeg = [], []
    while len(got_eeg) < data.shape[1]:
        chunk, ts = eeg.pull_chunk(timeout=5.0)
        assert chunk, f"EEG stopped after {len(got_eeg)} samples"
        got_eeg.extend(chunk)
        ts_eeg.extend(ts)
    assert np.all(np.diff(ts_eeg) > 0)
    samples, stamps = [], []
    while len(samples) < len(frames):
        chunk, ts = feats.pull_chunk(timeout=5.0)
        assert chunk, f"features stopped after {len(samples)} of {len(frames)} frames"
        samples.extend(chunk)
        stamps.extend(ts)
    col = NUMBER_COLUMNS.index("energy_db")
    assert [s[col] for s in samples] == [f.energy_db for f in frames]  # float64: exact
    # frames 0.1 s apart on the LSL clock, like their windows' ends
    np.testing.assert_allclose(np.diff(stamps), 0.1, atol=1e-6)
    labels = []
    while True:
        m, _ = marks.pull_sample(timeout=2.0)
        if m is None:
            break
        labels.append(m[0])
    assert labels[0] == f"phase:{frames[0].phase}" and labels[-1] == "phase:training"
    assert math.isnan(samples[0][NUMBER_COLUMNS.index("energy")])  # empty before the baseline
    out.close()


def test_replay_publishes_while_it_runs(tmp_path):
    result: dict[str, int] = {}

    def run() -> None:
        result["rc"] = main(["replay", str(EEGMMIDB_EDF[(2, 2)]), "--speed", "2", "--duration", "12",
                             "--headless", "--no-record", "--lsl-out"])

    t = threading.Thread(target=run)
    t.start()
    try:
        feats = _inlet(FEATURES_NAME, "neurofeedback-")
        got = []
        while len(got) < 20:
            chunk, _ = feats.pull_chunk(timeout=10.0)
            if not chunk:
                break
            got.extend(chunk)
    finally:
        t.join(timeout=60)
    assert result.get("rc") == 0
    assert len(got) >= 20
    col = NUMBER_COLUMNS.index("meditation_score")
    assert all(0.0 <= s[col] <= 1.0 for s in got)


@pytest.mark.parametrize("flag", ["--lsl-out"])
def test_option_is_listed(flag, capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert flag in capsys.readouterr().out
