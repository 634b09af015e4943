"""``neurofeedback validate DATA_DIR [--out FILE.md] [--jobs N] [--montages NAMES]``: the pipeline
on recordings with known conditions (``DATA_DIR/conditions.csv``), one table row per file and
condition span, and the same heads through headset montages."""

from __future__ import annotations

import argparse
import datetime
import logging
import math
import time
from pathlib import Path

from .. import __version__
from ..condition_pool import ConditionPool, pool_by_condition
from ..conditions import (
    BASELINE_S,
    LEFT_OUT_MIN_SHARE,
    REST_CONDITIONS,
    TOP_REASONS,
    AlphaDifference,
    MontageResult,
    SpanRow,
    ValidationResult,
    annotation_source,
    pooled_rest,
    validate,
)
from ..errors import RecordingError, UsageError
from ..headsets import HEADSET_MONTAGES, parse_montages

NAME = "validate"
HELP = "measure the pipeline on recordings with known conditions (DATA_DIR/conditions.csv)"
ORDER = 35

log = logging.getLogger(__name__)

SPAN_HEADER = (
    "file", "span s", "condition", "frames", "clean %",
    "commonest artifact reasons, % of frames", f"left out, % of frames (>= {100 * LEFT_OUT_MIN_SHARE:g} %)",
    "mains", "EC - EO occipital alpha dB",
)
REST_HEADER = ("file", "span s", "condition", "steady", "clean frames after the baseline",
               "annealing-cycle phase %", "|energy z| <= 4 %", "estimator inputs in range %",
               "median drowsiness")
POOL_HEADER = ("condition", "spans", "files", "frames", "clean %",
               "commonest artifact reasons, % of frames", "clean frames after the baseline",
               "annealing-cycle phase %", "|energy z| <= 4 %", "median drowsiness", "drowsy %",
               "eyes %")
MONTAGE_POOL_HEADER = ("montage", *POOL_HEADER)
MONTAGE_ALPHA_HEADER = ("montage", "recording", "channels", "EC - EO dB", "EC - EO dB, all frames")
ALPHA_HEADER = ("recording", "channels", "eyes open dB", "eyes closed dB", "EC - EO dB",
                "EC - EO dB, all frames", "note")

READING = f"""\
## How to read the tables

Every file listed in `conditions.csv` is analysed once, start to end, by the same pipeline as
`neurofeedback analyze` (2-s windows every 0.1 s). The baseline block is the file's first
{BASELINE_S:g} s, or its first third when that is shorter (a 61-s recording: 20 s), so every file
keeps frames after its baseline. A frame belongs to a span when its whole
2-s window lies inside the span (so a span shorter than 2 s has no frames).

- **file, span s, condition**: one line of `conditions.csv`: what the person was doing between
  these two times (seconds from the file's first sample).
- **frames**: frames of the span.
- **clean %**: share of those frames that are not gated as artifact (`artifact` 0 in
  `features.csv`); only clean frames give feedback.
- **commonest artifact reasons**: the {TOP_REASONS} reasons (`artifact_reasons` without the channel) that
  gate most frames of the span, with the share of the span's frames each appears in (a frame
  can carry several).
- **left out**: channels left out of the measures (`bad_channels`: railed, flat, line noise, ...)
  in at least {100 * LEFT_OUT_MIN_SHARE:g} % of the span's frames, with that share.
- **mains**: the mains frequency the pipeline found in the file and notched (50 or 60 Hz), or none.
- **EC - EO occipital alpha dB**: for a recording with eyes-open and eyes-closed spans (or a
  subject's pair of recordings, as EEGMMIDB's run 1 eyes open and run 2 eyes closed), per
  occipital channel (O1, Oz, O2, ...; in a file without such names, its only live channel),
  the median alpha (8-13 Hz) power over the clean frames in which that channel is not left out,
  eyes closed minus eyes open, then the mean over channels. The second table gives the
  per-channel numbers, and the same difference over all frames of the spans, gated or not (what
  the signal holds whatever the gating says). Closing the eyes raises occipital alpha in most
  people: a pipeline that keeps it finds a clearly positive difference.
- **Steady rest**: per span, the clean frames whose window starts after the baseline block,
  the share the annealing estimator reads as a phase of the cycle (heating, disintegration,
  search, annealing, integrated; a person sitting still should mostly read "baseline"), the
  share whose energy z-score lies within +-4, the share whose estimator inputs lie inside the
  range its templates cover (`estimator_in_range`) and the median drowsiness (0 alert .. 1
  asleep). **steady** says whether the span covers
  the baseline block too (the person was in the same condition from the file's start); the
  pooled line adds up the steady spans of a person sitting still. A span entered after the
  baseline (eyes closing after an eyes-open baseline) is a real change: closing the eyes
  raises alpha, a natural rhythm, so its energy rises and the estimator may read heating.
- **By condition**: every span of one condition pooled, over all files: the same numbers
  over the pooled frames (a long span weighs more than a short one; a frame in two spans of
  one condition counts once), and **drowsy %**, the share of the clean frames after the
  baseline (those with a drowsiness value) whose drowsiness reaches the pipeline's drowsy
  threshold (those give no feedback).
  An awake person should read few drowsy frames; sleep stages N2 and N3 should read mostly
  drowsy. **eyes %**: the share of the clean frames (not gated) with a blink or eye movement
  handled without gating (or the high-pass's ring-down after one), where the meditation and
  alpha-theta scores give no reward
  ([Signal quality](quality.md)); eyes open should read more than eyes closed.
- A condition `@FILE` in `conditions.csv` takes the spans of an annotations file (a
  hypnogram) as conditions, each labelled with its own text (runs of one label joined), each
  a row of its own; `@` alone, the recording's own annotated spans.
- **Headset montages** (`--montages`): every listed file that holds all of a montage's
  electrodes is analysed again with only those electrodes, resampled to the headset's rate
  (polyphase), and pooled by condition as above; the alpha table gives each recording's
  eyes closed minus eyes open difference through the montage. It is the same head measured
  by fewer electrodes: the file's own reference, amplifier noise and electrode contact, not a
  recording made with that headset. With few electrodes a blink on the frontal pair gates
  the frame (its region is lost), so eyes-open spans keep fewer clean frames than with a
  dense cap.
- A file that cannot be read or analysed gets a row saying why instead of numbers.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data_dir", metavar="DATA_DIR",
                        help="folder with conditions.csv (file,start_s,end_s,condition[,how_known]) "
                             "and the recordings it lists")
    parser.add_argument("--out", metavar="FILE.md", default=None,
                        help="also write the tables and how to read them to this Markdown file")
    parser.add_argument("--jobs", metavar="N", type=int, default=1,
                        help="analyse up to N files in parallel processes (default 1)")
    parser.add_argument("--sfreq", metavar="HZ", type=float, default=None,
                        help="sample rate of the files that do not give one (CSV files without a "
                             "time column); files that give their rate keep it")
    parser.add_argument("--montages", metavar="NAMES", default=None,
                        help="also analyse the files through headset montages (their electrodes "
                             f"only, at their rate): {', '.join(HEADSET_MONTAGES)} or all, comma-separated")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.1f}"


def _mains(hz: float | None) -> str:
    return "none" if hz is None else f"{hz:g} Hz"


def _db(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:+.1f}"


def _alpha_cell(a: AlphaDifference | None) -> str:
    return "" if a is None else _db(a.difference_db)


def _span(row: SpanRow) -> str:
    """``"2-45"``, or ``"0-end"`` for an ``@...`` row that spans the whole recording."""
    end = "end" if math.isinf(row.end_s) else f"{row.end_s:g}"
    return f"{row.start_s:g}-{end}"


def span_cells(row: SpanRow, alpha: AlphaDifference | None) -> list[str]:
    """The cells of one row of the span table, in :data:`SPAN_HEADER` order."""
    head = [row.file, _span(row), row.condition]
    if row.error:
        # the first clause of the message says what is wrong; the rest (e.g. the list of
        # supported formats) is in the command's log
        what = "cannot analyse" if annotation_source(row.condition) is None else "no conditions"
        return [*head, "0", "n/a", f"{what}: {row.error.split('; ')[0]}", "", "", ""]
    reasons = ", ".join(f"{r} {100 * s:.1f}" for r, s in row.top_reasons) or "-"
    left = ", ".join(f"{c} {100 * s:.0f}" for c, s in row.left_out) or "-"
    return [*head, str(row.n_frames), _pct(row.clean_share), reasons, left, _mains(row.mains_hz),
            _alpha_cell(alpha)]


def alpha_cells(a: AlphaDifference) -> list[str]:
    """The cells of one row of the alpha table, in :data:`ALPHA_HEADER` order."""
    return [
        " + ".join(a.files),
        ", ".join(a.channels) or "-",
        ", ".join(f"{v:.1f}" for v in a.eyes_open_db) or "-",
        ", ".join(f"{v:.1f}" for v in a.eyes_closed_db) or "-",
        _db(a.difference_db),
        _db(a.difference_all_db),
        a.note or "",
    ]


def rest_cells(row: SpanRow) -> list[str]:
    """The cells of one row of the steady-rest table, in :data:`REST_HEADER` order."""
    d = "" if row.drowsiness_median != row.drowsiness_median else f"{row.drowsiness_median:.2f}"
    return [row.file, _span(row), row.condition,
            "yes" if row.steady else "no", str(row.n_after),
            _pct(row.cycle_share), _pct(row.energy_within4), _pct(row.in_range_share), d]


def pool_cells(p: ConditionPool) -> list[str]:
    """The cells of one row of the by-condition table, in :data:`POOL_HEADER` order."""
    reasons = ", ".join(f"{r} {100 * s:.1f}" for r, s in p.top_reasons) or "-"
    d = "" if p.drowsiness_median != p.drowsiness_median else f"{p.drowsiness_median:.2f}"
    return [p.condition, str(p.n_spans), str(p.n_files), str(p.n_frames), _pct(p.clean_share),
            reasons, str(p.n_after), _pct(p.cycle_share), _pct(p.energy_within4), d,
            _pct(p.drowsy_share), _pct(p.eye_share)]


def montage_tables(parts: list[MontageResult]) -> str:
    """The montage section: conditions pooled per montage, then each recording's alpha."""
    if not parts:
        return ""
    def line(m: MontageResult) -> str:
        n = len(m.files) + len(m.skipped) + len(m.failed)
        text = (f"- **{m.montage.name}**: {m.montage.what}: {', '.join(m.montage.channels)} at "
                f"{m.montage.sfreq:g} Hz; {n - len(m.skipped)} of {n} files hold them.")
        if m.failed:
            text += " Not analysed: " + "; ".join(
                f"{f} ({err.split('; ')[0]})" for f, err in m.failed.items()) + "."
        return text

    what = "\n".join(line(m) for m in parts)
    pools = [[m.montage.name, *pool_cells(p)] for m in parts
             for p in pool_by_condition(m.rows, m.files)]
    alpha = [[m.montage.name, " + ".join(a.files), ", ".join(a.channels) or "-",
              _db(a.difference_db), _db(a.difference_all_db)] for m in parts for a in m.alpha]
    return ("\n### The same heads through headset montages\n\n"
            f"{what}\n\n{_table(MONTAGE_POOL_HEADER, pools)}\n"
            f"{_table(MONTAGE_ALPHA_HEADER, alpha)}")


def _table(header: tuple[str, ...], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def format_tables(result: ValidationResult) -> str:
    """The span table and the alpha table as Markdown."""
    spans = _table(SPAN_HEADER, [span_cells(r, result.alpha_of(r.file)) for r in result.rows])
    alpha = _table(ALPHA_HEADER, [alpha_cells(a) for a in result.alpha])
    rest_rows = [r for r in result.rows if r.n_after > 0]
    rest = _table(REST_HEADER, [rest_cells(r) for r in rest_rows])
    n, cyc, e4 = pooled_rest(result.rows)
    pooled = (f"Steady spans of a person sitting still ({', '.join(REST_CONDITIONS)}), pooled: "
              f"{n} clean frames after the baseline, {_pct(cyc)} % in an annealing-cycle phase "
              f"(target <= 20 %), {_pct(e4)} % with |energy z| <= 4 (target >= 80 %).\n")
    pools = _table(POOL_HEADER, [pool_cells(p) for p in pool_by_condition(result.rows, result.files)])
    return (f"{spans}\n### Occipital alpha, eyes closed minus eyes open\n\n{alpha}"
            f"\n### Steady rest: energy and the estimator after the baseline\n\n{rest}\n{pooled}"
            f"\n### By condition, pooled over spans and files\n\n{pools}"
            f"{montage_tables(result.montages)}")


def format_document(result: ValidationResult, command: str, date: str, seconds: float) -> str:
    """The whole ``docs/validation.md``: the command and date, the tables, how to read them."""
    return (
        "# Validation on real recordings with known conditions\n\n"
        f"Made by `{command}` on {date} (neurofeedback {__version__}, {seconds:.0f} s).\n\n"
        f"{format_tables(result)}\n{READING}"
    )


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise UsageError(f"--jobs must be >= 1; got {args.jobs}")
    data = Path(args.data_dir)
    csv_path = data / "conditions.csv"
    if not csv_path.is_file():
        raise UsageError(f"DATA_DIR must hold a conditions.csv; found none in {data}")
    t0 = time.perf_counter()
    if args.sfreq is not None and not 1.0 <= args.sfreq <= 100_000.0:
        raise UsageError(f"--sfreq must be a rate in 1-100000 Hz; got {args.sfreq:g}")
    montages = parse_montages(args.montages)
    result = validate(csv_path, jobs=args.jobs, sfreq=args.sfreq, montages=montages)
    seconds = time.perf_counter() - t0
    log.info("validated %d files in %.1f s", len(result.files), seconds)
    print(format_tables(result), end="")
    if args.out:
        command = f"neurofeedback validate {args.data_dir}"
        command += f" --out {args.out}" + (f" --jobs {args.jobs}" if args.jobs != 1 else "")
        command += f" --sfreq {args.sfreq:g}" if args.sfreq is not None else ""
        command += f" --montages {args.montages}" if montages else ""
        text = format_document(result, command, datetime.date.today().isoformat(), seconds)
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise RecordingError(f"cannot write {args.out}: {exc.strerror or exc}; choose another --out") from None
    return 0
