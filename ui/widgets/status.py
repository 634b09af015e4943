"""The state panel: annealing phase, confidence, cycles, artifact flag, scores and the protocol."""

from __future__ import annotations

import math

from PyQt6 import QtCore, QtWidgets

from neurofeedback.app import EYE_TEXT, drowsy_reward

from .feedback import explain_artifact
from .timeline import PHASE_COLORS


def _fmt(x, spec: str = ".2f") -> str:
    try:
        return "\u2013" if x is None or math.isnan(float(x)) else format(float(x), spec)
    except (TypeError, ValueError):
        return "\u2013"


class StatusPanel(QtWidgets.QFrame):
    """Big phase label and the numbers an operator watches.

    Attributes
    ----------
    phase_label, confidence_bar, cycles_label, artifact_label, scores_label, protocol_label,
    latency_label, stream_label : Qt widgets holding what is shown.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(QtWidgets.QLabel("<b>Annealing state</b>"))
        self.phase_label = QtWidgets.QLabel("\u2013")
        self.phase_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.phase_label.setMinimumHeight(44)
        self._style_phase(None)
        lay.addWidget(self.phase_label)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("confidence"))
        self.confidence_bar = QtWidgets.QProgressBar()
        self.confidence_bar.setRange(0, 100)
        self.confidence_bar.setValue(0)
        row.addWidget(self.confidence_bar)
        lay.addLayout(row)
        self.cycles_label = QtWidgets.QLabel("cycles: 0")
        lay.addWidget(self.cycles_label)
        self.artifact_label = _fixed_label("artifact: none", 40)
        lay.addWidget(self.artifact_label)
        self.scores_label = _fixed_label("", 56)
        lay.addWidget(self.scores_label)
        self.protocol_label = _fixed_label("no protocol", 72)
        lay.addWidget(self.protocol_label)
        lay.addStretch(1)
        self.latency_label = _fixed_label("", 20)
        self.latency_label.setToolTip(
            "processing latency: sample leaving the source -> feedback drawn (95th percentile "
            "over the last ~13 s); response: configured time until the fed-back score moves "
            "half-way after a brain change (analysis windows and smoothing)")
        lay.addWidget(self.latency_label)
        self.stream_label = QtWidgets.QLabel("")
        self.stream_label.setWordWrap(True)
        self.stream_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.stream_label.setFixedHeight(34)
        self.stream_label.setStyleSheet("color: #555")
        lay.addWidget(self.stream_label)
        self.phase = ""
        self.artifact = False
        #: The score fed back and its value (set every frame, shown with the next panel update).
        self.fed_back: tuple[str, float] = ("", float("nan"))
        self._styled_artifact: bool | None = None

    def _style_phase(self, phase: str | None) -> None:
        c = PHASE_COLORS.get(phase or "", (230, 230, 230))
        self.phase_label.setStyleSheet(
            f"background: rgb{c}; font-size: 20px; font-weight: bold; border-radius: 6px; padding: 4px"
        )

    def set_fed_back(self, score: str, value: float) -> None:
        """The score the feedback shows and sounds, and its value (drawn by :meth:`update_frame`)."""
        self.fed_back = (str(score), float(value))

    def update_frame(self, frame) -> None:
        phase = str(getattr(frame, "phase", ""))
        if phase != self.phase:
            self.phase = phase
            self._style_phase(phase)
        baseline = not bool(getattr(frame, "baseline_complete", False))
        if phase == "drowsy":
            d = float(getattr(frame, "drowsiness", math.nan))
            self.phase_label.setText(f"drowsy ({d:.2f}): {drowsy_reward(frame)}")
        else:
            eyes = bool(getattr(frame, "eye_artifact", False)) and not getattr(frame, "artifact", False)
            self.phase_label.setText(
                phase + (" (collecting baseline)" if baseline and phase != "baseline" else "")
                + (f": {EYE_TEXT.lower()}" if eyes else "")
            )
        conf = float(getattr(frame, "phase_confidence", 0.0) or 0.0)
        self.confidence_bar.setValue(int(round(100 * min(max(conf if math.isfinite(conf) else 0.0, 0.0), 1.0))))
        self.cycles_label.setText(f"cycles completed: {int(getattr(frame, 'cycle_count', 0))}")
        artifact = bool(getattr(frame, "artifact", False))
        if artifact != self._styled_artifact:  # re-styling re-polishes the widget: only on a change
            self._styled_artifact = artifact
            self.artifact_label.setStyleSheet(
                "background: #e33; color: white; font-weight: bold; padding: 3px" if artifact
                else "background: #cfc; padding: 3px"
            )
        self.artifact = artifact
        if self.artifact:
            self.artifact_label.setText(explain_artifact(tuple(frame.artifact_reasons)).replace("Paused", "ARTIFACT"))
        else:
            bad = ", ".join(getattr(frame, "bad_channels", ()) or ())
            self.artifact_label.setText("artifact: none" + (f" (bad channels left out: {bad})" if bad else ""))
        self.scores_label.setText(
            f"energy z {_fmt(frame.energy, '+.2f')} ({_fmt(frame.energy_db, '.1f')} dB) \u00b7 "
            f"temperature z {_fmt(frame.temperature, '+.2f')} \u00b7 "
            f"drowsiness {_fmt(getattr(frame, 'drowsiness', float('nan')))}<br>"
            f"synchrony {_fmt(frame.synchrony)} (chance {_fmt(getattr(frame, 'synchrony_chance', float('nan')))})"
            f" \u00b7 metastability {_fmt(frame.metastability, '+.2f')} \u00b7 "
            f"consonance {_fmt(frame.consonance)} / dissonance "
            f"{_fmt(getattr(frame, 'dissonance', float('nan')))}<br>"
            f"<b>meditation {_fmt(frame.meditation_score)} \u00b7 integration {_fmt(frame.integration_score)}</b>"
            + (f" \u00b7 fed back: <b>{self.fed_back[0]} {_fmt(self.fed_back[1])}</b>" if self.fed_back[0] else "")
        )

    def update_protocol(self, snap) -> None:
        """Protocol phase, instruction, time left and reward rate from a frame's
        :class:`~neurofeedback.protocols.ProtocolSnapshot` (None: no protocol)."""
        if snap is None:
            self.protocol_label.setText("no protocol")
            return
        if snap.finished:
            self.protocol_label.setText("<b>protocol finished</b>")
            return
        phase = snap.current_phase
        label = getattr(phase, "label", "") or getattr(phase, "kind", "")
        self.protocol_label.setText(
            f"<b>protocol:</b> {label} \u00b7 {snap.time_left_s:.0f} s left<br>"
            f"<i>{snap.instruction}</i><br>"
            f"reward rate {_fmt(100 * snap.reward_rate, '.0f')} % \u00b7 "
            f"threshold {_fmt(snap.threshold)}"
            + (" \u00b7 <b style='color:#b80'>REWARD</b>" if snap.reward_on else "")
        )

    def update_latency(self, latency_p95_ms: float, score: str, response_s: float) -> None:
        """Show the processing latency (p95, ms) and the configured response time of the
        fed-back ``score`` (seconds; NaN for a score without a modelled response time)."""
        lat = "\u2013" if not math.isfinite(latency_p95_ms) else f"{latency_p95_ms:.0f} ms"
        resp = "\u2013" if not math.isfinite(response_s) else f"{response_s:.1f} s"
        self.latency_label.setText(f"latency {lat} (p95) \u00b7 {score} response {resp}")

    def update_stream(self, stats, source_name: str) -> None:
        self.stream_label.setText(
            f"{source_name}: {stats.elapsed_s:.1f} s \u00b7 {stats.n_samples} samples \u00b7 "
            f"dropped {stats.dropped} \u00b7 {stats.status}"
        )


def _fixed_label(text: str, height_px: int) -> QtWidgets.QLabel:
    """A word-wrapped label of fixed height, so changing its text never re-lays out the panel."""
    label = QtWidgets.QLabel(text)
    label.setWordWrap(True)
    label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
    label.setFixedHeight(height_px)
    return label
