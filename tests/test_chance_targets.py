"""The chance-level targets (:mod:`neurofeedback.simulate.chance`, docs/chance.md) and the
known-null generators behind them (:mod:`neurofeedback.simulate.nulls`).

Each target test is an honest pass/fail of one target; its failure
message gives the measured number. Every recording is simulated or read once per module.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _data import EEGMMIDB_EDF
from scipy import signal

from neurofeedback.errors import UsageError
from neurofeedback.simulate import chance
from neurofeedback.simulate.nulls import (
    CHANNELS_10_20,
    SOURCE_HZ,
    independent_noise,
    source_gains,
    volume_conducted_source,
)

SF = 250.0


# ------------------------------------------------------------------------ the targets
@pytest.fixture(scope="module")
def noise() -> chance.NoiseResult:
    return chance.check_noise()


@pytest.fixture(scope="module")
def volume() -> chance.VolumeResult:
    return chance.check_volume()


@pytest.fixture(scope="module")
def coupling() -> chance.CouplingResult:
    return chance.check_coupling()


@pytest.fixture(scope="module")
def eyes_closed() -> chance.RealResult:
    return chance.check_real([EEGMMIDB_EDF[(s, 2)] for s in chance.EEGMMIDB_SUBJECTS])


def test_noise_synchrony_reads_zero(noise):
    """Independent 1/f noise: median synchrony within 0 +- 0.05."""
    assert math.isfinite(noise.synchrony), "no synchrony on independent noise"
    assert abs(noise.synchrony) <= 0.05, (
        f"median synchrony {noise.synchrony:.3f} on independent 1/f noise over {noise.n_frames} "
        "frames (target 0 +- 0.05)")


def test_noise_has_no_consonance(noise):
    """Independent 1/f noise has no spectral peaks: consonance empty in >= 90 % of frames."""
    assert noise.consonance_empty >= 0.90, (
        f"consonance empty in {100 * noise.consonance_empty:.1f} % of {noise.n_frames} noise "
        "frames (target >= 90 %)")


def test_noise_has_no_golden_mean_index(noise):
    """Independent 1/f noise: golden_mean_index empty in >= 90 % of frames."""
    assert noise.golden_mean_empty >= 0.90, (
        f"golden_mean_index empty in {100 * noise.golden_mean_empty:.1f} % of {noise.n_frames} "
        "noise frames (target >= 90 %)")


def test_volume_conduction_reads_low(volume):
    """One zero-lag source in every channel: median synchrony <= 0.1 at 0 dB and at +6 dB."""
    s0, s6 = volume.synchrony
    assert math.isfinite(s0) and math.isfinite(s6), "no synchrony under volume conduction"
    assert max(s0, s6) <= 0.1, (
        f"median synchrony {s0:.3f} (0 dB), {s6:.3f} (+6 dB) with one zero-lag source "
        "(target <= 0.1)")


def test_volume_conduction_power_does_not_move_synchrony(volume):
    """Raising the zero-lag source's power by 6 dB moves median synchrony by <= 0.05."""
    assert math.isfinite(volume.synchrony_change), "no synchrony under volume conduction"
    assert volume.synchrony_change <= 0.05, (
        f"median synchrony moved by {volume.synchrony_change:.3f} "
        f"({volume.synchrony[0]:.3f} -> {volume.synchrony[1]:.3f}) when the source gained 6 dB "
        "(target <= 0.05)")


def test_coupling_follows_truth(coupling):
    """Simulator with lagged coupling, held-out seeds: Spearman >= 0.85 over their frames pooled,
    and no seed far below (>= 0.75; one seed's free-to-mid range is noisier)."""
    per_seed = {s: round(r, 3) for s, r in coupling.spearman.items()}
    assert coupling.pooled >= 0.85, f"pooled Spearman {coupling.pooled:.3f} (per seed {per_seed})"
    assert min(per_seed.values()) >= 0.75, f"a seed far below the target: {per_seed}"


def test_coupling_locked_clearly_above_free(coupling):
    """Frames with true coupling >= 0.6 read clearly above those <= 0.2 (quartiles apart)."""
    assert coupling.locked.size and coupling.free.size, "no locked or free frames measured"
    lq = np.percentile(coupling.locked, 25)
    fq = np.percentile(coupling.free, 75)
    assert coupling.locked_above_free, (
        f"locked lower quartile {lq:.3f} not above free upper quartile {fq:.3f} (medians "
        f"{np.median(coupling.locked):.3f} vs {np.median(coupling.free):.3f})")


def test_eyes_closed_synchrony_defined(eyes_closed):
    """EEGMMIDB eyes closed: synchrony defined in >= 90 % of clean frames of every run."""
    low = {k: round(v, 3) for k, v in eyes_closed.synchrony.items() if not (v >= 0.90)}
    assert not low, f"synchrony defined in too few clean frames: {low} (target >= 0.90)"


def test_eyes_closed_consonance_defined(eyes_closed):
    """EEGMMIDB eyes closed: consonance defined in >= 80 % of clean frames of every run."""
    low = {k: round(v, 3) for k, v in eyes_closed.consonance.items() if not (v >= 0.80)}
    assert not low, f"consonance defined in too few clean frames: {low} (target >= 0.80)"


def test_eyes_closed_runs_mostly_clean(eyes_closed):
    """The shares above are over enough frames: each 1-min run keeps >= 300 clean frames."""
    few = {k: n for k, n in eyes_closed.n_clean.items() if n < 300}
    assert not few, f"too few clean frames: {few}"


# ------------------------------------------------------------------------ the table
def test_rows_report_missing_columns_as_na():
    """A column the pipeline does not write reads n/a and fails (never passes) its target."""
    rows = chance.noise_rows(chance.NoiseResult(100, math.nan, math.nan, math.nan, math.nan))
    assert [r.measured for r in rows] == ["n/a"] * 4
    assert [r.passed for r in rows] == [False, False, False, None]
    rows = chance.volume_rows(chance.VolumeResult((0.02, 0.03), (math.nan, math.nan)))
    assert rows[0].passed and rows[1].passed and rows[1].measured == "0.010"
    assert rows[2].measured == "n/a; n/a"


def test_table_from_columns(tmp_path):
    """read_features takes columns by name; an absent one is None (median NaN, share NaN)."""
    path = tmp_path / "features.csv"
    path.write_text("time_s,synchrony,artifact\r\n60,0.5,0\r\n60.1,,0\r\n60.2,0.1,1\r\n")
    t = chance.read_features(path)
    assert t["plv"] is None and t["consonance"] is None
    c = chance.clean_after(t, 60.0)
    np.testing.assert_array_equal(c["time_s"], [60.0, 60.1])
    assert chance.median(c["synchrony"]) == 0.5
    assert chance.empty_share(c["synchrony"]) == 0.5
    assert math.isnan(chance.empty_share(c["consonance"]))


def test_markdown_page_names_the_command():
    rows = chance.noise_rows(chance.NoiseResult(100, 0.01, 0.2, 0.95, 0.97))
    page = chance.markdown(rows)
    assert "| noise | median `synchrony` within 0 +- 0.05 | 0.010 | pass |" in page
    assert "`python -m neurofeedback.simulate.chance --check noise`" in page


def test_command_writes_the_page(noise, tmp_path, capsys):
    """``python -m neurofeedback.simulate.chance --check noise --out FILE``: the same page on
    stdout and in FILE, with the numbers of :func:`check_noise`."""
    out = tmp_path / "chance.md"
    assert chance.main(["--check", "noise", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert capsys.readouterr().out == page
    for row in chance.noise_rows(noise):
        assert f"| noise | {row.target} | {row.measured} |" in page


def test_unknown_check_is_refused():
    with pytest.raises(UsageError, match="check must be one of noise, volume, coupling, eegmmidb"):
        chance.run_checks(["synchrony"])


# ------------------------------------------------------------------------ the generators
@pytest.fixture(scope="module")
def background():
    return independent_noise(seed=0)


def test_noise_shape_and_level(background):
    assert background.data.shape == (19, int(240 * SF))
    assert background.sfreq == SF and background.ch_names == list(CHANNELS_10_20)
    np.testing.assert_allclose(np.sqrt(np.mean(background.data**2, axis=1)), 15.0, rtol=1e-9)


def test_noise_exponent_from_spectrum(background):
    """The log-log slope of each channel's Welch PSD over 2-40 Hz is -1.3 (the exponent asked)."""
    f, p = signal.welch(background.data, fs=SF, nperseg=int(4 * SF))
    m = (f >= 2) & (f <= 40)
    slopes = np.array([np.polyfit(np.log10(f[m]), np.log10(pc[m]), 1)[0] for pc in p])
    np.testing.assert_allclose(slopes, -1.3, atol=0.05)
    other = independent_noise(seed=0, exponent=1.0, duration_s=60.0)
    f, p = signal.welch(other.data, fs=SF, nperseg=int(4 * SF))
    m = (f >= 2) & (f <= 40)
    assert np.polyfit(np.log10(f[m]), np.log10(p.mean(axis=0)[m]), 1)[0] == pytest.approx(-1.0, abs=0.05)


def test_noise_channels_independent(background):
    """Zero-lag correlation between every pair of channels within 4.5 standard errors of 0.

    For two independent series the sample correlation has variance ``sum_k rho_x(k) rho_y(k) /
    N`` (Bartlett), with ``rho`` each series' own autocorrelation; 1/f noise is strongly
    autocorrelated, so this is far above 1/N.
    """
    x = background.data - background.data.mean(axis=1, keepdims=True)
    n = x.shape[1]
    spec = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(np.abs(spec) ** 2)[:, :n]
    acf /= acf[:, :1]
    two_sided = np.concatenate([acf[:, :0:-1], acf], axis=1)
    r = np.corrcoef(x)
    i, j = np.triu_indices(x.shape[0], 1)
    se = np.sqrt(np.sum(two_sided[i] * two_sided[j], axis=1) / n)
    z = np.abs(r[i, j]) / se
    assert z.max() < 4.5, f"channels {background.ch_names[i[z.argmax()]]}, " \
                          f"{background.ch_names[j[z.argmax()]]}: r = {r[i, j][z.argmax()]:.3f}"


def test_noise_seeded():
    a = independent_noise(seed=3, duration_s=10.0)
    np.testing.assert_array_equal(a.data, independent_noise(seed=3, duration_s=10.0).data)
    assert not np.allclose(a.data, independent_noise(seed=4, duration_s=10.0).data)


def test_source_adds_to_the_same_background(background):
    b = volume_conducted_source(seed=0)
    diff = b.data - background.data
    g = source_gains()
    assert g.max() == 1.0 and (g > 0).all()
    # every channel carries the same waveform times its fixed gain: no lag anywhere
    np.testing.assert_allclose(diff / g[:, None], np.broadcast_to(diff[g.argmax()], diff.shape),
                               atol=1e-9)
    assert np.sqrt(np.mean(diff[g.argmax()] ** 2)) == pytest.approx(10.0, rel=0.1)


def test_source_narrow_band_at_6_hz(background):
    b = volume_conducted_source(seed=0)
    s = (b.data - background.data)[int(np.argmax(source_gains()))]
    f, p = signal.welch(s, fs=SF, nperseg=int(10 * SF))
    band = (f >= 5.0) & (f <= 7.0)
    assert p[band].sum() / p.sum() > 0.9
    assert np.sum(f[band] * p[band]) / p[band].sum() == pytest.approx(SOURCE_HZ, abs=0.1)


def test_source_power_ratio_at_plus_6_db(background):
    """At +6 dB the source's power near 6 Hz (the recording's minus the background's) is
    10^0.6 = 3.98 times that at 0 dB, on every channel, within the cross-term noise."""
    f, p_bg = signal.welch(background.data, fs=SF, nperseg=int(4 * SF))
    _, p0 = signal.welch(volume_conducted_source(seed=0).data, fs=SF, nperseg=int(4 * SF))
    _, p6 = signal.welch(volume_conducted_source(seed=0, gain_db=6.0).data, fs=SF,
                         nperseg=int(4 * SF))
    band = (f >= 5.5) & (f <= 6.5)
    ratio = (p6[:, band].sum(1) - p_bg[:, band].sum(1)) / (p0[:, band].sum(1) - p_bg[:, band].sum(1))
    np.testing.assert_allclose(ratio, 10**0.6, rtol=0.05)
    assert np.median(ratio) == pytest.approx(10**0.6, rel=0.01)


def test_source_zero_lag_coherency():
    """Between two distant channels the 6 Hz coherency is large and real (no lag)."""
    b = volume_conducted_source(seed=0, duration_s=120.0)
    fz, o1 = b.ch_names.index("Fz"), b.ch_names.index("O1")
    f, cxy = signal.csd(b.data[fz], b.data[o1], fs=SF, nperseg=int(4 * SF))
    _, pxx = signal.welch(b.data[fz], fs=SF, nperseg=int(4 * SF))
    _, pyy = signal.welch(b.data[o1], fs=SF, nperseg=int(4 * SF))
    coh = cxy[np.argmin(np.abs(f - SOURCE_HZ))] / np.sqrt(pxx * pyy)[np.argmin(np.abs(f - SOURCE_HZ))]
    assert coh.real > 0.5
    assert abs(coh.imag) < 0.05


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"gain_db": math.inf}, "gain_db must be a finite number of dB; got inf"),
    ({"seed": -1}, "seed must be an integer >= 0; got -1"),
    ({"duration_s": 0}, "duration_s must be a number > 0; got 0"),
    ({"sfreq": 50}, "sfreq must be a number >= 100 Hz; got 50.0"),
    ({"source_rms_uv": "x"}, "source_rms_uv must be a number > 0; got 'x'"),
])
def test_generator_arguments_checked(kwargs, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        volume_conducted_source(**kwargs)
