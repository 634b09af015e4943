"""raw.fif of a session: protocol phases and rewards as annotations with durations, artifact
spans as BAD_artifact, and the mains frequency as info["line_freq"]."""

from __future__ import annotations

import json

import mne
import numpy as np
import pytest

from neurofeedback.cli import main
from neurofeedback.io.export import annotation_lists


def test_annotation_lists_pair_phases_and_rewards():
    markers = [(0.0, "phase:baseline:start"), (30.0, "phase:baseline:end"),
               (30.0, "phase:training:start"), (41.0, "reward:on"), (42.5, "reward:off"),
               (50.0, "user note"), (55.0, "reward:on")]
    on, dur, lab = annotation_lists(markers, [(12.0, 3.0)], end_s=60.0)
    got = sorted(zip(on, dur, lab, strict=True))
    assert got == [(0.0, 30.0, "phase:baseline"), (12.0, 3.0, "BAD_artifact"),
                   (30.0, 30.0, "phase:training"),  # still open at the end
                   (41.0, 1.5, "reward"), (50.0, 0.0, "user note"), (55.0, 5.0, "reward")]


def test_session_fif_carries_phases_artifacts_and_line_freq(tmp_path):
    rc = main(["run", "--board", "simulated", "--scenario", "artifacts", "--protocol", "quick-demo",
               "--sim-speed", "30", "--headless", "--record-dir", str(tmp_path)])
    assert rc == 0
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    raw = mne.io.read_raw_fif(folder / "raw.fif", verbose="error")
    ann = raw.annotations
    phases = {d: float(x) for d, x in zip(ann.description, ann.duration, strict=True)
              if d.startswith("phase:")}
    assert phases["phase:baseline-open"] == pytest.approx(30.0, abs=0.15)
    assert phases["phase:training-1"] == pytest.approx(30.0, abs=0.15)
    bad = ann.duration[ann.description == "BAD_artifact"]
    assert bad.size > 0 and np.all(bad >= 2.0 - 1e-9)  # each covers at least one 2-s window
    frames = np.genfromtxt(folder / "features.csv", delimiter=",", names=True, usecols=(0,),
                           dtype=float)
    assert frames.size > 0
    meta = json.loads((folder / "session.json").read_text())
    assert raw.info["line_freq"] == meta.get("mains_hz")
