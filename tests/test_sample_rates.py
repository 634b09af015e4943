"""Low sample rates: 100- and 128-Hz recordings analyse fully; bands a rate cannot carry are
adapted and stated (the pipeline's own) or refused in one line (the ones a user asks for)."""

from __future__ import annotations

import logging
from pathlib import Path

import mne
import numpy as np
import pytest
from _data import EEGMAT_EDF, OPENBCI_TXT

from neurofeedback.cli import main
from neurofeedback.errors import UsageError
from neurofeedback.io import load_eeg_file
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.features import BANDS
from neurofeedback.pipeline.pipeline import Pipeline
from neurofeedback.pipeline.quality import HIGH_BAND_HZ
from neurofeedback.pipeline.rates import max_hz, plan_for_rate

_SECONDS = 60.0  # of the EEGMAT resting recording (500 Hz, 19 channels)
_CONFIG = dict(baseline=(0.0, 20.0))
_ALPHA = list(BANDS).index("alpha")
_GAMMA = list(BANDS).index("gamma")
_BETA = list(BANDS).index("beta")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def edfs(tmp_path_factory) -> dict[float, Path]:
    """The first minute of the EEGMAT recording as EDF files at 500 (original), 128, 100 and
    50 Hz (MNE's resampling, which low-passes at the new Nyquist)."""
    out = tmp_path_factory.mktemp("rates")
    raw = mne.io.read_raw_edf(EEGMAT_EDF, preload=True, verbose="error")
    raw.crop(0.0, _SECONDS, include_tmax=False)
    paths = {500.0: Path(EEGMAT_EDF)}
    for rate in (128.0, 100.0, 50.0):
        path = out / f"eegmat_{rate:g}.edf"
        mne.export.export_raw(path, raw.copy().resample(rate, verbose="error"), fmt="edf",
                              verbose="error")
        paths[rate] = path
    return paths


def _analyse(path: Path) -> tuple[Pipeline, list]:
    loaded = load_eeg_file(path)
    n = int(round(_SECONDS * loaded.sfreq))
    pipe = Pipeline(loaded.sfreq, list(loaded.ch_names), PipelineConfig(**_CONFIG), loaded.rail_uv)
    return pipe, pipe.push(loaded.data[:, :n])


@pytest.fixture(scope="module")
def analysed(edfs) -> dict[float, tuple[Pipeline, list]]:
    return {rate: _analyse(path) for rate, path in edfs.items()}


@pytest.mark.parametrize("rate", [128.0, 100.0])
def test_100_and_128_hz_analyse_like_the_original(analysed, rate):
    ref_pipe, ref = analysed[500.0]
    pipe, frames = analysed[rate]
    assert pipe.sfreq == rate
    assert len(frames) == len(ref)  # one frame per 0.1 s whatever the rate
    alpha = np.median([f.band_power[:, _ALPHA] for f in frames])
    alpha_ref = np.median([f.band_power[:, _ALPHA] for f in ref])
    assert abs(alpha - alpha_ref) < 1.0, (alpha, alpha_ref)
    # gamma 30-45 Hz is carried (45 <= 0.45 x 100): finite, and close to the original's
    gamma = np.median([f.band_power[:, _GAMMA] for f in frames])
    gamma_ref = np.median([f.band_power[:, _GAMMA] for f in ref])
    assert np.isfinite(gamma) and abs(gamma - gamma_ref) < 1.5, (gamma, gamma_ref)
    share = np.mean([f.artifact for f in frames])
    share_ref = np.mean([f.artifact for f in ref])
    assert abs(share - share_ref) <= 0.03, (share, share_ref)
    assert pipe.cfg.lowpass_hz == 45.0


def test_artifact_share_at_100_and_128_hz():
    """The OpenBCI sample (250 Hz: blinks, jaw clenches; 48 % artifact frames) resampled: the
    same share within 6 points (measured +2.6 at 128 Hz, +5.3 at 100 Hz; the extra frames sit
    at the edges of the clench bursts the 250-Hz analysis flags too)."""
    loaded = load_eeg_file(OPENBCI_TXT)
    shares = {}
    for rate in (loaded.sfreq, 128.0, 100.0):
        data = loaded.data if rate == loaded.sfreq else mne.filter.resample(
            loaded.data, up=rate, down=loaded.sfreq, verbose="error")
        pipe = Pipeline(rate, list(loaded.ch_names), PipelineConfig(**_CONFIG), loaded.rail_uv)
        shares[rate] = np.mean([f.artifact for f in pipe.push(data)])
    assert 0.4 < shares[loaded.sfreq] < 0.55, shares
    assert abs(shares[128.0] - shares[loaded.sfreq]) <= 0.04, shares
    assert abs(shares[100.0] - shares[loaded.sfreq]) <= 0.06, shares


def test_what_100_and_128_hz_state(analysed):
    # 128 Hz: both mains frequencies can be notched, nothing adapted
    assert analysed[128.0][0].rate_notes == ()
    # 100 Hz: 50-Hz mains sits at Nyquist, 60 Hz above it: no notch, and that is stated
    notes = analysed[100.0][0].rate_notes
    assert len(notes) == 1 and notes[0].startswith("no mains notch possible at 50 and 60 Hz")
    assert analysed[100.0][0].mains_hz is None


def test_50_hz_adapts_the_fixed_bands_and_says_so(edfs, caplog):
    with caplog.at_level(logging.WARNING, logger="neurofeedback.pipeline.rates"):
        pipe, frames = _analyse(edfs[50.0])
    warnings = [r for r in caplog.records if r.name == "neurofeedback.pipeline.rates"]
    assert len(warnings) == 1  # once, however many frames
    text = warnings[0].getMessage()
    for needle in ("low-pass 45 Hz lowered to 22.5 Hz", "gamma band 30-45 Hz left empty",
                   "beta band 13-30 Hz clipped to 13-22.5 Hz", "20-45 Hz clipped to 20-22.5 Hz"):
        assert needle in text and any(needle in n for n in pipe.rate_notes), needle
    assert pipe.cfg.lowpass_hz == 22.5
    assert pipe.quality.top_hz == 22.5
    bp = np.array([f.band_power for f in frames])
    assert not np.isfinite(bp[..., _GAMMA]).any()  # nothing of 30-45 Hz at 50 Hz
    assert np.isfinite(bp[..., _BETA]).all()
    # alpha (8-13 Hz) is well inside what 50 Hz carries: still within 1 dB of the original
    ref = np.median([f.band_power[:, _ALPHA] for f in _analyse(edfs[500.0])[1]])
    assert abs(np.median(bp[..., _ALPHA]) - ref) < 1.0


def test_analyze_prints_the_adaptation(edfs, tmp_path, capsys):
    assert main(["analyze", "--baseline", "20", "--out", str(tmp_path / "a"), str(edfs[50.0])]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("  adapted to the sample rate: low-pass 45 Hz lowered to 22.5 Hz")
    assert "gamma band 30-45 Hz left empty" in out[1]


def test_plan_at_carried_rates_keeps_the_config():
    cfg = PipelineConfig()
    for rate in (100.0, 125.0, 128.0, 250.0):
        plan = plan_for_rate(rate, cfg, HIGH_BAND_HZ)
        assert plan.config is cfg and plan.bands == BANDS and plan.emg_band == HIGH_BAND_HZ
    assert max_hz(100.0) == 45.0 and max_hz(128.0) == pytest.approx(57.6)
    plan = plan_for_rate(64.0, cfg, HIGH_BAND_HZ)
    assert plan.bands["beta"] == (13.0, pytest.approx(28.8)) and plan.bands["gamma"] == (30.0, 30.0)
    assert plan.config.lowpass_hz == pytest.approx(28.8) and plan.config is not cfg


@pytest.mark.parametrize(("rate", "config", "needles"), [
    (64.0, dict(integration_band=(20.0, 30.0)), ("integration_band (20, 30) Hz", "64 Hz", "28.8")),
    (100.0, dict(integration_band=(40.0, 48.0)), ("integration_band", "at most 45 Hz", "106.7")),
    (100.0, dict(highpass_hz=46.0, lowpass_hz=48.0), ("highpass_hz 46 Hz", "below 45 Hz")),
    (40.0, {}, ("sample rate 40 Hz is too low", "at least 50 Hz")),
])
def test_requested_bands_the_rate_cannot_carry_are_refused(rate, config, needles):
    with pytest.raises(UsageError) as exc:
        Pipeline(rate, ["O1", "O2"], PipelineConfig(**config))
    msg = str(exc.value)
    assert "\n" not in msg
    for needle in needles:
        assert needle in msg, msg


def test_protocol_asking_45_hz_at_50_hz_fails_in_one_line(edfs, tmp_path, capsys):
    text = (REPO / "protocols" / "quick-demo.toml").read_text()
    assert "integration_band = [4.0, 8.0]" in text
    proto = tmp_path / "gamma.toml"
    proto.write_text(text.replace("integration_band = [4.0, 8.0]", "integration_band = [40.0, 45.0]"))
    rc = main(["replay", "--speed", "0", "--no-record", "--headless", "--protocol", str(proto),
               str(edfs[50.0])])
    err = capsys.readouterr().err
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err
    for needle in ("integration_band (40, 45) Hz", "50 Hz sampling", "at most 22.5 Hz", "100 Hz"):
        assert needle in lines[0], lines[0]
