"""Scrolling EEG traces: every channel, the last 10 s, high-passed for display.

The session hands out raw microvolts (OpenBCI files carry ~60 000 uV DC offsets), so new samples
go through a causal 1 Hz Butterworth high-pass with carried state before they enter a fixed-size
ring buffer; nothing grows over a session. Only the new samples are filtered each redraw. The
window is min/max decimated to about two points per pixel column and drawn by one
:class:`~neurofeedback.ui.widgets.trace_item.StackedTracesItem` (a reused polyline per channel), with fixed
axis ranges so no tick is recomputed while it scrolls.
"""

from __future__ import annotations

import logging

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets
from scipy.signal import butter

from neurofeedback.pipeline.filters import CausalFilter

from .ranges import nice_ceil
from .trace_item import StackedTracesItem

log = logging.getLogger(__name__)

#: Seconds of signal on screen.
WINDOW_S = 10.0
#: Display high-pass corner, Hz.
HIGHPASS_HZ = 1.0
#: Vertical scales offered, microvolts between neighbouring channel baselines.
SCALES_UV: tuple[int, ...] = (10, 20, 50, 100, 200, 500, 1000, 5000)
#: The scale box's first entry: follow the signal (6 x the median channel standard deviation,
#: rounded up to 1, 1.5, 2, 3, 5 or 7.5 x 10^k so the scale does not jitter).
AUTO = 0
#: Rows are this many median standard deviations apart in auto scale.
AUTO_SD = 6.0
OK_PEN = pg.mkPen((30, 30, 60), width=1)
BAD_COLOR = (220, 30, 30)
#: Bad-channel reason labels: white on a dark red box, readable over red and dark traces alike
LABEL_TEXT_COLOR = (255, 255, 255)
LABEL_FILL_COLOR = (150, 0, 0)
BAD_PEN = pg.mkPen((220, 30, 30, 170), width=1)


class DisplayFilter:
    """Causal high-pass filter with state carried between calls.

    A 2nd-order Butterworth run by the pipeline's :class:`~neurofeedback.pipeline.filters.
    CausalFilter` (the same compiled SOS routine, started in steady state for the first
    sample's level so the DC offset does not ring).

    Parameters
    ----------
    n_channels : int
    sfreq : float
        Sample rate, Hz.
    cutoff_hz : float
        High-pass corner, Hz.
    """

    def __init__(self, n_channels: int, sfreq: float, cutoff_hz: float = HIGHPASS_HZ):
        self.sos = butter(2, cutoff_hz, btype="highpass", fs=sfreq, output="sos")
        self.n_channels = n_channels
        self._filter = CausalFilter(self.sos, n_channels)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Filter ``x``, shape (n_channels, n), microvolts; returns the same shape."""
        if x.shape[1] == 0:
            return x
        return self._filter.process(x)


def peak_decimate(
    seg: np.ndarray, first_index: int, sfreq: float, max_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """Min/max decimation for drawing, so spikes survive.

    Parameters
    ----------
    seg : ndarray, shape (n_channels, n)
        Samples, newest last.
    first_index : int
        Stream index of ``seg[:, 0]``; bins are aligned to absolute indices so the picture does
        not shimmer as it scrolls.
    sfreq : float
        Sample rate, Hz.
    max_points : int
        Most points per channel to return.

    Returns
    -------
    x : ndarray, shape (m,)
        Seconds relative to the newest sample (<= 0).
    y : ndarray, shape (n_channels, m)
        The samples (m == n) or, per bin, its minimum then its maximum.
    """
    n = seg.shape[1]
    x_all = (np.arange(n) - (n - 1)) / sfreq
    if n <= max_points:
        return x_all, seg
    bin_ = int(np.ceil(2 * n / max_points))
    start = (-first_index) % bin_
    nb = (n - start) // bin_
    cut = seg[:, start:start + nb * bin_].reshape(seg.shape[0], nb, bin_)
    y = np.empty((seg.shape[0], nb, 2))
    y[:, :, 0] = cut.min(axis=2)
    y[:, :, 1] = cut.max(axis=2)
    xb = x_all[start:start + nb * bin_].reshape(nb, bin_)
    x = np.column_stack([xb[:, 0], xb[:, -1]])
    return x.ravel(), y.reshape(seg.shape[0], 2 * nb)


class TracesWidget(QtWidgets.QWidget):
    """Stacked traces of every channel, bad channels drawn in red with their reason.

    Call :meth:`configure` once per session, then :meth:`update_data` with what
    :meth:`Session.recent_data` returns and :meth:`set_quality` with the latest frame's verdicts.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        bar = QtWidgets.QHBoxLayout()
        self.title = QtWidgets.QLabel("<b>Traces</b> (1 Hz high-pass, last 10 s)")
        bar.addWidget(self.title)
        bar.addStretch(1)
        bar.addWidget(QtWidgets.QLabel("scale"))
        self.scale_box = QtWidgets.QComboBox()
        self.scale_box.addItem("auto", AUTO)
        for s in SCALES_UV:
            self.scale_box.addItem(f"{s} \u00b5V", s)
        self.scale_box.setCurrentIndex(0)
        self.scale_box.setToolTip("microvolts between neighbouring channel baselines (keys + and -)")
        self.scale_box.currentIndexChanged.connect(self._rescale)
        bar.addWidget(self.scale_box)
        lay.addLayout(bar)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "time", units="s")
        self.plot.setXRange(-WINDOW_S, 0, padding=0)
        self.plot.getViewBox().disableAutoRange()
        lay.addWidget(self.plot)
        # one polyline per channel in a single item (good channels dark, bad ones red)
        self.trace_item = StackedTracesItem(self._bounds(1))
        self.plot.addItem(self.trace_item)
        self.points_per_channel: list[int] = []
        self.labels: list[pg.TextItem] = []
        self.ch_names: list[str] = []
        self.quality: tuple[str, ...] = ()
        self.sfreq = 0.0
        self._filter: DisplayFilter | None = None
        self._buf = np.zeros((0, 0))
        self._n_filled = 0
        self._last_end = 0  # stream sample index after the last sample we have seen
        self._since_auto = 0
        self.scale_uv = 100.0
        self._titled_scale = 0.0
        self.auto_scale = True

    # -- setup ---------------------------------------------------------------------------
    def configure(self, ch_names: list[str], sfreq: float) -> None:
        """Prepare curves for a session's channels (clears any previous session)."""
        for t in self.labels:
            self.plot.removeItem(t)
        self.ch_names = list(ch_names)
        self.sfreq = float(sfreq)
        n = len(ch_names)
        self._filter = DisplayFilter(n, sfreq)
        self._buf = np.zeros((n, int(round(WINDOW_S * sfreq))))
        self._n_filled = 0
        self._last_end = 0
        self._since_auto = 0
        self.quality = ()
        self.points_per_channel = [0] * n
        self.labels = []
        for i in range(n):
            label = pg.TextItem("", color=LABEL_TEXT_COLOR, fill=pg.mkBrush(*LABEL_FILL_COLOR),
                                anchor=(1, 0.5))
            label.setPos(0, self._offset(i))
            label.setVisible(False)  # shown with the reason when the channel goes bad
            self.plot.addItem(label)
            self.labels.append(label)
        self.trace_item.set_bounds(self._bounds(n))
        self.trace_item.set_traces(np.zeros(0), np.zeros((n, 0)), [OK_PEN] * n)
        ax = self.plot.getAxis("left")
        ax.setTicks([[(self._offset(i), name) for i, name in enumerate(ch_names)], []])
        self.plot.setYRange(self._offset(n - 1) - 1, self._offset(0) + 1, padding=0.02)

    @classmethod
    def _bounds(cls, n: int) -> QtCore.QRectF:
        """Data rectangle of ``n`` rows over the time window (what the view can show)."""
        top, bottom = cls._offset(0) + 1.5, cls._offset(max(n, 1) - 1) - 1.5
        return QtCore.QRectF(-WINDOW_S, bottom, WINDOW_S, top - bottom)

    @staticmethod
    def _offset(i: int) -> float:
        # channel 0 on top; one unit per channel, data scaled by 1/scale_uv
        return -float(i)

    def _rescale(self) -> None:
        value = float(self.scale_box.currentData())
        self.auto_scale = value == AUTO
        if self.auto_scale:
            self._auto_scale()
        else:
            self.scale_uv = value
        self._redraw()

    def _auto_scale(self) -> None:
        n = self._n_filled
        if n < 2:
            return
        sd = np.std(self._buf[:, -n:], axis=1)
        med = float(np.median(sd[sd > 0])) if np.any(sd > 0) else 0.0
        if med > 0:
            self.scale_uv = max(5.0, nice_ceil(AUTO_SD * med))

    def step_scale(self, direction: int) -> None:
        """Coarser (``+1``) or finer (``-1``) vertical scale (leaving auto)."""
        if self.auto_scale:
            i = int(np.searchsorted(SCALES_UV, self.scale_uv)) + (1 if direction > 0 else 0)
        else:
            i = self.scale_box.currentIndex() - 1 + direction
        i = int(np.clip(i, 0, len(SCALES_UV) - 1))
        self.scale_box.setCurrentIndex(i + 1)

    # -- data ----------------------------------------------------------------------------
    def update_data(self, data: np.ndarray, times: np.ndarray) -> int:
        """Take the newest raw samples and redraw.

        Parameters
        ----------
        data : ndarray, shape (n_channels, n)
            Raw microvolts, the session's most recent samples (may overlap earlier calls).
        times : ndarray, shape (n,)
            Stream time of each sample, seconds.

        Returns
        -------
        int
            Number of new samples taken.
        """
        if self._filter is None or data.shape[0] != len(self.ch_names) or data.shape[1] == 0:
            return 0
        end = int(round(times[-1] * self.sfreq)) + 1
        n_new = min(end - self._last_end, data.shape[1])
        if n_new <= 0:
            return 0
        self._last_end = end
        new = self._filter(np.asarray(data[:, -n_new:], dtype=float))
        buf = self._buf
        m = buf.shape[1]
        if n_new >= m:
            buf[:] = new[:, -m:]
        else:
            buf[:, :-n_new] = buf[:, n_new:]
            buf[:, -n_new:] = new
        self._n_filled = min(self._n_filled + n_new, m)
        self._since_auto += n_new
        if self.auto_scale and (self._since_auto >= self.sfreq or self._n_filled == n_new):
            self._since_auto = 0
            self._auto_scale()
        self._redraw()
        return n_new

    def _redraw(self) -> None:
        n = self._n_filled
        n_ch = len(self.ch_names)
        if n == 0 or n_ch == 0:
            return
        if self.scale_uv != self._titled_scale:
            self._titled_scale = self.scale_uv
            self.title.setText(f"<b>Traces</b> (1 Hz high-pass, last 10 s, {self.scale_uv:.0f} \u00b5V per row)")
        width = max(200, self.plot.width())
        x, seg = peak_decimate(self._buf[:, -n:], self._last_end - n, self.sfreq, max_points=2 * width)
        y = seg / self.scale_uv + np.arange(0, -n_ch, -1, dtype=float)[:, None]
        self.points_per_channel = [x.size] * n_ch
        if len(self.quality) == n_ch:
            pens = [OK_PEN if q == "ok" else BAD_PEN for q in self.quality]
        else:
            pens = [OK_PEN] * n_ch
        self.trace_item.set_traces(x, y, pens)

    def set_quality(self, quality: tuple[str, ...]) -> None:
        """Colour bad channels red and name the reason beside them."""
        if tuple(quality) == self.quality or len(quality) != len(self.labels):
            return
        self.quality = tuple(quality)
        for q, label in zip(quality, self.labels, strict=True):
            label.setText(q if q != "ok" else "")
            label.setVisible(q != "ok")
        self._redraw()

    @property
    def samples_held(self) -> int:
        """Display-filtered samples in the buffer (at most 10 s)."""
        return self._n_filled

    def curve_lengths(self) -> list[int]:
        """Points in each channel's drawn polyline after peak decimation (for tests)."""
        return self.trace_item.lengths()

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt API
        return QtCore.QSize(700, 500)
