"""The scenario simulator: what it generates, checked against its own definitions and physics.

These tests look at the raw samples (spectra, cross-spectra, amplitudes) with scipy and at the
files ``neurofeedback simulate`` writes; the pipeline's accuracy on simulated data is in
``test_accuracy.py``.
"""

from __future__ import annotations

import csv
import time

import numpy as np
import pytest
from scipy import signal

from neurofeedback.cli import main
from neurofeedback.errors import UsageError
from neurofeedback.recording import read_session
from neurofeedback.simulate import Generator, read_truth_csv
from neurofeedback.simulate.artifacts import RAIL_UV
from neurofeedback.simulate.montages import MONTAGES
from neurofeedback.simulate.noise import PinkBank
from neurofeedback.simulate.scenarios import PHI, SCENARIOS, Schedule
from neurofeedback.sources.base import Source
from neurofeedback.sources.simulated import SimulatedSource

FS = 250.0


def test_same_samples_in_any_chunking():
    ref = Generator("artifacts", seed=5, duration_s=80).generate(int(80 * FS))[0]
    gen = Generator("artifacts", seed=5, duration_s=80)
    rng = np.random.default_rng(0)
    parts, n = [], 0
    while n < ref.shape[1]:
        k = min(int(rng.integers(1, 900)), ref.shape[1] - n)
        parts.append(gen.generate(k)[0])
        n += k
    assert np.array_equal(np.concatenate(parts, axis=1), ref)
    other = Generator("artifacts", seed=6, duration_s=80).generate(1000)[0]
    assert not np.allclose(other, ref[:, :1000])


def test_background_is_one_over_f():
    # The aperiodic exponent of the background generator is 1.5 over 1-40 Hz.
    bank = PinkBank(4, FS, beta=1.5)
    rng = np.random.default_rng(1)
    x = np.concatenate(
        [bank.step(rng.standard_normal((bank.poles.size, 4, 250))) for _ in range(240)], axis=1
    )
    f, p = signal.welch(x, FS, nperseg=1000)
    m = (f >= 1) & (f <= 40)
    slope = np.polyfit(np.log10(f[m]), np.log10(p.mean(axis=0)[m]), 1)[0]
    assert -1.7 < slope < -1.3
    assert np.allclose(x.var(axis=1), 1.0, atol=0.15)
    # In a full recording, 32-60 Hz (above the oscillators) is aperiodic with exponent 1-2.
    data = Generator("trauma", seed=2, duration_s=70).generate(int(60 * FS))[0]
    f, p = signal.welch(data, FS, nperseg=1000)
    m = (f >= 32) & (f <= 60)
    slope = np.polyfit(np.log10(f[m]), np.log10(p.mean(axis=0)[m]), 1)[0]
    assert -2.2 < slope < -0.9


def test_volume_conduction_and_lagged_coupling():
    gen = Generator("annealing-cycle", seed=3, duration_s=270)
    g = gen.mixing
    assert g.shape == (16, 6) and np.all(g > 0)
    assert np.allclose(g.sum(axis=1), 1.0)
    # Integrated segment (synchrony 0.85-0.9): theta coherence between distant regions is high,
    # and the cross-spectrum phase between frontal and occipital sites is far from zero.
    data = gen.generate(int(270 * FS))[0][:, int(225 * FS) :]
    ch = list(gen.ch_names)
    f, cxy = signal.csd(data[ch.index("Fp1")], data[ch.index("O1")], FS, nperseg=500)
    _, coh = signal.coherence(data[ch.index("Fp1")], data[ch.index("O1")], FS, nperseg=500)
    k = np.argmin(np.abs(f - 6.0))
    assert coh[k] > 0.5
    assert abs(np.angle(cxy[k])) > 0.5  # non-zero lag (LAGS: 1.4 rad frontal -> occipital)
    # Neighbours are more alike than distant electrodes (volume conduction).
    r = np.corrcoef(data)
    assert r[ch.index("Fp1"), ch.index("Fp2")] > r[ch.index("Fp1"), ch.index("O2")]


def test_synchrony_truth_sets_theta_coherence():
    # Search segment (synchrony 0.05) vs integrated (0.85-0.9): scalp theta coherence between
    # left and right temporal sites follows the truth.
    gen = Generator("annealing-cycle", seed=4, duration_s=270)
    data = gen.generate(int(270 * FS))[0]
    ch = list(gen.ch_names)
    t7, t8 = ch.index("T7"), ch.index("T8")

    def coh(a, b):
        f, c = signal.coherence(data[t7, int(a * FS) : int(b * FS)],
                                data[t8, int(a * FS) : int(b * FS)], FS, nperseg=500)
        return c[(f >= 5) & (f <= 7)].mean()

    assert coh(145, 175) < 0.25 < 0.6 < coh(225, 268)


def test_trauma_regions_at_golden_mean_ratios():
    gen = Generator("trauma", seed=1, duration_s=70)
    assert gen.scenario.theta_freqs[1] / gen.scenario.theta_freqs[0] == pytest.approx(PHI)
    data = gen.generate(int(70 * FS))[0]
    ch = list(gen.ch_names)
    f, p = signal.welch(data, FS, nperseg=2000)
    band = (f >= 3) & (f <= 8)
    peak = {n: f[band][np.argmax(p[ch.index(n), band])] for n in ("Fp1", "Cz")}
    assert peak["Fp1"] == pytest.approx(4.0, abs=0.4)  # frontal at 4 Hz
    assert peak["Cz"] == pytest.approx(4.0 * PHI, abs=0.4)  # central at 4 phi = 6.47 Hz


def test_artifacts_blinks_emg_and_rail():
    gen = Generator("artifacts", seed=2, duration_s=120)
    data, art = gen.generate(int(120 * FS))
    ch = list(gen.ch_names)
    am = gen.artifacts
    railed = am.railed(0, data.shape[1])
    assert railed.any() and not railed.all()
    assert np.all(data[am.rail_ch, railed] == RAIL_UV)
    events = [e for b in range(4) for e in am.events(b)]
    blinks = [e for e in events if e.kind == "blink"]
    emgs = [e for e in events if e.kind == "emg"]
    assert len(blinks) >= 5 and len(emgs) >= 1
    fp1, o1 = ch.index("Fp1"), ch.index("O1")
    for e in blinks:
        seg = slice(e.start, e.start + e.length)
        assert art[seg].all()
        assert 0.25 * FS <= e.length <= 0.4 * FS + 1
        # 100-200 uV at Fp1 on top of the EEG; far smaller at O1.
        assert 80 < np.ptp(data[fp1, seg]) < 300
        assert np.ptp(data[o1, seg]) < 100
    for e in emgs:
        seg = data[ch.index("T7"), e.start : e.start + e.length]
        f, p = signal.welch(seg, FS, nperseg=min(128, seg.size))
        assert p[(f >= 20) & (f <= 100)].sum() > 3 * p[(f >= 1) & (f < 20)].sum()
    # No artifact in the truth outside events.
    inside = np.zeros(art.size, bool)
    for e in events:
        inside[e.start : e.start + e.length] = True
    assert np.array_equal(art, inside[: art.size])


def test_schedule_scales_and_repeats():
    sc = SCENARIOS["annealing-cycle"]
    short, long_ = Schedule(sc, 200.0), Schedule(sc, 400.0)
    t_short = np.arange(0, 200, 0.1)
    t_long = np.arange(0, 400, 0.1)
    for sch, t in ((short, t_short), (long_, t_long)):
        ph = sch.phase(t)
        assert np.all(ph[t < 60] == "baseline")
        order = [p for i, p in enumerate(ph) if i == 0 or p != ph[i - 1]]
        assert order == ["baseline", "heating", "disintegration", "search", "annealing",
                         "integrated"]
    assert (long_.phase(t_long) == "search").sum() > 1.9 * (short.phase(t_short) == "search").sum()
    endless = Schedule(sc, None)
    t = np.array([70.0, 70.0 + sc.cycle_s, 70.0 + 5 * sc.cycle_s])
    assert len(set(endless.phase(t))) == 1
    assert np.allclose(endless.params(t)["energy"], endless.params(t)["energy"][0])
    with pytest.raises(UsageError, match="at least"):
        Schedule(sc, 100.0)


def test_simulated_source_interface():
    src = SimulatedSource("meditation", seed=3, duration_s=130, speed=20.0)
    assert isinstance(src, Source)
    assert src.info.kind == "simulator" and src.info.name == "simulated"
    assert src.info.rail_uv == RAIL_UV and src.info.layout.n_rows == 16 + 3
    ref = Generator("meditation", seed=3, duration_s=130).generate(5000)[0]
    a = src.pull(1234)
    b = src.pull(5000 - 1234)
    assert np.array_equal(np.concatenate([a.data, b.data], axis=1), ref)
    assert np.allclose(np.diff(np.concatenate([a.timestamps, b.timestamps])), 1 / FS)
    assert np.array_equal(b.rows[list(src.info.layout.eeg_rows)], b.data)
    # read() is paced by the wall clock at 20x real time.
    src.start()
    time.sleep(0.25)
    c = src.read()
    src.stop()
    assert 0 < c.n_samples <= int(0.6 * 20 * FS)
    assert c.timestamps[0] == pytest.approx(5000 / FS)
    rest = src.pull(10**6)
    assert rest.n_samples == int(130 * FS) - 5000 - c.n_samples
    assert src.finished and src.pull(10).n_samples == 0
    endless = SimulatedSource("annealing-cycle", seed=0)
    assert endless.pull(250).n_samples == 250 and not endless.finished
    with pytest.raises(UsageError, match="not started"):
        endless.read()


@pytest.mark.parametrize(
    "kwargs, word",
    [({"scenario": "calm"}, "scenario"), ({"montage": "64"}, "montage"),
     ({"seed": -1}, "seed"), ({"sfreq": 50}, "sfreq")],
)
def test_bad_parameters(kwargs, word):
    with pytest.raises(UsageError, match=word):
        Generator(**kwargs)


def test_montages():
    assert len(MONTAGES["default"]) == 16
    assert MONTAGES["cyton"] == ("Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2")
    assert len(MONTAGES["cyton-daisy"]) == 16 and len(MONTAGES["10-20"]) == 19
    for name, chans in MONTAGES.items():
        gen = Generator("trauma", montage=name, duration_s=70)
        assert gen.generate(250)[0].shape == (len(chans), 250)


def test_simulate_command_writes_session_and_truth(tmp_path, capsys):
    out = tmp_path / "sim"
    rc = main(["simulate", "--scenario", "artifacts", "--duration", "70", "--out", str(out),
               "--seed", "4", "--montage", "cyton"])
    assert rc == 0
    assert "simulated artifacts" in capsys.readouterr().out
    loaded = read_session(out)
    assert loaded.ch_names == list(MONTAGES["cyton"])
    assert loaded.sfreq == FS and loaded.n_samples == int(70 * FS)
    ref, art = Generator("artifacts", seed=4, montage="cyton", duration_s=70).generate(int(70 * FS))
    assert np.allclose(loaded.data, ref, atol=1e-5)  # raw.csv keeps 6 decimals
    assert (out / "raw.fif").exists()
    with open(out / "truth.csv", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == ["time_s", "energy", "synchrony", "phase", "artifact"]
    truth = read_truth_csv(out / "truth.csv")
    assert truth.time_s.size == 701
    assert np.allclose(np.diff(truth.time_s), 0.1)
    # artifact rows = 0.1-s hops that hold an artifact sample
    hops = art.reshape(-1, 25).any(axis=1)
    assert np.array_equal(truth.artifact[1:], hops)
    assert main(["simulate", "--scenario", "annealing-cycle", "--duration", "60",
                 "--out", str(tmp_path / "x")]) == 2
    assert "at least" in capsys.readouterr().err
