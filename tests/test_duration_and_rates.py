"""``--duration`` only stops a session (the simulator's scenario length is ``--scenario-duration``),
and an OpenBCI GUI txt header's sample rate must be a plausible EEG rate (1 Hz-100 kHz)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from neurofeedback.app import SessionSpec, build_source
from neurofeedback.cli import main
from neurofeedback.errors import FileFormatError, UsageError
from neurofeedback.io import load_eeg_file
from neurofeedback.io.openbci_txt import MAX_RATE_HZ, MIN_RATE_HZ, read_openbci_txt
from neurofeedback.simulate.scenarios import SCENARIOS

_STATUS = re.compile(r"^\s*([\d.]+) s \| (\d+) samples \| dropped (\d+) \| (\w+)")


def _last_status(err: str) -> tuple[float, int, int, str]:
    """Elapsed seconds, samples, dropped samples and source state of the final status line."""
    found = [m for m in (_STATUS.match(ln) for ln in err.splitlines()) if m]
    assert found, f"no status line in:\n{err}"
    m = found[-1]
    return float(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)


def _run(capsys, *extra: str) -> tuple[int, tuple[float, int, int, str], str]:
    rc = main(["run", "--board", "simulated", "--no-record", "--headless", "--sim-speed", "40", *extra])
    out, err = capsys.readouterr()
    return rc, _last_status(err), out


@pytest.mark.parametrize("scenario", ["annealing-cycle", "meditation"])
def test_duration_shorter_than_the_scenario_stops_after_that_many_seconds(capsys, scenario):
    # both scenarios need at least 185 s when scaled; --duration 10 no longer scales them
    assert SCENARIOS[scenario].min_duration_s > 10
    rc, (elapsed, n, dropped, state), out = _run(capsys, "--scenario", scenario, "--duration", "10")
    assert rc == 0
    assert (elapsed, n, dropped, state) == (10.0, 2500, 0, "ok")  # 10 s at 250 Hz, still running
    assert "not recorded (--no-record)" in out


def test_quick_demo_protocol_stops_after_duration(capsys):
    rc, (elapsed, n, _dropped, _state), _out = _run(capsys, "--protocol", "quick-demo", "--duration", "20")
    assert rc == 0
    assert (elapsed, n) == (20.0, 5000)


def test_a_scenario_shorter_than_the_session_ends_it_early(capsys):
    least = SCENARIOS["artifacts"].min_duration_s
    rc, (elapsed, n, _dropped, state), _out = _run(
        capsys, "--scenario", "artifacts", "--scenario-duration", f"{least:g}", "--duration", "600")
    assert rc == 0
    assert (elapsed, n, state) == (least, int(least * 250), "ended")


def test_scenario_duration_is_checked(capsys):
    assert main(["run", "--board", "simulated", "--no-record", "--headless", "--scenario-duration", "3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "--scenario-duration" in err and ">= 185" in err and "3.0" in err
    assert main(["run", "--board", "synthetic", "--no-record", "--headless", "--scenario-duration", "200"]) == 2
    err = capsys.readouterr().err
    assert "--scenario-duration only applies to --board simulated; got --board synthetic" in err
    assert main(["run", "--board", "simulated", "--no-record", "--headless", "--scenario-duration", "-5"]) == 2
    assert "--scenario-duration" in capsys.readouterr().err
    # the library boundary says the same to scripts and the window
    with pytest.raises(UsageError, match="scenario_duration_s .* only applies to the simulator"):
        build_source(SessionSpec(kind="synthetic", scenario_duration_s=200.0))
    with pytest.raises(UsageError, match=r"scenario_duration_s .*>= 185"):
        build_source(SessionSpec(kind="simulated", scenario_duration_s=float("nan")))


def test_a_scaled_scenario_source_ends_at_its_length():
    src = build_source(SessionSpec(kind="simulated", scenario="trauma", scenario_duration_s=190.0))
    chunk = src.pull(60_000)  # more than 190 s at 250 Hz
    assert chunk.n_samples == 190 * 250 and src.finished
    assert chunk.timestamps[-1] == pytest.approx(190.0 - 1 / 250)
    endless = build_source(SessionSpec(kind="simulated", scenario="trauma"))
    assert endless.pull(60_000).n_samples == 60_000 and not endless.finished


def test_simulate_duration_is_still_the_recording_length(tmp_path, capsys):
    least = SCENARIOS["artifacts"].min_duration_s
    assert main(["simulate", "--scenario", "artifacts", "--duration", f"{least:g}",
                 "--out", str(tmp_path / "sim")]) == 0
    out = capsys.readouterr().out
    assert f"simulated artifacts: {least:g} s" in out
    lf = load_eeg_file(tmp_path / "sim")
    assert lf.data.shape[1] == int(least * lf.sfreq)


# --- OpenBCI GUI txt sample rates ------------------------------------------------------------


def _openbci_2014(path: Path, rate_text: str, n: int = 300) -> Path:
    """A 2014-generation file (index, 8 EEG columns, no aux) with ``%Sample Rate = rate_text``."""
    rng = np.random.default_rng(1)
    data = np.round(rng.normal(0, 10, (8, n)), 2)
    lines = ["%OpenBCI Raw EEG Data", "%", f"%Sample Rate = {rate_text}",
             "%First Column = SampleIndex", "%Other Columns = EEG data in microvolts"]
    lines += [f"{k % 256}, " + ", ".join(f"{v:.2f}" for v in data[:, k]) for k in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("rate_text, shown", [
    ("1e308 Hz", "1e+308 Hz"), ("0 Hz", "0 Hz"), ("-250 Hz", "-250 Hz"), ("0.5 Hz", "0.5 Hz"),
    ("200000.0 Hz", "200000 Hz"), ("1e309 Hz", "inf Hz"),
])
def test_implausible_header_rates_are_refused_naming_the_line(tmp_path, rate_text, shown):
    path = _openbci_2014(tmp_path / "OpenBCI-RAW-2014.txt", rate_text)
    with pytest.raises(FileFormatError) as exc:
        read_openbci_txt(path)
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg == (f"OpenBCI-RAW-2014.txt: header line '%Sample Rate = {rate_text}' gives {shown}; "
                   "an EEG sample rate must be between 1 Hz and 100000 Hz")


@pytest.mark.parametrize("rate_text", ["nan Hz", "NaN", "Hz", "fast"])
def test_a_sample_rate_line_without_a_number_is_refused(tmp_path, rate_text):
    path = _openbci_2014(tmp_path / "OpenBCI-RAW-2014.txt", rate_text)
    with pytest.raises(FileFormatError, match=re.escape(f"header line '%Sample Rate = {rate_text}' holds no sample rate")):
        read_openbci_txt(path)


def test_info_answers_an_absurd_rate_with_exit_2_and_one_line(tmp_path, capsys):
    path = _openbci_2014(tmp_path / "OpenBCI-RAW-2014.txt", "1e308 Hz")
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "'%Sample Rate = 1e308 Hz'" in err


@pytest.mark.parametrize("rate", [MIN_RATE_HZ, 250.0, MAX_RATE_HZ])
def test_plausible_rates_are_read(tmp_path, rate):
    path = _openbci_2014(tmp_path / "OpenBCI-RAW-2014.txt", f"{rate:.1f} Hz")
    lf = read_openbci_txt(path)
    assert lf.sfreq == rate and lf.data.shape == (8, 300)
