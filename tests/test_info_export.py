"""`info` on real files (quality details: test_quality_summary.py), and export round trips
through MNE."""

from __future__ import annotations

import json
import shutil

import mne
import numpy as np
import pytest

from neurofeedback.cli import main
from neurofeedback.info import describe, format_info
from neurofeedback.io import load_eeg_file
from neurofeedback.io.export import export_loaded, loaded_to_raw, resolution_uv
from neurofeedback.io.loaded import LoadedFile

SFREQ = 250.0
REAL_TXT = "OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"
EDF = "eegmat-Subject00_1.edf"


def _short_real(shared_data, seconds=10.0) -> LoadedFile:
    full = load_eeg_file(shared_data / REAL_TXT)
    n = int(seconds * full.sfreq)
    return LoadedFile(path=full.path, format=full.format, data=full.data[:, :n].copy(),
                      sfreq=full.sfreq, ch_names=list(full.ch_names), timestamps=full.timestamps[:n],
                      markers=[(1.5, "blink"), (4.25, "jaw")])


@pytest.mark.parametrize("fmt", ["fif", "edf", "bdf"])
def test_export_round_trip(tmp_path, shared_data, fmt):
    lf = _short_real(shared_data)
    out = export_loaded(lf, tmp_path / f"x_raw.{fmt}", fmt)
    raw = mne.io.read_raw(out, preload=True, verbose="error")
    assert raw.ch_names == lf.ch_names
    assert raw.info["sfreq"] == lf.sfreq
    back = raw.get_data()[:, : lf.n_samples] * 1e6
    err = np.abs(back - lf.data).max(axis=1)
    assert np.all(err <= resolution_uv(lf, fmt))  # within one quantisation step per channel
    labels = {(round(o, 3), d) for o, d in zip(raw.annotations.onset - raw.first_time,
                                               raw.annotations.description, strict=True)}
    assert {(1.5, "blink"), (4.25, "jaw")} <= labels
    # and our own reader gives the same back
    again = load_eeg_file(out)
    assert again.ch_names == lf.ch_names


def test_loaded_to_raw_sets_montage_and_date(shared_data):
    lf = _short_real(shared_data, 2.0)
    raw = loaded_to_raw(lf)
    pos = raw.get_montage().get_positions()["ch_pos"]
    assert set(pos) == set(lf.ch_names)
    # the first sample's unix time, to the whole second (neurofeedback.io.dates)
    assert raw.info["meas_date"].timestamp() == np.floor(lf.timestamps[0])


def test_describe_real_edf(shared_data):
    d = describe(load_eeg_file(shared_data / EDF))
    assert d["n_channels"] == 19 and d["sfreq"] == 500.0
    assert d["duration_s"] == pytest.approx(182.0, abs=0.01)
    # a cleaned research recording: every channel ok in nearly every frame, never left out,
    # RMS in the normal EEG range, no rail known for an EDF
    assert all(q["verdict"] == "ok" for q in d["quality"])
    assert all(q["reasons"]["ok"] > 95 for q in d["quality"])
    assert all(q["reasons"]["railed"] + q["reasons"]["flat"] + q["reasons"]["line"] == 0
               and q["left_out_pct"] == pytest.approx(100 - q["reasons"]["ok"])
               for q in d["quality"])
    assert all(3 < q["rms_uv"] < 50 for q in d["quality"])
    assert all(q["railed_pct"] is None and abs(q["offset_uv"]) < 5 for q in d["quality"])
    text = format_info(d)
    assert "19: Fp1, Fp2" in text and "500 Hz" in text and "whole recording" in text


def test_info_cli_json(shared_data, capsys):
    assert main(["info", str(shared_data / REAL_TXT), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["format"] == "OpenBCI GUI v6 txt" and d["board"] == "cyton"
    assert d["channels"] == ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]
    assert d["sfreq"] == 250.0 and d["dropped_samples"] == 0
    assert len(d["quality"]) == 8
    assert [q["channel"] for q in d["quality"]] == d["channels"]
    assert all(q["verdict"] in q["reasons"] for q in d["quality"])
    assert d["quality_method"]["stretches"] is None  # 90 s: analysed whole


def test_export_cli_default_path_next_to_file(tmp_path, shared_data, capsys):
    src = tmp_path / "eegmat.edf"
    shutil.copyfile(shared_data / EDF, src)
    assert main(["export", str(src), "--format", "bdf"]) == 0
    out = tmp_path / "eegmat.bdf"
    assert str(out) in capsys.readouterr().out
    ref = load_eeg_file(src)
    back = load_eeg_file(out)
    assert back.ch_names == ref.ch_names
    assert np.all(np.abs(back.data[:, : ref.n_samples] - ref.data).max(axis=1) <= resolution_uv(ref, "bdf"))


def test_export_cli_session_folder(tmp_path, capsys):
    from neurofeedback.recording import Recorder
    from neurofeedback.sources.base import Chunk, RowLayout, SourceInfo

    n = int(3 * SFREQ)
    data = 30 * np.sin(2 * np.pi * 10 * np.arange(n) / SFREQ)[None, :] * np.array([[1.0], [0.5]])
    info = SourceInfo(kind="simulator", name="test", sfreq=SFREQ, ch_names=("Cz", "Pz"),
                      layout=RowLayout.generic(2))
    rec = Recorder.create(tmp_path, info)
    rec.write(Chunk(data=data, timestamps=1.7e9 + np.arange(n) / SFREQ))
    session = rec.close()
    assert main(["export", str(session), "--format", "edf"]) == 0
    raw = mne.io.read_raw_edf(session / "raw.edf", preload=True, verbose="error")
    assert raw.ch_names == ["Cz", "Pz"]
    back = raw.get_data()[:, :n] * 1e6
    assert np.abs(back - data).max() <= 60 / 65535 * 1.01
