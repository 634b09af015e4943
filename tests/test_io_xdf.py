"""XDF files (LabRecorder): the EEG stream and its markers, through pyxdf."""

from __future__ import annotations

import numpy as np
import pytest
from _xdf import write_xdf

from neurofeedback.cli import main
from neurofeedback.io import load_eeg_file

SF = 250.0


def test_xdf_eeg_stream_and_markers(tmp_path):
    rng = np.random.default_rng(0)
    n = 1000
    x = (20 * np.sin(2 * np.pi * 10 * np.arange(n) / SF)[None, :]
         + rng.standard_normal((3, n))).astype(np.float32)
    t0 = 5000.0
    stamps = t0 + np.arange(n) / SF
    keep = np.r_[0:400, 403:n]  # three samples lost in transit
    p = tmp_path / "sub-01_task-rest.xdf"
    write_xdf(p, x[:, keep] * 1e-6, SF, ["Fz", "Cz", "Pz"], stamps[keep],
              [(t0 + 1.0, "stimulus A"), (t0 + 2.5, "response")], unit="volts")
    lf = load_eeg_file(p)
    assert lf.format == "XDF" and lf.ch_names == ["Fz", "Cz", "Pz"] and lf.sfreq == SF
    np.testing.assert_allclose(lf.data, x[:, keep], rtol=1e-5, atol=1e-4)  # volts -> uV
    np.testing.assert_allclose(lf.timestamps, stamps[keep])
    assert lf.dropped_samples == 3
    assert lf.markers == [(pytest.approx(1.0), "stimulus A"), (pytest.approx(2.5), "response")]
    assert main(["info", str(p)]) == 0


def test_not_an_xdf_file_is_one_error(tmp_path, capsys):
    p = tmp_path / "broken.xdf"
    p.write_bytes(b"XDF:" + b"\x01\x05\x01\x00abc")
    assert main(["info", str(p)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: broken.xdf")
