"""The aperiodic (1/f) fit: exact on power laws, robust to peaks, and in agreement with fooof on
real EEG spectra (the pipeline's own 2-s Welch spectra and their 10-s means)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _data import EEGMAT_EDF, EEGMMIDB_EDF, OPENBCI_TXT

from neurofeedback.errors import UsageError
from neurofeedback.io import load_eeg_file
from neurofeedback.pipeline.aperiodic import (
    FIT_RANGE_HZ,
    aperiodic_model,
    fit_aperiodic,
    periodic_ratio_db,
)
from neurofeedback.pipeline.pipeline import run_pipeline

# fooof 1.1 announces its successor (specparam) on import, forcing the warning filter to
# 'always': recording the warnings is what keeps it quiet
with warnings.catch_warnings(record=True):
    from fooof import FOOOF

#: the EEGMMIDB channels used (its 10-20 subset: 64 channels make the pipeline runs slow)
MMIDB_CHANNELS = ("Fp1", "Fp2", "F3", "F4", "Fz", "C3", "C4", "Cz", "T7", "T8", "P3", "P4", "Pz", "O1", "O2", "Oz")
FREQS = np.arange(0.0, 129.0)  # the pipeline's 1-Hz bins at 256 Hz
EXPONENTS = (0.8, 1.5, 2.5)
OFFSETS = (0.5, 1.7, 3.0)


def _power_law(freqs, offset, exponent):
    with np.errstate(divide="ignore"):
        return 10.0 ** (offset - exponent * np.log10(freqs))


def _with_peaks(freqs, offset, exponent, peaks=((6.0, 0.4, 1.0), (10.0, 0.8, 1.5), (20.0, 0.3, 2.0))):
    """Power law with Gaussian peaks added in log10 power: (centre Hz, height log10, SD Hz)."""
    with np.errstate(divide="ignore"):
        logp = offset - exponent * np.log10(freqs)
    for cf, h, sd in peaks:
        logp = logp + h * np.exp(-0.5 * ((freqs - cf) / sd) ** 2)
    return 10.0**logp


# ---------------------------------------------------------------- analytic


def test_pure_power_law_recovered_exactly_for_any_leading_shape():
    psd = np.array([[_power_law(FREQS, o, e) for e in EXPONENTS] for o in OFFSETS])  # (3, 3, 129)
    offset, exponent = fit_aperiodic(FREQS, psd)
    assert offset.shape == exponent.shape == (3, 3)
    np.testing.assert_allclose(offset, np.repeat(np.array(OFFSETS)[:, None], 3, 1), atol=1e-6)
    np.testing.assert_allclose(exponent, np.tile(EXPONENTS, (3, 1)), atol=1e-6)
    # a single spectrum gives 0-d results
    o1, e1 = fit_aperiodic(FREQS, psd[1, 2])
    assert o1.shape == e1.shape == () and abs(e1 - 2.5) < 1e-6 and abs(o1 - 1.7) < 1e-6


def test_peaks_do_not_pull_the_fit():
    rng = np.random.default_rng(3)
    truth = [(o, e) for o in OFFSETS for e in EXPONENTS]
    clean = np.array([_with_peaks(FREQS, o, e) for o, e in truth])
    # the same with multiplicative noise (0.05 in log10, about a 10-s Welch mean)
    noisy = clean[None] * 10 ** (0.05 * rng.standard_normal((20, *clean.shape)))
    off, exp_ = fit_aperiodic(FREQS, clean)
    np.testing.assert_allclose(off, [t[0] for t in truth], atol=0.05)
    np.testing.assert_allclose(exp_, [t[1] for t in truth], atol=0.05)
    off_n, exp_n = fit_aperiodic(FREQS, noisy)
    # with noise, the peaks' low shoulders stay in the fit: offsets up to 0.065 high (measured)
    assert np.abs(np.median(exp_n, axis=0) - [t[1] for t in truth]).max() < 0.05
    assert np.abs(np.median(off_n, axis=0) - [t[0] for t in truth]).max() < 0.08
    # a plain least-squares line through all bins is pulled by the peaks (what the robust fit avoids)
    sel = (FREQS >= FIT_RANGE_HZ[0]) & (FREQS <= FIT_RANGE_HZ[1])
    slope = np.polyfit(np.log10(FREQS[sel]), np.log10(clean[0, sel]), 1)[0]
    assert abs(-slope - truth[0][1]) > 0.1


def test_fit_range_is_respected():
    # a power law inside 2-35 Hz, something else outside it
    psd = _power_law(FREQS, 2.0, 1.2)
    psd[FREQS > 35] *= 50.0
    psd[FREQS < 2] = 0.0
    offset, exponent = fit_aperiodic(FREQS, psd)
    assert abs(offset - 2.0) < 1e-6 and abs(exponent - 1.2) < 1e-6
    offset, exponent = fit_aperiodic(FREQS, psd, fmin=10.0, fmax=30.0)
    assert abs(offset - 2.0) < 1e-6 and abs(exponent - 1.2) < 1e-6


def test_model_and_periodic_ratio():
    psd = np.array([_power_law(FREQS, o, 1.5) for o in OFFSETS])
    offset, exponent = fit_aperiodic(FREQS, psd)
    model = aperiodic_model(FREQS, offset, exponent)
    assert model.shape == psd.shape and np.isnan(model[:, 0]).all()  # no power law at 0 Hz
    # fitted parameters are exact to rounding, so the model to ~1e-6
    np.testing.assert_allclose(model[:, 1:], psd[:, 1:], rtol=1e-5)
    true_off, true_exp = np.array(OFFSETS), np.full(3, 1.5)
    np.testing.assert_allclose(aperiodic_model(FREQS, true_off, true_exp)[:, 1:], psd[:, 1:], rtol=1e-12)
    np.testing.assert_allclose(periodic_ratio_db(FREQS, psd, true_off, true_exp), 0.0, atol=1e-9)
    np.testing.assert_allclose(periodic_ratio_db(FREQS, psd, offset, exponent), 0.0, atol=1e-4)
    # doubling the power of every bin of the band: +3.01 dB
    doubled = psd.copy()
    band = (FREQS >= 4) & (FREQS <= 30)
    doubled[:, band] *= 2.0
    np.testing.assert_allclose(
        periodic_ratio_db(FREQS, doubled, true_off, true_exp), 10 * np.log10(2.0), atol=1e-9
    )
    # a 10-Hz peak only: the ratio over the alpha band exceeds that over 4-30 Hz
    peaky = _with_peaks(FREQS, 1.0, 1.0, peaks=((10.0, 0.8, 1.5),))
    o, e = fit_aperiodic(FREQS, peaky)
    wide = periodic_ratio_db(FREQS, peaky, o, e)
    alpha = periodic_ratio_db(FREQS, peaky, o, e, band=(8.0, 12.0))
    assert alpha > wide > 1.0


def test_nan_where_too_few_usable_bins():
    psd = np.stack([_power_law(FREQS, 1.0, 1.0)] * 4)
    psd[1, :] = np.nan  # nothing usable
    psd[2, 5:] = 0.0  # only 2, 3, 4 Hz positive in 2-35 Hz: 3 bins
    psd[3, 10:20] = np.nan  # a gap, but plenty of bins left
    psd[3, 20:25] = -1.0
    offset, exponent = fit_aperiodic(FREQS, psd)
    assert np.isfinite(offset[[0, 3]]).all() and np.isnan(offset[[1, 2]]).all()
    assert np.isnan(exponent[[1, 2]]).all()
    np.testing.assert_allclose(exponent[[0, 3]], 1.0, atol=1e-6)
    ratio = periodic_ratio_db(FREQS, psd, offset, exponent)
    assert ratio[0] == pytest.approx(0.0, abs=1e-4) and np.isnan(ratio[1:3]).all()
    # a range with fewer than 4 bins: all NaN
    offset, exponent = fit_aperiodic(FREQS, psd, fmin=2.0, fmax=4.5)
    assert np.isnan(offset).all() and np.isnan(exponent).all()


def test_bad_arguments_are_named():
    psd = _power_law(FREQS, 1.0, 1.0)
    with pytest.raises(UsageError, match="psd must have shape"):
        fit_aperiodic(FREQS, psd[:-1])
    with pytest.raises(UsageError, match="freqs must be 1-D"):
        fit_aperiodic(FREQS[None], psd)
    with pytest.raises(UsageError, match="fmin and fmax"):
        fit_aperiodic(FREQS, psd, fmin=30.0, fmax=10.0)
    with pytest.raises(UsageError, match="strictly increasing"):
        fit_aperiodic(FREQS[::-1], psd)
    with pytest.raises(UsageError, match="band must"):
        periodic_ratio_db(FREQS, psd, np.array(1.0), np.array(1.0), band=(30.0, 4.0))
    with pytest.raises(UsageError, match="offset and exponent must have the same shape"):
        aperiodic_model(FREQS, np.zeros(2), np.zeros(3))


# ---------------------------------------------------------------- against fooof, real spectra


def _frames(path, t0=None, t1=None, drop=(), only=None):
    f = load_eeg_file(str(path))
    keep = [i for i, n in enumerate(f.ch_names) if not any(d in n for d in drop)]
    if only is not None:
        keep = [f.ch_names.index(n) for n in only]
    data = f.data[keep]
    if t0 is not None:
        data = data[:, int(t0 * f.sfreq) : int(t1 * f.sfreq)]
    frames = run_pipeline(data, f.sfreq, [f.ch_names[i] for i in keep], rail_uv=f.rail_uv)
    psd = np.array([fr.psd for fr in frames])  # (n_frames, n_channels, n_freqs)
    clean = np.array([[q == "ok" for q in fr.channel_quality] for fr in frames])
    return frames[0].freqs, psd, clean


@pytest.fixture(scope="module")
def real_spectra():
    """Clean-channel spectra of six recordings: 10-s means and single 2-s frames.

    Returns
    -------
    dict with "mean10s" and "single2s": lists of (freqs (n_freqs,), psd (n_freqs,)).
    """
    rng = np.random.default_rng(11)
    runs = [_frames(EEGMAT_EDF, 0.0, 12.0, drop=("A2-A1", "ECG"))]
    runs += [_frames(p, 0.0, 12.0, only=MMIDB_CHANNELS) for p in EEGMMIDB_EDF.values()]
    runs.append(_frames(OPENBCI_TXT, 30.0, 56.0))  # its clean eyes-closed alpha part
    out: dict[str, list] = {"mean10s": [], "single2s": []}
    for freqs, psd, clean in runs:
        for start in range(0, psd.shape[0] - 99, 100):  # 100 frames at 0.1-s hops: 10 s
            ok = np.flatnonzero(clean[start : start + 100].all(axis=0))
            for c in ok[np.linspace(0, ok.size - 1, min(8, ok.size)).astype(int)]:
                out["mean10s"].append((freqs, psd[start : start + 100, c].mean(axis=0)))
        fr, ch = np.nonzero(clean)
        for i in rng.choice(fr.size, 10, replace=False):
            out["single2s"].append((freqs, psd[fr[i], ch[i]]))
    return out


def _fooof_fixed(freqs, psd):
    fm = FOOOF(peak_width_limits=(2, 12), max_n_peaks=6, aperiodic_mode="fixed", verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fm.fit(freqs, psd, list(FIT_RANGE_HZ))
    return fm.aperiodic_params_  # offset, exponent


def _differences(pairs):
    ours = np.array([fit_aperiodic(f, p) for f, p in pairs])
    theirs = np.array([_fooof_fixed(f, p) for f, p in pairs])
    return np.abs(ours - theirs), ours, theirs


# (spectra, fewest, median and 90th-percentile bounds for exponent and offset, correlation):
# measured on 2031 10-s means: median 0.02, 90th percentile 0.06-0.09; on 1200 single 2-s
# spectra: median 0.06, 90th percentile 0.2 (fooof itself is jumpy there)
FOOOF_BOUNDS = {
    "mean10s": (50, 0.05, 0.15, 0.05, 0.15, 0.95),
    "single2s": (1, 0.12, 0.35, 0.12, 0.4, 0.85),
}


@pytest.mark.parametrize("kind", list(FOOOF_BOUNDS))
def test_agrees_with_fooof_on_real_spectra(real_spectra, kind):
    fewest, med_exp, p90_exp, med_off, p90_off, r_min = FOOOF_BOUNDS[kind]
    pairs = real_spectra[kind]
    assert len(pairs) >= fewest
    diff, ours, theirs = _differences(pairs)
    d_off, d_exp = diff.T
    assert np.median(d_exp) < med_exp and np.percentile(d_exp, 90) < p90_exp
    assert np.median(d_off) < med_off and np.percentile(d_off, 90) < p90_off
    assert np.corrcoef(ours[:, 1], theirs[:, 1])[0, 1] > r_min


def test_compiled_fit_equals_the_numpy_reference(real_spectra):
    """The package's numba kernel and the vectorised NumPy version of the same steps agree on
    real spectra (2-s frames and 10-s means) and on noisy synthetic ones with peaks."""
    from reference.aperiodic import fit_rows

    rng = np.random.default_rng(5)
    f = np.arange(0.0, 126.0)
    law = 10 ** (1.5 - 1.2 * np.log10(np.maximum(f, 0.5)))
    peaks = 1 + 4 * np.exp(-0.5 * ((f - 10) / 1.5) ** 2) + 2 * np.exp(-0.5 * ((f - 20) / 2) ** 2)
    synth = law * peaks * rng.gamma(3.0, 1 / 3.0, (200, f.size))
    cases = [(f, synth)]
    for key in ("mean10s", "single2s"):
        by_rate: dict[int, list] = {}
        for freqs, psd in real_spectra[key]:  # recordings at 160, 250 and 500 Hz
            by_rate.setdefault(freqs.size, [freqs, []])[1].append(psd)
        cases += [(freqs, np.array(rows)) for freqs, rows in by_rate.values()]
    for freqs, psd in cases:
        o1, e1 = fit_aperiodic(freqs, psd)
        sel = (freqs >= FIT_RANGE_HZ[0]) & (freqs <= FIT_RANGE_HZ[1])
        o2, e2 = fit_rows(np.log(freqs[sel]), psd[:, sel])
        np.testing.assert_allclose(o1, o2, atol=1e-6, rtol=0)
        np.testing.assert_allclose(e1, e2, atol=1e-6, rtol=0)
