"""One recording start everywhere: session.json, raw.fif, export to FIF/EDF/BDF/BIDS, info, report.

The rule is in :mod:`neurofeedback.io.dates` and docs/formats.md: the first sample's wall-clock
time to the whole second, stored in UTC, shown as local time with its offset (and UTC).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import time

import mne
import mne_bids
import numpy as np
import pytest
from _data import EEGMMIDB_EDF

from neurofeedback.cli import main
from neurofeedback.info import describe, format_info
from neurofeedback.io import load_eeg_file
from neurofeedback.io.dates import format_start, iso_utc, recording_start, stored_start
from neurofeedback.recording import Recorder
from neurofeedback.sources.base import Chunk, RowLayout, SourceInfo

UTC = dt.timezone.utc
NAMES = ("Fz", "Cz", "Pz", "Oz")


def _session(tmp_path, t0: float) -> object:
    """A 4-s, 250-Hz session folder recorded through the real Recorder (raw.fif included)."""
    info = SourceInfo(kind="file", name="dates", sfreq=250.0, ch_names=NAMES,
                      layout=RowLayout.generic(len(NAMES)))
    rng = np.random.default_rng(3)
    rec = Recorder.create(tmp_path / "rec", info)
    rec.write(Chunk(rng.normal(0, 20, (len(NAMES), 1000)).round(3), t0 + np.arange(1000) / 250))
    rec.add_marker(1.0, "eyes closed")
    return rec.close()


def _exported_dates(tmp_path, src) -> dict[str, dt.datetime]:
    """Export ``src`` to every format through the CLI and read each start back with MNE."""
    got = {}
    for fmt in ("fif", "edf", "bdf"):
        out = tmp_path / f"x_raw.{fmt}"
        assert main(["export", str(src), "--format", fmt, "--out", str(out)]) == 0
        got[fmt] = mne.io.read_raw(out, verbose="error").info["meas_date"]
    root = tmp_path / "bids"
    assert main(["export", str(src), "--format", "bids", "--bids-root", str(root),
                 "--subject", "01", "--task", "rest"]) == 0
    path = mne_bids.BIDSPath(subject="01", task="rest", datatype="eeg", root=root)
    got["bids"] = mne_bids.read_raw_bids(path, verbose="error").info["meas_date"]
    (scans,) = root.rglob("*_scans.tsv")
    (row,) = list(csv.DictReader(scans.open(encoding="utf-8"), delimiter="\t"))
    got["scans.tsv"] = dt.datetime.fromisoformat(row["acq_time"].replace("Z", "+00:00"))
    return got


def test_session_start_is_the_same_in_every_export_info_and_report(tmp_path):
    folder = _session(tmp_path, time.time())
    meta = json.loads((folder / "session.json").read_text())
    start = dt.datetime.fromisoformat(meta["start_time"])  # local, offset written out
    assert start.tzinfo is not None
    want = start.astimezone(UTC)
    # raw.fif written by the recorder when the session closed
    assert mne.io.read_raw(folder / "raw.fif", verbose="error").info["meas_date"] == want
    for fmt, got in _exported_dates(tmp_path, folder).items():
        assert got == want, fmt
    d = describe(load_eeg_file(folder))
    assert d["start_time"] == want.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert d["start_time_local"] == format_start(start)
    assert f"start:     {format_start(start)}" in format_info(d)


def test_session_offset_wins_over_timestamps_and_is_shown(tmp_path):
    """A session recorded at UTC+01:00 whose sample clock says 2020: session.json is the start."""
    folder = _session(tmp_path, 1.6e9)  # 2020-09-13, a clock that is not the wall clock
    meta_path = folder / "session.json"
    meta = json.loads(meta_path.read_text())
    meta["start_time"] = "2024-03-01T00:05:09+01:00"
    meta_path.write_text(json.dumps(meta))
    want = dt.datetime(2024, 2, 29, 23, 5, 9, tzinfo=UTC)
    for fmt, got in _exported_dates(tmp_path, folder).items():
        assert got == want, fmt
    d = describe(load_eeg_file(folder))
    assert d["start_time"] == "2024-02-29T23:05:09Z"
    assert d["start_time_local"] == "2024-03-01 00:05:09 +01:00 (2024-02-29 23:05:09 UTC)"


def test_report_shows_the_session_start(tmp_path):
    from neurofeedback.report import _facts
    from neurofeedback.report.data import gather

    folder = _session(tmp_path, time.time())
    start = dt.datetime.fromisoformat(json.loads((folder / "session.json").read_text())["start_time"])
    html = _facts(gather(folder))
    assert f"<td>start time</td><td>{format_start(start)}</td>" in html


def test_edf_date_survives_export_and_info(tmp_path):
    """S002R02.edf's header says 12.08.09 16.15.00: our reader, every export and info keep it.

    The exports run on a 4-channel, 4-s cut of it (MNE's EDF writer keeps the header date) to stay
    fast; the full file's date is checked through our reader.
    """
    src = EEGMMIDB_EDF[(2, 2)]
    want = dt.datetime(2009, 8, 12, 16, 15, 0, tzinfo=UTC)
    assert stored_start(load_eeg_file(src)) == want
    raw = mne.io.read_raw_edf(src, preload=True, verbose="error")
    assert raw.info["meas_date"] == want
    raw.pick(raw.ch_names[:4]).crop(0, 4.0, include_tmax=False)
    cut = tmp_path / "cut.edf"
    mne.export.export_raw(cut, raw, fmt="edf", verbose="error")
    for fmt, got in _exported_dates(tmp_path, cut).items():
        assert got == want, fmt
    d = describe(load_eeg_file(cut))
    assert d["start_time"] == "2009-08-12T16:15:00Z"
    assert d["start_time_local"] == "2009-08-12 16:15:00 +00:00"
    # and the FIF made from it reads back to the same start in our reader too
    assert stored_start(load_eeg_file(tmp_path / "x_raw.fif")) == want


def test_fif_that_starts_after_sample_zero(tmp_path):
    """A FIF whose data start at first_samp > 0 starts at meas_date + first_samp / sfreq."""
    info = mne.create_info(list(NAMES), 100.0, "eeg")
    raw = mne.io.RawArray(np.zeros((4, 500)), info, first_samp=1234, verbose="error")
    raw.set_meas_date(dt.datetime(2022, 5, 6, 7, 8, 9, tzinfo=UTC))
    raw.save(tmp_path / "a_raw.fif", verbose="error")
    lf = load_eeg_file(tmp_path / "a_raw.fif")
    assert stored_start(lf) == dt.datetime(2022, 5, 6, 7, 8, 21, tzinfo=UTC)  # + 12.34 s, truncated


def test_no_date_anywhere_stays_unknown(tmp_path):
    from neurofeedback.io.loaded import LoadedFile

    lf = LoadedFile(path="x", format="t", data=np.zeros((1, 10)), sfreq=10.0, ch_names=["Cz"],
                    timestamps=np.arange(10) / 10)
    assert recording_start(lf) is None
    assert format_start(None) == "not recorded" and iso_utc(None) is None


@pytest.mark.parametrize(("text", "shown"), [
    ("2024-03-01T14:05:09+01:00", "2024-03-01 14:05:09 +01:00 (13:05:09 UTC)"),
    ("2024-03-01T14:05:09.750-05:30", "2024-03-01 14:05:09 -05:30 (19:35:09 UTC)"),
    ("2024-03-01T14:05:09Z", "2024-03-01 14:05:09 +00:00"),
    ("2024-03-01T14:05:09", "2024-03-01 14:05:09 +00:00"),  # no offset: taken as UTC
])
def test_format_start(text, shown):
    from neurofeedback.io.dates import parse_iso

    parsed = parse_iso(text, "test").replace(microsecond=0)
    assert format_start(parsed) == shown
