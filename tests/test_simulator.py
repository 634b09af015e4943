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
from neurofeedback.pipeline.aperiodic import fit_aperiodic
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.recording import read_session
from neurofeedback.simulate import Generator, read_truth_csv
from neurofeedback.simulate.artifacts import RAIL_UV
from neurofeedback.simulate.generator import EXPONENT_COLD, PIVOT_HZ
from neurofeedback.simulate.montages import MONTAGES
from neurofeedback.simulate.noise import PinkBank, RotatingAperiodic
from neurofeedback.simulate.scenarios import PHI, SCENARIOS, Scenario, Schedule
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
    # In a full recording the aperiodic exponent over the pipeline's fit range (2-35 Hz) lies
    # in the range measured on real awake heads (median over channels 0.4-1.5 on the validation
    # recordings, see neurofeedback.pipeline.drowsiness), and 40-100 Hz is far flatter than
    # 1/f^1.5: the continuous broadband muscle activity takes over there.
    data = Generator("trauma", seed=2, duration_s=70).generate(int(60 * FS))[0]
    f, p = signal.welch(data, FS, nperseg=int(2 * FS))
    _, exponent = fit_aperiodic(f, p)
    assert 0.8 < float(np.median(exponent)) < 1.8
    m = (f >= 40) & (f <= 100)
    assert np.polyfit(np.log10(f[m]), np.log10(p.mean(axis=0)[m]), 1)[0] > -1.0


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

    # (the integrated plateau's coherence is diluted by the independent aperiodic sources and
    # the electrodes' own background)
    assert coh(145, 175) < 0.25 < 0.45 < coh(225, 268)


def test_trauma_regions_at_golden_mean_ratios():
    gen = Generator("trauma", seed=1, duration_s=70)
    assert gen.scenario.theta_freqs[1] / gen.scenario.theta_freqs[0] == pytest.approx(PHI)
    data = gen.generate(int(70 * FS))[0]
    ch = list(gen.ch_names)
    f, p = signal.welch(data, FS, nperseg=2000)
    band = (f >= 3) & (f <= 8)
    # peaks above the steep aperiodic slope: whiten by f^2 first
    white = p * f**2
    peak = {n: f[band][np.argmax(white[ch.index(n), band])] for n in ("Fp1", "Cz")}
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
    assert header == ["time_s", "energy", "synchrony", "phase", "artifact", "temperature",
                      "drowsiness"]
    truth = read_truth_csv(out / "truth.csv")
    assert truth.time_s.size == 701
    assert np.allclose(np.diff(truth.time_s), 0.1)
    # artifact rows = 0.1-s hops that hold an artifact sample
    hops = art.reshape(-1, 25).any(axis=1)
    assert np.array_equal(truth.artifact[1:], hops)
    assert main(["simulate", "--scenario", "annealing-cycle", "--duration", "60",
                 "--out", str(tmp_path / "x")]) == 2
    assert "at least" in capsys.readouterr().err


def test_same_samples_in_any_chunking_with_sleep_events():
    # The drowsy scenario adds event-based graphoelements, eye movements and delta to the
    # reference, background, muscle and drift of every scenario: still one sample sequence.
    n = int(300 * FS)
    ref = Generator("drowsy", seed=9, duration_s=300).generate(n)[0]
    gen = Generator("drowsy", seed=9, duration_s=300)
    rng = np.random.default_rng(1)
    parts, done = [], 0
    while done < n:
        k = min(int(rng.integers(1, 20000)), n - done)
        parts.append(gen.generate(k)[0])
        done += k
    assert np.array_equal(np.concatenate(parts, axis=1), ref)
    events = [e for b in range(10) for e in gen._sleep_events.events(b)]
    assert {e.kind for e in events} == {"vertex", "spindle", "kcomplex"}


def test_rotating_aperiodic_keeps_the_pivot():
    # Exponent 1..3 measured over 2-40 Hz; power at the pivot 1 uV^2/Hz whatever the exponent.
    for beta in (1.0, 2.0, 3.0):
        bank = RotatingAperiodic(4, FS, pivot_hz=12.0)
        rng = np.random.default_rng(2)
        x = np.concatenate([bank.step(rng.standard_normal((bank.n_inputs, 4, 250)),
                                      np.full(250, beta)) for _ in range(200)], axis=1)
        f, p = signal.welch(x, FS, nperseg=1000)
        p = p.mean(axis=0)
        m = (f >= 2) & (f <= 40)
        slope = np.polyfit(np.log10(f[m]), np.log10(p[m]), 1)[0]
        assert slope == pytest.approx(-beta, abs=0.1)
        assert p[(f >= 11) & (f <= 13)].mean() == pytest.approx(1.0, rel=0.15)


def _steady(energy: float, temperature: float) -> Scenario:
    return Scenario(name="steady", description="steady state for a test",
                    baseline=(energy, temperature, 0.35), min_duration_s=10.0)


def _spectrum(data: np.ndarray):
    f, p = signal.welch(data, FS, nperseg=1000)
    return f, p.mean(axis=0)


def _aperiodic_fit(f, p):
    """Straight line in log-log over 2-40 Hz outside the 3.5-16 Hz peaks: (slope, line)."""
    m = (f >= 2) & (f <= 40) & ~((f >= 3.5) & (f <= 16))
    coef = np.polyfit(np.log10(f[m]), np.log10(p[m]), 1)
    return coef[0], 10 ** np.polyval(coef, np.log10(np.maximum(f, 1e-3)))


def _peak_db(f, p, line, lo, hi):
    m = (f >= lo) & (f <= hi)
    return 10 * np.log10(np.sum(np.maximum(p[m] - line[m], 0.0)))


@pytest.fixture(scope="module")
def steady_spectra():
    out = {}
    for key, (e, tmp) in {"cold": (0.0, 0.0), "hot": (0.0, 1.0), "energetic": (1.0, 0.0)}.items():
        gen = Generator(_steady(e, tmp), seed=11, duration_s=120)
        f, p = _spectrum(gen.generate(int(120 * FS))[0])
        slope, line = _aperiodic_fit(f, p)
        out[key] = {"slope": slope, "theta": _peak_db(f, p, line, 5, 7),
                    "alpha": _peak_db(f, p, line, 9, 11), "p": p, "f": f}
    return out


def test_temperature_flattens_the_aperiodic_slope_only(steady_spectra):
    cold, hot = steady_spectra["cold"], steady_spectra["hot"]
    assert EXPONENT_COLD == 1.3 and PIVOT_HZ == 12.0
    assert hot["slope"] > cold["slope"] + 0.4  # flatter (measured: about -1.5 -> -0.9)
    # the 6-Hz and 10-Hz peaks above the aperiodic fit do not move
    assert hot["theta"] == pytest.approx(cold["theta"], abs=1.5)
    assert hot["alpha"] == pytest.approx(cold["alpha"], abs=1.5)
    # power moved from below the pivot to above it
    f = cold["f"]
    assert hot["p"][(f >= 2) & (f <= 3)].mean() < 0.7 * cold["p"][(f >= 2) & (f <= 3)].mean()
    assert hot["p"][(f >= 25) & (f <= 40)].mean() > 1.4 * cold["p"][(f >= 25) & (f <= 40)].mean()


def test_energy_changes_the_peaks_not_the_slope(steady_spectra):
    cold, hot = steady_spectra["cold"], steady_spectra["energetic"]
    assert hot["slope"] == pytest.approx(cold["slope"], abs=0.1)
    # energy 1 = twice the oscillation amplitude = +6 dB of peak power
    assert hot["theta"] - cold["theta"] == pytest.approx(6.0, abs=1.5)
    assert hot["alpha"] - cold["alpha"] == pytest.approx(6.0, abs=1.5)


def test_shared_reference_and_muscle():
    gen = Generator("trauma", seed=5, duration_s=90)
    data = gen.generate(int(90 * FS))[0]
    ch = list(gen.ch_names)
    # Above the brain's rhythms (60-100 Hz) the activity is muscle, independent per electrode;
    # the mastoid reference's own muscle is in every channel, so even distant channels
    # correlate there (they would not without a shared reference).
    hi = signal.sosfiltfilt(signal.butter(4, (60, 100), "bandpass", fs=FS, output="sos"), data)
    r = np.corrcoef(hi)
    assert r[np.triu_indices(len(ch), 1)].min() > 0.1
    assert r[ch.index("Pz"), ch.index("Cz")] > 0.5
    # The slow drift of the reference (< 0.3 Hz) is common too.
    lo = signal.sosfiltfilt(signal.butter(2, 0.3, "lowpass", fs=FS, output="sos"), data)
    r = np.corrcoef(lo[:, int(10 * FS):])
    assert np.median(r[np.triu_indices(len(ch), 1)]) > 0.2
    # Muscle: a few uV, strongest on temporal sites, below the pipeline's EMG rules.
    cfg = PipelineConfig()
    f, p = signal.welch(data, FS, nperseg=500)
    df = f[1] - f[0]
    emg = p[:, (f >= 20) & (f <= 45)].sum(axis=1) * df
    broad = p[:, (f >= 1) & (f <= 45)].sum(axis=1) * df
    assert np.all(emg < 0.5 * cfg.emg_min_uv2) and np.all(emg > 0.3)
    assert np.all(emg / broad < 0.5 * cfg.emg_share)
    fast = p[:, (f >= 60) & (f <= 110)].sum(axis=1) * df
    assert fast[ch.index("T7")] > 1.5 * fast[ch.index("Pz")]
    assert 1.0 < np.sqrt(fast[ch.index("T7")]) < 5.0


@pytest.fixture(scope="module")
def drowsy():
    gen = Generator("drowsy", seed=3, duration_s=465)
    data = gen.generate(int(465 * FS))[0]
    t = np.arange(data.shape[1]) / FS
    d = gen.schedule.params(t)["drowsiness"]
    return gen, data, t, d, list(gen.ch_names)


def _band_db(x, lo, hi):
    f, p = signal.welch(x, FS, nperseg=1000)
    return 10 * np.log10(p[..., (f >= lo) & (f <= hi)].mean())


def test_drowsy_truth_and_phases(drowsy):
    gen, _, t, d, _ = drowsy
    assert np.all(np.diff(d) >= 0) and d[t < 65].max() == 0 and d[-1] == 1.0
    ph = gen.schedule.phase(t)
    assert np.all(ph[d < 0.5] == "baseline") and np.all(ph[d >= 0.5] == "drowsy")
    p = gen.schedule.params(t[::250])
    for key in ("energy", "temperature", "synchrony"):
        assert np.all(p[key] == SCENARIOS["drowsy"].baseline[("energy", "temperature",
                                                               "synchrony").index(key)])


def test_drowsy_alpha_drops_theta_rises(drowsy):
    _, data, t, d, ch = drowsy
    wake = (t >= 5) & (t < 60)
    n1 = (d >= 0.45) & (d <= 0.55)
    occ = [ch.index("O1"), ch.index("O2")]
    front = [ch.index(n) for n in ("F3", "F4", "C3", "Cz", "C4")]
    assert _band_db(data[occ][:, wake], 9, 11) - _band_db(data[occ][:, n1], 9, 11) > 6.0
    assert _band_db(data[front][:, n1], 4, 7) - _band_db(data[front][:, wake], 4, 7) > 2.0


def test_drowsy_spindles_and_slope_in_n2(drowsy):
    _, data, t, d, ch = drowsy
    wake = (t >= 5) & (t < 60)
    n2 = (d >= 0.65) & (d <= 0.85)
    cz = data[ch.index("Cz")]
    sigma = signal.sosfiltfilt(signal.butter(4, (12, 14), "bandpass", fs=FS, output="sos"), cz)
    env = np.abs(signal.hilbert(sigma))

    def bursts(mask):
        above = (env > 8.0) & mask
        edges = np.flatnonzero(np.diff(above.astype(int)) == 1)
        ends = np.flatnonzero(np.diff(above.astype(int)) == -1)
        return sum(1 for a in edges if (ends[ends > a][:1] - a >= 0.4 * FS).all()
                   and (ends > a).any())

    assert bursts(n2) >= 4 and bursts(wake) == 0
    f, pw = signal.welch(data[:, wake], FS, nperseg=1000)
    _, pn = signal.welch(data[:, n2], FS, nperseg=1000)
    s_wake = _aperiodic_fit(f, pw.mean(axis=0))[0]
    s_n2 = _aperiodic_fit(f, pn.mean(axis=0))[0]
    assert s_n2 < s_wake - 0.2


def test_drowsy_deep_sleep_delta(drowsy):
    # N3 (AASM): waves of 0.5-2 Hz with >= 75 uV peak to peak over >= 20 % of an epoch,
    # measured at a frontal site against the linked mastoids (F4-M1 in the manual).
    _, data, t, d, ch = drowsy
    deep = d >= 0.98
    x = signal.sosfiltfilt(signal.butter(2, (0.5, 2.0), "bandpass", fs=FS, output="sos"),
                           data[ch.index("F4")])[deep]
    down = np.flatnonzero((x[:-1] >= 0) & (x[1:] < 0))
    big = sum(b - a for a, b in zip(down[:-1], down[1:], strict=True) if np.ptp(x[a:b]) >= 75)
    assert big / x.size >= 0.2
    wake = signal.sosfiltfilt(signal.butter(2, (0.5, 2.0), "bandpass", fs=FS, output="sos"),
                              data[ch.index("F4")])[(t >= 5) & (t < 60)]
    assert np.ptp(wake) < 75


def test_drowsy_slow_eye_movements(drowsy):
    # N1: slow (0.2-0.6 Hz) horizontal eye movements, opposite polarity at F7/F8.
    _, data, t, d, ch = drowsy
    sos = signal.butter(2, (0.2, 0.6), "bandpass", fs=FS, output="sos")
    x = signal.sosfiltfilt(sos, data, axis=1)
    n1 = (d >= 0.3) & (d <= 0.5)
    wake = (t >= 10) & (t < 60)
    heog = x[ch.index("F7")] - x[ch.index("F8")]
    assert np.corrcoef(x[ch.index("F7")][n1], x[ch.index("F8")][n1])[0, 1] < -0.3
    assert 50 < 2 * np.sqrt(2) * heog[n1].std() / 2 < 200  # per side, sine-equivalent p-p
    assert heog[n1].std() > 3 * heog[wake].std()


def test_old_truth_files_are_readable(tmp_path):
    path = tmp_path / "truth.csv"
    path.write_text("time_s,energy,synchrony,phase,artifact\n0.0,0,0.35,baseline,0\n"
                    "0.1,0.5,0.4,heating,1\n")
    truth = read_truth_csv(path)
    assert truth.energy.tolist() == [0.0, 0.5] and truth.artifact.tolist() == [False, True]
    assert np.isnan(truth.drowsiness).all() and np.isnan(truth.temperature).all()


def test_simulate_drowsy_writes_drowsiness(tmp_path):
    out = tmp_path / "drowsy"
    assert main(["simulate", "--scenario", "drowsy", "--duration", "200", "--out", str(out),
                 "--montage", "cyton"]) == 0
    truth = read_truth_csv(out / "truth.csv")
    assert truth.drowsiness[0] == 0 and truth.drowsiness[-1] == pytest.approx(1.0)
    assert np.all(np.diff(truth.drowsiness) >= 0)
    assert set(truth.phase) == {"baseline", "drowsy"}
    assert np.all((truth.phase == "drowsy") == (truth.drowsiness >= 0.5))
