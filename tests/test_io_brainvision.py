"""BrainVision recordings (a ``.vhdr`` header, a ``.vmrk`` marker file, an ``.eeg`` data file),
written here by hand to the BrainVision Core Data Format 1.0, read through MNE: channels, units,
markers, and what a user who opens the wrong part, or lost one, is told."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurofeedback.analyze_cluster import named_companions, pack_input
from neurofeedback.cli import main
from neurofeedback.io import load_eeg_file

FS = 250.0
NAMES = ["Fp1", "Fp2", "O1", "O2", "HEOGL", "VEOGb", "ECG"]


def _write(folder: Path, stem: str, data_name: str | None = None, unit: str = "µV",
           scale: float = 1.0) -> tuple[Path, np.ndarray]:
    """A 20-s float32 recording of NAMES; returns the header and the data in uV."""
    rng = np.random.default_rng(3)
    n = int(20 * FS)
    x = rng.standard_normal((len(NAMES), n)) * 10.0
    x[2:4] += 30.0 * np.sin(2 * np.pi * 10.0 * np.arange(n) / FS)  # occipital alpha
    data_name = data_name or f"{stem}.eeg"
    marker_name = Path(data_name).with_suffix(".vmrk").name
    chans = "\n".join(f"Ch{i + 1}={c},,1,{unit}" for i, c in enumerate(NAMES))
    (folder / f"{stem}.vhdr").write_text(
        "Brain Vision Data Exchange Header File Version 1.0\n\n[Common Infos]\nCodepage=UTF-8\n"
        f"DataFile={data_name}\nMarkerFile={marker_name}\nDataFormat=BINARY\n"
        f"DataOrientation=MULTIPLEXED\nNumberOfChannels={len(NAMES)}\n"
        f"SamplingInterval={1e6 / FS:g}\n\n[Binary Infos]\nBinaryFormat=IEEE_FLOAT_32\n\n"
        f"[Channel Infos]\n{chans}\n", encoding="utf-8")
    (folder / marker_name).write_text(
        "Brain Vision Data Exchange Marker File, Version 1.0\n\n[Common Infos]\nCodepage=UTF-8\n"
        f"DataFile={data_name}\n\n[Marker Infos]\nMk1=New Segment,,1,1,0\n"
        "Mk2=Stimulus,S  1,501,1,0\nMk3=Comment,eyes closed,1251,1,0\n", encoding="utf-8")
    (x.T / scale).astype("<f4").tofile(folder / data_name)
    return folder / f"{stem}.vhdr", x


def test_channels_units_and_markers(tmp_path):
    vhdr, x = _write(tmp_path, "rec")
    lf = load_eeg_file(vhdr)
    assert lf.format == "BrainVision" and lf.sfreq == FS
    assert lf.ch_names == ["Fp1", "Fp2", "O1", "O2"]  # EOG (HEOGL, VEOGb) and ECG left out
    np.testing.assert_allclose(lf.data, x[:4].astype("<f4"), rtol=1e-6, atol=1e-4)
    assert (2.0, "Stimulus/S  1") in lf.markers and (5.0, "Comment/eyes closed") in lf.markers
    assert lf.spans == []  # BrainVision markers are one sample long: events, not spans
    # the same data written in nanovolts reads the same in microvolts
    nv, _ = _write(tmp_path, "rec_nv", unit="nV", scale=1e-3)
    np.testing.assert_allclose(load_eeg_file(nv).data, lf.data, rtol=1e-5, atol=1e-3)


def test_a_data_file_with_another_name_is_found_and_shipped(tmp_path):
    vhdr, _ = _write(tmp_path, "header", data_name="other_data.eeg")
    assert load_eeg_file(vhdr).ch_names == ["Fp1", "Fp2", "O1", "O2"]
    assert {p.name for p in named_companions(vhdr)} == {"other_data.eeg", "other_data.vmrk"}
    # a cluster worker without the disk gets the files the header names too
    name, files = pack_input(str(vhdr))
    assert name == "header.vhdr" and set(files) == {"header.vhdr", "other_data.eeg",
                                                    "other_data.vmrk"}


@pytest.mark.parametrize("case", ["lost-data", "open-eeg", "open-vmrk"])
def test_the_wrong_or_a_lost_part_is_one_clear_line(tmp_path, capsys, case):
    vhdr, _ = _write(tmp_path, "rec")
    if case == "lost-data":
        (tmp_path / "rec.eeg").rename(tmp_path / "renamed.eeg")
        path, words = vhdr, "the BrainVision data file it names, rec.eeg, is missing"
    elif case == "open-eeg":
        path, words = tmp_path / "rec.eeg", "holds the data of a BrainVision recording: open its header, rec.vhdr"
    else:
        path, words = tmp_path / "rec.vmrk", "holds the markers of a BrainVision recording: open its header, rec.vhdr"
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err


def test_an_eeglab_data_file_points_to_its_set(tmp_path, capsys):
    (tmp_path / "rec.fdt").write_bytes(b"\x00" * 64)
    (tmp_path / "rec.set").write_bytes(b"MATLAB 5.0 MAT-file")
    assert main(["info", str(tmp_path / "rec.fdt")]) == 2
    err = capsys.readouterr().err.strip()
    assert "holds the data of an EEGLAB recording: open its header, rec.set" in err
