"""A low-pass the file says it was recorded with: read from the header, and said where it
reaches into the aperiodic fit (docs/metrics.md, Drowsiness)."""

from __future__ import annotations

import json

import mne
from _data import EEGMAT_EDF, EEGMMIDB_EDF
from scipy.signal import butter, sosfilt

from neurofeedback.cli import main
from neurofeedback.io import load_eeg_file
from neurofeedback.pipeline.rates import recorded_lowpass_note


def test_note_only_inside_the_fit():
    assert recorded_lowpass_note(None) is None
    assert recorded_lowpass_note(45.0) is None  # 0.78 x 45 = 35.1 Hz: the fit's top is clear
    assert recorded_lowpass_note(100.0) is None
    note = recorded_lowpass_note(35.0)
    assert note is not None and "35 Hz" in note and "drowsiness higher" in note


def _lowpassed_edf(tmp_path, edge: float):
    raw = mne.io.read_raw_edf(EEGMMIDB_EDF[(2, 2)], preload=True, verbose="ERROR").crop(0, 20)
    x = sosfilt(butter(4, edge, fs=raw.info["sfreq"], output="sos"), raw.get_data(), axis=1)
    out = mne.io.RawArray(x, raw.info, verbose="ERROR")
    with out.info._unlock():
        out.info["lowpass"] = edge  # written to the EDF header's prefiltering field
    path = tmp_path / f"lp{edge:g}.edf"
    mne.export.export_raw(path, out, fmt="edf", overwrite=True, verbose="ERROR")
    return path


def test_info_and_analyze_say_it(tmp_path, capsys):
    path = _lowpassed_edf(tmp_path, 30.0)
    assert load_eeg_file(path).meta["lowpass_hz"] == 30.0
    assert main(["info", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recorded_lowpass_hz"] == 30.0
    assert main(["info", str(path)]) == 0
    assert "low-pass:  30 Hz, recorded in the file; note: the file was low-passed" in (
        capsys.readouterr().out)
    assert main(["analyze", str(path), "--out", str(tmp_path / "a")]) == 0
    assert "  note: the file was low-passed at 30 Hz" in capsys.readouterr().out


def test_eegmat_45_hz_is_read_and_needs_no_note():
    ld = load_eeg_file(EEGMAT_EDF)  # header: HP:0.5Hz LP:45Hz
    assert ld.meta["lowpass_hz"] == 45.0
    assert recorded_lowpass_note(ld.meta["lowpass_hz"]) is None
    # no filter recorded (EEGMMIDB: the header's field is empty): nothing in meta
    assert "lowpass_hz" not in load_eeg_file(EEGMMIDB_EDF[(2, 1)]).meta
