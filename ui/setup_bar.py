"""Session setup toolbar: choose the source, protocol and recording; start and stop.

Non-modal (a row at the top of the main window), so it never blocks tests or the operator.
"""

from __future__ import annotations

import logging

from PyQt6 import QtCore, QtWidgets

from neurofeedback.app import HARDWARE_BOARDS, SCENARIOS, SOURCE_KINDS, SessionSpec
from neurofeedback.app.paths import default_record_dir
from neurofeedback.app.vocab import LSL_BOARD
from neurofeedback.protocols import protocol_names

log = logging.getLogger(__name__)

#: How the source box labels each :data:`~neurofeedback.app.SOURCE_KINDS` entry.
SOURCE_LABELS: dict[str, str] = {
    "synthetic": "BrainFlow synthetic board",
    "simulated": "Scenario simulator",
    "board": "BrainFlow board (headset)",
    "replay": "Replay a file",
}
#: Source choices shown, in the application's order: (label, SessionSpec.kind).
SOURCE_CHOICES: tuple[tuple[str, str], ...] = tuple((SOURCE_LABELS[k], k) for k in SOURCE_KINDS)
NO_PROTOCOL = "(no protocol)"


def _protocol_names() -> list[str]:
    try:
        return protocol_names()
    except Exception as exc:  # noqa: BLE001 - a broken protocols folder must not stop the window
        log.warning("cannot list protocols: %s", exc)
        return []


class SetupBar(QtWidgets.QFrame):
    """Emits :attr:`start_requested` with a :class:`SessionSpec`, :attr:`stop_requested` on Stop."""

    start_requested = QtCore.pyqtSignal(object)
    stop_requested = QtCore.pyqtSignal()

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(6, 3, 6, 3)
        lay.addWidget(QtWidgets.QLabel("Source"))
        self.source_box = QtWidgets.QComboBox()
        for label, kind in SOURCE_CHOICES:
            self.source_box.addItem(label, kind)
        self.source_box.currentIndexChanged.connect(self._source_changed)
        lay.addWidget(self.source_box)

        self.pages = QtWidgets.QStackedWidget()
        self.pages.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Fixed)
        lay.addWidget(self.pages, 1)
        # synthetic: nothing to set
        self.pages.addWidget(QtWidgets.QLabel("16 sines at 250 Hz, for testing"))
        # simulator
        sim = QtWidgets.QWidget()
        sl = QtWidgets.QHBoxLayout(sim)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(QtWidgets.QLabel("scenario"))
        self.scenario_box = QtWidgets.QComboBox()
        self.scenario_box.addItems(SCENARIOS)
        sl.addWidget(self.scenario_box)
        sl.addWidget(QtWidgets.QLabel("seed"))
        self.seed_box = QtWidgets.QSpinBox()
        self.seed_box.setRange(0, 1_000_000)
        sl.addWidget(self.seed_box)
        sl.addStretch(1)
        self.pages.addWidget(sim)
        # board
        board = QtWidgets.QWidget()
        bl = QtWidgets.QHBoxLayout(board)
        bl.setContentsMargins(0, 0, 0, 0)
        self.board_box = QtWidgets.QComboBox()
        self.board_box.setEditable(True)
        self.board_box.addItems((*HARDWARE_BOARDS, LSL_BOARD))
        self.board_box.setToolTip("a short name or any BrainFlow BoardIds name")
        bl.addWidget(self.board_box)
        self.port_edit = QtWidgets.QLineEdit()
        self.port_edit.setPlaceholderText("serial port: /dev/ttyUSB0, COM3, /dev/cu.usbserial-\u2026")
        bl.addWidget(self.port_edit, 2)
        self.address_edit = QtWidgets.QLineEdit()
        self.address_edit.setPlaceholderText("MAC or IP address (BLE / WiFi boards)")
        bl.addWidget(self.address_edit, 2)
        self.ip_port_box = QtWidgets.QSpinBox()
        self.ip_port_box.setRange(0, 65535)
        self.ip_port_box.setToolTip("IP port (WiFi shield, streaming board); 0 = default")
        bl.addWidget(self.ip_port_box)
        self.pages.addWidget(board)
        # replay
        rep = QtWidgets.QWidget()
        rl = QtWidgets.QHBoxLayout(rep)
        rl.setContentsMargins(0, 0, 0, 0)
        self.path_edit = QtWidgets.QLineEdit()
        self.path_edit.setPlaceholderText("an EEG file or a session folder")
        rl.addWidget(self.path_edit, 1)
        browse = QtWidgets.QPushButton("Browse\u2026")
        browse.clicked.connect(self._browse)
        rl.addWidget(browse)
        self.pages.addWidget(rep)

        lay.addWidget(QtWidgets.QLabel("Protocol"))
        self.protocol_box = QtWidgets.QComboBox()
        self.protocol_box.addItem(NO_PROTOCOL)
        self.protocol_box.addItems(_protocol_names())
        lay.addWidget(self.protocol_box)
        self.record_check = QtWidgets.QCheckBox("Record")
        self.record_check.setChecked(True)
        lay.addWidget(self.record_check)
        self.lsl_check = QtWidgets.QCheckBox("LSL out")
        self.lsl_check.setToolTip("also publish the EEG, the features and markers as Lab Streaming "
                                  "Layer streams (neurofeedback-eeg, -features, -markers)")
        lay.addWidget(self.lsl_check)
        self.start_button = QtWidgets.QPushButton("Start")
        self.start_button.setToolTip("connect to the source and start the session (Ctrl+Return)")
        self.start_button.clicked.connect(self._start)
        lay.addWidget(self.start_button)
        self.stop_button = QtWidgets.QPushButton("Stop")
        self.stop_button.setToolTip("stop the session and close the recording (Ctrl+.)")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.setEnabled(False)
        lay.addWidget(self.stop_button)
        self.record_dir = str(default_record_dir())
        # OSC target from the command line (--osc), kept for sessions started here
        self.osc: str | None = None

    # -- state ---------------------------------------------------------------------------
    def _source_changed(self) -> None:
        self.pages.setCurrentIndex(self.source_box.currentIndex())

    def _browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "EEG file to replay", "", "EEG files (*.txt *.csv *.edf *.bdf *.fif *.gdf *.vhdr *.set);;All files (*)"
        )
        if path:
            self.path_edit.setText(path)

    def set_running(self, running: bool) -> None:
        """Grey out the choices while a session runs."""
        for w in (self.source_box, self.pages, self.protocol_box, self.record_check, self.lsl_check,
                  self.start_button):
            w.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def spec(self) -> SessionSpec:
        """The session the bar currently describes."""
        kind = str(self.source_box.currentData())
        protocol = self.protocol_box.currentText()
        address = self.address_edit.text().strip()
        is_ip = address.count(".") == 3
        return SessionSpec(
            kind=kind,
            board=self.board_box.currentText().strip(),
            options={
                "serial_port": self.port_edit.text().strip(),
                "mac_address": "" if is_ip else address,
                "ip_address": address if is_ip else "",
                "ip_port": self.ip_port_box.value(),
            },
            scenario=self.scenario_box.currentText(),
            seed=self.seed_box.value(),
            replay_path=self.path_edit.text().strip(),
            protocol=None if protocol == NO_PROTOCOL else protocol,
            record=self.record_check.isChecked(),
            lsl_out=self.lsl_check.isChecked(),
            record_dir=self.record_dir,
            osc=self.osc,
        )

    def show_spec(self, spec: SessionSpec) -> None:
        """Fill the bar from a spec (a session started from the command line)."""
        self.osc = spec.osc
        kinds = [k for _, k in SOURCE_CHOICES]
        if spec.kind in kinds:
            self.source_box.setCurrentIndex(kinds.index(spec.kind))
        if spec.kind == "board":
            self.board_box.setCurrentText(spec.board)
            self.port_edit.setText(str(spec.options.get("serial_port", "") or ""))
            self.address_edit.setText(str(spec.options.get("mac_address") or spec.options.get("ip_address") or ""))
            self.ip_port_box.setValue(int(spec.options.get("ip_port", 0) or 0))
        if spec.kind == "simulated" and spec.scenario in SCENARIOS:
            self.scenario_box.setCurrentText(spec.scenario)
            self.seed_box.setValue(int(spec.seed))
        if spec.kind == "replay":
            self.path_edit.setText(spec.replay_path or (spec.source.info.description.get("replayed_file", "") if spec.source else ""))
        if spec.protocol:
            if self.protocol_box.findText(spec.protocol) < 0:
                self.protocol_box.addItem(spec.protocol)
            self.protocol_box.setCurrentText(spec.protocol)
        self.record_check.setChecked(spec.record)
        self.lsl_check.setChecked(spec.lsl_out)
        self.record_dir = spec.record_dir

    def _start(self) -> None:
        self.start_requested.emit(self.spec())
