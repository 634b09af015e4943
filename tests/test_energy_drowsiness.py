"""Issue 11: energy, temperature and drowsiness measure what they say, and only that.

Each manipulation is made on the (harder) scenario simulator with one ground-truth knob turned
and the others held, and the pipeline's reading is compared with what that knob means:

- energy (oscillation amplitude of the natural rhythms) moves ``energy``, not ``temperature``;
- temperature (flattening of the aperiodic exponent) moves ``temperature``, not ``energy``;
- synchrony moves neither;
- drowsiness (wake -> drowsy -> light sleep) is read by ``drowsiness`` (also on one channel),
  zeroes the meditation score and is its own estimator phase, not heating.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import spearmanr

from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.estimator import AnnealingEstimator
from neurofeedback.pipeline.pipeline import Pipeline, run_pipeline
from neurofeedback.simulate import Generator
from neurofeedback.simulate.scenarios import BASELINE_S, Scenario, Segment
from neurofeedback.simulate.truth import make_truth

FS = 250.0
BASE = (0.0, 0.0, 0.35)  # energy, temperature, synchrony of the baseline
HELD_OUT_SEED = 4242  # not a calibration seed (0-9)


def _step(to: tuple[float, float, float], seed: int = HELD_OUT_SEED) -> list:
    """Frames of a recording that holds ``BASE`` for the baseline, then steps to ``to`` and holds
    it for 60 s."""
    sc = Scenario(name="step", description="a step of one knob", baseline=BASE,
                  segments=(Segment("heating", 1.0, to, to),), min_duration_s=BASELINE_S)
    dur = BASELINE_S + 60.0
    gen = Generator(sc, seed=seed, duration_s=dur)
    data, _ = gen.generate(int(dur * FS))
    return run_pipeline(data, FS, list(gen.ch_names), PipelineConfig(baseline=(0.0, 60.0)))


def _after(frames, name: str) -> float:
    """Median of ``name`` over the clean frames of the held step (from 10 s after it)."""
    v = [getattr(f, name) for f in frames if f.time_s >= BASELINE_S + 10 and not f.artifact]
    return float(np.nanmedian(v))


@pytest.fixture(scope="module")
def steps():
    return {
        "energy": _step((1.0, 0.0, 0.35)),
        "temperature": _step((0.0, 1.0, 0.35)),
        "synchrony": _step((0.0, 0.0, 0.85)),
        "none": _step(BASE),
    }


def test_energy_moves_with_oscillation_amplitude_only(steps):
    # twice the oscillation amplitude: far above the baseline's spread
    assert _after(steps["energy"], "energy") > 3.0
    # flattening the 1/f background, or synchronising the regions, is not energy
    assert abs(_after(steps["temperature"], "energy")) < 1.5
    assert abs(_after(steps["synchrony"], "energy")) < 1.5
    assert abs(_after(steps["none"], "energy")) < 1.0


def test_temperature_moves_with_the_aperiodic_exponent_only(steps):
    assert _after(steps["temperature"], "temperature") > 2.0
    # the measured exponent itself flattens
    e_hot = _after(steps["temperature"], "aperiodic_exponent")
    e_ref = _after(steps["none"], "aperiodic_exponent")
    assert e_hot < e_ref - 0.2
    assert abs(_after(steps["energy"], "temperature")) < 1.0
    assert abs(_after(steps["synchrony"], "temperature")) < 1.0
    assert abs(_after(steps["none"], "temperature")) < 1.0


def test_energy_does_not_jump_when_channels_drop_out():
    # the same recording with half the channels left out from 90 s on (railed): each measured
    # channel is referred to its own baseline, so the energy level does not step
    sc = Scenario(name="steady", description="steady", baseline=BASE, min_duration_s=10.0)
    gen = Generator(sc, seed=HELD_OUT_SEED, duration_s=150.0)
    data, _ = gen.generate(int(150 * FS))
    names = list(gen.ch_names)
    cut = data.copy()
    drop = [i for i, n in enumerate(names) if n[-1] in "13579" or n[-1] == "z"][: len(names) // 2]
    cut[drop, int(90 * FS):] = 187500.0
    cfg = PipelineConfig(baseline=(0.0, 60.0))
    a = run_pipeline(data, FS, names, cfg, rail_uv=187500.0)
    b = run_pipeline(cut, FS, names, cfg, rail_uv=187500.0)
    ea = np.array([f.energy for f in a if f.time_s > 95])
    eb = np.array([f.energy for f in b if f.time_s > 95])
    assert all(len(f.bad_channels) >= len(drop) for f in b if f.time_s > 95)
    assert abs(np.nanmedian(eb) - np.nanmedian(ea)) < 0.5


# ------------------------------------------------------------------------------- drowsiness


@pytest.fixture(scope="module")
def drowsy_run():
    dur = 300.0
    gen = Generator("drowsy", seed=HELD_OUT_SEED, duration_s=dur)
    data, art = gen.generate(int(dur * FS))
    truth = make_truth(gen.schedule, art, FS)
    frames = run_pipeline(data, FS, list(gen.ch_names))
    return gen, data, truth, frames


def _truth_at(truth, frames, name):
    idx = np.round(np.array([f.time_s for f in frames]) * 10).astype(int)
    return getattr(truth, name)[np.minimum(idx, len(truth.time_s) - 1)]


def test_drowsiness_follows_the_truth(drowsy_run):
    _, _, truth, frames = drowsy_run
    d = np.array([f.drowsiness for f in frames])
    td = _truth_at(truth, frames, "drowsiness")
    ok = np.isfinite(d) & ~np.array([f.artifact for f in frames])
    rho = spearmanr(d[ok], td[ok])[0]
    assert rho >= 0.8, rho
    # awake frames low, light and deep sleep at least 0.3 above them
    awake = np.median(d[ok & (td == 0)])
    asleep = np.median(d[ok & (td >= 0.75)])
    assert awake < 0.25 and asleep - awake >= 0.3, (awake, asleep)


def test_energy_db_is_still_raw_broadband_power(drowsy_run):
    # raw 1-45 Hz power (what the old energy followed) climbs as sleep deepens; the meditation
    # score does not reward it (next test)
    _, _, truth, frames = drowsy_run
    td = _truth_at(truth, frames, "drowsiness")
    db = np.array([f.energy_db for f in frames])
    assert np.median(db[td >= 0.9]) - np.median(db[(td == 0) & (db == db)]) > 3.0


def test_drowsy_frames_get_no_meditation_reward_and_their_own_phase(drowsy_run):
    _, _, truth, frames = drowsy_run
    td = _truth_at(truth, frames, "drowsiness")
    deep = [f for f, t in zip(frames, td, strict=True) if t >= 0.75]
    assert np.median([f.meditation_score for f in deep]) <= 0.1
    for f in frames:
        if f.drowsiness >= 0.5:
            assert f.phase == "drowsy" and f.meditation_score == 0.0
    # a brain falling asleep is not heating, nor on its way there (drowsiness >= 0.35 holds the
    # estimator)
    assert np.mean([f.phase == "drowsy" for f in deep]) >= 0.8
    falling = [f for f, t in zip(frames, td, strict=True) if t >= 0.3]
    assert not any(f.phase in ("heating", "disintegration", "search") for f in falling)


def test_scores_fade_on_the_way_to_sleep(drowsy_run):
    # between drowsy_hold (0.35) and drowsy_threshold (0.5) both scores are scaled down
    # linearly to 0: theta growing with drowsiness is not rewarded as it nears the line
    _, _, truth, frames = drowsy_run
    cfg = PipelineConfig()
    falling = [f for f in frames if cfg.drowsy_hold <= f.drowsiness < cfg.drowsy_threshold]
    assert len(falling) > 100
    for f in falling:
        w = (cfg.drowsy_threshold - f.drowsiness) / (cfg.drowsy_threshold - cfg.drowsy_hold)
        assert f.meditation_score <= w + 1e-12 and f.integration_score <= w + 1e-12
    # drifting into sleep (truth 0.25-0.5) earns on average no more than wakefulness does
    td = _truth_at(truth, frames, "drowsiness")
    ms = np.array([f.meditation_score for f in frames])
    done = np.array([f.baseline_complete for f in frames])
    assert ms[done & (td >= 0.25) & (td < 0.5)].mean() <= ms[done & (td < 0.25)].mean()


def test_wakefulness_weight():
    from neurofeedback.pipeline.scores import wakefulness

    assert wakefulness(0.2, 0.35, 0.5) == 1.0
    assert wakefulness(0.35, 0.35, 0.5) == 1.0
    assert wakefulness(0.425, 0.35, 0.5) == pytest.approx(0.5)
    assert wakefulness(0.5, 0.35, 0.5) == 0.0
    assert wakefulness(math.nan, 0.35, 0.5) == 1.0


def test_drowsiness_on_one_channel(drowsy_run):
    # a one-electrode headset (or a sleep lab's single central channel): Cz alone
    gen, data, truth, _ = drowsy_run
    cz = list(gen.ch_names).index("Cz")
    frames = run_pipeline(data[cz : cz + 1], FS, ["Cz"])
    d = np.array([f.drowsiness for f in frames])
    td = _truth_at(truth, frames, "drowsiness")
    ok = np.isfinite(d)
    assert spearmanr(d[ok], td[ok])[0] >= 0.8
    assert np.median(d[ok & (td >= 0.75)]) - np.median(d[ok & (td == 0)]) >= 0.3


def test_drowsy_estimator_state_is_held_and_resumed():
    est = AnnealingEstimator(0.1)
    for i in range(50):
        est.update(i * 0.1, 0.0, 0.0, 0.0, False, True)
    before = est.state
    st = est.update(5.0, 50.0, -50.0, 9.0, False, True, drowsy=True)
    assert st.phase == "drowsy"
    # garbage while drowsy changes nothing: the filter resumes where it was
    after = est.update(5.1, 0.0, 0.0, 0.0, False, True)
    assert after.phase == before.phase
    assert after.probabilities == pytest.approx(
        AnnealingEstimator(0.1).update(0.0, 0.0, 0.0, 0.0, False, True).probabilities, abs=0.2
    )


def test_drowsiness_config_validation():
    with pytest.raises(Exception, match="drowsy_threshold must be in"):
        PipelineConfig(drowsy_threshold=1.5)
    with pytest.raises(Exception, match="drowsiness_smooth_s must be a number of seconds >= 0"):
        PipelineConfig(drowsiness_smooth_s=-1)
    # hold and threshold 1 never gate: nothing is drowsy
    gen = Generator("drowsy", seed=1, duration_s=200.0)
    data, _ = gen.generate(int(100 * FS))
    pipe = Pipeline(FS, list(gen.ch_names), PipelineConfig(drowsy_threshold=1.0, drowsy_hold=1.0))
    assert all(f.phase != "drowsy" for f in pipe.push(data))
    assert math.isfinite(pipe.push(data[:, :250])[-1].drowsiness)


def test_sleep_lab_channel_at_100_hz():
    # a sleep lab's single C3-A1 derivation sampled at 100 Hz (50-Hz mains at Nyquist): the
    # simulator's channels are already referred to the mastoids
    dur = 300.0
    gen = Generator("drowsy", seed=HELD_OUT_SEED + 1, sfreq=100.0, duration_s=dur)
    data, art = gen.generate(int(dur * 100))
    truth = make_truth(gen.schedule, art, 100.0)
    c3 = list(gen.ch_names).index("C3")
    frames = run_pipeline(data[c3 : c3 + 1], 100.0, ["C3-A1"])
    d = np.array([f.drowsiness for f in frames])
    td = _truth_at(truth, frames, "drowsiness")
    ok = np.isfinite(d)
    assert spearmanr(d[ok], td[ok])[0] >= 0.8
    assert np.median(d[ok & (td >= 0.75)]) - np.median(d[ok & (td == 0)]) >= 0.3
    deep = [f for f, t in zip(frames, td, strict=True) if t >= 0.75]
    assert np.median([f.meditation_score for f in deep]) <= 0.1


def test_polysomnography_edf_two_bipolar_channels(tmp_path):
    """A sleep-lab EDF at 100 Hz: two bipolar EEG derivations (Fpz-Cz, Pz-Oz) among EOG,
    respiration, chin EMG, temperature and an event channel. Only the EEG is kept, the
    derivations get their first site's region, and drowsiness separates wake from sleep."""
    import mne

    from neurofeedback.io import load_eeg_file
    from neurofeedback.offline import iter_frames
    from neurofeedback.pipeline.regions import region_of

    dur, fs = 400.0, 100.0
    gen = Generator("drowsy", seed=HELD_OUT_SEED + 2, sfreq=fs, duration_s=dur)
    data, art = gen.generate(int(dur * fs))
    truth = make_truth(gen.schedule, art, fs)
    n = list(gen.ch_names)
    t = np.arange(data.shape[1]) / fs
    rng = np.random.default_rng(0)
    signals = {
        "EEG Fpz-Cz": (data[n.index("Fp1")] - data[n.index("Cz")], "eeg"),
        "EEG Pz-Oz": (data[n.index("Pz")] - data[n.index("O1")], "eeg"),
        "EOG horizontal": (50 * np.sin(2 * np.pi * 0.3 * t), "eog"),
        "Resp oro-nasal": (200 * np.sin(2 * np.pi * 0.25 * t), "misc"),
        "EMG submental": (5 * rng.standard_normal(t.size), "emg"),
        "Temp rectal": (np.full(t.size, 37.0), "misc"),
        "Event marker": (np.zeros(t.size), "misc"),
    }
    info = mne.create_info(list(signals), fs, [k for _, k in signals.values()])
    raw = mne.io.RawArray(np.array([v for v, _ in signals.values()]) * 1e-6, info, verbose="error")
    path = tmp_path / "psg.edf"
    mne.export.export_raw(path, raw, fmt="edf", verbose="error")

    loaded = load_eeg_file(path)
    assert loaded.ch_names == ["Fpz-Cz", "Pz-Oz"] and loaded.sfreq == fs
    assert [region_of(c) for c in loaded.ch_names] == ["frontal", "parietal"]
    frames = [f for chunk in iter_frames(loaded) for f in chunk]
    d = np.array([f.drowsiness for f in frames])
    td = _truth_at(truth, frames, "drowsiness")
    awake, asleep = np.nanmedian(d[td == 0]), np.nanmedian(d[td >= 0.75])
    assert awake < 0.25 and asleep - awake >= 0.3, (awake, asleep)
    deep = [f for f, x in zip(frames, td, strict=True) if x >= 0.75]
    assert np.median([f.meditation_score for f in deep]) <= 0.1


def test_phase_is_drowsy_exactly_when_the_frame_is():
    # drowsiness 0.6 -> 0.4 (the hold band): the phase leaves "drowsy" at once and returns to
    # the cycle phase held meanwhile; an artifact frame after waking does not bring "drowsy" back
    est = AnnealingEstimator(0.1)
    for i in range(30):
        est.update(i * 0.1, 0.0, 0.0, 0.0, False, True)
    assert est.update(3.0, 0.0, 0.0, 0.0, False, True, drowsy=True).phase == "drowsy"
    held = est.update(3.1, 0.0, 0.0, 0.0, True, True, drowsy=False)  # hold band: no evidence
    assert held.phase == "baseline"
    assert est.update(3.2, 0.0, 0.0, 0.0, True, True).phase == "baseline"


def test_integration_score_zero_when_drowsy(drowsy_run):
    _, _, _, frames = drowsy_run
    drowsy = [f for f in frames if f.drowsiness >= 0.5]
    assert drowsy and all(f.integration_score == 0.0 for f in drowsy)
    # the phase says drowsy from drowsy_hold (0.35) on, after the baseline: the scores fade
    # from there, and the cycle phase held from before the drift is not the state now
    for f in frames:
        if f.baseline_complete:
            assert (f.phase == "drowsy") == (f.drowsiness >= 0.35)
    fading = [f for f in frames if f.baseline_complete and 0.35 <= f.drowsiness < 0.5]
    assert fading and all(f.phase == "drowsy" for f in fading)


def test_fit_range_follows_a_low_sample_rate():
    # at 64 Hz the low-pass comes down to 28.8 Hz: the fit stops below its roll-off, and an
    # awake simulated head is not read as drowsy
    gen = Generator("drowsy", seed=HELD_OUT_SEED, sfreq=100.0, duration_s=200.0)
    data, _ = gen.generate(int(60 * 100))
    from scipy.signal import resample_poly

    x64 = resample_poly(data, 16, 25, axis=1)
    pipe = Pipeline(64.0, list(gen.ch_names))
    assert pipe._fit_range[1] == pytest.approx(0.78 * 0.45 * 64)
    assert any("aperiodic fit" in n for n in pipe.rate_notes)
    frames = pipe.push(x64)
    d = np.nanmedian([f.drowsiness for f in frames])
    e = np.nanmedian([f.aperiodic_exponent for f in frames])
    ref = run_pipeline(data, 100.0, list(gen.ch_names))
    assert d < 0.25, d
    assert abs(e - np.nanmedian([f.aperiodic_exponent for f in ref])) < 0.4
