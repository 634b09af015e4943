"""Channel-name normalisation, OpenBCI defaults and the --channels override."""

from __future__ import annotations

import warnings

import mne
import pytest

from neurofeedback.channels import (
    apply_channel_override,
    default_channel_names,
    is_standard_site,
    normalize_name,
    normalize_names,
)
from neurofeedback.errors import UsageError


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("EEG Fp1", "Fp1"),
        ("Fp1-REF", "Fp1"),
        ("Fp1-A1", "Fp1"),
        ("Cz..", "Cz"),
        ("FP1", "Fp1"),
        ("fp1", "Fp1"),
        ("EEG FP1-LE", "Fp1"),
        ("POZ", "POz"),
        ("eeg-fpz", "Fpz"),
        ("  O2 ", "O2"),
        ("T3", "T3"),  # old name kept, not remapped to T7
        ("EEG T5", "T5"),
        ("EEG A2-A1", "A2-A1"),  # ear-to-ear derivation keeps both sites
        ("FP1-F3", "Fp1-F3"),  # bipolar scalp pair keeps both sites
        ("EXG Channel 0", "EXG Channel 0"),
        ("ECG ECG", "ECG ECG"),
        ("Status", "Status"),
        # sleep systems: linked-ear references (MASS), ':' and '_' between the electrodes
        ("EEG C3-CLE", "C3"),
        ("EEG O1-LER", "O1"),
        ("F4:M1", "F4"),
        ("C3_M2", "C3"),
        ("EEG F3_M2", "F3"),
        ("FP1_F3", "Fp1-F3"),
        ("CQ_AF3", "CQ_AF3"),  # not a derivation of a site
    ],
)
def test_normalize_name(label, expected):
    assert normalize_name(label) == expected


def test_every_standard_name_is_a_fixed_point_and_case_insensitive():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = mne.channels.make_standard_montage("standard_1005").ch_names
    for n in names:
        assert normalize_name(n) == n
        assert normalize_name(n.upper()) == n
        assert normalize_name(f"EEG {n.lower()}-REF") == n
        assert is_standard_site(n)


def test_normalize_names_keeps_duplicates_unique():
    assert normalize_names(["Fp1-REF", "Fp1-A1", "FP2"]) == ["Fp1", "Fp1-2", "Fp2"]


def test_default_channel_names_per_board():
    assert default_channel_names("cyton", 8) == ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]
    daisy = default_channel_names("cyton-daisy", 16)
    assert daisy[:8] == default_channel_names("cyton", 8)
    assert daisy[8:] == ["F7", "F8", "F3", "F4", "T7", "T8", "P3", "P4"]
    assert len(set(daisy)) == 16
    assert default_channel_names("ganglion", 4) == ["Fp1", "Fp2", "O1", "O2"]
    assert default_channel_names("synthetic", 3) == ["Ch1", "Ch2", "Ch3"]
    assert default_channel_names("cyton", 20) == [f"Ch{i}" for i in range(1, 21)]
    assert all(is_standard_site(n) for n in daisy)


def test_channel_override():
    names = ["Fp1", "Fp2", "C3", "C4"]
    assert apply_channel_override(names, None) == names
    assert apply_channel_override(names, "") == names
    assert apply_channel_override(names, "f3, F4,EEG Cz,oz") == ["F3", "F4", "Cz", "Oz"]
    assert apply_channel_override(names, ["a", "b", "c", "d"]) == ["a", "b", "c", "d"]
    with pytest.raises(UsageError, match="gives 3 names but the data has 4 EEG channels"):
        apply_channel_override(names, "F3,F4,Cz")
    with pytest.raises(UsageError, match="repeats Cz"):
        apply_channel_override(names, "F3,Cz,cz,Oz")
    with pytest.raises(UsageError, match="empty name"):
        apply_channel_override(names, "F3,,Cz,Oz")


def test_normalized_names_stay_unique_when_a_file_already_has_the_suffixed_name():
    from neurofeedback.channels import normalize_names

    assert normalize_names(["Fp1-2", "Fp1", "Fp1-REF"]) == ["Fp1-2", "Fp1", "Fp1-3"]
    assert normalize_names(["Fp1", "Fp1-REF", "Fp1-A1"]) == ["Fp1", "Fp1-2", "Fp1-3"]
