"""A blink handled without gating must not raise the feedback (never reward an artifact),
checked causally on real heads with :mod:`neurofeedback.simulate.reshaped`: a real blink (the
mean of EEGMMIDB subject 3's eyes-open blinks, all 64 channels) is added every 4 s to other
recordings, and each frame's scores are compared with the same frame of the untouched
recording: same brain, only the blink differs.

Before the meditation and alpha-theta scores were withheld in frames with eye artifacts
(``eye_artifact``), the blink raised the meditation score in 62-84 % of its frames (median
+0.02 to +0.14) and the alpha-theta share in 65-78 % (docs/quality.md).

The frames just after a blink hold the high-pass's ring-down, which the blink check does not
flag. Before they counted as eye frames (``eyes.ringdown_s``), the meditation score rose in 26-58 %
of the frames whose window holds the 1.5 s after a blink but not the blink (mean change +0.002
to +0.086; on S004R01 a median +0.25 to +0.38 in the first 0.5 s after the last eye frame), and
in 89 % of them on the 8-channel OpenBCI sample."""

from __future__ import annotations

import pytest
from _data import EEGMMIDB_EDF, OPENBCI_TXT

from neurofeedback.simulate import reshaped


@pytest.fixture(scope="module")
def blink():
    tmpl, names, sf = reshaped.blink_template(str(EEGMMIDB_EDF[(3, 1)]))
    assert tmpl[names.index("Fp1")].max() > 400 > 50 > tmpl[names.index("Oz")].max()
    return tmpl, names, sf


@pytest.mark.parametrize("key", [(2, 2), (4, 2), (2, 1), (4, 1)])
def test_an_added_blink_raises_no_score(blink, key):
    tmpl, names, _ = blink
    e = reshaped.blink_effect(tmpl, names, str(EEGMMIDB_EDF[key]))
    assert e["frames"] > 200 and e["gated_pct"] < 5  # over 64 channels a blink is not gated
    assert e["eye_seen_pct"] > 50  # the blink check saw it
    # measured: raised in 4-5 % of the frames (those whose window holds only the blink's edge,
    # which the eye check does not flag), median change <= 0
    for score in ("meditation", "alpha_theta", "integration"):
        assert e[f"{score}_diff"] <= 0.0, (score, e)
        assert e[f"{score}_up_pct"] <= (15 if score != "integration" else 50), (score, e)
    assert abs(e["away_diff"]) < 0.01  # frames without the blink score as before
    # ...and those holding its ring-down gain nothing: measured mean change -0.076 to -0.258,
    # raised in 1-18 % of them (before: +0.002 to +0.086, 26-58 %)
    assert e["after_diff"] <= 0.0 and e["after_up_pct"] <= 30, e


def test_a_sparse_montage_gains_nothing_from_the_ring_down(blink):
    # The 8-channel OpenBCI sample, the blink's rows of its own channels (resampled to 250 Hz)
    # added from 42 s on in its eyes-closed stretch: most blink frames are gated, and the frames
    # after them hold the ring-down. Measured: mean change -0.122, raised in 31 % (before the
    # ring-down counted: +0.130, 89 %; at a 60-uV level: -0.041, 56 %).
    tmpl, names, sf = blink
    e = reshaped.blink_effect(tmpl, names, str(OPENBCI_TXT), start_s=42.0, baseline=(30.0, 40.0),
                              sfreq=sf)
    assert e["gated_pct"] > 80  # Fp1 and Fp2 are the frontal region: a blink gates
    assert e["after_diff"] < 0.0 and e["after_up_pct"] <= 45, e
