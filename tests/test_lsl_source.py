"""LSL in (--board lsl): a real LSL outlet on this machine feeds the source and the CLI."""

from __future__ import annotations

import threading
import time

import numpy as np
import pylsl
import pytest

from neurofeedback.cli import main
from neurofeedback.errors import SourceDisconnected, SourceError
from neurofeedback.io import load_eeg_file
from neurofeedback.sources.lsl_source import LslSource

SF = 250.0
LABELS = ["Fz", "Cz", "O1", "O2"]


def _outlet(name: str, unit: str = "microvolts", rate: float = SF, n: int = 4,
            labels: list[str] | None = LABELS) -> pylsl.StreamOutlet:
    info = pylsl.StreamInfo(name, "EEG", n, rate, pylsl.cf_float32, f"{name}-id")
    if labels is not None:
        chans = info.desc().append_child("channels")
        for lab in labels[:n]:
            ch = chans.append_child("channel")
            ch.append_child_value("label", lab)
            ch.append_child_value("unit", unit)
            ch.append_child_value("type", "EEG")
    return pylsl.StreamOutlet(info)


def _signal(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SF
    return 20 * np.sin(2 * np.pi * 10 * t)[None, :] + 5 * rng.standard_normal((4, n))


def _pull_until(src: LslSource, n: int, timeout: float = 10.0):
    parts, stamps, dropped = [], [], 0
    end = time.monotonic() + timeout
    while sum(p.shape[1] for p in parts) < n and time.monotonic() < end:
        c = src.read()
        if c.n_samples:
            parts.append(c.data)
            stamps.append(c.timestamps)
            dropped += c.dropped
        else:
            time.sleep(0.02)
    return np.concatenate(parts, axis=1), np.concatenate(stamps), dropped


def test_names_units_rate_gaps_and_nan_repair():
    out = _outlet("nf-test-units", unit="volts")
    src = LslSource(name="nf-test-units")
    assert src.info.ch_names == tuple(LABELS) and src.info.sfreq == SF
    src.start()
    try:
        x = _signal(500) * 1e-6  # volts on the wire
        x[2, 100] = np.nan
        t0 = pylsl.local_clock()
        stamps = t0 + np.arange(500) / SF
        keep = np.r_[0:300, 305:500]  # five samples never sent: a gap in the time stamps
        out.push_chunk(x[:, keep].T.tolist(), stamps[keep].tolist())
        data, ts, dropped = _pull_until(src, keep.size)
    finally:
        src.stop()
    assert data.shape == (4, keep.size)
    assert dropped == 5
    assert src.repaired == 1 and np.isfinite(data).all()
    want = x[:, keep] * 1e6  # scaled to microvolts (float32 on the wire)
    want[2, 100] = want[2, 99]  # repaired with the channel's last finite value
    np.testing.assert_allclose(data, want, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(ts, stamps[keep], atol=1e-6)


def test_missing_labels_and_irregular_rate():
    _keep = _outlet("nf-test-nolabels", labels=None)
    assert LslSource(name="nf-test-nolabels").info.ch_names == ("Ch1", "Ch2", "Ch3", "Ch4")
    _irr = _outlet("nf-test-irregular", rate=pylsl.IRREGULAR_RATE)
    with pytest.raises(SourceError, match="irregular rate"):
        LslSource(name="nf-test-irregular")
    with pytest.raises(SourceError, match="no LSL stream matching name='nf-nobody'"):
        LslSource(name="nf-nobody", resolve_timeout_s=0.5)
    del _keep, _irr


def test_a_vanished_stream_is_a_disconnect():
    out = _outlet("nf-test-vanish")
    src = LslSource(name="nf-test-vanish", stall_timeout_s=0.5, reconnect_timeout_s=1.5)
    src.start()
    out.push_chunk(_signal(250).T.tolist())
    _pull_until(src, 250)
    del out  # the sender goes away
    with pytest.raises(SourceDisconnected, match="vanished"):
        end = time.monotonic() + 10
        while time.monotonic() < end:
            src.read()
            time.sleep(0.05)
    src.stop()


def test_run_records_an_lsl_stream(tmp_path):
    out = _outlet("nf-test-run")
    stop = threading.Event()

    def send() -> None:  # 250 Hz in 0.05-s chunks, real time
        x = _signal(int(SF * 30), seed=2)
        k = 0
        while not stop.is_set() and k < x.shape[1]:
            out.push_chunk(x[:, k : k + 12].T.tolist())
            k += 12
            time.sleep(12 / SF)

    th = threading.Thread(target=send, daemon=True)
    th.start()
    try:
        rc = main(["run", "--board", "lsl", "--lsl-name", "nf-test-run", "--duration", "4",
                   "--headless", "--record-dir", str(tmp_path)])
    finally:
        stop.set()
        th.join(timeout=5)
    assert rc == 0
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    lf = load_eeg_file(folder)
    assert list(lf.ch_names) == LABELS and lf.sfreq == SF
    assert 3.5 <= lf.data.shape[1] / SF <= 4.01
    assert np.all(np.diff(lf.timestamps) > 0)  # LSL time stamps kept


def test_external_markers_land_on_the_session_clock(tmp_path):
    """Markers from an LSL marker stream are recorded at their own time stamps mapped to the
    session clock; a sender whose stamp says "1 s ago" (a shifted clock) lands 1 s earlier."""
    from _data import EEGMMIDB_EDF

    info = pylsl.StreamInfo("nf-test-markers", "Markers", 1, pylsl.IRREGULAR_RATE,
                            pylsl.cf_string, "nf-test-markers-id")
    out = pylsl.StreamOutlet(info)
    sent: dict[str, float] = {}
    first: dict[str, float] = {}

    def send() -> None:
        time.sleep(3.0)
        now = pylsl.local_clock()
        out.push_sample(["A"], now)
        out.push_sample(["B"], now - 1.0)
        sent["at"] = now

    th = threading.Thread(target=send, daemon=True)
    th.start()
    start = pylsl.local_clock()
    rc = main(["replay", str(EEGMMIDB_EDF[(2, 2)]), "--duration", "6", "--headless",
               "--record-dir", str(tmp_path), "--lsl-markers", "nf-test-markers"])
    th.join(timeout=5)
    first["t"] = start
    assert rc == 0
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    marks = {label: t for t, label in load_eeg_file(folder).markers}
    assert set(marks) >= {"A", "B"}
    assert marks["B"] == pytest.approx(marks["A"] - 1.0, abs=0.01)
    # the replay paces at real time from its first chunk: "A" left about 3 s into the session
    assert marks["A"] == pytest.approx(sent["at"] - start, abs=0.5)
