"""export --format bids: a BIDS dataset that MNE-BIDS reads back."""

from __future__ import annotations

import mne_bids
import numpy as np
from _data import EEGMMIDB_EDF

from neurofeedback.cli import main
from neurofeedback.io import load_eeg_file


def test_session_to_bids_and_back(tmp_path):
    rc = main(["run", "--board", "simulated", "--scenario", "artifacts", "--protocol", "quick-demo",
               "--sim-speed", "30", "--headless", "--record-dir", str(tmp_path / "rec")])
    assert rc == 0
    (folder,) = list((tmp_path / "rec").iterdir())
    root = tmp_path / "bids"
    assert main(["export", str(folder), "--format", "bids", "--bids-root", str(root),
                 "--subject", "01", "--session", "a", "--task", "meditation"]) == 0
    path = mne_bids.BIDSPath(subject="01", session="a", task="meditation", datatype="eeg", root=root)
    raw = mne_bids.read_raw_bids(path, verbose="error")
    src = load_eeg_file(folder)
    assert raw.ch_names == list(src.ch_names) and raw.info["sfreq"] == src.sfreq
    # EDF stores 16-bit samples over each channel's (rounded) range: within two steps
    step = (src.data.max(axis=1) - src.data.min(axis=1)) / 65535
    got = raw.get_data() * 1e6
    assert np.all(np.abs(got[:, : src.data.shape[1]] - src.data) <= 2 * step[:, None] + 1e-6)
    desc = set(raw.annotations.description)
    assert {"phase:baseline-open", "phase:training-1", "BAD_artifact"} <= desc
    assert raw.info["line_freq"] in (50.0, 60.0)
    sidecar = (path.copy().update(suffix="eeg", extension=".json")).fpath.read_text()
    assert "PowerLineFrequency" in sidecar


def test_bids_needs_root_and_subject_and_valid_labels(tmp_path, capsys):
    f = str(EEGMMIDB_EDF[(2, 2)])
    assert main(["export", f, "--format", "bids", "--subject", "01"]) == 2
    assert "needs --bids-root" in capsys.readouterr().err
    assert main(["export", f, "--format", "bids", "--bids-root", str(tmp_path), "--subject", "0-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--subject must be letters and digits" in err[0]
    assert main(["export", f, "--format", "bids", "--bids-root", str(tmp_path), "--subject", "02"]) == 0
    assert main(["export", f, "--format", "bids", "--bids-root", str(tmp_path), "--subject", "02"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["export", f, "--format", "edf", "--subject", "02"]) == 2
