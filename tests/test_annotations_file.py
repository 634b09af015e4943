"""Annotations from a file of their own (``--annotations``: a Sleep-EDF hypnogram), spans with a
duration in the file itself, and the report's table of annotated spans."""

from __future__ import annotations

import datetime as dt

import edfio
import mne
import numpy as np
import pytest
from _sleep import DAY, NAMES, START, write_hypnogram, write_psg

from neurofeedback.cli import main
from neurofeedback.io import ReadOptions, load_eeg_file
from neurofeedback.report import write_report
from neurofeedback.report.data import gather
from neurofeedback.report.stats import span_summary

WAKE_S, SLEEP_S = 120.0, 180.0
STAGES = [(0.0, WAKE_S, "Sleep stage W"), (WAKE_S, SLEEP_S, "Sleep stage 3")]


def _psg(path, annotations=()):
    return write_psg(path, WAKE_S, SLEEP_S, annotations)


def _hypnogram(path, start=START, day=DAY, shift_s=0.0):
    return write_hypnogram(path, STAGES, start, day, shift_s)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("psg")
    return _psg(d / "SC-PSG.edf"), _hypnogram(d / "SC-Hypnogram.edf")


def test_hypnogram_becomes_spans_and_markers(files):
    psg, hyp = files
    plain = load_eeg_file(psg)
    assert plain.spans == [] and plain.ch_names == NAMES
    lf = ReadOptions(annotations=str(hyp)).load(psg)
    assert lf.spans == [(0.0, WAKE_S, "Sleep stage W"), (WAKE_S, SLEEP_S, "Sleep stage 3")]
    assert lf.markers == [(0.0, "Sleep stage W"), (WAKE_S, "Sleep stage 3")]
    np.testing.assert_array_equal(lf.data, plain.data)


def test_hypnogram_placed_by_its_own_start_time(tmp_path, files):
    psg, _ = files
    # scored from 30 s after the recording began: its onsets are relative to its own start
    later = (dt.datetime.combine(DAY, START) + dt.timedelta(seconds=30)).time()
    hyp = _hypnogram(tmp_path / "late.edf", start=later)
    lf = ReadOptions(annotations=str(hyp)).load(psg)
    assert lf.spans == [(30.0, WAKE_S, "Sleep stage W"),
                        (30.0 + WAKE_S, SLEEP_S - 30.0, "Sleep stage 3")]  # cut at the end


def test_bids_events_tsv(tmp_path, files):
    """A BIDS events file: onsets from the first sample, n/a durations as events, the label
    from trial_type (rows without one skipped)."""
    psg, _ = files
    ev = tmp_path / "sub-01_task-sleep_events.tsv"
    ev.write_text("onset\tduration\ttrial_type\tsample\n"
                  f"0\t{WAKE_S}\tW\t0\n"
                  f"{WAKE_S}\t{SLEEP_S}\tN3\t12000\n"
                  "150.5\tn/a\tlights off\t15050\n"
                  "160\t0\tn/a\t16000\n")
    lf = ReadOptions(annotations=str(ev)).load(psg)
    assert lf.spans == [(0.0, WAKE_S, "W"), (WAKE_S, SLEEP_S, "N3")]
    assert lf.markers == [(0.0, "W"), (WAKE_S, "N3"), (150.5, "lights off")]


@pytest.mark.parametrize(("text", "words"), [
    ("onset\tduration\n1\t2\n", "needs an onset column and one of trial_type"),
    ("onset\tduration\ttrial_type\nsoon\t2\tW\n", "line 2: onset and duration must be seconds"),
])
def test_bad_bids_events_are_one_error_line(tmp_path, capsys, files, text, words):
    psg, _ = files
    ev = tmp_path / "x_events.tsv"
    ev.write_text(text)
    assert main(["info", str(psg), "--annotations", str(ev)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err


def test_spans_inside_the_file_itself(tmp_path):
    ann = [edfio.EdfAnnotation(0.0, WAKE_S, "Sleep stage W"),
           edfio.EdfAnnotation(150.0, 0.0, "lights off")]
    lf = load_eeg_file(_psg(tmp_path / "with.edf", ann))
    assert lf.spans == [(0.0, WAKE_S, "Sleep stage W")]
    assert (150.0, "lights off") in lf.markers


def test_report_table_per_sleep_stage(files):
    psg, hyp = files
    d = gather(psg, ReadOptions(annotations=str(hyp)))
    rows = {r["label"]: r for r in span_summary(d.features, d.loaded.spans, 2.0)}
    assert list(rows) == ["Sleep stage W", "Sleep stage 3"]
    w, n3 = rows["Sleep stage W"], rows["Sleep stage 3"]
    # every frame whose 2-s window lies inside the span: 0.1-s hops from 2 s in
    assert w["n_frames"] == round((WAKE_S - 2.0) / 0.1) + 1
    assert w["drowsiness"] < 0.25 and w["drowsy_pct"] == 0.0
    assert n3["drowsiness"] > 0.6 and n3["drowsy_pct"] > 80.0
    assert n3["meditation_score"] == 0.0
    # the same medians as the feature table's own frames in the span
    t = d.features["time_s"]
    m = (t - 2.0 >= WAKE_S - 1e-6) & ~d.features["artifact"]
    assert n3["drowsiness"] == pytest.approx(float(np.median(d.features["drowsiness"][m])))


def test_report_cli_with_hypnogram(tmp_path, files):
    psg, hyp = files
    out = tmp_path / "r.html"
    assert main(["report", str(psg), "--annotations", str(hyp), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    section = text[text.index('id="annotations"'):text.index('id="blocks"')]
    assert "Sleep stage W" in section and "Sleep stage 3" in section
    assert "from SC-Hypnogram.edf" in section
    out2 = tmp_path / "plain.html"
    assert main(["report", str(psg), "--out", str(out2)]) == 0
    assert "--annotations FILE" in out2.read_text(encoding="utf-8")  # says how to get the table


def test_export_keeps_span_durations(tmp_path, files):
    psg, hyp = files
    out = tmp_path / "x_raw.fif"
    assert main(["export", str(psg), "--annotations", str(hyp), "--format", "fif",
                 "--out", str(out)]) == 0
    ann = mne.io.read_raw_fif(out, verbose="error").annotations
    assert list(ann.description) == ["Sleep stage W", "Sleep stage 3"]
    np.testing.assert_allclose(ann.duration, [WAKE_S, SLEEP_S])


@pytest.mark.parametrize("case", ["missing", "not-annotations", "unreadable", "other-night"])
def test_bad_annotations_file_is_one_error_line(tmp_path, capsys, files, case):
    psg, _ = files
    if case == "missing":
        ann, words = tmp_path / "nope.edf", "no such file"
    elif case == "not-annotations":
        ann, words = tmp_path / "junk.edf", "no annotations found"
        ann.write_bytes(b"\x00\x01garbage" * 50)
    elif case == "unreadable":  # a format MNE has no annotations reader for
        ann, words = tmp_path / "notes.docx", "cannot read annotations"
        ann.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    else:  # scored a day later: nothing falls inside this recording
        ann = _hypnogram(tmp_path / "other.edf", day=DAY + dt.timedelta(days=1))
        words = "nothing falls inside SC-PSG.edf"
    out = tmp_path / "r.html"
    assert main(["report", str(psg), "--annotations", str(ann), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --annotations") and words in err[0], err
    assert "Traceback" not in err[0] and not out.exists()


def test_info_counts_spans(files, capsys):
    psg, hyp = files
    assert main(["info", str(psg), "--annotations", str(hyp)]) == 0
    assert "markers:   2 (2 of them spans with a duration)" in capsys.readouterr().out


def test_write_report_without_spans_says_so(tmp_path, files):
    psg, _ = files
    out = write_report(psg, tmp_path / "r.html")
    section = out.read_text(encoding="utf-8").split('id="annotations"')[1].split("</section>")[0]
    assert "No annotated spans" in section


def test_one_sample_events_are_not_spans(tmp_path):
    # BrainVision markers and GDF events come one sample long: events, not spans
    fs = 250.0
    info = mne.create_info(["Fp1", "O1"], fs, "eeg")
    raw = mne.io.RawArray(np.random.default_rng(0).standard_normal((2, 2500)) * 1e-5, info,
                          verbose="error")
    raw.set_annotations(mne.Annotations([1.0, 2.0, 3.0], [1 / fs, 0.0, 4.0],
                                        ["Stimulus/S  1", "tap", "eyes closed"]))
    raw.save(tmp_path / "x_raw.fif", verbose="error")
    lf = load_eeg_file(tmp_path / "x_raw.fif")
    assert [m[1] for m in lf.markers] == ["Stimulus/S  1", "tap", "eyes closed"]
    assert lf.spans == [(3.0, 4.0, "eyes closed")]


@pytest.mark.parametrize(("year", "expected"), [(1989, 1989), (2084, 2084)])
def test_edf_start_reads_the_header_date_with_the_spec_century_rule(tmp_path, year, expected):
    from neurofeedback.io.edf_header import edf_start

    path = tmp_path / "x.edf"
    sig = edfio.EdfSignal(np.zeros(100), 100, label="EEG Cz", physical_range=(-1, 1))
    edfio.Edf([sig], starttime=dt.time(23, 4, 5),
              recording=edfio.Recording(startdate=dt.date(year, 4, 24))).write(path)
    got = edf_start(path)
    # dd.mm.yy: 85-99 are 19xx, 00-84 are 20xx (EDF specification)
    assert got == dt.datetime(expected, 4, 24, 23, 4, 5, tzinfo=dt.timezone.utc)
    assert edf_start(tmp_path / "missing.edf") is None
    (tmp_path / "x.txt").write_text("not an EDF file")
    assert edf_start(tmp_path / "x.txt") is None


def test_replay_with_a_hypnogram_passes_its_stages_as_markers(tmp_path, files):
    psg, hyp = files
    assert main(["replay", str(psg), "--annotations", str(hyp), "--speed", "0", "--start", "60",
                 "--duration", "120", "--headless", "--protocol", "none",
                 "--record-dir", str(tmp_path)]) == 0
    (rec,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    lines = (rec / "markers.csv").read_text().strip().splitlines()[1:]
    got = [(float(t), label) for t, label in (ln.split(",", 1) for ln in lines)]
    # on the replay's clock (it starts 60 s in): the N3 onset at 120 s is at 60 s
    assert got == [(WAKE_S - 60.0, "Sleep stage 3")]


def test_gui_annotations_need_a_replay(capsys):
    assert main(["gui", "--annotations", "hyp.edf", "--quit-after", "1"]) == 2
    err = capsys.readouterr().err
    assert "--annotations only applies to --replay" in err
