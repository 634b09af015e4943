"""Regressions for what fuzzing the readers through `info`, `replay` and `analyze` found.

- An XDF file with one damaged chunk: pyxdf logged a traceback and read on, silently dropping
  the damaged chunk's content (here the whole marker stream): now refused in one line.
- A session's ``raw.csv`` cut at a line boundary, or with lines inserted, read as a shorter or
  longer recording although ``session.json`` records the exact sample count of a clean stop:
  now refused; a session that did not end cleanly is still read as far as its samples go.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from _xdf import write_xdf

from neurofeedback.cli import main
from neurofeedback.io import load_eeg_file
from neurofeedback.recording import Recorder
from neurofeedback.sources.base import Chunk, RowLayout, SourceInfo

SFREQ = 160.0


def _one_error_line(capsys, argv: list[str], *needles: str) -> str:
    rc = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("error: "), (argv[0], rc, err)
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _chunk_offsets(data: bytes) -> list[int]:
    """Byte offset of each XDF chunk (after the 4-byte magic)."""
    pos, out = 4, []
    while pos < len(data):
        out.append(pos)
        nb = data[pos]
        pos += 1 + nb + int.from_bytes(data[pos + 1 : pos + 1 + nb], "little")
    return out


@pytest.fixture()
def xdf(tmp_path) -> Path:
    x = np.random.default_rng(1).normal(0, 10, (3, int(4 * SFREQ))).astype(np.float32)
    path = tmp_path / "rec.xdf"
    write_xdf(path, x, SFREQ, ["Fz", "Cz", "Pz"], 1000 + np.arange(x.shape[1]) / SFREQ,
              [(1001.0, "go")])
    return path


def test_intact_xdf_keeps_its_marker(xdf):
    lf = load_eeg_file(xdf)
    assert lf.n_samples == 640 and lf.markers == [(pytest.approx(1.0), "go")]


def test_xdf_with_a_damaged_chunk_is_refused_in_one_line(xdf, tmp_path, capsys, caplog):
    data = bytearray(xdf.read_bytes())
    offsets = _chunk_offsets(bytes(data))
    assert len(offsets) == 7  # header, 2 stream headers, 2 sample chunks, 2 footers
    data[offsets[4]] = 7  # the marker chunk's length-byte count: only 1, 4 or 8 are valid
    bad = tmp_path / "damaged.xdf"
    bad.write_bytes(bytes(data))
    caplog.set_level(logging.DEBUG)
    for argv in (["info", str(bad)], ["replay", "--headless", "--no-record", "--speed", "0", str(bad)],
                 ["analyze", "--out", str(tmp_path / "out"), str(bad)]):
        _one_error_line(capsys, argv, "damaged.xdf", "corrupt or cut XDF", "Error reading chunk length")
    # pyxdf's own records (a traceback among them) never reach the user's log
    assert not [r for r in caplog.records if r.name.startswith("pyxdf")]


@pytest.fixture(scope="module")
def clean_session(tmp_path_factory) -> Path:
    """A 4-s, 4-channel session closed cleanly by the Recorder (n_samples = 1000)."""
    info = SourceInfo(kind="file", name="count", sfreq=250.0, ch_names=("Fz", "Cz", "Pz", "Oz"),
                      layout=RowLayout.generic(4))
    rec = Recorder.create(tmp_path_factory.mktemp("rec"), info)
    rec.write(Chunk(np.random.default_rng(2).normal(0, 20, (4, 1000)), 1000 + np.arange(1000) / 250))
    return rec.close(write_fif=False)


def _edit_lines(src: Path, dst: Path, edit) -> Path:
    shutil.copytree(src, dst)
    raw = dst / "raw.csv"
    lines = raw.read_text().splitlines(keepends=True)
    raw.write_text("".join(edit(lines)))
    return dst


def test_clean_session_cut_at_a_line_boundary_is_refused(clean_session, tmp_path, capsys):
    assert load_eeg_file(clean_session).n_samples == 1000
    cut = _edit_lines(clean_session, tmp_path / "cut", lambda lines: lines[:600])
    _one_error_line(capsys, ["info", str(cut)], "600 samples", "ended cleanly with 1000",
                    "'n_samples'", "cut")
    _one_error_line(capsys, ["analyze", "--out", str(tmp_path / "o"), str(cut)], "600 samples")


def test_clean_session_with_a_duplicated_line_is_refused(clean_session, tmp_path, capsys):
    dup = _edit_lines(clean_session, tmp_path / "dup", lambda lines: lines[:300] + lines[299:])
    _one_error_line(capsys, ["replay", "--headless", "--no-record", "--speed", "0", str(dup)],
                    "1001 samples", "ended cleanly with 1000", "longer than recorded")


def test_session_that_did_not_end_cleanly_reads_what_it_holds(clean_session, tmp_path):
    killed = _edit_lines(clean_session, tmp_path / "killed", lambda lines: lines[:600])
    meta = json.loads((killed / "session.json").read_text())
    meta.update(ended_cleanly=False, status="recording", n_samples=400)  # last update before the kill
    (killed / "session.json").write_text(json.dumps(meta))
    lf = load_eeg_file(killed)
    np.testing.assert_allclose(lf.data, load_eeg_file(clean_session).data[:, :600])


@pytest.mark.parametrize(("key", "value"), [("n_samples", "1000"), ("n_samples", -1),
                                            ("ended_cleanly", "yes")])
def test_sample_count_entries_are_checked(clean_session, tmp_path, capsys, key, value):
    folder = tmp_path / "s"
    shutil.copytree(clean_session, folder)
    meta = json.loads((folder / "session.json").read_text())
    meta[key] = value
    (folder / "session.json").write_text(json.dumps(meta))
    _one_error_line(capsys, ["info", str(folder)], f"'{key}'", repr(value))
