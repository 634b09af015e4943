"""Real recordings reshaped (neurofeedback.simulate.reshaped): the transforms do what they say,
and what docs/metrics.md (Drowsiness) reports from them holds."""

from __future__ import annotations

import numpy as np
import pytest
from _data import EEGMAT_EDF, EEGMMIDB_EDF, OPENBCI_TXT
from scipy.signal import welch

from neurofeedback.errors import UsageError
from neurofeedback.io import load_eeg_file
from neurofeedback.simulate import reshaped


def _gain_db(sfreq: float, f0: float, edge: float) -> float:
    t = np.arange(int(20 * sfreq)) / sfreq
    x = np.sin(2 * np.pi * f0 * t)[None, :]
    y = reshaped.lowpassed(x, sfreq, edge)[0, int(10 * sfreq):]  # past the transient
    return 20 * np.log10(np.sqrt(2) * y.std())


def _butterworth_db(sfreq: float, f: float, fc: float) -> float:
    # digital Butterworth of order 4 (bilinear transform): |H|^2 = 1 / (1 + (w / wc)^8) with
    # w = tan(pi f / sfreq)
    ratio = np.tan(np.pi * f / sfreq) / np.tan(np.pi * fc / sfreq)
    return -10 * np.log10(1 + ratio**8)


def test_lowpass_is_a_4th_order_butterworth():
    assert _gain_db(250.0, 35.0, 35.0) == pytest.approx(-3.01, abs=0.05)  # the edge
    for f in (20.0, 45.0, 70.0):
        assert _gain_db(250.0, f, 35.0) == pytest.approx(_butterworth_db(250.0, f, 35.0), abs=0.1)
    assert _gain_db(250.0, 10.0, 35.0) == pytest.approx(0.0, abs=0.01)
    x = np.ones((2, 10))
    assert reshaped.lowpassed(x, 250.0, 0) is x  # 0: unchanged


def test_scaling_moves_the_alpha_peak_by_k():
    ld = load_eeg_file(EEGMMIDB_EDF[(2, 2)])  # eyes closed
    names = list(ld.ch_names)
    one = reshaped.summarise(ld.data, ld.sfreq, names)
    slow = reshaped.summarise(ld.data, ld.sfreq * 0.8, names)
    # the same samples at 0.8x the rate: every frequency, alpha's too, times 0.8
    assert slow["alpha_peak_hz"] == pytest.approx(0.8 * one["alpha_peak_hz"], abs=0.3)
    # the documented finding: alpha near 9 Hz alone does not read drowsy
    assert slow["drowsiness"] < 0.1 and slow["drowsy_pct"] == 0


def test_eegmat_exponent_follows_its_own_lowpass():
    """EEGMAT's spectrum falls steeply above 35 Hz (published low-passed at 45 Hz): a 30-Hz
    low-pass raises its exponent; scaling by 0.7 moves the fall into the fit and raises it
    far more (docs/metrics.md)."""
    ld = load_eeg_file(EEGMAT_EDF)
    f, p = welch(ld.data, fs=ld.sfreq, nperseg=int(ld.sfreq))
    db = 10 * np.log10(p.mean(axis=0))
    assert db[f == 35.0][0] - db[f == 48.0][0] > 20  # the fall the file was published with
    names = list(ld.ch_names)
    base = reshaped.summarise(ld.data, ld.sfreq, names)
    lp30 = reshaped.summarise(reshaped.lowpassed(ld.data, ld.sfreq, 30.0), ld.sfreq, names)
    k07 = reshaped.summarise(ld.data, ld.sfreq * 0.7, names)
    assert 0.2 < lp30["exponent"] - base["exponent"] < 0.8
    assert k07["exponent"] - base["exponent"] > 1.0
    assert base["drowsy_pct"] == 0 and lp30["drowsy_pct"] == 0 and k07["drowsy_pct"] > 90


def test_cli_errors_are_one_line(capsys):
    assert reshaped.main([str(EEGMAT_EDF)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--scale" in err and "--blinks-from" in err
    assert reshaped.main([str(EEGMAT_EDF), "--lowpass", "30,abc"]) == 2
    assert "comma-separated" in capsys.readouterr().err
    assert reshaped.main([str(EEGMAT_EDF), "--scale", "0"]) == 2
    assert "> 0" in capsys.readouterr().err
    # --blinks-from: the baseline must come before the first blink, and every channel of the
    # recording must be in the template's (taken by name: EEGMAT's T3 is EEGMMIDB's T7)
    src = str(EEGMMIDB_EDF[(3, 1)])
    assert reshaped.main([str(EEGMAT_EDF), "--blinks-from", src, "--baseline", "0,30"]) == 2
    assert "--baseline must be START,END" in capsys.readouterr().err
    tmpl = np.zeros((3, 8))
    with pytest.raises(UsageError, match="channels .*O2.* are not in the blink template's"):
        reshaped.blink_effect(tmpl, ["Fp1", "Fp2", "C3"], str(OPENBCI_TXT))
