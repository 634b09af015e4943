"""The protocol engine: a plain state machine driven by feature-frame time.

No Qt, no threads, no clock: the caller feeds every :class:`~neurofeedback.pipeline.frame.FeatureFrame`
to :meth:`ProtocolEngine.update`, which returns the events that happened up to that frame's time
(phase starts and ends, reward on and off, finished). Phase boundaries are placed at their nominal
times (``start_s`` + the sum of earlier durations), so markers do not depend on frame timing.

Reward rule in a training phase: a frame is *in target* when the phase's score is finite, the
frame is clean (not an artifact), the pipeline's baseline is complete and the score is above the
adaptive threshold (:class:`~neurofeedback.protocols.threshold.AdaptiveThreshold`). The reward turns
on after the score has been in target for ``sustain_s`` seconds and turns off at the first frame
that is not (an artifact switches it off at once: artifacts are never rewarded).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from ..io import marker_labels
from ..pipeline.frame import FeatureFrame
from ..pipeline.scores import withheld
from .schema import Phase, Protocol
from .threshold import AdaptiveThreshold

log = logging.getLogger(__name__)

EVENT_KINDS: tuple[str, ...] = ("phase_start", "phase_end", "reward_on", "reward_off", "finished")


@dataclass(frozen=True)
class ProtocolEvent:
    """Something the protocol did, for ``markers.csv``.

    Attributes
    ----------
    kind : str
        One of :data:`EVENT_KINDS`.
    time_s : float
        When it happened, seconds on the stream's clock (the frames' ``time_s``).
    label : str
        Marker label: ``phase:<label>:start``, ``phase:<label>:end``, ``reward:on``,
        ``reward:off`` or ``protocol:<name>:finished``.
    phase_index : int
        Index of the phase it belongs to (``len(phases)`` for ``finished``).
    """

    kind: str
    time_s: float
    label: str
    phase_index: int


@dataclass(frozen=True)
class ProtocolSnapshot:
    """The engine's state right after one frame, for displays on other threads.

    The session attaches one to every frame it feeds the engine (``FeatureFrame.protocol``), so
    a view that draws a frame shows the protocol state of that same frame without reading the
    engine while the session's worker thread updates it. Attribute names match the engine's.

    Attributes
    ----------
    current_phase : Phase or None
        The phase running (None before the start and after the end).
    instruction : str
        What the person is asked to do now.
    time_left_s : float
        Seconds left in the current phase.
    reward_on : bool
        True while the reward is given.
    reward_rate : float
        Share of this block's scored frames that were rewarded (NaN outside training).
    threshold : float
        Current reward threshold (NaN when no training phase is current or next).
    finished : bool
        True once the protocol has ended.
    score : str or None
        The score the protocol rewards now: the current training phase's, else the next
        training phase's (the one :attr:`threshold` belongs to); None when no phase has one.
        Every display feeds back this score.
    """

    current_phase: Phase | None
    instruction: str
    time_left_s: float
    reward_on: bool
    reward_rate: float
    threshold: float
    finished: bool
    score: str | None = None


@dataclass
class _Block:
    """Running statistics of one phase."""

    phase: Phase
    start_s: float
    end_s: float
    n_frames: int = 0
    n_artifact: int = 0
    n_scored: int = 0
    n_in_target: int = 0
    n_rewarded: int = 0
    score_sum: float = 0.0
    threshold_sum: float = 0.0
    n_clean: int = 0


class ProtocolEngine:
    """Runs a :class:`~neurofeedback.protocols.schema.Protocol` over feature frames.

    Parameters
    ----------
    protocol : Protocol
    start_s : float or None
        Stream time (seconds) at which the first phase starts. 0 (default) lines the protocol up
        with the first sample of the stream; None starts it at the first frame's ``time_s``.
    hop_s : float
        Time between frames, seconds (0.1 for the pipeline); used for time-in-target sums.
    """

    def __init__(self, protocol: Protocol, start_s: float | None = 0.0, hop_s: float = 0.1):
        self.protocol = protocol
        self.hop_s = float(hop_s)
        self._start_s = start_s
        self._index = -1  # -1: not started
        self._finished = False
        self._time_s = math.nan
        self._reward_on = False
        self._target_since: float | None = None
        self._thresholds = {
            s: AdaptiveThreshold(protocol.reward, hop_s=self.hop_s) for s in protocol.scores
        }
        self._blocks: list[_Block] = []
        if start_s is not None:
            self._set_starts(float(start_s))

    # -- timing ---------------------------------------------------------------------------------
    def _set_starts(self, t0: float) -> None:
        self._start_s = t0
        self._starts = [t0 + s for s in self.protocol.phase_starts]
        self._end_s = t0 + self.protocol.duration_s

    @property
    def start_s(self) -> float | None:
        """Stream time the protocol starts at (None until known)."""
        return self._start_s

    @property
    def end_s(self) -> float | None:
        """Stream time the protocol ends at (None until known)."""
        return None if self._start_s is None else self._end_s

    def phase_window(self, index: int) -> tuple[float, float]:
        """(start_s, end_s) of phase ``index`` on the stream clock."""
        if self._start_s is None:
            raise RuntimeError("the protocol start is not known before the first frame")
        start = self._starts[index]
        return start, start + self.protocol.phases[index].duration_s

    def baseline_window(self) -> tuple[float, float] | None:
        """(start_s, end_s) of the first baseline phase, or None if the protocol has none.

        This is what the session passes to the pipeline as its baseline block.
        """
        for i, p in enumerate(self.protocol.phases):
            if p.is_baseline:
                if self._start_s is None:
                    t0 = 0.0
                    start = t0 + self.protocol.phase_starts[i]
                    return start, start + p.duration_s
                return self.phase_window(i)
        return None

    # -- state ----------------------------------------------------------------------------------
    @property
    def phase_index(self) -> int:
        """Index of the current phase (-1 before the first frame, ``len(phases)`` when finished)."""
        return self._index

    @property
    def current_phase(self) -> Phase | None:
        """The phase running now, or None before the start and after the end."""
        if 0 <= self._index < len(self.protocol.phases):
            return self.protocol.phases[self._index]
        return None

    @property
    def instruction(self) -> str:
        """Instruction of the current phase ("" before the start; a closing line at the end)."""
        p = self.current_phase
        if p is not None:
            return p.instruction
        return "The session is complete." if self._finished else ""

    @property
    def time_left_s(self) -> float:
        """Seconds left in the current phase (0 when not running)."""
        p = self.current_phase
        if p is None or math.isnan(self._time_s):
            return 0.0
        _, end = self.phase_window(self._index)
        return max(0.0, end - self._time_s)

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def reward_on(self) -> bool:
        """True while the reward is being given."""
        return self._reward_on

    @property
    def threshold(self) -> float:
        """Current reward threshold of the current (or, outside training, the next) score."""
        score = self._score_for_threshold()
        if score is None:
            return math.nan
        return self._thresholds[score].value

    @property
    def reward_rate(self) -> float:
        """Share of this block's scored frames that were rewarded (NaN outside training)."""
        if not self._blocks or not self._blocks[-1].phase.is_training:
            return math.nan
        b = self._blocks[-1]
        return b.n_rewarded / b.n_scored if b.n_scored else math.nan

    def snapshot(self) -> ProtocolSnapshot:
        """The state now, as an immutable :class:`ProtocolSnapshot`."""
        return ProtocolSnapshot(
            current_phase=self.current_phase,
            instruction=self.instruction,
            time_left_s=self.time_left_s,
            reward_on=self.reward_on,
            reward_rate=self.reward_rate,
            threshold=self.threshold,
            finished=self.finished,
            score=self.score,
        )

    @property
    def score(self) -> str | None:
        """The score rewarded now: the current training phase's, else the next one's (None
        when no phase names one). The threshold, the reward and every display use it."""
        return self._score_for_threshold()

    def _score_for_threshold(self) -> str | None:
        p = self.current_phase
        if p is not None and p.score:
            return p.score
        for q in self.protocol.phases[max(self._index, 0):]:
            if q.score:
                return q.score
        return self.protocol.scores[-1] if self.protocol.scores else None

    # -- rewards --------------------------------------------------------------------------------
    def is_rewarded(self, frame: FeatureFrame) -> bool:
        """Is this frame in target (score above threshold, clean, baseline complete)?

        Outside training phases this is False. It does not change the engine's state.
        """
        p = self.current_phase
        if p is None or not p.is_training or p.score is None:
            return False
        score = score_value(frame, p.score)
        return (
            not withheld(p.score, frame.artifact, frame.eye_artifact)
            and bool(frame.baseline_complete)
            and math.isfinite(score)
            and score > self._thresholds[p.score].value
        )

    # -- the state machine ----------------------------------------------------------------------
    def update(self, frame: FeatureFrame) -> list[ProtocolEvent]:
        """Advance to ``frame.time_s``, score the frame and return what happened.

        Frames must come in time order; a frame earlier than the last one is ignored.
        """
        t = float(frame.time_s)
        if self._finished or (not math.isnan(self._time_s) and t < self._time_s):
            return []
        if self._start_s is None:
            self._set_starts(t)
        self._time_s = t
        events: list[ProtocolEvent] = []
        self._advance(t, events)
        p = self.current_phase
        if p is not None and self._blocks:
            self._score(frame, p, events)
        return events

    def _advance(self, t: float, events: list[ProtocolEvent]) -> None:
        n = len(self.protocol.phases)
        if self._index == -1 and t >= self._starts[0]:
            self._enter(0, events)
        while 0 <= self._index < n:
            _, end = self.phase_window(self._index)
            if t < end:
                break
            self._leave(end, events)
            if self._index + 1 < n:
                self._enter(self._index + 1, events)
            else:
                self._index = n
                self._finished = True
                events.append(ProtocolEvent(
                    "finished", end, marker_labels.finished(self.protocol.name), n
                ))
                log.info("protocol %s finished at %.1f s", self.protocol.name, end)

    def _enter(self, index: int, events: list[ProtocolEvent]) -> None:
        self._index = index
        phase = self.protocol.phases[index]
        start, end = self.phase_window(index)
        self._blocks.append(_Block(phase, start, end))
        if phase.score and phase.reward is not None:
            self._thresholds[phase.score].set_rule(phase.reward)
        self._target_since = None
        events.append(ProtocolEvent("phase_start", start, marker_labels.phase_start(phase.label), index))
        log.info("phase %s (%s, %.0f s) starts at %.1f s", phase.label, phase.kind,
                 phase.duration_s, start)

    def _leave(self, end: float, events: list[ProtocolEvent]) -> None:
        phase = self.protocol.phases[self._index]
        if self._reward_on:
            self._reward_on = False
            events.append(ProtocolEvent("reward_off", end, marker_labels.REWARD_OFF, self._index))
        self._target_since = None
        events.append(ProtocolEvent("phase_end", end, marker_labels.phase_end(phase.label), self._index))

    def _score(self, frame: FeatureFrame, phase: Phase, events: list[ProtocolEvent]) -> None:
        block = self._blocks[-1]
        block.n_frames += 1
        if frame.artifact:
            block.n_artifact += 1
        if not phase.is_training or phase.score is None or phase.reward is None:
            return
        score = score_value(frame, phase.score)
        usable = math.isfinite(score) and bool(frame.baseline_complete)
        in_target = self.is_rewarded(frame)
        thr = self._thresholds[phase.score]
        # an artifact frame, or an eye artifact for the scores it raised: no reward, and
        # neither the block's mean score nor the adaptive threshold learns from its 0
        held = withheld(phase.score, frame.artifact, frame.eye_artifact)
        if usable:
            block.n_scored += 1
            block.threshold_sum += thr.value
            if not held:
                block.score_sum += score
                block.n_clean += 1
        if in_target:
            block.n_in_target += 1
            if self._target_since is None:
                self._target_since = frame.time_s
        else:
            self._target_since = None
        want = in_target and frame.time_s - self._target_since >= phase.reward.sustain_s - 1e-9
        if want != self._reward_on:
            self._reward_on = want
            kind = "reward_on" if want else "reward_off"
            events.append(ProtocolEvent(kind, frame.time_s, marker_labels.reward(kind[7:]), self._index))
        if want and usable:
            block.n_rewarded += 1
        if usable and not held:
            thr.update(frame.time_s, score)

    # -- summaries ------------------------------------------------------------------------------
    def block_summary(self) -> list[dict[str, Any]]:
        """One dict per phase reached so far.

        Keys: ``index``, ``label``, ``kind``, ``score`` (None outside training), ``start_s``,
        ``end_s`` (nominal), ``n_frames``, ``artifact_share`` (0..1), ``scored_s`` (seconds with a
        usable score), ``time_in_target_s`` (seconds the score was above threshold and clean),
        ``reward_rate`` (share of scored time the reward was on, 0..1), ``mean_score`` (mean of
        the clean scores), ``mean_threshold``. Rates and scores are None outside training and when
        no frame could be scored.
        """
        out = []
        for i, b in enumerate(self._blocks):
            training = b.phase.is_training
            scored = training and b.n_scored > 0
            out.append({
                "index": i,
                "label": b.phase.label,
                "kind": b.phase.kind,
                "score": b.phase.score,
                "start_s": b.start_s,
                "end_s": b.end_s,
                "n_frames": b.n_frames,
                "artifact_share": b.n_artifact / b.n_frames if b.n_frames else None,
                "scored_s": b.n_scored * self.hop_s if training else None,
                "time_in_target_s": b.n_in_target * self.hop_s if training else None,
                "reward_rate": b.n_rewarded / b.n_scored if scored else None,
                "mean_score": b.score_sum / b.n_clean if training and b.n_clean else None,
                "mean_threshold": b.threshold_sum / b.n_scored if scored else None,
            })
        return out




def score_value(frame: FeatureFrame, score: str) -> float:
    """Value (0..1, NaN if unavailable) of the score named ``score`` in ``frame``.

    ``meditation`` and ``integration`` are the pipeline's scores; ``alpha-theta`` is
    the frame's ``alpha_theta_share`` (the pipeline's column), 0 where it is withheld: in
    artifact frames like the others, and with an eye artifact like meditation
    (:func:`~neurofeedback.pipeline.scores.withheld`).
    """
    if score == "alpha-theta":
        if withheld(score, frame.artifact, frame.eye_artifact):
            return 0.0
        return frame.alpha_theta_share
    value = frame.meditation_score if score == "meditation" else frame.integration_score
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
