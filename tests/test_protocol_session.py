"""A full quick-demo protocol session, headless, on the scenario simulator."""

from __future__ import annotations

import csv
import json

import pytest

from neurofeedback.cli import main


@pytest.mark.slow
def test_quick_demo_session_on_simulator(tmp_path, capsys):
    code = main(["run", "--board", "simulated", "--scenario", "meditation", "--seed", "1001",
                 "--sim-speed", "20", "--protocol", "quick-demo", "--headless",
                 "--record-dir", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    (sdir,) = list(tmp_path.iterdir())
    assert "instruction: Baseline" in captured.err
    meta = json.loads((sdir / "session.json").read_text())
    assert meta["ended_cleanly"] and meta["protocol"]["name"] == "quick-demo"
    # the protocol ends the session after its 120 s
    assert meta["n_samples"] == pytest.approx(120 * meta["sfreq"], abs=meta["sfreq"])
    with open(sdir / "markers.csv") as fh:
        labels = [(float(r["time_s"]), r["label"]) for r in csv.DictReader(fh)]
    starts = [(t, lab) for t, lab in labels if lab.startswith("phase:") and lab.endswith(":start")]
    assert [t for t, _ in starts] == [0.0, 30.0, 60.0, 70.0, 100.0]
    assert any(lab == "reward:on" for _, lab in labels)
    assert labels[-1][1] == "protocol:quick-demo:finished"
    report = (sdir / "report.html").read_text()
    for section in ("Session facts", "Signal quality", "Band power", "Energy, temperature and synchrony",
                    "Annealing cycles", "Protocol blocks", "Closing baseline against opening baseline"):
        assert section in report, section
    assert f"report: {sdir / 'report.html'}" in captured.out
