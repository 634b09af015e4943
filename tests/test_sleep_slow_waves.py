"""Sleep slow waves on a frontal derivation are not blinks; blinks of an awake person still are.

A sleep lab's montage (Fpz-Cz beside Pz-Oz, 100 Hz) has one electrode per region, so a blink on
Fpz-Cz gates the frame. Deep sleep puts large slow waves on the same derivation, largest over
the forehead (AASM: >= 75 uV, 0.5-2 Hz, frontal maximum), and they pass the blink check. The
recording here is made to those facts (``tests/_sleep.py``; no real polysomnogram is in the
project's data, see docs/quality.md).
"""

from __future__ import annotations

import numpy as np
import pytest
from _sleep import FS, NAMES, night

from neurofeedback.pipeline.pipeline import run_pipeline

WAKE_S, SLEEP_S = 120.0, 240.0


@pytest.fixture(scope="module")
def frames_and_blinks():
    data, blink_at = night(WAKE_S, SLEEP_S)
    return run_pipeline(data, FS, NAMES), blink_at


def _has_blink(frame) -> bool:
    return dict(zip(("Fpz-Cz", "Pz-Oz"), frame.channel_quality, strict=True))["Fpz-Cz"] == "blink"


def test_blinks_of_the_awake_part_still_gate_their_frames(frames_and_blinks):
    frames, blink_at = frames_and_blinks
    # frames whose 2-s window holds a whole blink, well after the start
    inside = [f for f in frames if 20.0 <= f.time_s <= WAKE_S
              and any(f.time_s - 2.0 <= b and b + 0.3 <= f.time_s for b in blink_at)]
    assert len(inside) > 300
    flagged = [f for f in inside if _has_blink(f)]
    assert len(flagged) >= 0.9 * len(inside)
    # every flagged one gates (one frontal electrode), with the blink named as the reason
    assert all(f.artifact and "blink:Fpz-Cz" in f.artifact_reasons for f in flagged)
    assert all(f.meditation_score == 0.0 for f in flagged)


def test_deep_sleep_slow_waves_do_not_gate_frames(frames_and_blinks):
    frames, _ = frames_and_blinks
    deep = [f for f in frames if f.time_s >= WAKE_S + 60.0]
    assert np.median([f.drowsiness for f in deep]) >= 0.7  # it is read as sleep
    # the blink check does fire on the slow waves...
    fired = [f for f in deep if _has_blink(f)]
    assert len(fired) >= 0.1 * len(deep)
    # ...but asleep, those frames are not artifacts: Fpz-Cz is only left out of them. A frame
    # that something else gates as well (a common-mode slow wave) stays gated, and says why
    assert not any(f.artifact for f in fired if "common-mode:all" not in f.artifact_reasons)
    assert all(f.artifact_reasons == ("blink:Fpz-Cz", "common-mode:all")
               for f in fired if f.artifact)
    assert sum(f.artifact for f in fired) <= 0.01 * len(fired)
    assert all("Fpz-Cz" in f.bad_channels for f in fired)
    assert np.mean([f.artifact for f in deep]) <= 0.05
    # and no feedback is given while asleep
    assert max(f.meditation_score for f in deep) == 0.0
    assert max(f.integration_score for f in deep) == 0.0
