"""A ``session.json`` beside a BrainFlow CSV gets the same complete check as a session folder's.

Each case writes a BrainFlow-layout CSV (tab-separated, one line per sample) with a valid sidecar,
then makes the sidecar lie about one entry: `info`, `replay` and `analyze` must answer with exit 2
and one ``error:`` line naming the entry, never a traceback, an "internal error" or wrong data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from neurofeedback.cli import main
from neurofeedback.errors import FileFormatError
from neurofeedback.io import load_eeg_file
from neurofeedback.io.brainflow_csv import read_brainflow_csv
from neurofeedback.sources.base import RowLayout

N_CH = 4
SFREQ = 250.0
N_SAMPLES = 1000
LAYOUT = RowLayout.generic(N_CH)  # row 0 counter, rows 1..4 EEG, 5 timestamp, 6 marker


def _rows() -> np.ndarray:
    rng = np.random.default_rng(3)
    rows = np.zeros((LAYOUT.n_rows, N_SAMPLES))
    rows[0] = np.arange(N_SAMPLES) % 256
    rows[1 : N_CH + 1] = rng.normal(0, 20, (N_CH, N_SAMPLES)).round(3)
    rows[LAYOUT.timestamp_row] = 1000.0 + np.arange(N_SAMPLES) / SFREQ
    return rows


def _write(tmp_path: Path, meta: dict) -> Path:
    rows = _rows()
    csv = tmp_path / "board.csv"
    csv.write_text("".join("\t".join(f"{v:.6f}" for v in rows[:, k]) + "\n" for k in range(N_SAMPLES)))
    (tmp_path / "session.json").write_text(json.dumps(meta))
    return csv


def _meta() -> dict:
    return {"sfreq": SFREQ, "ch_names": ["Fz", "Cz", "Pz", "Oz"], "layout": LAYOUT.to_dict(),
            "board_id": None, "board_name": "generic"}


def test_valid_sidecar_reads_the_written_samples(tmp_path):
    lf = load_eeg_file(_write(tmp_path, _meta()))
    assert lf.format == "BrainFlow CSV + session.json"
    assert lf.ch_names == ["Fz", "Cz", "Pz", "Oz"] and lf.sfreq == SFREQ
    np.testing.assert_allclose(lf.data, _rows()[1 : N_CH + 1], atol=1e-6)
    np.testing.assert_allclose(lf.timestamps, _rows()[LAYOUT.timestamp_row], atol=1e-6)


def _set(key, value):
    def edit(m):
        m[key] = value
    return edit


def _set_layout(key, value):
    def edit(m):
        m["layout"][key] = value
    return edit


def _set_name(k, value):
    def edit(m):
        m["ch_names"][k] = value
    return edit


LIES = [
    (_set("sfreq", 0), ("'sfreq'", "it is 0")),
    (_set("sfreq", -250), ("'sfreq'", "it is -250")),
    (_set("sfreq", float("nan")), ("'sfreq'", "nan")),
    (_set("sfreq", "250"), ("'sfreq'", "'250'")),
    (_set("ch_names", [1, 2, 3, 4]), ("'ch_names[0]'", "non-empty string")),
    (_set("ch_names", ["Fz"] * 4), ("'ch_names' holds 'Fz' twice", "distinct")),
    (_set("ch_names", ["Fz", "Cz", "Pz"]), ("'ch_names' has 3 names for 4 EEG rows",)),
    (_set_name(2, ""), ("'ch_names[2]'", "non-empty string")),
    (_set_layout("eeg_rows", [-1, 2, 3, 4]), ("'layout.eeg_rows[0]'", "it is -1")),
    (_set_layout("eeg_rows", [1, 2, 3, 5]), ("'layout.timestamp_row' is row 5", "eeg_rows[3]")),
    (_set_layout("timestamp_row", 99), ("'layout.timestamp_row'", "it is 99")),
    (_set_layout("n_rows", 0), ("'layout.n_rows'", "integer >= 1")),
    (_set("layout", [1, 2]), ("'layout' must be an object",)),
    (_set("board_id", "cyton"), ("'board_id'", "'cyton'")),
    (_set("rail_uv", -1), ("'rail_uv'", "it is -1")),
]


@pytest.mark.parametrize(("edit", "needles"), LIES, ids=[f"{k}-{n[1][0]}" for k, n in enumerate(LIES)])
def test_lying_sidecar_is_refused_in_one_line(tmp_path, capsys, edit, needles):
    meta = _meta()
    edit(meta)
    csv = _write(tmp_path, meta)
    for argv in (["info", str(csv)],
                 ["analyze", "--out", str(tmp_path / "out"), str(csv)],
                 ["replay", "--headless", "--no-record", "--speed", "0", str(csv)]):
        rc = main(argv)
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1, (argv[0], rc, err)
        assert lines[0].startswith("error: ") and "session.json" in lines[0], lines[0]
        assert "next to board.csv" in lines[0], lines[0]  # says what to fix
        for needle in needles:
            assert needle in lines[0], lines[0]


def test_sidecar_not_json_and_not_an_object(tmp_path, capsys):
    csv = _write(tmp_path, _meta())
    (tmp_path / "session.json").write_text("{not json")
    assert main(["info", str(csv)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "corrupt" in err and "next to board.csv" in err
    (tmp_path / "session.json").write_text("[1, 2]")
    assert main(["info", str(csv)]) == 2
    err = capsys.readouterr().err.strip()
    assert "holds a JSON list" in err and len(err.splitlines()) == 1


def test_sidecar_given_as_a_dict_is_checked_too(tmp_path):
    csv = _write(tmp_path, _meta())
    meta = _meta()
    meta["layout"]["eeg_rows"] = [1, 2, 3, 99]
    with pytest.raises(FileFormatError, match=r"'layout.eeg_rows\[3\]' must be an integer in 0..6"):
        read_brainflow_csv(csv, sidecar=meta)
