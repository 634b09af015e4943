"""The per-channel quality summary of ``info`` and the report: the pipeline's own per-frame
reasons, counted, on the real OpenBCI sample and on simulated recordings with known artifacts."""

from __future__ import annotations

import collections
import json
from dataclasses import replace

import numpy as np
import pytest
from _data import OPENBCI_TXT

from neurofeedback.cli import main
from neurofeedback.info import describe, format_info
from neurofeedback.io import load_eeg_file
from neurofeedback.io.loaded import LoadedFile
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.pipeline import Pipeline, run_pipeline
from neurofeedback.pipeline.regions import region_of
from neurofeedback.quality_summary import (
    REASONS,
    compact_reasons,
    raw_facts,
    stretch_starts,
    summarize_loaded,
    verdict,
)
from neurofeedback.simulate.artifacts import RAIL_UV
from neurofeedback.simulate.generator import Generator

SIM_S = 120.0


def _pct_from_frames(frames, n_ch):
    """% of frames per reason and channel, counted directly from pipeline frames."""
    out = []
    for i in range(n_ch):
        c = collections.Counter(f.channel_quality[i] for f in frames)
        out.append({r: 100.0 * c.get(r, 0) / len(frames) for r in REASONS})
    return out


@pytest.fixture(scope="module")
def openbci():
    return load_eeg_file(OPENBCI_TXT)


@pytest.fixture(scope="module")
def simulated():
    """120 s of the simulator's ``artifacts`` scenario: blinks (frontal), EMG bursts, and P4
    stuck at the Cyton rail from 50 % to 80 % of the recording (60-96 s)."""
    gen = Generator("artifacts", seed=0, duration_s=SIM_S)
    data, _ = gen.generate(int(SIM_S * gen.sfreq))
    lf = LoadedFile(path="sim", format="simulated", data=data, sfreq=gen.sfreq,
                    ch_names=list(gen.ch_names), timestamps=np.arange(data.shape[1]) / gen.sfreq,
                    rail_uv=RAIL_UV)
    return lf, gen


def test_verdict_rule_and_compact_text():
    assert verdict({"ok": 85.0, "blink": 9.9, "emg": 5.1}) == "ok"  # nothing reaches 10 %
    assert verdict({"ok": 70.0, "blink": 16.0, "emg": 14.0}) == "blink"
    assert verdict({"ok": 60.0, "railed": 20.0, "emg": 20.0}) == "railed"  # tie: pipeline order
    assert verdict({"ok": 100.0}) == "ok"
    assert compact_reasons({"ok": 70.0, "emg": 9.3, "blink": 16.2, "flat": 0.0}) == "blink 16.2, emg 9.3"
    assert compact_reasons({"ok": 100.0}) == "-"
    assert compact_reasons({"ok": 99.97, "railed": 0.03}) == "railed <0.1"


def test_rms_offset_and_rail_facts_against_analytic_values():
    """A 20 uV 10-Hz sine on a 50 mV offset: RMS after the pipeline's 1-45 Hz filters is
    20/sqrt(2) (gain ~1 at 10 Hz); a second channel at the rail 30 % of the time."""
    sf = 250.0
    t = np.arange(int(30 * sf)) / sf
    sine = 50_000 + 20 * np.sin(2 * np.pi * 10 * t)
    railed = 10 * np.sin(2 * np.pi * 7 * t)
    railed[int(0.6 * t.size) : int(0.9 * t.size)] = RAIL_UV
    lf = LoadedFile(path="x", format="test", data=np.vstack([sine, railed]), sfreq=sf,
                    ch_names=["Cz", "Pz"], timestamps=t, rail_uv=RAIL_UV)
    s = summarize_loaded(lf)
    cz, pz = s.channels
    assert cz.rms_uv == pytest.approx(20 / np.sqrt(2), rel=0.02)
    assert cz.verdict == "ok" and cz.reason_pct["ok"] == 100.0 and cz.left_out_pct == 0.0
    facts = raw_facts(lf)
    assert facts[0]["offset_uv"] == pytest.approx(50_000, abs=0.5)
    assert facts[1]["railed_pct"] == pytest.approx(30.0, abs=0.01)
    assert facts[0]["railed_pct"] == 0.0
    # frames whose 2-s window touches the railed 18-27 s: ending in (18, 29] (plus ring-down)
    assert pz.verdict == "railed"
    n_touch = sum(1 for k in range(s.n_frames) if 18.0 < 2.0 + 0.1 * k < 29.0 + 1e-9)
    assert pz.reason_pct["railed"] >= 100.0 * n_touch / s.n_frames - 1.0
    assert pz.left_out_pct == pytest.approx(pz.reason_pct["railed"])
    assert raw_facts(LoadedFile(path="x", format="t", data=sine[None], sfreq=sf, ch_names=["Cz"],
                                timestamps=t))[0]["railed_pct"] is None


def test_openbci_sample_shares_equal_the_pipeline_frames(openbci):
    frames = run_pipeline(openbci.data, openbci.sfreq, list(openbci.ch_names), rail_uv=openbci.rail_uv)
    expected = _pct_from_frames(frames, len(openbci.ch_names))
    d = describe(openbci)
    assert d["quality_method"]["frames"] == len(frames) and d["quality_method"]["stretches"] is None
    for q, e in zip(d["quality"], expected, strict=True):
        assert q["reasons"] == pytest.approx(e, abs=1e-9)
        assert sum(q["reasons"].values()) == pytest.approx(100.0)
        # left out: every frame whose verdict is not ok (bad channel or artifact on it)
        assert q["left_out_pct"] == pytest.approx(100.0 - e["ok"])
        assert q["artifact_pct"] == pytest.approx(e["blink"] + e["emg"] + e["amplitude"])
    by = {q["channel"]: q for q in d["quality"]}
    # known content: blinks in the first ~26 s on Fp1/Fp2, nowhere else (no frontal neighbours)
    assert by["Fp1"]["reasons"]["blink"] > 5 and by["Fp2"]["reasons"]["blink"] > 5
    assert all(by[c]["reasons"]["blink"] == 0 for c in ("C3", "C4", "P7", "P8", "O1", "O2"))
    # the old summary called every channel "noisy" (raw mains); now the pipeline's words
    verdicts = {q["verdict"] for q in d["quality"]}
    assert verdicts <= set(REASONS) and "noisy" not in verdicts
    assert by["Fp1"]["verdict"] == "blink"
    # after the pipeline's notch the line check does not fire on the channels' shared mains
    assert all(q["reasons"]["line"] < 10 for q in d["quality"])
    # DC offsets of a Cyton are tens of mV; filtered RMS is in the EEG/EMG range
    assert abs(by["Fp1"]["offset_uv"]) > 10_000
    assert all(5 < q["rms_uv"] < 100 for q in d["quality"])
    text = format_info(d)
    assert "whole recording" in text and "blink" in text.splitlines()[-8]


def test_simulated_artifacts_railed_p4_and_frontal_blinks(simulated):
    lf, gen = simulated
    s = summarize_loaded(lf)
    frames = run_pipeline(lf.data, lf.sfreq, list(lf.ch_names), rail_uv=lf.rail_uv)
    expected = _pct_from_frames(frames, len(lf.ch_names))
    for c, e in zip(s.channels, expected, strict=True):
        assert c.reason_pct == pytest.approx(e, abs=1e-9), c.name
    by = {c.name: c for c in s.channels}
    # railed 60-96 s of 120 s: frames whose window overlaps it end in (60, 98)
    lo, hi = gen.artifacts.rail_on
    n_touch = sum(1 for f in frames if lo < f.time_s < hi + 2.0)
    truth_pct = 100.0 * n_touch / len(frames)
    assert by["P4"].verdict == "railed"
    assert truth_pct - 1.0 <= by["P4"].reason_pct["railed"] <= truth_pct + 5.0
    assert 25.0 < by["P4"].reason_pct["railed"] < 40.0
    assert by["P4"].left_out_pct >= by["P4"].reason_pct["railed"]
    assert all(c.reason_pct["railed"] == 0 for c in s.channels if c.name != "P4")
    # blinks appear only on frontal channels, and on both Fp channels
    assert by["Fp1"].reason_pct["blink"] > 5 and by["Fp2"].reason_pct["blink"] > 5
    assert all(c.reason_pct["blink"] == 0 for c in s.channels if region_of(c.name) != "frontal")


def test_long_recording_stretches_equal_their_own_pipeline_runs(simulated):
    """Sampling mode: each stretch is a fresh pipeline run over warm-up + stretch; the counts
    are exactly those frames, and the railed share matches the stretches inside the rail."""
    lf, gen = simulated
    s = summarize_loaded(lf, limit_s=60.0, n_stretches=8, stretch_s=5.0)
    starts = stretch_starts(lf.duration_s, 8, 5.0)
    assert len(s.stretches) == 8
    for (a, b), a0 in zip(s.stretches, starts, strict=True):  # placed on the nearest sample
        assert a == pytest.approx(a0, abs=0.5 / lf.sfreq) and b - a == pytest.approx(5.0)
    assert s.n_frames == 8 * 50 and s.analysed_s == pytest.approx(40.0)
    sf = lf.sfreq
    counts = collections.Counter()
    n = 0
    notch = None
    for k, a in enumerate(starts):
        cfg = PipelineConfig() if k == 0 else replace(PipelineConfig(), notch=notch)
        i0, w0 = int(round(a * sf)), int(round((a - 5.0) * sf))
        pipe = Pipeline(sf, list(lf.ch_names), cfg, lf.rail_uv)
        fr = [f for f in pipe.push(lf.data[:, w0 : i0 + int(5 * sf)]) if f.time_s > 5.0 + 1e-6]
        notch = pipe.mains_hz if k == 0 else notch
        p4 = lf.ch_names.index("P4")
        counts.update(f.channel_quality[p4] for f in fr)
        n += len(fr)
    assert n == s.n_frames
    by = {c.name: c for c in s.channels}
    assert by["P4"].reason_pct["railed"] == pytest.approx(100.0 * counts["railed"] / n)
    lo, hi = gen.artifacts.rail_on
    inside = sum(1 for a in starts if lo <= a and a + 5.0 <= hi)
    assert by["P4"].reason_pct["railed"] >= 100.0 * inside / 8
    assert "8 evenly spaced 5-s stretches (40 s of 120 s)" in s.method()
    with pytest.raises(Exception, match="n_stretches"):
        summarize_loaded(lf, limit_s=60.0, n_stretches=0)


def test_info_cli_json_and_text(tmp_path, capsys):
    assert main(["info", str(OPENBCI_TXT), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["quality_method"]["frames"] > 800 and d["quality_method"]["mains_hz"] in (50.0, 60.0)
    for q in d["quality"]:
        assert set(q["reasons"]) == set(REASONS)
        assert {"verdict", "left_out_pct", "artifact_pct", "offset_uv", "railed_pct", "rms_uv"} <= set(q)
    assert main(["info", str(OPENBCI_TXT)]) == 0
    out = capsys.readouterr().out
    assert "reasons, % of frames" in out and "noisy" not in out
