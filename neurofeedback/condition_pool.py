"""Validation spans pooled per condition: one line per condition over every file and span.

Many spans of one condition (a subject's eyes-closed minutes, a night's N2 runs from a
hypnogram, many people's rest) read more plainly as one pooled line than as a row each. The
pooled numbers are over frames, not means of the spans' numbers: a long span weighs more.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from .conditions import FileFrames, FrameShares, SpanRow, frame_shares, span_mask


@dataclass
class ConditionPool(FrameShares):
    """The frames of every span of one condition, pooled: the :class:`FrameShares` of those
    frames (a frame in two spans of the condition counts once).

    Attributes
    ----------
    condition : str
    n_spans, n_files : int
        Spans (that could be measured) and files they come from.
    """

    condition: str = ""
    n_spans: int = 0
    n_files: int = 0


def pool_by_condition(rows: list[SpanRow], analysed: dict[str, FileFrames]) -> list[ConditionPool]:
    """One :class:`ConditionPool` per condition, in order of first appearance.

    Parameters
    ----------
    rows : list of SpanRow
        The measured spans (``ValidationResult.rows``: ``@...`` rows already expanded); a row
        with an error is left out of its condition's pool.
    analysed : dict of str to FileFrames
        Every file's frames, by its name in ``conditions.csv``.
    """
    masks: dict[str, dict[str, np.ndarray]] = {}
    n_spans: Counter[str] = Counter()
    for s in rows:
        ff = analysed[s.file]
        if s.error or ff.error:
            continue
        by_file = masks.setdefault(s.condition, {})
        m = span_mask(ff, s.start_s, s.end_s)
        by_file[s.file] = by_file.get(s.file, np.zeros_like(m)) | m
        n_spans[s.condition] += 1
    return [
        ConditionPool(**vars(frame_shares([(analysed[f], m) for f, m in by_file.items()])),
                      condition=cond, n_spans=n_spans[cond], n_files=len(by_file))
        for cond, by_file in masks.items()
    ]
