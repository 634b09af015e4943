"""Recordings with known conditions: read a ``conditions.csv`` and measure the pipeline on each span.

``conditions.csv`` lists, per file and time span, what the person was doing
(``file,start_s,end_s,condition[,how_known]``; ``file`` relative to the CSV's folder). Every
listed file is analysed once with the same :class:`~neurofeedback.pipeline.pipeline.Pipeline`
as ``neurofeedback analyze`` (baseline block: the file's first 60 s, or the whole file when it
is shorter), and for every span this module measures what the frames whose whole window lies
inside the span say: the clean-frame share, the commonest artifact reasons, each channel's
left-out share, and the mains frequency found. Per recording (or pair of recordings of one
subject, as EEGMMIDB's eyes-open run 1 and eyes-closed run 2) it measures the occipital alpha
difference eyes closed minus eyes open.

A ``condition`` cell ``@FILE`` takes the conditions from an annotations file instead (a
hypnogram: ``SC4001EC-Hypnogram.edf``; anything ``--annotations`` reads, path relative to the
CSV's folder): each of its spans with a duration that lies in the row's ``start_s``-``end_s``
becomes a span whose condition is its label (``Sleep stage 2``). ``@`` alone takes the
recording's own spans (an EDF+ file with its stages inside).
"""

from __future__ import annotations

import csv
import logging
import math
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .analyze import iter_frames
from .channels import is_standard_site, normalize_name
from .errors import FileFormatError, MissingRateError, NeurofeedbackError, UsageError
from .headsets import Montage, apply_montage, missing_channels
from .io import load_eeg_file
from .io.annotations import read_annotation_file
from .io.loaded import LoadedFile
from .pipeline.config import PipelineConfig
from .pipeline.features import CYCLE_PHASES
from .pipeline.frame import BANDS
from .pipeline.pipeline import Pipeline
from .pipeline.quality import whole_file_status

log = logging.getLogger(__name__)

#: Columns a ``conditions.csv`` must have (``how_known`` is optional).
REQUIRED_COLUMNS: tuple[str, ...] = ("file", "start_s", "end_s", "condition")
EYES_OPEN = "eyes_open"
EYES_CLOSED = "eyes_closed"
#: Length of the baseline block (s); shorter files use their whole length.
BASELINE_S = 60.0
#: ... but at most this share of the file, so that a short recording keeps frames after it.
BASELINE_SHARE = 1.0 / 3.0


def baseline_end(duration_s: float) -> float:
    """End of the baseline block used for a file of ``duration_s`` seconds: the first
    :data:`BASELINE_S` seconds or the first :data:`BASELINE_SHARE` of the file, whichever is
    shorter."""
    return min(BASELINE_S, BASELINE_SHARE * float(duration_s))
#: A channel is listed as left out in a span when it is left out in at least this share of frames.
LEFT_OUT_MIN_SHARE = 0.05
#: Number of artifact reasons listed per span.
TOP_REASONS = 3
_ALPHA = list(BANDS).index("alpha")
_RUN_NAME = re.compile(r"^(S\d+)R\d+$", re.IGNORECASE)  # EEGMMIDB: S<subject>R<run>
_TOL = 1e-9
#: A ``condition`` cell starting with this takes its conditions from annotations (module doc).
FROM_ANNOTATIONS = "@"


def annotation_source(condition: str) -> str | None:
    """The annotations file an ``@FILE`` condition names (``""`` for ``@``, the recording's
    own annotations); None for any other condition."""
    if not condition.startswith(FROM_ANNOTATIONS):
        return None
    return condition[len(FROM_ANNOTATIONS):].strip()


@dataclass(frozen=True)
class ConditionSpan:
    """One row of ``conditions.csv``.

    Attributes
    ----------
    file : str
        Path relative to the CSV's folder, as written in the CSV.
    start_s, end_s : float
        Span in seconds from the file's first sample, ``start_s < end_s``.
    condition : str
        What the person was doing, e.g. ``eyes_open``, ``eyes_closed``.
    how_known : str
        Where the label comes from (may be empty).
    """

    file: str
    start_s: float
    end_s: float
    condition: str
    how_known: str = ""


def read_conditions(path: str | Path) -> list[ConditionSpan]:
    """Read a ``conditions.csv``.

    Parameters
    ----------
    path : str or Path
        The CSV file (header ``file,start_s,end_s,condition[,how_known]``). An ``@...`` row
        (conditions from annotations) may leave ``start_s`` and ``end_s`` empty: the whole
        recording.

    Returns
    -------
    list of ConditionSpan
        In file order.

    Raises
    ------
    FileFormatError
        When the file is missing, lacks a required column, or a row has a bad time span.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
            header = rows[0].keys() if rows else []
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read the conditions table ({exc.strerror or exc})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not rows or missing:
        raise FileFormatError(
            f"{path}: a conditions table needs the columns {', '.join(REQUIRED_COLUMNS)} and at "
            f"least one row; missing: {', '.join(missing) or 'all rows'}"
        )
    spans = []
    for line, row in enumerate(rows, start=2):
        condition = (row["condition"] or "").strip()
        source = annotation_source(condition)
        whole = source is not None  # may leave the span empty: all of it
        if whole:  # "@ hyp.edf" names "hyp.edf"
            condition = FROM_ANNOTATIONS + source
        try:
            start = float(row["start_s"]) if (row["start_s"] or "").strip() or not whole else 0.0
            end = float(row["end_s"]) if (row["end_s"] or "").strip() or not whole else math.inf
        except (TypeError, ValueError):
            raise FileFormatError(
                f"{path}, line {line}: start_s and end_s must be numbers of seconds; got "
                f"{row['start_s']!r}, {row['end_s']!r}"
            ) from None
        if not (0 <= start < end and (math.isfinite(end) or whole)):
            raise FileFormatError(
                f"{path}, line {line}: the span must satisfy 0 <= start_s < end_s; got {start:g}, {end:g}"
            )
        name = (row["file"] or "").strip()
        if not name:
            raise FileFormatError(f"{path}, line {line}: the file column is empty")
        spans.append(ConditionSpan(name, start, end, condition, (row.get("how_known") or "").strip()))
    return spans


def is_occipital(name: str) -> bool:
    """True for a 10-20/10-05 occipital site (``O1``, ``Oz``, ``O2``, ...; EEGMMIDB's ``O1..`` too)."""
    site = normalize_name(name.strip().rstrip("."))
    return is_standard_site(site) and site.upper().startswith("O")


def live_channels(data: np.ndarray, rail_uv: float | None = None) -> np.ndarray:
    """Channels that carry EEG over a whole file: neither railed nor flat.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Raw samples, uV.
    rail_uv : float or None
        Amplifier saturation level, uV (None: no railed test).

    Returns
    -------
    ndarray of bool, shape (n_channels,)
        True where the pipeline's whole-file check finds the channel neither railed nor flat
        (:func:`neurofeedback.pipeline.quality.whole_file_status`).
    """
    status = whole_file_status(data, rail_uv, PipelineConfig().flat_uv)
    return np.array([s == "ok" for s in status], dtype=bool)


@dataclass
class FileFrames:
    """What the pipeline said about every frame of one file (only what validation needs).

    Attributes
    ----------
    path : str
        The file as listed in ``conditions.csv``.
    ch_names : list of str
        Channel names as the reader gave them.
    time_s : ndarray, shape (n_frames,)
        End of each frame's window, s from the file's first sample.
    artifact : ndarray of bool, shape (n_frames,)
        The frame is gated (``FeatureFrame.artifact``).
    reasons : list of tuple of str
        ``FeatureFrame.artifact_reasons`` per frame (``"<reason>:<channel>"`` items).
    left_out : ndarray of bool, shape (n_frames, n_channels)
        Channel in ``FeatureFrame.bad_channels``.
    alpha_db : ndarray, shape (n_frames, n_channels)
        Per-channel alpha band power (8-13 Hz), dB re 1 uV^2.
    mains_hz : float or None
        Notch frequency the pipeline found (50, 60) or None.
    window_s : float
        Length of each frame's window, s.
    occipital : tuple of str
        Channels used for the occipital alpha difference.
    occipital_note : str
        How they were chosen (empty for channels named O1/Oz/O2...).
    baseline_end_s : float
        End of the baseline block, s (:func:`baseline_end`).
    phase : ndarray of str, shape (n_frames,)
        Estimator phase per frame.
    energy, drowsiness : ndarray, shape (n_frames,)
        ``FeatureFrame.energy`` (z) and ``FeatureFrame.drowsiness`` (0..1).
    in_range : ndarray of bool, shape (n_frames,)
        ``FeatureFrame.estimator_in_range``.
    eye : ndarray of bool, shape (n_frames,)
        ``FeatureFrame.eye_artifact``: a blink or eye movement handled without gating, or the
        high-pass's ring-down after one.
    error : str
        Why the file could not be analysed (empty when it was).
    """

    path: str
    ch_names: list[str] = field(default_factory=list)
    time_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    artifact: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    reasons: list[tuple[str, ...]] = field(default_factory=list)
    left_out: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    alpha_db: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    mains_hz: float | None = None
    window_s: float = 2.0
    occipital: tuple[str, ...] = ()
    occipital_note: str = ""
    baseline_end_s: float = math.nan
    phase: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    energy: np.ndarray = field(default_factory=lambda: np.zeros(0))
    drowsiness: np.ndarray = field(default_factory=lambda: np.zeros(0))
    in_range: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    eye: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    error: str = ""
    annotated: dict[str, list[tuple[float, float, str]]] = field(default_factory=dict)
    annotation_errors: dict[str, str] = field(default_factory=dict)


def merged_spans(spans: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """``(start_s, end_s, label)`` of ``(onset_s, duration_s, label)`` spans, in time order,
    with spans of one label that touch or overlap joined, in whatever order they come (a
    hypnogram's run of 30-s epochs of one stage becomes one span)."""
    out: list[tuple[float, float, str]] = []
    for onset, duration, label in sorted(spans, key=lambda s: (s[2], s[0])):
        start, end = float(onset), float(onset) + float(duration)
        if out and out[-1][2] == label and out[-1][1] >= start - _TOL:
            out[-1] = (out[-1][0], max(out[-1][1], end), label)
        else:
            out.append((start, end, label))
    return sorted(out, key=lambda s: (s[0], s[2]))


def overlapping_labels(spans: list[tuple[float, float, str]]) -> list[tuple[str, str]]:
    """Pairs of different labels whose spans (``(start_s, end_s, label)``, as
    :func:`merged_spans` gives them) overlap: a frame there belongs to both conditions."""
    pairs: set[tuple[str, str]] = set()
    ordered = sorted(spans)
    for i, (a0, a1, la) in enumerate(ordered):
        for b0, b1, lb in ordered[i + 1:]:
            if b0 >= a1 - _TOL:
                break
            if lb != la and min(a1, b1) - max(a0, b0) > _TOL:
                pairs.add(tuple(sorted((la, lb))))
    return sorted(pairs)


def _annotated(loaded: LoadedFile, sources: tuple[tuple[str, Path | None], ...]
               ) -> tuple[dict[str, list[tuple[float, float, str]]], dict[str, str]]:
    """The spans of each annotation source (``(name as in the CSV, path)``; path None: the
    recording's own spans), merged, and the error of each source that could not be read."""
    spans: dict[str, list[tuple[float, float, str]]] = {}
    errors: dict[str, str] = {}
    for name, path in sources:
        if path is None:
            own = list(loaded.spans)
        else:
            try:
                own = read_annotation_file(path, loaded)[1]
            except NeurofeedbackError as exc:
                errors[name] = str(exc).removeprefix("--annotations ")
                continue
        spans[name] = merged_spans(own)
        clash = overlapping_labels(spans[name])
        if clash:
            log.warning("%s: annotated spans of different labels overlap (%s): frames there "
                        "count in both conditions", name or "the recording's annotations",
                        ", ".join(f"{a} / {b}" for a, b in clash[:5]))
    return spans, errors


def analyse_file(path: str | Path, label: str | None = None, sfreq: float | None = None,
                 annotations: tuple[tuple[str, Path | None], ...] = (),
                 montage: Montage | None = None) -> FileFrames:
    """Run the ``analyze`` pipeline over one file and keep what validation needs.

    Parameters
    ----------
    path : str or Path
        Any file :func:`neurofeedback.io.load_eeg_file` reads.
    label : str or None
        Name to report (default: ``path``).
    sfreq : float or None
        Sample rate for a file that does not give one (a CSV without a time column), Hz;
        files that give their rate keep it.
    annotations : tuple of (str, Path or None)
        Annotation sources whose spans to keep (``FileFrames.annotated``, by the name given):
        a file's path, or None for the recording's own spans.
    montage : Montage or None
        Analyse only the montage's electrodes, resampled to its rate
        (:func:`neurofeedback.headsets.apply_montage`); a file that lacks one of them gets
        ``error``.

    Returns
    -------
    FileFrames
        With ``error`` set (and no frames) when the file cannot be read or analysed (an
        unexpected exception is logged with its traceback and reported as an internal error).
    """
    label = str(path) if label is None else label
    try:
        try:
            loaded = load_eeg_file(path)
        except MissingRateError:
            if sfreq is None:
                raise
            loaded = load_eeg_file(path, sfreq=sfreq)
        if montage is not None:
            lacking = missing_channels(list(loaded.ch_names), montage)
            if lacking:  # expected for many files: said in the montage section, not warned
                log.info("%s: no %s montage (lacks %s)", label, montage.name, ", ".join(lacking))
                return FileFrames(path=label, error=f"{LACKS}{', '.join(lacking)}")
            loaded = apply_montage(loaded, montage)
        annotated, annotation_errors = _annotated(loaded, annotations)
        config = PipelineConfig(baseline=(0.0, baseline_end(loaded.duration_s)))
        pipe = Pipeline(loaded.sfreq, list(loaded.ch_names), config, loaded.rail_uv)
        index = {n: i for i, n in enumerate(loaded.ch_names)}
        times, art, reasons, left, alpha = [], [], [], [], []
        phase, energy, drowsy, in_range, eye = [], [], [], [], []
        for frames in iter_frames(loaded, config, pipe=pipe):
            for f in frames:
                times.append(f.time_s)
                art.append(bool(f.artifact))
                reasons.append(tuple(f.artifact_reasons))
                row = np.zeros(len(index), dtype=bool)
                row[[index[b] for b in f.bad_channels if b in index]] = True
                left.append(row)
                alpha.append(np.array(f.band_power[:, _ALPHA], dtype=float))
                phase.append(f.phase)
                energy.append(f.energy)
                drowsy.append(f.drowsiness)
                in_range.append(bool(f.estimator_in_range))
                eye.append(bool(f.eye_artifact))
    except NeurofeedbackError as exc:
        log.warning("%s: %s", label, exc)
        return FileFrames(path=label, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug on one file: its row says so, the others still run
        log.exception("%s: internal error", label)
        return FileFrames(path=label, error=f"internal error ({type(exc).__name__}: {exc})")
    names = list(loaded.ch_names)
    occ = tuple(n for n in names if is_occipital(n))
    note = ""
    if not occ:
        live = live_channels(loaded.data, loaded.rail_uv)
        if live.sum() == 1:
            occ = (names[int(np.flatnonzero(live)[0])],)
            note = "only live channel"
    n_ch = len(names)
    return FileFrames(
        path=label,
        ch_names=names,
        time_s=np.array(times, dtype=float),
        artifact=np.array(art, dtype=bool),
        reasons=reasons,
        left_out=np.array(left, dtype=bool).reshape(-1, n_ch),
        alpha_db=np.array(alpha, dtype=float).reshape(-1, n_ch),
        mains_hz=pipe.mains_hz,
        window_s=config.window_s,
        occipital=occ,
        occipital_note=note,
        baseline_end_s=config.baseline[1],
        phase=np.array(phase, dtype=object),
        energy=np.array(energy, dtype=float),
        drowsiness=np.array(drowsy, dtype=float),
        in_range=np.array(in_range, dtype=bool),
        eye=np.array(eye, dtype=bool),
        annotated=annotated,
        annotation_errors=annotation_errors,
    )


def span_mask(ff: FileFrames, start_s: float, end_s: float) -> np.ndarray:
    """Frames whose whole window lies inside ``[start_s, end_s]``.

    Returns
    -------
    ndarray of bool, shape (n_frames,)
    """
    t = ff.time_s
    return (t - ff.window_s >= start_s - _TOL) & (t <= end_s + _TOL)


@dataclass
class SpanRow:
    """The measurements of one condition span (one row of the validation table).

    Attributes
    ----------
    file : str
    start_s, end_s : float
    condition : str
    n_frames : int
        Frames whose whole window lies in the span.
    clean_share : float
        Share of those frames with ``artifact`` False, 0..1 (NaN without frames).
    top_reasons : list of (str, float)
        Up to :data:`TOP_REASONS` artifact reasons (the part before ``:``) with the share of
        the span's frames that carry them, commonest first.
    left_out : list of (str, float)
        Channels left out in at least :data:`LEFT_OUT_MIN_SHARE` of the frames, with that share.
    mains_hz : float or None
    steady : bool
        The span covers the file's baseline block too (the person was in this condition from
        the file's start): a steady recording, on which no annealing cycle is expected.
    n_after : int
        Clean frames of the span after the baseline block (what the three shares below count).
    cycle_share : float
        Share of them the estimator reads as a phase of the annealing cycle (heating ..
        integrated), 0..1 (NaN without such frames).
    energy_within4 : float
        Share of them with ``|energy| <= 4`` (z), 0..1.
    drowsiness_median : float
        Median drowsiness over them.
    in_range_share : float
        Share of them whose estimator inputs lay inside the range its templates cover.
    error : str
        Why the file could not be analysed (empty when it was).
    """

    file: str
    start_s: float
    end_s: float
    condition: str
    n_frames: int = 0
    clean_share: float = math.nan
    top_reasons: list[tuple[str, float]] = field(default_factory=list)
    left_out: list[tuple[str, float]] = field(default_factory=list)
    mains_hz: float | None = None
    steady: bool = False
    n_after: int = 0
    cycle_share: float = math.nan
    energy_within4: float = math.nan
    drowsiness_median: float = math.nan
    in_range_share: float = math.nan
    error: str = ""


def reason_name(item: str) -> str:
    """``"blink:Fp1"`` -> ``"blink"``; an item without a channel is returned as it is."""
    return item.split(":", 1)[0] if ":" in item else item


@dataclass
class FrameShares:
    """What a set of frames says: one span's (:func:`measure_span`) or one condition's pooled
    over its spans and files (:mod:`neurofeedback.condition_pool`).

    Attributes
    ----------
    n_frames : int
        Frames in the set.
    clean_share : float
        Share of them not gated as artifact, 0..1 (NaN without frames).
    top_reasons : list of (str, float)
        Up to :data:`TOP_REASONS` artifact reasons (the part before ``:``) with the share of
        the frames that carry them, commonest first.
    n_after : int
        Clean frames after their file's baseline block (what the shares below count).
    cycle_share : float
        Share of them the estimator reads as a phase of the annealing cycle.
    energy_within4 : float
        Share of them with ``|energy| <= 4`` (z).
    drowsiness_median : float
        Median drowsiness over them (those with a value).
    drowsy_share : float
        Share of those whose drowsiness reaches the pipeline's ``drowsy_threshold``.
    in_range_share : float
        Share of them whose estimator inputs lay inside the range its templates cover.
    eye_share : float
        Share of the clean frames (not gated, any time) with an eye artifact handled without
        gating: no meditation or alpha-theta reward there (``eye_artifact``).
    """

    n_frames: int = 0
    clean_share: float = math.nan
    top_reasons: list[tuple[str, float]] = field(default_factory=list)
    n_after: int = 0
    cycle_share: float = math.nan
    energy_within4: float = math.nan
    drowsiness_median: float = math.nan
    drowsy_share: float = math.nan
    eye_share: float = math.nan
    in_range_share: float = math.nan


def frame_shares(parts: list[tuple[FileFrames, np.ndarray]]) -> FrameShares:
    """:class:`FrameShares` of the frames ``mask`` selects in each ``(FileFrames, mask)``
    (masks of shape (n_frames,) of their file), pooled."""
    out = FrameShares()
    gated = np.concatenate([ff.artifact[m] for ff, m in parts]) if parts else np.zeros(0, bool)
    out.n_frames = n = int(gated.size)
    if n == 0:
        return out
    out.clean_share = float(1.0 - gated.mean())
    eye = np.concatenate([ff.eye[m & ~ff.artifact] for ff, m in parts])
    if eye.size:
        out.eye_share = float(eye.mean())
    counts: Counter[str] = Counter()
    for ff, m in parts:
        for i in np.flatnonzero(m):
            counts.update({reason_name(r) for r in ff.reasons[i]})
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
    out.top_reasons = [(r, c / n) for r, c in ranked]
    after = [(ff, m & ~ff.artifact & (ff.time_s - ff.window_s >= ff.baseline_end_s - _TOL))
             for ff, m in parts]
    phase = np.concatenate([ff.phase[a] for ff, a in after])
    out.n_after = int(phase.size)
    if out.n_after:
        out.cycle_share = float(np.isin(phase, CYCLE_PHASES).mean())
        e = np.concatenate([ff.energy[a] for ff, a in after])
        out.energy_within4 = float(np.mean(np.isfinite(e) & (np.abs(e) <= 4.0)))
        d = np.concatenate([ff.drowsiness[a] for ff, a in after])
        d = d[np.isfinite(d)]
        if d.size:
            out.drowsiness_median = float(np.median(d))
            out.drowsy_share = float(np.mean(d >= PipelineConfig().drowsy_threshold))
        out.in_range_share = float(np.concatenate([ff.in_range[a] for ff, a in after]).mean())
    return out


def measure_span(ff: FileFrames, span: ConditionSpan) -> SpanRow:
    """Clean share, commonest reasons and left-out channels of ``ff``'s frames in ``span``."""
    row = SpanRow(span.file, span.start_s, span.end_s, span.condition, error=ff.error,
                  mains_hz=ff.mains_hz)
    if ff.error:
        return row
    m = span_mask(ff, span.start_s, span.end_s)
    sh = frame_shares([(ff, m)])
    row.n_frames = sh.n_frames
    if sh.n_frames == 0:
        return row
    row.clean_share, row.top_reasons = sh.clean_share, sh.top_reasons
    share = ff.left_out[m].mean(axis=0)
    order = sorted(range(len(ff.ch_names)), key=lambda k: (-share[k], k))
    row.left_out = [(ff.ch_names[k], float(share[k])) for k in order if share[k] >= LEFT_OUT_MIN_SHARE]
    row.steady = span.start_s <= _TOL and span.end_s >= ff.baseline_end_s - _TOL
    row.n_after = sh.n_after
    row.cycle_share, row.energy_within4 = sh.cycle_share, sh.energy_within4
    row.drowsiness_median, row.in_range_share = sh.drowsiness_median, sh.in_range_share
    return row


@dataclass
class AlphaDifference:
    """Occipital alpha, eyes closed minus eyes open, of one recording or one subject's pair.

    Attributes
    ----------
    files : tuple of str
        The file(s) whose eyes-open and eyes-closed spans were compared.
    channels : tuple of str
        Occipital channels with clean frames in both conditions.
    eyes_open_db, eyes_closed_db : tuple of float
        Per channel, median alpha power (dB) over clean frames in which the channel is not
        left out.
    difference_db : float
        Mean over ``channels`` of closed minus open, dB (NaN when no channel qualifies).
    difference_all_db : float
        The same over all frames of the spans, gated or not and channels left out or not, over
        every occipital channel (a diagnostic: what the signal holds whatever the gating says).
    note : str
        How the channels were chosen, or why there is no value.
    """

    files: tuple[str, ...]
    channels: tuple[str, ...] = ()
    eyes_open_db: tuple[float, ...] = ()
    eyes_closed_db: tuple[float, ...] = ()
    difference_db: float = math.nan
    difference_all_db: float = math.nan
    note: str = ""


def recording_key(file: str) -> str:
    """Files with the same key are one subject's recordings (EEGMMIDB ``S002R01``/``S002R02``
    -> ``<folder>/S002``); any other file is its own key."""
    p = Path(file)
    m = _RUN_NAME.match(p.stem)
    return str(p.parent / m.group(1)) if m else file


def _condition_values(ff: FileFrames, spans: list[ConditionSpan], condition: str,
                      ch: str, clean_only: bool = True) -> np.ndarray:
    """Alpha dB of channel ``ch`` in the frames of ``condition`` spans: the clean frames in
    which ``ch`` is not left out (``clean_only``), or all of them."""
    if ff.error or ch not in ff.ch_names:
        return np.zeros(0)
    k = ff.ch_names.index(ch)
    m = np.zeros(ff.time_s.shape, dtype=bool)
    for s in spans:
        if s.file == ff.path and s.condition == condition:
            m |= span_mask(ff, s.start_s, s.end_s)
    if clean_only:
        m &= ~ff.artifact & ~ff.left_out[:, k]
    v = ff.alpha_db[m, k]
    return v[np.isfinite(v)]


def alpha_differences(spans: list[ConditionSpan], analysed: dict[str, FileFrames]) -> list[AlphaDifference]:
    """Eyes closed minus eyes open occipital alpha per recording or subject pair.

    Recordings are grouped by :func:`recording_key`; a group is measured when its spans hold
    both ``eyes_open`` and ``eyes_closed``. Per occipital channel: the median alpha power over
    the clean frames of each condition (frames pooled over the group's files and spans), closed
    minus open; the group's value is the mean over channels.
    """
    groups: dict[str, list[str]] = {}
    for s in spans:
        if s.condition in (EYES_OPEN, EYES_CLOSED):
            files = groups.setdefault(recording_key(s.file), [])
            if s.file not in files:
                files.append(s.file)
    out = []
    for files in groups.values():
        conds = {s.condition for s in spans if s.file in files}
        if not {EYES_OPEN, EYES_CLOSED} <= conds:
            continue
        res = AlphaDifference(files=tuple(files))
        out.append(res)
        ffs = [analysed[f] for f in files]
        errors = [f.error for f in ffs if f.error]
        if errors:
            res.note = "not analysed: " + errors[0]
            continue
        channels: list[str] = []
        for f in ffs:
            channels += [c for c in f.occipital if c not in channels]
        notes = sorted({f.occipital_note for f in ffs if f.occipital_note})
        if not channels:
            res.note = "no occipital channel (no O1/Oz/O2 name, and not exactly one live channel)"
            continue
        every = []
        for ch in channels:
            v_open = np.concatenate([_condition_values(f, spans, EYES_OPEN, ch, False) for f in ffs])
            v_closed = np.concatenate([_condition_values(f, spans, EYES_CLOSED, ch, False) for f in ffs])
            if v_open.size and v_closed.size:
                every.append(float(np.median(v_closed) - np.median(v_open)))
        if every:
            res.difference_all_db = float(np.mean(every))
        used, eo, ec = [], [], []
        for ch in channels:
            v_open = np.concatenate([_condition_values(f, spans, EYES_OPEN, ch) for f in ffs])
            v_closed = np.concatenate([_condition_values(f, spans, EYES_CLOSED, ch) for f in ffs])
            if v_open.size and v_closed.size:
                used.append(ch)
                eo.append(float(np.median(v_open)))
                ec.append(float(np.median(v_closed)))
        res.channels, res.eyes_open_db, res.eyes_closed_db = tuple(used), tuple(eo), tuple(ec)
        if used:
            res.difference_db = float(np.mean(np.subtract(ec, eo)))
            res.note = "; ".join(notes)
        else:
            res.note = "no clean frames of " + ", ".join(channels) + " in both conditions"
    return out


@dataclass
class ValidationResult:
    """Everything ``neurofeedback validate`` reports.

    Attributes
    ----------
    rows : list of SpanRow
        One per span, in the order of ``conditions.csv``: a line of it, or each annotated span
        an ``@...`` line takes (:func:`expand_annotated`).
    alpha : list of AlphaDifference
        One per recording or subject pair with eyes-open and eyes-closed spans.
    files : dict of str to FileFrames
        The analysis of every listed file, by its name in the CSV.
    montages : list of MontageResult
        The same analysis through each requested headset montage (``validate(montages=...)``).
    """

    rows: list[SpanRow]
    alpha: list[AlphaDifference]
    files: dict[str, FileFrames]
    montages: list[MontageResult] = field(default_factory=list)

    def alpha_of(self, file: str) -> AlphaDifference | None:
        """The alpha difference that ``file`` takes part in, if any."""
        return next((a for a in self.alpha if file in a.files), None)


@dataclass
class MontageResult:
    """The files that hold a montage's electrodes, analysed through it.

    Attributes
    ----------
    montage : Montage
    rows : list of SpanRow
        The spans of those files, measured as :attr:`ValidationResult.rows` are.
    alpha : list of AlphaDifference
    files : dict of str to FileFrames
        Their analyses, by name in the CSV.
    skipped : list of str
        Listed files that lack one of the montage's electrodes.
    failed : dict of str to str
        Listed files that hold them but could not be analysed through it, with the error.
    """

    montage: Montage
    rows: list[SpanRow]
    alpha: list[AlphaDifference]
    files: dict[str, FileFrames]
    skipped: list[str]
    failed: dict[str, str] = field(default_factory=dict)


#: How :func:`analyse_file`'s error begins for a file without a montage's electrodes.
LACKS = "lacks "


#: Conditions of a person sitting still (what the steady-rest targets are measured on).
REST_CONDITIONS = ("rest", "eyes_open", "eyes_closed")


def pooled_rest(rows: list[SpanRow]) -> tuple[int, float, float]:
    """Clean post-baseline frames of every steady span (``SpanRow.steady``: the baseline was
    taken in the same condition) in :data:`REST_CONDITIONS`, pooled.

    Returns
    -------
    (n_frames, cycle_share, energy_within4)
        Frame-weighted means of the rows' shares (NaN without frames).
    """
    use = [r for r in rows if r.condition in REST_CONDITIONS and r.steady and r.n_after > 0]
    n = sum(r.n_after for r in use)
    if not n:
        return 0, math.nan, math.nan
    cyc = sum(r.cycle_share * r.n_after for r in use) / n
    e4 = sum(r.energy_within4 * r.n_after for r in use) / n
    return n, cyc, e4


def validate(conditions_csv: str | Path, jobs: int = 1, sfreq: float | None = None,
             montages: tuple[Montage, ...] = ()) -> ValidationResult:
    """Analyse every file listed in ``conditions_csv`` and measure each of its spans.

    Parameters
    ----------
    conditions_csv : str or Path
        A ``conditions.csv`` (file paths relative to its folder).
    jobs : int
        Files analysed in parallel processes (>= 1).
    sfreq : float or None
        Sample rate of the files that do not give one (CSV files without a time column), Hz.
    montages : tuple of Montage
        Also analyse every file that holds a montage's electrodes through it
        (:attr:`ValidationResult.montages`).

    Returns
    -------
    ValidationResult
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise UsageError(f"jobs must be an integer >= 1; got {jobs!r}")
    conditions_csv = Path(conditions_csv)
    spans = read_conditions(conditions_csv)
    root = conditions_csv.parent
    files = list(dict.fromkeys(s.file for s in spans))
    named = [(s.file, annotation_source(s.condition)) for s in spans]
    sources = [tuple(dict.fromkeys((name, root / name if name else None)
                                   for file, name in named if file == f and name is not None))
               for f in files]
    # every (file, montage) job at once, so the processes stay busy across montages
    jobs_list = [(root / f, f, sfreq, a, m) for m in (None, *montages)
                 for f, a in zip(files, sources, strict=True)]
    if jobs == 1 or len(jobs_list) == 1:
        results = [analyse_file(*job) for job in jobs_list]
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(jobs_list))) as pool:
            results = list(pool.map(analyse_file, *zip(*jobs_list, strict=True)))
    analysed = dict(zip(files, results[: len(files)], strict=True))
    full = expand_annotated(spans, analysed)
    rows = [_annotation_error_row(s, analysed[s.file]) or measure_span(analysed[s.file], s)
            for s in full]
    result = ValidationResult(rows, alpha_differences(full, analysed), analysed)
    for k, montage in enumerate(montages, start=1):
        part = dict(zip(files, results[k * len(files) : (k + 1) * len(files)], strict=True))
        kept = {f: ff for f, ff in part.items() if not ff.error}
        m_spans = expand_annotated([s for s in spans if s.file in kept], kept)
        m_rows = [_annotation_error_row(s, kept[s.file]) or measure_span(kept[s.file], s)
                  for s in m_spans]
        result.montages.append(MontageResult(
            montage, m_rows, alpha_differences(m_spans, kept), kept,
            [f for f, ff in part.items() if ff.error.startswith(LACKS)],
            {f: ff.error for f, ff in part.items() if ff.error and not ff.error.startswith(LACKS)}))
    return result


def expand_annotated(spans: list[ConditionSpan], analysed: dict[str, FileFrames]) -> list[ConditionSpan]:
    """``spans`` with every ``@...`` row replaced by the annotated spans it names that lie in
    its ``start_s``-``end_s`` (cut there), each with its label as its condition. A row whose
    annotations could not be read, or hold no span there, is kept as it is (its table row says
    why: :func:`_annotation_error_row`)."""
    out: list[ConditionSpan] = []
    for s in spans:
        ff = analysed[s.file]
        name = annotation_source(s.condition)
        if name is None or ff.error:
            out.append(s)
            continue
        inside = [
            ConditionSpan(s.file, max(a, s.start_s), min(b, s.end_s), label, s.how_known or (
                f"annotations of {name}" if name else "the recording's own annotations"))
            for a, b, label in ff.annotated.get(name, [])
            if min(b, s.end_s) > max(a, s.start_s)
        ]
        out += inside or [s]
    return out


def _annotation_error_row(span: ConditionSpan, ff: FileFrames) -> SpanRow | None:
    """The table row of an ``@...`` row that :func:`expand_annotated` could not expand (None
    for any other span)."""
    name = annotation_source(span.condition)
    if name is None or ff.error:
        return None
    where = ("the recording" if span.start_s <= _TOL and math.isinf(span.end_s)
             else f"{span.start_s:g}-{span.end_s:g} s")
    why = ff.annotation_errors.get(name) or (
        f"no annotated span with a duration in {name or 'the recording'} lies in {where}")
    return SpanRow(span.file, span.start_s, span.end_s, span.condition, error=why)
