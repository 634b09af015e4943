"""What the LSL source and the LSL marker inlet share."""

from __future__ import annotations

from typing import Any


def close_inlet(inlet: Any) -> None:
    """Close a pylsl inlet; closing one whose stream is already gone is not an error."""
    if inlet is None:
        return
    try:
        inlet.close_stream()
    except Exception:  # noqa: BLE001 - liblsl raises various errors for a dead stream
        pass
