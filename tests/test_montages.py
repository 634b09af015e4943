"""Real heads through headset montages (``validate --montages``, :mod:`neurofeedback.headsets`).

The EEGMMIDB recordings (64 electrodes, 160 Hz) are analysed again with only the electrodes of
an OpenBCI Cyton, Cyton + Daisy or Ganglion, at their rates. Closing the eyes must still raise
occipital alpha clearly, and a person sitting still must still mostly read no annealing-cycle
phase. The OpenBCI sample, recorded in the Cyton's own layout and rate, must come out exactly as
without the montage.
"""

from __future__ import annotations

import numpy as np
import pytest
from _data import EEGHACKER_TXT, EEGMMIDB_EDF, OPENBCI_TXT

from neurofeedback.cli import main
from neurofeedback.conditions import pooled_rest, validate
from neurofeedback.errors import UsageError
from neurofeedback.headsets import HEADSET_MONTAGES as MONTAGES
from neurofeedback.headsets import Montage, apply_montage, missing_channels, parse_montages
from neurofeedback.io.loaded import LoadedFile

RUNS = {1: "eyes_open", 2: "eyes_closed"}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    d = tmp_path_factory.mktemp("montages")
    rows = ["file,start_s,end_s,condition"]
    for (_subject, r), p in EEGMMIDB_EDF.items():
        (d / p.name).symlink_to(p)
        rows.append(f"{p.name},0,61,{RUNS[r]}")
    (d / OPENBCI_TXT.name).symlink_to(OPENBCI_TXT)
    rows.append(f"{OPENBCI_TXT.name},30,56,alpha_eyes_closed")
    (d / EEGHACKER_TXT[0].name).symlink_to(EEGHACKER_TXT[0])
    rows.append(f"{EEGHACKER_TXT[0].name},45,78,eyes_closed")
    (d / "conditions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return validate(d / "conditions.csv", jobs=2, montages=parse_montages("all"))


def test_every_montage_is_measured_on_the_files_that_hold_it(result):
    assert [m.montage.name for m in result.montages] == list(MONTAGES)
    for m in result.montages:
        # the EEGHacker file has no 10-20 names (Ch1..Ch8), the 8-electrode OpenBCI sample
        # not the Daisy's 16: skipped, not failed
        lacking = {EEGHACKER_TXT[0].name} | (
            {OPENBCI_TXT.name} if len(m.montage.channels) > 8 else set())
        assert set(m.skipped) == lacking, m.montage.name
        assert all(ff.ch_names == list(m.montage.channels) for ff in m.files.values())
        assert all(not r.error for r in m.rows)


@pytest.mark.parametrize("name", list(MONTAGES))
def test_closing_the_eyes_still_raises_occipital_alpha(result, name):
    """EC - EO occipital alpha through each montage: measured +11 to +15 dB (64 electrodes:
    +10.6 to +14.0 dB); >= 8 dB required for each of the three subjects."""
    m = next(m for m in result.montages if m.montage.name == name)
    assert len(m.alpha) == 3
    for a in m.alpha:
        assert a.channels == ("O1", "O2")
        assert a.difference_db >= 8.0, f"{name} {a.files}: {a.difference_db:+.1f} dB"


@pytest.mark.parametrize("name", list(MONTAGES))
def test_sitting_still_mostly_reads_no_cycle_phase(result, name):
    """Steady eyes-open and eyes-closed minutes pooled: <= 20 % of clean frames after the
    baseline in an annealing-cycle phase, as for the full montage (measured 13-18 %)."""
    m = next(m for m in result.montages if m.montage.name == name)
    n, cycle, _ = pooled_rest(m.rows)
    assert n > 1000
    assert cycle <= 0.20, f"{name}: {100 * cycle:.1f} % of {n} frames in a cycle phase"


def test_a_file_in_the_montages_own_layout_is_unchanged(result):
    """The OpenBCI sample is a Cyton recording at 250 Hz: through the Cyton montage it is
    neither picked nor resampled, so every frame is the same."""
    plain = result.files[OPENBCI_TXT.name]
    cyton = next(m for m in result.montages if m.montage.name == "cyton").files[OPENBCI_TXT.name]
    assert plain.ch_names == list(MONTAGES["cyton"].channels)
    np.testing.assert_array_equal(cyton.time_s, plain.time_s)
    np.testing.assert_array_equal(cyton.artifact, plain.artifact)
    np.testing.assert_array_equal(cyton.energy, plain.energy)
    np.testing.assert_array_equal(cyton.alpha_db, plain.alpha_db)
    assert list(cyton.phase) == list(plain.phase)


def _loaded(names: list[str], sfreq: float, data: np.ndarray) -> LoadedFile:
    return LoadedFile(path="x.edf", format="EDF", data=data, sfreq=sfreq, ch_names=names,
                      timestamps=10.0 + np.arange(data.shape[1]) / sfreq,
                      markers=[(1.5, "m")], spans=[(2.0, 3.0, "W")])


def test_apply_montage_picks_renames_and_resamples():
    """Old names T5/T6 stand for P7/P8; a 10-Hz sine keeps its amplitude at the new rate."""
    sf, n = 160.0, 1600
    t = np.arange(n) / sf
    names = ["Cz", "O2", "Fp1", "T5", "O1", "Fp2", "C3", "C4", "T6"]
    data = np.array([(k + 1) * np.sin(2 * np.pi * 10.0 * t) for k in range(len(names))])
    out = apply_montage(_loaded(names, sf, data), MONTAGES["cyton"])
    assert out.ch_names == ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]
    assert out.sfreq == 250.0 and out.data.shape == (8, 2500)
    np.testing.assert_allclose(out.timestamps[:2], [10.0, 10.004])
    assert out.markers == [(1.5, "m")] and out.spans == [(2.0, 3.0, "W")]
    mid = out.data[:, 250:-250]  # away from the resampler's edges
    amp = np.sqrt(2) * mid.std(axis=1)
    expect = [names.index(c) + 1 for c in ("Fp1", "Fp2", "C3", "C4", "T5", "T6", "O1", "O2")]
    np.testing.assert_allclose(amp, expect, rtol=2e-3)


def test_apply_montage_names_every_missing_electrode():
    lf = _loaded(["Fp1", "O1"], 250.0, np.zeros((2, 500)))
    assert missing_channels(lf.ch_names, MONTAGES["ganglion"]) == ["Fp2", "O2"]
    with pytest.raises(UsageError, match="ganglion montage needs Fp2, O2, which x.edf lacks"):
        apply_montage(lf, MONTAGES["ganglion"])


def test_apply_montage_keeps_time_at_any_rate():
    """2048 Hz to 125 Hz is the exact ratio 125/2048: one minute stays one minute. A file whose
    time column gives 199.93 Hz goes to nearly 200 Hz, labelled with the rate it has."""
    lf = _loaded(["Fp1", "Fp2", "O1", "O2"], 2048.0, np.zeros((4, 2048 * 60)))
    out = apply_montage(lf, Montage("g125", ("Fp1", "O2"), 125.0, ""))
    assert out.sfreq == 125.0 and out.data.shape == (2, 125 * 60)
    lf = _loaded(["Fp1", "Fp2", "O1", "O2"], 199.93, np.zeros((4, 19993)))
    out = apply_montage(lf, MONTAGES["ganglion"])
    assert out.n_samples / out.sfreq == pytest.approx(19993 / 199.93, abs=1.0 / 199.93)
    assert abs(out.sfreq - 200.0) < 0.02 and out.sfreq != 200.0


def test_parse_montages():
    assert parse_montages(None) == ()
    assert parse_montages("all") == tuple(MONTAGES.values())
    assert parse_montages("ganglion, cyton,ganglion") == (MONTAGES["ganglion"], MONTAGES["cyton"])
    with pytest.raises(UsageError, match="--montages takes cyton, cyton-daisy, ganglion or all"):
        parse_montages("muse,cyton")
    with pytest.raises(UsageError, match="all alone"):
        parse_montages("all,cyton")
    with pytest.raises(UsageError, match="got ','"):
        parse_montages(",")


def test_the_montages_are_openbcis_default_layouts():
    from neurofeedback.channels import OPENBCI_DEFAULTS
    from neurofeedback.io.openbci_txt import BOARD_RATES

    for name, m in MONTAGES.items():
        assert m.channels == OPENBCI_DEFAULTS[name] and m.sfreq == BOARD_RATES[name]


def test_unknown_montage_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "conditions.csv").write_text("file,start_s,end_s,condition\n", encoding="utf-8")
    assert main(["validate", str(tmp_path), "--montages", "muse"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "got muse" in err


def test_site_rows_match_by_site_first_duplicate_wins():
    from neurofeedback.pipeline.regions import site_rows

    have = ["EEG FP1-REF", "T5", "O1..", "Fp1"]
    assert site_rows(have, ["Fp1", "P7", "Oz", "O1"]) == ([0, 1, 2], ["Oz"])
