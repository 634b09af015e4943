"""Power spectrum (per channel and mean) and band powers of the latest frame."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets

from neurofeedback.pipeline.frame import BANDS

from .ranges import stepped_range

BAND_COLORS = [(90, 90, 200), (60, 160, 200), (60, 170, 90), (220, 150, 40), (200, 70, 70)]
BAND_SYMBOLS = {"delta": "\u03b4", "theta": "\u03b8", "alpha": "\u03b1", "beta": "\u03b2", "gamma": "\u03b3"}
#: Highest frequency drawn, Hz.
FMAX_HZ = 60.0


class SpectrumWidget(QtWidgets.QWidget):
    """Left: PSD in dB of every channel (thin) and their mean over clean channels (thick).
    Right: band power in dB (mean over clean channels).

    Attributes
    ----------
    mean_psd_db : ndarray, shape (n_freqs,)
        The thick curve last drawn.
    band_db : ndarray, shape (n_bands,)
        Bar heights last drawn, dB.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QtWidgets.QLabel("<b>Spectrum</b> and band power"))
        row = QtWidgets.QHBoxLayout()
        lay.addLayout(row)
        self.psd_plot = pg.PlotWidget(background="w")
        self.psd_plot.setMenuEnabled(False)
        self.psd_plot.hideButtons()
        self.psd_plot.setLabel("bottom", "frequency", units="Hz")
        self.psd_plot.setLabel("left", "dB re 1 \u00b5V\u00b2/Hz")
        self.psd_plot.setXRange(0, FMAX_HZ, padding=0)
        self.psd_plot.getViewBox().disableAutoRange()
        self._psd_range: tuple[float, float] | None = None
        for (lo, hi), color in zip(BANDS.values(), BAND_COLORS, strict=True):
            region = pg.LinearRegionItem((lo, hi), movable=False, brush=pg.mkBrush(*color, 25), pen=pg.mkPen(None))
            self.psd_plot.addItem(region)
        row.addWidget(self.psd_plot, 3)
        self.band_plot = pg.PlotWidget(background="w")
        self.band_plot.setMenuEnabled(False)
        self.band_plot.hideButtons()
        self.band_plot.setMouseEnabled(x=False, y=False)
        self.band_plot.setLabel("left", "dB")
        self.band_plot.getAxis("bottom").setTicks([[(i, BAND_SYMBOLS.get(b, b)) for i, b in enumerate(BANDS)], []])
        self.band_plot.getAxis("left").enableAutoSIPrefix(False)
        self.bars = pg.BarGraphItem(
            x=np.arange(len(BANDS)), height=np.zeros(len(BANDS)), width=0.7,
            brushes=[pg.mkBrush(c) for c in BAND_COLORS],
        )
        self.band_plot.addItem(self.bars)
        self.band_plot.getViewBox().disableAutoRange()
        self.band_plot.setXRange(-0.6, len(BANDS) - 0.4, padding=0)
        row.addWidget(self.band_plot, 2)
        # every channel's PSD in one curve (breaks between channels): one draw call
        self.channel_curve = pg.PlotCurveItem(pen=pg.mkPen((150, 150, 150, 110), width=1), skipFiniteCheck=True)
        self.psd_plot.addItem(self.channel_curve)
        self.mean_curve = self.psd_plot.plot(pen=pg.mkPen((20, 20, 20), width=2.5), skipFiniteCheck=True)
        self.mean_psd_db = np.zeros(0)
        self.band_db = np.full(len(BANDS), np.nan)
        self._band_range = (0.0, 0.0)

    def configure(self, n_channels: int) -> None:
        self.n_channels = n_channels
        self.channel_curve.setData([], [])
        self.mean_curve.setZValue(10)
        self.mean_psd_db = np.zeros(0)
        self.band_db = np.full(len(BANDS), np.nan)

    def update_frame(self, frame) -> None:
        """Draw ``frame.freqs``/``frame.psd`` and ``frame.bands``; empty fields are skipped."""
        freqs = np.asarray(frame.freqs, dtype=float)
        psd = np.asarray(frame.psd, dtype=float)
        if freqs.size and psd.ndim == 2 and psd.shape[1] == freqs.size:
            keep = freqs <= FMAX_HZ
            f = freqs[keep]
            db = 10 * np.log10(np.maximum(psd[:, keep], 1e-12))
            k, m = db.shape[0], f.size
            connect = np.ones((k, m), dtype=bool)
            connect[:, -1] = False
            self.channel_curve.setData(np.tile(f, k), db.ravel(), connect=connect.ravel(), skipFiniteCheck=True)
            quality = getattr(frame, "channel_quality", ())
            clean = np.ones(db.shape[0], dtype=bool)
            if len(quality) == db.shape[0] and any(q == "ok" for q in quality):
                clean = np.array([q == "ok" for q in quality], dtype=bool)
            self.mean_psd_db = 10 * np.log10(np.maximum(psd[clean][:, keep].mean(axis=0), 1e-12))
            self.mean_curve.setData(f, self.mean_psd_db, skipFiniteCheck=True)
            # fixed range in 10-dB steps (the 1st..99.9th percentile of what is drawn, at most 100 dB)
            lo, hi = np.percentile(db, [1.0, 99.9])
            rng = stepped_range(max(float(lo), float(hi) - 100.0), float(hi), 10.0, self._psd_range)
            if rng != self._psd_range:
                self._psd_range = rng
                self.psd_plot.setYRange(*rng, padding=0)
        bands = getattr(frame, "bands", {}) or {}
        vals = np.array([bands.get(b, np.nan) for b in BANDS], dtype=float)
        if np.isfinite(vals).any():
            self.band_db = vals
            lo = float(np.nanmin(vals))
            base = min(0.0, lo - 3)
            heights = np.nan_to_num(vals - base)
            self.bars.setOpts(x=np.arange(len(BANDS)), y0=base, height=heights)
            rng = (5 * np.floor(base / 5), 5 * np.ceil((float(np.nanmax(vals)) + 3) / 5))
            if rng != self._band_range:  # re-range in 5-dB steps only
                self._band_range = rng
                self.band_plot.setYRange(*rng, padding=0)
