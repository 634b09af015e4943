"""Spectral harmony (neurofeedback.pipeline.harmony): no peaks in noise, the CDNS shares of known
spectra and signals, the Pletzer alpha/theta ratio, and alpha peaks in real eyes-closed EEG."""

from __future__ import annotations

import math

import mne
import numpy as np
import pytest
from _data import EEGMMIDB_EDF

from neurofeedback.errors import UsageError
from neurofeedback.pipeline.aperiodic import aperiodic_model, fit_aperiodic
from neurofeedback.pipeline.harmony import PHI, Harmony, partial_dissonance
from neurofeedback.simulate.noise import PinkBank

BAND_NAMES = ("delta", "theta", "alpha", "beta", "gamma")  # default band order (frame.BANDS)


def _pink(n_channels: int, sfreq: float, n_samples: int, seed: int, beta: float = 1.5) -> np.ndarray:
    """Independent 1/f^beta noise (the simulator's AR bank, not the FFT shaping of the Monte
    Carlo), shape (n_channels, n_samples), unit variance."""
    rng = np.random.default_rng(seed)
    bank = PinkBank(n_channels, sfreq, beta=beta)
    return bank.step(rng.standard_normal((bank.poles.size, n_channels, n_samples)))


def _power_law(freqs: np.ndarray, offset: float = 1.0, exponent: float = 1.5) -> np.ndarray:
    psd = np.empty_like(freqs)
    psd[0] = 10.0**offset
    psd[1:] = 10.0 ** (offset - exponent * np.log10(freqs[1:]))
    return psd


# ---------------------------------------------------------------- the dissonance curve


def test_partial_dissonance_follows_sethares_curve():
    # unison 0; the maximum 1 where x = ln(b2/b1)/(b2-b1): |df| = x (s1 f 32 + s2) / (d* 32)
    x_max = math.log(5.75 / 3.5) / 2.25
    f = 10.0
    f2 = f + x_max * (0.0207 * f * 32 + 18.96) / (0.24 * 32)
    assert partial_dissonance(f, f) == 0.0
    assert partial_dissonance(f, f2) == pytest.approx(1.0, abs=1e-12)
    assert partial_dissonance(f2, f) == pytest.approx(1.0, abs=1e-12)
    # the scaling keeps ratios: the octave is consonant (a little rougher low down, as in
    # hearing: the critical band is wider there relative to the frequency)
    assert partial_dissonance(10.0, 20.0) < 1e-3 and partial_dissonance(4.0, 8.0) < 0.05
    assert partial_dissonance(10.0, 10.8) > 0.95
    with pytest.raises(UsageError, match="f2 must be a finite frequency > 0 Hz; got -1"):
        partial_dissonance(10.0, -1.0)


# ---------------------------------------------------------------- noise gives no peaks


def test_threshold_is_deterministic_cached_and_finer_bins_raise_it():
    a = Harmony(160.0, 1280, 640)
    b = Harmony(160.0, 1280, 640)
    assert a.threshold_db == b.threshold_db and a.resolution_hz == 0.25
    # one 8-s segment (no averaging, finer bins) needs a higher threshold than three 4-s ones
    assert Harmony(160.0, 1280, 1280).threshold_db > a.threshold_db + 2.0
    # smoother spectra (fifteen 1-s segments, 1-Hz bins) a lower one
    assert Harmony(160.0, 1280, 160).threshold_db < a.threshold_db - 2.0


@pytest.mark.parametrize("sfreq", [160.0, 250.0])
@pytest.mark.parametrize("n_channels", [1, 19])
def test_independent_pink_noise_has_no_peak_in_90_percent_of_windows(sfreq, n_channels):
    fs = int(sfreq)
    h = Harmony(sfreq, 8 * fs, 4 * fs)
    n_windows = 300
    x = _pink(n_channels, sfreq, 8 * fs * n_windows, seed=11 + n_channels)
    psd = h.welch.batch(x, np.arange(n_windows) * 8 * fs).mean(axis=1)  # mean over channels
    out = h.frames(psd)
    empty = np.isnan(out["consonance"])
    assert empty.mean() >= 0.90
    assert np.isnan(out["golden_mean_index"]).mean() >= 0.90
    # empty exactly where no peak was found; the three shares are empty together
    np.testing.assert_array_equal(empty, out["spectral_peaks"] == 0)
    assert np.array_equal(empty, np.isnan(out["dissonance"]))
    assert np.array_equal(empty, np.isnan(out["noise"]))
    if n_channels == 1:  # the threshold's own case: about alpha = 5 % have a peak
        assert 0.01 <= 1.0 - empty.mean() <= 0.10


# ---------------------------------------------------------------- exact CDNS of known spectra


def _with_peaks(h: Harmony, centres: tuple[float, ...]) -> tuple[np.ndarray, float, list[float]]:
    """A power law with a +-2 % ripple (bin by bin), times (10, 30, 10) on the bins around each
    centre (a peak 14.8 dB above the background at its centre); returns the spectrum, its power
    in the fit range and each peak's power above the spectrum's aperiodic fit, uV^2."""
    psd = _power_law(h.freqs) * (1.0 + 0.02 * (-1.0) ** np.arange(h.freqs.size))
    ks = [int(np.argmin(np.abs(h.freqs - c))) for c in centres]
    for k in ks:
        psd[k - 1 : k + 2] *= (10.0, 30.0, 10.0)
    model = aperiodic_model(h.freqs, *fit_aperiodic(h.freqs, psd, 2.0, 35.0))
    powers = [float((psd - model)[k - 1 : k + 2].sum() * h.welch.df) for k in ks]
    fit = (h.freqs >= 2.0) & (h.freqs <= 35.0)
    return psd, float(psd[fit].sum() * h.welch.df), powers


def test_cdns_of_known_spectra_is_exact():
    h = Harmony(250.0, 2000, 1000)
    assert h.threshold_db < 9.5  # the peaks below are 10-14.8 dB above the background
    # one peak: all of its power is consonant
    psd, total, (p1,) = _with_peaks(h, (10.0,))
    out = h.frames(psd[None])
    assert out["spectral_peaks"][0] == 1 and out["alpha_peak_hz"][0] == pytest.approx(10.0, abs=0.01)
    assert out["consonance"][0] == pytest.approx(p1 / total, rel=1e-9)
    assert out["dissonance"][0] == 0.0
    assert out["noise"][0] == pytest.approx(1.0 - p1 / total, rel=1e-9)
    # per band: the alpha band's own total, other bands empty
    t_alpha = psd[(h.freqs >= 8.0) & (h.freqs < 13.0)].sum() * h.welch.df
    np.testing.assert_allclose(out["band_cdns"][0, 2], [p1 / t_alpha, 0.0, 1.0 - p1 / t_alpha],
                               rtol=1e-9)
    assert np.isnan(out["band_cdns"][0, [0, 1, 3, 4]]).all()
    # two peaks 1 Hz apart: the peak power's dissonant share is d(10, 11) (the ripple moves the
    # refined frequencies by a few mHz: rel 1e-5)
    psd, total, (p1, p2) = _with_peaks(h, (10.0, 11.0))
    out = h.frames(psd[None])
    d = partial_dissonance(10.0, 11.0)
    assert out["spectral_peaks"][0] == 2 and d > 0.9
    assert out["dissonance"][0] == pytest.approx((p1 + p2) / total * d, rel=1e-5)
    assert out["consonance"][0] == pytest.approx((p1 + p2) / total * (1 - d), rel=1e-5)
    # three peaks: pairs weighted by the smaller power
    psd, total, pw = _with_peaks(h, (6.0, 10.0, 11.0))
    out = h.frames(psd[None])
    pairs = [(0, 1), (0, 2), (1, 2)]
    fr = (6.0, 10.0, 11.0)
    delta = sum(min(pw[i], pw[j]) * partial_dissonance(fr[i], fr[j]) for i, j in pairs) / sum(
        min(pw[i], pw[j]) for i, j in pairs)
    assert out["spectral_peaks"][0] == 3
    assert out["dissonance"][0] == pytest.approx(sum(pw) / total * delta, rel=1e-5)
    # an octave: nearly all consonant; the 20-Hz peak alone in the beta band
    psd, total, (p1, p2) = _with_peaks(h, (10.0, 20.0))
    out = h.frames(psd[None])
    assert out["dissonance"][0] == pytest.approx(
        (p1 + p2) / total * partial_dissonance(10.0, 20.0), rel=1e-5)
    assert out["dissonance"][0] < 1e-3
    t_beta = psd[(h.freqs >= 13.0) & (h.freqs < 30.0)].sum() * h.welch.df
    np.testing.assert_allclose(out["band_cdns"][0, 3], [p2 / t_beta, 0.0, 1.0 - p2 / t_beta],
                               rtol=1e-9)
    # no peak at all: empty
    out = h.frames(_power_law(h.freqs)[None])
    assert out["spectral_peaks"][0] == 0 and np.isnan(out["consonance"][0])


# ---------------------------------------------------------------- signals through Welch


def _windows(h: Harmony, fs: int, n_windows: int, components: dict[float, float], seed: int):
    """PSDs of ``n_windows`` non-overlapping windows of 1/f^1.5 noise (SD 10 uV) plus sinusoids
    ``{frequency: amplitude}``; returns the PSDs (n_windows, n_freqs) and each window's power
    in the fit range."""
    n = h.welch.n_window
    x = 10.0 * _pink(1, fs, n * n_windows, seed)
    t = np.arange(x.shape[1]) / fs
    for f, a in components.items():
        x = x + a * np.sin(2 * np.pi * f * t + f)
    psd = h.welch.batch(x, np.arange(n_windows) * n)[:, 0]
    fit = (h.freqs >= 2.0) & (h.freqs <= 35.0)
    return psd, psd[:, fit].sum(axis=1) * h.welch.df


def test_one_oscillation_is_one_consonant_peak_with_its_power_share():
    fs = 250
    h = Harmony(fs, 8 * fs, 4 * fs)
    psd, total = _windows(h, fs, 100, {10.0: 5.0}, seed=3)
    out = h.frames(psd)
    assert np.median(out["spectral_peaks"]) == 1 and np.isfinite(out["consonance"]).all()
    np.testing.assert_allclose(out["alpha_peak_hz"], 10.0, atol=0.06)
    one = out["spectral_peaks"] == 1
    assert one.mean() >= 0.85 and (out["dissonance"][one] == 0).all()
    # consonance = the oscillation's share of the power (12.5 uV^2 / total), on average (the
    # noise in the oscillation's bins adds or removes power window by window)
    assert np.mean(out["consonance"]) == pytest.approx(np.mean(12.5 / total), rel=0.03)
    sums = out["consonance"] + out["dissonance"] + out["noise"]
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)
    band_sums = np.nansum(out["band_cdns"], axis=2)[np.isfinite(out["band_cdns"][:, :, 0])]
    np.testing.assert_allclose(band_sums, 1.0, atol=1e-12)


def test_close_pair_is_dissonant_and_octave_consonant():
    # 10 and 10.8 Hz are told apart by 0.125-Hz bins (16-s windows of 8-s segments); with
    # 0.25-Hz bins and Hann windows their main lobes touch and make one run, i.e. one peak
    fs = 250
    h = Harmony(fs, 16 * fs, 8 * fs)
    psd, _ = _windows(h, fs, 20, {10.0: 5.0, 10.8: 5.0}, seed=4)
    out = h.frames(psd)
    ratio = out["dissonance"] / (out["dissonance"] + out["consonance"])
    assert np.median(out["spectral_peaks"]) == 2 and np.median(ratio) > 0.9
    psd, _ = _windows(h, fs, 20, {10.0: 5.0, 20.0: 5.0}, seed=5)
    out = h.frames(psd)
    ratio = out["dissonance"] / (out["dissonance"] + out["consonance"])
    assert np.median(out["spectral_peaks"]) == 2 and np.median(ratio) < 0.01


def test_golden_mean_from_alpha_and_theta_peaks():
    fs = 250
    h = Harmony(fs, 8 * fs, 4 * fs)
    psd, _ = _windows(h, fs, 20, {10.5: 8.0, 6.5: 8.0}, seed=6)
    out = h.frames(psd)
    assert np.median(out["alpha_theta_ratio"]) == pytest.approx(10.5 / 6.5, abs=0.005)
    assert np.median(out["golden_mean_index"]) == pytest.approx(abs(10.5 / 6.5 - PHI), abs=0.005)
    np.testing.assert_allclose(out["golden_mean_index"], np.abs(out["alpha_theta_ratio"] - PHI))
    # 0.5-Hz bins are too coarse for the index, the peaks are still found
    coarse = Harmony(fs, 8 * fs, 2 * fs)
    assert coarse.resolution_hz == 0.5
    out = coarse.frames(_windows(coarse, fs, 5, {10.5: 8.0, 6.5: 8.0}, seed=6)[0])
    assert np.isnan(out["golden_mean_index"]).all() and np.isnan(out["alpha_theta_ratio"]).all()
    assert np.isfinite(out["alpha_peak_hz"]).all() and np.isfinite(out["theta_peak_hz"]).all()
    # no theta peak: no index
    out = h.frames(_windows(h, fs, 5, {10.5: 8.0}, seed=7)[0])
    assert np.isnan(out["golden_mean_index"]).all()


def test_a_frame_does_not_depend_on_its_batch():
    fs = 160
    h = Harmony(fs, 8 * fs, 4 * fs)
    psd, _ = _windows(h, fs, 12, {10.0: 3.0, 6.0: 2.0}, seed=8)
    psd[3, 40] = np.nan  # a broken frame stays broken alone
    full = h.frames(psd)
    assert np.isnan(full["consonance"][3]) and np.isnan(full["spectral_peaks"][3])
    for i in (0, 3, 11):
        one = h.frames(psd[i : i + 1])
        for name, v in full.items():
            np.testing.assert_array_equal(one[name][0], v[i])


def test_bad_parameters_are_refused_with_the_parameter_named():
    with pytest.raises(UsageError, match="n_per_seg must be an integer in 2..n_window = 100"):
        Harmony(100.0, 100, 200)
    with pytest.raises(UsageError, match="fit_range must be .* sfreq / 2 = 50; got"):
        Harmony(100.0, 400, 200, fit_range=(2.0, 60.0))
    with pytest.raises(UsageError, match="alpha must be in 0.005..0.5; got 0.0"):
        Harmony(100.0, 400, 200, alpha=0.0)
    with pytest.raises(UsageError, match="bands must map .* got 'x'"):
        Harmony(100.0, 400, 200, bands={"x": (10.1, 10.3)})
    h = Harmony(100.0, 400, 200)
    with pytest.raises(UsageError, match=r"psd must have shape \(n_frames, n_freqs\) with n_freqs = 101"):
        h.frames(np.ones((3, 50)))


# ---------------------------------------------------------------- real EEG


def _mmidb_spectra(h: Harmony, subject: int, run: int) -> np.ndarray:
    """Mean over channels of the Welch spectra of 8-s windows (0.5-s hop), 1-45 Hz filtered."""
    raw = mne.io.read_raw_edf(EEGMMIDB_EDF[(subject, run)], preload=True, verbose="error")
    raw.filter(1.0, 45.0, verbose="error")
    x = raw.get_data() * 1e6
    fs = int(raw.info["sfreq"])
    starts = np.arange(0, x.shape[1] - h.welch.n_window + 1, fs // 2)
    return h.welch.batch(x, starts).mean(axis=1)


def test_eyes_closed_runs_have_alpha_peaks_and_eyes_open_fewer():
    h = Harmony(160.0, 8 * 160, 4 * 160)
    found = {}
    for subject in (2, 3, 4):
        for run in (1, 2):
            out = h.frames(_mmidb_spectra(h, subject, run))
            found[subject, run] = out
    for subject in (2, 3, 4):
        closed, opened = found[subject, 2], found[subject, 1]
        peak = np.isfinite(closed["consonance"])
        assert peak.mean() >= 0.80
        alpha = closed["alpha_peak_hz"]
        assert np.isfinite(alpha).mean() >= 0.80
        assert 8.0 <= np.nanmedian(alpha) < 13.0
        assert np.isfinite(opened["alpha_peak_hz"]).mean() < np.isfinite(alpha).mean() - 0.5
    closed = np.mean([np.isfinite(found[s, 2]["consonance"]).mean() for s in (2, 3, 4)])
    opened = np.mean([np.isfinite(found[s, 1]["consonance"]).mean() for s in (2, 3, 4)])
    assert opened < closed - 0.3


# ---------------------------------------------------------------- in the pipeline


def test_pipeline_harmony_starts_after_one_segment_and_stops_after_an_artifact():
    """In the pipeline: empty in noise; a 10-Hz rhythm is found from the first whole 4-s
    segment on (then the 6-s and 8-s layouts), and a blink empties the measures for the 8 s
    whose long window it touches."""
    from neurofeedback.pipeline.config import PipelineConfig
    from neurofeedback.pipeline.pipeline import run_pipeline

    sf, names = 250.0, ["Fz", "Cz", "Pz", "O1", "O2", "C3", "C4", "P3"]
    n = int(40 * sf)
    t = np.arange(n) / sf
    noise = 10 * _pink(len(names), sf, n, seed=5)
    cfg = PipelineConfig(baseline=(0.0, 10.0))
    quiet = run_pipeline(noise, sf, names, cfg)
    assert np.mean([math.isnan(f.consonance) for f in quiet]) >= 0.9
    x = noise + 8 * np.sin(2 * np.pi * 10 * t)[None, :]
    blink = (t > 25) & (t < 25.3)
    x[:2, blink] += 250 * np.sin(np.pi * (t[blink] - 25) / 0.3)[None, :]  # frontal-central blink
    frames = run_pipeline(x, sf, names, cfg)
    ft = np.array([f.time_s for f in frames])
    cons = np.array([f.consonance for f in frames])
    alpha = np.array([f.alpha_peak_hz for f in frames])
    assert np.isnan(cons[ft < 4.0]).all()  # not even one whole segment yet
    assert np.isfinite(cons[(ft >= 4.0) & (ft < 20.0)]).all()
    assert np.nanmedian(alpha) == pytest.approx(10.0, abs=0.15)
    art = np.array([f.artifact for f in frames])
    assert art.any()
    last_art = ft[art].max()
    after = (ft > last_art) & (ft < last_art + 8.0)
    assert np.isnan(cons[after]).all()  # the long window still holds the artifact
    assert np.isfinite(cons[ft > last_art + 8.0]).all()
    for f in frames:
        if np.isfinite(f.consonance):
            assert f.consonance + f.dissonance + f.noise == pytest.approx(1.0, abs=1e-12)
