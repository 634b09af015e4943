"""Optional audio feedback: a two-tone chord whose consonance and loudness follow the score.

At score 0 the upper tone sits a minor second (16/15) above the root, a rough, beating interval;
as the score rises it glides to a perfect fifth (3/2), the most consonant interval after the
octave, and the chord gets louder. Artifact frames are silent. Samples are generated here and
pushed to a ``QAudioSink``; when Qt Multimedia or an output device is missing the feedback says
so once (:attr:`AudioFeedback.message`) and the application carries on without sound.

Processing latency: the first block rendered from a frame's score reports that frame through
:attr:`AudioFeedback.on_played` the moment it is handed to the sound output. The output's own
buffer comes on top: it is kept at :data:`BUFFER_S` (50 ms; it was 0.2 s), refilled every
:data:`FEED_MS` by the GUI thread, so a new score is heard at most ``BUFFER_S`` after its
hand-off (plus the device's own latency). Should the GUI thread stall longer than the buffer
lasts, the device runs dry (an underrun, counted in :attr:`AudioFeedback.underruns`): the sound
then resumes from silence with a :data:`FADE_S` fade-in instead of jumping back in at full
level. Without a device, :meth:`AudioFeedback.start_null_output` runs the same synthesis at the
real-time pace and drops the samples at that hand-off point (benchmarks, machines without sound).
"""

from __future__ import annotations

import logging
import time

import numpy as np
from PyQt6 import QtCore

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050
ROOT_HZ = 220.0
#: Frequency ratio of the upper tone at score 0 and score 1.
RATIO_LOW, RATIO_HIGH = 16 / 15, 3 / 2
#: Peak amplitude (full scale 1) at score 0 and score 1.
AMP_LOW, AMP_HIGH = 0.03, 0.25
#: Audio kept queued in the output device, seconds: the most a new score waits to be heard
#: after its hand-off, and the longest GUI-thread stall the sound survives without a gap.
BUFFER_S = 0.05
#: Refill period of the output buffer, ms (the buffer is topped up to BUFFER_S each time).
FEED_MS = 10
#: Fade-in after an underrun (the device ran dry), seconds.
FADE_S = 0.01


def buffer_bytes(sample_rate: int = SAMPLE_RATE) -> int:
    """Size of the output buffer requested from the device: :data:`BUFFER_S` of 32-bit mono
    samples, bytes."""
    return int(round(sample_rate * BUFFER_S)) * 4


def chord_params(score: float, artifact: bool) -> tuple[float, float]:
    """Upper-tone ratio and amplitude for a score in 0..1 (amplitude 0 in artifact frames)."""
    s = float(np.clip(np.nan_to_num(score), 0.0, 1.0))
    ratio = RATIO_LOW * (RATIO_HIGH / RATIO_LOW) ** s  # glide evenly in pitch
    amp = 0.0 if artifact else AMP_LOW + (AMP_HIGH - AMP_LOW) * s
    return ratio, amp


class ChordSynth:
    """Phase-continuous two-tone generator with click-free amplitude ramps.

    Parameters
    ----------
    sample_rate : int
        Hz.
    root_hz : float
        Lower tone, Hz.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, root_hz: float = ROOT_HZ):
        self.sample_rate = int(sample_rate)
        self.root_hz = float(root_hz)
        self._phase = np.zeros(2)
        self._amp = 0.0
        self._ratio = RATIO_LOW

    def render(self, n: int, score: float, artifact: bool) -> np.ndarray:
        """The next ``n`` samples.

        Returns
        -------
        ndarray, shape (n,), float32
            Samples in [-1, 1]; amplitude and interval ramp linearly from the previous block's
            values to those of ``score`` so there are no clicks.
        """
        ratio, amp = chord_params(score, artifact)
        ramp = np.linspace(0.0, 1.0, n, endpoint=False)
        amps = self._amp + (amp - self._amp) * ramp
        ratios = self._ratio + (ratio - self._ratio) * ramp
        f = np.vstack([np.full(n, self.root_hz), self.root_hz * ratios])
        dphi = 2 * np.pi * f / self.sample_rate
        phi = self._phase[:, None] + np.cumsum(dphi, axis=1) - dphi
        self._phase = (phi[:, -1] + dphi[:, -1]) % (2 * np.pi)
        self._amp, self._ratio = amp, ratio
        return (0.5 * amps * (np.sin(phi[0]) + np.sin(phi[1]))).astype(np.float32)

    def fade_in(self, n: int, score: float, artifact: bool) -> np.ndarray:
        """The next ``n`` samples starting from silence (after an underrun: the device played
        silence, so the chord restarts at amplitude 0 and ramps to that of ``score`` over
        :data:`FADE_S`, then holds it).

        Returns
        -------
        ndarray, shape (n,), float32
        """
        self._amp = 0.0
        k = min(int(n), max(1, int(round(FADE_S * self.sample_rate))))
        head = self.render(k, score, artifact)  # ramps from 0 over FADE_S
        if k == n:
            return head
        return np.concatenate([head, self.render(int(n) - k, score, artifact)])


class AudioFeedback(QtCore.QObject):
    """Drives a ``QAudioSink`` with :class:`ChordSynth` output.

    Attributes
    ----------
    available : bool
        True when an audio output could be opened.
    message : str
        Why audio is unavailable (empty when it works).
    enabled : bool
        Sound on (only meaningful when available).
    underruns : int
        Times the output ran dry while sounding (each resumed with a fade-in).
    """

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.synth = ChordSynth()
        self.available = False
        self.enabled = False
        self.message = ""
        self.score = 0.0
        self.artifact = True
        self._sink = None
        self._io = None
        #: Called with a frame when the first block sounding its score is handed to the output.
        self.on_played = None
        self._unplayed = None  # the frame whose score was set and not yet sounded
        self._null_t: float | None = None  # null output: time up to which samples were made
        self.underruns = 0
        self._primed = False  # something was written since the sink started
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FEED_MS)
        self._timer.timeout.connect(self._feed)
        self._open()

    def _open(self) -> None:
        try:  # lazy and optional: Qt Multimedia may be missing or fail to load its backends
            from PyQt6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices
        except ImportError as exc:
            self.message = f"audio feedback is off: Qt Multimedia cannot load on this system ({exc})"
            log.info("%s", self.message)
            return
        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            self.message = "audio feedback is off: no audio output device found"
            log.info("%s", self.message)
            return
        fmt = QAudioFormat()
        fmt.setSampleRate(SAMPLE_RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Float)
        if not device.isFormatSupported(fmt):
            self.message = f"audio feedback is off: {device.description()} does not play 32-bit float mono"
            log.info("%s", self.message)
            return
        self._sink = QAudioSink(device, fmt, self)
        self._sink.setBufferSize(buffer_bytes())
        self.available = True

    def set_enabled(self, on: bool) -> None:
        """Start or stop sound (no-op when unavailable)."""
        on = bool(on) and self.available
        if on == self.enabled:
            return
        self.enabled = on
        if on and self._sink is not None:
            self._io = self._sink.start()
            self._primed = False
            self._timer.start()
        elif self._sink is not None:
            self._timer.stop()
            self._sink.stop()
            self._io = None

    def set_target(self, score: float, artifact: bool, frame=None) -> None:
        """The score to sound (0..1); ``artifact`` silences it. ``frame`` (optional) is the
        feature frame it comes from, reported through :attr:`on_played` once sounded."""
        self.score = float(score)
        self.artifact = bool(artifact)
        if frame is not None:
            self._unplayed = frame
            if self.enabled:  # sound the new score now rather than at the next timer tick
                self._feed()

    def start_null_output(self) -> None:
        """Without an output device: render at the real-time pace and drop the samples where
        they would be handed to the device (only when no device is available)."""
        if self.available or self._null_t is not None:
            return
        self.enabled = True
        self._null_t = time.monotonic()
        self._timer.start()

    def _feed(self) -> None:
        if self._null_t is not None:  # no device: the samples due since the last block
            now = time.monotonic()
            free = int((now - self._null_t) * SAMPLE_RATE)
            if free <= 0:
                return
            self._null_t += free / SAMPLE_RATE
            self.synth.render(free, self.score, self.artifact)
            self._played()
            return
        if self._sink is None or self._io is None:
            return
        free_bytes = self._sink.bytesFree()
        free = free_bytes // 4
        if free <= 0:
            return
        if self._primed and free_bytes >= self._sink.bufferSize():  # ran dry: fade back in
            self.underruns += 1
            if self.underruns == 1:
                log.warning("audio output ran dry (the GUI thread stalled over %.0f ms); resuming "
                            "with a fade-in", 1000 * BUFFER_S)
            block = self.synth.fade_in(int(free), self.score, self.artifact)
        else:
            block = self.synth.render(int(free), self.score, self.artifact)
        self._primed = True
        self._io.write(block.tobytes())
        self._played()

    def _played(self) -> None:
        frame, self._unplayed = self._unplayed, None
        if frame is not None and self.on_played is not None:
            self.on_played(frame)

    def close(self) -> None:
        if self._null_t is not None:
            self._timer.stop()
            self._null_t = None
            self.enabled = False
        self.set_enabled(False)

