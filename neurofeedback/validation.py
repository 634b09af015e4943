"""Validation helpers for the public boundary. Messages name the parameter, the allowed values
and what was received."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import UsageError


def check_option(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise :class:`UsageError`."""
    allowed = list(allowed)
    if value not in allowed:
        raise UsageError(
            f"{name} must be one of {', '.join(map(str, allowed))}; got {value!r}"
        )
    return value


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float if it is positive (or zero when allowed)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a number; got {value!r}") from None
    if v != v or (v < 0 if allow_zero else v <= 0):
        bound = ">= 0" if allow_zero else "> 0"
        raise UsageError(f"{name} must be {bound}; got {value!r}")
    return v
