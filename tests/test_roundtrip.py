"""run -> record -> replay round trips through the command line."""

from __future__ import annotations

import json

import numpy as np

from neurofeedback.cli import main
from neurofeedback.io import load_eeg_file
from neurofeedback.recording import read_session


def test_run_record_replay_returns_the_same_samples(tmp_path, capsys):
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    assert main(["run", "--board", "synthetic", "--duration", "2", "--headless",
                 "--record-dir", str(first_dir)]) == 0
    out = capsys.readouterr().out
    (session,) = list(first_dir.iterdir())
    assert f"recorded to {session}" in out
    original = read_session(session)
    assert original.n_samples == 500  # exactly --duration x 250 Hz
    assert original.meta["board_name"] == "synthetic" and original.meta["ended_cleanly"]

    assert main(["replay", str(session), "--speed", "0", "--headless",
                 "--record-dir", str(second_dir)]) == 0
    (replayed,) = list(second_dir.iterdir())
    again = read_session(replayed)
    np.testing.assert_array_equal(again.data, original.data)
    np.testing.assert_array_equal(again.timestamps, original.timestamps)
    assert again.ch_names == original.ch_names
    # both carry feature frames: 10 per second once the first 2-s window is full
    for sdir in (session, replayed):
        lines = (sdir / "features.csv").read_text().splitlines()
        assert lines[0].startswith("time_s,energy,energy_db")
        assert len(lines) - 1 == 1  # 2 s of data = exactly one full window
    # the clean stop wrote an MNE-readable copy with the same samples
    fif = load_eeg_file(session / "raw.fif")
    np.testing.assert_allclose(fif.data, original.data, rtol=1e-6, atol=1e-3)


def test_replay_openbci_sample_headless(tmp_path, capsys, shared_data):
    path = shared_data / "OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"
    code = main(["replay", str(path), "--speed", "0", "--start", "60", "--headless",
                 "--record-dir", str(tmp_path)])
    assert code == 0
    (sdir,) = list(tmp_path.iterdir())
    meta = json.loads((sdir / "session.json").read_text())
    assert meta["ch_names"] == ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]
    rec = read_session(sdir)
    src = load_eeg_file(path)
    start = 60 * 250
    np.testing.assert_allclose(rec.data, src.data[:, start:], atol=1e-6)
    frames = (sdir / "features.csv").read_text().splitlines()
    assert len(frames) - 1 == int((src.duration_s - 60 - 2) * 10) + 1


def test_live_features_equal_offline_analysis_of_the_recording(tmp_path, capsys):
    """Issue 9's contract end to end: the features.csv a live session writes, row for row,
    equals what `analyze` writes for the same recording."""
    rec_dir, out_dir = tmp_path / "rec", tmp_path / "out"
    assert main(["run", "--board", "simulated", "--scenario", "artifacts", "--duration", "8",
                 "--sim-speed", "8", "--headless", "--record-dir", str(rec_dir)]) == 0
    (session,) = list(rec_dir.iterdir())
    assert main(["analyze", str(session), "--out", str(out_dir)]) == 0
    live = (session / "features.csv").read_text().splitlines()
    offline = (out_dir / "features.csv").read_text().splitlines()
    assert len(live) == len(offline) == 1 + 61  # header, then 2.0 .. 8.0 s every 0.1 s
    assert live == offline


PROTOCOL = """
name = "late-baseline"
description = "A rest phase first, then the baseline; synchrony in 3-6 Hz."
integration_band = [3.0, 6.0]

[[phases]]
kind = "rest"
duration_s = 6
instruction = "Settle."

[[phases]]
kind = "baseline-eyes-open"
label = "bl"
duration_s = 10
instruction = "Baseline."

[[phases]]
kind = "training"
duration_s = 10
score = "meditation"
instruction = "Train."
"""


def test_analyze_of_a_protocol_session_gives_the_live_numbers(tmp_path, capsys):
    """With a protocol whose baseline starts late and whose band is not the default, `analyze`
    of the recording uses the session's settings: features.csv equals the live one, byte for
    byte (the live pipeline also sees the samples as raw.csv stores them)."""
    proto = tmp_path / "late.toml"
    proto.write_text(PROTOCOL)
    rec_dir, out_dir, plain = tmp_path / "rec", tmp_path / "out", tmp_path / "plain"
    assert main(["run", "--board", "simulated", "--scenario", "annealing-cycle", "--protocol",
                 str(proto), "--sim-speed", "20", "--headless", "--record-dir", str(rec_dir)]) == 0
    (session,) = list(rec_dir.iterdir())
    assert main(["analyze", str(session), "--out", str(out_dir)]) == 0
    live = (session / "features.csv").read_bytes()
    assert live == (out_dir / "features.csv").read_bytes()
    # the session's settings matter: the defaults (0-60 s baseline, 4-8 Hz) give other numbers
    assert main(["analyze", str(session), "--out", str(plain), "--baseline", "60"]) == 0
    assert live != (plain / "features.csv").read_bytes()


def test_a_session_run_with_baseline_replays_and_analyses_to_its_live_numbers(tmp_path, capsys):
    """No protocol, `--baseline 10`: session.json stores the pipeline settings, and both
    `analyze` and `replay` of the folder use them (byte-identical features.csv)."""
    rec, out, rep = tmp_path / "rec", tmp_path / "out", tmp_path / "rep"
    assert main(["run", "--board", "simulated", "--duration", "25", "--sim-speed", "20",
                 "--baseline", "10", "--headless", "--record-dir", str(rec)]) == 0
    (session,) = list(rec.iterdir())
    meta = json.loads((session / "session.json").read_text())
    assert meta["pipeline"]["baseline"] == [0.0, 10.0]
    live = (session / "features.csv").read_bytes()
    assert main(["analyze", str(session), "--out", str(out)]) == 0
    assert (out / "features.csv").read_bytes() == live
    assert main(["replay", str(session), "--speed", "0", "--headless", "--record-dir", str(rep)]) == 0
    (replayed,) = list(rep.iterdir())
    assert (replayed / "features.csv").read_bytes() == live


def test_replay_of_a_file_and_analysis_of_the_file_and_of_the_replay_agree(tmp_path, capsys,
                                                                          shared_data):
    """Every path into the pipeline feeds it samples on raw.csv's 1e-6 uV grid: replaying an
    EDF, analysing the EDF and analysing the replay's recording give the same bytes."""
    edf = str(shared_data / "eegmmidb" / "S002R02.edf")
    rep, a1, a2 = tmp_path / "rep", tmp_path / "a1", tmp_path / "a2"
    assert main(["replay", edf, "--speed", "0", "--baseline", "20", "--headless",
                 "--record-dir", str(rep)]) == 0
    (replayed,) = list(rep.iterdir())
    assert main(["analyze", edf, "--baseline", "20", "--out", str(a1)]) == 0
    assert main(["analyze", str(replayed), "--out", str(a2)]) == 0
    live = (replayed / "features.csv").read_bytes()
    assert live.count(b"\n") > 500
    assert (a1 / "features.csv").read_bytes() == live == (a2 / "features.csv").read_bytes()
