"""Annotations kept in a file of their own: ``--annotations FILE``.

Sleep laboratories score a recording in a separate file (Sleep-EDF's ``*-Hypnogram.edf``: an
EDF+ file of annotations only, "Sleep stage W", "Sleep stage 2", ... each 30 s or longer), and
other tools save annotations beside the data (MNE's ``.fif``/``.csv``/``.txt`` annotation
files, BrainVision ``.vmrk``, EEGLAB ``.set``, a BIDS ``*_events.tsv``). :func:`with_annotations`
reads such a file (with ``mne.read_annotations``; a BIDS events file with
:func:`read_bids_events`) and adds its annotations to a loaded recording: each one a marker at
its onset, and each one with a duration also a span (:attr:`LoadedFile.spans`), which the
report summarises per label.

Times: an annotation file that records its own start (EDF+, FIF) is placed by it, relative to
the recording's start (:func:`neurofeedback.io.dates.recording_start`); otherwise its onsets are
taken as seconds from the recording's first sample. Annotations outside the recording are left
out, spans cut at its ends; a file none of whose annotations falls inside the recording is an
error (the wrong hypnogram, most likely).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

from ..errors import FileFormatError
from .dates import recording_start
from .edf_header import edf_start
from .loaded import LoadedFile, is_span

log = logging.getLogger(__name__)

#: What ``--annotations`` accepts, for messages.
ANNOTATION_FILES = ("an EDF+ annotations file (a Sleep-EDF hypnogram), a FIF, CSV or TXT "
                    "annotations file as MNE writes them, a BrainVision .vmrk, an EEGLAB .set "
                    "or a BIDS _events.tsv")
#: Columns of a BIDS events file that name the event, first found wins (BIDS: ``trial_type``,
#: ``value``; sleep datasets: a stage column).
_BIDS_LABEL_COLUMNS = ("trial_type", "value", "stage", "sleep_stage", "event", "description")


def read_bids_events(path: Path):
    """A BIDS ``*_events.tsv`` as ``mne.Annotations``: ``onset`` and ``duration`` in seconds
    from the data file's first sample (``n/a`` duration: 0), the label from the first of
    :data:`_BIDS_LABEL_COLUMNS` the file has (rows whose label is ``n/a`` are skipped).

    Raises
    ------
    FileFormatError
        No ``onset`` or label column, or an onset or duration that is not a number.
    """
    import csv

    import mne

    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    header = list(rows[0]) if rows else []
    label_col = next((c for c in _BIDS_LABEL_COLUMNS if c in header), None)
    if "onset" not in header or label_col is None:
        raise FileFormatError(
            f"--annotations {path.name}: a BIDS events file needs an onset column and one of "
            f"{', '.join(_BIDS_LABEL_COLUMNS)}; found {', '.join(header) or 'no rows'}")
    onsets, durations, labels = [], [], []
    for line, row in enumerate(rows, start=2):
        label = (row.get(label_col) or "").strip()
        if not label or label == "n/a":
            continue
        try:
            onset = float(row["onset"])
            dur = (row.get("duration") or "n/a").strip()
            duration = 0.0 if dur == "n/a" else float(dur)
        except ValueError:
            raise FileFormatError(
                f"--annotations {path.name}, line {line}: onset and duration must be seconds "
                f"(or n/a for the duration); got {row.get('onset')!r}, {row.get('duration')!r}"
            ) from None
        onsets.append(onset), durations.append(max(0.0, duration)), labels.append(label)
    return mne.Annotations(onsets, durations, labels)


def read_annotation_file(
    path: str | os.PathLike, loaded: LoadedFile
) -> tuple[list[tuple[float, str]], list[tuple[float, float, str]]]:
    """The annotations of ``path`` on ``loaded``'s time line.

    Parameters
    ----------
    path : str or PathLike
        The annotations file.
    loaded : LoadedFile
        The recording they annotate.

    Returns
    -------
    markers : list of (float, str)
        (onset in seconds from the first sample, description), every annotation inside the
        recording.
    spans : list of (float, float, str)
        (onset s, duration s, description) of those with a duration, cut at the recording's
        ends.

    Raises
    ------
    FileFormatError
        The file is missing, unreadable or empty, or none of its annotations falls inside the
        recording.
    """
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"--annotations {p}: no such file; give {ANNOTATION_FILES}")
    import mne

    try:
        ann = read_bids_events(p) if p.name.lower().endswith(".tsv") else mne.read_annotations(p)
    except FileFormatError:
        raise
    except Exception as exc:  # the boundary: MNE raises many kinds for files it cannot read
        log.debug("cannot read annotations from %s", p, exc_info=True)
        msg = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise FileFormatError(
            f"--annotations {p.name}: cannot read annotations ({msg}); give {ANNOTATION_FILES}"
        ) from None
    if not len(ann):
        raise FileFormatError(f"--annotations {p.name}: no annotations found in it; give "
                              f"{ANNOTATION_FILES}")
    shift = 0.0
    start = recording_start(loaded)
    own = ann.orig_time if ann.orig_time is not None else edf_start(p)
    if own is not None and start is not None:
        shift = (own - start).total_seconds()
    end = loaded.duration_s
    markers: list[tuple[float, str]] = []
    spans: list[tuple[float, float, str]] = []
    for onset, duration, desc in zip(ann.onset, ann.duration, ann.description, strict=True):
        t0 = float(onset) + shift
        if 0.0 <= t0 <= end:
            markers.append((t0, str(desc)))
        if is_span(duration, loaded.sfreq):  # not a one-sample event
            a, b = max(t0, 0.0), min(t0 + float(duration), end)
            if b > a:
                spans.append((a, b - a, str(desc)))
    if not markers and not spans:
        raise FileFormatError(
            f"--annotations {p.name}: nothing falls inside {Path(loaded.path).name} (its "
            f"{len(ann)} annotations run {ann.onset.min() + shift:.0f} to "
            f"{(ann.onset + ann.duration).max() + shift:.0f} s from the recording's start, "
            f"which lasts {end:.0f} s); is it the annotations file of this recording?"
        )
    return markers, spans


def with_annotations(loaded: LoadedFile, path: str | os.PathLike) -> LoadedFile:
    """``loaded`` with the annotations of ``path`` added to its markers and spans (a copy).

    Raises
    ------
    FileFormatError
        See :func:`read_annotation_file`.
    """
    markers, spans = read_annotation_file(path, loaded)
    meta = dict(loaded.meta)
    meta["annotations_file"] = str(path)
    return dataclasses.replace(
        loaded,
        markers=sorted([*loaded.markers, *markers], key=lambda m: m[0]),
        spans=sorted([*loaded.spans, *spans], key=lambda s: s[0]),
        meta=meta,
    )


__all__ = ["ANNOTATION_FILES", "read_annotation_file", "with_annotations"]
