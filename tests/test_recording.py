"""Recording: crash safety, round trips, unwritable and full disks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neurofeedback.cli import main
from neurofeedback.errors import RecordingError
from neurofeedback.recording import Recorder, check_record_dir, read_session
from neurofeedback.sources.base import Chunk, RowLayout, SourceInfo

ROOT = Path(__file__).resolve().parents[1]


def _info(n_ch: int = 4) -> SourceInfo:
    return SourceInfo(
        kind="file", name="unit", sfreq=100.0, ch_names=tuple(f"C{i}" for i in range(n_ch)),
        layout=RowLayout.generic(n_ch),
    )


def test_recorder_writes_brainflow_layout_and_reads_back(tmp_path):
    rng = np.random.default_rng(1)
    data = rng.normal(0, 20, (4, 300)).round(6)
    ts = 1000 + np.arange(300) / 100
    rec = Recorder.create(tmp_path, _info())
    rec.write(Chunk(data[:, :120], ts[:120]))
    rec.write(Chunk(data[:, 120:], ts[120:]))
    rec.add_marker(1.5, "eyes closed")
    path = rec.close(write_fif=False)
    assert path.name.endswith("-unit")
    lines = (path / "raw.csv").read_text().splitlines()
    assert len(lines) == 300 and len(lines[0].split("\t")) == 7  # counter, 4 EEG, time, marker
    back = read_session(path)
    np.testing.assert_allclose(back.data, data, atol=1e-6)
    np.testing.assert_allclose(back.timestamps, ts, atol=1e-6)
    assert back.markers == [(1.5, "eyes closed")]
    meta = json.loads((path / "session.json").read_text())
    assert meta["ended_cleanly"] is True and meta["status"] == "complete"
    assert meta["sfreq"] == 100.0 and meta["units"]["eeg"] == "uV"


def test_clean_stop_writes_mne_readable_fif(tmp_path):
    import mne

    rng = np.random.default_rng(2)
    data = rng.normal(0, 20, (4, 500))
    rec = Recorder.create(tmp_path, _info())
    rec.write(Chunk(data, np.arange(500) / 100))
    path = rec.close()
    raw = mne.io.read_raw_fif(path / "raw.fif", preload=True, verbose="error")
    np.testing.assert_allclose(raw.get_data() * 1e6, data, atol=1e-3)


def test_unwritable_record_dir_is_reported_before_acquisition(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code = main(["run", "--board", "synthetic", "--headless", "--duration", "1",
                 "--record-dir", str(blocker / "sub")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: cannot create recording directory")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_full_disk_is_reported_before_starting(tmp_path):
    free = __import__("shutil").disk_usage(tmp_path).free
    with pytest.raises(RecordingError, match="disk holding .* is full"):
        check_record_dir(tmp_path, min_free_bytes=free * 10)


def test_disk_full_while_recording_keeps_what_was_written(tmp_path):
    """/dev/full returns ENOSPC on every flush, like a disk that fills up mid-session."""
    rec = Recorder.create(tmp_path, _info())
    rec.write(Chunk(np.ones((4, 100)), np.arange(100) / 100))
    rec.flush()
    good = rec._raw
    rec._raw = open("/dev/full", "w")  # noqa: SIM115
    with pytest.raises(RecordingError, match="disk full"):
        rec.write(Chunk(np.ones((4, 100)), np.arange(100) / 100))
        rec.flush()
    good.close()
    rec._raw = open(os.devnull, "w")  # noqa: SIM115
    rec.close(status="error", write_fif=False)
    assert read_session(rec.path).n_samples == 100


@pytest.mark.slow
def test_sigkill_leaves_a_replayable_recording(tmp_path):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "neurofeedback", "run", "--board", "synthetic", "--headless",
         "--record-dir", str(tmp_path)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        raw = None
        while time.monotonic() < deadline:
            found = list(tmp_path.glob("*/raw.csv"))
            if found and found[0].stat().st_size > 3 * 84_000:  # > 3 s of synthetic samples
                raw = found[0]
                break
            time.sleep(0.1)
        assert raw is not None, "no samples were recorded"
        time.sleep(1.0)
        kill_time = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    loaded = read_session(raw.parent)
    meta = loaded.meta
    assert meta["ended_cleanly"] is False and meta["status"] == "recording"
    assert loaded.n_samples >= 3 * 250
    # at most the last second is missing: the newest sample is younger than 1 s at the kill
    assert kill_time - loaded.timestamps[-1] <= 1.0
    # and it replays: through our replay command...
    code = main(["replay", str(raw.parent), "--speed", "0", "--headless", "--no-record"])
    assert code == 0


@pytest.mark.slow
def test_ctrl_c_ends_cleanly(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "neurofeedback", "run", "--board", "synthetic", "--headless",
         "--record-dir", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Ctrl-C as from a terminal: a test worker may run with SIGINT ignored at the OS level
        # (a library's doing, seen under pytest-xdist), and an ignored signal is inherited
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_path.glob("*/features.csv")):
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    sdir = next(tmp_path.iterdir())
    assert f"recorded to {sdir}" in out
    meta = json.loads((sdir / "session.json").read_text())
    assert meta["ended_cleanly"] is True and meta["status"] == "complete"
    assert (sdir / "raw.fif").is_file()


def test_quantized_samples_survive_the_text_round_trip_bit_for_bit():
    # what the live pipeline sees (quantized) is exactly what reading raw.csv back gives
    from neurofeedback.recording import RAW_DECIMALS, quantized

    rng = np.random.default_rng(7)
    x = np.concatenate([
        rng.standard_normal(20000) * 50.0,          # EEG in uV
        rng.uniform(-187500.0, 187500.0, 20000),    # up to a Cyton's rail
        rng.uniform(1.7e9, 1.8e9, 2000),            # unix timestamps
        np.array([0.0, -0.0, 1e-7, -4e-7, 5e-7, 2.5e-6, 187500.0]),
        rng.uniform(2.0**31, 2.0**34, 2000),        # absurd amplitudes (a damaged file)
        np.array([1e308, -1e308, 2.0**31, np.inf, -np.inf]),
    ])
    q = quantized(x)
    back = np.array([float(f"{v:.{RAW_DECIMALS}f}") for v in q.tolist()])
    assert np.array_equal(back, q)
    assert np.max(np.abs(q[: 42007] - x[: 42007])) <= 0.5e-6 + 1e-9 * np.max(np.abs(x[: 42007]))
    assert np.array_equal(q[-5:], x[-5:])  # huge and infinite values stay what they are
    assert np.isnan(quantized(np.array([np.nan]))[0])
