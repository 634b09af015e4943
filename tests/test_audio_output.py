"""The audio feedback really sounds: played through a private PulseAudio server into a null sink
and recorded from its monitor, the chord has the intervals and loudness ``ui.audio`` defines.

The server runs in a temporary folder (no system sound server is touched); `.ci/qt-deps.sh`
installs PulseAudio. Playback runs in a subprocess because Qt Multimedia picks its audio server
when it first loads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neurofeedback.ui.audio import AMP_HIGH, AMP_LOW, RATIO_HIGH, RATIO_LOW, ROOT_HZ, SAMPLE_RATE

ROOT = Path(__file__).resolve().parents[1]
PLAY_S = 5.0


@pytest.fixture(scope="module")
def pulse(tmp_path_factory):
    server, parec = shutil.which("pulseaudio"), shutil.which("parec")
    if server is None or parec is None or shutil.which("pactl") is None:
        pytest.skip("needs pulseaudio, parec and pactl (.ci/qt-deps.sh installs them)")
    d = tmp_path_factory.mktemp("pulse")
    (d / "run").mkdir()
    (d / "home").mkdir()
    sock = d / "run" / "native"
    env = {**os.environ, "PULSE_RUNTIME_PATH": str(d / "run"), "XDG_RUNTIME_DIR": str(d / "run"),
           "HOME": str(d / "home"), "QT_QPA_PLATFORM": "offscreen"}
    # --exit-idle-time: the server ends by itself if this process dies without stopping it
    proc = subprocess.Popen(
        [server, "-n", "--daemonize=no", "--exit-idle-time=30", "--use-pid-file=no",
         f"--load=module-native-protocol-unix socket={sock} auth-anonymous=1",
         f"--load=module-null-sink sink_name=testsink rate={SAMPLE_RATE}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    env["PULSE_SERVER"] = f"unix:{sock}"
    try:
        deadline = time.monotonic() + 15
        while subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode != 0:
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("the private PulseAudio server did not start")
            time.sleep(0.2)
        yield env, parec, d
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _record(pulse, score: float, artifact: bool, artifact_from_s: float | None = None
            ) -> np.ndarray:
    """Play the feedback for PLAY_S seconds (artifact frames from ``artifact_from_s`` on, if
    given); the last second of sound, or with ``artifact`` or ``artifact_from_s`` the whole
    recording."""
    env, parec, d = pulse
    raw = d / f"rec-{score}-{int(artifact)}.raw"
    with open(raw, "wb") as fh:
        rec = subprocess.Popen([parec, "-d", "testsink.monitor", f"--rate={SAMPLE_RATE}",
                                "--channels=1", "--format=float32le", "--raw"], env=env, stdout=fh)
        try:
            # wait until the recorder delivers (the monitor streams silence while nothing plays)
            deadline = time.monotonic() + 15
            while raw.stat().st_size < 4 * SAMPLE_RATE // 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            play = subprocess.run(
                [sys.executable, str(ROOT / "tests" / "_play_audio.py"), str(score),
                 "1" if artifact else "0", str(PLAY_S)]
                + ([] if artifact_from_s is None else [str(artifact_from_s)]),
                env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, capture_output=True, text=True,
                timeout=60,
            )
            time.sleep(0.3)
        finally:
            rec.terminate()
            rec.wait(10)
    assert play.returncode == 0 and play.stdout.startswith("available"), play.stdout + play.stderr
    x = np.fromfile(raw, dtype=np.float32).astype(float)
    sound = np.flatnonzero(np.abs(x) > 1e-4)
    if artifact or artifact_from_s is not None:
        return x
    span = (sound[-1] - sound[0]) / SAMPLE_RATE if sound.size else 0.0
    # Qt Multimedia takes 1.5-2 s to open the device; the analysis needs the last 1 s
    assert span > 1.1, f"only {span:.2f} s of sound was recorded"
    # the last second of playback: the first block's ramp is long over
    return x[sound[-1] - SAMPLE_RATE : sound[-1]]


def _peaks(x: np.ndarray) -> list[float]:
    """Frequencies (Hz) of the two strongest spectral peaks, ascending."""
    n = x.size
    spec = np.abs(np.fft.rfft(x * np.hanning(n), n=8 * n))
    f = np.fft.rfftfreq(8 * n, 1.0 / SAMPLE_RATE)
    first = int(np.argmax(spec))
    masked = spec.copy()
    masked[np.abs(f - f[first]) < 5.0] = 0.0
    return sorted([float(f[first]), float(f[int(np.argmax(masked))])])


@pytest.mark.parametrize(
    "score, ratio, amp",
    [(1.0, RATIO_HIGH, AMP_HIGH),  # 330 Hz over the root: a perfect fifth, loud
     (0.0, RATIO_LOW, AMP_LOW)],  # 234.7 Hz: a minor second, soft
)
def test_the_chord_follows_the_score(pulse, score, ratio, amp):
    x = _record(pulse, score, False)
    low, high = _peaks(x)
    assert low == pytest.approx(ROOT_HZ, abs=1.0)
    assert high == pytest.approx(ROOT_HZ * ratio, abs=1.0)
    # two sines of amplitude amp/2 each: RMS = amp / 2
    assert np.sqrt(np.mean(x**2)) == pytest.approx(amp / 2, rel=0.1)


def test_artifact_frames_are_silent(pulse):
    # One playback: score 1 until 3.5 s, then artifact frames until the player stops at 5 s.
    # Qt opens the device about 2 s in, so the chord sounds, then stops while playback goes on.
    x = _record(pulse, 1.0, False, artifact_from_s=3.5)
    sound = np.flatnonzero(np.abs(x) > 1e-4)
    assert sound.size and (sound[-1] - sound[0]) > 0.3 * SAMPLE_RATE, "the chord never sounded"
    silent_tail_s = (x.size - sound[-1]) / SAMPLE_RATE
    assert silent_tail_s > 1.0, f"the chord went on until {silent_tail_s:.2f} s before the end"
    # and an artifact from the start: nothing at all
    assert np.max(np.abs(_record(pulse, 1.0, True))) < 1e-4
