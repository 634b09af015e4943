"""What is fed back, chosen once for every output: which score, its value, and through which
modality (picture, sound or both).

A protocol's training phases name the score the engine rewards (``score = "alpha-theta"``);
every frame carries the engine's choice in ``frame.protocol.score``. :func:`fed_back_score`
reads it, :func:`feedback_value` computes its value with the engine's own
:func:`~neurofeedback.protocols.score_value`, so the feedback window, the audio and the status
line show exactly the number the reward follows. A protocol's ``[feedback] mapping`` says
which outputs are on (:func:`modality`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..pipeline.frame import FeatureFrame
from ..protocols import Protocol, score_value
from ..validation import check_option
from .vocab import DEFAULT_SCORE, FEEDBACK_MAPPINGS, FEEDBACK_SCORES


@dataclass(frozen=True)
class Modality:
    """Which feedback outputs are on.

    Attributes
    ----------
    visual : bool
        The feedback picture (disc or region nodes) is drawn.
    audio : bool
        The chord sounds.
    """

    visual: bool
    audio: bool


#: The outputs each ``[feedback] mapping`` turns on.
MODALITIES: dict[str, Modality] = {
    "visual": Modality(visual=True, audio=False),
    "audio": Modality(visual=False, audio=True),
    "both": Modality(visual=True, audio=True),
}
if tuple(MODALITIES) != FEEDBACK_MAPPINGS:  # pragma: no cover - caught at import by every test
    raise RuntimeError(f"MODALITIES {tuple(MODALITIES)} must cover the protocol mappings {FEEDBACK_MAPPINGS}")

#: Outputs of a session without a protocol: the picture; sound is the operator's choice.
NO_PROTOCOL_MODALITY = MODALITIES["visual"]


def modality(protocol: Protocol | None) -> Modality:
    """The outputs ``protocol``'s ``[feedback] mapping`` names (:data:`NO_PROTOCOL_MODALITY`
    without a protocol)."""
    if protocol is None:
        return NO_PROTOCOL_MODALITY
    return MODALITIES[check_option("feedback.mapping", protocol.mapping, FEEDBACK_MAPPINGS)]


def fed_back_score(frame: FeatureFrame | Any | None, default: str = DEFAULT_SCORE) -> str:
    """Name of the score fed back with ``frame``.

    The score the protocol engine rewards (current training phase, else the next one) when the
    frame carries a protocol snapshot that names one; otherwise ``default`` (the operator's
    choice, one of :data:`~neurofeedback.app.vocab.FEEDBACK_SCORES`).

    Raises
    ------
    UsageError
        ``default`` is not a known score.
    """
    check_option("feedback score", default, FEEDBACK_SCORES)
    snap = getattr(frame, "protocol", None)
    score = getattr(snap, "score", None)
    return score if score in FEEDBACK_SCORES else default


def drowsy_reward(frame: FeatureFrame | Any) -> str:
    """What a drowsy frame's feedback does, for the status line and the window: ``"no
    meditation reward"`` once its meditation score is 0 (drowsiness at the drowsy threshold),
    ``"meditation reward fading"`` while it still gives some (between ``drowsy_hold`` and the
    threshold the scores fade to 0)."""
    score = getattr(frame, "meditation_score", math.nan)
    fading = isinstance(score, (int, float)) and math.isfinite(score) and score > 0
    return "meditation reward fading" if fading else "no meditation reward"


#: What the status line and the window say in a frame whose blink or eye movement was handled
#: without gating (``eye_artifact``): the meditation and alpha-theta scores give no reward there.
EYE_TEXT = "EYES (no meditation reward)"


def feedback_value(frame: FeatureFrame | Any, score: str) -> float:
    """Value (0..1, NaN when unavailable) of ``score`` in ``frame``, as the protocol engine
    computes it for the reward (:func:`~neurofeedback.protocols.score_value`)."""
    check_option("score", score, FEEDBACK_SCORES)
    value = score_value(frame, score)
    return float(value) if math.isfinite(value) else math.nan
