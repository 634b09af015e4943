"""The annealing timeline: energy, temperature and synchrony over the whole session, the
background coloured by annealing phase, markers as vertical lines.

Memory stays bounded over any session length: points live in preallocated arrays of
:data:`CAPACITY`; when full, every other point is dropped and the stride doubles, so the whole
session stays on screen at a coarser resolution. Phase bands are added only on a phase change.

Redraws stay cheap: the time axis grows in steps (:func:`nice_ceil`) and the energy axis in
whole z units, so tick labels are regenerated only when a range actually changes, and the
reference lines (z = 0, synchrony = 0.5) are single items rather than axis grids (a grid is replayed
with every repaint of the plot).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets

from neurofeedback.pipeline.frame import PHASES

from .ranges import nice_ceil

#: Points kept per series.
CAPACITY = 6000
#: Phase bands and markers kept (oldest dropped beyond this).
MAX_BANDS = 400
MAX_MARKERS = 200
#: Markers of a replayed file or an external stream kept, on their own (a file dense with
#: triggers must not push the protocol's phases and the user's markers off the timeline).
MAX_FILE_MARKERS = 100
PHASE_COLORS: dict[str, tuple[int, int, int]] = {
    "baseline": (200, 200, 200),
    "heating": (250, 190, 120),
    "disintegration": (240, 120, 110),
    "search": (200, 150, 230),
    "annealing": (130, 190, 240),
    "integrated": (140, 210, 150),
    "drowsy": (188, 189, 220),
}
SERIES = ("energy", "temperature", "synchrony")
SERIES_PENS = {
    "energy": pg.mkPen((200, 60, 30), width=2),
    "temperature": pg.mkPen((120, 60, 160), width=1.5),
    "synchrony": pg.mkPen((20, 110, 200), width=2),
}


class TimelineWidget(QtWidgets.QWidget):
    """Two stacked plots sharing the time axis: z-scored energy and temperature (top), synchrony
    0..1 (bottom).

    Attributes
    ----------
    n_points : int
        Points currently held per series.
    stride : int
        Frames per stored point (doubles whenever the buffer fills).
    bands : list of LinearRegionItem pairs
        Phase background bands, one per phase run.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        legend = " ".join(
            f"<span style='background:rgb{c}'>&nbsp;{p}&nbsp;</span>" for p, c in PHASE_COLORS.items()
        )
        head = QtWidgets.QLabel(
            "<b>Annealing timeline</b> &nbsp; <span style='color:#c83c1e'>\u2501 energy</span> "
            "<span style='color:#783ca0'>\u2501 temperature</span> "
            f"<span style='color:#146ec8'>\u2501 synchrony</span> &nbsp; {legend}"
        )
        lay.addWidget(head)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        lay.addWidget(self.glw)
        self.top = self.glw.addPlot(row=0, col=0)
        self.bottom = self.glw.addPlot(row=1, col=0)
        self.bottom.setXLink(self.top)
        self.top.setLabel("left", "z (baseline)")
        self.bottom.setLabel("left", "synchrony")
        self.bottom.setLabel("bottom", "session time", units="s")
        self.bottom.setYRange(0, 1, padding=0.02)
        self.top.setYRange(-3, 3, padding=0)
        for p in (self.top, self.bottom):
            p.setMenuEnabled(False)
            p.hideButtons()
            p.setMouseEnabled(x=False, y=False)
            p.setClipToView(True)
            p.setDownsampling(auto=True, mode="peak")
            p.getViewBox().disableAutoRange()
        ref_pen = pg.mkPen((150, 150, 150), width=1, style=pg.QtCore.Qt.PenStyle.DotLine)
        self.top.addItem(pg.InfiniteLine(0.0, angle=0, pen=ref_pen), ignoreBounds=True)
        self.bottom.addItem(pg.InfiniteLine(0.5, angle=0, pen=ref_pen), ignoreBounds=True)
        self.curves = {
            "energy": self.top.plot(pen=SERIES_PENS["energy"], skipFiniteCheck=True, connect="finite"),
            "temperature": self.top.plot(pen=SERIES_PENS["temperature"], skipFiniteCheck=True, connect="finite"),
            "synchrony": self.bottom.plot(pen=SERIES_PENS["synchrony"], skipFiniteCheck=True, connect="finite"),
        }
        for c in self.curves.values():
            c.setZValue(5)
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new session)."""
        for attr in ("bands", "markers", "file_markers"):
            for pair in getattr(self, attr, []):
                self._remove(pair)
        self.t = np.zeros(CAPACITY)
        self.values = {k: np.full(CAPACITY, np.nan) for k in SERIES}
        self.n_points = 0
        self.stride = 1
        self._pending = 0
        self.bands: list[tuple[pg.LinearRegionItem, pg.LinearRegionItem]] = []
        self.markers: list[tuple[pg.InfiniteLine, ...]] = []
        self.file_markers: list[tuple[pg.InfiniteLine, ...]] = []
        self.phase: str | None = None
        self._phase_start = 0.0
        self.t_end = 0.0
        self.x_max = 10.0
        self.y_range = (-3.0, 3.0)
        self.top.setXRange(0, self.x_max, padding=0.01)
        self.top.setYRange(*self.y_range, padding=0.05)
        for c in self.curves.values():
            c.setData([], [])

    # -- frames --------------------------------------------------------------------------
    def add_frames(self, frames: list) -> None:
        """Append feature frames (oldest first) and redraw once."""
        if not frames:
            return
        for fr in frames:
            self._add(fr)
        n = self.n_points
        x = self.t[:n]
        for k, c in self.curves.items():
            c.setData(x, self.values[k][:n], skipFiniteCheck=True, connect="finite")
        self._extend_band(self.t_end)
        self._autorange_top()
        if self.t_end > self.x_max:  # grow in steps: the axis is regenerated only then
            self.x_max = nice_ceil(self.t_end * 1.1)
            self.top.setXRange(0, self.x_max, padding=0.01)

    def _add(self, fr) -> None:
        t = float(fr.time_s)
        self.t_end = t
        phase = fr.phase if fr.phase in PHASES else "baseline"
        if phase != self.phase:
            self._new_band(phase, t)
        self._pending += 1
        if self._pending < self.stride:
            return
        self._pending = 0
        if self.n_points == CAPACITY:
            self._compact()
        i = self.n_points
        self.t[i] = t
        for k in SERIES:
            v = getattr(fr, k, math.nan)
            self.values[k][i] = math.nan if v is None else float(v)
        self.n_points += 1

    def _compact(self) -> None:
        half = CAPACITY // 2
        self.t[:half] = self.t[1::2][:half]
        for k in SERIES:
            self.values[k][:half] = self.values[k][1::2][:half]
            self.values[k][half:] = np.nan
        self.n_points = half
        self.stride *= 2

    def _new_band(self, phase: str, t: float) -> None:
        self._extend_band(t)
        self.phase = phase
        self._phase_start = t
        color = PHASE_COLORS.get(phase, (220, 220, 220))
        pair = []
        for plot in (self.top, self.bottom):
            item = pg.LinearRegionItem((t, t), movable=False, brush=pg.mkBrush(*color, 110), pen=pg.mkPen(None))
            item.setZValue(-10)
            plot.addItem(item)
            pair.append(item)
        self.bands.append((pair[0], pair[1]))
        if len(self.bands) > MAX_BANDS:
            self._remove(self.bands.pop(0))

    def _extend_band(self, t: float) -> None:
        if self.bands:
            for it in self.bands[-1]:
                it.setRegion((self._phase_start, t))

    def _autorange_top(self) -> None:
        n = self.n_points
        vals = np.concatenate([self.values["energy"][:n], self.values["temperature"][:n]])
        vals = vals[np.isfinite(vals)]
        if vals.size:
            lo = float(min(-3.0, math.floor(vals.min())))
            hi = float(max(3.0, math.ceil(vals.max())))
            if (lo, hi) != self.y_range:
                self.y_range = (lo, hi)
                self.top.setYRange(lo, hi, padding=0.05)

    # -- markers -------------------------------------------------------------------------
    def add_marker(self, t: float, label: str, from_file: bool = False) -> None:
        """A dashed vertical line at ``t`` seconds, labelled: dark for the protocol's phases
        and the user's markers, grey for a replayed file's or an external stream's markers
        (``from_file``; kept in a list of their own, :data:`MAX_FILE_MARKERS` at most)."""
        color = (130, 130, 130) if from_file else (40, 40, 40)
        pen = pg.mkPen(color, width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
        top = pg.InfiniteLine(t, angle=90, pen=pen, label=label,
                              labelOpts={"position": 0.92, "color": color})
        bottom = pg.InfiniteLine(t, angle=90, pen=pen)
        self.top.addItem(top)
        self.bottom.addItem(bottom)
        kept, cap = (self.file_markers, MAX_FILE_MARKERS) if from_file else (self.markers, MAX_MARKERS)
        kept.append((top, bottom))
        if len(kept) > cap:
            self._remove(kept.pop(0))

    def _remove(self, pair: tuple) -> None:
        """Take a (top, bottom) pair of items off their plots. Through the plot, not its view
        box: the plot keeps a list of its items, and one left there without a view box breaks
        the plot's next bounding-box pass (an exception inside Qt's paint, which aborts)."""
        for plot, it in zip((self.top, self.bottom), pair, strict=True):
            plot.removeItem(it)

    def point_count(self) -> int:
        """Points drawn per series (for tests)."""
        c = self.curves["energy"]
        return 0 if c.xData is None else len(c.xData)
