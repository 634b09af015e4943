"""The high-pass's ring-down after an eye artifact (``filters.slowest_decay_s``,
``eyes.ringdown_s``) and the frames it keeps as eye frames.

A blink passes the pipeline's causal 1-Hz high-pass and leaves it ringing in the other direction
for about a second. The blink check does not flag that (it requires the raw deflection, which
is gone with the blink), and on real heads those frames raised the meditation score
(tests/test_blink_reward.py measures it); so frames within ``ringdown_s`` of an eye-artifact
frame count as eye frames."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import sosfilt

from neurofeedback.pipeline.eyes import ringdown_s
from neurofeedback.pipeline.filters import FilterChain, design_sos, slowest_decay_s


@pytest.mark.parametrize("order", [1, 2, 4])
@pytest.mark.parametrize("sfreq", [160.0, 250.0, 1000.0])
def test_slowest_decay_is_the_butterworth_pole(order, sfreq):
    # analog Butterworth of order N at fc: slowest pole's real part 2 pi fc sin(pi / 2N); the
    # bilinear transform keeps it to well under 1 % this far below Nyquist
    expected = 1.0 / (2 * math.pi * 1.0 * math.sin(math.pi / (2 * order)))
    tau = slowest_decay_s(design_sos(sfreq, "highpass", 1.0, order), sfreq)
    assert tau == pytest.approx(expected, rel=5e-3)


def test_slowest_decay_edge_cases():
    assert slowest_decay_s(np.array([[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]]), 250.0) == 0.0  # FIR
    assert slowest_decay_s(np.array([[1.0, 0.0, 0.0, 1.0, -1.0, 0.0]]), 250.0) == math.inf
    # the chain's value is its high-pass's (the notch and low-pass ring at other frequencies)
    chain = FilterChain(250.0, 2, 1.0, 45.0, 50.0, order=4)
    assert chain.ringdown_tau_s == slowest_decay_s(design_sos(250.0, "highpass", 1.0, 4), 250.0)


def test_ringdown_duration():
    tau = 0.42
    assert ringdown_s(600.0, tau, 60.0) == pytest.approx(tau * math.log(10.0))
    assert ringdown_s(60.0, tau, 60.0) == 0.0  # at the level: nothing to wait for
    assert ringdown_s(20.0, tau, 60.0) == 0.0
    assert ringdown_s(math.nan, tau, 60.0) == 0.0


@pytest.mark.parametrize("level", [30.0, 60.0])
@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("amp", [100.0, 200.0, 600.0, 1200.0])
@pytest.mark.parametrize("dur_s", [0.2, 0.3, 0.5])
def test_the_filter_rings_no_longer_than_ringdown_s(level, order, amp, dur_s):
    # a blink-shaped pulse (Hann, amp uV peak) through the pipeline's high-pass: after the
    # pulse has ended, the output stays under the level from ringdown_s on (measured: under
    # 60 uV 0-0.74 s after a 600-uV pulse at order 4, against 0.96 s)
    sf = 250.0
    sos = design_sos(sf, "highpass", 1.0, order)
    n0, m = int(1 * sf), int(dur_s * sf)
    x = np.zeros(int(10 * sf))
    x[n0:n0 + m] = amp * np.hanning(m)
    y = sosfilt(sos, x)
    wait = ringdown_s(amp, slowest_decay_s(sos, sf), level)
    after = y[n0 + m + int(math.ceil(wait * sf)):]
    assert np.abs(after).max() <= level
