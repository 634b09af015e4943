"""Scalp spatial modes: share of spatial power in each eigenmode of the electrode graph's Laplacian
(the constant, reference-dependent mode left out)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets

from .panel import titled_plot
from .ranges import stepped_range

#: Modes counted as "low" in the colouring (the pipeline's own count decides ``spatial_low_share``).
N_LOW_DRAWN = 3


class SpatialModesWidget(QtWidgets.QWidget):
    """Bars: power share of each spatial mode, lowest (smoothest) mode first.

    Attributes
    ----------
    share : ndarray, shape (n_modes,)
        Bar heights last drawn (fractions summing to 1).
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        lay, self.title, self.plot = titled_plot(self, "<b>Scalp spatial modes</b> (power share)")
        self.plot.setLabel("bottom", "mode (1 = smoothest gradient across the scalp)")
        self.plot.setLabel("left", "share")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setYRange(0, 0.6, padding=0)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.plot.addItem(self.bars)
        self.plot.getViewBox().disableAutoRange()
        self._n_drawn = 0
        self._y_range: tuple[float, float] | None = None
        self.share = np.zeros(0)

    def update_frame(self, frame) -> None:
        """Draw ``frame.mode_power`` (skipped while empty)."""
        p = np.asarray(getattr(frame, "mode_power", np.zeros(0)), dtype=float)
        if p.size == 0 or not np.isfinite(p).any() or np.nansum(p) <= 0:
            return
        p = np.nan_to_num(np.maximum(p, 0))
        self.share = p / p.sum()
        n = self.share.size
        brushes = [
            pg.mkBrush(70, 130, 200) if i < N_LOW_DRAWN else pg.mkBrush(170, 170, 190) for i in range(n)
        ]
        self.bars.setOpts(x=np.arange(1, n + 1), height=self.share, brushes=brushes)
        if n != self._n_drawn:
            self._n_drawn = n
            self.plot.setXRange(0.4, n + 0.6, padding=0)
        top = max(0.2, min(1.0, float(self.share.max()) * 1.15))
        rng = stepped_range(0.0, top, 0.1, self._y_range, slack=0.5)
        if rng != self._y_range:
            self._y_range = rng
            self.plot.setYRange(*rng, padding=0)
        lo, ent = getattr(frame, "spatial_low_share", np.nan), getattr(frame, "spatial_mode_entropy", np.nan)
        self.title.setText(
            "<b>Scalp spatial modes</b> &nbsp; "
            f"low-mode share {_fmt(lo)} &nbsp; entropy {_fmt(ent)}"
        )


def _fmt(x: float) -> str:
    return "\u2013" if x is None or not np.isfinite(x) else f"{x:.2f}"
