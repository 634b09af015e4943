"""Every kind of bad input gives exit code 2 and one line 'error: ...' on stderr, no traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurofeedback.cli import main

REAL_TXT = "OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"
EDF = "eegmat-Subject00_1.edf"


def _fails(capsys, argv, *needles):
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _real_head(shared_data: Path, n_lines: int) -> str:
    with open(shared_data / REAL_TXT) as fh:
        return "".join(next(fh) for _ in range(n_lines))


def _brainflow_csv(path: Path, n_rows: int, n=300, sfreq=250.0) -> Path:
    m = np.random.default_rng(0).normal(0, 10, (n, n_rows))
    m[:, 0] = np.arange(n) % 256
    m[:, n_rows - 2] = 1.7e9 + np.arange(n) / sfreq
    m[:, n_rows - 1] = 0
    np.savetxt(path, m, fmt="%.6f", delimiter="\t")
    return path


def test_missing_file(tmp_path, capsys):
    _fails(capsys, ["info", str(tmp_path / "nope.edf")], "nope.edf", "no such file")


def test_empty_file(tmp_path, capsys):
    p = tmp_path / "empty.txt"
    p.write_text("")
    _fails(capsys, ["info", str(p)], "empty.txt", "empty")


def test_ragged_txt_line(tmp_path, shared_data, capsys):
    # a cut *last* line is dropped with a warning (tests/test_io_text_rows.py); a short line
    # anywhere else is corruption
    lines = _real_head(shared_data, 500).splitlines(keepends=True)
    lines[300] = lines[300][: lines[300].rfind(",", 0, len(lines[300]) - 10)] + "\n"
    p = tmp_path / "cut.txt"
    p.write_text("".join(lines))
    _fails(capsys, ["info", str(p)], "cut.txt", "line 301", "corrupt")


def test_truncated_edf(tmp_path, shared_data, capsys):
    p = tmp_path / "cut.edf"
    p.write_bytes((shared_data / EDF).read_bytes()[:2_000_000])
    _fails(capsys, ["info", str(p)], "cut.edf", "truncated", "182 data records")


def test_corrupt_binary_edf(tmp_path, capsys):
    p = tmp_path / "garbage.edf"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    _fails(capsys, ["info", str(p)], "garbage.edf", "corrupt")


def test_corrupt_edf_header(tmp_path, shared_data, capsys):
    good = (shared_data / EDF).read_bytes()
    p = tmp_path / "badheader.edf"
    p.write_bytes(good[:236] + b"xx??!!zz" + good[244:300_000])  # garbage record count
    _fails(capsys, ["info", str(p)], "badheader.edf", "corrupt")


def test_unrecognised_format(tmp_path, capsys):
    p = tmp_path / "notes.txt"
    p.write_text("shopping list\nmilk\n")
    _fails(capsys, ["info", str(p)], "notes.txt", "unrecognised format", "EDF", "OpenBCI")


def test_binary_garbage_txt_is_unrecognised(tmp_path, capsys):
    p = tmp_path / "blob.txt"
    p.write_bytes(bytes(range(256)) * 8)
    _fails(capsys, ["info", str(p)], "blob.txt", "unrecognised format", "binary")


def test_wrong_column_count(tmp_path, capsys):
    p = _brainflow_csv(tmp_path / "session.csv", 32)  # synthetic-board layout
    _fails(capsys, ["info", str(p), "--board", "cyton"], "session.csv", "24", "32", "board (--board on the command line)")


def test_brainflow_csv_needs_board(tmp_path, capsys):
    p = _brainflow_csv(tmp_path / "session.csv", 24)
    _fails(capsys, ["info", str(p)], "board (--board on the command line)")


def test_unknown_board(tmp_path, capsys):
    p = _brainflow_csv(tmp_path / "session.csv", 24)
    _fails(capsys, ["info", str(p), "--board", "cytonn"], "cytonn", "synthetic", "cyton-daisy")


def test_nan_samples(tmp_path, capsys):
    lines = ["%OpenBCI Raw EEG Data", "%", "%Sample Rate = 250.0 Hz",
             "%First Column = SampleIndex", "%Other Columns = EEG data in microvolts"]
    for k in range(300):
        vals = [f"{10.0 * np.sin(k / 5 + c):.2f}" for c in range(8)]
        if k == 100:
            vals[2] = "nan"
        lines.append(f"{k % 256}, " + ", ".join(vals) + ", 0.0, 0.0, 0.0")
    p = tmp_path / "nan.txt"
    p.write_text("\n".join(lines) + "\n")
    _fails(capsys, ["info", str(p)], "nan.txt", "NaN", "channel Ch3", "0.400 s")


def test_inconsistent_sample_rate(tmp_path, shared_data, capsys):
    p = tmp_path / "rate.txt"
    p.write_text(_real_head(shared_data, 3000).replace("%Sample Rate = 250 Hz", "%Sample Rate = 500 Hz"))
    _fails(capsys, ["info", str(p)], "rate.txt", "inconsistent sample rate", "500", "250")


def test_zero_sample_rate(tmp_path, shared_data, capsys):
    p = tmp_path / "zero.txt"
    p.write_text(_real_head(shared_data, 300).replace("%Sample Rate = 250 Hz", "%Sample Rate = 0 Hz"))
    _fails(capsys, ["info", str(p)], "zero.txt", "gives 0 Hz", "between 1 Hz and 100000 Hz")


def test_channels_override_count(shared_data, capsys):
    _fails(capsys, ["info", str(shared_data / REAL_TXT), "--channels", "Fp1,Fp2"],
           "channels (--channels on the command line) gives 2 names", "8 EEG channels")


def test_folder_without_session(tmp_path, capsys):
    _fails(capsys, ["info", str(tmp_path)], "session.json")


@pytest.mark.parametrize("fmt", ["edf"])
def test_export_to_missing_folder(tmp_path, shared_data, capsys, fmt):
    _fails(capsys, ["export", str(shared_data / EDF), "--format", fmt, "--out",
                    str(tmp_path / "no" / "such" / "x.edf")], "does not exist")


# -- live sources on the command line -------------------------------------------------------
def test_run_unknown_board_lists_valid_ones(tmp_path, capsys):
    _fails(capsys, ["run", "--board", "cytonn", "--headless", "--record-dir", str(tmp_path)],
           "unknown board 'cytonn'", "synthetic", "cyton-daisy", "ganglion")
    assert not any(tmp_path.iterdir()), "nothing may be recorded for a bad board name"


def test_run_cyton_without_serial_port(tmp_path, capsys):
    _fails(capsys, ["run", "--board", "cyton", "--headless", "--record-dir", str(tmp_path)],
           "needs serial_port (--serial-port on the command line)")


def test_run_missing_serial_port(tmp_path, capsys):
    _fails(capsys, ["run", "--board", "cyton", "--serial-port", "/dev/ttyNOPE9", "--headless",
                    "--record-dir", str(tmp_path)],
           "cannot open cyton on serial port /dev/ttyNOPE9")
    assert not any(tmp_path.iterdir()), "a board that never opened leaves no empty recording"


def test_replay_start_beyond_end(shared_data, capsys):
    _fails(capsys, ["replay", str(shared_data / EDF), "--start", "999", "--headless", "--no-record"],
           "start_s (--start on the command line) must be less than")


def test_replay_negative_speed(shared_data, capsys):
    _fails(capsys, ["replay", str(shared_data / EDF), "--speed", "-1", "--headless", "--no-record"],
           "speed (--speed on the command line) must be >= 0")


def test_ctrl_c_while_the_commands_load_is_one_line(monkeypatch, capsys):
    """Ctrl-C in the second or two the commands take to import (NumPy, MNE...) ends as it does
    later: 'interrupted', exit code 130, no traceback."""
    import neurofeedback.cli as cli

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["info", "x.edf"]) == 130
    err = capsys.readouterr().err
    assert err == "interrupted\n"
