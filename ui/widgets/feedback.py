"""The feedback view for the person training.

Its mode is the score fed back (:data:`neurofeedback.app.FEEDBACK_SCORES`); each score has a
picture (:data:`PICTURES`):

- **disc** (meditation, alpha-theta): a soft disc in the middle of a dark screen; it grows and
  brightens as the score rises.
- **nodes** (integration): the head's regions as glowing nodes; as synchrony rises they pull
  together towards the centre and glow, and the links between synchronised regions brighten.

When the protocol's feedback is audio only (:attr:`FeedbackView.visual` False) no picture is
drawn: the screen stays dark with the instruction and the status text, for eyes-closed training.

During the baseline it says so; in artifact frames the picture freezes and says why. Scores are
smoothed on screen (exponential, time constant :data:`SMOOTH_TAU_S`) so nothing jumps.
"""

from __future__ import annotations

import math

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from neurofeedback.app import DEFAULT_SCORE, FEEDBACK_SCORES, feedback_value
from neurofeedback.pipeline.quality import FRAME_REASONS, REASONS

from .head_geometry import REGION_LABELS, region_positions

#: The picture each fed-back score is drawn as.
PICTURES: dict[str, str] = {"meditation": "disc", "integration": "nodes", "alpha-theta": "disc"}
if set(PICTURES) != set(FEEDBACK_SCORES):  # pragma: no cover - caught at import by every test
    raise RuntimeError(f"PICTURES {tuple(PICTURES)} must cover every feedback score {FEEDBACK_SCORES}")
#: Text shown instead of the picture when the feedback is audio only.
AUDIO_ONLY_TEXT = "Listen: the chord grows consonant and louder as your score rises"
#: Said while the pipeline reads the person as drowsy (meditation score held at 0).
DROWSY_TEXT = "Drowsy: you seem to be drifting towards sleep \u2013 the feedback pauses"
#: On-screen smoothing time constant, seconds.
SMOOTH_TAU_S = 0.6
#: How far nodes move towards the centre at score 1 (fraction of their home radius).
PULL = 0.6

#: Plain-words explanation of each artifact / bad-channel reason.
ARTIFACT_WORDS: dict[str, str] = {
    "blink": "eye blinks \u2013 relax your eyes",
    "gaze": "eye movements \u2013 rest your gaze on one point",
    "emg": "muscle tension \u2013 relax your jaw, face and shoulders",
    "amplitude": "large movement \u2013 sit still",
    "common-mode": "head or cable movement (a slow wave on every electrode) \u2013 sit still",
    "railed": "an electrode lost contact",
    "flat": "an electrode sends no signal",
    "line": "mains hum on the electrodes",
    "no usable channels": "no electrode carries a usable signal \u2013 check the headset",
}
if not set(REASONS[1:]) | set(FRAME_REASONS) <= set(ARTIFACT_WORDS):  # pragma: no cover
    raise RuntimeError("ARTIFACT_WORDS must explain every quality and frame reason")


def explain_artifact(reasons: tuple[str, ...]) -> str:
    """One sentence naming why feedback is paused.

    ``reasons`` are the frame's ``artifact_reasons``: ``"<reason>:<channel>"`` or free text, e.g.
    ``("emg:T7", "emg:T8")`` -> ``"Paused: muscle tension - relax your jaw, face and shoulders (T7, T8)"``.
    """
    groups: dict[str, list[str]] = {}
    for r in reasons:
        kind, _, ch = str(r).partition(":")
        groups.setdefault(kind.strip(), [])
        if ch.strip():
            groups[kind.strip()].append(ch.strip())
    if not groups:
        return "Paused: a signal artifact"
    parts = []
    for kind, chans in groups.items():
        text = ARTIFACT_WORDS.get(kind, kind)
        if chans:
            shown = ", ".join(chans[:4]) + (f" +{len(chans) - 4}" if len(chans) > 4 else "")
            text += f" ({shown})"
        parts.append(text)
    return "Paused: " + "; ".join(parts)


class FeedbackView(QtWidgets.QWidget):
    """The picture (painted with QPainter; no pyqtgraph).

    Attributes
    ----------
    mode : str
        The score fed back, one of :data:`neurofeedback.app.FEEDBACK_SCORES`.
    visual : bool
        Draw the picture (False: audio-only feedback, text only).
    target : float
        Latest score, 0..1.
    shown : float
        Smoothed score currently drawn.
    frozen : bool
        True while the latest frame is an artifact.
    in_baseline : bool
        True while the pipeline's baseline is being collected.
    message : str
        Status sentence at the bottom (baseline, paused and why, reward).
    instruction : str
        Protocol instruction at the top (empty without a protocol).
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None, mode: str = DEFAULT_SCORE):
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.mode = mode if mode in FEEDBACK_SCORES else DEFAULT_SCORE
        self.visual = True
        self.target = 0.0
        self.shown = 0.0
        self.frozen = False
        self.in_baseline = True
        self.has_data = False
        self.reward = False
        self.message = "Waiting for a session to start"
        self.instruction = ""
        self.footer = ""
        self.regions: tuple[str, ...] = ()
        self.home: dict[str, tuple[float, float]] = {}
        self.plv = np.zeros((0, 0))
        self._plv_shown = np.zeros((0, 0))
        self._t = 0.0
        self._sprite = QtGui.QImage()
        self._sprite_key: tuple | None = None
        self._painted_look: tuple | None = None
        self._backdrop_pm = QtGui.QPixmap()
        self._backdrop_key: tuple | None = None
        #: Called with a frame when a paint first shows it (processing latency, see
        #: :meth:`neurofeedback.session.Session.frame_shown`); None: nobody is told.
        self.on_drawn = None
        self._undrawn = None  # the newest frame not yet painted

    # -- inputs --------------------------------------------------------------------------
    def configure(self, ch_names: list[str]) -> None:
        """Region home positions for a session's channels; resets the picture."""
        self.home = region_positions(list(ch_names))
        self.regions = ()
        self.plv = np.zeros((0, 0))
        self._plv_shown = np.zeros((0, 0))
        self.target = self.shown = 0.0
        self.frozen = False
        self.in_baseline = True
        self.has_data = False
        self.message = "Starting\u2026"
        self.update()

    @property
    def picture(self) -> str:
        """What is drawn: ``disc``, ``nodes``, or ``none`` for audio-only feedback."""
        return PICTURES[self.mode] if self.visual else "none"

    def set_mode(self, mode: str) -> None:
        """Feed back the score ``mode`` (one of :data:`neurofeedback.app.FEEDBACK_SCORES`)."""
        if mode in FEEDBACK_SCORES and mode != self.mode:
            self.mode = mode
            self.update()

    def set_visual(self, on: bool) -> None:
        """Draw the picture (True) or only the text (audio-only feedback)."""
        if bool(on) != self.visual:
            self.visual = bool(on)
            self.update()

    def update_frame(
        self, frame, *, score: float | None = None, instruction: str = "", footer: str = "", reward: bool = False,
    ) -> None:
        """Take the latest feature frame (and protocol text).

        ``score`` is the value (0..1) of the fed-back score :attr:`mode`; None computes it from
        the frame with :func:`neurofeedback.app.feedback_value`.
        """
        self.has_data = True
        self._undrawn = frame
        self.instruction = instruction
        self.footer = footer
        self.reward = bool(reward)
        self.in_baseline = not bool(getattr(frame, "baseline_complete", False))
        self.frozen = bool(getattr(frame, "artifact", False))
        if self.frozen:
            self.message = explain_artifact(tuple(getattr(frame, "artifact_reasons", ()) or ()))
            self.reward = False
            return  # freeze: keep the last picture
        regions = tuple(getattr(frame, "regions", ()) or ())
        # each region pair's lagged synchrony (debiased wPLI^2), not PLV: zero-lag mixing
        # cannot draw the regions together
        plv = np.asarray(getattr(frame, "sync_matrix", np.zeros((0, 0))), dtype=float)
        if len(regions) >= 2 and plv.shape == (len(regions), len(regions)):
            if regions != self.regions:
                self.regions = regions
                self._plv_shown = np.zeros_like(plv)
            self.plv = np.clip(np.nan_to_num(plv), 0.0, 1.0)
        if self.in_baseline:
            self.message = "Baseline: sit comfortably and rest \u2013 measuring your starting level"
            self.target = 0.0
            return
        if score is None:
            score = feedback_value(frame, self.mode)
        self.target = float(np.clip(np.nan_to_num(score), 0.0, 1.0))
        if getattr(frame, "phase", "") == "drowsy":
            self.message = DROWSY_TEXT
        else:
            self.message = "Reward!" if self.reward else ("" if self.visual else AUDIO_ONLY_TEXT)

    def set_idle(self, message: str) -> None:
        """Show a plain message (no session, session ended)."""
        self.has_data = False
        self.frozen = False
        self.message = message
        self.update()

    def tick(self, dt_s: float) -> bool:
        """Advance the animation by ``dt_s`` seconds; repaint only when the picture changes.

        Returns
        -------
        bool
            True when a repaint was scheduled.
        """
        self._t += dt_s
        if not self.frozen:
            a = 1.0 - math.exp(-dt_s / SMOOTH_TAU_S)
            self.shown += a * (self.target - self.shown)
            if self._plv_shown.shape == self.plv.shape:
                self._plv_shown += a * (self.plv - self._plv_shown)
        key = self._look()
        if key == self._painted_look:
            return False
        self._painted_look = key
        self.update()
        return True

    def _look(self) -> tuple:
        """What the next paint would show, quantised to what the eye can see (about a quarter
        pixel of movement, 1/500 of brightness): equal looks paint the same picture."""
        side = min(self.width(), self.height())
        look: tuple = (self.mode, self.visual, self.has_data, self.frozen, self.reward, self.message, self.instruction,
                       self.footer, self.width(), self.height())
        if not self.has_data or not self.visual:
            return look
        if self.picture == "disc":
            return (*look, round(500 * self.shown), round(4 * self.disc_radius_fraction() * side))
        plv = np.round(200 * self._plv_shown).astype(np.int16).tobytes()
        return (*look, round(max(500.0, 0.6 * side * 4) * self.shown), self.regions, plv)

    # -- geometry (used by painting and by tests) ------------------------------------------
    def node_positions(self) -> dict[str, tuple[float, float]]:
        """Current node positions on the unit head (integration mode): home pulled towards the
        centre by ``PULL * shown``."""
        k = 1.0 - PULL * self.shown
        regions = self.regions or tuple(self.home)
        return {r: (self.home.get(r, (0.0, 0.0))[0] * k, self.home.get(r, (0.0, 0.0))[1] * k) for r in regions}

    def disc_radius_fraction(self) -> float:
        """Meditation disc radius as a fraction of the shorter window side."""
        breath = 0.015 * math.sin(2 * math.pi * self._t / 10.0)  # slow 10-s breathing drift
        return 0.12 + 0.26 * self.shown + (0.0 if self.frozen else breath)

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 - Qt API
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        picture = self.picture if self.has_data else "none"
        p.drawPixmap(0, 0, self._backdrop(w, h, picture == "nodes"))
        if picture == "disc":
            self._paint_meditation(p, w, h)
        elif picture == "nodes":
            self._paint_integration(p, w, h)
        self._paint_text(p, w, h)
        p.end()
        frame, self._undrawn = self._undrawn, None
        if frame is not None and self.on_drawn is not None:
            self.on_drawn(frame)

    @staticmethod
    def head_geometry(w: int, h: int) -> tuple[float, float, float]:
        """Centre (px) and radius (px) of the integration head: as large as fits between the
        instruction (top 17 %) and the message (from 80 % down), outline included."""
        top, bottom = 0.17 * h, 0.80 * h
        R = min(0.36 * min(w, h), (bottom - top) / 2 / 1.1)  # noqa: N806 - radius
        return w / 2, (top + bottom) / 2, R

    def _backdrop(self, w: int, h: int, head: bool) -> QtGui.QPixmap:
        """The unchanging layer (background gradient, and the head outline in integration
        mode), rendered once per window size."""
        key = (w, h, head)
        if self._backdrop_key != key:
            pm = QtGui.QPixmap(max(w, 1), max(h, 1))
            q = QtGui.QPainter(pm)
            q.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            bg = QtGui.QLinearGradient(0, 0, 0, h)
            bg.setColorAt(0, QtGui.QColor(8, 12, 28))
            bg.setColorAt(1, QtGui.QColor(18, 24, 48))
            q.fillRect(0, 0, w, h, bg)
            if head:
                cx, cy, R = self.head_geometry(w, h)
                q.setPen(QtGui.QPen(QtGui.QColor(90, 100, 140, 120), 2))
                q.setBrush(QtCore.Qt.BrushStyle.NoBrush)
                q.drawEllipse(QtCore.QPointF(cx, cy), R * 1.08, R * 1.08)
            q.end()
            self._backdrop_pm, self._backdrop_key = pm, key
        return self._backdrop_pm

    @staticmethod
    def _gradient(cx: float, cy: float, r: float, color: QtGui.QColor, core: float, firm: bool) -> QtGui.QRadialGradient:
        g = QtGui.QRadialGradient(QtCore.QPointF(cx, cy), r)
        c0 = QtGui.QColor(color)
        c0.setAlphaF(min(1.0, core))
        c1 = QtGui.QColor(color)
        c1.setAlphaF(min(1.0, core) * (0.85 if firm else 0.35))
        c2 = QtGui.QColor(color)
        c2.setAlphaF(0.0)
        g.setColorAt(0.0, c0)
        g.setColorAt(0.7 if firm else 0.45, c1)
        g.setColorAt(1.0, c2)
        return g

    def _glow(
        self, p: QtGui.QPainter, cx: float, cy: float, r: float, color: QtGui.QColor, core: float,
        firm: bool = False,
    ) -> None:
        """A radial glow; ``firm`` keeps it nearly opaque out to 70 % of ``r`` (a visible disc)."""
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        p.setBrush(QtGui.QBrush(self._gradient(cx, cy, r, color, core, firm)))
        p.drawEllipse(QtCore.QPointF(cx, cy), r, r)

    def _glow_sprite(self, r: float, color: QtGui.QColor, core: float) -> QtGui.QImage:
        """A soft glow of radius ``r`` px rendered once into an image, to stamp several times
        (the integration nodes all share one); reused while its look does not change."""
        key = (int(round(r)), color.rgb(), int(round(255 * min(1.0, core))))
        if self._sprite_key != key:
            side = 2 * key[0] + 2
            img = QtGui.QImage(side, side, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(0)
            q = QtGui.QPainter(img)
            q.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            self._glow(q, side / 2, side / 2, key[0], color, key[2] / 255)
            q.end()
            self._sprite, self._sprite_key = img, key
        return self._sprite

    def _paint_meditation(self, p: QtGui.QPainter, w: int, h: int) -> None:
        s = self.shown
        side = min(w, h)
        r = self.disc_radius_fraction() * side
        cx, cy = w / 2, h / 2
        dim = np.array([95, 115, 200])
        bright = np.array([255, 205, 110])
        rgb = dim + (bright - dim) * s
        color = QtGui.QColor(*[int(x) for x in rgb])
        if self.frozen:
            color = QtGui.QColor(110, 110, 120)
        self._glow(p, cx, cy, r * 2.2, color, 0.2 + 0.4 * s)
        self._glow(p, cx, cy, r, color, 0.6 + 0.4 * s, firm=True)
        core = QtGui.QColor(color).lighter(110 + int(40 * s))
        self._glow(p, cx, cy, r * 0.6, core, 0.5 + 0.5 * s)
        if self.reward and not self.frozen:
            p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            p.setPen(QtGui.QPen(QtGui.QColor(255, 215, 120, 160), 3))
            p.drawEllipse(QtCore.QPointF(cx, cy), r * 1.1, r * 1.1)

    def _paint_integration(self, p: QtGui.QPainter, w: int, h: int) -> None:
        s = self.shown
        side = min(w, h)
        cx, cy, R = self.head_geometry(w, h)  # the head outline is part of the backdrop
        nodes = self.node_positions()
        pts = {r: (cx + x * R, cy - y * R) for r, (x, y) in nodes.items()}
        regions = list(pts)
        plv = self._plv_shown if self._plv_shown.shape == (len(self.regions),) * 2 else None
        for i, a in enumerate(regions):
            for j in range(i + 1, len(regions)):
                v = float(plv[i, j]) if plv is not None and a in self.regions else 0.3 * s
                col = QtGui.QColor(140, 200, 255) if not self.frozen else QtGui.QColor(120, 120, 130)
                col.setAlphaF(float(np.clip(0.08 + 0.8 * v, 0, 1)))
                p.setPen(QtGui.QPen(col, 1 + 7 * v))
                (xa, ya), (xb, yb) = pts[a], pts[regions[j]]
                p.drawLine(QtCore.QPointF(xa, ya), QtCore.QPointF(xb, yb))
        dim = np.array([80, 110, 170])
        bright = np.array([170, 240, 255])
        rgb = dim + (bright - dim) * s
        color = QtGui.QColor(*[int(x) for x in rgb]) if not self.frozen else QtGui.QColor(110, 110, 120)
        self._glow(p, cx, cy, R * (0.25 + 0.5 * s), color, 0.1 + 0.5 * s)
        rad = side * (0.035 + 0.03 * s)
        font = p.font()
        font.setPixelSize(max(9, int(round(0.6 * rad))))  # the label fits inside its node
        p.setFont(font)
        sprite = self._glow_sprite(rad * 2.4, color, 0.3 + 0.6 * s)
        half = sprite.width() / 2
        for x, y in pts.values():
            p.drawImage(QtCore.QPointF(round(x - half), round(y - half)), sprite)
        for r, (x, y) in pts.items():
            p.setPen(QtCore.Qt.PenStyle.NoPen)
            p.setBrush(color)
            p.drawEllipse(QtCore.QPointF(x, y), rad * 0.65, rad * 0.65)
            p.setPen(QtGui.QColor(15, 20, 40))
            p.drawText(QtCore.QRectF(x - rad, y - rad, 2 * rad, 2 * rad),
                       QtCore.Qt.AlignmentFlag.AlignCenter, REGION_LABELS.get(r, r[:2]))

    def text_boxes(self, w: int, h: int) -> list[tuple[str, QtCore.QRectF, float, int]]:
        """The text blocks drawn at size ``w`` x ``h``: (text, box, largest point size, flags).

        Instruction at the top, message from 80 % down, footer at the bottom; each is drawn at the
        largest size up to the given one at which all its lines fit its box (:func:`fit_font`).
        """
        side = min(w, h)
        wrap = int(QtCore.Qt.AlignmentFlag.AlignCenter.value | QtCore.Qt.TextFlag.TextWordWrap.value)
        center = int(QtCore.Qt.AlignmentFlag.AlignCenter.value)
        return [
            (self.instruction, QtCore.QRectF(0.05 * w, 0.03 * h, 0.9 * w, 0.14 * h),
             max(9.0, side / 32), wrap),
            (self.message, QtCore.QRectF(0.05 * w, 0.80 * h, 0.9 * w, 0.1 * h),
             max(9.0, side / 30), wrap),
            (self.footer, QtCore.QRectF(0.05 * w, 0.91 * h, 0.9 * w, 0.07 * h),
             max(8.0, side / 48), center),
        ]

    def _paint_text(self, p: QtGui.QPainter, w: int, h: int) -> None:
        colors = [QtGui.QColor(220, 225, 240),
                  QtGui.QColor(255, 170, 120) if self.frozen else QtGui.QColor(200, 210, 235),
                  QtGui.QColor(130, 140, 170)]
        for (text, box, size, flags), color in zip(self.text_boxes(w, h), colors, strict=True):
            if not text:
                continue
            p.setFont(fit_font(p.font(), box, text, flags, size))
            p.setPen(color)
            p.drawText(box, flags, text)


def fit_font(base: QtGui.QFont, box: QtCore.QRectF, text: str, flags: int,
             max_pt: float, min_pt: float = 6.0) -> QtGui.QFont:
    """``base`` at the largest point size <= ``max_pt`` at which ``text`` fits ``box``.

    Parameters
    ----------
    base : QFont
        Family and style to use.
    box : QRectF
        The box the text is drawn in, pixels.
    text : str
        The text (wrapped by Qt when ``flags`` has ``TextWordWrap``).
    flags : int
        Qt alignment and text flags passed to ``drawText``.
    max_pt, min_pt : float
        Largest and smallest point size; the size shrinks by 5 % a step, and ``min_pt`` is used
        when nothing larger fits.
    """
    font = QtGui.QFont(base)
    size = float(max_pt)
    while True:
        font.setPointSizeF(size)
        need = QtGui.QFontMetricsF(font).boundingRect(box, flags, text)
        if (need.height() <= box.height() and need.width() <= box.width()) or size <= min_pt:
            return font
        size = max(min_pt, size * 0.95)


class FeedbackWindow(QtWidgets.QWidget):
    """A top-level window holding a :class:`FeedbackView`; F11 toggles full screen, Esc leaves it."""

    def __init__(self, mode: str = DEFAULT_SCORE):
        super().__init__()
        self.setWindowTitle("Neurofeedback \u2013 feedback")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.view = FeedbackView(self, mode=mode)
        lay.addWidget(self.view)
        self.resize(900, 700)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() == QtCore.Qt.Key.Key_F11:
            self.showNormal() if self.isFullScreen() else self.showFullScreen()
        elif event.key() == QtCore.Qt.Key.Key_Escape and self.isFullScreen():
            self.showNormal()
        else:
            super().keyPressEvent(event)
