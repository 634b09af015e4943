"""Live acquisition from any BrainFlow board, with stall detection and reconnection.

A worker thread polls the board every ``poll_s`` (10 ms: a sample waits at most that long before
the session sees it) and appends new samples to a buffer that :meth:`BrainFlowSource.read`
drains; :meth:`BrainFlowSource.wait` returns as soon as samples arrive. A board that sends nothing for ``stall_timeout_s`` (dongle
unplugged, battery dead) is reported, then re-opened with exponential back-off; if it has not come
back after ``reconnect_timeout_s`` the source gives up and :meth:`read` raises
:class:`~neurofeedback.errors.SourceDisconnected` once the buffered samples are drained.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

import numpy as np
from brainflow.board_shim import (
    BoardIds,
    BoardShim,
    BrainFlowError,
    BrainFlowExitCodes,
    BrainFlowInputParams,
)

from ..boards import board_label, resolve_board
from ..channels import default_channel_names, normalize_names
from ..errors import SourceDisconnected, SourceError, UsageError, setting
from .base import Chunk, RowLayout, Source, SourceInfo

log = logging.getLogger(__name__)

#: OpenBCI boards saturate at +-187500 uV (ADS1299, gain 24, 4.5 V reference).
OPENBCI_RAIL_UV = 187500.0
_OPENBCI = {
    BoardIds.CYTON_BOARD.value,
    BoardIds.CYTON_DAISY_BOARD.value,
    BoardIds.CYTON_WIFI_BOARD.value,
    BoardIds.CYTON_DAISY_WIFI_BOARD.value,
}
_SERIAL_BOARDS = {BoardIds.CYTON_BOARD.value, BoardIds.CYTON_DAISY_BOARD.value}


@dataclass
class BoardOptions:
    """Connection options, as on the command line (``--serial-port`` etc.)."""

    serial_port: str = ""
    mac_address: str = ""
    ip_address: str = ""
    ip_port: int = 0
    board_file: str = ""
    master_board: str = ""
    serial_number: str = ""

    def to_params(self) -> BrainFlowInputParams:
        p = BrainFlowInputParams()
        p.serial_port = self.serial_port
        p.mac_address = self.mac_address
        p.ip_address = self.ip_address
        p.ip_port = int(self.ip_port or 0)
        p.file = self.board_file
        p.serial_number = self.serial_number
        if self.master_board:
            p.master_board = resolve_board(self.master_board)
        return p


def _set_brainflow_logging(verbose: bool) -> None:
    if verbose:
        BoardShim.enable_dev_board_logger()
    else:
        BoardShim.disable_board_logger()


class BrainFlowSource(Source):
    """Any BrainFlow board as a :class:`~neurofeedback.sources.base.Source`.

    Parameters
    ----------
    board : str or int
        Board name (``synthetic``, ``cyton``, ``cyton-daisy``, ``ganglion``, ``playback``,
        ``streaming`` or a ``BoardIds`` name) or id.
    options : BoardOptions, optional
        Connection options.
    channels : list of str, optional
        Channel names overriding the board's defaults.
    stall_timeout_s : float
        Seconds without samples after which the board is considered disconnected.
    reconnect_timeout_s : float
        Total time spent trying to re-open a disconnected board before giving up.
    verbose : bool
        Let BrainFlow's own log through.
    """

    def __init__(
        self,
        board: str | int = "synthetic",
        options: BoardOptions | None = None,
        *,
        channels: list[str] | None = None,
        stall_timeout_s: float = 2.0,
        reconnect_timeout_s: float = 10.0,
        poll_s: float = 0.01,
        verbose: bool = False,
    ):
        self.board_id = resolve_board(board) if isinstance(board, str) else int(board)
        self.options = options or BoardOptions()
        self.stall_timeout_s = float(stall_timeout_s)
        self.reconnect_timeout_s = float(reconnect_timeout_s)
        self.poll_s = float(poll_s)
        _set_brainflow_logging(verbose)
        self._check_options()
        desc_id = self.board_id
        if self.board_id in (BoardIds.PLAYBACK_FILE_BOARD.value, BoardIds.STREAMING_BOARD.value):
            desc_id = resolve_board(self.options.master_board)
        self._desc_id = desc_id
        sfreq = float(BoardShim.get_sampling_rate(desc_id))
        eeg_rows = tuple(BoardShim.get_eeg_channels(desc_id))
        try:
            marker_row: int | None = BoardShim.get_marker_channel(desc_id)
        except BrainFlowError:
            marker_row = None
        try:
            pkg_row: int | None = BoardShim.get_package_num_channel(desc_id)
        except BrainFlowError:
            pkg_row = None
        layout = RowLayout(
            n_rows=BoardShim.get_num_rows(desc_id),
            eeg_rows=eeg_rows,
            timestamp_row=BoardShim.get_timestamp_channel(desc_id),
            marker_row=marker_row,
            package_num_row=pkg_row,
        )
        names = channels or self._board_channel_names(desc_id, len(eeg_rows))
        if len(names) != len(eeg_rows):
            raise UsageError(
                f"{setting('channels', '--channels')} gives {len(names)} names but "
                f"{board_label(desc_id)} has {len(eeg_rows)} EEG channels"
            )
        short = board if isinstance(board, str) else board_label(self.board_id)
        self.info = SourceInfo(
            kind="brainflow",
            name=str(short).lower(),
            sfreq=sfreq,
            ch_names=tuple(normalize_names(names)),
            layout=layout,
            board_id=desc_id,
            board_name=board_label(self.board_id),
            rail_uv=OPENBCI_RAIL_UV if desc_id in _OPENBCI else None,
            description={"brainflow_board_id": self.board_id},
        )
        self._board: BoardShim | None = None
        self._lock = threading.Lock()
        self._pending: list[np.ndarray] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._arrived = threading.Event()  # set when the worker appends samples
        self._status = "idle"
        self._error: SourceError | None = None
        self._last_pkg: float | None = None
        self._pkg_step = 1
        self.dropped = 0
        self.dropped_unreported = 0
        self.reconnects = 0
        self._last_ts: float | None = None
        self._gap_from_ts: float | None = None

    # -- set-up --------------------------------------------------------------------------
    def _check_options(self) -> None:
        o = self.options
        bid = self.board_id
        if bid in _SERIAL_BOARDS and not o.serial_port:
            raise UsageError(
                f"{board_label(bid)} needs {setting('serial_port', '--serial-port')} (e.g. "
                "/dev/ttyUSB0 on Linux, COM3 on Windows, /dev/cu.usbserial-XXXX on macOS)"
            )
        if bid == BoardIds.PLAYBACK_FILE_BOARD.value:
            if not o.board_file:
                raise UsageError(
                    f"the playback board needs {setting('board_file', '--board-file')}, a BrainFlow CSV"
                )
            if not o.master_board:
                raise UsageError(
                    f"the playback board needs {setting('master_board', '--master-board')}, the board "
                    "that recorded the file"
                )
        if bid == BoardIds.STREAMING_BOARD.value:
            if not (o.ip_address and o.ip_port and o.master_board):
                raise UsageError(
                    "the streaming board needs ip_address (a multicast address such as 225.1.1.1), "
                    "ip_port and master_board (--ip-address, --ip-port and --master-board on the "
                    "command line)"
                )

    @staticmethod
    def _board_channel_names(board_id: int, n: int) -> list[str]:
        try:
            names = BoardShim.get_eeg_names(board_id)
        except BrainFlowError:
            names = []
        if board_id in _OPENBCI or not names or len(names) != n:
            key = {
                BoardIds.CYTON_BOARD.value: "cyton",
                BoardIds.CYTON_WIFI_BOARD.value: "cyton",
                BoardIds.CYTON_DAISY_BOARD.value: "cyton-daisy",
                BoardIds.CYTON_DAISY_WIFI_BOARD.value: "cyton-daisy",
                BoardIds.GANGLION_BOARD.value: "ganglion",
            }.get(board_id, "")
            return default_channel_names(key, n)
        return list(names)

    def _open(self) -> BoardShim:
        board = BoardShim(self.board_id, self.options.to_params())
        try:
            board.prepare_session()
            board.start_stream(45000 * 4)
        except BrainFlowError as exc:
            try:
                if board.is_prepared():
                    board.release_session()
            except BrainFlowError:
                pass
            raise SourceError(self._open_error(exc)) from None
        return board

    def _open_error(self, exc: BrainFlowError) -> str:
        o = self.options
        where = (
            f"serial port {o.serial_port}" if o.serial_port
            else f"MAC {o.mac_address}" if o.mac_address
            else f"file {o.board_file}" if o.board_file
            else f"{o.ip_address}:{o.ip_port}" if o.ip_address
            else "its default connection"
        )
        hint = {
            BoardIds.CYTON_BOARD.value: "check the dongle is plugged in, its switch is on GPIO_6, "
            "the board is on, and the port name is right",
            BoardIds.CYTON_DAISY_BOARD.value: "check the dongle is plugged in, the board is on, "
            "and the port name is right",
            BoardIds.PLAYBACK_FILE_BOARD.value: "check the file exists and matches "
            f"{setting('master_board', '--master-board')}",
        }.get(self.board_id, "check the device is on and the connection options are right")
        try:
            reason = BrainFlowExitCodes(exc.exit_code).name.lower().replace("_", " ")
        except ValueError:
            reason = str(exc).strip() or exc.__class__.__name__
        return f"cannot open {board_label(self.board_id)} on {where} ({reason}); {hint}"

    # -- Source API ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._board = self._open()
        self._status = "ok"
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="brainflow-acq", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._close_board()
        if self._status not in ("disconnected",):
            self._status = "stopped"

    def _close_board(self) -> None:
        board, self._board = self._board, None
        if board is None:
            return
        try:
            if board.is_prepared():
                try:
                    board.stop_stream()
                except BrainFlowError:
                    pass
                board.release_session()
        except BrainFlowError as exc:
            log.debug("release_session failed: %s", exc)
        del board

    @property
    def status(self) -> str:
        return self._status

    def wait(self, timeout_s: float) -> None:
        """Return as soon as the worker has new samples (or an error), at most ``timeout_s``."""
        self._arrived.wait(max(0.0, float(timeout_s)))

    def read(self) -> Chunk:
        with self._lock:
            self._arrived.clear()  # what arrives after this sets it again
            pending, self._pending = self._pending, []
            error = self._error
            dropped, self.dropped_unreported = self.dropped_unreported, 0
        if not pending:
            if error is not None:
                raise error
            return Chunk.empty(self.info.n_channels, self.info.layout.n_rows)
        rows = np.concatenate(pending, axis=1)
        chunk = self._chunk(rows, dropped)
        # BrainFlow stamps each sample with the unix time it arrived from the board: the same
        # moments on the monotonic latency clock
        offset = time.time() - time.monotonic()
        return replace(chunk, sent_s=chunk.timestamps - offset)

    def pull(self, n_samples: int, timeout_s: float = 30.0) -> Chunk:
        got: list[np.ndarray] = []
        n = 0
        deadline = time.monotonic() + timeout_s
        while n < n_samples:
            with self._lock:
                pending, self._pending = self._pending, []
                error = self._error
            got.extend(pending)
            n += sum(p.shape[1] for p in pending)
            if n >= n_samples:
                break
            if error is not None:
                raise error
            if time.monotonic() > deadline:
                raise SourceError(f"no samples for {timeout_s:.0f} s from {self.info.board_name}")
            time.sleep(self.poll_s)
        rows = np.concatenate(got, axis=1)
        if rows.shape[1] > n_samples:
            with self._lock:
                self._pending.insert(0, rows[:, n_samples:])
            rows = rows[:, :n_samples]
        return self._chunk(rows, 0)

    def _chunk(self, rows: np.ndarray, dropped: int) -> Chunk:
        lay = self.info.layout
        return Chunk(
            data=rows[list(lay.eeg_rows)].astype(float),
            timestamps=rows[lay.timestamp_row].astype(float),
            rows=rows,
            dropped=dropped,
        )

    # -- worker ----------------------------------------------------------------------------
    def _count_dropped(self, rows: np.ndarray) -> int:
        """Samples lost according to the board's 0-255 packet counter."""
        row = self.info.layout.package_num_row
        if row is None or self.board_id not in _OPENBCI:
            return 0
        pkg = rows[row]
        if self._last_pkg is not None:
            pkg = np.concatenate([[self._last_pkg], pkg])
        self._last_pkg = float(rows[row, -1])
        if pkg.size < 2:
            return 0
        steps = np.mod(np.diff(pkg), 256)
        if self.board_id in (BoardIds.CYTON_DAISY_BOARD.value, BoardIds.CYTON_DAISY_WIFI_BOARD.value):
            self._pkg_step = 2
        gaps = steps[steps > self._pkg_step] / self._pkg_step - 1
        return int(np.sum(np.round(gaps)))

    def _reconnect_gap(self, rows: np.ndarray) -> int:
        """Samples lost between the last sample before a reconnect and the first after it."""
        ts_row = self.info.layout.timestamp_row
        gap = 0
        if self._gap_from_ts is not None:
            gap = max(0, int(round((rows[ts_row, 0] - self._gap_from_ts) * self.info.sfreq)) - 1)
            if gap:
                log.warning("%d samples (%.1f s) were lost while reconnecting", gap, gap / self.info.sfreq)
            self._gap_from_ts = None
        self._last_ts = float(rows[ts_row, -1])
        return gap

    def _run(self) -> None:
        last_data = time.monotonic()
        while not self._stop.is_set():
            board = self._board
            try:
                rows = board.get_board_data() if board is not None else np.zeros((0, 0))
            except BrainFlowError as exc:
                log.warning("reading from %s failed: %s", self.info.board_name, exc)
                rows = np.zeros((0, 0))
            if rows.size and rows.shape[1] > 0:
                last_data = time.monotonic()
                dropped = self._count_dropped(rows) + self._reconnect_gap(rows)
                with self._lock:
                    self._pending.append(rows)
                    self.dropped += dropped
                    self.dropped_unreported += dropped
                    self._arrived.set()
                if self._status != "ok":
                    log.warning("%s is sending data again", self.info.board_name)
                self._status = "ok"
            elif time.monotonic() - last_data > self.stall_timeout_s:
                log.warning(
                    "%s sent no data for %.1f s; trying to reconnect",
                    self.info.board_name, time.monotonic() - last_data,
                )
                # the give-up clock runs from the last sample, so a board that reopens but
                # still sends nothing is not retried forever
                if not self._reconnect(last_data + self.stall_timeout_s + self.reconnect_timeout_s):
                    return
            self._stop.wait(self.poll_s)

    def _reconnect(self, deadline: float) -> bool:
        self._status = "reconnecting"
        self._gap_from_ts = self._last_ts
        self._close_board()
        delay = 0.5
        attempt = 0
        last_err = "no data"
        while not self._stop.is_set() and time.monotonic() < deadline:
            attempt += 1
            try:
                board = self._open()
                if self._stop.is_set():  # stopped while the device was opening: release it
                    self._board = board
                    self._close_board()
                    return False
                self._board = board
                self.reconnects += 1
                self._last_pkg = None
                log.warning("reopened %s (attempt %d)", self.info.board_name, attempt)
                self._status = "stalled"
                self._stop.wait(self.stall_timeout_s)
                return True
            except SourceError as exc:
                last_err = str(exc)
                log.info("reconnect attempt %d failed: %s", attempt, exc)
            self._stop.wait(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 4.0)
        if self._stop.is_set():
            return False
        self._status = "disconnected"
        with self._lock:
            self._error = SourceDisconnected(
                f"{self.info.board_name} stopped sending data and did not come back after "
                f"{self.reconnect_timeout_s:.0f} s ({attempt} reconnect attempts; last: {last_err}); "
                "check the headset's battery and the dongle"
            )
            self._arrived.set()  # a waiting reader reads the error at once
        return False
