"""BrainFlow sources against the real synthetic and playback boards."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from neurofeedback.errors import SourceDisconnected, SourceError, UsageError
from neurofeedback.recording import Recorder, read_session
from neurofeedback.session import Session
from neurofeedback.sources.brainflow_source import BoardOptions, BrainFlowSource
from neurofeedback.sources.factory import make_source


def _record_synthetic(tmp_path: Path, n: int = 500) -> Path:
    """Pull ``n`` samples from the synthetic board and record them; return the session folder."""
    src = BrainFlowSource("synthetic")
    src.start()
    try:
        chunk = src.pull(n)
    finally:
        src.stop()
    rec = Recorder.create(tmp_path, src.info)
    rec.write(chunk)
    return rec.close(write_fif=False)


def test_synthetic_board_delivers_its_documented_signal():
    src = BrainFlowSource("synthetic")
    assert src.info.sfreq == 250
    assert src.info.n_channels == 16
    assert src.info.ch_names[:3] == ("Fz", "C3", "Cz")
    src.start()
    try:
        chunk = src.pull(500)
    finally:
        src.stop()
    assert chunk.data.shape == (16, 500)
    # channel k (1-based) is a sine at 5*k Hz: check the spectral peak of the first four
    for k in range(4):
        x = chunk.data[k] - chunk.data[k].mean()
        spec = np.abs(np.fft.rfft(x))
        freqs = np.fft.rfftfreq(x.size, 1 / 250)
        assert freqs[np.argmax(spec)] == pytest.approx(5 * (k + 1), abs=0.6)
    dt = np.diff(chunk.timestamps)
    assert np.median(dt) == pytest.approx(1 / 250, rel=0.2)


def test_playback_board_replays_our_recording_exactly(tmp_path):
    sdir = _record_synthetic(tmp_path, 500)
    recorded = read_session(sdir)
    src = BrainFlowSource(
        "playback", BoardOptions(board_file=str(sdir / "raw.csv"), master_board="synthetic")
    )
    src.start()
    try:
        chunk = src.pull(400)
    finally:
        src.stop()
    # BrainFlow re-stamps timestamps, but the EEG samples are the file's, in order
    np.testing.assert_allclose(chunk.data, recorded.data[:, :400], atol=1e-6)


def test_missing_serial_port_is_a_usage_error():
    with pytest.raises(UsageError, match=r"needs serial_port \(--serial-port on the command line\)"):
        make_source("cyton")


def test_board_that_cannot_be_opened_is_a_clear_error():
    src = make_source("cyton", serial_port="/dev/ttyNONEXISTENT0")
    with pytest.raises(SourceError, match="cannot open cyton on serial port /dev/ttyNONEXISTENT0"):
        src.start()


def test_board_that_stops_is_noticed_and_reconnected(tmp_path):
    """A playback board stops sending at the end of its file (a real stall); the source notices
    within 2 s, re-opens it, and samples flow again."""
    sdir = _record_synthetic(tmp_path, 250)
    src = BrainFlowSource(
        "playback",
        BoardOptions(board_file=str(sdir / "raw.csv"), master_board="synthetic"),
        stall_timeout_s=1.0,
        reconnect_timeout_s=10.0,
    )
    src.start()
    try:
        first = src.pull(250, timeout_s=10)
        assert first.n_samples == 250
        t_end = time.monotonic()
        statuses = set()
        while time.monotonic() - t_end < 2.5:
            statuses.add(src.status)
            time.sleep(0.05)
        assert "reconnecting" in statuses or src.reconnects >= 1
        again = src.pull(100, timeout_s=10)
        assert src.reconnects >= 1
        np.testing.assert_allclose(again.data, first.data[:, :100], atol=1e-6)
    finally:
        src.stop()


def test_board_that_never_comes_back_ends_session_with_recording_intact(tmp_path):
    sdir = _record_synthetic(tmp_path / "src", 250)
    board_file = tmp_path / "playback.csv"
    board_file.write_bytes((sdir / "raw.csv").read_bytes())
    src = BrainFlowSource(
        "playback",
        BoardOptions(board_file=str(board_file), master_board="synthetic"),
        stall_timeout_s=1.0,
        reconnect_timeout_s=2.0,
    )
    session = Session(src, record_dir=tmp_path / "rec", compute_features=False)
    session.start()
    deadline = time.monotonic() + 10
    while session.n_samples < 250 and time.monotonic() < deadline:
        time.sleep(0.05)
    board_file.unlink()  # the "dongle" is gone: re-opening fails from now on
    assert session.wait(timeout=20), "session did not end after the board disappeared"
    session.stop()
    assert isinstance(session.error, SourceDisconnected)
    assert "did not come back" in str(session.error)
    loaded = read_session(session.recording_path)
    assert loaded.n_samples == 250
    assert loaded.meta["status"] == "disconnected"
    assert loaded.meta["ended_cleanly"] is True


def test_streaming_board_receives_a_multicast_stream():
    """A synthetic board streams to a multicast group; our streaming source receives it."""
    from brainflow.board_shim import BoardShim, BrainFlowInputParams

    sender = BoardShim(-1, BrainFlowInputParams())
    sender.prepare_session()
    try:
        sender.start_stream(45000, "streaming_board://225.1.1.1:6678")
        src = BrainFlowSource(
            "streaming",
            BoardOptions(ip_address="225.1.1.1", ip_port=6678, master_board="synthetic"),
        )
        src.start()
        try:
            chunk = src.pull(250, timeout_s=10)
        except SourceError:
            pytest.skip("multicast is not routed on this machine")
        finally:
            src.stop()
    finally:
        sender.stop_stream()
        sender.release_session()
        del sender
    assert chunk.data.shape == (16, 250)
    assert src.info.sfreq == 250 and src.info.ch_names[0] == "Fz"
    # the synthetic board's first channel is a 5 Hz sine
    x = chunk.data[0] - chunk.data[0].mean()
    freqs = np.fft.rfftfreq(x.size, 1 / 250)
    assert freqs[np.argmax(np.abs(np.fft.rfft(x)))] == pytest.approx(5, abs=1)


def test_streaming_board_needs_its_options():
    with pytest.raises(UsageError, match="multicast"):
        make_source("streaming", ip_address="225.1.1.1")


def test_wait_returns_when_samples_arrive_and_read_takes_them():
    # the session sleeps in wait() between reads; a threaded source must wake it when samples
    # arrive rather than let it sleep out the timeout (a 30-s timeout would fail the bound)
    src = BrainFlowSource("synthetic")
    src.start()
    try:
        src.read()  # drain what came while starting
        for _ in range(3):
            t0 = time.monotonic()
            src.wait(30.0)
            assert time.monotonic() - t0 < 10.0
            chunk = src.read()
            assert chunk.n_samples > 0
            assert chunk.sent_s is not None and np.all(np.diff(chunk.sent_s) >= 0)
    finally:
        src.stop()
