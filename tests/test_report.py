"""Session reports: every section, self-contained, on the real EEGMAT recording and on a
protocol session recorded through the real recorder, pipeline and protocol engine."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from _data import EEGMAT_EDF

from neurofeedback.cli import main
from neurofeedback.pipeline.frame import BANDS

EEGMAT = EEGMAT_EDF
SECTION_IDS = ("facts", "quality", "bands", "state", "cycles", "blocks", "baselines")

needs_eegmat = pytest.mark.skipif(not EEGMAT.is_file(), reason=f"{EEGMAT} is not available")


def assert_self_contained(text: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", text), "external reference"
    assert "<link" not in text and "<script" not in text and "@import" not in text
    assert "url(" not in text


def section(text: str, key: str) -> str:
    m = re.search(rf'<section id="{key}">(.*?)</section>', text, re.S)
    assert m, f"section {key} missing"
    return m.group(1)


@pytest.fixture(scope="module")
def eegmat_report(tmp_path_factory):
    from neurofeedback.report import write_report

    out = tmp_path_factory.mktemp("rep") / "eegmat.html"
    path = write_report(EEGMAT, out)
    return path, path.read_text(encoding="utf-8")


@needs_eegmat
@pytest.mark.slow
def test_eegmat_report_has_every_section_and_is_self_contained(eegmat_report):
    path, text = eegmat_report
    assert path.is_file()
    for key in SECTION_IDS:
        section(text, key)
    assert_self_contained(text)
    imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(imgs) >= 3
    import base64

    assert all(base64.b64decode(b)[:8] == b"\x89PNG\r\n\x1a\n" for b in imgs)
    facts = section(text, "facts")
    assert "500 Hz" in facts and "182.0 s" in facts and "O1" in facts
    # an awake person: the drowsy row says none, with the median drowsiness
    assert re.search(r"drowsy frames</td><td>0\.0 % \(drowsiness &gt;= 0\.35: feedback fading out, "
                     r"none from 0\.5\), "
                     r"median drowsiness 0\.0\d", facts), facts
    # what it cannot show, it says
    assert "No protocol was run" in section(text, "blocks")
    assert "first 46 s against the last 46 s" in section(text, "baselines")
    assert "Cohen" in section(text, "baselines")


@needs_eegmat
def test_eegmat_channel_band_power_matches_mne_and_shows_posterior_alpha():
    import mne

    from neurofeedback.io import load_eeg_file
    from neurofeedback.report.stats import channel_band_db

    loaded = load_eeg_file(EEGMAT)
    q = dict(zip(loaded.ch_names, channel_band_db(loaded), strict=True))
    # known effect of this recording: strong posterior alpha
    assert min(q["O1"]["alpha"], q["O2"]["alpha"]) > max(q["Fp1"]["alpha"], q["Fp2"]["alpha"])
    sf = loaded.sfreq
    psd, freqs = mne.time_frequency.psd_array_welch(
        loaded.data[[loaded.ch_names.index("O1")]], sf, n_fft=int(2 * sf), n_overlap=int(sf),
        window="hann", verbose=False)
    df = freqs[1] - freqs[0]
    for b, (lo, hi) in BANDS.items():
        m = (freqs >= lo) & (freqs < hi)
        ref = 10 * np.log10(psd[0, m].sum() * df)
        assert q["O1"][b] == pytest.approx(ref, abs=0.05), b


@pytest.fixture(scope="module")
def protocol_session(tmp_path_factory):
    """125 s of the real EEGMAT signal recorded as a quick-demo session, the way the live session
    does it: recorder + pipeline (baseline = the protocol's baseline phase) + protocol engine."""
    from neurofeedback.io import load_eeg_file
    from neurofeedback.pipeline.config import PipelineConfig
    from neurofeedback.pipeline.pipeline import Pipeline
    from neurofeedback.protocols import ProtocolEngine, load_protocol
    from neurofeedback.recording import Recorder
    from neurofeedback.sources.base import Chunk, RowLayout, SourceInfo, rows_from_data

    loaded = load_eeg_file(EEGMAT)
    keep = [loaded.ch_names.index(c) for c in ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "T3", "T4",
                                                "P3", "P4", "O1", "O2")]
    sf = loaded.sfreq
    data = loaded.data[keep, : int(125 * sf)]
    names = [loaded.ch_names[i] for i in keep]
    layout = RowLayout.generic(len(names))
    info = SourceInfo(kind="file", name="eegmat", sfreq=sf, ch_names=tuple(names), layout=layout,
                      board_name="EEGMAT replay")
    proto = load_protocol("quick-demo")
    engine = ProtocolEngine(proto)
    pipe = Pipeline(sf, names, PipelineConfig(integration_band=proto.integration_band))
    pipe.set_baseline(*engine.baseline_window())
    rec = Recorder.create(tmp_path_factory.mktemp("rec"), info)
    rec.update_meta(protocol=proto.to_dict())
    step = int(sf)  # one-second chunks, as a live source would deliver
    markers = []
    for k in range(0, data.shape[1], step):
        x = data[:, k:k + step]
        ts = np.arange(k, k + x.shape[1]) / sf
        rec.write(Chunk(x, ts, rows_from_data(layout, x, ts, k)))
        frames = pipe.push(x)
        for f in frames:
            for ev in engine.update(f):
                rec.add_marker(ev.time_s, ev.label)
                markers.append(ev)
        rec.write_frames(frames)
    path = rec.close(write_fif=False)
    return path, engine, markers


def test_protocol_session_report(protocol_session, tmp_path):
    from neurofeedback.report import write_report

    sdir, engine, events = protocol_session
    assert engine.finished
    labels = [e.label for e in events]
    assert labels[0] == "phase:baseline-open:start" and labels[-1] == "protocol:quick-demo:finished"
    out = write_report(sdir)
    assert out == sdir / "report.html"
    text = out.read_text(encoding="utf-8")
    for key in SECTION_IDS:
        section(text, key)
    assert_self_contained(text)
    blocks = section(text, "blocks")
    for label in ("baseline-open", "training-1", "rest-1", "training-2", "baseline-close"):
        assert f"<td>{label}</td>" in blocks
    # replaying the engine over features.csv reproduces the live rewards exactly
    n_on = sum(1 for e in events if e.kind == "reward_on")
    assert n_on > 0
    assert f"recorded {n_on}, replayed {n_on}" in blocks
    # block numbers equal the live engine's
    live = {b["label"]: b for b in engine.block_summary()}
    rate = live["training-1"]["reward_rate"]
    assert f"<td>{rate:.2f}</td>" in blocks
    base = html.unescape(section(text, "baselines"))
    assert "'baseline-open' (opening) and 'baseline-close' (closing)" in base
    assert "opening 0.0-30.0 s, closing 100.0-120.0 s" in base


def test_protocol_session_quality_table_is_the_pipelines_reasons(protocol_session):
    """features.csv stores only the channels left out, so the report re-runs the pipeline's
    checks once: its shares equal a direct count of run_pipeline frames, and its left-out
    shares equal what the live session wrote to features.csv."""
    from neurofeedback.pipeline.pipeline import run_pipeline
    from neurofeedback.recording import read_session
    from neurofeedback.report import render
    from neurofeedback.report.data import gather, read_feature_table

    sdir, _, _ = protocol_session
    d = gather(sdir)
    assert any("re-run" in n for n in d.notes)
    loaded = read_session(sdir)
    frames = run_pipeline(loaded.data, loaded.sfreq, list(loaded.ch_names), rail_uv=loaded.rail_uv)
    live = read_feature_table(sdir / "features.csv")
    assert d.quality.n_frames == len(frames) == live.n_frames
    quality = section(render(d), "quality")
    for i, c in enumerate(d.quality.channels):
        reasons = [f.channel_quality[i] for f in frames]
        for r in ("ok", "blink", "emg", "amplitude"):
            assert c.reason_pct[r] == pytest.approx(100 * reasons.count(r) / len(frames))
        live_out = 100 * sum(c.name in b for b in live.bad_channels) / live.n_frames
        assert c.left_out_pct == pytest.approx(live_out)
        # the row shows the same numbers, one decimal
        row = re.search(rf"<tr><td>{c.name}</td>(.*?)</tr>", quality).group(1)
        cells = re.findall(r"<td>(.*?)</td>", row)
        assert cells[0] == c.verdict and cells[1] == f"{c.reason_pct['ok']:.1f}"
    # a cleaned research recording: every channel's verdict is ok
    assert all(c.verdict == "ok" for c in d.quality.channels)
    assert "left out (% frames)" in quality and "blink (%)" in quality


def test_report_cli_and_bad_input(protocol_session, tmp_path, capsys):
    sdir, _, _ = protocol_session
    out = tmp_path / "sub" / "r.html"
    assert main(["report", str(sdir), "--out", str(out)]) == 0
    assert out.is_file() and str(out) in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nothing-here")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "does not exist" in err


def test_report_on_a_recording_too_short_for_one_frame(tmp_path, capsys):
    from neurofeedback.recording import Recorder
    from neurofeedback.sources.base import Chunk, RowLayout, SourceInfo

    info = SourceInfo(kind="file", name="short", sfreq=250.0, ch_names=("Fp1", "Fp2", "O1", "O2"),
                      layout=RowLayout.generic(4))
    rec = Recorder.create(tmp_path, info)
    rec.write(Chunk(np.random.default_rng(0).normal(0, 10, (4, 110)), np.arange(110) / 250))
    sdir = rec.close()
    assert main(["report", str(sdir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no feature frames" in err and err.count("\n") == 1
    assert not (sdir / "report.html").exists()


def test_drowsy_share_of_a_feature_table():
    from neurofeedback.report import _drowsy_share
    from neurofeedback.report.data import FeatureTable

    cols = {"time_s": np.arange(4.0), "phase": np.array(["baseline", "drowsy", "drowsy", "heating"]),
            "drowsiness": np.array([0.1, 0.6, 0.8, np.nan])}
    assert _drowsy_share(FeatureTable(cols, [()] * 4, "test")) == (
        "50.0 % (drowsiness >= 0.35: feedback fading out, none from 0.5), median drowsiness 0.60")
    # an old features.csv without the column: only the phase share
    del cols["drowsiness"]
    assert _drowsy_share(FeatureTable(cols, [()] * 4, "test")).startswith("50.0 %")


def test_long_tables_are_built_in_parts_with_the_same_numbers(protocol_session, tmp_path,
                                                              monkeypatch):
    """A night's features.csv (or analysis) is turned into columns a part at a time; the parts
    joined are the table read whole, and the report's own analysis of the raw samples gives
    the live features.csv's numbers."""
    import shutil

    import neurofeedback.report.data as rd

    sdir, _, _ = protocol_session
    whole = rd.read_feature_table(sdir / "features.csv")
    monkeypatch.setattr(rd, "_ROWS_PER_PART", 7)  # 1201 rows: 171 parts and a short last one
    parts = rd.read_feature_table(sdir / "features.csv")
    assert parts.n_frames == whole.n_frames and parts.bad_channels == whole.bad_channels
    for k, v in whole.columns.items():
        np.testing.assert_array_equal(parts.columns[k], v, err_msg=k)
    # without features.csv the report analyses the raw samples chunk by chunk: the table of
    # all the frames at once
    from neurofeedback.offline import iter_frames, session_config
    from neurofeedback.recording import read_session

    copy = tmp_path / "session"
    shutil.copytree(sdir, copy)
    (copy / "features.csv").unlink()
    analysed = rd.gather(copy).features
    loaded = read_session(copy)
    frames = [f for c in iter_frames(loaded, session_config(loaded, loaded.meta)) for f in c]
    at_once = rd.table_from_frames(frames, "all frames")
    assert analysed.n_frames == at_once.n_frames == whole.n_frames
    assert analysed.bad_channels == at_once.bad_channels
    for k, v in at_once.columns.items():
        np.testing.assert_array_equal(analysed.columns[k], v, err_msg=k)
    assert rd.concat_tables([], "none").n_frames == 0


def test_report_of_an_exported_session_shows_its_protocol_phases(protocol_session, tmp_path):
    """Exported to FIF, a session's phases are annotation spans; the report draws the same
    phase starts as for the session folder itself."""
    from neurofeedback.io.marker_labels import phase_edge
    from neurofeedback.report.data import gather

    sdir, _, _ = protocol_session
    fif = tmp_path / "session_raw.fif"
    assert main(["export", str(sdir), "--format", "fif", "--out", str(fif)]) == 0
    edges = lambda d: [(round(t, 2), phase_edge(m)) for t, m in d.markers if phase_edge(m)]  # noqa: E731
    want = [e for e in edges(gather(sdir)) if e[1][1] == "start"]
    got = edges(gather(fif))
    assert want and [e for e in got if e[1][1] == "start"] == want


def test_eye_share_of_a_feature_table():
    from neurofeedback.report import _eye_share
    from neurofeedback.report.data import FeatureTable

    cols = {"time_s": np.arange(5.0), "artifact": np.array([False, False, False, False, True]),
            "eye_artifact": np.array([True, False, False, False, True])}
    assert _eye_share(FeatureTable(cols, [()] * 5, "test")).startswith("25.0 % of the frames not gated")
    cols["artifact"][:] = True
    assert _eye_share(FeatureTable(cols, [()] * 5, "test")) == "– (every frame gated)"
