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
    # the session counted each channel's quality reasons live and stored them, so the report
    # did not run the pipeline again; an older recording without them gets the same numbers
    import shutil

    from neurofeedback.report.data import gather, read_feature_table

    counts = meta["channel_quality_counts"]
    assert counts["n_frames"] == read_feature_table(sdir / "features.csv").n_frames
    d = gather(sdir)
    assert not any("re-run" in n for n in d.notes)
    old = tmp_path / "older"
    shutil.copytree(sdir, old)
    del meta["channel_quality_counts"]
    (old / "session.json").write_text(json.dumps(meta))
    d_old = gather(old)
    assert any("re-run" in n for n in d_old.notes)
    for a, b in zip(d_old.quality.channels, d.quality.channels, strict=True):
        assert (a.reason_pct, a.left_out_pct) == (b.reason_pct, b.left_out_pct)
        # the recording stores samples as text with 6-7 significant digits
        assert a.rms_uv == pytest.approx(b.rms_uv, rel=1e-6)


@pytest.mark.slow
def test_each_frame_carries_the_protocol_state_it_was_scored_with(tmp_path):
    # Views draw a frame together with its protocol snapshot, never the live engine (which the
    # worker thread updates meanwhile). Replaying a fresh engine over the same frames must give
    # the same snapshot frame by frame.
    from neurofeedback.protocols import ProtocolEngine, ProtocolSnapshot, load_protocol
    from neurofeedback.session import Session
    from neurofeedback.sources.simulated import SimulatedSource

    protocol = load_protocol("quick-demo")
    session = Session(SimulatedSource("meditation", seed=1003, speed=40.0), record_dir=None,
                      protocol=protocol)
    frames = []
    session.start()
    while not session.wait(0.2):
        frames.extend(session.poll_frames())
    session.stop()
    frames.extend(session.poll_frames())
    assert len(frames) > 1000
    assert all(isinstance(f.protocol, ProtocolSnapshot) for f in frames)
    replay = ProtocolEngine(protocol)
    for f in frames:
        replay.update(f)
        assert f.protocol == replay.snapshot(), f.time_s
    assert any(f.protocol.reward_on for f in frames)
    assert frames[-1].protocol.finished
