"""Live EEG from any Lab Streaming Layer stream (OpenBCI GUI's LSL widget, muse-lsl, BrainVision
RDA, another copy of this application).

The stream is found by name, type and/or source id. Its channel names come from the standard
``desc/channels/channel/label`` metadata (``Ch1..ChN`` without it) and its units from ``unit``
(microvolts, millivolts or volts; anything else is taken as microvolts, with a warning). Its rate
is the stream's nominal rate; an irregular-rate stream is refused.

Network input is untrusted, so what arrives is checked chunk by chunk:

- **time stamps** stay on the LSL clock, with the sender's clock offset applied
  (``proc_clocksync``) and kept non-decreasing (``proc_monotonize``); they are recorded;
- **dropped samples** are counted from gaps in the time stamps (a gap of k nominal periods is
  k - 1 lost samples; the samples are not filled in);
- **NaN or infinite values** are repaired (the channel's last finite value) and counted;
- **a stream that vanishes** (no sample for ``stall_timeout_s``) is handled like an unplugged
  headset: the status says ``reconnecting``, the stream is looked for again (by its source id,
  else its name and type) every second, and after ``reconnect_timeout_s`` the source gives up
  (:class:`~neurofeedback.errors.SourceDisconnected`; the session closes the recording). A
  stream that comes back with a different channel count or rate is refused the same way.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from ..channels import UV_PER_UNIT
from ..errors import SourceDisconnected, SourceError, UsageError
from .base import Chunk, RowLayout, Source, SourceInfo
from .lsl_common import close_inlet, lsl_clock

log = logging.getLogger(__name__)

#: Sample rates accepted, Hz.
RATE_RANGE = (1.0, 100_000.0)


def _predicate(name: str | None, kind: str | None, source_id: str | None) -> str:
    parts = []
    for key, value in (("name", name), ("type", kind), ("source_id", source_id)):
        if value:
            if "'" in value:
                raise UsageError(f"--lsl-{key.replace('_', '-')} must not contain a quote; got {value!r}")
            parts.append(f"{key}='{value}'")
    if not parts:
        parts.append("type='EEG'")
    return " and ".join(parts)


def _labels_units(info) -> tuple[list[str], list[str]]:
    labels, units = [], []
    ch = info.desc().child("channels").child("channel")
    while not ch.empty():
        labels.append(ch.child_value("label").strip())
        units.append(ch.child_value("unit").strip().lower())
        ch = ch.next_sibling()
    return labels, units


class LslSource(Source):
    """An LSL stream as a live source.

    Parameters
    ----------
    name, kind, source_id : str or None
        What the stream must match (``--lsl-name``, ``--lsl-type``, ``--lsl-source-id``); with
        none given, the first stream of type ``EEG``.
    resolve_timeout_s : float
        How long :meth:`start` looks for the stream.
    stall_timeout_s, reconnect_timeout_s : float
        A stream silent for ``stall_timeout_s`` is looked for again; after a further
        ``reconnect_timeout_s`` the source gives up.
    """

    def __init__(
        self,
        name: str | None = None,
        kind: str | None = None,
        source_id: str | None = None,
        resolve_timeout_s: float = 5.0,
        stall_timeout_s: float = 2.0,
        reconnect_timeout_s: float = 10.0,
    ) -> None:
        self.predicate = _predicate(name, kind, source_id)
        self.resolve_timeout_s = float(resolve_timeout_s)
        self.stall_timeout_s = float(stall_timeout_s)
        self.reconnect_timeout_s = float(reconnect_timeout_s)
        self._inlet = None
        self._status = "ok"
        self._scale = np.ones(0)
        self._last = np.zeros(0)  # each channel's last finite value
        self._last_ts: float | None = None
        self._last_data = 0.0
        self.repaired = 0  # non-finite values replaced
        self.reconnects = 0
        self.info = self._resolve_info(self.resolve_timeout_s, first=True)

    # -- finding the stream ---------------------------------------------------------------
    def _find(self, predicate: str, timeout: float):
        import pylsl  # liblsl is loaded only when an LSL source is used

        found = pylsl.resolve_bypred(predicate, minimum=1, timeout=timeout)
        return found[0] if found else None

    def _resolve_info(self, timeout: float, first: bool) -> SourceInfo:
        import pylsl

        info = self._find(self.predicate, timeout)
        if info is None:
            raise SourceError(
                f"no LSL stream matching {self.predicate} found within {timeout:g} s; start the "
                "sender (OpenBCI GUI's LSL widget, muse-lsl, ...) or check --lsl-name / --lsl-type"
            )
        sfreq = float(info.nominal_srate())
        if sfreq == pylsl.IRREGULAR_RATE:
            raise SourceError(
                f"LSL stream {info.name()!r} has an irregular rate; an EEG source needs a fixed "
                "nominal rate (pick the sender's EEG stream, not its markers or features)"
            )
        if not (RATE_RANGE[0] <= sfreq <= RATE_RANGE[1]):
            raise SourceError(
                f"LSL stream {info.name()!r} declares {sfreq:g} Hz; an EEG rate must lie in "
                f"{RATE_RANGE[0]:g}-{RATE_RANGE[1]:g} Hz"
            )
        n = int(info.channel_count())
        if n < 1:
            raise SourceError(f"LSL stream {info.name()!r} has no channels")
        try:  # the channel metadata travels only with the full info, from an inlet
            full = pylsl.StreamInlet(info).info(timeout=max(1.0, timeout))
        except Exception as exc:  # noqa: BLE001 - liblsl's timeout or lost-stream errors
            raise SourceError(
                f"LSL stream {info.name()!r} did not send its description ({exc}); check the sender"
            ) from None
        labels, units = _labels_units(full)
        if len(labels) != n or not all(labels) or len(set(labels)) != n:
            if labels:
                log.warning("LSL stream %r: channel labels missing, empty or repeated; using Ch1..Ch%d",
                            info.name(), n)
            labels = [f"Ch{i}" for i in range(1, n + 1)]
        scale = []
        for u in (units if len(units) == n else [""] * n):
            if u not in UV_PER_UNIT and u:
                log.warning("LSL stream %r: unknown unit %r, taken as microvolts", info.name(), u)
            scale.append(UV_PER_UNIT.get(u, 1.0))
        if first:
            # pin the stream: a re-resolve after a dropout must find this same sender
            if info.source_id():
                self.predicate = f"source_id='{info.source_id()}'"
            self._scale = np.array(scale)[:, None]
            self._last = np.zeros(n)
        self._stream = info
        return SourceInfo(
            kind="lsl", name=info.name(), sfreq=sfreq, ch_names=tuple(labels),
            layout=RowLayout.generic(n), board_name=f"LSL {info.name()}",
            description={"lsl_type": info.type(), "lsl_source_id": info.source_id(),
                         "lsl_hostname": info.hostname()},
        )

    def _open(self) -> None:
        import pylsl

        self._inlet = pylsl.StreamInlet(
            self._stream, max_buflen=30,
            processing_flags=pylsl.proc_clocksync | pylsl.proc_monotonize,
        )
        self._inlet.open_stream(timeout=self.resolve_timeout_s)
        self._last_data = time.monotonic()

    # -- Source -----------------------------------------------------------------------------
    def start(self) -> None:
        self._open()

    def stop(self) -> None:
        close_inlet(self._inlet)
        self._inlet = None

    @property
    def status(self) -> str:
        return self._status

    def read(self) -> Chunk:
        n = self.info.n_channels
        if self._inlet is None:
            return Chunk.empty(n)
        try:
            samples, stamps = self._inlet.pull_chunk(timeout=0.0, max_samples=4096)
        except Exception as exc:  # noqa: BLE001 - liblsl reports a lost stream as an exception
            log.warning("LSL stream %r: %s", self.info.name, exc)
            samples, stamps = [], []
        now = time.monotonic()
        if not samples:
            if now - self._last_data > self.stall_timeout_s:
                self._reconnect()
            return Chunk.empty(n)
        self._last_data = now
        self._status = "ok"
        x = np.asarray(samples, dtype=float).T * self._scale  # (n, k) uV
        ts = np.asarray(stamps, dtype=float)
        bad = ~np.isfinite(x)
        if bad.any():
            self.repaired += int(bad.sum())
            for c in np.flatnonzero(bad.any(axis=1)):  # the channel's last finite value
                row = x[c]
                last = self._last[c]
                for k in range(row.size):
                    if np.isfinite(row[k]):
                        last = row[k]
                    else:
                        row[k] = last
            log.warning("LSL stream %r: %d NaN/infinite values repaired so far", self.info.name,
                        self.repaired)
        self._last = x[:, -1].copy()
        prev = self._last_ts if self._last_ts is not None else ts[0] - 1.0 / self.info.sfreq
        gaps = np.diff(np.concatenate([[prev], ts])) * self.info.sfreq
        dropped = int(np.sum(np.clip(np.round(gaps) - 1, 0, None)))
        self._last_ts = float(ts[-1])
        # the stamps are on this machine's LSL clock (clock-synced): mapped to the latency clock
        sent = ts + (time.monotonic() - lsl_clock())
        return Chunk(data=x, timestamps=ts, dropped=dropped, sent_s=sent)

    def _reconnect(self) -> None:
        """Look for the stream again; give up after ``reconnect_timeout_s``."""
        self._status = "reconnecting"
        log.warning("LSL stream %r sent nothing for %.1f s; looking for it again", self.info.name,
                    self.stall_timeout_s)
        self.stop()
        deadline = time.monotonic() + self.reconnect_timeout_s
        while time.monotonic() < deadline:
            info = self._find(self.predicate, 1.0)
            if info is None:
                continue
            if (int(info.channel_count()) != self.info.n_channels
                    or float(info.nominal_srate()) != self.info.sfreq):
                raise SourceDisconnected(
                    f"LSL stream {self.info.name!r} came back with {info.channel_count()} channels "
                    f"at {info.nominal_srate():g} Hz instead of {self.info.n_channels} at "
                    f"{self.info.sfreq:g} Hz; start a new session for it"
                )
            self._stream = info
            self._open()
            self.reconnects += 1
            self._status = "ok"
            log.info("LSL stream %r is back", self.info.name)
            return
        raise SourceDisconnected(
            f"LSL stream {self.info.name!r} vanished and did not come back within "
            f"{self.reconnect_timeout_s:g} s; the recording was closed"
        )
