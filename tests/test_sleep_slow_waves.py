"""Sleep slow waves on a frontal derivation are not blinks; blinks of an awake person still are.

A sleep lab's montage (Fpz-Cz beside Pz-Oz, 100 Hz) has one electrode per region, so a blink on
Fpz-Cz gates the frame. Deep sleep puts large slow waves on the same derivation, largest over
the forehead (AASM: >= 75 uV, 0.5-2 Hz, frontal maximum), and they pass the blink check. The
recording here is made to those facts: an awake first part with posterior alpha and blinks on
Fpz-Cz, then deep sleep with a steep background spectrum and 0.5-2 Hz waves 2.5 times larger on
Fpz-Cz than on Pz-Oz (no real polysomnogram is in the project's data; see docs/quality.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from neurofeedback.pipeline.pipeline import run_pipeline

FS = 100.0
WAKE_S, SLEEP_S = 120.0, 240.0
BLINK_EVERY_S = 4.0


def _coloured(n: int, exponent: float, rms: float, rng: np.random.Generator) -> np.ndarray:
    """Noise whose power falls as 1/f**exponent above 0.5 Hz, ``rms`` uV."""
    f = np.fft.rfftfreq(n, 1.0 / FS)
    spec = rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)
    spec *= np.where(f >= 0.5, np.maximum(f, 0.5) ** (-exponent / 2.0), 0.0)
    x = np.fft.irfft(spec, n)
    return x / x.std() * rms


def _band(n: int, lo: float, hi: float, rms: float, rng: np.random.Generator) -> np.ndarray:
    f = np.fft.rfftfreq(n, 1.0 / FS)
    spec = (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)) * ((f >= lo) & (f <= hi))
    x = np.fft.irfft(spec, n)
    return x / x.std() * rms


@pytest.fixture(scope="module")
def night():
    rng = np.random.default_rng(11)
    nw, ns = int(WAKE_S * FS), int(SLEEP_S * FS)
    front = np.r_[_coloured(nw, 1.0, 8.0, rng), _coloured(ns, 2.8, 12.0, rng)]
    back = np.r_[_coloured(nw, 1.0, 8.0, rng), _coloured(ns, 2.8, 10.0, rng)]
    t = np.arange(nw) / FS
    back[:nw] += 20.0 * np.sin(2 * np.pi * 10.0 * t)  # relaxed wakefulness: posterior alpha
    front[:nw] += _band(nw, 15.0, 30.0, 3.0, rng)
    blink_at = np.arange(3.0, WAKE_S - 1.0, BLINK_EVERY_S)
    k = int(0.3 * FS)
    shape = 150.0 * np.sin(np.pi * np.arange(k) / k) ** 2
    for b in blink_at:  # 150-uV, 300-ms blinks on the frontal derivation only
        i = int(b * FS)
        front[i : i + k] += shape
    front[nw:] += _band(ns, 0.5, 2.0, 45.0, rng)  # deep sleep: frontal-dominant slow waves
    back[nw:] += _band(ns, 0.5, 2.0, 18.0, rng)
    frames = run_pipeline(np.array([front, back]), FS, ["Fpz-Cz", "Pz-Oz"])
    return frames, blink_at


def _has_blink(frame) -> bool:
    return dict(zip(("Fpz-Cz", "Pz-Oz"), frame.channel_quality, strict=True))["Fpz-Cz"] == "blink"


def test_blinks_of_the_awake_part_still_gate_their_frames(night):
    frames, blink_at = night
    # frames whose 2-s window holds a whole blink, well after the start
    inside = [f for f in frames if 20.0 <= f.time_s <= WAKE_S
              and any(f.time_s - 2.0 <= b and b + 0.3 <= f.time_s for b in blink_at)]
    assert len(inside) > 300
    flagged = [f for f in inside if _has_blink(f)]
    assert len(flagged) >= 0.9 * len(inside)
    # every flagged one gates (one frontal electrode), with the blink named as the reason
    assert all(f.artifact and "blink:Fpz-Cz" in f.artifact_reasons for f in flagged)
    assert all(f.meditation_score == 0.0 for f in flagged)


def test_deep_sleep_slow_waves_do_not_gate_frames(night):
    frames, _ = night
    deep = [f for f in frames if f.time_s >= WAKE_S + 60.0]
    assert np.median([f.drowsiness for f in deep]) >= 0.7  # it is read as sleep
    # the blink check does fire on the slow waves...
    fired = [f for f in deep if _has_blink(f)]
    assert len(fired) >= 0.1 * len(deep)
    # ...but asleep, those frames are not artifacts: Fpz-Cz is only left out of them
    assert not any(f.artifact for f in fired)
    assert all("Fpz-Cz" in f.bad_channels for f in fired)
    assert np.mean([f.artifact for f in deep]) <= 0.05
    # and no feedback is given while asleep
    assert max(f.meditation_score for f in deep) == 0.0
    assert max(f.integration_score for f in deep) == 0.0
