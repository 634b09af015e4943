"""The operator window: setup bar, message banner, every panel, timeline and replay controls.

One QTimer (:data:`REDRAW_MS`) pulls from the running :class:`~neurofeedback.session.Session`
(raw samples, new feature frames, protocol events) and hands them to the widgets, which only
draw. The feedback itself does not wait for that timer: the session's worker wakes the window
when a frame is computed (:class:`~neurofeedback.ui.waker.FrameWaker`), which at once hands the
frame to the feedback view (repainted right away) and the audio; the operator panels (traces,
timeline, spectra, text) take the same frames at the timer's pace. Every failure becomes a line
in the banner; the window keeps running.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from neurofeedback.app import (
    DEFAULT_SCORE,
    FEEDBACK_SCORES,
    FinishResult,
    SessionSpec,
    build_session,
    fed_back_score,
    feedback_value,
    modality,
)
from neurofeedback.errors import NeurofeedbackError
from neurofeedback.io.marker_labels import phase_edge
from neurofeedback.pipeline import COMPILE_NOTE, kernels_compiled
from neurofeedback.pipeline.latency import response_time_s
from neurofeedback.pipeline.warmup import compile_kernels

from .audio import AudioFeedback
from .finisher import SessionFinisher
from .setup_bar import SetupBar
from .waker import FrameWaker
from .widgets.feedback import FeedbackWindow
from .widgets.quality import QualityWidget
from .widgets.replay_controls import ReplayControls
from .widgets.spatial_modes import SpatialModesWidget
from .widgets.spectrum import SpectrumWidget
from .widgets.status import StatusPanel
from .widgets.sync_head import SyncHeadWidget
from .widgets.timeline import TimelineWidget
from .widgets.traces import WINDOW_S, TracesWidget

log = logging.getLogger(__name__)

#: Redraw period, ms (about 33 redraws a second).
REDRAW_MS = 30
#: Shortest interval between updates of the snapshot panels (spectrum, quality, synchrony,
#: harmonics, state), seconds.
PANEL_PERIOD_S = 0.2
#: What the banner says while no session runs (instead of empty axes without a hint).
IDLE_TEXT = ("No session running: choose a source above (the Scenario simulator shows every panel "
             "at work; a headset needs its board and port) and a protocol if you like, then press "
             "Start (Ctrl+Enter).")
BANNER_STYLES = {
    "error": "background:#fde2e2; color:#900; border:1px solid #d99; padding:6px; font-weight:bold",
    "warning": "background:#fff3cd; color:#7a5a00; border:1px solid #e6c86e; padding:6px",
    "info": "background:#e7f0fb; color:#1d3d6b; border:1px solid #a9c4ea; padding:6px",
}


class MainWindow(QtWidgets.QMainWindow):
    """The operator view.

    Parameters
    ----------
    feedback_mode : str
        Score fed back when no protocol names one (one of
        :data:`neurofeedback.app.FEEDBACK_SCORES`).
    show_feedback : bool
        Open the feedback window when a session starts.

    Attributes
    ----------
    session : Session or None
        The running (or last) session.
    banner_text : str
        The message currently shown above the panels.
    markers : list of (float, str)
        Markers written in this session (stream seconds, label).
    last_frame : FeatureFrame or None
        The frame the snapshot panels show.
    feedback_frame : FeatureFrame or None
        The frame the feedback view and the timeline's end show (the newest).
    report_path : Path or None
        HTML report written when the last recorded protocol session ended without error.
    last_recording_path : Path or None
        Recording folder of the last session once it has been saved.
    wake : bool
        Hand each new frame to the feedback as soon as the session computes it (default);
        False: only at the redraw timer's ticks (as before; kept for comparisons).
    wakes : int
        Wake-ups handled that found new frames.
    """

    def __init__(self, feedback_mode: str = DEFAULT_SCORE, show_feedback: bool = True):
        super().__init__()
        self.setWindowTitle("Neurofeedback \u2013 operator")
        self.session = None
        self.spec: SessionSpec | None = None
        # first run after installing: the kernels compile in this thread, off the Qt thread
        self._warmup: threading.Thread | None = None
        self._pending: SessionSpec | None = None  # the session to start once they are compiled
        self.banner_text = ""
        self.banner_level = ""
        self.markers: list[tuple[float, str]] = []
        self.show_feedback = show_feedback
        self.feedback_mode = feedback_mode if feedback_mode in FEEDBACK_SCORES else DEFAULT_SCORE
        self.redraws = 0
        self._last_tick = time.monotonic()
        self._frames_seen = 0
        self._active = False
        self.last_frame = None
        self.report_path: Path | None = None
        self.last_recording_path: Path | None = None
        self._finisher: SessionFinisher | None = None
        self._finish_manual = False
        self.feedback_frame = None
        self._pending_frame = None
        self._new_frames: list = []  # taken for the feedback, not yet drawn in the panels
        self._last_anim = time.monotonic()
        self.wake = True
        self.wakes = 0
        self._waker = FrameWaker(self)
        self._waker.frames_ready.connect(self._on_frames_ready)
        self._last_panels = 0.0
        self._last_text = 0.0

        central = QtWidgets.QWidget()
        self.setCentralWidget(central)
        root = QtWidgets.QVBoxLayout(central)
        root.setContentsMargins(6, 6, 6, 6)
        root.setSpacing(4)
        self.setup_bar = SetupBar()
        self.setup_bar.start_requested.connect(self.start_session)
        self.setup_bar.stop_requested.connect(self.stop_session)
        root.addWidget(self.setup_bar)
        self.banner = QtWidgets.QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        root.addWidget(self.banner)

        self.traces = TracesWidget()
        self.quality = QualityWidget()
        self.status_panel = StatusPanel()
        self.sync_head = SyncHeadWidget()
        self.spectrum = SpectrumWidget()
        self.spatial_modes = SpatialModesWidget()
        self.timeline = TimelineWidget()
        self.replay = ReplayControls()
        self.replay.hide()

        left = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        left.addWidget(self.traces)
        left.addWidget(self.quality)
        left.setSizes([600, 200])
        right = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(right)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.status_panel, 0, 0)
        grid.addWidget(self.sync_head, 0, 1)
        grid.addWidget(self.spectrum, 1, 0)
        grid.addWidget(self.spatial_modes, 1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        top = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        top.addWidget(left)
        top.addWidget(right)
        top.setSizes([700, 900])
        bottom = QtWidgets.QWidget()
        bl = QtWidgets.QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.timeline)
        bl.addWidget(self.replay)
        bl.addLayout(self._build_controls())
        outer = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        outer.addWidget(top)
        outer.addWidget(bottom)
        outer.setSizes([640, 300])
        root.addWidget(outer, 1)

        self.feedback_window = FeedbackWindow(self.feedback_mode)
        self.feedback = self.feedback_window.view
        self.audio = AudioFeedback(self)
        if not self.audio.available:
            self.audio_check.setEnabled(False)
            self.audio_check.setText("audio: unavailable")
            self.audio_check.setToolTip(self.audio.message)
            self.statusBar().showMessage(self.audio.message)
            log.warning("%s", self.audio.message)
        # processing latency: each frame counts once, when first drawn and when first sounded
        self.feedback.on_drawn = lambda fr: self._shown(fr, "display")
        self.audio.on_played = lambda fr: self._shown(fr, "audio")
        self._response: dict[str, float] = {}
        self._install_shortcuts()
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.resize(1600, 1000)
        self.show_message(IDLE_TEXT)  # replaced as soon as a session starts

    # -- construction --------------------------------------------------------------------
    def _build_controls(self) -> QtWidgets.QHBoxLayout:
        row = QtWidgets.QHBoxLayout()
        self.marker_button = QtWidgets.QPushButton("Marker")
        self.marker_button.setToolTip("write a marker into the recording (M, or keys 0-9 for numbered markers)")
        self.marker_button.clicked.connect(lambda: self.add_marker("mark"))
        row.addWidget(self.marker_button)
        row.addSpacing(20)
        row.addWidget(QtWidgets.QLabel("Feedback"))
        self.mode_box = QtWidgets.QComboBox()
        self.mode_box.addItems(FEEDBACK_SCORES)
        self.mode_box.setToolTip("score fed back when no protocol names one (a protocol's training "
                                 "phases choose theirs)")
        self.mode_box.setCurrentText(self.feedback_mode)
        self.mode_box.currentTextChanged.connect(self.set_feedback_mode)
        row.addWidget(self.mode_box)
        self.feedback_button = QtWidgets.QPushButton("Feedback window")
        self.feedback_button.setToolTip("show the feedback window (F); F11 in it toggles full screen")
        self.feedback_button.clicked.connect(self.show_feedback_window)
        row.addWidget(self.feedback_button)
        self.audio_check = QtWidgets.QCheckBox("audio")
        self.audio_check.setToolTip("a chord that grows consonant and louder as the score rises")
        self.audio_check.toggled.connect(lambda on: self.audio.set_enabled(on))
        row.addWidget(self.audio_check)
        row.addStretch(1)
        self.marker_label = QtWidgets.QLabel("")
        row.addWidget(self.marker_label)
        return row

    def _install_shortcuts(self) -> None:
        ctx = QtCore.Qt.ShortcutContext.ApplicationShortcut

        def sc(key: str, fn) -> None:
            s = QtGui.QShortcut(QtGui.QKeySequence(key), self)
            s.setContext(ctx)
            s.activated.connect(fn)

        for d in "0123456789":
            sc(d, lambda d=d: self.add_marker(d))
        sc("M", lambda: self.add_marker("mark"))
        sc("Space", self.replay.toggle)
        sc("F", self.show_feedback_window)
        sc("+", lambda: self.traces.step_scale(+1))
        sc("=", lambda: self.traces.step_scale(+1))
        sc("-", lambda: self.traces.step_scale(-1))
        sc("Ctrl+Return", lambda: self.setup_bar.start_button.isEnabled() and self.setup_bar._start())
        sc("Ctrl+.", self.stop_session)
        sc("Ctrl+Q", self.close)

    # -- messages ------------------------------------------------------------------------
    def show_message(self, text: str, level: str = "info") -> None:
        """Show one line above the panels (``error``, ``warning`` or ``info``)."""
        self.banner_text = text
        self.banner_level = level
        self.banner.setText(text)
        self.banner.setStyleSheet(BANNER_STYLES.get(level, BANNER_STYLES["info"]))
        self.banner.setVisible(bool(text))
        (log.error if level == "error" else log.info)("%s", text)

    # -- session life cycle ----------------------------------------------------------------
    def start_session(self, spec: SessionSpec) -> bool:
        """Build and start the session ``spec`` describes; on failure show why and return False."""
        # also ends a session that finished by itself before a tick noticed (and waits for it
        # to be saved); a no-op when idle
        self.stop_session(wait=True)
        self.spec = spec
        if self._warmup is None and not kernels_compiled():
            # a fresh install: compile in a worker (tens of seconds) while the window stays
            # responsive, then start (build_session would otherwise compile on this thread)
            self._warmup = threading.Thread(target=compile_kernels, kwargs={"force": True},
                                            name="nf-warmup", daemon=True)
            self._warmup.start()
        if self._warmup is not None and self._warmup.is_alive():
            self._pending = spec
            self.setup_bar.set_running(True)  # Stop calls the start off
            self.show_message(COMPILE_NOTE, "info")
            QtCore.QTimer.singleShot(200, lambda: self._start_when_compiled(spec))
            return False
        self.show_message(f"Connecting to {spec.describe()}\u2026", "info")
        QtWidgets.QApplication.processEvents()
        try:
            session = build_session(spec)
            if self.wake:
                session.on_frames = self._waker.notify
            session.start()
        except NeurofeedbackError as exc:
            self.show_message(f"Could not start {spec.describe()}: {exc}", "error")
            self.setup_bar.set_running(False)
            return False
        except Exception as exc:  # noqa: BLE001 - the window must survive anything a source does
            log.exception("starting the session failed")
            self.show_message(f"Could not start {spec.describe()}: internal error: {exc!r}", "error")
            self.setup_bar.set_running(False)
            return False
        self.session = session
        self._active = True
        self._configure(session)
        where = f"recording to {session.recording_path}" if session.recording_path else "not recording"
        self.show_message(f"Running: {spec.describe()} \u00b7 {session.info.sfreq:g} Hz \u00b7 "
                          f"{session.info.n_channels} channels \u00b7 {where}", "info")
        self.setup_bar.set_running(True)
        if self.show_feedback:
            self.show_feedback_window()
        return True

    def _configure(self, session) -> None:
        names = list(session.info.ch_names)
        self.traces.configure(names, session.info.sfreq)
        self.quality.configure(names)
        self.spectrum.configure(len(names))
        self.sync_head.configure(names)
        self.timeline.reset()
        self.feedback.configure(names)
        self._apply_modality(session)
        self.markers = []
        self.report_path = None
        self.marker_label.setText("")
        self._frames_seen = 0
        self.last_frame = self.feedback_frame = self._pending_frame = None
        self._new_frames = []
        pipeline = getattr(session, "pipeline", None)
        self._response = response_time_s(pipeline.cfg) if pipeline is not None else {}
        self.replay.bind(session.source if session.info.kind == "file" else None)

    def _apply_modality(self, session) -> None:
        """Turn the picture and the sound on or off as the protocol's ``[feedback] mapping`` says
        (without a protocol: the picture, and sound as the operator left it)."""
        m = modality(session.protocol)
        self.feedback.set_visual(m.visual)
        # a protocol chooses the score of each phase; the operator chooses only without one
        self.mode_box.setEnabled(session.protocol is None)
        if session.protocol is not None:
            self.audio_check.setChecked(m.audio)  # drives self.audio through its toggled signal

    @property
    def finishing(self) -> bool:
        """True while the last session is being stopped and saved in the background."""
        return self._finisher is not None

    def _start_when_compiled(self, spec: SessionSpec) -> None:
        """Start ``spec`` once the warm-up has finished (unless it was stopped meanwhile)."""
        if self._pending is not spec:
            return
        if self._warmup is not None and self._warmup.is_alive():
            QtCore.QTimer.singleShot(200, lambda: self._start_when_compiled(spec))
            return
        self._pending = None
        self.start_session(spec)

    def stop_session(self, wait: bool = False) -> Path | None:
        """Stop the running session.

        Stopping, saving the recording and writing a protocol session's report run in a worker
        thread (:class:`~neurofeedback.ui.finisher.SessionFinisher`), so the window stays responsive; the banner
        says when they are done. ``wait=True`` blocks until then and returns the recording folder
        (None when not recorded); otherwise returns None at once.
        """
        if self._pending is not None:  # a start waiting for the warm-up is called off
            self._pending = None
            if self.session is None:
                self.setup_bar.set_running(False)
                self.show_message("Start called off; the kernels go on compiling", "info")
        if self.session is None:
            return None
        if self._finisher is None and (self._active or self.session.running):
            # a session that already ended by itself (not yet noticed by a tick) is reported
            # as ended, not as stopped
            self._begin_finish(manual=self.session.running)
        if not wait:
            return None
        self._wait_finisher()
        return self.last_recording_path

    def _begin_finish(self, manual: bool) -> None:
        self._active = False
        self._finish_manual = manual
        self.setup_bar.set_running(False)
        self.setup_bar.start_button.setEnabled(False)  # until the recording is saved
        self.replay.bind(None)
        self.audio.set_target(0.0, True)
        self.feedback.set_idle("Saving the session\u2026")
        self.show_message("Stopping and saving the session\u2026", "info")
        finisher = self._finisher = SessionFinisher(self.session, self)
        finisher.done.connect(self._on_finished)
        finisher.start()

    def _wait_finisher(self) -> None:
        """Block until the background stop is done and show its outcome (no-op when idle)."""
        finisher = self._finisher
        if finisher is not None:
            self._on_finished(finisher.wait())

    def _on_finished(self, res: FinishResult) -> None:
        """Show how ending the session went (GUI thread; each result is shown once)."""
        finisher = self._finisher
        if finisher is None or res is None or res.session is not finisher.session:
            return
        self._finisher = None
        finisher.deleteLater()  # its queued signal, if still pending, is dropped with it
        session = res.session
        self.last_recording_path = res.path
        self.report_path = res.report
        saved = f" Recording saved in {res.path}." if res.path else " (not recorded)"
        report = f" Report: {res.report}" if res.report else ""
        reason = session.end_reason or "ended"
        if res.stop_error is not None:
            self.show_message(f"Stopping the session: {res.stop_error}", "error")
        elif session.error is not None:  # failed, whether or not Stop was pressed after it
            self.show_message(f"Session stopped ({reason}): {session.error}.{saved}", "error")
        else:
            if res.report_error is not None:
                report = f" The report could not be written: {res.report_error}"
            head = "Stopped." if self._finish_manual else f"Session ended ({reason})."
            self.show_message(f"{head}{saved}{report}", "info" if res.report_error is None
                              else "warning")
        if res.report is not None:
            self.statusBar().showMessage(f"Report: {res.report}")
        elif res.report_error is not None:
            self.statusBar().showMessage(f"Could not write the report: {res.report_error}")
        else:
            self.statusBar().clearMessage()
        self._show_idle("Session stopped" if self._finish_manual else f"Session ended ({reason})")

    def _show_idle(self, text: str) -> None:
        """Put every control and view back in its no-session state."""
        self.setup_bar.set_running(False)
        self.mode_box.setEnabled(True)
        self.replay.bind(None)
        self.audio.set_target(0.0, True)
        self.feedback.set_idle(text)

    # -- markers and modes -----------------------------------------------------------------
    def add_marker(self, label: str) -> float | None:
        """Write a marker into the recording now; returns its stream time (s)."""
        session = self.session
        if session is None or not session.running:
            self.statusBar().showMessage("no session running: marker not written", 3000)
            return None
        t = session.add_marker(label)
        self.markers.append((t, label))
        self.timeline.add_marker(t, label)
        self.marker_label.setText(f"marker '{label}' at {t:.1f} s ({len(self.markers)} so far)")
        return t

    def set_feedback_mode(self, mode: str) -> None:
        """The score fed back when no protocol names one."""
        if mode in FEEDBACK_SCORES:
            self.feedback_mode = mode
            self.feedback.set_mode(mode)
            if self.mode_box.currentText() != mode:
                self.mode_box.setCurrentText(mode)

    def show_feedback_window(self) -> None:
        self.feedback_window.show()
        self.feedback_window.raise_()

    # -- the redraw timer ----------------------------------------------------------------
    def tick(self) -> None:
        """Pull from the session and redraw (called every :data:`REDRAW_MS`)."""
        self._last_tick = time.monotonic()
        session = self.session
        if session is None or not self._active:
            self._animate()
            return
        try:
            self._pull(session)
        except Exception as exc:  # noqa: BLE001 - a drawing bug must not kill the session
            log.exception("redraw failed")
            self.show_message(f"Display error (the session keeps running): {exc!r}", "warning")
        self._animate()
        self.redraws += 1
        if self._active and self.session is session and not session.running:
            self._begin_finish(manual=False)

    def _animate(self) -> None:
        """Advance the feedback view's animation to now (it repaints when its picture changes)."""
        now = time.monotonic()
        dt, self._last_anim = now - self._last_anim, now
        self.feedback.tick(dt)

    def _on_frames_ready(self) -> None:
        """The session computed frames: feed the newest back now (GUI thread, woken by
        :class:`~neurofeedback.ui.waker.FrameWaker`); the panels take them at the next tick."""
        session = self.session
        if session is None or not self._active:
            return
        try:
            if self._take_frames(session):
                self.wakes += 1
                self._animate()
                # paint this frame now (even when the picture stays), ahead of any operator
                # panel repaint already queued
                self.feedback.repaint()
        except Exception as exc:  # noqa: BLE001 - a drawing bug must not kill the session
            log.exception("feedback update failed")
            self.show_message(f"Display error (the session keeps running): {exc!r}", "warning")

    def _take_frames(self, session) -> bool:
        """Poll new frames; feed the newest back (picture and sound) and keep them all for the
        panels. Returns True when there were any."""
        frames = session.poll_frames()
        if not frames:
            return False
        self._new_frames.extend(frames)
        fr = frames[-1]
        self.feedback_frame = fr
        self._feed_back(fr)
        if not self.feedback.isVisible():  # no feedback picture: the operator window shows it
            self._shown(fr, "display")
        return True

    def _pull(self, session) -> None:
        # frames no wake-up delivered yet first: the feedback's repaint is queued before the
        # operator panels'
        if self._take_frames(session):
            self.feedback.update()
        data, times = session.recent_data(WINDOW_S)
        self.traces.update_data(data, times)
        frames, self._new_frames = self._new_frames, []
        events = session.poll_events()
        for ev in events:
            kind = getattr(ev, "kind", "")
            if kind == "phase_start":
                edge = phase_edge(ev.label)
                self.timeline.add_marker(ev.time_s, ev.label if edge is None else edge[0])
            elif kind == "finished":
                self.timeline.add_marker(ev.time_s, "protocol finished")
            elif kind == "marker":  # an external stream's or a replayed file's own marker
                self.timeline.add_marker(ev.time_s, ev.label, from_file=True)
        now = time.monotonic()
        if frames:
            self._frames_seen += len(frames)  # counted as the panels get them
            fr = frames[-1]
            self.timeline.add_frames(frames)
            self.traces.set_quality(tuple(fr.channel_quality))
            self._pending_frame = fr
        # the snapshot panels follow the newest frame at most PANEL_PERIOD_S apart (every frame
        # still reaches the timeline and the feedback view)
        if self._pending_frame is not None and now - self._last_panels >= PANEL_PERIOD_S:
            fr, self._pending_frame = self._pending_frame, None
            self._last_panels = now
            self.last_frame = fr
            self.quality.update_quality(self._rms_last_second(), tuple(fr.channel_quality))
            self.spectrum.update_frame(fr)
            self.sync_head.update_frame(fr)
            self.spatial_modes.update_frame(fr)
            self.status_panel.update_frame(fr)
            self.status_panel.update_protocol(fr.protocol)
        # slow-changing text: twice a second, so label re-layouts do not repaint the plots each tick
        if now - self._last_text >= 0.5:
            self._last_text = now
            stats = session.stats("display")
            self.status_panel.update_stream(stats, self.spec.describe() if self.spec else "")
            self.status_panel.update_latency(stats.latency_p95_ms, self.feedback_mode,
                                             self._response.get(self.feedback_mode, math.nan))
            self.replay.refresh()

    def _rms_last_second(self) -> np.ndarray:
        tr = self.traces
        n = min(tr._n_filled, int(tr.sfreq))
        if n == 0:
            return np.zeros(len(tr.ch_names))
        seg = tr._buf[:, -n:]
        return np.sqrt(np.mean(seg**2, axis=1))

    def _feed_back(self, fr) -> None:
        """Show ``fr`` in the feedback view and sound it: the score the frame's protocol rewards
        (else the operator's choice), with the value the reward follows."""
        instruction, footer, reward = "", "", False
        snap = fr.protocol  # the protocol state of this very frame (None without a protocol)
        if snap is not None:
            phase = snap.current_phase
            instruction = snap.instruction
            reward = snap.reward_on
            if phase is not None:
                rate = snap.reward_rate
                footer = f"{phase.label} \u00b7 {snap.time_left_s:.0f} s left"
                if math.isfinite(rate):
                    footer += f" \u00b7 reward {100 * rate:.0f} %"
        score = fed_back_score(fr, self.feedback_mode)
        value = feedback_value(fr, score)
        if score != self.feedback_mode:  # a protocol chose it: the operator's box shows it too
            self.set_feedback_mode(score)
        self.feedback.update_frame(fr, score=value, instruction=instruction, footer=footer, reward=reward)
        self.status_panel.set_fed_back(score, value)  # stored; drawn with the panels
        self.audio.set_target(float(np.nan_to_num(value)), bool(fr.artifact) or not fr.baseline_complete, fr)

    def _shown(self, frame, consumer: str) -> None:
        """Record the processing latency of ``frame``, first drawn or sounded now."""
        if self.session is not None and self._active:
            self.session.frame_shown(frame, consumer)

    # -- shutdown ------------------------------------------------------------------------
    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.timer.stop()
        self.stop_session(wait=True)  # saves (and reports) whatever is still open
        self.audio.close()
        self.feedback_window.close()
        super().closeEvent(event)
