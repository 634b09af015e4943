"""What the LSL source, the LSL marker inlet and the session's LSL clock anchor share."""

from __future__ import annotations

from typing import Any


def lsl_clock() -> float:
    """This machine's LSL clock now, seconds (liblsl is loaded on first use)."""
    import pylsl

    return float(pylsl.local_clock())


def close_inlet(inlet: Any) -> None:
    """Close a pylsl inlet; closing one whose stream is already gone is not an error."""
    if inlet is None:
        return
    try:
        inlet.close_stream()
    except Exception:  # noqa: BLE001 - liblsl raises various errors for a dead stream
        pass
