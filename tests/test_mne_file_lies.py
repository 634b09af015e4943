"""EDF, BDF and FIF files whose headers or tag chains lie are refused with one `error:` line
(or read with only their whole records), and valid files under other names are read."""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import numpy as np
import pytest

from neurofeedback.cli import main
from neurofeedback.io import load_eeg_file
from neurofeedback.io.export import export_loaded
from neurofeedback.io.loaded import LoadedFile

SFREQ = 256.0
SECONDS = 10
NAMES = ["Fp1", "Fp2", "C3", "C4"]
BYTES = {"edf": 2, "bdf": 3}


def _loaded() -> LoadedFile:
    data = np.random.default_rng(3).normal(0, 20, (len(NAMES), int(SFREQ * SECONDS)))
    return LoadedFile(path="synthetic", format="synthetic", data=data, sfreq=SFREQ, ch_names=list(NAMES),
                      timestamps=np.arange(data.shape[1]) / SFREQ, markers=[(1.0, "a"), (5.0, "b")])


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Valid EDF, BDF and FIF files of the same 10 s, 4-channel recording (our own exporter)."""
    root = tmp_path_factory.mktemp("valid")
    lf = _loaded()
    return {fmt: export_loaded(lf, root / f"ok_raw.{fmt}", fmt) for fmt in ("edf", "bdf", "fif")}


def _fails(capsys, path: Path, *needles: str) -> str:
    rc = main(["info", str(path)])
    err = capsys.readouterr().err
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    for needle in (path.name, *needles):
        assert needle in lines[0], lines[0]
    return lines[0]


# --- EDF/BDF header fields -------------------------------------------------------------------

def _ns(b: bytes) -> int:
    return int(b[252:256])


def _set(b: bytes, offset: int, width: int, value) -> bytes:
    text = str(value).ljust(width).encode("ascii")
    assert len(text) == width
    return b[:offset] + text + b[offset + width:]


_SIGNAL_FIELD = {"physical_max": (112, 8), "digital_min": (120, 8), "digital_max": (128, 8),
                 "samples_per_record": (216, 8)}


def _set_signal(b: bytes, field: str, signal: int, value) -> bytes:
    base, width = _SIGNAL_FIELD[field]
    return _set(b, 256 + base * _ns(b) + width * signal, width, value)


def _get_signal(b: bytes, field: str, signal: int) -> str:
    base, width = _SIGNAL_FIELD[field]
    start = 256 + base * _ns(b) + width * signal
    return b[start: start + width].decode().strip()


def _record_bytes(b: bytes, fmt: str) -> int:
    return sum(int(_get_signal(b, "samples_per_record", i)) for i in range(_ns(b))) * BYTES[fmt]


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(content)
    return p


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_exported_header_is_what_the_mutants_assume(files, fmt):
    b = files[fmt].read_bytes()
    assert int(b[236:244]) == SECONDS and float(b[244:252]) == 1.0 and _ns(b) == len(NAMES) + 1
    assert [int(_get_signal(b, "samples_per_record", i)) for i in range(len(NAMES))] == [256] * 4
    assert len(b) == 256 * (_ns(b) + 1) + SECONDS * _record_bytes(b, fmt)


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
@pytest.mark.parametrize("duration", ["0", "-1", "1e9", "10000000", "nan"])
def test_record_duration_zero_negative_or_absurd(tmp_path, files, capsys, fmt, duration):
    b = _set(files[fmt].read_bytes(), 244, 8, duration)
    line = _fails(capsys, _write(tmp_path, f"dur.{fmt}", b), "corrupt header", "re-export")
    assert "record duration" in line


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
@pytest.mark.parametrize("signal", [1, 4])  # an EEG signal, the annotation signal
def test_zero_samples_per_record(tmp_path, files, capsys, fmt, signal):
    b = _set_signal(files[fmt].read_bytes(), "samples_per_record", signal, 0)
    _fails(capsys, _write(tmp_path, f"spr0.{fmt}", b), f"signal {signal + 1}", "0 samples per data record")


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_physical_minimum_equals_maximum(tmp_path, files, capsys, fmt):
    b = files[fmt].read_bytes()
    base, width = 104, 8  # physical minimum
    phys_min = b[256 + base * _ns(b) + width * 2: 256 + base * _ns(b) + width * 3].decode().strip()
    b = _set_signal(b, "physical_max", 2, phys_min)
    _fails(capsys, _write(tmp_path, f"phys.{fmt}", b), "signal 3 ('C3')", "physical minimum = maximum")


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_digital_minimum_equals_maximum(tmp_path, files, capsys, fmt):
    b = files[fmt].read_bytes()
    b = _set_signal(b, "digital_max", 0, _get_signal(b, "digital_min", 0))
    _fails(capsys, _write(tmp_path, f"dig.{fmt}", b), "signal 1 ('Fp1')", "digital minimum")


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
@pytest.mark.parametrize("count", ["0", "-5", "abc"])
def test_invalid_record_count(tmp_path, files, capsys, fmt, count):
    b = _set(files[fmt].read_bytes(), 236, 8, count)
    _fails(capsys, _write(tmp_path, f"count.{fmt}", b), "corrupt header", "number of data records")


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_declared_more_records_than_held_is_refused(tmp_path, files, capsys, fmt):
    b = _set(files[fmt].read_bytes(), 236, 8, 12)
    _fails(capsys, _write(tmp_path, f"more.{fmt}", b), "truncated", "declares 12 data records", "holds 10.0")


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_unknown_record_count_with_a_cut_record_reads_whole_records(tmp_path, files, caplog, fmt):
    good = load_eeg_file(files[fmt])
    b = _set(files[fmt].read_bytes(), 236, 8, -1)
    cut = _write(tmp_path, f"cut.{fmt}", b[: len(b) - _record_bytes(b, fmt) // 2])
    with caplog.at_level(logging.WARNING):
        lf = load_eeg_file(cut)
    assert lf.n_samples == 9 * int(SFREQ)  # 9 whole records of 1 s
    np.testing.assert_array_equal(lf.data, good.data[:, : lf.n_samples])
    assert "record count is -1" in caplog.text and "9 complete records" in caplog.text


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_unknown_record_count_without_a_whole_record_is_refused(tmp_path, files, capsys, fmt):
    b = _set(files[fmt].read_bytes(), 236, 8, -1)
    p = _write(tmp_path, f"stub.{fmt}", b[: 256 * (_ns(b) + 1) + 100])
    _fails(capsys, p, "no complete data record")


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_records_after_the_declared_count_are_not_read(tmp_path, files, caplog, fmt):
    good = load_eeg_file(files[fmt])
    b = files[fmt].read_bytes()
    extra = b[-2 * _record_bytes(b, fmt):]  # two more copies of the last records
    with caplog.at_level(logging.WARNING):
        lf = load_eeg_file(_write(tmp_path, f"long.{fmt}", b + extra))
    assert lf.n_samples == good.n_samples == SECONDS * int(SFREQ)
    np.testing.assert_array_equal(lf.data, good.data)
    assert "after the 10 data records" in caplog.text


# --- FIF tag chain ---------------------------------------------------------------------------

def _tags(b: bytes) -> list[tuple[int, int, int, int]]:
    """(position, kind, size, next) of every tag of a sequential FIF chain."""
    out, pos = [], 0
    while pos is not None and pos < len(b):
        kind, _t, size, nxt = struct.unpack(">iiii", b[pos: pos + 16])
        out.append((pos, kind, size, nxt))
        pos = pos + 16 + size if nxt == 0 else (nxt if nxt > 0 else None)
    return out


def _buffers(b: bytes) -> list[int]:
    return [pos for pos, kind, _s, _n in _tags(b) if kind == 300]  # FIFF_DATA_BUFFER


@pytest.mark.timeout(20)
def test_fif_tag_pointing_to_itself(tmp_path, files, capsys):
    b = files["fif"].read_bytes()
    p0 = _buffers(b)[0]
    b = b[: p0 + 12] + struct.pack(">i", p0) + b[p0 + 16:]
    _fails(capsys, _write(tmp_path, "loop_raw.fif", b), f"byte {p0}", "loop", "re-save")


@pytest.mark.timeout(20)
def test_fif_tag_pointing_backwards(tmp_path, files, capsys):
    b = files["fif"].read_bytes()
    p1 = _buffers(b)[1]
    b = b[: p1 + 12] + struct.pack(">i", 36) + b[p1 + 16:]
    _fails(capsys, _write(tmp_path, "back_raw.fif", b), f"byte {p1}", "loop")


@pytest.mark.timeout(20)
def test_fif_data_buffer_of_size_minus_16(tmp_path, files, capsys):
    b = files["fif"].read_bytes()
    p0 = _buffers(b)[0]
    b = b[: p0 + 8] + struct.pack(">i", -16) + b[p0 + 12:]
    _fails(capsys, _write(tmp_path, "m16_raw.fif", b), "negative size (-16)")


def test_fif_cut_at_a_tag_boundary_is_refused(tmp_path, files, capsys):
    b = files["fif"].read_bytes()
    buffers = _buffers(b)
    assert len(buffers) >= 4
    _fails(capsys, _write(tmp_path, "half_raw.fif", b[: buffers[len(buffers) // 2]]),
           "truncated", "block(s) still open")


def test_fif_cut_inside_a_tag_is_refused(tmp_path, files, capsys):
    b = files["fif"].read_bytes()
    p = _buffers(b)[1]
    _fails(capsys, _write(tmp_path, "mid_raw.fif", b[: p + 100]), "truncated", f"tag at byte {p}")


# --- valid files under other names -----------------------------------------------------------

@pytest.mark.parametrize("name", ["recording.dat", "recording", "recording.eeg.bin"])
def test_fif_content_under_another_name(tmp_path, files, name):
    good = load_eeg_file(files["fif"])
    lf = load_eeg_file(_write(tmp_path, name, files["fif"].read_bytes()))
    assert lf.format == "FIF" and lf.ch_names == NAMES and lf.sfreq == SFREQ
    np.testing.assert_array_equal(lf.data, good.data)
    np.testing.assert_allclose(lf.data, _loaded().data, atol=1e-3)  # float32 storage
    assert [d for _, d in lf.markers] == ["a", "b"]


def test_edf_named_rec(tmp_path, files, capsys):
    good = load_eeg_file(files["edf"])
    p = _write(tmp_path, "night.rec", files["edf"].read_bytes())
    lf = load_eeg_file(p)
    assert lf.format == "EDF" and lf.ch_names == NAMES and lf.sfreq == SFREQ
    np.testing.assert_array_equal(lf.data, good.data)
    assert [round(t, 3) for t, _ in lf.markers] == [1.0, 5.0]
    assert main(["info", str(p)]) == 0
    assert "EDF" in capsys.readouterr().out
