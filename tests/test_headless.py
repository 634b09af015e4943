"""The headless status line's per-channel quality letters follow the pipeline's reason vocabulary."""

from neurofeedback.headless import QUALITY_CODES, format_status
from neurofeedback.pipeline.quality import REASONS
from neurofeedback.session import SessionStats


def test_every_reason_has_its_own_letter():
    assert set(QUALITY_CODES) == set(REASONS)
    assert len(set(QUALITY_CODES.values())) == len(REASONS), "two reasons share a letter"
    # the legend documented in docs/cli.md
    assert QUALITY_CODES == {"ok": ".", "railed": "R", "flat": "F", "line": "L",
                             "amplitude": "A", "emg": "E", "blink": "B", "gaze": "G"}


def test_status_line_spells_channel_quality():
    stats = SessionStats(elapsed_s=2.0, n_samples=500, dropped=3, status="ok",
                         channel_quality=("ok", "blink", "railed", "ok", "mystery"))
    assert format_status(stats) == "    2.0 s | 500 samples | dropped 3 | ok | q[.BR.?]"


def test_status_line_says_drowsy():
    from neurofeedback.pipeline.frame import FeatureFrame

    frame = FeatureFrame(time_s=90.0, baseline_complete=True, phase="drowsy", drowsiness=0.72,
                         energy=0.4, synchrony=0.3)
    stats = SessionStats(elapsed_s=90.0, n_samples=22500, dropped=0, status="ok",
                         channel_quality=("ok",), frame=frame)
    line = format_status(stats)
    assert "| drowsy |" in line and "DROWSY 0.72 (no meditation reward)" in line
    awake = FeatureFrame(time_s=90.0, baseline_complete=True, phase="baseline", drowsiness=0.1)
    assert "DROWSY" not in format_status(SessionStats(90.0, 22500, 0, "ok", ("ok",), frame=awake))
