"""One rule for a cut last line in every text format: dropped with a warning, and counted."""

from __future__ import annotations

import logging
import shutil

import numpy as np
import pytest
from _data import OPENBCI_TXT

from neurofeedback.boards import board_layout, resolve_board
from neurofeedback.errors import FileFormatError
from neurofeedback.io import load_eeg_file
from neurofeedback.io.session_folder import RAW_NAME
from neurofeedback.io.text_rows import split_rows
from neurofeedback.simulate.session import simulate_session


def _cut_mid_last_line(text: str) -> str:
    """``text`` (ending in a line break) cut in the middle of its last line."""
    body = text.rstrip("\r\n")
    last = body.rsplit("\n", 1)[1]
    return body[: len(body) - len(last) // 2]


def _check_cut(full, cut, caplog_records) -> None:
    assert cut.cut_lines == 1 and full.cut_lines == 0
    assert cut.n_samples == full.n_samples - 1
    np.testing.assert_array_equal(cut.data, full.data[:, :-1])
    warnings = [r for r in caplog_records if r.levelno == logging.WARNING and "cut" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog_records]


def test_openbci_txt_cut_last_line_is_dropped(tmp_path, caplog):
    with open(OPENBCI_TXT, newline="") as fh:
        head = "".join(next(fh) for _ in range(600))
    whole, cut = tmp_path / "whole.txt", tmp_path / "cut.txt"
    whole.write_text(head, newline="")
    cut.write_text(_cut_mid_last_line(head), newline="")
    full = load_eeg_file(whole)
    with caplog.at_level(logging.WARNING):
        short = load_eeg_file(cut)
    _check_cut(full, short, caplog.records)


def test_brainflow_csv_cut_last_line_is_dropped(tmp_path, caplog):
    layout, sfreq = board_layout(resolve_board("synthetic"))
    n = 300
    m = np.random.default_rng(1).normal(0, 10, (n, layout.n_rows))
    m[:, layout.timestamp_row] = 1.7e9 + np.arange(n) / sfreq
    if layout.package_num_row is not None:
        m[:, layout.package_num_row] = np.arange(n) % 256
    if layout.marker_row is not None:
        m[:, layout.marker_row] = 0
    whole, cut = tmp_path / "whole.csv", tmp_path / "cut.csv"
    np.savetxt(whole, m, fmt="%.6f", delimiter="\t")
    cut.write_text(_cut_mid_last_line(whole.read_text()))
    full = load_eeg_file(whole, board="synthetic")
    with caplog.at_level(logging.WARNING):
        short = load_eeg_file(cut, board="synthetic")
    _check_cut(full, short, caplog.records)
    np.testing.assert_allclose(full.data, m[:, list(layout.eeg_rows)].T, atol=5e-7)  # as written


def test_session_raw_csv_cut_last_line_is_dropped(tmp_path, caplog):
    folder, _ = simulate_session(tmp_path / "whole", "artifacts", duration_s=65.0)
    full = load_eeg_file(folder)
    copy = tmp_path / "cut"
    shutil.copytree(folder, copy)
    (copy / "raw.fif").unlink()
    raw = copy / RAW_NAME
    raw.write_text(_cut_mid_last_line(raw.read_text()))
    with caplog.at_level(logging.WARNING):
        short = load_eeg_file(copy)
    _check_cut(full, short, caplog.records)


def test_last_line_without_line_break_is_cut_even_when_complete():
    table = split_rows(["1,2,3", "4,5,6"], name="x", ends_with_newline=False)
    assert table.rows == [["1", "2", "3"]] and table.cut_lines == 1
    table = split_rows(["1,2,3", "4,5,6", ""], name="x", ends_with_newline=False)
    assert len(table.rows) == 2 and table.cut_lines == 0  # the final line is blank: nothing cut


def test_a_short_line_before_the_last_is_corruption():
    with pytest.raises(FileFormatError, match="line 12 has 2 fields, expected 3; the file is corrupt"):
        split_rows(["1,2,3", "4,5", "7,8,9"], name="x", ends_with_newline=True, first_line_no=11)


def test_a_file_of_one_cut_line_has_no_sample():
    with pytest.raises(FileFormatError, match="no complete sample"):
        split_rows(["1,2"], name="x", ends_with_newline=False)
