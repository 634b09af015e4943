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


def test_status_line_fits_an_80_column_terminal():
    from neurofeedback.headless import fit_width

    line = ("   61.6 s | 15400 samples | dropped 0 | ok | q[................] | E +0.37 | S 0.31 | "
            "heating | med 0.62 | int 0.41 | training-1 | 120 s left | reward 62 % | threshold 0.71")
    short = fit_width(line, 79)
    assert len(short) <= 79 and "q[" not in short and short.startswith("   61.6 s")
    assert fit_width("ok", 79) == "ok"
    assert len(fit_width(line, 40)) == 40 and fit_width(line, 40).endswith("\u2026")


def test_compiled_kernels_are_found_in_numba_cache():
    import numpy as np

    from neurofeedback.pipeline import kernels_compiled
    from neurofeedback.pipeline.pipeline import run_pipeline

    run_pipeline(np.random.default_rng(0).standard_normal((4, 1000)), 250.0, ["O1", "O2", "C3", "C4"])
    assert kernels_compiled()  # the kernels this just used are cached on disk


def test_status_line_says_when_the_reward_is_only_fading():
    from neurofeedback.pipeline.frame import FeatureFrame

    frame = FeatureFrame(time_s=90.0, baseline_complete=True, phase="drowsy", drowsiness=0.42,
                         meditation_score=0.3)
    line = format_status(SessionStats(90.0, 22500, 0, "ok", ("ok",), frame=frame))
    assert "DROWSY 0.42 (meditation reward fading)" in line


def test_status_line_says_when_a_blink_withholds_the_meditation_reward():
    from neurofeedback.pipeline.frame import FeatureFrame

    blink = FeatureFrame(time_s=90.0, baseline_complete=True, phase="baseline", eye_artifact=True)
    line = format_status(SessionStats(90.0, 22500, 0, "ok", ("blink",), frame=blink))
    assert line.endswith("| EYES (no meditation reward)") and "q[B]" in line
    blink.artifact = True  # a gated frame says ARTIFACT instead
    blink.artifact_reasons = ("blink:Fp1",)
    assert "EYES" not in format_status(SessionStats(90.0, 22500, 0, "ok", ("blink",), frame=blink))
