"""Lagged synchrony on a head outline: a line per region pair whose width and colour follow that
pair's pooled debiased wPLI^2 (what `synchrony` averages)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets

from .head_geometry import REGION_LABELS, head_outline, plv_color, region_positions
from .panel import titled_plot

#: Line width (px) at synchrony 0 and 1.
MIN_WIDTH, MAX_WIDTH = 0.5, 12.0


class SyncHeadWidget(QtWidgets.QWidget):
    """Head seen from above, nose up; nodes are regions, lines are pairwise lagged synchrony.

    Attributes
    ----------
    line_widths : dict of (str, str) to float
        Pen width of each region pair's line, px (0 when not drawn).
    plv : ndarray, shape (n_regions, n_regions)
        Matrix last drawn.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        lay, self.title, self.plot = titled_plot(self, "<b>Lagged synchrony</b> (wPLI\u00b2)")
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setAspectLocked(True)
        cx, cy, nx, ny = head_outline()
        outline_pen = pg.mkPen((90, 90, 90), width=2)
        self.plot.plot(cx, cy, pen=outline_pen)
        self.plot.plot(nx, ny, pen=outline_pen)
        for side in (-1, 1):
            t = np.linspace(-0.5 * np.pi, 0.5 * np.pi, 20)
            self.plot.plot(side * (1.05 + 0.08 * np.cos(t)), 0.18 * np.sin(t), pen=outline_pen)
        self.plot.setRange(xRange=(-1.25, 1.25), yRange=(-1.2, 1.25), padding=0)
        self.nodes = pg.ScatterPlotItem(size=22, brush=pg.mkBrush(60, 60, 60), pen=pg.mkPen("w", width=1.5))
        self.nodes.setZValue(10)
        self.plot.addItem(self.nodes)
        self.texts: list[pg.TextItem] = []
        self.lines: dict[tuple[str, str], pg.PlotCurveItem] = {}
        self.line_widths: dict[tuple[str, str], float] = {}
        self.regions: tuple[str, ...] = ()
        self.positions: dict[str, tuple[float, float]] = {}
        self.plv = np.zeros((0, 0))

    def configure(self, ch_names: list[str]) -> None:
        """Compute region positions for a session's channels."""
        self.positions = region_positions(ch_names)
        self._set_regions(())

    def _set_regions(self, regions: tuple[str, ...]) -> None:
        for line in self.lines.values():
            self.plot.removeItem(line)
        for t in self.texts:
            self.plot.removeItem(t)
        self.lines, self.line_widths, self.texts = {}, {}, []
        self.regions = tuple(regions)
        pts = [self.positions.get(r, (0.0, 0.0)) for r in regions]
        self.nodes.setData(pos=np.array(pts).reshape(-1, 2))
        for r, (x, y) in zip(regions, pts, strict=False):
            t = pg.TextItem(REGION_LABELS.get(r, r), color="w", anchor=(0.5, 0.5))
            t.setPos(x, y)
            t.setZValue(11)
            self.plot.addItem(t)
            self.texts.append(t)
        for i, a in enumerate(regions):
            for b in regions[i + 1:]:
                (xa, ya), (xb, yb) = self.positions.get(a, (0, 0)), self.positions.get(b, (0, 0))
                line = pg.PlotCurveItem([xa, xb], [ya, yb], pen=pg.mkPen((200, 200, 200), width=MIN_WIDTH))
                self.plot.addItem(line)
                self.lines[(a, b)] = line
                self.line_widths[(a, b)] = 0.0

    def update_frame(self, frame) -> None:
        """Draw ``frame.sync_matrix`` (each pair's lagged synchrony, debiased wPLI^2) over
        ``frame.regions`` (nothing to do when they are empty)."""
        regions = tuple(getattr(frame, "regions", ()) or ())
        plv = np.asarray(getattr(frame, "sync_matrix", np.zeros((0, 0))), dtype=float)
        if len(regions) < 2 or plv.shape != (len(regions), len(regions)):
            return
        if regions != self.regions:
            self._set_regions(regions)
        self.plv = plv
        for i, a in enumerate(regions):
            for j in range(i + 1, len(regions)):
                v = plv[i, j]
                line = self.lines[(a, regions[j])]
                if not np.isfinite(v):
                    line.setPen(pg.mkPen((220, 220, 220), width=MIN_WIDTH, style=pg.QtCore.Qt.PenStyle.DotLine))
                    self.line_widths[(a, regions[j])] = 0.0
                    continue
                v = float(np.clip(v, 0.0, 1.0))
                width = MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * v
                line.setPen(pg.mkPen(plv_color(v), width=width))
                self.line_widths[(a, regions[j])] = width
        s = getattr(frame, "synchrony", float("nan"))
        c = getattr(frame, "synchrony_chance", float("nan"))
        p = getattr(frame, "plv", float("nan"))
        self.title.setText(
            f"<b>Lagged synchrony</b> (wPLI\u00b2) &nbsp; {_fmt(s)} &nbsp; chance {_fmt(c)}"
            f" &nbsp; PLV {_fmt(p)}"
        )


def _fmt(x: float) -> str:
    return "\u2013" if x is None or not np.isfinite(x) else f"{x:.2f}"
