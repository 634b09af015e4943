"""OSC output: every frame's feedback scores and features as Open Sound Control messages.

For Max/MSP, Pure Data, TouchDesigner, Unity, a light controller: each frame sends one message
per ``features.csv`` number, address ``/neurofeedback/<column>`` with one float argument
(``/neurofeedback/meditation_score 0.42``); values that are empty in the frame (NaN) are not
sent. Besides the numbers: ``/neurofeedback/artifact`` (int 0/1), ``/neurofeedback/phase`` (the
estimator's phase, a string) and ``/neurofeedback/marker`` (a string) for every protocol event
and user marker. A frame's messages travel together as one OSC bundle (one UDP datagram, time
tag "immediately"), so a receiver never sees half a frame; 10 bundles a second. OSC over UDP
has no delivery guarantee; a send that fails is logged once and the session goes on.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient

from ..errors import UsageError
from ..pipeline.features import FEATURE_COLUMNS, feature

log = logging.getLogger(__name__)

#: Prefix of every address.
PREFIX = "/neurofeedback/"

#: The ``features.csv`` columns sent as one float each (feature-table order).
OSC_FLOAT_COLUMNS: tuple[str, ...] = tuple(
    c for c in FEATURE_COLUMNS if feature(c).kind == "float" or feature(c).band
)
#: Every ``features.csv`` column that is a number, the 0/1 flags included (feature-table order):
#: the LSL features stream's channels.
NUMBER_COLUMNS: tuple[str, ...] = tuple(
    c for c in FEATURE_COLUMNS if feature(c).kind in ("float", "bool") or feature(c).band
)
_IS_BAND = {c: bool(feature(c).band) for c in NUMBER_COLUMNS}


def frame_numbers(frame: Any, columns: tuple[str, ...] = OSC_FLOAT_COLUMNS) -> list[float]:
    """The frame's value of each column of ``columns`` (NaN where empty; flags as 0.0/1.0), in
    order; what the OSC (:data:`OSC_FLOAT_COLUMNS`) and LSL (:data:`NUMBER_COLUMNS`) outputs send."""
    return [
        float(frame.bands.get(c, math.nan) if _IS_BAND[c] else getattr(frame, c)) for c in columns
    ]


def parse_target(text: str) -> tuple[str, int]:
    """``HOST:PORT`` -> (host, port), e.g. ``127.0.0.1:9000``.

    Raises
    ------
    UsageError
        When the text is not ``HOST:PORT`` with a port in 1..65535.
    """
    host, sep, port = str(text).rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError(
            f"--osc must be HOST:PORT with a port in 1..65535 (e.g. 127.0.0.1:9000); got {text!r}"
        )
    return host.strip("[]"), int(port)


class OscOutput:
    """Send frames to one OSC receiver over UDP.

    Parameters
    ----------
    host : str
        Receiver's address (name or IP).
    port : int
        Receiver's UDP port.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = str(host), int(port)
        try:
            self._client = SimpleUDPClient(self.host, self.port)
        except (OSError, ValueError) as exc:
            raise UsageError(
                f"--osc: cannot send to {self.host}:{self.port} ({exc}); check the host name"
            ) from None
        self.sent = 0
        self.failed = 0

    def _send(self, items: list[tuple[str, Any]]) -> None:
        """One bundle of ``(address, value)`` messages."""
        bundle = OscBundleBuilder(IMMEDIATELY)
        for address, value in items:
            msg = OscMessageBuilder(address=address)
            msg.add_arg(value)
            bundle.add_content(msg.build())
        try:
            self._client.send(bundle.build())
            self.sent += len(items)
        except OSError as exc:
            if self.failed == 0:
                log.warning("OSC to %s:%d failed (%s); the session goes on", self.host,
                            self.port, exc)
            self.failed += len(items)

    def send(self, frames: Sequence[Any], events: Iterable[Any] = ()) -> None:
        """One bundle per frame (its numbers, artifact flag and phase), then one with the
        events' labels (protocol events, user markers: an event or a plain string)."""
        for fr in frames:
            items: list[tuple[str, Any]] = [
                (PREFIX + name, v)
                for name, v in zip(OSC_FLOAT_COLUMNS, frame_numbers(fr), strict=True)
                if math.isfinite(v)
            ]
            items.append((PREFIX + "artifact", int(bool(fr.artifact))))
            items.append((PREFIX + "phase", str(fr.phase)))
            self._send(items)
        labels = [(PREFIX + "marker", str(getattr(ev, "label", ev))) for ev in events]
        if labels:
            self._send(labels)

    def close(self) -> None:
        """Nothing to flush (UDP); logs how many messages went out."""
        log.info("OSC: %d messages sent to %s:%d (%d failed)", self.sent, self.host, self.port,
                 self.failed)
