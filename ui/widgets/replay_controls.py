"""Replay controls for a file source: play/pause, speed, and a seek slider."""

from __future__ import annotations

from PyQt6 import QtCore, QtWidgets

SPEEDS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


def _clock(t: float) -> str:
    m, s = divmod(max(0, int(t)), 60)
    return f"{m:d}:{s:02d}"


class ReplayControls(QtWidgets.QWidget):
    """Bound to a :class:`~neurofeedback.sources.file_source.FileSource` with :meth:`bind`.

    The slider is in tenths of a second of file time; dragging seeks on release.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.play_button = QtWidgets.QPushButton("Pause")
        self.play_button.setToolTip("pause / resume the replay (Space)")
        self.play_button.clicked.connect(self.toggle)
        lay.addWidget(self.play_button)
        lay.addWidget(QtWidgets.QLabel("speed"))
        self.speed_box = QtWidgets.QComboBox()
        for s in SPEEDS:
            self.speed_box.addItem(f"{s:g}\u00d7", s)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.currentIndexChanged.connect(self._speed_changed)
        lay.addWidget(self.speed_box)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setToolTip("drag to seek in the file")
        self.slider.sliderReleased.connect(self._seek_released)
        lay.addWidget(self.slider, 1)
        self.position_label = QtWidgets.QLabel("0:00 / 0:00")
        lay.addWidget(self.position_label)
        self.source = None
        self.setEnabled(False)

    def bind(self, source) -> None:
        """Control ``source`` (a FileSource), or nothing when it is None / not seekable."""
        seekable = source is not None and all(hasattr(source, a) for a in ("seek", "pause", "resume", "position_s"))
        self.source = source if seekable else None
        self.setEnabled(seekable)
        self.setVisible(seekable)
        if not seekable:
            return
        dur = float(source.info.duration_s or 0.0)
        self.slider.setRange(0, int(dur * 10))
        speed = float(getattr(source, "speed", 1.0))
        index = self.speed_box.findData(speed)
        if index < 0:  # a speed given on the command line (--speed 60, 0 = unpaced): listed too
            label = "max" if speed == 0 else f"{speed:g}\u00d7"
            n = self.speed_box.count()  # in speed order, "max" last
            index = n if speed == 0 else sum(
                1 for k in range(n) if float(self.speed_box.itemData(k)) < speed)
            self.speed_box.insertItem(index, label, speed)
        self.speed_box.blockSignals(True)
        self.speed_box.setCurrentIndex(index)
        self.speed_box.blockSignals(False)
        self.refresh()

    def toggle(self) -> None:
        """Pause a playing replay, resume a paused one."""
        if self.source is None:
            return
        if self.source.paused:
            self.source.resume()
        else:
            self.source.pause()
        self.refresh()

    def seek(self, t_s: float) -> None:
        """Jump to ``t_s`` seconds into the file."""
        if self.source is None:
            return
        self.source.seek(float(t_s))
        self.refresh()

    def set_speed(self, speed: float) -> None:
        if self.source is not None:
            self.source.set_speed(float(speed))

    def _speed_changed(self) -> None:
        self.set_speed(float(self.speed_box.currentData()))

    def _seek_released(self) -> None:
        self.seek(self.slider.value() / 10.0)

    def refresh(self) -> None:
        """Follow the source's position (called on the window's timer)."""
        if self.source is None:
            return
        pos = float(self.source.position_s)
        dur = float(self.source.info.duration_s or 0.0)
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(int(pos * 10))
            self.slider.blockSignals(False)
        self.play_button.setText("Play" if self.source.paused else "Pause")
        state = " (paused)" if self.source.paused else ""
        self.position_label.setText(f"{_clock(pos)} / {_clock(dur)}{state}")
