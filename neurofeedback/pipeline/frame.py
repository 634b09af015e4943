"""The feature frame: everything the pipeline says about one 0.1-s hop.

This is the contract between the pipeline (producer) and the recorder, the GUI, the protocol
engine and the report (consumers). Its fields, their defaults and its docstring are derived
from the feature table :data:`~.features.FEATURES`; ``FEATURE_COLUMNS`` is the exact column
order of ``features.csv``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .features import BANDS, FEATURE_COLUMNS, FEATURES, PHASES, Feature, default_of, feature_row

__all__ = ["BANDS", "FEATURE_COLUMNS", "FEATURES", "PHASES", "FeatureFrame"]

_TYPES = {"float": float, "int": int, "bool": bool, "str": str, "list": tuple, "array": Any,
          "dict": dict, "object": Any}


def _field(f: Feature) -> tuple[str, Any, Any]:
    if f.name == "time_s":
        return (f.name, float, dataclasses.field())
    default = default_of(f)
    if f.kind in ("array", "dict"):
        return (f.name, _TYPES[f.kind], dataclasses.field(default_factory=default))
    return (f.name, _TYPES[f.kind], dataclasses.field(default=default))


def _docstring() -> str:
    lines = [
        "One frame of features, computed from the window that ends at ``time_s``.",
        "",
        "Scalars are NaN when they cannot be computed (e.g. z-scores before the baseline is",
        "complete, region metrics with fewer than two clean regions). Generated from the",
        "feature table :data:`neurofeedback.pipeline.features.FEATURES`.",
        "",
        "Attributes",
        "----------",
    ]
    for f in FEATURES:
        unit = f" ({f.unit})" if f.unit else ""
        lines += [f"{f.name} : {f.kind}", f"    {f.doc}{unit}"]
    return "\n".join(lines) + "\n"


def _to_row(self: Any) -> list[str]:
    """Values in :data:`FEATURE_COLUMNS` order, ready for ``csv.writer``."""
    return feature_row(self)


FeatureFrame = dataclasses.make_dataclass(
    "FeatureFrame",
    [_field(f) for f in FEATURES],
    namespace={"to_row": _to_row, "__doc__": _docstring(), "__module__": __name__},
)
