"""External event markers from an LSL marker stream (PsychoPy, a button box, OpenViBE).

Markers arrive with the sender's LSL time stamps; the inlet applies LSL's clock-offset
correction (``proc_clocksync``), so every stamp is on this machine's LSL clock, and the session
maps that clock to stream time with the anchor it keeps for the EEG (see
:meth:`~neurofeedback.session.Session`): ``stream time = stamp - anchor``.
"""

from __future__ import annotations

import logging

from ..errors import SourceError, UsageError
from .lsl_common import close_inlet

log = logging.getLogger(__name__)


class LslMarkers:
    """An inlet on one LSL marker stream.

    Parameters
    ----------
    name : str
        The marker stream's name (``--lsl-markers NAME``).
    resolve_timeout_s : float
        How long :meth:`open` looks for it.
    """

    def __init__(self, name: str, resolve_timeout_s: float = 5.0) -> None:
        if not name or "'" in name:
            raise UsageError(f"--lsl-markers must be a stream name without quotes; got {name!r}")
        self.name = name
        self.resolve_timeout_s = float(resolve_timeout_s)
        self._inlet = None
        self.received = 0

    def open(self) -> None:
        """Find the stream and open an inlet on it (SourceError when it is not there)."""
        import pylsl  # liblsl is loaded only when LSL is used

        found = pylsl.resolve_bypred(f"name='{self.name}'", minimum=1,
                                     timeout=self.resolve_timeout_s)
        if not found:
            raise SourceError(
                f"no LSL marker stream named {self.name!r} found within "
                f"{self.resolve_timeout_s:g} s; start the sender or check --lsl-markers"
            )
        if found[0].channel_format() != pylsl.cf_string:
            log.warning("LSL marker stream %r is not a string stream; its values are written as text",
                        self.name)
        self._inlet = pylsl.StreamInlet(found[0], max_buflen=360,
                                        processing_flags=pylsl.proc_clocksync)
        self._inlet.open_stream(timeout=self.resolve_timeout_s)

    def pull(self) -> list[tuple[float, str]]:
        """Markers that arrived since the last call: (LSL time on this machine's clock, label)."""
        if self._inlet is None:
            return []
        try:
            samples, stamps = self._inlet.pull_chunk(timeout=0.0)
        except Exception as exc:  # noqa: BLE001 - a lost marker stream must not end the session
            log.warning("LSL marker stream %r: %s", self.name, exc)
            return []
        out = [(float(t), " ".join(str(v) for v in s).strip()) for s, t in zip(samples, stamps,
                                                                                 strict=False)]
        self.received += len(out)
        return out

    def close(self) -> None:
        """Close the inlet (safe to call twice)."""
        close_inlet(self._inlet)
        self._inlet = None
