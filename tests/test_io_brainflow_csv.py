"""BrainFlow CSV files written by BrainFlow itself, from its real synthetic board."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _helpers import record_synthetic_board
from brainflow.board_shim import BoardIds, BoardShim
from brainflow.data_filter import DataFilter

from neurofeedback.boards import BOARD_ALIASES, board_label, board_layout, resolve_board
from neurofeedback.errors import FileFormatError, UsageError
from neurofeedback.io import load_eeg_file
from neurofeedback.io.brainflow_csv import read_brainflow_csv
from neurofeedback.sources.base import RowLayout

SYN = BoardIds.SYNTHETIC_BOARD.value


@pytest.fixture(scope="module")
def synthetic_rows() -> np.ndarray:
    """About 1.2 s of real BrainFlow synthetic-board data, shape (32, n_samples)."""
    data = record_synthetic_board(1.2)
    assert data.shape[1] > 200
    return data


def test_resolve_board_names():
    assert resolve_board("synthetic") == SYN
    assert resolve_board("cyton") == BoardIds.CYTON_BOARD.value
    assert resolve_board("cyton-daisy") == BoardIds.CYTON_DAISY_BOARD.value
    assert resolve_board("ganglion") == BoardIds.GANGLION_BOARD.value
    assert resolve_board("playback") == BoardIds.PLAYBACK_FILE_BOARD.value
    assert resolve_board("streaming") == BoardIds.STREAMING_BOARD.value
    assert resolve_board("CYTON_BOARD") == BoardIds.CYTON_BOARD.value
    assert resolve_board("muse_2_board") == BoardIds.MUSE_2_BOARD.value
    assert resolve_board("muse-2") == BoardIds.MUSE_2_BOARD.value
    assert resolve_board("Cyton_Daisy") == BoardIds.CYTON_DAISY_BOARD.value
    assert board_label(BoardIds.MUSE_2_BOARD.value) == "muse_2"
    assert board_label(0) == "cyton"
    with pytest.raises(UsageError) as exc:
        resolve_board("cytn")
    for short in BOARD_ALIASES:
        assert short in str(exc.value)


def test_board_layout_matches_brainflow():
    layout, sfreq = board_layout(BoardIds.CYTON_BOARD.value)
    assert sfreq == 250.0
    assert layout == RowLayout(24, tuple(range(1, 9)), 22, 23, 0)
    with pytest.raises(UsageError, match="no fixed row layout"):
        board_layout(BoardIds.PLAYBACK_FILE_BOARD.value)


def test_csv_with_board_returns_same_samples(tmp_path, synthetic_rows):
    path = tmp_path / "brainflow.csv"
    DataFilter.write_file(synthetic_rows, str(path), "w")
    lf = load_eeg_file(path, board="synthetic")
    assert lf.format == "BrainFlow CSV"
    assert lf.sfreq == 250.0 and len(lf.ch_names) == 16
    assert lf.ch_names == [f"Ch{i}" for i in range(1, 17)]
    assert lf.rows.shape == synthetic_rows.shape
    eeg = BoardShim.get_eeg_channels(SYN)
    # write_file keeps 6 decimals
    np.testing.assert_allclose(lf.data, synthetic_rows[eeg], atol=1e-6)
    np.testing.assert_allclose(lf.timestamps, synthetic_rows[BoardShim.get_timestamp_channel(SYN)], atol=1e-6)
    assert lf.dropped_samples == 0


def test_csv_dropped_samples_counted(tmp_path, synthetic_rows):
    keep = np.ones(synthetic_rows.shape[1], dtype=bool)
    keep[[40, 41, 42, 150]] = False
    path = tmp_path / "gappy.csv"
    DataFilter.write_file(np.ascontiguousarray(synthetic_rows[:, keep]), str(path), "w")
    lf = read_brainflow_csv(path, board="SYNTHETIC_BOARD")
    assert lf.dropped_samples == 4


def test_csv_with_sidecar(tmp_path, synthetic_rows):
    path = tmp_path / "raw.csv"
    DataFilter.write_file(synthetic_rows, str(path), "w")
    layout, _ = board_layout(SYN)
    names = ["EEG FP1", "Fp2-REF"] + [f"X{i}" for i in range(14)]
    sidecar = {"sfreq": 250.0, "ch_names": names, "layout": layout.to_dict(), "board_id": SYN}
    (tmp_path / "session.json").write_text(json.dumps(sidecar))
    lf = read_brainflow_csv(path)  # no board needed
    assert lf.format == "BrainFlow CSV + session.json"
    assert lf.ch_names[:3] == ["Fp1", "Fp2", "X0"]
    assert lf.board_id == SYN and lf.board_name == "synthetic"
    assert lf.layout == layout


def test_csv_wrong_board_names_counts(tmp_path, synthetic_rows):
    path = tmp_path / "brainflow.csv"
    DataFilter.write_file(synthetic_rows, str(path), "w")
    with pytest.raises(FileFormatError) as exc:
        load_eeg_file(path, board="cyton")
    msg = str(exc.value)
    assert "brainflow.csv" in msg and "24" in msg and "32" in msg
    # library errors name the parameter, then the command-line flag
    assert "board (--board on the command line)" in msg
    with pytest.raises(UsageError, match=r"board \(--board on the command line\)"):
        load_eeg_file(path)
