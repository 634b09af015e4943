"""Which channels of a file are EEG, and what else a file's channels say (triggers, rates).

Files laid out as other systems write them: a clinical (TUH-style) EDF with an ECG channel
labelled as EEG, an Emotiv export with its bookkeeping channels, a BioSemi BDF labelled by cap
position with a Status channel, a Sleep-EDF hypnogram (annotations only), and a CSV without a
time column given to every command that reads files.
"""

from __future__ import annotations

import datetime as dt
import logging

import edfio
import mne
import numpy as np
import pytest

from neurofeedback.channels import biosemi_names, is_non_eeg_label, standard_montage
from neurofeedback.cli import main
from neurofeedback.conditions import validate
from neurofeedback.io import ReadOptions, load_eeg_file

SF = 250


def _eeg(n_ch: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.standard_normal((n_ch, n)), axis=1) * 0.3 + 5 * rng.standard_normal((n_ch, n))


def _edf(path, signals: dict[str, np.ndarray], sfreq: int = SF, bdf: bool = False) -> None:
    kind = edfio.BdfSignal if bdf else edfio.EdfSignal
    sigs = []
    for label, x in signals.items():
        lo, hi = float(x.min()) - 1, float(x.max()) + 1
        sigs.append(kind(x, sfreq, label=label, physical_dimension="uV", physical_range=(lo, hi)))
    cls = edfio.Bdf if bdf else edfio.Edf
    cls(sigs, starttime=dt.time(10, 0)).write(str(path))


# ---- the label rule --------------------------------------------------------------------------


def test_no_10_05_site_is_called_non_eeg_and_other_signals_are():
    sites = standard_montage().ch_names
    assert not [s for s in sites if is_non_eeg_label(s)]
    for label in ("EEG EKG1-REF", "ECG", "EOG horizontal", "EMG submental", "Resp oro-nasal",
                  "EEG PHOTIC-REF", "IBI", "BURSTS", "SUPPR", "COUNTER", "INTERPOLATED", "RAW_CQ",
                  "CQ_AF3", "GYROX", "MARKER_HARDWARE", "TIME_STAMP_s", "Status", "STI 014",
                  "LOC-A2", "EEG.Counter", "Markers", "STIM", "Stim 1", "HEO", "VEO",
                  "EEG LUC-REF", "EEG RLC-REF", "POL DC01", "POL X1", "OriginalTimestamp",
                  "EEG.RawCq", "EEG.BatteryPercent", "MarkerIndex", "MarkerValueInt",
                  "EEG.MarkerHardware", "POW.AF3.Theta", "PM.Engagement.IsActive",
                  "HEOGL", "HEOGR", "VEOGb", "VEOGU", "EOGV", "EOGH", "LEOG", "REOG", "EOG_L",
                  "Accelerometer X", "Gyroscope Z", "Magnetometer Y", "Validation Indicator",
                  "AUX_RIGHT", "HeadBandOn", "HSI_TP9", "GSR", "EDA", "PPG", "BVP",
                  "Analog Channel 0", "Digital Channel 0 (D11)", "Quality", "DX1-DX2",
                  "SX1-SX2", "MIC", "STAT", "E1-M2", "E2:M1", "E1_M2", "E2-A1"):
        assert is_non_eeg_label(label), label
    for label in ("EEG Fp1", "Fp1-REF", "EEG FP1-LE", "Cz..", "Ch1", "EXG Channel 0", "TP9",
                  "E1", "E57", "E128", "EXG1", "Xz", "EEG 1", "CP3", "F5", "PO3", "EEG.AF3"):
        assert not is_non_eeg_label(label), label


def test_biosemi_cap_labels_get_the_caps_10_20_names_and_10_20_files_are_not_biosemi():
    a32 = [f"A{i}" for i in range(1, 33)]
    assert biosemi_names(a32) == mne.channels.make_standard_montage("biosemi32").ch_names
    ab = a32 + [f"B{i}" for i in range(1, 33)]
    assert biosemi_names(ab) == mne.channels.make_standard_montage("biosemi64").ch_names
    # the externals beside them are left out (None); order does not matter
    exg = [f"EXG{i}" for i in range(1, 9)]
    mixed = biosemi_names(exg[:2] + a32[::-1] + exg[2:])
    assert mixed[:2] == [None, None] and mixed[-6:] == [None] * 6
    assert mixed[2:-6] == mne.channels.make_standard_montage("biosemi32").ch_names[::-1]
    # radial 128 cap: C3 there is no 10-20 C3, so no 10-20 name and no position
    abcd = ab + [f"C{i}" for i in range(1, 33)] + [f"D{i}" for i in range(1, 33)]
    assert biosemi_names(abcd) == [f"BioSemi-{n}" for n in abcd]
    tuh = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8", "A1", "A2"]
    assert biosemi_names(tuh) is None  # C3, F8, A1 fit the pattern but are sites
    assert biosemi_names([f"E{i}" for i in range(1, 129)]) is None  # EGI


# ---- files -------------------------------------------------------------------------------------


def test_edf_signals_in_units_that_are_no_voltage_are_not_eeg(tmp_path, capsys):
    """Oximetry, heart rate and position under labels the label rule does not know (the
    CAP database's Italian ``Ossimetria``, a ``Posizione`` channel) are left out by their
    units; EEG with a blank unit field stays, in microvolts."""
    n = 10 * SF
    x = _eeg(3, n, seed=8)
    sigs = [edfio.EdfSignal(x[0], SF, label="Fp2-F4", physical_dimension="uV",
                            physical_range=(-500, 500)),
            edfio.EdfSignal(x[1] / 1000.0, SF, label="C4-A1", physical_dimension="mV",
                            physical_range=(-0.5, 0.5)),
            edfio.EdfSignal(x[2], SF, label="O2-A1", physical_dimension="",
                            physical_range=(-500, 500)),
            edfio.EdfSignal(np.full(n, 96.0), SF, label="Ossimetria", physical_dimension="%",
                            physical_range=(0, 100)),
            edfio.EdfSignal(np.full(n, 62.0), SF, label="Frequenza", physical_dimension="bpm",
                            physical_range=(0, 250)),
            edfio.EdfSignal(np.full(n, 2.0), SF, label="Posizione", physical_dimension="deg",
                            physical_range=(0, 360))]
    # EDF+ with an annotation signal: the units stay aligned with the channels MNE reads
    edfio.Edf(sigs, annotations=[edfio.EdfAnnotation(1.0, None, "lights off")]).write(tmp_path / "cap.edf")
    lf = load_eeg_file(tmp_path / "cap.edf")
    assert lf.markers == [(1.0, "lights off")]
    assert lf.ch_names == ["Fp2-F4", "C4", "O2"]  # ear-referenced derivations named by site
    np.testing.assert_allclose(lf.data[:2], x[:2], atol=0.02)  # uV and mV both in uV
    assert {"Ossimetria", "Frequenza", "Posizione"} <= set(lf.meta["dropped_channels"])
    # info says what it left out
    assert main(["info", str(tmp_path / "cap.edf")]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("left out:"))
    assert line.startswith("left out: 3 not read as EEG") and "Ossimetria" in line
    # a blank unit is kept as EEG (in the file's scaling, as MNE reads it)
    assert np.isfinite(lf.data[2]).all()


def test_sleep_lab_labels_linked_ears_colons_and_aasm_eog(tmp_path):
    """MASS-style linked-ear derivations read as their sites, the ear channel itself and the
    AASM EOG electrodes (E1-M2, E2:M1) are left out."""
    n = 10 * SF
    x = _eeg(6, n, seed=9)
    labels = ["EEG C3-CLE", "EEG O1-CLE", "EEG A2-CLE", "F4:M1", "E1-M2", "E2:M1"]
    sigs = [edfio.EdfSignal(x[i], SF, label=lab, physical_dimension="uV",
                            physical_range=(-500, 500)) for i, lab in enumerate(labels)]
    edfio.Edf(sigs).write(tmp_path / "mass.edf")
    lf = load_eeg_file(tmp_path / "mass.edf")
    assert lf.ch_names == ["C3", "O1", "F4"]
    np.testing.assert_allclose(lf.data, x[[0, 1, 3]], atol=0.02)
    assert {"A2-CLE", "E1-M2", "E2:M1"} <= set(lf.meta["dropped_channels"])


@pytest.mark.parametrize(("unit", "expected"), [
    ("uV", False), ("µV", False), ("mV", False), ("V", False), ("", False), ("a.u.", False),
    ("%", True), ("bpm", True), ("DegC", True), ("mmHg", True), ("L/min", True), ("Ohm", True),
    ("uS", True), ("deg", True)])
def test_non_voltage_units(unit, expected):
    from neurofeedback.channels import is_non_voltage_unit

    assert is_non_voltage_unit(unit) is expected


def test_clinical_edf_ecg_photic_and_ear_channels_are_not_eeg(tmp_path):
    n = 20 * SF
    x = _eeg(5, n, seed=1)
    t = np.arange(n) / SF
    ecg = 800.0 * (np.mod(t, 1 / 1.2) < 0.02)  # a 1.2-Hz heartbeat, 800 uV spikes
    scalp = {f"EEG {c}-REF": x[k] for k, c in enumerate(["FP1", "FP2", "O1", "O2", "CZ"])}
    extra = {"EEG A1-REF": x[0] * 0.5, "EEG A2-REF": x[1] * 0.5, "EEG EKG1-REF": ecg,
             "EEG PHOTIC-REF": np.zeros(n), "IBI": np.zeros(n), "BURSTS": np.zeros(n),
             "SUPPR": np.zeros(n)}
    _edf(tmp_path / "tuh.edf", {**scalp, **extra})
    _edf(tmp_path / "scalp.edf", scalp)
    full, only = load_eeg_file(tmp_path / "tuh.edf"), load_eeg_file(tmp_path / "scalp.edf")
    assert full.ch_names == ["Fp1", "Fp2", "O1", "O2", "Cz"]
    # the same EEG as the file without the other signals: the same numbers downstream
    np.testing.assert_array_equal(full.data, only.data)
    dropped = full.meta["dropped_channels"]
    assert {"A1-REF", "A2-REF", "EKG1-REF", "PHOTIC-REF", "IBI", "BURSTS", "SUPPR"} <= set(dropped)


def test_emotiv_export_keeps_the_14_electrodes_and_reads_its_marker_channel(tmp_path):
    n = 30 * 128
    emo = ["AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4"]
    x = _eeg(14, n, seed=2) + 4200.0
    marker = np.zeros(n)
    marker[[5 * 128, 17 * 128]] = [3.0, 7.0]
    sig = {"COUNTER": np.arange(n) % 128.0, "INTERPOLATED": np.zeros(n)}
    sig |= dict(zip(emo, x, strict=True))
    sig |= {"RAW_CQ": np.full(n, 500.0), "GYROX": np.full(n, 8000.0), "GYROY": np.full(n, 8000.0),
            "MARKER": marker, "SYNC": np.zeros(n)}
    sig |= {f"CQ_{c}": np.full(n, 4.0) for c in emo}
    _edf(tmp_path / "emotiv.edf", sig, sfreq=128)
    lf = load_eeg_file(tmp_path / "emotiv.edf")
    assert lf.ch_names == emo and lf.sfreq == 128
    assert [(round(t, 6), d) for t, d in lf.markers] == [(5.0, "MARKER=3"), (17.0, "MARKER=7")]


def _biosemi_bdf(path, labels: list[str], status: np.ndarray, sf: int, seed: int) -> np.ndarray:
    n = status.size
    x = _eeg(len(labels), n, seed=seed) + 30000.0  # BioSemi's DC offsets
    sigs = [edfio.BdfSignal(v, sf, label=k, physical_dimension="uV",
                            physical_range=(-262144, 262143)) for k, v in zip(labels, x, strict=True)]
    sigs.append(edfio.BdfSignal(status, sf, label="Status", physical_dimension="Boolean",
                                physical_range=(-8388608, 8388607)))
    edfio.Bdf(sigs, starttime=dt.time(10, 0)).write(str(path))
    return x


def test_biosemi_bdf_labelled_by_cap_position_keeps_a1_a2_and_reads_status(tmp_path, caplog):
    sf = 256
    n = 20 * sf
    status = np.zeros(n)
    for k, v in ((2, 1), (9, 3), (15, 2)):
        status[k * sf : k * sf + 10] = v
    labels = [f"A{i}" for i in range(1, 33)] + [f"EXG{i}" for i in range(1, 9)]
    path = tmp_path / "biosemi.bdf"
    x = _biosemi_bdf(path, labels, status, sf, seed=3)
    with caplog.at_level(logging.WARNING, logger="neurofeedback"):
        lf = load_eeg_file(path)
    assert lf.ch_names == mne.channels.make_standard_montage("biosemi32").ch_names
    assert "32-electrode cap's 10-20 sites (A1 = Fp1, A2 = AF3" in caplog.text
    assert "external electrodes left out: EXG1" in caplog.text
    assert lf.meta["channel_labels"] == labels[:32]
    assert {f"EXG{i}" for i in range(1, 9)} <= set(lf.meta["dropped_channels"])
    np.testing.assert_allclose(lf.data[:2], x[:2], atol=0.05)  # A1 and A2 are kept, as recorded
    assert [(round(t, 6), d) for t, d in lf.markers] == [(2.0, "Status=1"), (9.0, "Status=3"),
                                                         (15.0, "Status=2")]
    # the user's own names override the cap's (32 of them: A1 and A2 count)
    mine = [f"E{i}" for i in range(1, 33)]
    assert load_eeg_file(path, channels=",".join(mine)).ch_names == mine


def test_biosemi_status_codes_are_the_16_trigger_bits_away_from_rest(tmp_path):
    """Trigger pins idle high (0xFF00) and the system's status bits (16-23) set, as BioSemi
    files often have them: a marker at each trigger, none at each return to rest."""
    sf = 128
    n = 12 * sf
    status = np.full(n, float(0xFF00 | 0x100000 | 0x020000))
    for k, v in ((3, 0xFF01), (7, 0xFF05)):
        status[k * sf : k * sf + 5] = float(v | 0x100000 | 0x020000)
    status = np.where(status >= 0x800000, status - 0x1000000, status)  # 24-bit signed
    path = tmp_path / "idle-high.bdf"
    _biosemi_bdf(path, [f"A{i}" for i in range(1, 33)], status, sf, seed=7)
    marks = [(round(t, 6), d) for t, d in load_eeg_file(path).markers]
    assert marks == [(3.0, f"Status={0xFF01}"), (7.0, f"Status={0xFF05}")]


def test_fif_events_are_not_read_twice(tmp_path):
    """A FIF with the single-line STI 001 and the composite STI 014 channels and annotations
    of the same events: one marker per event, the annotation's."""
    sf = 200.0
    n = int(10 * sf)
    info = mne.create_info(["Fz", "Cz", "Pz", "STI 001", "STI 014"], sf,
                           ["eeg", "eeg", "eeg", "stim", "stim"])
    data = np.vstack([_eeg(3, n, seed=8) * 1e-6, np.zeros((2, n))])
    for t, code in ((2.0, 5), (6.0, 1)):
        data[3:, int(t * sf) : int(t * sf) + 4] = code
    raw = mne.io.RawArray(data, info, verbose="error")
    raw.set_annotations(mne.Annotations([2.0, 6.0], [0.0, 0.0], ["stim/5", "stim/1"]))
    path = tmp_path / "events_raw.fif"
    raw.save(path, verbose="error")
    assert load_eeg_file(path).markers == [(2.0, "stim/5"), (6.0, "stim/1")]
    # without annotations the composite channel alone gives them
    raw.set_annotations(None)
    raw.save(path, overwrite=True, verbose="error")
    assert load_eeg_file(path).markers == [(2.0, "STI 014=5"), (6.0, "STI 014=1")]


def test_fast_triggers_on_a_stim_channel_are_all_kept(tmp_path):
    sf = 200.0
    n = int(10 * sf)
    info = mne.create_info(["Fz", "Cz", "STI 014"], sf, ["eeg", "eeg", "stim"])
    data = np.vstack([_eeg(2, n, seed=9) * 1e-6, np.zeros((1, n))])
    onsets = np.arange(0.5, 9.5, 1 / 3)  # 3 events a second (rapid presentation)
    for t in onsets:
        data[2, int(round(t * sf)) : int(round(t * sf)) + 2] = 1
    path = tmp_path / "rsvp_raw.fif"
    mne.io.RawArray(data, info, verbose="error").save(path, verbose="error")
    assert len(load_eeg_file(path).markers) == onsets.size


def test_annotation_only_edf_plus_is_one_clear_error(tmp_path, capsys):
    hyp = edfio.Edf([], annotations=[edfio.EdfAnnotation(0, 30, "Sleep stage W"),
                                     edfio.EdfAnnotation(30, 30, "Sleep stage 2")],
                    starttime=dt.time(22, 0))
    path = tmp_path / "SC4001EC-Hypnogram.edf"
    hyp.write(str(path))
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "annotation file" in err[0] and "PSG" in err[0]
    assert "Traceback" not in err[0]


def test_header_csv_leaves_out_ecg_and_counter_columns(tmp_path):
    x = _eeg(2, 500, seed=4)
    lines = ["time,Cz,ECG,COUNTER,Pz"] + [
        f"{k / 250:.4f},{x[0, k]:.2f},{1000 * (k % 200 == 0)},{k % 128},{x[1, k]:.2f}"
        for k in range(500)]
    p = tmp_path / "table.csv"
    p.write_text("\n".join(lines) + "\n")
    lf = load_eeg_file(p)
    assert lf.ch_names == ["Cz", "Pz"]
    assert lf.meta["dropped_channels"] == ["ECG", "COUNTER"]
    np.testing.assert_allclose(lf.data, x, atol=0.006)


def test_header_csv_leaves_out_motion_battery_and_validation_columns(tmp_path):
    """A table laid out as g.tec's Unicorn Recorder writes it: numbered EEG columns, then the
    motion sensors, battery, counter and validation indicator in words."""
    x = _eeg(8, 500, seed=6)
    extra = ["Accelerometer X", "Accelerometer Y", "Accelerometer Z", "Gyroscope X",
             "Gyroscope Y", "Gyroscope Z", "Battery Level", "Counter", "Validation Indicator"]
    head = [f"EEG {i + 1}" for i in range(8)] + extra
    lines = [",".join(head)] + [
        ",".join([f"{v:.3f}" for v in x[:, k]] + ["0.01", "-0.98", "0.12", "1.5", "-0.4", "0.2",
                                                  "87.5", str(k), "1"])
        for k in range(500)]
    p = tmp_path / "UnicornRecorder.csv"
    p.write_text("\n".join(lines) + "\n")
    lf = load_eeg_file(p, sfreq=250.0)
    assert lf.ch_names == head[:8] and lf.sfreq == 250.0
    np.testing.assert_allclose(lf.data, x, atol=0.0006)


# ---- a CSV without a time column through every command that reads files ------------------------


@pytest.fixture
def no_time_csv(tmp_path):
    n = 12 * 128
    x = _eeg(3, n, seed=5)
    cls = (np.arange(n) >= 6 * 128).astype(int)
    lines = ["O1,O2,Pz,class"] + [f"{x[0, k]:.2f},{x[1, k]:.2f},{x[2, k]:.2f},{cls[k]}"
                                  for k in range(n)]
    p = tmp_path / "data" / "eye-state.csv"
    p.parent.mkdir()
    p.write_text("\n".join(lines) + "\n")
    return p


def test_analyze_and_report_take_sfreq(no_time_csv, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["analyze", str(no_time_csv), "--out", str(out)]) == 2
    assert "--sfreq" in capsys.readouterr().err
    assert main(["analyze", str(no_time_csv), "--out", str(out), "--sfreq", "128"]) == 0
    rows = (out / "features.csv").read_text().strip().splitlines()
    # 12 s at 128 Hz: frames every 0.1 s once the first 2-s window is full
    assert len(rows) - 1 == int(round((12.0 - 2.0) / 0.1)) + 1
    html = tmp_path / "r.html"
    assert main(["report", str(no_time_csv), "--sfreq", "128", "--out", str(html)]) == 0
    assert html.stat().st_size > 10_000
    # the options reach the loader as one value
    assert ReadOptions(sfreq=128.0).load(no_time_csv).sfreq == 128.0


def test_validate_gives_a_rate_only_to_files_without_one(no_time_csv):
    data = no_time_csv.parent
    _edf(data / "rec.edf", {c: v for c, v in zip(["O1", "O2"], _eeg(2, 12 * SF, seed=6), strict=True)})
    (data / "conditions.csv").write_text(
        "file,start_s,end_s,condition,how_known\n"
        "eye-state.csv,0,12,see_class_column,test\nrec.edf,0,12,rest,test\n")
    without = validate(data / "conditions.csv")
    assert "no time column" in without.rows[0].error and not without.rows[1].error
    given = validate(data / "conditions.csv", sfreq=128.0)
    assert not given.rows[0].error and given.rows[0].n_frames > 0
    # the EDF keeps its own 250 Hz: the same frames with or without --sfreq
    assert given.rows[1].n_frames == without.rows[1].n_frames
    assert given.files["rec.edf"].time_s[-1] == pytest.approx(12.0)


def test_emotivpro_csv_reads_the_14_electrodes_at_their_time_stamps(tmp_path):
    """An EmotivPRO export: a metadata line, a header of EEG.* and bookkeeping columns, and
    rows of motion data (no EEG value) between the EEG samples."""
    emo = ["AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4"]
    n = 10 * 128
    x = _eeg(14, n, seed=10) + 4200.0
    t0 = 1_700_000_000.0
    head = (["Timestamp", "OriginalTimestamp", "EEG.Counter", "EEG.Interpolated"]
            + [f"EEG.{c}" for c in emo]
            + ["EEG.RawCq", "EEG.Battery", "EEG.BatteryPercent", "MarkerIndex", "MarkerType",
               "MarkerValueInt", "EEG.MarkerHardware", "CQ.AF3", "EQ.OVERALL", "MOT.GyroX",
               "POW.AF3.Theta"])
    lines = ["title:,recordedDate:2026-11-30T10:00:00.000000+01:00,headset type:EPOCX,"
             "sampling rate:eeg_128;mot_64;pow_8,labels:" + " ".join(head), ",".join(head)]
    for k in range(n):
        eeg = ",".join(f"{v:.3f}" for v in x[:, k])
        lines.append(f"{t0 + k / 128:.6f},{t0 + k / 128:.6f},{k % 128},0,{eeg},500,4,100,,,,0,4,100,,")
        if k % 2 == 0:  # a motion row between two EEG rows: no EEG value
            lines.append(f"{t0 + (k + 0.5) / 128:.6f},,,,{',' * 13},,,,,,,,,,8000.5,")
    p = tmp_path / "emotiv_EPOCX_2026.csv"
    p.write_text("\n".join(lines) + "\n")
    lf = load_eeg_file(p)
    assert lf.format == "EmotivPRO CSV" and lf.ch_names == emo
    assert lf.sfreq == pytest.approx(128.0, rel=1e-6)
    np.testing.assert_allclose(lf.data, x, atol=6e-4)


def _stim_fif(path, stim: np.ndarray, sf: float, name: str = "STI 014", ann=None) -> None:
    info = mne.create_info(["Fz", "Cz", name], sf, ["eeg", "eeg", "stim"])
    raw = mne.io.RawArray(np.vstack([_eeg(2, stim.size, seed=11) * 1e-6, stim[None]]), info,
                          verbose="error")
    if ann is not None:
        raw.set_annotations(ann)
    raw.save(path, overwrite=True, verbose="error")


def test_a_code_held_for_most_of_the_recording_is_still_a_trigger(tmp_path):
    sf = 100.0
    stim = np.zeros(int(20 * sf))
    stim[200:800] = 1  # held 6 s, then 6 s more: most samples carry the code
    stim[1000:1600] = 1
    stim[1700:1705] = 2
    _stim_fif(tmp_path / "held_raw.fif", stim, sf)
    assert load_eeg_file(tmp_path / "held_raw.fif").markers == [
        (2.0, "STI 014=1"), (10.0, "STI 014=1"), (17.0, "STI 014=2")]


def test_a_noisy_trigger_channel_gives_no_markers_and_says_so(tmp_path, caplog):
    sf = 100.0
    rng = np.random.default_rng(12)
    _stim_fif(tmp_path / "analog_raw.fif", rng.integers(0, 200, int(20 * sf)).astype(float), sf)
    with caplog.at_level(logging.WARNING, logger="neurofeedback"):
        assert load_eeg_file(tmp_path / "analog_raw.fif").markers == []
    assert "too often for triggers" in caplog.text


def test_a_bad_segment_annotation_does_not_hide_a_trigger(tmp_path):
    sf = 100.0
    stim = np.zeros(int(10 * sf))
    stim[200:204] = 5
    ann = mne.Annotations([2.0], [1.0], ["BAD_blink"])
    _stim_fif(tmp_path / "bad_raw.fif", stim, sf, ann=ann)
    assert load_eeg_file(tmp_path / "bad_raw.fif").markers == [(2.0, "BAD_blink"), (2.0, "STI 014=5")]


def test_empty_eeg_rows_in_a_generic_csv_are_an_error_not_dropped(tmp_path, capsys):
    x = _eeg(2, 600, seed=13)
    lines = ["time,Fz,Cz"] + [f"{k / 200:.4f}," + ("," if 300 <= k < 350 else f"{x[0, k]:.2f},{x[1, k]:.2f}")
                             for k in range(600)]
    p = tmp_path / "gap.csv"
    p.write_text("\n".join(lines) + "\n")
    assert main(["info", str(p)]) == 2
    err = capsys.readouterr().err
    assert "NaN" in err and "1.5" in err  # the gap named where it starts, nothing squeezed


def test_emotivpro_mental_command_rows_are_not_samples(tmp_path):
    emo = ["AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4"]
    n = 5 * 128
    x = _eeg(14, n, seed=14)
    head = ["Timestamp", "EEG.Counter", *[f"EEG.{c}" for c in emo], "MC.Action", "MC.ActionPower",
            "FE.UpperFaceAction"]
    lines = ["title:,headset type:EPOCX,sampling rate:eeg_128;mc_8;fe_32", ",".join(head)]
    for k in range(n):
        lines.append(f"{1.7e9 + k / 128:.6f},{k % 128}," + ",".join(f"{v:.3f}" for v in x[:, k]) + ",,,")
        if k % 16 == 0:
            lines.append(f"{1.7e9 + (k + 0.5) / 128:.6f},," + "," * 13 + ",1,0.5,2")
    p = tmp_path / "mc.csv"
    p.write_text("\n".join(lines) + "\n")
    lf = load_eeg_file(p)
    assert lf.ch_names == emo and lf.data.shape == (14, n)
