"""OpenBCI GUI txt files of every generation: the real v6 sample and synthetic older ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from neurofeedback.io import load_eeg_file
from neurofeedback.io.openbci_txt import read_openbci_txt

REAL = "OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"
HEADER_OLD = (
    "%First Column = SampleIndex\n"
    "%Other Columns = EEG data in microvolts followed by Accel Data (in G) interleaved with Aux Data\n"
)


def _signals(n_ch: int, n: int, sfreq: float, seed: int = 0) -> np.ndarray:
    """Realistic-looking EEG in uV: DC offset + 10 Hz sine + noise, rounded like the GUI (2 dp)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sfreq
    x = (rng.uniform(-5e4, 5e4, (n_ch, 1)) + 20 * np.sin(2 * np.pi * 10 * t)
         + rng.normal(0, 5, (n_ch, n)))
    return np.round(x, 2)


def _kept(n: int, drop: list[int]) -> np.ndarray:
    """Positions of the samples that 'arrived' (``drop`` lists lost positions)."""
    return np.array([k for k in range(n) if k not in set(drop)])


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_real_v6_sample(shared_data):
    lf = load_eeg_file(shared_data / REAL)
    assert lf.format == "OpenBCI GUI v6 txt"
    assert lf.board_name == "cyton" and lf.board_id == 0
    assert lf.ch_names == ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]
    assert lf.sfreq == 250.0
    assert lf.data.shape == (8, 22490)
    assert 89 < lf.duration_s < 91
    assert lf.rail_uv == 187500.0
    assert lf.dropped_samples == 0  # the index steps by 1 mod 256 throughout
    np.testing.assert_allclose(lf.data[:, 0], [61379.36, 49492.89, -16597.06, -21309.75,
                                               6703.91, -3284.86, 7223.10, 1740.11])
    # timestamps are milliseconds in the file and seconds here
    assert lf.meta["timestamp_unit"] == "ms"
    clock = lf.meta["file_timestamps_s"]
    assert clock[0] == pytest.approx(1557936053.329)
    assert np.mean(np.diff(clock)) == pytest.approx(0.004, rel=0.01)
    assert np.mean(np.diff(lf.timestamps)) == pytest.approx(0.004, rel=1e-6)
    assert lf.timestamps[0] == pytest.approx(1557936053.329)
    assert lf.markers == []  # the marker column is all zeros


def test_real_v6_sample_alpha_block(shared_data):
    """Known effect: O1/O2 alpha (8-12 Hz) at 30-56 s is well above the blink segment (0-26 s)."""
    lf = load_eeg_file(shared_data / REAL)
    sos = signal.butter(4, [1, 40], btype="bandpass", fs=lf.sfreq, output="sos")
    occ = signal.sosfiltfilt(sos, lf.data[6:8], axis=-1)

    def alpha(t0, t1):
        seg = occ[:, int(t0 * lf.sfreq): int(t1 * lf.sfreq)]
        f, p = signal.welch(seg, fs=lf.sfreq, nperseg=int(2 * lf.sfreq))
        return p[:, (f >= 8) & (f <= 12)].sum()

    assert alpha(30, 56) / alpha(0, 26) > 2.0


def test_2014_generation_with_wrap_and_drops(tmp_path):
    n, sfreq, drop = 600, 250.0, [100, 101, 400]
    data = _signals(8, n, sfreq)
    lines = ["%OpenBCI Raw EEG Data", "%", "%Sample Rate = 250.0 Hz"]
    text = "\n".join(lines) + "\n" + HEADER_OLD
    kept = _kept(n, drop)
    for k in kept:
        vals = ", ".join(f"{v:.2f}" for v in data[:, k])
        text += f"{k % 256}, {vals}, 0.000, 0.000, 0.000\n"
    lf = load_eeg_file(_write(tmp_path / "OpenBCI-RAW-2014.txt", text))
    assert lf.format == "OpenBCI GUI 2014 txt"
    assert lf.board_name == "cyton"  # no board line: 8 channels
    # no layout in a 2014 file: numbered channels, not the later GUI's default electrodes
    assert lf.ch_names == [f"Ch{i}" for i in range(1, 9)]
    assert lf.sfreq == 250.0
    assert lf.dropped_samples == 3
    np.testing.assert_allclose(lf.data, data[:, kept], atol=1e-9)
    np.testing.assert_allclose(lf.timestamps, kept / sfreq)  # gaps where packets were lost


@pytest.mark.parametrize("n_ch, n_aux", [(8, 0), (8, 1), (8, 3), (16, 2), (4, 3), (4, 0)])
def test_2014_generation_channel_count_with_any_number_of_aux_columns(tmp_path, n_ch, n_aux):
    n, sfreq = 300, 250.0
    data = _signals(n_ch, n, sfreq, seed=n_ch + n_aux)
    text = "%OpenBCI Raw EEG Data\n%\n%Sample Rate = 250.0 Hz\n" + HEADER_OLD
    for k in range(n):
        vals = ", ".join(f"{v:.2f}" for v in data[:, k])
        text += f"{k % 256}, {vals}" + ", 0" * n_aux + "\n"
    lf = load_eeg_file(_write(tmp_path / "OpenBCI-RAW-2014.txt", text))
    assert len(lf.ch_names) == n_ch
    np.testing.assert_allclose(lf.data, data, atol=1e-9)


def test_real_2014_file_with_one_aux_column_reads_eight_channels():
    """eeghacker's 2014 recording: index, 8 EEG columns (Ch2 carries O1), 1 aux column."""
    from _data import EEGHACKER_TXT

    lf = load_eeg_file(EEGHACKER_TXT[0])
    assert lf.format == "OpenBCI GUI 2014 txt"
    assert len(lf.ch_names) == 8
    # the ninth column is the eighth EEG channel (railed at +187500 uV here), not the aux column
    first = next(ln for ln in EEGHACKER_TXT[0].read_text().splitlines() if not ln.startswith("%"))
    cols = [float(v) for v in first.split(",")]
    assert len(cols) == 10
    np.testing.assert_allclose(lf.data[:, 0], cols[1:9])


@pytest.mark.parametrize("n_ch, sfreq, board", [(8, 250.0, "cyton"), (16, 125.0, "cyton-daisy"),
                                               (4, 200.0, "ganglion")])
def test_gui_2_3_generation_with_clock_time_last(tmp_path, n_ch, sfreq, board):
    """GUI 2.x-3.x: index, EEG, 3 accel columns, then hh:mm:ss.mmm (here across midnight)."""
    n = 600
    data = _signals(n_ch, n, sfreq, seed=n_ch)
    text = (f"%OpenBCI Raw EEG Data\n%Number of channels = {n_ch}\n%Sample Rate = {sfreq:.1f} Hz\n"
            "%First Column = SampleIndex\n%Last Column = Timestamp \n"
            "%Other Columns = EEG data in microvolts followed by Accel Data (in G) interleaved "
            "with Aux Data\n")
    start = 23 * 3600 + 59 * 60 + 59.0  # 23:59:59.000, one second before midnight
    step = 2 if board == "cyton-daisy" else 1
    for k in range(n):
        t = (start + k / sfreq) % 86400
        clock = f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}:{t % 60:06.3f}"
        vals = ", ".join(f"{v:.2f}" for v in data[:, k])
        text += f"{(k * step) % 256}, {vals}, 0.012, -0.004, 1.002, {clock}\n"
    lf = load_eeg_file(_write(tmp_path / f"OpenBCI-RAW-gui3-{board}.txt", text))
    assert lf.format == "OpenBCI GUI v2-3 txt"
    assert lf.board_name == board and lf.sfreq == sfreq and len(lf.ch_names) == n_ch
    np.testing.assert_allclose(lf.data, data, atol=1e-9)
    # time of day kept, continuing past midnight
    np.testing.assert_allclose(lf.timestamps, start + np.arange(n) / sfreq, atol=1e-3)


def test_gui_2_3_bad_clock_time_is_one_error(tmp_path):
    text = ("%OpenBCI Raw EEG Data\n%Number of channels = 8\n%Sample Rate = 250.0 Hz\n"
            + "".join(f"{k}, " + ", ".join(["1.0"] * 8) + ", 0, 0, 0, 12:00:00.000\n"
                      for k in range(5))
            + "5, " + ", ".join(["1.0"] * 8) + ", 0, 0, 0, 12:61:00.000\n")
    with pytest.raises(Exception, match="not a time of day"):
        load_eeg_file(_write(tmp_path / "bad-clock.txt", text))


def test_v4_generation_ms_timestamps(tmp_path):
    n, sfreq = 500, 250.0
    data = _signals(8, n, sfreq, seed=1)
    t0_ms = 1_557_936_053_329
    text = ("%OpenBCI Raw EEG Data\n%Number of channels = 8\n%Sample Rate = 250.0 Hz\n"
            "%First Column = SampleIndex\n%Last Column = Timestamp\n"
            "%Other Columns = EEG data in microvolts followed by Accel Data (in G) interleaved with Aux Data\n")
    for k in range(n):
        ms = t0_ms + round(k * 4 + (3 if k % 2 else 0))  # packets arrive in pairs
        clock = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%H:%M:%S.%f")[:-3]
        vals = ", ".join(f"{v:.2f}" for v in data[:, k])
        text += f"{k % 256}, {vals}, 0.010, 0.020, 0.980, {clock}, {ms}\n"
    lf = read_openbci_txt(_write(tmp_path / "OpenBCI-RAW-v4.txt", text))
    assert lf.format == "OpenBCI GUI v4 txt"
    assert lf.meta["timestamp_unit"] == "ms"
    assert lf.timestamps[0] == pytest.approx(t0_ms / 1000)
    assert lf.meta["timestamp_rate_hz"] == pytest.approx(250.0, rel=0.01)
    np.testing.assert_allclose(lf.data, data, atol=1e-9)
    assert lf.dropped_samples == 0


def _v5_v6_text(gen: str, board_line: str, n_ch: int, sfreq: float, data: np.ndarray,
                index: np.ndarray, ts: np.ndarray, markers: np.ndarray | None) -> str:
    title = "%OpenBCI Raw EXG Data" if gen == "v6" else "%OpenBCI Raw EEG Data"
    cols = (["Sample Index"] + [f"EXG Channel {i}" for i in range(n_ch)]
            + [f"Accel Channel {i}" for i in range(3)] + ["Other"] * 7
            + [f"Analog Channel {i}" for i in range(3)] + ["Timestamp"])
    if gen == "v6":
        cols.append("Marker Channel")
    cols.append("Timestamp (Formatted)")
    text = f"{title}\n%Number of channels = {n_ch}\n%Sample Rate = {sfreq:g} Hz\n%Board = {board_line}\n"
    text += ", ".join(cols) + "\n"
    if gen == "v5":  # the all-zero row after the header
        text += ", ".join(["0"] * (len(cols) - 1)) + ", 1970-01-01 00:00:00.000\n"
    for j in range(data.shape[1]):
        vals = ", ".join(f"{v:.2f}" for v in data[:, j])
        stamp = dt.datetime.fromtimestamp(ts[j], tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        row = f"{index[j]:.1f}, {vals}, 0.0, 0.0, 0.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, {ts[j]:.6f}"
        if gen == "v6":
            row += f", {markers[j]:.1f}"
        text += row + f", {stamp}\n"
    return text


def test_v5_generation_zero_row_dropped(tmp_path):
    n, sfreq = 400, 250.0
    data = _signals(8, n, sfreq, seed=2)
    ts = 1_600_000_000.0 + np.arange(n) / sfreq
    text = _v5_v6_text("v5", "OpenBCI_GUI$BoardCytonSerial", 8, sfreq, data,
                       np.arange(n) % 256, ts, None)
    assert len(text.splitlines()[5].split(",")) == 24  # v5 Cyton rows have 24 columns
    lf = load_eeg_file(_write(tmp_path / "OpenBCI-RAW-v5.txt", text))
    assert lf.format == "OpenBCI GUI v5 txt"
    assert lf.meta["leading_zero_rows"] == 1
    assert lf.n_samples == n
    assert lf.meta["timestamp_unit"] == "s"
    np.testing.assert_allclose(lf.data, data, atol=1e-9)
    np.testing.assert_allclose(lf.timestamps, ts, atol=1e-6)


def test_v6_daisy_step_two_drops_rails_markers(tmp_path):
    n, sfreq, drop = 500, 125.0, [50, 51, 52, 300]
    data = _signals(16, n, sfreq, seed=3)
    data[3, 200:210] = 187500.0  # a railed stretch stays in the data
    kept = _kept(n, drop)
    index = (2 * kept + 1) % 256  # Daisy: the counter steps by 2 per 125 Hz sample
    ts = 1_700_000_000.0 + kept / sfreq  # live v6: seconds
    markers = np.zeros(len(kept))
    markers[10] = 3.0
    text = _v5_v6_text("v6", "OpenBCI_GUI$BoardCytonSerialDaisy", 16, sfreq, data[:, kept],
                       index, ts, markers)
    lf = load_eeg_file(_write(tmp_path / "OpenBCI-RAW-daisy.txt", text))
    assert lf.board_name == "cyton-daisy" and lf.board_id == 2
    assert lf.sfreq == 125.0 and len(lf.ch_names) == 16
    assert lf.ch_names[8:] == ["F7", "F8", "F3", "F4", "T7", "T8", "P3", "P4"]
    assert lf.meta["counter_step"] == 2
    assert lf.dropped_samples == len(drop)
    assert lf.rail_uv == 187500.0
    assert np.sum(lf.data[3] == 187500.0) == 10
    np.testing.assert_allclose(lf.timestamps, ts, atol=1e-6)
    assert lf.markers == [(pytest.approx(kept[10] / sfreq), "3")]


def test_v6_ganglion_and_overrides(tmp_path):
    n, sfreq = 400, 200.0
    data = _signals(4, n, sfreq, seed=4)
    ts = 1_700_000_000.0 + np.arange(n) / sfreq
    index = (np.arange(n) // 2) % 101  # two samples per compressed packet
    text = _v5_v6_text("v6", "OpenBCI_GUI$BoardGanglionBLE", 4, sfreq, data, index, ts, np.zeros(n))
    path = _write(tmp_path / "OpenBCI-RAW-ganglion.txt", text)
    lf = load_eeg_file(path)
    assert lf.board_name == "ganglion" and lf.ch_names == ["Fp1", "Fp2", "O1", "O2"]
    assert lf.rail_uv is None
    assert lf.dropped_samples == 0  # repeated counter values are not losses
    lf2 = load_eeg_file(path, channels="F3,F4,P3,P4")
    assert lf2.ch_names == ["F3", "F4", "P3", "P4"]
    np.testing.assert_array_equal(lf2.data, lf.data)
