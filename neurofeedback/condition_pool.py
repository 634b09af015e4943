"""Validation spans pooled per condition: one line per condition over every file and span.

Many spans of one condition (a subject's eyes-closed minutes, a night's N2 runs from a
hypnogram, many people's rest) read more plainly as one pooled line than as a row each. The
pooled numbers are over frames, not means of the spans' numbers: a long span weighs more.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .conditions import TOP_REASONS, FileFrames, SpanRow, reason_name, span_mask
from .pipeline.config import PipelineConfig
from .pipeline.features import CYCLE_PHASES

_TOL = 1e-9


@dataclass
class ConditionPool:
    """The frames of every span of one condition, pooled.

    Attributes
    ----------
    condition : str
    n_spans, n_files : int
        Spans (that could be measured) and files they come from.
    n_frames : int
        Frames whose whole window lies in one of the spans (a frame in two spans counts once).
    clean_share : float
        Share of them not gated as artifact, 0..1 (NaN without frames).
    top_reasons : list of (str, float)
        Up to :data:`~neurofeedback.conditions.TOP_REASONS` artifact reasons with the share of
        the pooled frames that carry them.
    n_after : int
        Clean frames after each file's baseline block (what the shares below count).
    cycle_share : float
        Share of them read as a phase of the annealing cycle, 0..1.
    energy_within4 : float
        Share of them with ``|energy z| <= 4``.
    drowsiness_median : float
        Median drowsiness (0 alert .. 1 asleep).
    drowsy_share : float
        Share of them (those with a drowsiness value) whose drowsiness is at or above the
        pipeline's ``drowsy_threshold``
        (the frames that read drowsy and give no feedback).
    """

    condition: str
    n_spans: int = 0
    n_files: int = 0
    n_frames: int = 0
    clean_share: float = math.nan
    top_reasons: list[tuple[str, float]] = field(default_factory=list)
    n_after: int = 0
    cycle_share: float = math.nan
    energy_within4: float = math.nan
    drowsiness_median: float = math.nan
    drowsy_share: float = math.nan


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
    threshold = PipelineConfig().drowsy_threshold
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
    out = []
    for cond, by_file in masks.items():
        pool = ConditionPool(cond, n_spans=n_spans[cond], n_files=len(by_file))
        out.append(pool)
        art, reasons, after_parts = [], Counter(), []
        for file, m in by_file.items():
            ff = analysed[file]
            art.append(ff.artifact[m])
            for i in np.flatnonzero(m):
                reasons.update({reason_name(x) for x in ff.reasons[i]})
            after = m & ~ff.artifact & (ff.time_s - ff.window_s >= ff.baseline_end_s - _TOL)
            after_parts.append((ff, after))
        gated = np.concatenate(art)
        pool.n_frames = int(gated.size)
        if not pool.n_frames:
            continue
        pool.clean_share = float(1.0 - gated.mean())
        ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
        pool.top_reasons = [(r, c / pool.n_frames) for r, c in ranked]
        phase = np.concatenate([ff.phase[a] for ff, a in after_parts])
        pool.n_after = int(phase.size)
        if not pool.n_after:
            continue
        energy = np.concatenate([ff.energy[a] for ff, a in after_parts])
        drowsy = np.concatenate([ff.drowsiness[a] for ff, a in after_parts])
        pool.cycle_share = float(np.isin(phase, CYCLE_PHASES).mean())
        pool.energy_within4 = float(np.mean(np.isfinite(energy) & (np.abs(energy) <= 4.0)))
        finite = drowsy[np.isfinite(drowsy)]
        if finite.size:
            pool.drowsiness_median = float(np.median(finite))
            pool.drowsy_share = float(np.mean(finite >= threshold))
    return out
