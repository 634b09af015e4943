"""The response-latency harness (neurofeedback.simulate.steps) recovers known delays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurofeedback.errors import UsageError
from neurofeedback.simulate.scenarios import Schedule
from neurofeedback.simulate.steps import halfway_latency, step_scenario, step_times


@pytest.mark.parametrize("length_s", [0.5, 1.0, 2.0, 4.0])
@pytest.mark.parametrize("up", [True, False])
def test_moving_average_halfway_is_half_its_length(length_s: float, up: bool) -> None:
    # a causal moving average of a step reaches half-way after half its length
    hop = 0.01
    t = np.arange(0.0, 20.0, hop)
    t0 = 10.0
    x = np.where(t >= t0, 3.0, 1.0) if up else np.where(t >= t0, 1.0, 3.0)
    k = int(round(length_s / hop))
    c = np.convolve(x, np.ones(k) / k)[: t.size]
    c[: k - 1] = x[0]
    old, new = (1.0, 3.0) if up else (3.0, 1.0)
    lat = halfway_latency(t, c, t0, old, new)
    assert lat == pytest.approx(length_s / 2, abs=hop)


def test_exponential_halfway_is_tau_ln2() -> None:
    hop = 0.001
    t = np.arange(0.0, 10.0, hop)
    tau = 1.5
    y = np.where(t >= 2.0, 1.0 - np.exp(-(t - 2.0) / tau), 0.0)
    assert halfway_latency(t, y, 2.0, 0.0, 1.0) == pytest.approx(tau * math.log(2), abs=2 * hop)


def test_never_reached_is_nan_and_limited_by_t_end() -> None:
    t = np.arange(0.0, 10.0, 0.1)
    y = np.where(t >= 8.0, 1.0, 0.0)
    assert math.isnan(halfway_latency(t, y, 1.0, 0.0, 1.0, t_end=5.0))
    assert halfway_latency(t, y, 1.0, 0.0, 1.0) == pytest.approx(7.0)


def test_step_scenario_steps_at_the_stated_times() -> None:
    scen = step_scenario("synchrony", n_steps=4, hold_s=20.0)
    sched = Schedule(scen, 65.0 + 5 * 20.0)
    for i, ts in enumerate(step_times(4, 20.0)):
        before = sched.params(np.array([ts - 0.01]))["synchrony"][0]
        after = sched.params(np.array([ts + 0.01]))["synchrony"][0]
        lo, hi = (before, after) if i % 2 == 0 else (after, before)
        assert (lo, hi) == pytest.approx((0.35, 0.85))
    d = step_scenario("drowsiness", 2, 10.0)
    sched = Schedule(d, 65.0 + 3 * 10.0)
    assert sched.params(np.array([80.0]))["drowsiness"][0] == pytest.approx(0.8)
    assert sched.params(np.array([70.0]))["drowsiness"][0] == 0.0


def test_unknown_kind_names_the_choices() -> None:
    with pytest.raises(UsageError, match="kind"):
        step_scenario("temperature")


@pytest.mark.parametrize("name", ["integration_pool_s", "integration_smooth_s"])
@pytest.mark.parametrize("bad", [-1.0, float("nan"), "x"])
def test_feedback_window_config_is_validated(name: str, bad: object) -> None:
    from neurofeedback.pipeline.config import PipelineConfig

    with pytest.raises(UsageError, match=f"{name} must be a number of seconds >= 0; got"):
        PipelineConfig(**{name: bad})


def test_real_jitter_table_on_a_real_recording(shared_data, capsys):
    # eyes-closed EEGMMIDB run: every response choice gives a finite jitter for both scores,
    # over the same clean frame pairs after the 20-s baseline
    from neurofeedback.protocols.schema import RESPONSES
    from neurofeedback.simulate.steps import main, real_jitter

    path = str(shared_data / "eegmmidb" / "S002R02.edf")
    got = {n: real_jitter(path, s) for n, s in RESPONSES.items()}
    assert len({g["pairs"] for g in got.values()}) == 1 and got["steady"]["pairs"] > 300
    assert all(math.isfinite(g[k]) and 0 < g[k] < 0.5 for g in got.values()
               for k in ("meditation", "integration"))
    assert main(["--real", str(shared_data / "no-such.edf")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "no-such.edf" in err[0]
