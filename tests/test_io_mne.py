"""Files read through MNE: the real EEGMAT EDF, FIF with mixed channel types, misnamed files."""

from __future__ import annotations

import logging
import shutil

import mne
import numpy as np
import pytest

from neurofeedback.io import load_eeg_file

EDF = "eegmat-Subject00_1.edf"
TEN_TWENTY = ["Fp1", "Fp2", "F3", "F4", "F7", "F8", "T3", "T4", "C3", "C4", "T5", "T6",
              "P3", "P4", "O1", "O2", "Fz", "Cz", "Pz"]


def test_eegmat_edf_matches_mne(shared_data):
    lf = load_eeg_file(shared_data / EDF)
    assert lf.format == "EDF"
    assert lf.ch_names == TEN_TWENTY  # 'EEG Fp1' ... 'EEG Pz' normalised
    assert lf.sfreq == 500.0
    assert lf.duration_s == pytest.approx(182.0, abs=0.01)
    # the ear-to-ear derivation and the ECG are not scalp EEG: dropped and listed
    assert set(lf.meta["dropped_channels"]) == {"A2-A1", "ECG"}
    raw = mne.io.read_raw_edf(shared_data / EDF, preload=True, verbose="error")
    ref = raw.get_data(picks=[f"EEG {n}" for n in TEN_TWENTY]) * 1e6
    np.testing.assert_array_equal(lf.data, ref)
    np.testing.assert_allclose(lf.timestamps, raw.times)


def test_eegmat_posterior_alpha_peak(shared_data):
    """Known effect: strong posterior alpha peaking near 10.5 Hz at O1."""
    from scipy import signal

    lf = load_eeg_file(shared_data / EDF)
    o1 = lf.data[lf.ch_names.index("O1")]
    f, p = signal.welch(o1, fs=lf.sfreq, nperseg=int(4 * lf.sfreq))
    band = (f >= 4) & (f <= 20)
    assert 9.5 <= f[band][np.argmax(p[band])] <= 11.5


def _mixed_raw(sfreq=200.0, n=600):
    rng = np.random.default_rng(0)
    names = ["EEG Cz-REF", "EEG PZ-REF", "ECG", "STI 014", "EOG left"]
    types = ["eeg", "eeg", "ecg", "stim", "eog"]
    data = rng.normal(0, 20e-6, (5, n))
    raw = mne.io.RawArray(data, mne.create_info(names, sfreq, types), verbose="error")
    raw.set_annotations(mne.Annotations([0.5, 2.0], [0.0, 0.1], ["eyes closed", "tone"]))
    return raw, data


def test_fif_keeps_eeg_in_microvolts_with_markers(tmp_path):
    raw, data = _mixed_raw()
    path = tmp_path / "mixed_raw.fif"
    raw.save(path, verbose="error")
    lf = load_eeg_file(path)
    assert lf.format == "FIF"
    assert lf.ch_names == ["Cz", "Pz"]
    np.testing.assert_allclose(lf.data, data[:2] * 1e6, rtol=1e-6)  # FIF stores float32
    assert lf.markers == [(pytest.approx(0.5), "eyes closed"), (pytest.approx(2.0), "tone")]
    assert "ECG" in lf.meta["dropped_channels"]


def test_no_eeg_typed_channels_keeps_all_and_warns(tmp_path, caplog):
    n = 400
    data = np.random.default_rng(1).normal(0, 1e-5, (3, n))
    raw = mne.io.RawArray(data, mne.create_info(["a", "b", "c"], 100.0, "misc"), verbose="error")
    path = tmp_path / "misc_raw.fif"
    raw.save(path, verbose="error")
    with caplog.at_level(logging.WARNING, logger="neurofeedback"):
        lf = load_eeg_file(path)
    assert lf.ch_names == ["a", "b", "c"]
    np.testing.assert_allclose(lf.data, data * 1e6, rtol=1e-6)
    assert "no channel is typed EEG" in caplog.text


def test_edf_detected_by_content_despite_extension(tmp_path, shared_data):
    odd = tmp_path / "recording.dat"
    shutil.copyfile(shared_data / EDF, odd)
    lf = load_eeg_file(odd)
    assert lf.format == "EDF" and lf.ch_names == TEN_TWENTY
    assert lf.path == str(odd)
