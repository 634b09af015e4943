"""The frame every operator panel shares: a bold title line over a static pyqtgraph plot."""

from __future__ import annotations

import pyqtgraph as pg
from PyQt6 import QtWidgets


def titled_plot(
    parent: QtWidgets.QWidget, title_html: str
) -> tuple[QtWidgets.QVBoxLayout, QtWidgets.QLabel, pg.PlotWidget]:
    """Lay out ``title_html`` above a white plot that ignores the mouse and hides its buttons.

    Returns
    -------
    layout : QVBoxLayout
        The parent's layout (more widgets may be added below the plot).
    title : QLabel
        The title line (its text may be updated).
    plot : pyqtgraph.PlotWidget
        The plot.
    """
    lay = QtWidgets.QVBoxLayout(parent)
    lay.setContentsMargins(0, 0, 0, 0)
    title = QtWidgets.QLabel(title_html)
    title.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
    lay.addWidget(title)
    plot = pg.PlotWidget(background="w")
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    lay.addWidget(plot)
    return lay, title, plot
