"""Known effects in two real recordings (see tests/data/README.md)."""

from __future__ import annotations

import numpy as np
import pytest
from _data import DATA_DIR

from neurofeedback.pipeline.frame import BANDS
from neurofeedback.pipeline.pipeline import run_pipeline

DATA = DATA_DIR
OPENBCI = DATA / "OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"
EEGMAT = DATA / "eegmat-Subject00_1.edf"
ALPHA = list(BANDS).index("alpha")


@pytest.fixture(scope="module")
def openbci_frames():
    if not OPENBCI.exists():
        pytest.skip(f"{OPENBCI} not present")
    from neurofeedback.io import load_eeg_file

    f = load_eeg_file(str(OPENBCI))
    assert f.ch_names == ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]
    return run_pipeline(f.data, f.sfreq, f.ch_names, rail_uv=f.rail_uv), f.ch_names


def _between(frames, t0, t1):
    return [f for f in frames if t0 <= f.time_s <= t1]


def test_openbci_occipital_alpha_block_exceeds_blink_segment(openbci_frames):
    frames, names = openbci_frames
    occ = [names.index("O1"), names.index("O2")]

    def alpha_power(fs):  # mean linear power of O1/O2 alpha over frames
        return np.mean([10 ** (f.band_power[occ, ALPHA] / 10) for f in fs])

    ratio = alpha_power(_between(frames, 32, 56)) / alpha_power(_between(frames, 2, 26))
    assert ratio > 1.8  # README: about 2.8x measured offline


def test_openbci_blinks_flagged_on_frontal_channels(openbci_frames):
    frames, names = openbci_frames
    fp = [names.index("Fp1"), names.index("Fp2")]
    first = _between(frames, 2, 26)
    blinky = [f for f in first if any(f.channel_quality[i] in ("blink", "amplitude") for i in fp)]
    assert sum("blink" in (f.channel_quality[i] for i in fp) for f in first) >= 10
    assert len(blinky) / len(first) > 0.3
    assert all(f.artifact and f.meditation_score == 0 for f in blinky)
    alpha_block = _between(frames, 32, 56)
    assert not any("blink" in f.channel_quality for f in alpha_block)


def test_openbci_jaw_clench_emg_flagged(openbci_frames):
    frames, _ = openbci_frames
    clench = _between(frames, 9.5, 14.5) + _between(frames, 83.5, 86)
    emg = [f for f in clench if sum(q == "emg" for q in f.channel_quality) >= 2]
    assert len(emg) / len(clench) > 0.7
    quiet = _between(frames, 44, 56)
    assert np.mean([f.artifact for f in quiet]) < 0.15


def test_eegmat_posterior_alpha_exceeds_frontal():
    if not EEGMAT.exists():
        pytest.skip(f"{EEGMAT} not present")
    from neurofeedback.io import load_eeg_file

    f = load_eeg_file(str(EEGMAT))
    keep = [i for i, n in enumerate(f.ch_names) if "A2-A1" not in n and "ECG" not in n]
    names = [f.ch_names[i] for i in keep]
    data = f.data[keep, : int(40 * f.sfreq)]
    frames = run_pipeline(data, f.sfreq, names)
    short = [n.replace("EEG ", "") for n in names]
    post = [short.index(n) for n in ("O1", "O2", "P3", "P4", "Pz")]
    front = [short.index(n) for n in ("Fp1", "Fp2", "F3", "F4", "Fz")]
    bp = np.array([fr.band_power[:, ALPHA] for fr in frames])  # dB
    assert bp[:, post].mean() > bp[:, front].mean() + 1.0  # measured: about 1.8 dB
    assert "occipital" in frames[-1].regions and np.isfinite(frames[-1].synchrony)
