"""``analyze`` over several inputs: worker processes, per-file errors, no half tables, Dask cluster.

Every parallel or remote run is compared byte for byte with the tables a one-by-one run in this
process writes for the same inputs (the two short single-channel EEGHacker recordings, 84 s and
126 s at 250 Hz, so each analysis takes about a second).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from _data import EEGHACKER_TXT

from neurofeedback.analyze import BANDPOWER_NAME, FEATURES_NAME, analyze_to_dir, load_for_analysis
from neurofeedback.analyze_many import analyze_files
from neurofeedback.cli import main
from neurofeedback.errors import UsageError

INPUTS = [str(p) for p in EEGHACKER_TXT]
STEMS = [Path(p).stem for p in INPUTS]
TABLES = (FEATURES_NAME, BANDPOWER_NAME)
#: their lengths (s): 21026 and 31426 samples at 250 Hz
DURATIONS_S = (84.104, 125.704)


@pytest.fixture(scope="module")
def one_by_one(tmp_path_factory) -> Path:
    """The tables of a plain one-by-one run (jobs=1, this process)."""
    out = tmp_path_factory.mktemp("one_by_one")
    outcomes = analyze_files(INPUTS, out)
    assert [o.error for o in outcomes] == [None, None]
    return out


def _same_tables(a: Path, b: Path, stems: list[str]) -> None:
    for stem in stems:
        for name in TABLES:
            assert (a / stem / name).read_bytes() == (b / stem / name).read_bytes(), f"{stem}/{name}"


def _no_leftovers(folder: Path) -> None:
    assert not list(folder.rglob("*.partial")), "half-written tables left behind"


@pytest.mark.slow
def test_jobs_two_spawned_workers_write_the_same_tables(one_by_one, tmp_path):
    seen = []
    outcomes = analyze_files(INPUTS, tmp_path, jobs=2, on_done=lambda o, bar: seen.append(bar.eeg_seconds))
    assert [o.path for o in outcomes] == INPUTS and all(o.ok for o in outcomes)
    _same_tables(one_by_one, tmp_path, STEMS)
    # the bar's count of EEG seconds ends at the sum of the inputs' lengths
    assert seen[-1] == pytest.approx(sum(DURATIONS_S), abs=0.01)
    assert [o.summary.duration_s for o in outcomes] == pytest.approx(DURATIONS_S, abs=0.01)
    _no_leftovers(tmp_path)


def test_failed_inputs_are_one_line_each_and_the_others_finish(one_by_one, tmp_path, capsys):
    garbage = tmp_path / "garbage.edf"
    garbage.write_bytes(b"0       " + b"\x00\x07" * 400)  # EDF magic, then nonsense
    short = tmp_path / "short.txt"
    lines = Path(INPUTS[0]).read_text().splitlines()
    short.write_text("\n".join(lines[:300]) + "\n")  # the header and about a second of samples
    out = tmp_path / "out"
    rc = main(["analyze", str(garbage), INPUTS[0], str(short), INPUTS[1], "--out", str(out)])
    err = capsys.readouterr().err.splitlines()
    assert rc == 2
    errors = [e for e in err if e.startswith("error: ")]
    assert len(errors) == 3, err  # one per failed input, and the summary line
    assert "garbage.edf" in errors[0] and "short.txt" in errors[1] and "2 of 4 inputs failed" in errors[2]
    _same_tables(one_by_one, out, STEMS)
    assert not (out / "garbage").exists() and not (out / "short").exists()
    _no_leftovers(out)


def test_interrupt_mid_file_leaves_no_table(tmp_path):
    loaded, config = load_for_analysis(INPUTS[0])

    def interrupt(n_samples: int) -> None:  # after the first 60-s chunk of two
        raise KeyboardInterrupt

    out = tmp_path / "new"
    with pytest.raises(KeyboardInterrupt):
        analyze_to_dir(loaded, out, config, interrupt)
    assert not out.exists()  # it made the folder, and took it away again
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    with pytest.raises(KeyboardInterrupt):
        analyze_to_dir(loaded, kept, config, interrupt)
    assert [p.name for p in kept.iterdir()] == ["notes.txt"]


@pytest.mark.slow
def test_interrupt_stops_the_workers_and_leaves_no_half_table(tmp_path):
    """Ctrl-C in the parent (here: raised when the first input is done, the other one running)
    stops the worker processes and removes what the unfinished input had written."""
    import multiprocessing

    finished = []

    def interrupt(outcome, bar):
        finished.append(outcome.index)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        analyze_files(INPUTS, tmp_path, jobs=2, on_done=interrupt)
    assert len(finished) == 1
    assert multiprocessing.active_children() == []
    done_dir = tmp_path / STEMS[finished[0]]
    assert sorted(p.name for p in done_dir.iterdir()) == sorted(TABLES)
    _no_leftovers(tmp_path)
    # the other input was stopped (no folder left) or had just finished (complete tables)
    for d in tmp_path.iterdir():
        assert sorted(p.name for p in d.iterdir()) == sorted(TABLES), d


@pytest.mark.slow
def test_dask_local_cluster_writes_the_same_tables(one_by_one, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    missing = tmp_path / "missing.edf"
    out = tmp_path / "cluster"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        rc = main(["analyze", INPUTS[0], str(missing), INPUTS[1], "--out", str(out),
                   "--scheduler", cluster.scheduler_address, "--json"])
    captured = capsys.readouterr()
    assert rc == 2
    assert [e for e in captured.err.splitlines() if e.startswith("error: ")][0] == \
        f"error: {missing}: no such file or folder; check the path"
    _same_tables(one_by_one, out, STEMS)
    _no_leftovers(out)


def test_unreachable_scheduler_or_no_workers_is_a_one_line_error(tmp_path):
    from neurofeedback.analyze_cluster import analyze_on_cluster

    distributed = pytest.importorskip("distributed")
    with pytest.raises(UsageError, match=r"cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9'"):
        analyze_on_cluster(INPUTS, tmp_path, "tcp://127.0.0.1:9", timeout_s=0.5)
    assert not any(tmp_path.iterdir())
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None,
                                  silence_logs=logging.ERROR) as empty:
        with pytest.raises(UsageError, match="has no workers .* start some with: dask worker"):
            analyze_on_cluster(INPUTS, tmp_path, empty.scheduler_address, timeout_s=0.5)
    assert not any(tmp_path.iterdir())


def test_cli_without_distributed_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    rc = main(["analyze", INPUTS[0], "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert "pip install 'neurofeedback[cluster]'" in err and err.startswith("error: ")


def test_jobs_and_scheduler_together_are_refused(tmp_path, capsys):
    rc = main(["analyze", *INPUTS, "--out", str(tmp_path), "--jobs", "2", "--scheduler", "tcp://x:1"])
    assert rc == 2 and "--jobs applies to a run on this machine" in capsys.readouterr().err
