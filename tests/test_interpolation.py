"""Left-out electrodes are rebuilt by spherical splines: the same matrix as MNE's, close to the
real signal on a real recording, and the pipeline's channel set stays whole."""

from __future__ import annotations

import numpy as np
import pytest
from _data import EEGMAT_EDF
from mne.channels.interpolation import _make_interpolation_matrix
from scipy.signal import butter, sosfilt

from neurofeedback.io import load_eeg_file
from neurofeedback.pipeline.interpolation import Interpolator, sphere_centre, spline_matrix
from neurofeedback.pipeline.pipeline import Pipeline
from neurofeedback.pipeline.regions import positions


@pytest.fixture(scope="module")
def eegmat():
    return load_eeg_file(EEGMAT_EDF)


def test_matrix_equals_mnes():
    names = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8", "T7", "T8",
             "P7", "P8", "Fz", "Cz", "Pz"]
    pos = positions(names)
    pos = pos - sphere_centre(pos)
    for bad in ([0], [4, 17], [8, 9, 14]):
        good = [i for i in range(len(names)) if i not in bad]
        ours = spline_matrix(pos[good], pos[bad])
        theirs = _make_interpolation_matrix(pos[good], pos[bad])
        assert np.abs(ours - theirs).max() < 1e-9
        assert ours.sum(axis=1) == pytest.approx(np.ones(len(bad)), abs=1e-9)  # constants pass


@pytest.mark.parametrize("channel", ["Fp1", "C3", "Cz", "O1"])
def test_rebuilt_channel_follows_the_real_one(eegmat, channel):
    # EEGMAT rest (19 electrodes of the 10-20 system): each channel rebuilt from the 18 others
    x = sosfilt(butter(4, [1, 45], "bandpass", fs=eegmat.sfreq, output="sos"), eegmat.data, axis=1)
    x = x[:, int(10 * eegmat.sfreq):]  # past the filter's start
    names = list(eegmat.ch_names)
    i = names.index(channel)
    clean = np.ones(len(names), bool)
    clean[i] = False
    targets, sources, m = Interpolator(positions(names)).plan(clean)
    assert list(targets) == [i] and len(sources) == len(names) - 1
    y = (m @ x[sources])[0]
    assert np.corrcoef(y, x[i])[0, 1] >= 0.65  # measured 0.72 (Cz) to 0.87 (Fp1)
    assert abs(10 * np.log10(y.var() / x[i].var())) <= 2.0


def test_pipeline_keeps_the_channel_set_when_an_electrode_fails(eegmat):
    names = list(eegmat.ch_names)
    o1 = names.index("O1")
    broken = eegmat.data.copy()
    broken[o1, int(90 * eegmat.sfreq):] = broken[o1, int(90 * eegmat.sfreq)]  # O1 goes flat
    ref = Pipeline(eegmat.sfreq, names).push(eegmat.data)
    out = Pipeline(eegmat.sfreq, names).push(broken)
    late = [k for k, f in enumerate(out) if f.time_s > 95.0]
    # a constant input counts as "railed" (the amplifier stuck), and is left out
    assert all(out[k].channel_quality[o1] == "railed" and "O1" in out[k].bad_channels for k in late)
    assert all("O1" in out[k].interpolated for k in late)
    # occipital region and the spatial modes keep O1's place; energy barely moves
    assert all(out[k].regions == ref[k].regions for k in late)
    assert all(out[k].mode_power.size == ref[k].mode_power.size for k in late)
    d = np.array([out[k].energy_db - ref[k].energy_db for k in late if not ref[k].artifact])
    assert np.median(np.abs(d)) <= 0.3  # measured 0.05 dB
