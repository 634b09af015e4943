"""Per-channel signal quality: one bar per channel (display RMS, uV), coloured by verdict."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets

from neurofeedback.pipeline.quality import REASONS

from .panel import titled_plot
from .ranges import stepped_range

#: Colour of each quality verdict (``FeatureFrame.channel_quality``).
QUALITY_COLORS: dict[str, tuple[int, int, int]] = {
    "ok": (60, 170, 90),
    "railed": (200, 0, 0),
    "flat": (120, 120, 120),
    "line": (230, 140, 0),
    "amplitude": (220, 60, 60),
    "emg": (170, 60, 200),
    "blink": (40, 110, 220),
    "gaze": (0, 170, 200),
}
if set(QUALITY_COLORS) != set(REASONS):  # pragma: no cover - caught at import by every test
    raise RuntimeError(f"QUALITY_COLORS {tuple(QUALITY_COLORS)} must cover every reason {REASONS}")
UNKNOWN_COLOR = (160, 160, 160)


class QualityWidget(QtWidgets.QWidget):
    """Bars of each channel's RMS amplitude over the last second, coloured by its verdict.

    Attributes
    ----------
    rms_uv : ndarray, shape (n_channels,)
        Heights last drawn, microvolts.
    quality : tuple of str
        Verdicts last drawn.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        lay, self.title, self.plot = titled_plot(self, "<b>Signal quality</b> (RMS, 1 s)")
        self.plot.setLabel("left", "RMS", units="\u00b5V")
        self.legend = QtWidgets.QLabel(
            " ".join(
                f"<span style='color:rgb{c}'>\u25a0 {k}</span>" for k, c in QUALITY_COLORS.items()
            )
        )
        self.legend.setWordWrap(True)
        # the bad channels, under the title, wrapped over as many lines as they need; the tooltip
        # lists them too (one per line)
        self.bad_label = QtWidgets.QLabel("")
        self.bad_label.setWordWrap(True)
        self.bad_label.setStyleSheet("color:#c00")
        self.bad_label.setVisible(False)
        lay.insertWidget(1, self.bad_label)
        lay.addWidget(self.legend)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.plot.addItem(self.bars)
        self.plot.getViewBox().disableAutoRange()
        self._y_range: tuple[float, float] | None = None
        self.ch_names: list[str] = []
        self.rms_uv = np.zeros(0)
        self.quality: tuple[str, ...] = ()

    def configure(self, ch_names: list[str]) -> None:
        self.ch_names = list(ch_names)
        self.rms_uv = np.zeros(len(ch_names))
        self.quality = ()
        ax = self.plot.getAxis("bottom")
        ax.setTicks([[(i, n) for i, n in enumerate(ch_names)], []])
        self.bars.setOpts(x=np.arange(len(ch_names)), height=self.rms_uv, brushes=None)
        self.plot.setXRange(-0.6, len(ch_names) - 0.4, padding=0)

    def update_quality(self, rms_uv: np.ndarray, quality: tuple[str, ...]) -> None:
        """Redraw the bars.

        Parameters
        ----------
        rms_uv : ndarray, shape (n_channels,)
            RMS of the display-filtered signal, microvolts.
        quality : tuple of str
            Verdict per channel; empty before the first frame.
        """
        n = len(self.ch_names)
        if n == 0 or len(rms_uv) != n:
            return
        self.rms_uv = np.nan_to_num(np.asarray(rms_uv, dtype=float))
        if len(quality) == n:
            self.quality = tuple(quality)
        brushes = [pg.mkBrush(QUALITY_COLORS.get(q, UNKNOWN_COLOR)) for q in self.quality] or None
        self.bars.setOpts(x=np.arange(n), height=self.rms_uv, brushes=brushes)
        top = float(self.rms_uv.max()) if self.rms_uv.size else 0.0
        step = 10.0 ** math.floor(math.log10(top)) if top > 0 else 1.0
        rng = stepped_range(0.0, top * 1.05, step, self._y_range, slack=1.0)
        if rng != self._y_range:
            self._y_range = rng
            self.plot.setYRange(*rng, padding=0)
        bad = [f"{c}: {q}" for c, q in zip(self.ch_names, self.quality, strict=False) if q != "ok"]
        text = ("bad: " + ", ".join(bad)) if bad else ""
        if text != self.bad_label.text():
            self.bad_label.setText(text)
            self.bad_label.setToolTip("\n".join(bad))
            self.bad_label.setVisible(bool(bad))
