"""Quality rules that real heads need: a channel problem is not a frame problem, muscle is
judged against the channel's own past, mains is found on live channels only."""

from __future__ import annotations

import numpy as np
import pytest
from _data import EEGMMIDB_DIR
from scipy.signal import butter, sosfilt

from neurofeedback.io import load_eeg_file
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.filters import detect_mains
from neurofeedback.pipeline.pipeline import Pipeline
from neurofeedback.pipeline.quality import REASONS, frame_gate
from neurofeedback.pipeline.reference import channel_reference
from neurofeedback.pipeline.regions import assign_regions
from neurofeedback.simulate.generator import Generator

CYTON = ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]
# the 64 channels of the EEGMMIDB recordings (BCI2000), 17 of them frontal
DENSE = ("FC5 FC3 FC1 FCz FC2 FC4 FC6 C5 C3 C1 Cz C2 C4 C6 CP5 CP3 CP1 CPz CP2 CP4 CP6 Fp1 Fpz "
         "Fp2 AF7 AF3 AFz AF4 AF8 F7 F5 F3 F1 Fz F2 F4 F6 F8 FT7 FT8 T7 T8 T9 T10 TP7 TP8 P7 P5 P3 "
         "P1 Pz P2 P4 P6 P8 PO7 PO3 POz PO4 PO8 O1 Oz O2 Iz").split()


def _gate(names, reasons, share=1 / 3, region_max=2):
    codes = np.array([REASONS.index(reasons.get(n, "ok")) for n in names])
    return frame_gate(codes, assign_regions(names)[1], share, region_max)


def test_blink_over_a_dense_frontal_region_leaves_it_out_without_gating():
    frontal = [c for c in DENSE if c.startswith(("Fp", "AF", "F")) and not c.startswith(("FC", "FT"))]
    assert len(frontal) == 17
    clean, gated = _gate(DENSE, dict.fromkeys(frontal, "blink"))
    assert not gated
    assert clean.sum() == len(DENSE) - len(frontal)
    assert not clean[[DENSE.index(c) for c in frontal]].any()


@pytest.mark.parametrize("reasons, gated", [
    ({"Fp2": "blink"}, True),            # a blink on a consumer headset's frontal pair
    ({"Fp1": "gaze", "Fp2": "gaze"}, True),  # so is a horizontal eye movement
    ({"P7": "emg"}, True),               # a one-electrode region lost to muscle
    ({"O1": "emg"}, False),              # O2 still carries the occipital region
    ({"C3": "emg", "C4": "emg", "O1": "emg"}, True),   # a third of the channels
    ({"Fp1": "railed", "C3": "flat"}, False),          # physically bad: left out, not gated
    (dict.fromkeys(CYTON, "railed"), True),            # nothing usable
])
def test_cyton_gating(reasons, gated):
    clean, g = _gate(CYTON, reasons)
    assert g is gated
    assert clean.sum() == len(CYTON) - len(reasons)


def _tension_data(sf=250.0, seconds=60.0, onset_s=30.0, seed=1):
    """Two channels of 1/f-like EEG band-passed to 1-45 Hz as the pipeline's preprocessing
    does; from ``onset_s`` channel 0 gets 3 uV RMS of 25-40 Hz muscle-like noise: a few
    microvolts, far under any absolute EMG limit, but about +9 dB over that channel's own
    20-45 Hz background."""
    rng = np.random.default_rng(seed)
    n = int(sf * seconds)
    x = np.cumsum(rng.standard_normal((2, n)), axis=1) * 0.3 + 3 * rng.standard_normal((2, n))
    x = sosfilt(butter(4, [1, 45], "bandpass", fs=sf, output="sos"), x, axis=1)
    emg = sosfilt(butter(4, [25, 40], "bandpass", fs=sf, output="sos"), rng.standard_normal(n))
    emg *= 3.0 / emg[int(onset_s * sf):].std()
    x[0, int(onset_s * sf):] += emg[int(onset_s * sf):]
    return x, sf


def _flags(x, sf, block):
    cfg = PipelineConfig()
    n_win = int(cfg.window_s * sf)
    hop = int(cfg.hop_s * sf)
    ref = channel_reference(sf, x.shape[0], n_win, cfg)
    out, ends, n_done, k = [], [], 0, 0
    for s in range(0, x.shape[1], block):
        piece = x[:, s : s + block]
        n_new = n_done + piece.shape[1]
        bnds = []
        while n_win + k * hop <= n_new:
            bnds.append(n_win + k * hop)
            k += 1
        starts = np.array(bnds, dtype=int) - n_done
        out.append(ref.update(piece, starts, np.arange(k - len(bnds), k))[:, 0])  # 20-45 Hz
        ends += bnds
        n_done = n_new
    return np.concatenate(out), np.array(ends) / sf


def test_relative_emg_catches_a_few_microvolts_of_tension_and_nothing_else():
    x, sf = _tension_data()
    flags, t_end = _flags(x, sf, 25)
    before = t_end <= 30.0          # windows wholly before the onset
    during = (t_end - 2.0 >= 30.5) & (t_end <= 50.0)  # wholly inside, before the reference adapts
    assert flags[before].sum() == 0
    assert flags[during, 0].mean() >= 0.9
    assert flags[:, 1].sum() == 0   # the quiet channel is never flagged


def test_relative_emg_does_not_depend_on_chunking():
    x, sf = _tension_data(seconds=40.0)
    a, ta = _flags(x, sf, 7)
    b, tb = _flags(x, sf, 1000)
    assert np.array_equal(ta, tb) and np.array_equal(a, b)


@pytest.mark.parametrize("mains", [50.0, 60.0])
def test_mains_found_on_one_live_channel_among_railed_ones(mains):
    sf, n = 250.0, 500
    t = np.arange(n) / sf
    rng = np.random.default_rng(0)
    data = np.full((8, n), 187500.0)
    data[3] = -187500.0
    # one live electrode: DC offset of -110 mV, a slow drift, EEG, and mains hum
    data[1] = -110_000 + 300 * t + 10 * rng.standard_normal(n) + 15 * np.sin(2 * np.pi * mains * t)
    assert detect_mains(data, sf, rail_uv=187500.0) == mains
    assert detect_mains(data[[0, 2, 3]], sf, rail_uv=187500.0) is None  # nothing live


def test_one_live_channel_is_a_valid_recording():
    sf, n = 250.0, int(250 * 20)
    t = np.arange(n) / sf
    rng = np.random.default_rng(2)
    data = np.full((8, n), 187500.0)
    data[1] = (-110_000 + np.cumsum(rng.standard_normal(n)) + 8 * rng.standard_normal(n)
               + 20 * np.sin(2 * np.pi * 10 * t) + 30 * np.sin(2 * np.pi * 60 * t))
    pipe = Pipeline(sf, ["Ch1", "O1", "Ch3", "Ch4", "Ch5", "Ch6", "Ch7", "Ch8"], rail_uv=187500.0)
    frames = pipe.push(data)
    assert pipe.mains_hz == 60.0
    late = frames[20:]  # after the filters have settled
    assert all(f.channel_quality[1] == "ok" for f in late)  # not "line": the notch handles it
    assert all(f.channel_quality[i] == "railed" for f in late for i in (0, 2, 3, 4, 5, 6, 7))
    assert not any(f.artifact for f in late)
    assert all(np.isfinite(f.bands["alpha"]) and np.isfinite(f.energy_db) for f in late)
    assert all(f.regions == () and np.isnan(f.synchrony) for f in late)  # needs two regions
    assert all(f.notes and "1 region(s)" in f.notes[0] for f in late)  # ...and says so


def _sixteen(seconds=12.0, sf=250.0, seed=3):
    names = ["Fp1", "Fp2", "F7", "F3", "F4", "F8", "C3", "Cz", "C4", "T7", "T8", "P3", "Pz", "P4",
             "O1", "O2"]
    rng = np.random.default_rng(seed)
    n = int(seconds * sf)
    x = np.cumsum(rng.standard_normal((16, n)), axis=1) * 0.3 + 4 * rng.standard_normal((16, n))
    return names, x, sf


def _step(n, at, sf, height):
    """A saccade-like step of ``height`` uV rising over 40 ms at ``at`` seconds."""
    t = (np.arange(n) / sf - at) / 0.04
    return height * np.clip(t, 0.0, 1.0)


def test_horizontal_eye_movement_is_gaze_and_a_blink_is_not():
    names, x, sf = _sixteen()
    n = x.shape[1]
    f7, f8, fp1, fp2 = (names.index(c) for c in ("F7", "F8", "Fp1", "Fp2"))
    x[f7] += _step(n, 6.0, sf, 120.0)   # eyes turn left: F7 positive, F8 negative
    x[f8] -= _step(n, 6.0, sf, 120.0)
    blink = 150 * np.exp(-0.5 * ((np.arange(n) / sf - 9.5) / 0.08) ** 2)
    x[fp1] += blink
    x[fp2] += blink
    frames = Pipeline(sf, names, PipelineConfig(notch=None)).push(x)
    t = np.array([f.time_s for f in frames])
    gaze = np.array([[r == "gaze" for r in f.channel_quality] for f in frames])
    during = (t > 6.3) & (t < 7.5)      # windows holding the movement and its filtered swing
    assert gaze[during][:, [f7, f8]].all()
    others = [i for i in range(16) if i not in (f7, f8)]
    assert not gaze[:, others].any()    # the blink (same polarity on Fp1 and Fp2) is not gaze
    assert not gaze[t < 5.9].any()
    blink_frames = (t > 9.7) & (t < 11.3)
    assert all(frames[k].channel_quality[fp1] == "blink" for k in np.flatnonzero(blink_frames))
    # six frontal electrodes: a gaze on F7/F8 leaves them out (and interpolated), not gated
    assert not any(frames[k].artifact for k in np.flatnonzero(during))
    assert all({"F7", "F8"} <= set(frames[k].interpolated) for k in np.flatnonzero(during))


def test_blinks_that_reach_central_sites_do_not_raise_power():
    """EEGMMIDB subject 3, eyes open: a blink every 1.5-3 s, 600-800 uV at Fp1 and still
    150-200 uV at FC1/FCz. Blink frames are not gated in this 64-channel montage, so the blink
    must be out of what the measures see: their broadband power stays within 1 dB of the
    blink-free frames' (measured -0.25 dB; +3.4 dB without the EOG regression)."""
    lf = load_eeg_file(EEGMMIDB_DIR / "S003R01.edf")
    frames = Pipeline(lf.sfreq, list(lf.ch_names), rail_uv=lf.rail_uv).push(lf.data)
    eye = np.array([any(r in ("blink", "gaze") for r in f.channel_quality) for f in frames])
    assert eye.mean() > 0.5  # most windows hold a blink
    energy = np.array([f.energy_db for f in frames])
    assert abs(np.median(energy[eye]) - np.median(energy[~eye])) <= 1.0
    assert np.mean([f.artifact for f in frames]) <= 0.1


@pytest.mark.parametrize("sf", [125.0, 128.0])
def test_60_hz_mains_found_at_low_sample_rates(sf):
    # Cyton+Daisy (125 Hz) and Emotiv (128 Hz): 60 Hz sits 2.5-4 Hz under Nyquist
    n = int(2 * sf)
    t = np.arange(n) / sf
    rng = np.random.default_rng(4)
    data = 10 * rng.standard_normal((4, n)) + 20 * np.sin(2 * np.pi * 60 * t)
    assert detect_mains(data, sf) == 60.0
    frames = Pipeline(sf, ["C3", "C4", "O1", "O2"]).push(np.tile(data, 5))
    assert not any(r == "line" for f in frames[10:] for r in f.channel_quality)


def test_mains_waits_for_a_live_window():
    # a Cyton whose inputs are saturated for the first 2.5 s, with 60 Hz mains after that
    sf, n = 250.0, 2500
    t = np.arange(n) / sf
    rng = np.random.default_rng(5)
    data = 10 * rng.standard_normal((8, n)) + 20 * np.sin(2 * np.pi * 60 * t)
    data[:, : int(2.5 * sf)] = 187500.0
    names = ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]
    whole = Pipeline(sf, names, rail_uv=187500.0)
    frames = whole.push(data)
    assert whole.mains_hz == 60.0
    assert not any(r == "line" for f in frames if f.time_s > 7.0 for r in f.channel_quality)
    pieces = Pipeline(sf, names, rail_uv=187500.0)
    chunked = [f for s in range(0, n, 33) for f in pieces.push(data[:, s : s + 33])]
    assert [f.to_row() for f in chunked] == [f.to_row() for f in frames]


def test_relative_checks_through_the_pipeline():
    """Through the whole pipeline, on the scenario simulator's EEG: after 40 s, C3 gets 4 uV RMS
    of 25-40 Hz muscle activity and P4 a 1.5-Hz, 30-uV sway (a loosening electrode). Neither
    reaches a fixed limit; each is caught against its channel's own past, on that channel only."""
    gen = Generator("meditation", seed=11, duration_s=125.0)
    x, _ = gen.generate(int(70.0 * gen.sfreq))
    names, sf = list(gen.ch_names), gen.sfreq
    n0 = int(40.0 * sf)
    rng = np.random.default_rng(12)
    emg = sosfilt(butter(4, [25, 40], "bandpass", fs=sf, output="sos"), rng.standard_normal(x.shape[1]))
    x[names.index("C3"), n0:] += 4.0 * emg[n0:] / emg[n0:].std()
    t = np.arange(x.shape[1]) / sf
    x[names.index("P4"), n0:] += 30.0 * np.sin(2 * np.pi * 1.5 * t[n0:])
    frames = Pipeline(sf, names).push(x)
    tt = np.array([f.time_s for f in frames])
    inside = (tt - 2.0 >= 40.2) & (tt <= 55.0)
    before = (tt > 12.0) & (tt <= 40.0)
    q = {c: np.array([f.channel_quality[names.index(c)] for f in frames]) for c in ("C3", "P4")}
    assert np.mean(q["C3"][inside] == "emg") >= 0.9 and np.mean(q["C3"][before] == "emg") <= 0.02
    assert np.mean(q["P4"][inside] == "amplitude") >= 0.9
    assert np.mean(q["P4"][before] == "amplitude") <= 0.02
    others = [i for i, c in enumerate(names) if c not in ("C3", "P4")]
    flagged = np.array([[f.channel_quality[i] != "ok" for i in others] for f in frames])
    assert flagged[inside].mean() <= 0.05
    assert not any(frames[k].artifact for k in np.flatnonzero(inside))  # 2 of 16: left out only
