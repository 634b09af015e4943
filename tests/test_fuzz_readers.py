"""Seeded fuzzing of every reader through `info`, `replay` and `analyze`: truncated files, flipped
bytes, rewritten header fields and cells. Each mutant must read (exit 0) or be refused with exit 2
and one `error:` line: never a traceback, an "internal error" or a hang. A mutant `info` refuses
must be refused by `replay` and `analyze` too; one `info` reads must be replayed to its last sample
(`replay --json` counts the samples played) and analysed over its whole length (`analyze --json`),
or refused in one line (e.g. too short to analyse).

A bounded run is part of `make test`: FUZZ_N mutants per format (default 12) through `info`, every
refused one also through `replay` and `analyze` (cheap: refused while reading), and the first
FUZZ_N_RUN mutants `info` reads (default 3) replayed and analysed in full. `make fuzz` runs
FUZZ_N=200 FUZZ_N_RUN=40.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
from _data import EEGMMIDB_EDF, OPENBCI_TXT
from _xdf import write_xdf

from neurofeedback.cli import main
from neurofeedback.io import load_eeg_file
from neurofeedback.io.export import export_loaded

N = int(os.environ.get("FUZZ_N", "12"))
N_RUN = int(os.environ.get("FUZZ_N_RUN", "3"))
#: seconds of the simulated session kept as the seed (the simulator's scenario needs >= 65 s)
SESSION_SEED_S = 10.0
TOKENS = ["", "nan", "inf", "-1", "0", "1e308", "-1e308", "abc", "1,2", "%", "\x00", "9" * 40]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, Path]:
    """One small valid file of each format."""
    d = tmp_path_factory.mktemp("fuzz-seeds")
    out: dict[str, Path] = {}
    txt = d / "openbci.txt"
    txt.write_text("\n".join(OPENBCI_TXT.read_text().splitlines()[:400]) + "\n")
    out["openbci"] = txt
    loaded = load_eeg_file(EEGMMIDB_EDF[(2, 2)])
    loaded.data = loaded.data[:8, : int(loaded.sfreq * 4)]
    loaded.ch_names = loaded.ch_names[:8]
    loaded.timestamps = loaded.timestamps[: loaded.data.shape[1]]
    loaded.markers = []
    for fmt in ("edf", "bdf", "fif"):
        out[fmt] = export_loaded(loaded, d / f"small.{fmt}", fmt)
    rec = d / "rec"
    assert main(["simulate", "--scenario", "artifacts", "--duration", "100", "--out", str(rec)]) == 0
    _trim_session(rec, SESSION_SEED_S)
    out["session"] = rec
    csv = d / "table.csv"
    x = loaded.data[:3]
    csv.write_text("time,Fz,Cz,Pz\n" + "".join(
        f"{k / loaded.sfreq:.5f}," + ",".join(f"{v:.3f}" for v in x[:, k]) + "\n"
        for k in range(x.shape[1])))
    out["csv"] = csv
    xdf = d / "small.xdf"
    write_xdf(xdf, x.astype(np.float32), loaded.sfreq, ["Fz", "Cz", "Pz"],
              1000 + np.arange(x.shape[1]) / loaded.sfreq, [(1001.0, "go")])
    out["xdf"] = xdf
    return out


def _trim_session(folder: Path, keep_s: float) -> None:
    """Keep the first ``keep_s`` seconds of a simulated session (a valid, shorter session)."""
    meta = json.loads((folder / "session.json").read_text())
    n = int(keep_s * meta["sfreq"])
    raw = (folder / "raw.csv").read_text().splitlines(keepends=True)
    (folder / "raw.csv").write_text("".join(raw[:n]))
    for name in ("truth.csv", "markers.csv", "features.csv"):
        p = folder / name
        if p.is_file():
            head, *rows = p.read_text().splitlines(keepends=True)
            p.write_text(head + "".join(r for r in rows if float(r.split(",")[0]) < keep_s))
    (folder / "raw.fif").unlink(missing_ok=True)
    meta["n_samples"] = n
    meta["simulation"]["duration_s"] = keep_s
    (folder / "session.json").write_text(json.dumps(meta, indent=2))


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    kind = rng.choice(("truncate", "flip", "zero", "dup"))
    b = bytearray(data)
    if kind == "truncate":
        return bytes(b[: rng.randrange(0, len(b))])
    if kind == "flip":
        for _ in range(rng.randint(1, 12)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        return bytes(b)
    if kind == "zero":
        i = rng.randrange(len(b))
        b[i : i + rng.randint(1, 64)] = bytes(min(64, len(b) - i))
        return bytes(b)
    i = rng.randrange(len(b))
    return bytes(b[:i] + b[i : i + rng.randint(1, 200)] + b[i:])


def _mutate_text(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    i = rng.randrange(len(lines))
    sep = "\t" if "\t" in lines[i] else ","  # a session's raw.csv is tab-separated
    cells = lines[i].split(sep)
    j = rng.randrange(len(cells))
    choice = rng.random()
    if choice < 0.6:
        cells[j] = rng.choice(TOKENS)
    elif choice < 0.8:
        del cells[j]
    else:
        cells.insert(j, rng.choice(TOKENS))
    lines[i] = sep.join(cells)
    return "\n".join(lines) + ("\n" if rng.random() < 0.8 else "")


def _mutate_json(text: str, rng: random.Random) -> str:
    meta = json.loads(text)
    key = rng.choice(sorted(meta))
    meta[key] = rng.choice([None, 0, -250, float("nan"), "x", [], {}, [1, 2], 1e308, True])
    return json.dumps(meta)


def _mutants(seeds: dict[str, Path], tmp: Path, fmt: str, n: int, seed: int):
    rng = random.Random(seed)
    src = seeds[fmt]
    for k in range(n):
        if fmt == "session":
            dst = tmp / f"session-{k}"
            shutil.copytree(src, dst)
            target = rng.choice(["session.json", "raw.csv", "raw.csv-bytes", "markers.csv"])
            if target == "session.json":
                p = dst / "session.json"
                p.write_text(_mutate_json(p.read_text(), rng))
            elif target == "raw.csv":
                p = dst / "raw.csv"
                p.write_text(_mutate_text(p.read_text(), rng))
            else:
                p = dst / target.replace("-bytes", "")
                if p.exists():
                    p.write_bytes(_mutate_bytes(p.read_bytes(), rng))
            yield dst
            continue
        dst = tmp / f"m{k}{''.join(src.suffixes)}"
        if fmt in ("openbci", "csv") and rng.random() < 0.6:
            dst.write_text(_mutate_text(src.read_text(), rng))
        else:
            dst.write_bytes(_mutate_bytes(src.read_bytes(), rng))
        yield dst


def _run(capsys, argv: list[str]) -> tuple[int, str, str, list[str]]:
    """Run the CLI in-process: exit code, stdout, stderr and its `error:` lines."""
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err, [ln for ln in err.strip().splitlines() if ln.startswith("error:")]


def _misbehaves(rc: int, err: str, errors: list[str]) -> bool:
    return rc not in (0, 2) or "Traceback" in err or "internal error" in err or (
        rc == 2 and len(errors) != 1)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("fmt", ["openbci", "edf", "bdf", "fif", "session", "csv", "xdf"])
def test_mutants_read_or_are_refused_in_one_line(seeds, tmp_path, capsys, fmt):
    bad = []
    n_run = 0
    for path in _mutants(seeds, tmp_path, fmt, N, seed=zlib.crc32(fmt.encode())):
        rc, _, err, errors = _run(capsys, ["info", str(path)])
        if _misbehaves(rc, err, errors):
            bad.append((path.name, "info", rc, err.strip()[-300:]))
            continue
        if rc == 0 and n_run >= N_RUN:
            continue
        n_run += rc == 0
        # what `info` read is what replay and analyze must cover, to the last sample
        loaded = load_eeg_file(path) if rc == 0 else None
        out_dir = tmp_path / f"out-{path.name}"
        for argv in (["replay", "--headless", "--no-record", "--speed", "0", "--json", str(path)],
                     ["analyze", "--json", "--out", str(out_dir), str(path)]):
            cmd = argv[0]
            rc2, out, err, errors = _run(capsys, argv)
            if _misbehaves(rc2, err, errors):
                bad.append((path.name, cmd, rc2, err.strip()[-300:]))
            elif loaded is None and rc2 != 2:
                bad.append((path.name, cmd, rc2, "info refused it, but it was read"))
            elif loaded is not None and rc2 == 0:
                got = json.loads(out[out.index("[" if cmd == "analyze" else "{"):])
                if cmd == "replay" and got["samples"] != loaded.n_samples:
                    bad.append((path.name, cmd, rc2, f"played {got['samples']} of {loaded.n_samples} samples"))
                if cmd == "analyze" and abs(got[0]["duration_s"] - loaded.duration_s) > 1e-6:
                    bad.append((path.name, cmd, rc2, f"analysed {got[0]['duration_s']} of {loaded.duration_s} s"))
    assert not bad, f"{len(bad)} of {N} {fmt} mutants misbehaved: {bad[:3]}"
