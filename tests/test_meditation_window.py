"""The meditation score's spectral span (``meditation_segments``): the recent-segment spectrum
is the spectrum of the window's last part, live equals offline bit for bit, the default is
untouched, and a shorter span follows a simulated energy step sooner."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from test_pipeline_batch import NAMES, RAIL, SF, _artifact_eeg, _same_frames

from neurofeedback.errors import UsageError
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.latency import response_time_s
from neurofeedback.pipeline.pipeline import Pipeline
from neurofeedback.pipeline.spectra import SegmentCache, WelchPSD
from neurofeedback.simulate.steps import StepResult, measure_recording


@pytest.mark.parametrize("last", [1, 2])
def test_last_segments_are_the_spectrum_of_the_windows_last_part(last: int) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 3000))
    welch = WelchPSD(SF, 500)  # 2 s of 1-s segments, 0.5-s steps: 3 segments
    starts = np.arange(0, 2400, 25)
    n_tail = 250 + 125 * (last - 1)
    tail = WelchPSD(SF, n_tail)
    want = np.stack([tail(x[:, s + 500 - n_tail : s + 500]) for s in starts])
    np.testing.assert_allclose(welch.batch(x, starts, last=last), want, rtol=1e-12)
    # through the segment cache, one frame at a time (a live stream): the same numbers
    cache = SegmentCache()
    live = np.concatenate([welch.batch(x, starts[i : i + 1], cache, 0, last=last)
                           for i in range(starts.size)])
    np.testing.assert_allclose(live, want, rtol=1e-12)
    assert np.array_equal(welch.batch(x, starts, last=0), welch.batch(x, starts))
    assert np.array_equal(welch.batch(x, starts, last=3), welch.batch(x, starts))


def test_bad_last_names_the_range() -> None:
    with pytest.raises(ValueError, match="last must be an integer from 0 to 3; got 4"):
        WelchPSD(SF, 500).batch(np.zeros((1, 600)), np.array([0]), last=4)


def _config(k: int) -> PipelineConfig:
    return PipelineConfig(baseline=(0.0, 6.0), notch=50, meditation_segments=k)


def test_live_equals_offline_and_only_the_meditation_score_moves() -> None:
    # blinks (spectra recomputed after the eye fix), EMG, a railed and a loose channel
    x = _artifact_eeg(20.0)
    offline = Pipeline(SF, NAMES, _config(1), RAIL).push(x)
    live = Pipeline(SF, NAMES, _config(1), RAIL)
    streamed = [f for s in range(0, x.shape[1], 7) for f in live.push(x[:, s : s + 7])]
    _same_frames(offline, streamed)
    default = Pipeline(SF, NAMES, _config(0), RAIL).push(x)
    a = np.array([f.meditation_score for f in offline])
    b = np.array([f.meditation_score for f in default])
    assert np.any(a != b)
    for name in ("energy", "integration_score", "phase", "spatial_low_share"):
        assert [getattr(f, name) for f in offline] == pytest.approx(
            [getattr(f, name) for f in default], nan_ok=True), name
    # all of the window's segments is the default, bit for bit
    _same_frames(default, Pipeline(SF, NAMES, _config(3), RAIL).push(x))


@pytest.mark.parametrize(("value", "needle"), [
    (-1, "meditation_segments must be an integer >= 0"), (1.5, "got 1.5"), (True, "got True"),
])
def test_config_rejects_bad_values(value: object, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        PipelineConfig(meditation_segments=value)  # type: ignore[arg-type]


def test_more_segments_than_the_window_holds_is_refused() -> None:
    with pytest.raises(UsageError, match="at most the 3 Welch segments of the 2-s window; got 4"):
        Pipeline(SF, NAMES, _config(4), RAIL)


def test_configured_response_time_follows_the_span() -> None:
    # energy over the last 1 s (k=1) and low-mode share over 2 s: (d/1 + d/2)/2 = 1/2 at
    # d = 2/3 s, plus half a hop
    assert response_time_s(_config(1))["meditation"] == pytest.approx(2 / 3 + 0.05, abs=2e-3)
    assert response_time_s(_config(3)) == response_time_s(_config(0))


def test_one_segment_follows_a_simulated_energy_step_sooner() -> None:
    # the simulator steps oscillatory power by +6 dB at known samples (4 steps, 2 seeds)
    lat = {}
    for k in (0, 1):
        res = StepResult("energy", "meditation_score")
        cfg = replace(PipelineConfig(), meditation_segments=k)
        for seed in (0, 1):
            measure_recording("energy", seed, cfg, result=res)
        lat[k] = res.summary()["latency_median_s"]
    assert lat[1] <= lat[0] - 0.15


def test_protocol_response_sets_the_span_live_and_offline(tmp_path):
    # [feedback] response = "fast" reaches the live pipeline and, through session.json, the
    # settings an offline analysis of the recording uses
    from neurofeedback.io import load_eeg_file
    from neurofeedback.offline import session_config
    from neurofeedback.protocols import load_protocol, protocol_from_dict, validate_protocol
    from neurofeedback.session import Session
    from neurofeedback.sources.simulated import SimulatedSource

    base = load_protocol("quick-demo").to_dict()
    base.pop("path")
    for response, k, pool in (("steady", 0, 1.0), ("balanced", 2, 0.8), ("fast", 1, 0.5)):
        d = dict(base, feedback={"mapping": "visual", "response": response})
        proto = validate_protocol(d, "test")
        assert proto.pipeline_settings()["meditation_segments"] == k
        assert proto.pipeline_settings()["integration_pool_s"] == pool
        assert protocol_from_dict(proto.to_dict()).response == response
    fast = validate_protocol(dict(base, feedback={"response": "fast"}), "test")
    session = Session(SimulatedSource("annealing-cycle", seed=1, speed=50.0), protocol=fast,
                      record_dir=tmp_path, duration_s=3.0)
    assert session.pipeline.cfg.meditation_segments == 1
    assert session.pipeline.cfg.integration_pool_s == 0.5
    session.start()
    assert session.wait(timeout=60)
    session.stop()
    loaded = load_eeg_file(str(session.recording_path))
    cfg = session_config(loaded, loaded.meta)
    assert (cfg.meditation_segments, cfg.integration_pool_s) == (1, 0.5)
    from neurofeedback.report import write_report

    text = write_report(session.recording_path, tmp_path / "r.html").read_text()
    r = response_time_s(cfg)
    assert f"protocol response fast: meditation {r['meditation']:.1f} s" in text
    # the default protocol response is the pipeline's defaults
    steady = validate_protocol(base, "test")
    assert PipelineConfig(**steady.pipeline_settings()) == replace(
        PipelineConfig(), integration_band=steady.integration_band)


def test_protocol_response_is_validated():
    from neurofeedback.errors import ProtocolError
    from neurofeedback.protocols import load_protocol, validate_protocol

    d = load_protocol("quick-demo").to_dict()
    d.pop("path")
    with pytest.raises(ProtocolError, match='feedback.response.*"steady", "balanced", "fast".*quick'):
        validate_protocol(dict(d, feedback={"response": "quick"}), "test")
