"""CSV files with a header row: Mind Monitor, muse-lsl and generic tables (UCI eye-state layout)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from neurofeedback.cli import main
from neurofeedback.io import load_eeg_file

SF = 256.0


def _eeg(n_ch: int, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SF
    return np.round(800 + 20 * np.sin(2 * np.pi * 10 * t)[None, :] + 5 * rng.standard_normal((n_ch, n)), 3)


def test_muse_lsl_csv(tmp_path):
    x = _eeg(4, 1024)
    t0 = 1_700_000_000.0
    lines = ["timestamps,TP9,AF7,AF8,TP10,Right AUX"]
    lines += [f"{t0 + k / SF:.6f}," + ",".join(f"{v:.3f}" for v in x[:, k]) + ",0.0"
              for k in range(x.shape[1])]
    p = tmp_path / "muse.csv"
    p.write_text("\n".join(lines) + "\n")
    lf = load_eeg_file(p)
    assert lf.format == "muse-lsl CSV"
    assert lf.ch_names == ["TP9", "AF7", "AF8", "TP10"]  # the AUX column is not EEG
    assert lf.sfreq == pytest.approx(SF, rel=1e-4)
    np.testing.assert_allclose(lf.data, x)
    np.testing.assert_allclose(lf.timestamps[0], t0)


def test_mind_monitor_csv_with_elements(tmp_path):
    x = _eeg(4, 512, seed=1)
    start = dt.datetime(2021, 3, 4, 10, 0, 0)
    head = ("TimeStamp,Delta_TP9,Delta_AF7,RAW_TP9,RAW_AF7,RAW_AF8,RAW_TP10,AUX_RIGHT,"
            "Accelerometer_X,HeadBandOn,Elements")
    lines = [head]
    for k in range(x.shape[1]):
        ts = (start + dt.timedelta(seconds=k / SF)).isoformat(sep=" ", timespec="milliseconds")
        lines.append(f"{ts},0.5,0.4," + ",".join(f"{v:.3f}" for v in x[:, k]) + ",0,0.01,1,")
        if k == 256:  # an element row: a blink, no sample
            lines.append(f"{ts},,,,,,,,,,/muse/elements/blink")
    p = tmp_path / "mindMonitor_2021-03-04--10-00-00.csv"
    p.write_text("\n".join(lines) + "\n")
    lf = load_eeg_file(p)
    assert lf.format == "Mind Monitor CSV"
    assert lf.ch_names == ["TP9", "AF7", "AF8", "TP10"]
    assert lf.sfreq == pytest.approx(SF, rel=2e-3)  # millisecond time stamps
    np.testing.assert_allclose(lf.data, x)
    assert lf.markers == [(pytest.approx(256 / SF, abs=2e-3), "/muse/elements/blink")]


def test_generic_csv_without_time_needs_sfreq_and_labels_become_markers(tmp_path, capsys):
    x = _eeg(3, 600, seed=2)
    cls = np.r_[np.zeros(200), np.ones(250), np.zeros(150)].astype(int)
    lines = ["AF3,F7,O1,class"] + [",".join(f"{v:.2f}" for v in x[:, k]) + f",{cls[k]}"
                                   for k in range(600)]
    p = tmp_path / "eye-state-like.csv"
    p.write_text("\n".join(lines) + "\n")
    rc = main(["info", str(p)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "give the sample rate with --sfreq" in err[0]
    lf = load_eeg_file(p, sfreq=128.0)
    assert lf.ch_names == ["AF3", "F7", "O1"] and lf.sfreq == 128.0
    np.testing.assert_allclose(lf.data, x, atol=0.006)  # written with 2 decimals
    assert lf.markers == [(0.0, "class=0"), (200 / 128, "class=1"), (450 / 128, "class=0")]
    assert main(["info", str(p), "--sfreq", "128"]) == 0


def test_generic_csv_with_a_time_column(tmp_path):
    x = _eeg(2, 500, seed=3)
    lines = ["time,Cz,Pz"] + [f"{k / 250:.4f}," + ",".join(f"{v:.2f}" for v in x[:, k])
                             for k in range(500)]
    p = tmp_path / "table.csv"
    p.write_text("\n".join(lines) + "\n")
    lf = load_eeg_file(p)
    assert lf.sfreq == pytest.approx(250.0) and lf.ch_names == ["Cz", "Pz"]


def test_a_cell_that_is_not_a_number_is_one_error(tmp_path, capsys):
    p = tmp_path / "bad.csv"
    p.write_text("Cz,Pz\n1,2\n3,oops\n5,6\n")
    assert main(["info", str(p), "--sfreq", "100"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'oops'" in err[0]
