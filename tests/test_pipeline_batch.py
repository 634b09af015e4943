"""The batched per-window stage: equal to the per-frame definitions, and live == offline exactly.

Tolerances: quantities computed by the same NumPy arithmetic on the same samples are compared
exactly (Welch spectra, LZ, window extraction); the compiled kernels (quality, synchrony,
consonance) sum sample by sample where NumPy sums pairwise, so they are compared with
``rtol=1e-12`` (reasons: exactly). Live versus offline frames are compared bit for bit.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest
from _data import OPENBCI_TXT
from reference import quality as ref_quality
from reference.entropy import lempel_ziv
from reference.synchrony import kuramoto_order, kuramoto_surrogate, plv_matrix, wpli2_matrix
from scipy.signal import hilbert

import neurofeedback.pipeline.pipeline as pipeline_mod
from neurofeedback.analyze import (
    BANDPOWER_NAME,
    FEATURES_NAME,
    analyze_to_dir,
    bandpower_header,
    bandpower_row,
    iter_frames,
)
from neurofeedback.io.loaded import LoadedFile
from neurofeedback.io.session_folder import quantized
from neurofeedback.pipeline.batch import (
    BatchQuality,
    FastMetastability,
    analytic,
    frame_windows,
    synchrony_batch,
)
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.entropy import lempel_ziv_decimated, shuffle_order
from neurofeedback.pipeline.filters import FilterChain
from neurofeedback.pipeline.frame import FEATURE_COLUMNS
from neurofeedback.pipeline.pipeline import Pipeline
from neurofeedback.pipeline.quality import REASONS, QualityChecker
from neurofeedback.pipeline.regions import region_of
from neurofeedback.pipeline.spatial_modes import low_share_batch
from neurofeedback.pipeline.spectra import WelchPSD
from neurofeedback.pipeline.synchrony import Metastability

SF = 250.0
NAMES = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8", "T7", "T8", "P7", "P8"]
RAIL = 187500.0
ARRAYS = ("psd", "band_power", "plv_matrix", "sync_matrix", "mode_power")
SCALARS = ("energy", "energy_db", "temperature", "synchrony", "plv", "synchrony_chance",
           "metastability",
           "spatial_low_share", "spatial_mode_entropy", "consonance", "golden_mean_index",
           "meditation_score", "integration_score", "spectral_entropy", "lempel_ziv", "kuramoto")


def _artifact_eeg(seconds: float, seed: int = 0) -> np.ndarray:
    """16-channel EEG-like data with a shared theta rhythm, a blink, EMG, a railed and a
    mains-contaminated channel, so every branch of the per-window stage is taken."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SF)
    t = np.arange(n) / SF
    x = np.cumsum(rng.standard_normal((16, n)), axis=1) * 0.5 + 5 * rng.standard_normal((16, n))
    x += 20 * np.sin(2 * np.pi * 6 * t + 0.3 * np.arange(16)[:, None])
    x[0, int(7 * SF) : int(7.4 * SF)] += 300 * np.hanning(int(0.4 * SF))  # blink on Fp1
    # EMG over six channels (a third of the montage or more: the frame is gated)
    m = int(3 * SF)
    x[2:8, int(9 * SF) : int(12 * SF)] += 60 * np.diff(rng.standard_normal((6, m + 1)), axis=1)
    x[7, int(13 * SF) : int(16 * SF)] = RAIL  # P4 railed
    x[9] += 200 * np.sin(2 * np.pi * 50 * t) * (t > 15)  # O2 loose: mains
    # F4 swinging alone (Fp1/Fp2 still): not from the eyes, left out as amplitude
    x[3, int(18 * SF) : int(18.4 * SF)] += 150 * np.hanning(int(0.4 * SF))
    return x


def _same_frames(a_frames, b_frames) -> None:
    assert len(a_frames) == len(b_frames)
    for a, b in zip(a_frames, b_frames, strict=True):
        assert a.time_s == b.time_s
        assert a.to_row() == b.to_row()
        assert a.channel_quality == b.channel_quality and a.artifact_reasons == b.artifact_reasons
        assert a.bands == b.bands and a.regions == b.regions
        for name in ARRAYS:
            assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
        for name in SCALARS:
            va, vb = getattr(a, name), getattr(b, name)
            assert va == vb or (math.isnan(va) and math.isnan(vb)), name


@pytest.fixture(scope="module")
def recording():
    x = _artifact_eeg(24.0)
    return LoadedFile(path="synthetic", format="synthetic", data=x, sfreq=SF, ch_names=NAMES,
                      timestamps=np.arange(x.shape[1]) / SF, rail_uv=RAIL)


def _config() -> PipelineConfig:
    return PipelineConfig(baseline=(0.0, 6.0), notch=50)


def test_offline_analysis_equals_streaming_small_chunks(recording):
    offline = [f for fr in iter_frames(recording, _config()) for f in fr]
    live = Pipeline(SF, NAMES, _config(), RAIL)
    # a live session feeds its pipeline samples on raw.csv's grid, as iter_frames does
    x = quantized(recording.data)
    streamed = [f for s in range(0, recording.n_samples, 7) for f in live.push(x[:, s : s + 7])]
    assert len(offline) == 221  # 2.0 .. 24.0 s every 0.1 s
    # every branch was exercised: bad channels, artifacts and clean frames
    reasons = {r for f in offline for r in f.channel_quality}
    assert {"railed", "line", "blink", "emg", "ok"} <= reasons
    assert any(f.artifact for f in offline) and any(not f.artifact for f in offline)
    # ...the frontopolar test (F4's swing) and the rebuilt electrodes' correction too
    assert any(f.channel_quality[3] == "amplitude" and not f.eye_artifact for f in offline)
    # ...and the blink's ring-down kept as eye frames after its own frames (eyes.ringdown_s)
    assert any(f.eye_artifact and not {"blink", "gaze"} & set(f.channel_quality) for f in offline)
    assert any(f.interpolated and f.spatial_low_share != low_share_batch(f.mode_power[None], 3)[0]
               for f in offline)
    _same_frames(offline, streamed)


def test_frames_do_not_depend_on_batch_layout(recording, monkeypatch):
    ref = Pipeline(SF, NAMES, _config(), RAIL).push(recording.data)
    monkeypatch.setattr(pipeline_mod, "_MAX_BLOCK_S", 1.3)  # odd blocks: batches of 3-4 frames
    monkeypatch.setattr(pipeline_mod, "_MAX_BATCH", 2)
    small = Pipeline(SF, NAMES, _config(), RAIL).push(recording.data)
    _same_frames(ref, small)


def test_offline_blocks_shrink_for_dense_fast_montages(recording, monkeypatch):
    """5-s blocks for a 16-channel 250-Hz stream; a 64-channel 2048-Hz one gets blocks of
    131072 channel-samples (1 s), down to 0.5 s at most; the frames do not change."""
    assert pipeline_mod.block_samples(250.0, 16) == 1250
    assert pipeline_mod.block_samples(2048.0, 64) == 2048
    assert pipeline_mod.block_samples(2048.0, 256) == 1024  # the 0.5-s floor
    ref = Pipeline(SF, NAMES, _config(), RAIL).push(recording.data)
    monkeypatch.setattr(pipeline_mod, "_MAX_BLOCK_CHANNEL_SAMPLES", 7 * len(NAMES) * SF / 10)
    assert pipeline_mod.block_samples(SF, len(NAMES)) == int(0.7 * SF)
    _same_frames(ref, Pipeline(SF, NAMES, _config(), RAIL).push(recording.data))


def test_analyze_csv_equals_csv_of_streamed_frames(recording, tmp_path):
    analyze_to_dir(recording, tmp_path, _config())
    live = Pipeline(SF, NAMES, _config(), RAIL)
    x = quantized(recording.data)  # as a live session feeds it (raw.csv's grid)
    frames = [f for s in range(0, recording.n_samples, 25) for f in live.push(x[:, s : s + 25])]
    feat = Path(tmp_path / FEATURES_NAME).read_text().splitlines()
    assert feat[0].split(",") == list(FEATURE_COLUMNS)
    assert len(feat) == len(frames) + 1
    # the live recorder writes ``to_row()`` through csv.writer: the same text, row for row
    buf = io.StringIO()
    csv.writer(buf).writerows(f.to_row() for f in frames)
    assert buf.getvalue().splitlines() == feat[1:]
    bp = Path(tmp_path / BANDPOWER_NAME).read_text().splitlines()
    assert bp[0].split(",") == bandpower_header(NAMES)
    for line, f in zip(bp[1:], frames, strict=True):
        assert line.split(",") == bandpower_row(f)


def test_welch_batch_equals_per_window_exactly():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 3000)) * 10 + 300
    welch = WelchPSD(SF, 500)
    for starts in (np.arange(0, 2500, 25), np.array([0, 12, 25, 37, 50, 62, 2499]), np.array([40])):
        ref = np.stack([welch(x[:, s : s + 500]) for s in starts])
        assert np.array_equal(welch.batch(x, starts), ref)


def test_frame_windows_views_and_copies_equal_slices():
    x = np.arange(3 * 700, dtype=float).reshape(3, 700)
    for starts in (np.arange(0, 200, 25), np.array([0, 12, 25, 37]), np.array([100])):
        ref = np.stack([x[:, s : s + 500] for s in starts])
        for copy in (True, False):
            w = frame_windows(x, starts, 500, copy=copy)
            assert np.array_equal(w, ref)
            if copy:
                assert w.flags["C_CONTIGUOUS"]


def test_lempel_ziv_decimated_equals_reference():
    rng = np.random.default_rng(2)
    x = np.cumsum(rng.standard_normal((5, 16, 500)), axis=-1) + rng.standard_normal((5, 16, 500))
    for q in (1, 2, 3):
        sub = x[..., ::q]
        ref = lempel_ziv(sub, shuffle_order(sub.shape[-1]))
        assert np.array_equal(lempel_ziv_decimated(x, q), ref)


def test_batch_quality_equals_quality_checker(recording):
    cfg = _config()
    frontal = np.array([region_of(c) == "frontal" for c in NAMES])
    welch = WelchPSD(SF, 500)
    checker = QualityChecker(cfg, SF, frontal, RAIL)
    batch = BatchQuality(checker, welch.freqs)
    raw = recording.data
    x = FilterChain(SF, 16, 1.0, 45.0, 50.0).process(raw)  # as the pipeline filters it
    starts = np.arange(0, raw.shape[1] - 500, 50)
    for mains, notched in ((50.0, True), (None, False)):
        codes = batch.codes_and_deflection(
            frame_windows(raw, starts, 500), frame_windows(x, starts, 500),
            welch.batch(x, starts), welch.batch(raw, starts), mains, notched,
        )[0]
        seen = set()
        for k, s in enumerate(starts):
            w_raw, w_x = raw[:, s : s + 500], x[:, s : s + 500]
            ref = ref_quality.check(
                checker, w_raw, w_x, welch(w_x), welch(w_raw), welch.freqs, mains, notched
            )
            assert [REASONS[c] for c in codes[k]] == ref
            seen.update(ref)
        assert {"railed", "line", "blink", "emg", "ok"} <= seen


def test_analytic_matches_scipy_hilbert():
    rng = np.random.default_rng(3)
    for n in (500, 501):
        x = rng.standard_normal((4, 3, n))
        np.testing.assert_allclose(analytic(x), hilbert(x, axis=-1), rtol=0, atol=1e-12)


def test_synchrony_batch_equals_reference():
    rng = np.random.default_rng(4)
    t = np.arange(500) / SF
    base = np.sin(2 * np.pi * 6 * t)
    sig = base[None, None, :] * rng.uniform(0.5, 2, (6, 5, 1)) + rng.standard_normal((6, 5, 500))
    sig[:, 1] = np.roll(sig[:, 0], 7, axis=-1) + 0.3 * rng.standard_normal((6, 500))  # a lagged pair
    z = analytic(sig)
    before = analytic(rng.standard_normal((6, 5, 500)))
    sb = synchrony_batch(z, 40.0, before)
    iu, ju = np.triu_indices(5, 1)
    for k in range(6):
        np.testing.assert_allclose(sb.plv[k], plv_matrix(z[k]), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(sb.wpli2[k], wpli2_matrix(z[k], 40.0)[iu, ju], rtol=1e-12,
                                   atol=1e-14)
        np.testing.assert_allclose(sb.wpli2_surrogate[k], wpli2_matrix(z[k], 40.0, before[k])[iu, ju],
                                   rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(sb.kuramoto[k], kuramoto_order(z[k]).mean(), rtol=1e-12)
        np.testing.assert_allclose(sb.kuramoto_surrogate[k], kuramoto_surrogate(z[k]), rtol=1e-12)
    assert sb.wpli2[:, 0].mean() > 0.5  # the lagged pair is found (squared wPLI)
    assert abs(sb.wpli2_surrogate[:, 0].mean()) < 0.2  # ...and not against another time


def test_fast_metastability_equals_reference():
    rng = np.random.default_rng(6)
    ref, fast = Metastability(10.0), FastMetastability(10.0)
    got, want = [], []
    for k in range(3000):  # 300 s with gaps (NaN runs) so the history empties and refills
        r = math.nan if (k // 150) % 5 == 4 or rng.random() < 0.1 else float(rng.uniform(0.2, 0.8))
        got.append(fast.update(k * 0.1, r))
        want.append(ref.update(k * 0.1, r))
    got, want = np.array(got), np.array(want)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.isnan(got).sum() > 100 and np.isfinite(got).sum() > 1000
    np.testing.assert_allclose(got[np.isfinite(got)], want[np.isfinite(want)], rtol=1e-12)


def test_batch_quality_equals_quality_checker_on_real_recording():
    """The OpenBCI sample (real blinks, jaw clenches, alpha): every window's reasons agree."""
    path = OPENBCI_TXT
    from neurofeedback.io import load_eeg_file

    f = load_eeg_file(str(path))
    pipe = Pipeline(f.sfreq, f.ch_names, rail_uv=f.rail_uv)
    pipe.push(f.data[:, :500])  # detects mains, builds the filters
    x = FilterChain(f.sfreq, len(f.ch_names), 1.0, 45.0, pipe.mains_hz).process(f.data)
    welch = pipe.welch
    starts = np.arange(0, f.data.shape[1] - 500, 125)
    codes = pipe._bquality.codes_and_deflection(
        frame_windows(f.data, starts, 500, copy=False), frame_windows(x, starts, 500),
        welch.batch(x, starts), welch.batch(f.data, starts), pipe.mains_hz, pipe._chain.notched,
    )[0]
    seen = set()
    for k, s in enumerate(starts):
        w_raw, w_x = f.data[:, s : s + 500], x[:, s : s + 500]
        ref = ref_quality.check(
            pipe.quality, w_raw, w_x, welch(w_x), welch(w_raw), welch.freqs, pipe.mains_hz,
            pipe._chain.notched,
        )
        assert [REASONS[c] for c in codes[k]] == ref, f"window at {s / f.sfreq:.1f} s"
        seen.update(ref)
    assert {"blink", "emg", "ok"} <= seen


def test_pair_matrix_equals_triu_definition():
    """The list-built pair matrix holds each pair's value at (i, j) and (j, i) of
    ``np.triu_indices(n, 1)``, 0 on the diagonal, and is all NaN when the count does not fit."""
    rng = np.random.default_rng(5)
    for n in range(1, 7):
        pairs = rng.standard_normal(n * (n - 1) // 2)
        want = np.zeros((n, n))
        iu, ju = np.triu_indices(n, 1)
        want[iu, ju] = pairs
        want[ju, iu] = pairs
        got = pipeline_mod._pair_matrix(pairs, n)
        assert got.dtype == np.float64 and np.array_equal(got, want)
    assert np.isnan(pipeline_mod._pair_matrix(np.ones(2), 3)).all()


def test_harmony_long_window_shared_by_its_grid_step(recording):
    """Frames whose harmony window ends on the same grid step (same channels) carry the same
    harmony values, and live (values kept across pushes) equals one whole-file push (each
    distinct window of a batch measured once) bit for bit; the kept values stay few."""
    whole = Pipeline(SF, NAMES, _config(), RAIL).push(recording.data)
    live = Pipeline(SF, NAMES, _config(), RAIL)
    frames = [f for s in range(0, recording.n_samples, 25) for f in live.push(recording.data[:, s : s + 25])]
    assert len(live._harmony_memo) <= 2
    grid = live._grid
    for a, b in zip(whole, frames, strict=True):
        assert np.array_equal(a.band_cdns, b.band_cdns, equal_nan=True)
        assert a.consonance == b.consonance or (math.isnan(a.consonance) and math.isnan(b.consonance))
    by_step: dict[int, list] = {}
    for f in whole:
        # the same long window and the same measured channels: the same spectrum
        key = (int(round(f.time_s * SF)) // grid, f.channel_quality, f.interpolated)
        by_step.setdefault(key, []).append(f)
    shared = [fs for fs in by_step.values() if len(fs) > 1 and all(math.isfinite(f.consonance) for f in fs)]
    assert shared  # clean steps with several frames exist
    for fs in shared:
        assert len({(f.consonance, f.dissonance, f.noise) for f in fs}) == 1
        assert all(np.array_equal(f.band_cdns, fs[0].band_cdns, equal_nan=True) for f in fs)
