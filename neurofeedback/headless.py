"""Headless session runner: one live status line on stderr, the recording's path at the end."""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
from typing import Any, TextIO

from .errors import UsageError
from .session import Session, SessionStats, run_until_done
from .sources.base import Source

log = logging.getLogger(__name__)

#: One letter per channel in the status line.
QUALITY_CODES = {
    "ok": ".",
    "railed": "R",
    "flat": "F",
    "line": "L",
    "amplitude": "A",
    "emg": "E",
    "blink": "B",
}
QUALITY_LEGEND = "quality per channel: . ok, R railed, F flat, L line noise, A high amplitude, E EMG, B blink"


def _fmt(x: float, spec: str = "+.2f") -> str:
    return "  -  " if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def format_status(stats: SessionStats, with_protocol: bool = True) -> str:
    """One status line: elapsed time, samples, dropped samples, source status, per-channel
    quality, energy, synchrony, phase, both scores, and (``with_protocol``) the protocol phase
    when the newest frame carries one."""
    q = "".join(QUALITY_CODES.get(c, "?") for c in stats.channel_quality) or "-"
    parts = [
        f"{stats.elapsed_s:7.1f} s",
        f"{stats.n_samples} samples",
        f"dropped {stats.dropped}",
        stats.status,
        f"q[{q}]",
    ]
    f = stats.frame
    if f is not None:
        if not f.baseline_complete:
            parts.append("baseline")
        parts += [
            f"E {_fmt(f.energy)}",
            f"S {_fmt(f.synchrony, '.2f')}",
            f"{f.phase}",
            f"med {_fmt(f.meditation_score, '.2f')}",
            f"int {_fmt(f.integration_score, '.2f')}",
        ]
        if f.artifact:
            kinds: dict[str, int] = {}
            for reason in f.artifact_reasons:
                kind = reason.split(":", 1)[0]
                kinds[kind] = kinds.get(kind, 0) + 1
            parts.append("ARTIFACT " + " ".join(f"{k}x{n}" if n > 1 else k for k, n in kinds.items()))
    snap = getattr(f, "protocol", None) if with_protocol else None
    if snap is not None and not snap.finished:
        phase = snap.current_phase
        label = getattr(phase, "label", None) or getattr(phase, "kind", "") or ""
        rate = snap.reward_rate
        reward = "" if rate is None or math.isnan(rate) else f", reward {100 * rate:3.0f} %"
        parts.append(f"[{label} {snap.time_left_s:4.0f} s left{reward}]")
    return " | ".join(parts)


class StatusPrinter:
    """Overwrites one line on a terminal; on a pipe prints a line every ``every_s`` seconds."""

    def __init__(self, stream: TextIO | None = None, every_s: float = 5.0):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.every_s = every_s
        self._last = 0.0
        self._instruction = ""
        self._width = 0

    def __call__(self, stats: SessionStats) -> None:
        snap = getattr(stats.frame, "protocol", None)
        if snap is not None:
            instr = snap.instruction or ""
            if instr and instr != self._instruction:
                self._instruction = instr
                self._newline()
                self.stream.write(f"instruction: {instr}\n")
        line = format_status(stats)
        if self.tty:
            pad = max(0, self._width - len(line))
            self.stream.write("\r" + line + " " * pad)
            self._width = len(line)
        elif time.monotonic() - self._last >= self.every_s:
            self.stream.write(line + "\n")
            self._last = time.monotonic()
        self.stream.flush()

    def _newline(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self._width = 0

    def finish(self, stats: SessionStats) -> None:
        self._newline()
        self.stream.write(format_status(stats, with_protocol=False) + "\n")
        self.stream.flush()


def has_screen() -> bool:
    """True when a graphical display is available."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def pipeline_config_from_args(args: argparse.Namespace) -> Any:
    from .pipeline.config import PipelineConfig

    cfg = PipelineConfig()
    if getattr(args, "baseline", None) is not None:
        if args.baseline <= 0:
            raise UsageError(f"--baseline must be a number of seconds > 0; got {args.baseline:g}")
        cfg = PipelineConfig(baseline=(0.0, float(args.baseline)))
    return cfg


def protocol_from_args(args: argparse.Namespace) -> Any:
    if not getattr(args, "protocol", None):
        return None
    from .protocols import load_protocol

    return load_protocol(args.protocol)


def run_headless(source: Source, args: argparse.Namespace, *, duration_s: float | None = None) -> int:
    """Run ``source`` as a headless session with the ``run``/``replay`` options in ``args``.

    Returns the exit code: 0 on a clean end, 1 when the source failed mid-session (the recording
    is kept and its path printed).
    """
    protocol = protocol_from_args(args)
    session = Session(
        source,
        record_dir=None if args.no_record else args.record_dir,
        pipeline_config=pipeline_config_from_args(args),
        protocol=protocol,
        duration_s=duration_s,
    )
    printer = StatusPrinter()
    run_until_done(session, on_tick=printer)
    printer.finish(session.stats())
    out = sys.stdout
    if session.error is not None:
        sys.stderr.write(f"error: {session.error}\n")
    elif session.end_reason:
        log.info("session ended: %s", session.end_reason)
    if session.recording_path is not None:
        out.write(f"recorded to {session.recording_path}\n")
        if protocol is not None and session.error is None:
            try:
                from .report import write_report

                report = write_report(session.recording_path)
                out.write(f"report: {report}\n")
            except Exception as exc:  # noqa: BLE001 - the recording is what matters
                sys.stderr.write(f"warning: could not write the report: {exc}\n")
    else:
        out.write("not recorded (--no-record)\n")
    out.flush()
    return 0 if session.error is None else 1
