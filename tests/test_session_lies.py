"""Session folders that lie get caught: a corrupt ``session.json`` or a ragged ``raw.csv``.

Each case starts from a real session written by the project's own Recorder, breaks one thing and
runs the CLI: exit code 2 and one line ``error: ...`` naming the problem, never a traceback, an
"internal error" or silently wrong data.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from neurofeedback.cli import main
from neurofeedback.errors import FileFormatError
from neurofeedback.io.session_folder import check_meta, read_session
from neurofeedback.recording import Recorder
from neurofeedback.sources.base import Chunk, RowLayout, SourceInfo

N_CH = 16
N_SAMPLES = 1000
SFREQ = 250.0
# generic layout of 16 channels: row 0 counter, rows 1..16 EEG, 17 timestamp, 18 marker
N_ROWS, TS_ROW = N_CH + 3, N_CH + 1


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, np.ndarray, np.ndarray]:
    """A 4-s, 16-channel session written by the Recorder, with the samples it holds."""
    info = SourceInfo(kind="file", name="lies", sfreq=SFREQ,
                      ch_names=tuple(f"C{i}" for i in range(N_CH)), layout=RowLayout.generic(N_CH))
    data = np.random.default_rng(7).normal(0, 20, (N_CH, N_SAMPLES)).round(6)
    ts = 1000.0 + np.arange(N_SAMPLES) / SFREQ
    rec = Recorder.create(tmp_path_factory.mktemp("rec"), info)
    rec.write(Chunk(data, ts))
    return rec.close(write_fif=False), data, ts


def _copy(recorded, tmp_path: Path) -> Path:
    dst = tmp_path / "session"
    shutil.copytree(recorded[0], dst)
    return dst


class _Whole:
    """Returned by an edit that replaces the whole JSON document."""

    def __init__(self, value: object) -> None:
        self.value = value


def _edit_meta(folder: Path, edit: Callable[[dict], object]) -> None:
    path = folder / "session.json"
    meta = json.loads(path.read_text())
    result = edit(meta)
    path.write_text(json.dumps(result.value if isinstance(result, _Whole) else meta))


def _fails(capsys, argv, *needles) -> str:
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in err and "internal error" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_untouched_copy_reads_the_recorded_samples(recorded, tmp_path, capsys):
    folder = _copy(recorded, tmp_path)
    assert main(["info", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"duration:  {N_SAMPLES / SFREQ:.2f} s ({N_SAMPLES} samples)" in out
    loaded = read_session(folder)
    np.testing.assert_allclose(loaded.data, recorded[1], atol=1e-6)
    np.testing.assert_allclose(loaded.timestamps, recorded[2], atol=1e-6)
    assert loaded.ch_names == [f"C{i}" for i in range(N_CH)] and loaded.sfreq == SFREQ


def _set(key, value):
    return lambda m: m.__setitem__(key, value)


def _set_layout(key, value):
    return lambda m: m["layout"].__setitem__(key, value)


def _set_eeg_row(k, value):
    return lambda m: m["layout"]["eeg_rows"].__setitem__(k, value)


def _set_name(k, value):
    return lambda m: m["ch_names"].__setitem__(k, value)


META_LIES = {
    # sample rate: 0 was "internal error", -250 and NaN printed negative or nan durations
    "sfreq-zero": (_set("sfreq", 0), ["'sfreq'", "it is 0", "fix it in session.json"]),
    "sfreq-negative": (_set("sfreq", -250.0), ["'sfreq'", "-250"]),
    "sfreq-nan": (_set("sfreq", float("nan")), ["'sfreq'", "nan"]),
    "sfreq-inf": (_set("sfreq", float("inf")), ["'sfreq'", "inf"]),
    "sfreq-huge": (_set("sfreq", 1e308), ["'sfreq'", "1e+308"]),
    "sfreq-huge-int": (_set("sfreq", 10**400), ["'sfreq'", "..."]),
    "sfreq-text": (_set("sfreq", "250"), ["'sfreq'", "'250'"]),
    "sfreq-bool": (_set("sfreq", True), ["'sfreq'", "True"]),
    "sfreq-null": (_set("sfreq", None), ["'sfreq'", "None"]),
    # channel names: integers were "internal error", identical names were accepted
    "names-not-strings": (_set("ch_names", list(range(N_CH))), ["'ch_names[0]'", "non-empty string"]),
    "name-empty": (_set_name(3, ""), ["'ch_names[3]'", "non-empty string"]),
    "name-blank": (_set_name(5, "  "), ["'ch_names[5]'"]),
    "name-null": (_set_name(0, None), ["'ch_names[0]'", "None"]),
    "names-identical": (_set("ch_names", ["Cz"] * N_CH), ["'Cz' twice", "positions 0 and 1", "distinct"]),
    "name-duplicated": (_set_name(9, "C2"), ["'C2' twice", "positions 2 and 9"]),
    "names-one-string": (_set("ch_names", "C0"), ["'ch_names' must be a list"]),
    # 15 names for 16 EEG rows gave 15 channels
    "names-15-for-16": (lambda m: m["ch_names"].pop(), ["15 names for 16 EEG rows"]),
    "names-17-for-16": (lambda m: m["ch_names"].append("C16"), ["17 names for 16 EEG rows"]),
    # row indexes: a negative one read the timestamp row as EEG
    "eeg-row-negative": (_set_eeg_row(0, -2), ["'layout.eeg_rows[0]'", f"0..{N_ROWS - 1}", "-2"]),
    "eeg-row-minus-one": (_set_eeg_row(15, -1), ["'layout.eeg_rows[15]'", "-1"]),
    "eeg-row-out-of-range": (_set_eeg_row(0, 40), ["'layout.eeg_rows[0]'", "40"]),
    "eeg-row-at-n-rows": (_set_eeg_row(0, N_ROWS), ["'layout.eeg_rows[0]'", str(N_ROWS)]),
    "eeg-row-float": (_set_eeg_row(0, 1.5), ["'layout.eeg_rows[0]'", "1.5"]),
    "eeg-row-text": (_set_eeg_row(0, "1"), ["'layout.eeg_rows[0]'", "'1'"]),
    "eeg-row-duplicated": (_set_eeg_row(1, 1), ["'layout.eeg_rows[1]' is row 1", "'layout.eeg_rows[0]'"]),
    "eeg-row-is-timestamp": (_set_eeg_row(0, TS_ROW), ["'layout.timestamp_row' is row 17",
                                                       "'layout.eeg_rows[0]'"]),
    "eeg-rows-empty": (_set_layout("eeg_rows", []), ["'layout.eeg_rows'", "non-empty list"]),
    "eeg-rows-not-list": (_set_layout("eeg_rows", 3), ["'layout.eeg_rows'", "non-empty list"]),
    "timestamp-row-negative": (_set_layout("timestamp_row", -1), ["'layout.timestamp_row'", "-1"]),
    "timestamp-row-out-of-range": (_set_layout("timestamp_row", N_ROWS), ["'layout.timestamp_row'"]),
    "timestamp-row-null": (_set_layout("timestamp_row", None), ["'layout.timestamp_row'", "None"]),
    "marker-row-negative": (_set_layout("marker_row", -5), ["'layout.marker_row'", "null or an integer"]),
    "marker-row-is-eeg": (_set_layout("marker_row", 4), ["'layout.marker_row' is row 4"]),
    "counter-row-is-timestamp": (_set_layout("package_num_row", TS_ROW), ["'layout.package_num_row'"]),
    "n-rows-zero": (_set_layout("n_rows", 0), ["'layout.n_rows'", ">= 1", "it is 0"]),
    "n-rows-text": (_set_layout("n_rows", "19"), ["'layout.n_rows'", "'19'"]),
    # missing or mistyped required entries
    "no-sfreq": (lambda m: m.pop("sfreq"), ["no 'sfreq' entry"]),
    "no-ch-names": (lambda m: m.pop("ch_names"), ["no 'ch_names' entry"]),
    "no-layout": (lambda m: m.pop("layout"), ["no 'layout' entry"]),
    "no-eeg-rows": (lambda m: m["layout"].pop("eeg_rows"), ["'layout' has no 'eeg_rows' entry"]),
    "no-timestamp-row": (lambda m: m["layout"].pop("timestamp_row"), ["'layout' has no 'timestamp_row' entry"]),
    "no-n-rows": (lambda m: m["layout"].pop("n_rows"), ["'layout' has no 'n_rows' entry"]),
    "layout-a-list": (_set("layout", []), ["'layout' must be an object"]),
    "top-level-list": (lambda m: _Whole([m]), ["JSON list, not an object"]),
    "top-level-number": (lambda m: _Whole(3), ["JSON int, not an object"]),
    # optional entries the reader passes on
    "board-id-text": (_set("board_id", "cyton"), ["'board_id'", "'cyton'"]),
    "board-name-number": (_set("board_name", 5), ["'board_name'", "string"]),
    "rail-negative": (_set("rail_uv", -1.0), ["'rail_uv'", "-1.0"]),
    "rail-nan": (_set("rail_uv", float("nan")), ["'rail_uv'", "nan"]),
}


@pytest.mark.parametrize("case", sorted(META_LIES))
def test_lying_session_json_is_refused(recorded, tmp_path, capsys, case):
    edit, needles = META_LIES[case]
    folder = _copy(recorded, tmp_path)
    _edit_meta(folder, edit)
    _fails(capsys, ["info", str(folder)], "session.json", "corrupt", *needles)


@pytest.mark.parametrize("text", ["[" * 100_000, '{"sfreq": 250', "", '{"sfreq": 250}\x00'])
def test_undecodable_session_json_is_refused(recorded, tmp_path, capsys, text):
    folder = _copy(recorded, tmp_path)
    (folder / "session.json").write_text(text)
    _fails(capsys, ["info", str(folder)], "session.json", "is corrupt")


def test_lying_session_json_is_refused_by_analyze(recorded, tmp_path, capsys):
    folder = _copy(recorded, tmp_path)
    _edit_meta(folder, _set("sfreq", 0))
    _fails(capsys, ["analyze", "--out", str(tmp_path / "out"), str(folder)], "'sfreq'", "it is 0")


def test_lying_session_json_is_refused_through_its_raw_csv(recorded, tmp_path, capsys):
    folder = _copy(recorded, tmp_path)
    _edit_meta(folder, _set_eeg_row(0, -1))
    _fails(capsys, ["info", str(folder / "raw.csv")], "'layout.eeg_rows[0]'", "-1")


def test_valid_variants_are_accepted():
    """What real sessions hold stays valid: integer rate, null marker and counter rows, no board."""
    meta = {"sfreq": 250, "ch_names": ["Fp1", "Fp2"], "board_id": None, "rail_uv": 187500.0,
            "layout": {"n_rows": 4, "eeg_rows": [1, 2], "timestamp_row": 3, "marker_row": None,
                       "package_num_row": None}}
    check_meta(meta, "session.json")
    meta["layout"]["package_num_row"] = 0
    meta["board_id"] = -1  # BrainFlow's synthetic board id is -1
    check_meta(meta, "session.json")
    meta["layout"]["marker_row"] = 0
    with pytest.raises(FileFormatError, match=r"'layout.package_num_row' is row 0, already used as "
                                              r"'layout.marker_row'"):
        check_meta(meta, "session.json")


def test_layout_row_count_disagreeing_with_raw_csv(recorded, tmp_path, capsys):
    folder = _copy(recorded, tmp_path)
    _edit_meta(folder, _set_layout("n_rows", N_ROWS + 1))
    _fails(capsys, ["info", str(folder)], "raw.csv", f"{N_ROWS} values per line",
           f"'layout.n_rows' {N_ROWS + 1}", "fix session.json")


def _edit_raw(folder: Path, edit: Callable[[list[str]], None]) -> None:
    path = folder / "raw.csv"
    lines = path.read_text().splitlines(keepends=True)
    edit(lines)
    path.write_text("".join(lines))


def _drop_last_field(lines: list[str], k: int) -> None:
    fields = lines[k].rstrip("\n").split("\t")
    lines[k] = "\t".join(fields[:-1]) + "\n"


def _add_field(lines: list[str], k: int) -> None:
    fields = lines[k].rstrip("\n").split("\t")
    lines[k] = "\t".join([*fields[:-1], "0.000000", fields[-1]]) + "\n"


def test_short_line_early_and_long_line_later(recorded, tmp_path, capsys):
    """Both lines beyond the first 50 and before the last: 83 % of the samples between them used
    to be shifted by one column and read with exit 0."""
    folder = _copy(recorded, tmp_path)

    def edit(lines):
        _drop_last_field(lines, 150)
        _add_field(lines, 980)

    _edit_raw(folder, edit)
    _fails(capsys, ["info", str(folder)], "raw.csv", "line 151", f"{N_ROWS - 1} fields",
           f"expected {N_ROWS}", "corrupt")


@pytest.mark.parametrize("k", [60, 500, N_SAMPLES - 2])
def test_one_long_line_anywhere(recorded, tmp_path, capsys, k):
    folder = _copy(recorded, tmp_path)
    _edit_raw(folder, lambda lines: _add_field(lines, k))
    _fails(capsys, ["info", str(folder)], "raw.csv", f"line {k + 1}", f"{N_ROWS + 1} fields")


def test_long_last_line_is_corruption(recorded, tmp_path, capsys):
    folder = _copy(recorded, tmp_path)
    _edit_raw(folder, lambda lines: _add_field(lines, N_SAMPLES - 1))
    _fails(capsys, ["info", str(folder)], "raw.csv", f"line {N_SAMPLES}", f"{N_ROWS + 1} fields")


def test_merged_lines_are_corruption(recorded, tmp_path, capsys):
    """A lost line break glues two samples together: twice the fields on one line."""
    folder = _copy(recorded, tmp_path)

    def edit(lines):
        lines[400] = lines[400].rstrip("\n") + "\t" + lines.pop(401)

    _edit_raw(folder, edit)
    _fails(capsys, ["info", str(folder)], "raw.csv", "line 401", f"{2 * N_ROWS} fields")


def test_cut_last_line_is_still_dropped_with_a_warning(recorded, tmp_path, capsys):
    folder = _copy(recorded, tmp_path)

    def edit(lines):
        lines[-1] = lines[-1][:40]

    _edit_raw(folder, edit)
    assert main(["info", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "the last line is cut" in captured.err
    assert f"({N_SAMPLES - 1} samples)" in captured.out
    loaded = read_session(folder)
    assert loaded.cut_lines == 1
    np.testing.assert_allclose(loaded.data, recorded[1][:, :-1], atol=1e-6)
