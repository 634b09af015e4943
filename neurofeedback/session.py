"""A running session: source -> recorder -> pipeline -> (protocol engine) -> frames.

All processing happens in one worker thread at the edge; consumers (the headless status line, the
Qt window) only pull: :meth:`Session.poll_frames`, :meth:`Session.recent_data`,
:meth:`Session.stats`. Nothing here imports Qt.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import signal
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import NeurofeedbackError, RecordingError, SourceDisconnected, SourceError
from .pipeline.config import PipelineConfig
from .pipeline.frame import FeatureFrame
from .pipeline.latency import LatencyTracker, clock, response_time_s
from .pipeline.pipeline import Pipeline
from .protocols import ProtocolEngine
from .quality_summary import ReasonCounter
from .recording import Recorder, as_recorded
from .sources.base import Chunk, Source
from .sources.lsl_common import lsl_clock

log = logging.getLogger(__name__)

DEFAULT_RECORD_DIR = Path("recordings")
#: The consumers whose processing latency a session keeps: the window's feedback view, the
#: audio feedback and the headless status line.
LATENCY_CONSUMERS: tuple[str, ...] = ("display", "audio", "status")
#: The stages the session itself times for every frame, from its newest sample leaving the
#: source: ``received`` (the session read the chunk holding it) and ``computed`` (the pipeline
#: returned the frame). Consumers add the rest.
LATENCY_STAGES: tuple[str, ...] = ("received", "computed")
#: How long the worker waits when the source had nothing new, seconds: part of the processing
#: latency (a sample waits at most this long to be read), so short; each empty read is cheap.
IDLE_WAIT_S = 0.005
#: Seconds of raw samples kept for display.
DISPLAY_SECONDS = 30.0


@dataclass(frozen=True)
class MarkerEvent:
    """A marker that came from outside the session's protocol (an external LSL marker stream,
    a replayed file's own markers), as :meth:`Session.poll_events` gives it to views.

    Attributes
    ----------
    time_s : float
        Session time, seconds (the frames' ``time_s`` clock).
    label : str
        The marker's text, as written to ``markers.csv``.
    kind : str
        Always ``"marker"`` (protocol events carry their own kinds).
    """

    time_s: float
    label: str
    kind: str = "marker"


@dataclass
class SessionStats:
    """What the status line shows.

    Attributes
    ----------
    elapsed_s : float
        Stream time: samples received / sample rate.
    n_samples : int
        Samples received.
    dropped : int
        Samples the source reported lost.
    status : str
        Source status (``ok``, ``reconnecting``, ``ended``...).
    channel_quality : tuple of str
        Per-channel verdict from the latest frame.
    frame : FeatureFrame or None
        The latest feature frame.
    latency_p95_ms : float
        Processing latency of the consumer that asked (:meth:`Session.stats`), 95th
        percentile over its latest frames (about 13 s), milliseconds; NaN before any.
    response_s : dict
        Configured response time of each feedback score, seconds (``{"meditation": s,
        "integration": s}``; :func:`~neurofeedback.pipeline.latency.response_time_s`).
    """

    elapsed_s: float
    n_samples: int
    dropped: int
    status: str
    channel_quality: tuple[str, ...] = ()
    frame: FeatureFrame | None = None
    latency_p95_ms: float = float("nan")
    response_s: dict[str, float] = dataclasses.field(default_factory=dict)


class Session:
    """Run a source, record it, and compute feature frames in a worker thread.

    Parameters
    ----------
    source : Source
        Where samples come from.
    record_dir : path or None
        Parent directory for the session folder; None disables recording.
    record_folder : path, optional
        Exact session folder to record into (instead of a time-stamped one).
    pipeline_config : PipelineConfig, optional
        Pipeline settings.
    protocol : Protocol, optional
        A loaded protocol (see :mod:`neurofeedback.protocols`).
    compute_features : bool
        Run the feature pipeline (default True).
    duration_s : float, optional
        Stop after this much stream time.
    markers_in : object, optional
        External markers (:class:`~neurofeedback.sources.lsl_markers.LslMarkers`): opened with
        the source, pulled with every chunk, written to the recording on the session clock.
    outputs : sequence, optional
        Where frames also go as they are computed (e.g. :class:`~neurofeedback.outputs.osc.
        OscOutput`): objects with ``send(frames, events)`` and ``close()``.

    Attributes
    ----------
    latency : dict of str to LatencyTracker
        Processing latency per consumer (``display``, ``audio``, ``status``), filled by
        :meth:`frame_shown`; their summaries go to ``session.json`` at the end.
    on_frames : callable or None
        Called without arguments from the worker thread right after new frames become
        available to :meth:`poll_frames`, and once more when the session has ended, so a
        consumer can wake at once instead of polling (the window posts itself an event; it
        must return quickly and not raise). None: nobody.
    """

    def __init__(
        self,
        source: Source,
        *,
        record_dir: str | Path | None = DEFAULT_RECORD_DIR,
        record_folder: str | Path | None = None,
        pipeline_config: Any = None,
        protocol: Any = None,
        compute_features: bool = True,
        duration_s: float | None = None,
        extra_meta: dict[str, Any] | None = None,
        outputs: Sequence[Any] = (),
        markers_in: Any = None,
    ):
        self.source = source
        self.info = source.info
        self.record_dir = record_dir
        self.record_folder = record_folder
        self.protocol = protocol
        self.duration_s = duration_s
        self.extra_meta = dict(extra_meta or {})
        self.outputs = list(outputs)
        self.markers_in = markers_in
        # LSL time of stream time 0, set with the first chunk when LSL is used (external
        # markers, LSL output)
        self._lsl_anchor: float | None = None
        self._uses_lsl = markers_in is not None or any(
            hasattr(o, "send_chunk") for o in self.outputs
        )
        self.recorder: Recorder | None = None
        self.engine: Any = None
        self.pipeline: Any = None
        if compute_features:
            if protocol is not None:  # its band and feedback response (as offline analysis)
                pipeline_config = dataclasses.replace(
                    pipeline_config or PipelineConfig(), **protocol.pipeline_settings()
                )

            self.pipeline = Pipeline(
                self.info.sfreq, list(self.info.ch_names), pipeline_config, rail_uv=self.info.rail_uv
            )
        # per-channel quality reasons counted as frames arrive, stored in session.json at the
        # end so reports need not run the pipeline again (only for a recorded session)
        self._quality: Any = None
        recorded = record_dir is not None or record_folder is not None
        if self.pipeline is not None and recorded:
            self._quality = ReasonCounter(list(self.info.ch_names))
        if protocol is not None:
            self.engine = ProtocolEngine(protocol)
            # the protocol defines the session's length
            total = float(protocol.duration_s)
            self.duration_s = total if duration_s is None else min(duration_s, total)
            if self.pipeline is not None:
                window = self.engine.baseline_window()
                if window is not None:
                    self.pipeline.set_baseline(*window)
        # the settings the pipeline runs with (before any sample-rate adaptation, with the
        # baseline block in force), stored in session.json: replay and offline analysis of the
        # recording use them, so they compute the live numbers
        self._pipeline_settings: PipelineConfig | None = None
        if self.pipeline is not None:
            bl = self.pipeline.baseline
            self._pipeline_settings = dataclasses.replace(
                pipeline_config or PipelineConfig(), baseline=(bl.start_s, bl.end_s)
            )
        self._lock = threading.Lock()
        # consumers poll these; bounded so a consumer that never polls (headless) cannot make
        # memory grow (a frame with its spectra is ~18 kB): 3000 frames = 5 minutes
        self._frames: deque[FeatureFrame] = deque(maxlen=3000)
        self._events: deque[Any] = deque(maxlen=3000)
        self._latest: FeatureFrame | None = None
        n_disp = int(DISPLAY_SECONDS * self.info.sfreq)
        self._display = np.zeros((self.info.n_channels, n_disp))
        self._display_n = 0
        self.n_samples = 0
        self.dropped = 0
        self.error: NeurofeedbackError | None = None
        self.end_reason = ""
        #: processing latency per consumer (see :meth:`frame_shown`)
        self.latency: dict[str, LatencyTracker] = {
            c: LatencyTracker() for c in (*LATENCY_STAGES, *LATENCY_CONSUMERS)
        }
        #: wakes a consumer when frames arrive (see the class docstring)
        self.on_frames: Callable[[], None] | None = None
        self._acquiring = True  # False once the worker has left its loop
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._done = threading.Event()
        self._finished = False

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Create the recording (failing early on an unwritable or full disk), open the source
        and start the worker."""
        if self.record_dir is not None or self.record_folder is not None:
            meta = dict(self.extra_meta)
            if self.protocol is not None and hasattr(self.protocol, "to_dict"):
                meta["protocol"] = self.protocol.to_dict()
            if self._pipeline_settings is not None:
                meta["pipeline"] = self._pipeline_settings.to_dict()
            self.recorder = Recorder.create(
                self.record_dir or ".", self.info, meta, folder=self.record_folder
            )
        try:
            self.source.start()
            if self.markers_in is not None:
                self.markers_in.open()
        except NeurofeedbackError:
            self.source.stop()
            if self.recorder is not None:
                self._discard_empty_recording()
            raise
        self._thread = threading.Thread(target=self._run, name="session", daemon=True)
        self._thread.start()

    def _discard_empty_recording(self) -> None:
        rec, self.recorder = self.recorder, None
        if rec is None:
            return
        rec.close(status="source-failed", write_fif=False)
        if rec.n_samples == 0:
            for p in sorted(rec.path.iterdir()):
                p.unlink()
            rec.path.rmdir()

    def stop(self) -> Path | None:
        """Stop the worker, the source and the recording. Returns the recording folder."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            while self._thread.is_alive():  # never close the recording under a writing worker
                log.warning("waiting for the session worker to finish its current step")
                self._thread.join(timeout=5)
        self._finish()
        return self.recording_path

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the session ends by itself (file end, duration, failure)."""
        return self._done.wait(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._done.is_set()

    @property
    def recording_path(self) -> Path | None:
        return None if self.recorder is None else self.recorder.path

    def _finish(self) -> None:
        with self._lock:
            if self._finished:
                return
            self._finished = True
        try:
            self.source.stop()
        except NeurofeedbackError as exc:
            log.warning("stopping the source: %s", exc)
        if self.recorder is not None:
            status = "complete"
            if isinstance(self.error, SourceDisconnected):
                status = "disconnected"
            elif self.error is not None:
                status = "error"
            elif self.engine is not None and not self.engine.finished:
                status = "stopped"  # ended cleanly, but before the protocol's end
            try:
                if self.engine is not None and hasattr(self.engine, "block_summary"):
                    self.recorder.update_meta(protocol_blocks=self.engine.block_summary())
                if self._quality is not None:
                    self.recorder.update_meta(
                        channel_quality_counts=self._quality.to_dict(),
                        mains_hz=self.pipeline.mains_hz,
                    )
                latency = self.latency_summary()
                if latency:
                    self.recorder.update_meta(processing_latency=latency)
            except RecordingError as exc:
                log.warning("%s", exc)
            self.recorder.close(status=status, write_fif=not isinstance(self.error, RecordingError))
        for out in self.outputs:
            out.close()
        if self.markers_in is not None:
            self.markers_in.close()
        self._done.set()

    # -- worker ----------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    chunk = self.source.read()
                    received = clock()
                except SourceError as exc:
                    self.error = exc
                    self.end_reason = "source failed"
                    break
                if chunk.n_samples:
                    self._process(chunk, received)
                    if self.engine is not None and self.engine.finished:
                        self.end_reason = "protocol finished"
                        break
                    if self.duration_s is not None and self.elapsed_s >= self.duration_s:
                        self.end_reason = "duration reached"
                        break
                elif self.source.finished:
                    self.end_reason = "end of file"
                    break
                else:  # until samples arrive (threaded sources wake it at once)
                    self.source.wait(IDLE_WAIT_S)
        except RecordingError as exc:
            self.error = exc
            self.end_reason = "recording failed"
        except NeurofeedbackError as exc:
            self.error = exc
            self.end_reason = "failed"
        except Exception as exc:  # noqa: BLE001 - keep the recording intact whatever happens
            log.exception("session worker crashed")
            self.error = NeurofeedbackError(f"internal error: {exc!r}")
            self.end_reason = "internal error"
        finally:
            self._acquiring = False  # frames shown from here on are not live feedback
            if not self._stop.is_set():
                self._finish()
            else:
                self._done.set()
            self._wake()  # a consumer waiting for frames learns that the session ended

    def _process(self, chunk: Chunk, received_s: float = math.nan) -> None:
        if self.duration_s is not None:
            keep = int(round(self.duration_s * self.info.sfreq)) - self.n_samples
            if keep < chunk.n_samples:
                chunk = Chunk(
                    data=chunk.data[:, :keep],
                    timestamps=chunk.timestamps[:keep],
                    rows=None if chunk.rows is None else chunk.rows[:, :keep],
                    dropped=chunk.dropped,
                    sent_s=None if chunk.sent_s is None else chunk.sent_s[:keep],
                    markers=tuple(m for m in chunk.markers if m[0] < keep),
                )
        # everything downstream sees the samples as raw.csv stores them, so an offline analysis
        # of the recording gives the live numbers bit for bit
        chunk = as_recorded(chunk)
        if self.recorder is not None:
            self.recorder.write(chunk)
        frames: list[FeatureFrame] = []
        events: list[Any] = []
        if self.pipeline is not None:
            frames = self.pipeline.push(chunk.data)
            self._stamp(frames, chunk, received_s)
            if self._quality is not None:
                self._quality.add(frames)
            if self.engine is not None:
                for fr in frames:
                    events.extend(self.engine.update(fr))
                    fr.protocol = self.engine.snapshot()  # what views show with this frame
        if self.recorder is not None:
            if frames:
                self.recorder.write_frames(frames)
            for ev in events:
                self.recorder.add_marker(ev.time_s, ev.label)
        # stream time of the chunk's last sample (sample k is at k / sfreq, as in raw.csv)
        end_s = (self.n_samples + chunk.n_samples - 1) / self.info.sfreq
        mains = self.pipeline.mains_hz if self.pipeline is not None else None
        if self._lsl_anchor is None and chunk.n_samples and self._uses_lsl:
            # stream time 0 on the LSL clock, one anchor for external markers and LSL output:
            # an LSL source's own stamps, else the moment the first chunk arrived
            last = float(chunk.timestamps[-1]) if self.info.kind == "lsl" else lsl_clock()
            self._lsl_anchor = last - end_s
        if self.markers_in is not None and chunk.n_samples:
            self._external_markers()
        for k, label in chunk.markers:  # a replayed file's own markers, at their samples
            self._mark((self.n_samples + k) / self.info.sfreq, label)
        for out in self.outputs:
            if hasattr(out, "send_chunk") and self._lsl_anchor is not None:  # LSL output
                out.send_chunk(chunk.data, end_s, mains, self._lsl_anchor)
            if frames or events:
                out.send(frames, events)
        with self._lock:
            self._append_display(chunk.data)
            self.n_samples += chunk.n_samples
            self.dropped += chunk.dropped
            self._frames.extend(frames)
            self._events.extend(events)
            if frames:
                self._latest = frames[-1]
        if frames:
            self._wake()

    def _wake(self) -> None:
        """Call the ``on_frames`` wake-up (new frames, or the session's end)."""
        wake = self.on_frames
        if wake is not None:
            try:
                wake()
            except Exception:  # noqa: BLE001 - a consumer's wake-up must not end the session
                log.exception("the on_frames callback failed; frames are still polled")

    def _stamp(self, frames: list[FeatureFrame], chunk: Chunk, received_s: float) -> None:
        """Give each frame the moment its newest sample left the source (``sample_clock_s``):
        the chunk's ``sent_s`` of that sample, else the moment the chunk was received."""
        if not frames:
            return
        computed = clock()
        sent = chunk.sent_s
        for fr in frames:
            if sent is None or len(sent) == 0:
                fr.sample_clock_s = received_s
            else:
                # the frame's window ends (exclusive) at sample round(time_s * sfreq) of the stream
                k = int(round(fr.time_s * self.info.sfreq)) - 1 - self.n_samples
                fr.sample_clock_s = float(sent[min(max(k, 0), len(sent) - 1)])
            self.latency["received"].add(received_s - fr.sample_clock_s)
            self.latency["computed"].add(computed - fr.sample_clock_s)

    def _external_markers(self) -> None:
        """Write the external markers that arrived, on the session clock (their LSL stamps
        minus the session's LSL anchor)."""
        for stamp, label in self.markers_in.pull():
            self._mark(max(0.0, stamp - self._lsl_anchor), label)

    def _mark(self, t: float, label: str) -> None:
        """A marker that came from outside the session (an LSL stream, a replayed file) at
        session time ``t``, s: into the recording and to every output."""
        if self.recorder is not None:
            self.recorder.add_marker(t, label)
        for out in self.outputs:
            out.send((), (label,))
        with self._lock:  # for the views (the window's timeline draws it)
            self._events.append(MarkerEvent(t, label))

    def _append_display(self, data: np.ndarray) -> None:
        """Shift ``data`` into the display ring (caller holds ``self._lock``)."""
        n = data.shape[1]
        buf = self._display
        if n >= buf.shape[1]:
            buf[:] = data[:, -buf.shape[1]:]
        else:
            buf[:, :-n] = buf[:, n:]
            buf[:, -n:] = data
        self._display_n = min(self._display_n + n, buf.shape[1])

    # -- consumers -------------------------------------------------------------------------
    @property
    def elapsed_s(self) -> float:
        return self.n_samples / self.info.sfreq

    def poll_frames(self) -> list[FeatureFrame]:
        """Frames computed since the last call, oldest first."""
        with self._lock:
            out = list(self._frames)
            self._frames.clear()
        return out

    def poll_events(self) -> list[Any]:
        """Protocol events (:class:`~neurofeedback.protocols.engine.ProtocolEvent`) and markers
        from an external stream or a replayed file (:class:`MarkerEvent`) since the last call."""
        with self._lock:
            out = list(self._events)
            self._events.clear()
        return out

    @property
    def latest_frame(self) -> FeatureFrame | None:
        return self._latest

    def recent_data(self, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """The last ``seconds`` of raw samples.

        Returns
        -------
        data : ndarray, shape (n_channels, n)
            Microvolts, unfiltered.
        times : ndarray, shape (n,)
            Stream time of each sample, seconds.
        """
        with self._lock:
            n = min(int(seconds * self.info.sfreq), self._display_n)
            data = self._display[:, self._display.shape[1] - n:].copy()
            end = self.n_samples
        times = (np.arange(end - n, end)) / self.info.sfreq
        return data, times

    def add_marker(self, label: str) -> float:
        """Write a marker at the current stream time; returns that time in seconds."""
        t = self.elapsed_s
        if self.recorder is not None and not self.recorder.closed:
            try:
                self.recorder.add_marker(t, label)
            except RecordingError as exc:
                log.warning("%s", exc)
        for out in self.outputs:
            out.send((), (label,))
        return t

    def frame_shown(self, frame: FeatureFrame | None, consumer: str, now_s: float | None = None) -> float:
        """Record the processing latency of ``frame`` for ``consumer`` (one of
        :data:`LATENCY_CONSUMERS`): ``now`` minus the moment its newest sample left the source.
        Call it once per frame, when the frame is first drawn, played or printed. Frames shown
        after the session stopped acquiring (while it saves) are not counted.

        Returns
        -------
        float
            The latency, seconds (NaN when the frame carries no time).
        """
        if consumer not in LATENCY_CONSUMERS:
            raise ValueError(
                f"consumer must be one of {LATENCY_CONSUMERS}; got {consumer!r}"
            )
        if frame is None:
            return math.nan
        if not self._acquiring:  # shown while the session saves: not counted (not live)
            now = clock() if now_s is None else now_s
            return now - float(frame.sample_clock_s)
        return self.latency[consumer].record(float(frame.sample_clock_s), now_s)

    def latency_summary(self) -> dict[str, dict[str, Any]]:
        """Whole-session processing latency of each stage and consumer that measured any
        (:data:`LATENCY_STAGES`, :data:`LATENCY_CONSUMERS`):
        ``{name: {"n", "p50_ms", "p95_ms", "max_ms"}}`` (see
        :meth:`~neurofeedback.pipeline.latency.LatencyTracker.summary`)."""
        return {c: t.summary() for c, t in self.latency.items() if t.n}

    def stats(self, consumer: str | None = None, whole_session: bool = False) -> SessionStats:
        """What a status display shows; ``latency_p95_ms`` is that of ``consumer`` (NaN
        without one) over its latest frames, or over the whole session with
        ``whole_session`` (the closing line)."""
        latest = self._latest
        p95 = math.nan
        if consumer is not None:
            tracker = self.latency[consumer]
            if whole_session:
                p95_ms = tracker.summary().get("p95_ms")
                p95 = math.nan if p95_ms is None else float(p95_ms)
            else:
                p95 = 1000.0 * tracker.recent_percentile(95)
        return SessionStats(
            elapsed_s=self.elapsed_s,
            n_samples=self.n_samples,
            dropped=self.dropped,
            status=self.source.status,
            channel_quality=latest.channel_quality if latest is not None else (),
            frame=latest,
            latency_p95_ms=p95,
            response_s=self._response_s(),
        )

    def _response_s(self) -> dict[str, float]:
        """Configured response time of each score (:func:`~.pipeline.latency.response_time_s`),
        computed once for the session's pipeline settings; empty before the pipeline exists."""
        if getattr(self, "_response_cache", None) is None and self.pipeline is not None:
            self._response_cache = response_time_s(self.pipeline.cfg)
        return dict(getattr(self, "_response_cache", None) or {})


def run_until_done(session: Session, on_tick: Any = None, tick_s: float = 0.5) -> None:
    """Start ``session`` and block until it ends or Ctrl-C; call ``on_tick(stats)`` as soon as
    a new frame is computed (the session's ``on_frames`` wake-up, when nobody else set one),
    and at least every ``tick_s``.

    Each new frame ``on_tick`` is given counts as shown by the ``status`` consumer (its
    processing latency is recorded) when ``on_tick`` returns anything but False (False: it
    printed nothing this time).
    """
    # woken by each new frame (the status line shows it at once), else every ``tick_s``
    woke = threading.Event()
    if session.on_frames is None:
        session.on_frames = woke.set
    session.start()
    last_shown = None
    try:
        while True:
            woke.wait(tick_s)
            woke.clear()
            if session.wait(0):
                break
            # nobody else consumes frames here: drain them so they do not pile up
            session.poll_frames()
            session.poll_events()
            if on_tick is not None:
                stats = session.stats("status")
                shown = on_tick(stats)
                if shown is not False and stats.frame is not None and stats.frame is not last_shown:
                    last_shown = stats.frame
                    session.frame_shown(stats.frame, "status")
    except KeyboardInterrupt:
        session.end_reason = "stopped by Ctrl-C"
        # a second Ctrl-C must not cut the saving short: ignored from here until the caller
        # restores the handler (main thread only: Python delivers signals there)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            log.warning("stopping: saving the recording (Ctrl-C is ignored until it is saved)")
    finally:
        session.stop()
