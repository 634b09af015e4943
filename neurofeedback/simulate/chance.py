"""Chance levels: every synchrony and harmony measure on signals whose truth is known.

Four checks, each on signals whose truth is known:

``noise``
    Independent 1/f noise on the 19 channels of the 10-20 set (:func:`.nulls.independent_noise`,
    4 minutes, 60-s baseline): median ``synchrony`` within 0 +- 0.05; ``consonance`` and
    ``golden_mean_index`` empty in >= 90 % of frames. Median ``plv`` for comparison.
``volume``
    One zero-lag 6 Hz source in every channel (:func:`.nulls.volume_conducted_source`) at 0 dB and
    +6 dB: median ``synchrony`` <= 0.1 at both and a change <= 0.05. ``plv`` for comparison.
``coupling``
    The scenario simulator's ``annealing-cycle`` (lagged coupling swept from 0.05 to 0.9) on
    held-out seeds 100-103: Spearman of ``synchrony`` against the true coupling >= 0.85 over their
    frames pooled (each seed's own value reported too); frames with true coupling >= 0.6 ("locked") clearly above those <= 0.2 ("free"): the
    locked frames' lower quartile above the free frames' upper quartile.
``eegmmidb``
    The EEGMMIDB eyes-closed runs S002-S004 R02 (a clear alpha peak), read and analysed exactly as
    ``neurofeedback analyze`` does: ``synchrony`` defined in >= 90 % and ``consonance`` in >= 80 %
    of clean frames of every run; the eyes-open R01 runs for contrast (no target).

Frames used: simulated recordings run through
:func:`~neurofeedback.pipeline.pipeline.run_pipeline` with a 60-s baseline; their clean
(``artifact`` = 0) frames from the end of the baseline on. Values are the ``features.csv``
strings (:func:`~neurofeedback.pipeline.features.feature_row`), so a column the pipeline does
not write reads "n/a" (and fails its target).

Run ``python -m neurofeedback.simulate.chance [--check NAME ...] [--data DIR] [--out FILE]``: a
Markdown table of target, measured value, pass/fail and the command that reproduces the row.
"""

from __future__ import annotations

import argparse
import csv
import logging
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from ..errors import UsageError
from ..io import load_eeg_file
from ..pipeline.config import PipelineConfig
from ..pipeline.features import FEATURE_COLUMNS, feature_row
from ..pipeline.pipeline import run_pipeline
from ..validation import check_option
from .artifacts import RAIL_UV
from .generator import Generator
from .nulls import NullRecording, independent_noise, volume_conducted_source
from .truth import TRUTH_HOP_S, make_truth

log = logging.getLogger(__name__)

#: Columns the checks read (any may be missing from ``features.csv``: it then reads "n/a").
COLUMNS: tuple[str, ...] = ("time_s", "synchrony", "plv", "consonance", "dissonance", "noise",
                            "golden_mean_index", "artifact")
#: The pipeline's baseline block for the simulated recordings, seconds.
BASELINE_S = 60.0
#: Held-out simulator seeds of the ``coupling`` check (the estimator is calibrated on 0-9).
COUPLING_SEEDS: tuple[int, ...] = (100, 101, 102, 103)
#: Length of each ``annealing-cycle`` recording, seconds (as the calibration's).
COUPLING_DURATION_S = 270.0
#: True coupling at or above which a frame is "locked", at or below which it is "free".
LOCKED, FREE = 0.6, 0.2
#: EEGMMIDB subjects; run 2 is eyes closed, run 1 eyes open.
EEGMMIDB_SUBJECTS: tuple[int, ...] = (2, 3, 4)
#: Where ``make chance`` finds the real recordings (relative to the repository).
DEFAULT_DATA = "../shared/data"
CHECKS: tuple[str, ...] = ("noise", "volume", "coupling", "eegmmidb")
MODULE = "python -m neurofeedback.simulate.chance"

Table = dict[str, np.ndarray | None]


# ------------------------------------------------------------------------------------ tables
def _parse(values: Iterable[str]) -> np.ndarray:
    """``features.csv`` strings as floats; empty (or non-numeric) fields are NaN."""
    out = []
    for v in values:
        try:
            out.append(float(v))
        except ValueError:
            out.append(math.nan)
    return np.array(out, dtype=float)


def frames_table(frames: Sequence[object]) -> Table:
    """The :data:`COLUMNS` of pipeline frames as ``features.csv`` writes them.

    Parameters
    ----------
    frames : sequence of FeatureFrame

    Returns
    -------
    dict of str to (ndarray, shape (n_frames,)) or None
        Floats (empty fields NaN); None for a column ``features.csv`` does not have.
    """
    rows = [feature_row(f) for f in frames]
    out: Table = {}
    for name in COLUMNS:
        if name in FEATURE_COLUMNS:
            k = FEATURE_COLUMNS.index(name)
            out[name] = _parse(r[k] for r in rows)
        else:
            out[name] = None
    return out


def read_features(path: str | Path) -> Table:
    """The :data:`COLUMNS` of a ``features.csv`` file (see :func:`frames_table`)."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = reader.fieldnames or []
    return {name: (_parse(r[name] for r in rows) if name in header else None) for name in COLUMNS}


def select(table: Table, mask: np.ndarray) -> Table:
    """Rows ``mask`` of every column of ``table`` (missing columns stay None)."""
    return {k: (None if v is None else v[mask]) for k, v in table.items()}


def clean_after(table: Table, start_s: float) -> Table:
    """Clean frames (``artifact`` = 0) with ``time_s >= start_s``."""
    t, art = table["time_s"], table["artifact"]
    assert t is not None and art is not None, "features.csv always has time_s and artifact"
    return select(table, (art == 0) & (t >= start_s - 1e-9))


def median(col: np.ndarray | None) -> float:
    """Median of the defined values; NaN when the column is missing or all empty."""
    if col is None:
        return math.nan
    v = col[np.isfinite(col)]
    return float(np.median(v)) if v.size else math.nan


def empty_share(col: np.ndarray | None) -> float:
    """Share of frames where the column is empty; NaN when the column is missing."""
    if col is None or col.size == 0:
        return math.nan
    return float(np.mean(~np.isfinite(col)))


def run_null(rec: NullRecording, baseline_s: float = BASELINE_S) -> Table:
    """Run the pipeline over a simulated recording; its clean frames after the baseline."""
    frames = run_pipeline(rec.data, rec.sfreq, rec.ch_names,
                          PipelineConfig(baseline=(0.0, float(baseline_s))))
    return clean_after(frames_table(frames), baseline_s)


# ------------------------------------------------------------------------------------ checks
@dataclass
class NoiseResult:
    """The ``noise`` check: medians and empty shares over clean post-baseline frames."""

    n_frames: int
    synchrony: float
    plv: float
    consonance_empty: float
    golden_mean_empty: float


def check_noise(seed: int = 0) -> NoiseResult:
    """Independent 1/f noise (:func:`.nulls.independent_noise` with ``seed``)."""
    t = run_null(independent_noise(seed))
    return NoiseResult(int(t["time_s"].size), median(t["synchrony"]), median(t["plv"]),
                       empty_share(t["consonance"]), empty_share(t["golden_mean_index"]))


@dataclass
class VolumeResult:
    """The ``volume`` check: medians at 0 dB and at +6 dB of source power."""

    synchrony: tuple[float, float]
    plv: tuple[float, float]

    @property
    def synchrony_change(self) -> float:
        """|median synchrony at +6 dB - at 0 dB|."""
        return abs(self.synchrony[1] - self.synchrony[0])

    @property
    def plv_change(self) -> float:
        return abs(self.plv[1] - self.plv[0])


def check_volume(seed: int = 0, gains_db: tuple[float, float] = (0.0, 6.0)) -> VolumeResult:
    """One zero-lag 6 Hz source in every channel (:func:`.nulls.volume_conducted_source`)."""
    tables = [run_null(volume_conducted_source(seed, g)) for g in gains_db]
    return VolumeResult(
        (median(tables[0]["synchrony"]), median(tables[1]["synchrony"])),
        (median(tables[0]["plv"]), median(tables[1]["plv"])),
    )


@dataclass
class CouplingResult:
    """The ``coupling`` check.

    Attributes
    ----------
    spearman : dict of int to float
        Seed -> Spearman of frame ``synchrony`` against the true coupling (NaN when undefined).
    pooled : float
        The same over the frames of all seeds together (the target).
    locked, free : ndarray
        Frame ``synchrony`` (all seeds) where the true coupling is >= :data:`LOCKED`,
        <= :data:`FREE`; empty arrays when the column is missing.
    """

    spearman: dict[int, float]
    pooled: float = math.nan
    locked: np.ndarray = field(default_factory=lambda: np.zeros(0))
    free: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def locked_above_free(self) -> bool:
        """The locked frames' lower quartile lies above the free frames' upper quartile."""
        if self.locked.size == 0 or self.free.size == 0:
            return False
        return bool(np.percentile(self.locked, 25) > np.percentile(self.free, 75))


def coupling_frames(seed: int, duration_s: float = COUPLING_DURATION_S) -> tuple[np.ndarray, np.ndarray]:
    """Frame ``synchrony`` and true coupling of one ``annealing-cycle`` recording.

    Returns
    -------
    measured, truth : ndarray, shape (n_frames,)
        Over the clean frames after the baseline (``measured`` all NaN when the column is
        missing); the truth is the simulator's coupling at each frame's time.
    """
    gen = Generator("annealing-cycle", seed=seed, duration_s=duration_s)
    data, art = gen.generate(int(round(duration_s * gen.sfreq)))
    truth = make_truth(gen.schedule, art, gen.sfreq)
    frames = run_pipeline(data, gen.sfreq, list(gen.ch_names),
                          PipelineConfig(baseline=(0.0, BASELINE_S)), RAIL_UV)
    t = clean_after(frames_table(frames), BASELINE_S)
    idx = np.round(t["time_s"] / TRUTH_HOP_S).astype(int)
    true = truth.synchrony[np.minimum(idx, truth.synchrony.size - 1)]
    sync = t["synchrony"]
    return (np.full(true.shape, math.nan) if sync is None else sync), true


def check_coupling(seeds: Sequence[int] = COUPLING_SEEDS) -> CouplingResult:
    """The simulator's lagged coupling on held-out ``seeds``."""
    rho, locked, free, all_m, all_t = {}, [], [], [], []
    for s in seeds:
        meas, true = coupling_frames(s)
        ok = np.isfinite(meas)
        rho[s] = float(spearmanr(meas[ok], true[ok])[0]) if ok.sum() > 2 else math.nan
        locked.append(meas[ok & (true >= LOCKED)])
        free.append(meas[ok & (true <= FREE)])
        all_m.append(meas[ok])
        all_t.append(true[ok])
    m, t = np.concatenate(all_m), np.concatenate(all_t)
    pooled = float(spearmanr(m, t)[0]) if m.size > 2 else math.nan
    return CouplingResult(rho, pooled, np.concatenate(locked), np.concatenate(free))


@dataclass
class RealResult:
    """The ``eegmmidb`` check: per run, the share of clean frames with each column defined.

    Attributes
    ----------
    synchrony, consonance : dict of str to float
        Run name (``S002R02``) -> share of clean frames with the value defined (NaN when the
        column is missing).
    n_clean : dict of str to int
        Run name -> number of clean frames.
    """

    synchrony: dict[str, float]
    consonance: dict[str, float]
    n_clean: dict[str, int]


def eegmmidb_paths(data_dir: str | Path, run: int) -> list[Path]:
    """The EEGMMIDB files of :data:`EEGMMIDB_SUBJECTS` for ``run`` under ``data_dir``."""
    d = Path(data_dir) / "eegmmidb"
    paths = [d / f"S{s:03d}R{run:02d}.edf" for s in EEGMMIDB_SUBJECTS]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise UsageError(f"data_dir must hold eegmmidb/S00xR0y.edf (the shared recordings); "
                         f"not found: {', '.join(missing)}")
    return paths


def real_frames(path: str | Path) -> Table:
    """Read ``path`` with :func:`neurofeedback.io.load_eeg_file` and run the pipeline with its
    default configuration, as ``neurofeedback analyze`` does (same frames, same strings); all
    its frames."""
    loaded = load_eeg_file(path)
    frames = run_pipeline(loaded.data, loaded.sfreq, list(loaded.ch_names), PipelineConfig(),
                          loaded.rail_uv)
    return frames_table(frames)


def check_real(paths: Sequence[str | Path]) -> RealResult:
    """The share of clean frames with ``synchrony`` and ``consonance`` defined in each file
    (:func:`real_frames`)."""
    sync, cons, n = {}, {}, {}
    for p in paths:
        name = Path(p).stem
        t = clean_after(real_frames(p), 0.0)
        n[name] = int(t["time_s"].size)
        sync[name] = 1.0 - empty_share(t["synchrony"])
        cons[name] = 1.0 - empty_share(t["consonance"])
    return RealResult(sync, cons, n)


# ------------------------------------------------------------------------------------ report
@dataclass(frozen=True)
class Row:
    """One line of the table: ``passed`` None for a comparison without a target."""

    check: str
    target: str
    measured: str
    passed: bool | None


def _f(x: float, nd: int = 3) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.{nd}f}"


def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.1f} %"


def _ok(x: float, cond: bool) -> bool:
    return bool(math.isfinite(x) and cond)


def noise_rows(r: NoiseResult) -> list[Row]:
    return [
        Row("noise", "median `synchrony` within 0 +- 0.05", _f(r.synchrony),
            _ok(r.synchrony, abs(r.synchrony) <= 0.05)),
        Row("noise", "`consonance` empty in >= 90 % of frames", _pct(r.consonance_empty),
            _ok(r.consonance_empty, r.consonance_empty >= 0.90)),
        Row("noise", "`golden_mean_index` empty in >= 90 % of frames", _pct(r.golden_mean_empty),
            _ok(r.golden_mean_empty, r.golden_mean_empty >= 0.90)),
        Row("noise", "median `plv` (comparison)", _f(r.plv), None),
    ]


def volume_rows(r: VolumeResult) -> list[Row]:
    s0, s6 = r.synchrony
    return [
        Row("volume", "median `synchrony` <= 0.1 (0 dB; +6 dB)", f"{_f(s0)}; {_f(s6)}",
            _ok(s0 + s6, max(s0, s6) <= 0.1)),
        Row("volume", "`synchrony` moves <= 0.05 when the source gains 6 dB",
            _f(r.synchrony_change), _ok(r.synchrony_change, r.synchrony_change <= 0.05)),
        Row("volume", "median `plv` (comparison; 0 dB; +6 dB)",
            f"{_f(r.plv[0])}; {_f(r.plv[1])}", None),
    ]


def coupling_rows(r: CouplingResult) -> list[Row]:
    rhos = ", ".join(f"{s}: {_f(v, 2)}" for s, v in r.spearman.items())

    def quart(x: np.ndarray) -> str:
        if x.size == 0:
            return "n/a"
        q1, q2, q3 = np.percentile(x, [25, 50, 75])
        return f"{q2:.3f} [{q1:.3f}, {q3:.3f}]"

    return [
        Row("coupling", "Spearman of `synchrony` vs true coupling >= 0.85 (frames of all held-out "
            "seeds pooled; per seed after it)", f"{_f(r.pooled, 2)} ({rhos})",
            _ok(r.pooled, r.pooled >= 0.85)),
        Row("coupling", f"locked (truth >= {LOCKED}) clearly above free (truth <= {FREE}): "
            "locked lower quartile > free upper quartile; median [quartiles]",
            f"locked {quart(r.locked)}; free {quart(r.free)}", r.locked_above_free),
    ]


def real_rows(closed: RealResult, opened: RealResult | None = None) -> list[Row]:
    def shares(d: dict[str, float]) -> str:
        return ", ".join(f"{k} {_pct(v)}" for k, v in d.items())

    def all_at_least(d: dict[str, float], x: float) -> bool:
        return bool(d) and all(math.isfinite(v) and v >= x for v in d.values())

    rows = [
        Row("eegmmidb", "eyes closed: `synchrony` defined in >= 90 % of clean frames",
            shares(closed.synchrony), all_at_least(closed.synchrony, 0.90)),
        Row("eegmmidb", "eyes closed: `consonance` defined in >= 80 % of clean frames",
            shares(closed.consonance), all_at_least(closed.consonance, 0.80)),
    ]
    if opened is not None:
        rows += [
            Row("eegmmidb", "eyes open (contrast): `synchrony` defined", shares(opened.synchrony),
                None),
            Row("eegmmidb", "eyes open (contrast): `consonance` defined",
                shares(opened.consonance), None),
        ]
    return rows


def run_checks(checks: Sequence[str] = CHECKS, data_dir: str | Path = DEFAULT_DATA) -> list[Row]:
    """Run the named checks (a subset of :data:`CHECKS`, in that order) and return their rows."""
    for c in checks:
        check_option("check", c, CHECKS)
    rows: list[Row] = []
    if "noise" in checks:
        rows += noise_rows(check_noise())
    if "volume" in checks:
        rows += volume_rows(check_volume())
    if "coupling" in checks:
        rows += coupling_rows(check_coupling())
    if "eegmmidb" in checks:
        rows += real_rows(check_real(eegmmidb_paths(data_dir, 2)),
                          check_real(eegmmidb_paths(data_dir, 1)))
    return rows


def command_for(check: str, data_dir: str | Path = DEFAULT_DATA) -> str:
    """The command that reproduces the rows of ``check``."""
    extra = f" --data {data_dir}" if check == "eegmmidb" else ""
    return f"`{MODULE} --check {check}{extra}`"


def markdown(rows: Sequence[Row], data_dir: str | Path = DEFAULT_DATA) -> str:
    """The rows as a Markdown page: what each check is, then the table."""
    lines = [
        "# Chance levels",
        "",
        "Every synchrony and harmony target, measured on signals whose truth is known "
        f"(generated by `{MODULE} --out docs/chance.md`).",
        "",
        "- **noise**: independent 1/f noise (exponent 1.3, 15 uV RMS) on the 19 channels of the "
        "10-20 set, 4 minutes at 250 Hz, 60-s baseline; clean frames after the baseline.",
        "- **volume**: the same background plus one zero-lag 6 Hz source (about 0.6 Hz wide) in "
        "every channel with fixed gains (pure volume conduction), at 0 dB and +6 dB of source "
        "power.",
        "- **coupling**: the simulator's `annealing-cycle` (lagged coupling swept from 0.05 to "
        f"0.9), held-out seeds {', '.join(map(str, COUPLING_SEEDS))}, {COUPLING_DURATION_S:g} s "
        "each; clean frames after the baseline against the true coupling at the frame's time.",
        "- **eegmmidb**: EEGMMIDB runs of subjects 2-4 (R02 eyes closed, R01 eyes open), analysed "
        "as `neurofeedback analyze` does; shares of clean frames.",
        "",
        "A column the pipeline does not write reads n/a (and fails its target). The nulls behind "
        "each measure are in [What the numbers mean](metrics.md#chance-is-zero).",
        "",
        "| check | target | measured | pass | command |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        verdict = "-" if r.passed is None else ("pass" if r.passed else "**fail**")
        lines.append(f"| {r.check} | {r.target} | {r.measured} | {verdict} | "
                     f"{command_for(r.check, data_dir)} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="append", choices=CHECKS, default=None,
                        help="run only this check (repeatable; default all)")
    parser.add_argument("--data", metavar="DIR", default=DEFAULT_DATA,
                        help=f"folder holding eegmmidb/ (default {DEFAULT_DATA})")
    parser.add_argument("--out", metavar="FILE", default=None,
                        help="also write the Markdown page to FILE")
    args = parser.parse_args(argv)
    checks = [c for c in CHECKS if c in (args.check or CHECKS)]
    try:
        page = markdown(run_checks(checks, args.data), args.data)
    except UsageError as exc:
        parser.error(str(exc))
    sys.stdout.write(page)
    if args.out:
        Path(args.out).write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
