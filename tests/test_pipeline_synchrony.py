"""PLV / wPLI / Kuramoto order, as the pipeline computes them (:func:`synchrony_batch`),
against mne-connectivity and against known couplings."""

from __future__ import annotations

import warnings

import numpy as np
from mne_connectivity import spectral_connectivity_time
from scipy.stats import spearmanr

from neurofeedback.pipeline.batch import analytic, synchrony_batch
from neurofeedback.pipeline.filters import CausalFilter, design_sos
from neurofeedback.pipeline.synchrony import debias_plv, effective_samples

SF = 250.0
SOS = design_sos(SF, "bandpass", [4.0, 8.0], 4)


def _bandpass(x: np.ndarray, lead: int) -> np.ndarray:
    return CausalFilter(SOS, x.shape[0]).process(x)[:, lead:]


def _plv(x: np.ndarray) -> np.ndarray:
    """Raw PLV matrix of the rows of a real window, shape (n, n), as the pipeline computes it."""
    return synchrony_batch(analytic(x)[None], 10.0)[0][0]


def _wpli01(x: np.ndarray, n_eff: float) -> float:
    """Debiased wPLI of the two rows of a real window, as the pipeline computes it."""
    return float(synchrony_batch(analytic(x)[None], n_eff)[1][0, 0])


def test_plv_agrees_with_mne_connectivity():
    rng = np.random.default_rng(3)
    n = int(SF * 6)
    t = np.arange(n) / SF
    diffusion = [0.0, 0.02, 0.05, 0.1, 0.2, 0.4]  # phase random-walk step per channel
    x = np.array([
        np.cos(2 * np.pi * 6 * t - 0.5 * k + np.cumsum(rng.standard_normal(n)) * d)
        + 0.2 * rng.standard_normal(n)
        for k, d in enumerate(diffusion)
    ])
    ours = _plv(_bandpass(x, 500))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        con = spectral_connectivity_time(
            x[None, :, 500:], freqs=np.arange(4.0, 9.0), method="plv", sfreq=SF, fmin=4, fmax=8,
            faverage=True, mode="cwt_morlet", n_cycles=3, verbose=False,
        )
    ref = con.get_data(output="dense")[0, :, :, 0]
    il = np.tril_indices(6, -1)
    # band-pass + Hilbert vs Morlet per frequency then averaged: tolerance 0.12 absolute
    assert np.abs(ours[il] - ref[il]).max() < 0.12
    assert spearmanr(ours[il], ref[il]).statistic > 0.9


def test_bias_correction_uncoupled_near_zero_coupled_high():
    rng = np.random.default_rng(4)
    n_win = 500
    n_eff = effective_samples(SOS, SF, n_win)
    raw_unc, deb_unc, deb_cpl = [], [], []
    t = np.arange(n_win + 1000) / SF
    for _ in range(40):
        # uncoupled: independent noise
        a = _bandpass(rng.standard_normal((2, n_win + 1000)), 1000)
        p = _plv(a)[0, 1]
        raw_unc.append(p)
        deb_unc.append(debias_plv(np.array([[p]]), n_eff)[0, 0])
        # coupled: two noisy 6-Hz oscillators with a fixed lag of 60 degrees
        phase = 2 * np.pi * 6 * t + np.cumsum(rng.standard_normal(t.size)) * 0.05
        x = np.array([np.cos(phase), np.cos(phase - np.pi / 3)]) + 0.5 * rng.standard_normal((2, t.size))
        deb_cpl.append(debias_plv(_plv(_bandpass(x, 1000)), n_eff)[0, 1])
    assert np.mean(raw_unc) > 0.2  # the finite-window bias this removes
    assert np.mean(deb_unc) < 0.12
    assert np.median(deb_unc) < 0.05
    assert np.mean(deb_cpl) > 0.8


def test_wpli_zero_for_volume_conduction_high_for_lag():
    rng = np.random.default_rng(5)
    n = 1500
    t = np.arange(n) / SF
    n_eff = effective_samples(SOS, SF, 500)
    zero_lag, lagged = [], []
    for _ in range(20):
        src = np.cos(2 * np.pi * 6 * t + np.cumsum(rng.standard_normal(n)) * 0.05)
        other = rng.standard_normal(n)
        # two sensors seeing the same sources with different weights, no delay
        mix = np.array([1.0 * src + 0.3 * other, 0.6 * src + 0.8 * other]) + 0.2 * rng.standard_normal((2, n))
        zero_lag.append(_wpli01(_bandpass(mix, 1000), n_eff))
        lag = np.array([src, np.roll(src, 10)]) + 0.3 * rng.standard_normal((2, n))  # 40 ms lag
        lagged.append(_wpli01(_bandpass(lag, 1000), n_eff))
    assert np.mean(zero_lag) < 0.15
    assert np.mean(lagged) > 0.8


def test_kuramoto_order_one_for_identical_phases_low_for_uniform():
    t = np.arange(500) / SF
    same = np.exp(1j * (2 * np.pi * 6 * t))[None, :].repeat(4, axis=0)
    spread = np.exp(1j * (2 * np.pi * 6 * t[None, :] + np.arange(4)[:, None] * np.pi / 2))
    kur = synchrony_batch(np.stack([same, spread]), 10.0)[2]  # window means of R(t)
    assert np.allclose(kur[0], 1.0)
    assert np.allclose(kur[1], 0.0, atol=1e-12)


def test_synchrony_smoother_is_a_causal_ema_that_skips_artifacts():
    from neurofeedback.pipeline.synchrony import SynchronySmoother

    sm = SynchronySmoother(tau_s=3.0, hop_s=0.1)
    assert np.isnan(sm.update(0.0, np.nan))
    assert sm.update(0.1, 0.2) == 0.2  # the first value starts the average
    out = [sm.update(0.1 + 0.1 * k, 1.0) for k in range(1, 31)]
    # a step from 0.2 to 1: after 3 s (one time constant) 1 - 0.8 exp(-1) of the way
    assert np.isclose(out[-1], 1.0 - 0.8 * np.exp(-1.0))
    held = sm.update(3.2, 0.0, artifact=True)
    assert held == out[-1]  # an artifact frame changes nothing
    assert np.isclose(sm.update(3.3, 0.0), out[-1] * np.exp(-1.0 / 15.0))  # dt from last clean
    assert SynchronySmoother(0.0, 0.1).update(0.0, 0.37) == 0.37


def _narrowband(rng: np.random.Generator, n_sig: int, n: int, width_hz: float) -> np.ndarray:
    """Independent Gaussian rhythms at 6 Hz with a Gaussian spectral peak of s.d. ``width_hz``."""
    spec = np.fft.rfft(rng.standard_normal((n_sig, n)))
    f = np.fft.rfftfreq(n, 1 / SF)
    x = np.fft.irfft(spec * np.exp(-0.5 * ((f - 6.0) / width_hz) ** 2), n)
    return x / x.std() + 0.3 * rng.standard_normal((n_sig, n))


def test_synchrony_chance_is_zero_for_broadband_and_the_surrogate_finds_narrowband_chance():
    """The debiased wPLI^2 of independent signals is 0 on average when the band is filled (its
    analytic null); narrow-band independent rhythms (phases drifting slowly across a 2-s window)
    read higher by chance, and the time-shift surrogate (the window before) measures exactly
    that chance level."""
    rng = np.random.default_rng(8)
    n_eff = effective_samples(SOS, SF, 500)
    for width, chance_high in ((3.0, False), (0.4, True)):
        meas, sur = [], []
        for _ in range(200):
            b = CausalFilter(SOS, 4).process(_narrowband(rng, 4, 3000, width))
            sb = synchrony_batch(analytic(b[:, 2500:])[None], n_eff, analytic(b[:, 2000:2500])[None])
            meas.append(sb.wpli2.mean())
            sur.append(sb.wpli2_surrogate.mean())
        if chance_high:
            assert np.mean(meas) > 0.2
        else:
            assert abs(np.mean(meas)) < 0.03
        # the surrogate's mean is the measure's chance level (two means of 200 noisy draws)
        assert abs(np.mean(sur) - np.mean(meas)) < 3 * np.sqrt(2 / 200) * np.std(meas) + 0.01


def _pooled(x: np.ndarray, n_eff: float, span_s: float = 3.0) -> tuple[list, list]:
    """Per-window and pooled (LaggedSynchrony) mean wPLI^2 of 2-s windows every 0.1 s."""
    from neurofeedback.pipeline.synchrony import LaggedSynchrony

    pool = LaggedSynchrony(span_s, 2.0, 500 / n_eff)
    b = CausalFilter(SOS, x.shape[0]).process(x)
    single, pooled = [], []
    for k, end in enumerate(range(1000, x.shape[1] + 1, 25)):
        sb = synchrony_batch(analytic(b[:, end - 500 : end])[None], n_eff)
        single.append(sb.wpli2[0].mean())
        pooled.append(pool.update(0.1 * k, ("a", "b", "c", "d")[: x.shape[0]], sb.sums[0]).mean())
        if k == 0:  # one window pooled is that window's own estimator
            np.testing.assert_allclose(pooled[0], single[0], rtol=1e-12)
    return single, pooled


def test_pooled_synchrony_is_zero_for_independent_signals_and_less_noisy_than_one_window():
    rng = np.random.default_rng(9)
    n_eff = effective_samples(SOS, SF, 500)
    single, pooled = _pooled(rng.standard_normal((4, int(SF * 120))), n_eff)
    pooled = np.array(pooled[30:])  # once the pool holds 3 s of windows
    assert abs(np.mean(pooled)) < 0.02  # chance reads 0 with overlapping windows pooled
    assert np.std(pooled) < 0.6 * np.std(single)
    # two signals locked at a fixed lag: pooled near 1
    t = np.arange(int(SF * 20)) / SF
    src = np.cos(2 * np.pi * 6 * t + np.cumsum(rng.standard_normal(t.size)) * 0.05)
    lag = np.array([src, np.roll(src, 10)]) + 0.3 * rng.standard_normal((2, t.size))
    assert np.median(_pooled(lag, n_eff)[1][30:]) > 0.8
