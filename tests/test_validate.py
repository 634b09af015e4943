"""``neurofeedback validate``: the table's rows and numbers checked against ``neurofeedback analyze``'s
CSV files of the same recordings (computed independently from ``features.csv`` and ``bandpower.csv``)."""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from _data import EEGHACKER_TXT

from neurofeedback.cli import main
from neurofeedback.conditions import (
    ConditionSpan,
    FileFrames,
    alpha_differences,
    is_occipital,
    live_channels,
    read_conditions,
    recording_key,
    validate,
)
from neurofeedback.errors import FileFormatError

SIM = "sim"
REAL = f"eeghacker/{EEGHACKER_TXT[0].name}"
BAD = "broken.txt"
SPANS = [
    (SIM, 0, 30, "eyes_open"),
    (SIM, 30, 65, "eyes_closed"),
    (REAL, 2, 45, "eyes_open"),
    (REAL, 45, 78, "eyes_closed"),
    (BAD, 0, 10, "rest"),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A simulated recording (artifacts scenario, Cyton montage with O1/O2), one real EEGHacker
    file and an unreadable file, with their conditions.csv."""
    d = tmp_path_factory.mktemp("validate")
    assert main(["simulate", "--scenario", "artifacts", "--duration", "65", "--montage", "cyton",
                 "--seed", "1", "--out", str(d / SIM)]) == 0
    (d / "eeghacker").mkdir()
    shutil.copy(EEGHACKER_TXT[0], d / REAL)
    (d / BAD).write_text("this is not EEG\n1;2;3\n", encoding="utf-8")
    lines = ["file,start_s,end_s,condition,how_known"] + [f"{f},{a},{b},{c},test" for f, a, b, c in SPANS]
    (d / "conditions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def result(data_dir):
    """:func:`validate` of the test folder, called directly."""
    return validate(data_dir / "conditions.csv")


@pytest.fixture(scope="module")
def command_output(data_dir, tmp_path_factory) -> tuple[str, str]:
    """(stdout, written Markdown) of ``neurofeedback validate DATA --out FILE``."""
    out = tmp_path_factory.mktemp("doc") / "validation.md"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["validate", str(data_dir), "--out", str(out)])
    assert rc == 0
    return buf.getvalue(), out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def analyzed(data_dir, tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """``neurofeedback analyze`` of the two readable recordings: (output folder, what it printed)."""
    out = tmp_path_factory.mktemp("analyze")
    done = {}
    for name in (SIM, REAL):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["analyze", str(data_dir / name), "--out", str(out / Path(name).stem)]) == 0
        done[name] = (out / Path(name).stem, buf.getvalue())
    return done


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _table_rows(text: str) -> list[list[str]]:
    """Cells of every row of the first Markdown table in ``text``."""
    rows = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| file "):
            rows.append([c.strip() for c in line.strip("|").split(" | ")])
        elif rows and not line.startswith("|"):
            break
    return rows


def _span_frames(times: np.ndarray, start: float, end: float) -> np.ndarray:
    """Frames whose 2-s window lies inside [start, end]."""
    return (times - 2.0 >= start - 1e-9) & (times <= end + 1e-9)


def test_one_row_per_span_in_csv_order(command_output):
    stdout, _ = command_output
    rows = _table_rows(stdout)
    assert [(r[0], r[1], r[2]) for r in rows] == [(f, f"{a:g}-{b:g}", c) for f, a, b, c in SPANS]


def test_clean_share_frames_and_left_out_match_features_csv(command_output, analyzed):
    rows = {(r[0], r[1]): r for r in _table_rows(command_output[0])}
    for name, start, end, _ in SPANS[:4]:
        header, data = _read_csv(analyzed[name][0] / "features.csv")
        t = np.array([float(r[header.index("time_s")]) for r in data])
        art = np.array([r[header.index("artifact")] == "1" for r in data])
        bad = [set(filter(None, r[header.index("bad_channels")].split(";"))) for r in data]
        m = _span_frames(t, start, end)
        row = rows[(name, f"{start:g}-{end:g}")]
        assert int(row[3]) == m.sum() > 0
        assert row[4] == f"{100 * (1 - art[m].mean()):.1f}"
        # every channel left out in >= 5 % of the span's frames, with its share
        names = sorted({c for i in np.flatnonzero(m) for c in bad[i]})
        share = {c: np.mean([c in bad[i] for i in np.flatnonzero(m)]) for c in names}
        expected = {c: f"{100 * s:.0f}" for c, s in share.items() if s >= 0.05}
        got = dict(item.rsplit(" ", 1) for item in row[6].split(", ")) if row[6] != "-" else {}
        assert got == expected


def test_mains_matches_analyze(command_output, analyzed):
    rows = {r[0]: r for r in _table_rows(command_output[0])}
    for name in (SIM, REAL):
        printed = analyzed[name][1]
        mains = re.search(r"mains notch (none|\d+ Hz)", printed).group(1)
        assert rows[name][7] == mains


def _median_alpha(folder: Path, channel: str, spans: list[tuple[float, float]]) -> float:
    """Median alpha dB of ``channel`` over clean frames (channel not left out) in ``spans``,
    from ``features.csv`` and ``bandpower.csv``."""
    fh, fdata = _read_csv(folder / "features.csv")
    bh, bdata = _read_csv(folder / "bandpower.csv")
    t = np.array([float(r[0]) for r in fdata])
    assert np.array_equal(t, [float(r[0]) for r in bdata])
    clean = np.array([r[fh.index("artifact")] == "0" and channel not in r[fh.index("bad_channels")].split(";")
                      for r in fdata])
    alpha = np.array([float(r[bh.index(f"{channel}:alpha")]) for r in bdata])
    m = np.zeros(t.size, dtype=bool)
    for a, b in spans:
        m |= _span_frames(t, a, b)
    return float(np.median(alpha[m & clean]))


def test_occipital_alpha_of_the_simulated_recording(result, analyzed, command_output):
    a = result.alpha_of(SIM)
    assert a.files == (SIM,) and a.channels == ("O1", "O2")
    diffs = [_median_alpha(analyzed[SIM][0], ch, [(30, 65)]) - _median_alpha(analyzed[SIM][0], ch, [(0, 30)])
             for ch in ("O1", "O2")]
    # bandpower.csv keeps 6 significant digits
    assert a.difference_db == pytest.approx(np.mean(diffs), abs=1e-3)
    row = next(r for r in _table_rows(command_output[0]) if r[0] == SIM)
    assert float(row[8]) == pytest.approx(a.difference_db, abs=0.051)


def test_single_live_channel_file_uses_that_channel(result, analyzed):
    """EEGHacker: channels named Ch1..; the only live one (Ch2, the O1 electrode) is used."""
    ff = result.files[REAL]
    assert ff.occipital == ("Ch2",) and ff.occipital_note == "only live channel"
    a = result.alpha_of(REAL)
    header, data = _read_csv(analyzed[REAL][0] / "features.csv")
    n_ok = {c: sum(r[header.index("artifact")] == "0" and "Ch2" not in r[header.index("bad_channels")].split(";")
                   and _span_frames(np.array([float(r[0])]), *span)[0] for r in data)
            for c, span in (("open", (2, 45)), ("closed", (45, 78)))}
    if min(n_ok.values()) == 0:
        assert math.isnan(a.difference_db) and "no clean frames of Ch2" in a.note
    else:
        expected = (_median_alpha(analyzed[REAL][0], "Ch2", [(45, 78)])
                    - _median_alpha(analyzed[REAL][0], "Ch2", [(2, 45)]))
        assert a.difference_db == pytest.approx(expected, abs=1e-3)


def test_unreadable_file_gets_a_row_not_a_crash(command_output):
    row = next(r for r in _table_rows(command_output[0]) if r[0] == BAD)
    assert row[3] == "0" and row[4] == "n/a"
    assert row[5].startswith("cannot analyse: ") and BAD in row[5]


def test_document_starts_with_command_and_date(command_output, data_dir):
    _, doc = command_output
    lines = doc.splitlines()
    assert lines[0].startswith("# ")
    made = next(ln for ln in lines if ln.startswith("Made by"))
    assert f"`neurofeedback validate {data_dir} --out " in made
    assert re.search(r" on \d{4}-\d\d-\d\d ", made)
    assert _table_rows(doc) == _table_rows(command_output[0])
    assert "## How to read the tables" in doc


def test_alpha_pairs_runs_of_one_subject():
    """S001R01 (eyes open) and S001R02 (eyes closed) pair up; per channel median over clean
    frames with the channel not left out, closed minus open, then the mean over channels."""
    def frames(path: str, o1: list[float], o2: list[float], art: list[bool], left_o1: list[bool]) -> FileFrames:
        n = len(o1)
        return FileFrames(
            path=path, ch_names=["Cz", "O1", "O2"], time_s=2.0 + np.arange(n, dtype=float),
            artifact=np.array(art, dtype=bool), reasons=[() for _ in range(n)],
            left_out=np.column_stack([np.zeros(n, bool), np.array(left_o1, bool), np.zeros(n, bool)]),
            alpha_db=np.column_stack([np.full(n, 99.0), o1, o2]), occipital=("O1", "O2"),
        )

    eo = frames("db/S001R01.edf", [1, 2, 3, 50, 60], [10, 10, 10, 10, 70], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1])
    ec = frames("db/S001R02.edf", [5, 6, 7, 80, 0], [13, 13, 13, 90, 13], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0])
    spans = [ConditionSpan("db/S001R01.edf", 0.0, 10.0, "eyes_open"),
             ConditionSpan("db/S001R02.edf", 0.0, 10.0, "eyes_closed")]
    (a,) = alpha_differences(spans, {eo.path: eo, ec.path: ec})
    assert a.files == ("db/S001R01.edf", "db/S001R02.edf")
    assert a.channels == ("O1", "O2")
    assert a.eyes_open_db == (2.0, 10.0)  # O1: the artifact frame (50) and the left-out frame (60) left out
    assert a.eyes_closed_db == (5.5, 13.0)  # O1 median of 5, 6, 7, 0
    assert a.difference_db == pytest.approx(((5.5 - 2.0) + (13.0 - 10.0)) / 2)


@pytest.mark.parametrize(("name", "expected"), [
    ("O1..", True), ("Oz", True), ("O2", True), ("POz", False), ("PO8", False), ("Ch2", False), ("Fp1.", False),
])
def test_is_occipital(name, expected):
    assert is_occipital(name) is expected


def test_recording_key_pairs_eegmmidb_runs_only():
    assert recording_key("eegmmidb/S002R01.edf") == recording_key("eegmmidb/S002R02.edf") == "eegmmidb/S002"
    assert recording_key("eegmmidb/S003R01.edf") != recording_key("eegmmidb/S002R01.edf")
    assert recording_key("eegmat-Subject00_1.edf") == "eegmat-Subject00_1.edf"


def test_live_channels():
    rng = np.random.default_rng(0)
    data = np.vstack([np.full(500, 187500.0), rng.normal(0, 10, 500), np.zeros(500)])
    assert live_channels(data).tolist() == [False, True, False]


def test_bad_conditions_table(tmp_path, capsys):
    p = tmp_path / "conditions.csv"
    p.write_text("file,start,end\nx.edf,0,1\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="start_s, end_s"):
        read_conditions(p)
    p.write_text("file,start_s,end_s,condition\nx.edf,5,1,rest\n", encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "line 2" in err and "start_s < end_s" in err
    assert main(["validate", str(tmp_path / "nowhere")]) == 2
    assert "conditions.csv" in capsys.readouterr().err


def test_hypnogram_stages_become_conditions_pooled_per_condition(tmp_path, capsys):
    """``@FILE`` rows: a hypnogram's stages become spans (two touching epochs of one stage
    join); the by-condition table pools frames, counting a frame in two spans once."""
    from _sleep import write_hypnogram, write_psg

    from neurofeedback.condition_pool import pool_by_condition
    from neurofeedback.conditions import span_mask

    write_psg(tmp_path / "n-PSG.edf", 120.0, 180.0)
    write_hypnogram(tmp_path / "n-Hyp.edf", [(0.0, 60.0, "Sleep stage W"),
                                             (60.0, 60.0, "Sleep stage W"),
                                             (120.0, 180.0, "Sleep stage 3")])
    (tmp_path / "conditions.csv").write_text(
        "file,start_s,end_s,condition\n"
        "n-PSG.edf,,,@n-Hyp.edf\n"
        "n-PSG.edf,0,60,part\n"
        "n-PSG.edf,30,120,part\n"
        "n-PSG.edf,0,300,@missing.edf\n")
    res = validate(tmp_path / "conditions.csv")
    rows = res.rows
    assert [(r.start_s, r.end_s, r.condition) for r in rows[:4]] == [
        (0.0, 120.0, "Sleep stage W"), (120.0, 300.0, "Sleep stage 3"), (0.0, 60.0, "part"),
        (30.0, 120.0, "part")]
    assert "missing.edf" in rows[4].error and "no such file" in rows[4].error
    ff = res.files["n-PSG.edf"]
    pools = {p.condition: p for p in pool_by_condition(rows, res.files)}
    assert set(pools) == {"Sleep stage W", "Sleep stage 3", "part"}  # the error row pools nothing
    wake, deep, part = pools["Sleep stage W"], pools["Sleep stage 3"], pools["part"]
    # one span: the pool is that span's row
    assert wake.n_frames == rows[0].n_frames == int(span_mask(ff, 0.0, 120.0).sum())
    assert wake.clean_share == rows[0].clean_share
    assert deep.drowsiness_median == pytest.approx(rows[1].drowsiness_median)
    # two overlapping spans: the union of their frames, each counted once
    union = span_mask(ff, 0.0, 60.0) | span_mask(ff, 30.0, 120.0)
    assert part.n_spans == 2 and part.n_frames == int(union.sum()) < rows[2].n_frames + rows[3].n_frames
    assert part.clean_share == pytest.approx(1.0 - ff.artifact[union].mean())
    # awake reads awake, deep sleep reads drowsy (the recording's made-to-facts stages)
    assert wake.drowsy_share <= 0.05 and deep.drowsy_share >= 0.9
    assert main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "### By condition" in out and "| Sleep stage 3 | 1 | 1 |" in out


def test_at_alone_takes_the_recordings_own_stages(tmp_path, capsys):
    """``@`` alone: an EDF+ file with its stages inside; ``@ name`` with a space names the file;
    an ``@`` row with nothing inside says so, with the whole recording as ``0-end``."""
    import edfio
    from _sleep import write_hypnogram, write_psg

    stages = [edfio.EdfAnnotation(0.0, 120.0, "Sleep stage W"),
              edfio.EdfAnnotation(120.0, 180.0, "Sleep stage 3")]
    write_psg(tmp_path / "own.edf", 120.0, 180.0, annotations=stages)
    write_hypnogram(tmp_path / "far.edf", [(0.0, 30.0, "Sleep stage 2")], shift_s=5000.0)
    (tmp_path / "conditions.csv").write_text(
        "file,start_s,end_s,condition\n"
        "own.edf,,,@\n"
        "own.edf,,,@ far.edf\n"
        "own.edf,130,200,@\n")
    res = validate(tmp_path / "conditions.csv")
    got = [(r.start_s, r.end_s, r.condition, bool(r.error)) for r in res.rows]
    assert got[:2] == [(0.0, 120.0, "Sleep stage W", False), (120.0, 300.0, "Sleep stage 3", False)]
    assert got[2][2] == "@far.edf" and "nothing falls inside" in res.rows[2].error
    assert got[3] == (130.0, 200.0, "Sleep stage 3", False)  # cut to the row's span
    assert main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| own.edf | 0-end | @far.edf | 0 | n/a | no conditions: " in out


def test_merged_spans_join_runs_of_a_label_in_any_order_and_overlaps_are_found():
    from neurofeedback.conditions import merged_spans, overlapping_labels

    spans = [(100.0, 100.0, "W"), (50.0, 10.0, "N1"), (0.0, 100.0, "W"), (60.0, 30.0, "N1")]
    merged = merged_spans(spans)
    assert merged == [(0.0, 200.0, "W"), (50.0, 90.0, "N1")]  # touching runs join too
    assert overlapping_labels(merged) == [("N1", "W")]
    assert overlapping_labels(merged_spans([(0.0, 30.0, "W"), (30.0, 30.0, "N1")])) == []
