"""A pyqtgraph item drawing many stacked traces as one polyline each.

Building a ``QPainterPath`` for 16 channels x ~1300 points costs about as much as stroking it;
a ``QPolygonF`` per channel, filled in place through a NumPy view of its memory and drawn with
``drawPolyline`` and a cosmetic (1 px, not antialiased) pen, skips that step. The polygons are
reused between redraws (resized only when the point count changes), so nothing is allocated per
frame.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui


class StackedTracesItem(pg.GraphicsObject):
    """Polylines sharing one x axis, one per row, each drawn with its own pen.

    Parameters
    ----------
    bounds : QRectF
        The data rectangle the item claims (x: the time window, y: the rows with a margin).
        Rows are clipped to the view box, so it only needs to cover what can be visible.
    """

    def __init__(self, bounds: QtCore.QRectF):
        super().__init__()
        self._bounds = QtCore.QRectF(bounds)
        self._polys: list[QtGui.QPolygonF] = []
        self._pens: list[QtGui.QPen] = []

    def set_bounds(self, bounds: QtCore.QRectF) -> None:
        """Change the claimed rectangle (when the number of rows changes)."""
        self.prepareGeometryChange()
        self._bounds = QtCore.QRectF(bounds)
        self.update()

    def set_traces(self, x: np.ndarray, y: np.ndarray, pens: list[QtGui.QPen]) -> None:
        """Replace what is drawn.

        Parameters
        ----------
        x : ndarray, shape (m,)
            Shared x coordinates (data units).
        y : ndarray, shape (n_rows, m)
            One row per polyline (data units, already offset to its baseline).
        pens : list of QPen, length n_rows
            Pen of each row.
        """
        n_rows, m = y.shape
        if len(self._polys) != n_rows:
            self._polys = [pg.functions.create_qpolygonf(m) for _ in range(n_rows)]
        for i, poly in enumerate(self._polys):
            if len(poly) != m:
                self._polys[i] = poly = pg.functions.create_qpolygonf(m)
            if m:
                buf = pg.functions.ndarray_from_qpolygonf(poly)
                buf[:, 0] = x
                buf[:, 1] = y[i]
        self._pens = list(pens)
        self.update()

    def lengths(self) -> list[int]:
        """Points in each row's polyline."""
        return [len(p) for p in self._polys]

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt API
        return self._bounds

    def paint(self, p: QtGui.QPainter, *args) -> None:
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        last = None
        for poly, pen in zip(self._polys, self._pens, strict=False):
            if len(poly) < 2:
                continue
            if pen is not last:
                p.setPen(pen)
                last = pen
            p.drawPolyline(poly)
