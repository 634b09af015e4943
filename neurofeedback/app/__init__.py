"""The application layer, shared by the command line and the Qt window.

- :mod:`~neurofeedback.app.vocab`: boards, scenarios, scores and feedback modalities, defined once;
- :mod:`~neurofeedback.app.spec`: :class:`SessionSpec`, what to run;
- :mod:`~neurofeedback.app.build`: a source and a session from a spec;
- :mod:`~neurofeedback.app.feedback`: which score is fed back, its value, and the modality;
- :mod:`~neurofeedback.app.finish`: the end of a session (stop, save, then report);
- :mod:`~neurofeedback.app.options`: the session options both frontends accept.

Layer order: sources/io -> pipeline -> protocols -> app -> cli; ``ui`` sits on top of ``app``.
Nothing here imports Qt or the ``ui`` package.
"""

from __future__ import annotations

from .build import build_session, build_source, load_spec_protocol, pipeline_config
from .feedback import (
    EYE_TEXT,
    MODALITIES,
    Modality,
    drowsy_reward,
    fed_back_score,
    feedback_value,
    modality,
)
from .finish import FinishResult, finish_session, wants_report
from .spec import SessionSpec, spec_from_args
from .vocab import (
    BOARDS,
    DEFAULT_SCORE,
    FEEDBACK_MAPPINGS,
    FEEDBACK_SCORES,
    HARDWARE_BOARDS,
    SCENARIOS,
    SOURCE_KINDS,
    BoardChoice,
)

__all__ = [
    "BOARDS",
    "DEFAULT_SCORE",
    "FEEDBACK_MAPPINGS",
    "FEEDBACK_SCORES",
    "HARDWARE_BOARDS",
    "MODALITIES",
    "SCENARIOS",
    "SOURCE_KINDS",
    "BoardChoice",
    "FinishResult",
    "Modality",
    "SessionSpec",
    "build_session",
    "build_source",
    "drowsy_reward",
    "EYE_TEXT",
    "fed_back_score",
    "feedback_value",
    "finish_session",
    "load_spec_protocol",
    "modality",
    "pipeline_config",
    "spec_from_args",
    "wants_report",
]
