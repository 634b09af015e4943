"""Headless session runner: one live status line on stderr, the recording's path at the end."""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import signal
import sys
import threading
import time
from typing import TextIO

from .app import (
    EYE_TEXT,
    SessionSpec,
    build_session,
    drowsy_reward,
    fed_back_score,
    feedback_value,
    finish_session,
)
from .pipeline import COMPILE_NOTE, kernels_compiled
from .pipeline.quality import REASONS
from .session import SessionStats, run_until_done

log = logging.getLogger(__name__)

#: How often the live status line is refreshed on a terminal, seconds (the pipeline's hop).
STATUS_TICK_S = 0.1

#: One letter per channel in the status line, for every reason of the pipeline's vocabulary
#: (:data:`neurofeedback.pipeline.quality.REASONS`): ``.`` for ok, else the reason's initial
#: (R railed, F flat, L line, B blink, E emg, A amplitude, G gaze).
QUALITY_CODES: dict[str, str] = {r: "." if r == "ok" else r[0].upper() for r in REASONS}


def _fmt(x: float, spec: str = "+.2f") -> str:
    return "  -  " if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def format_status(stats: SessionStats, with_protocol: bool = True) -> str:
    """One status line: elapsed time, samples, dropped samples, source status, per-channel
    quality, energy, synchrony, phase, both pipeline scores, the score a protocol rewards (when
    the newest frame carries a protocol that names one, e.g. ``alpha-theta 0.62``), and
    (``with_protocol``) the protocol phase."""
    q = "".join(QUALITY_CODES.get(c, "?") for c in stats.channel_quality) or "-"
    parts = [
        f"{stats.elapsed_s:7.1f} s",
        f"{stats.n_samples} samples",
        f"dropped {stats.dropped}",
        stats.status,
        f"q[{q}]",
    ]
    if math.isfinite(stats.latency_p95_ms):
        parts.append(f"lat {stats.latency_p95_ms:.0f} ms")
    f = stats.frame
    response = stats.response_s.get(fed_back_score(f)) if stats.response_s else None
    if response is not None and math.isfinite(response):  # configured, of the fed-back score
        parts.append(f"resp {response:.1f} s")
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
        if getattr(getattr(f, "protocol", None), "score", None):
            name = fed_back_score(f)
            parts.append(f"{name} {_fmt(feedback_value(f, name), '.2f')}")
        if f.phase == "drowsy":
            parts.append(f"DROWSY {_fmt(f.drowsiness, '.2f')} ({drowsy_reward(f)})")
        if getattr(f, "eye_artifact", False) and not f.artifact:
            parts.append(EYE_TEXT)
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


def fit_width(line: str, width: int) -> str:
    """``line`` shortened to ``width`` characters: first without the per-channel quality map
    (``q[...]``), then cut with an ellipsis. A line that fits is returned unchanged."""
    if len(line) <= width:
        return line
    parts = [p for p in line.split(" | ") if not p.startswith("q[")]
    line = " | ".join(parts)
    return line if len(line) <= width else line[: max(0, width - 1)] + "\u2026"


class StatusPrinter:
    """Overwrites one line on a terminal (fitted to its width, so it never wraps and leaves a
    trail); on a pipe prints a line every ``every_s`` seconds."""

    def __init__(self, stream: TextIO | None = None, every_s: float = 5.0):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.every_s = every_s
        self._last = 0.0
        self._instruction = ""
        self._width = 0

    def __call__(self, stats: SessionStats) -> bool:
        """Show ``stats``; returns True when a line was written (False between the lines
        printed on a pipe)."""
        snap = getattr(stats.frame, "protocol", None)
        if snap is not None:
            instr = snap.instruction or ""
            if instr and instr != self._instruction:
                self._instruction = instr
                self._newline()
                self.stream.write(f"instruction: {instr}\n")
        line = format_status(stats)
        if self.tty:
            line = fit_width(line, shutil.get_terminal_size((100, 24)).columns - 1)
            pad = max(0, self._width - len(line))
            self.stream.write("\r" + line + " " * pad)
            self._width = len(line)
        elif time.monotonic() - self._last >= self.every_s:
            self.stream.write(line + "\n")
            self._last = time.monotonic()
        else:
            return False
        self.stream.flush()
        return True

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


def run_headless(spec: SessionSpec, as_json: bool = False) -> int:
    """Run the session ``spec`` describes with a status line on stderr, then end it (stop, save,
    then report: :func:`~neurofeedback.app.finish_session`).

    Returns the exit code: 0 on a clean end, 1 when the source failed mid-session (the recording
    is kept and its path printed). With ``as_json`` the end is one JSON object on stdout
    (``recording``, ``report``, ``samples``, ``dropped``, ``duration_s``, ``end_reason``,
    ``error``, ``exit_code``) instead of the lines.

    Raises
    ------
    NeurofeedbackError
        The spec is invalid or the source cannot start (nothing is recorded then).
    """
    if not kernels_compiled():
        sys.stderr.write(COMPILE_NOTE + "\n")
    session = build_session(spec)
    if spec.record and not as_json:  # say where the recording goes before the first status line
        sys.stdout.write(f"recording into {spec.record_folder or spec.record_dir}\n")
    printer = StatusPrinter()
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main_thread else None
    try:
        # returns once the session has stopped; the line follows every frame (0.1-s hop)
        run_until_done(session, on_tick=printer, tick_s=STATUS_TICK_S)
        result = finish_session(session)  # saves (idempotent stop), then writes the report
    finally:  # after a Ctrl-C, run_until_done ignored further ones until the end was saved
        if main_thread and previous is not None:
            signal.signal(signal.SIGINT, previous)
    printer.finish(session.stats("status", whole_session=True))  # latency: the session's p95
    out = sys.stdout
    if result.stop_error is not None:
        sys.stderr.write(f"error: stopping the session: {result.stop_error}\n")
    if session.error is not None:
        sys.stderr.write(f"error: {session.error}\n")
    elif session.end_reason:
        log.info("session ended: %s", session.end_reason)
    code = 0 if session.error is None and result.stop_error is None else 1
    if as_json:
        stats = session.stats()
        out.write(json.dumps({
            "recording": None if session.recording_path is None else str(session.recording_path),
            "report": None if result.report is None else str(result.report),
            "samples": int(stats.n_samples), "dropped": int(stats.dropped),
            "duration_s": float(stats.elapsed_s), "end_reason": session.end_reason or "",
            "error": None if session.error is None else str(session.error),
            "exit_code": code,
        }) + "\n")
        out.flush()
        return code
    if session.recording_path is not None:
        out.write(f"recorded to {session.recording_path}\n")
        if result.report is not None:
            out.write(f"report: {result.report}\n")
        elif result.report_error is not None:
            sys.stderr.write(f"warning: could not write the report: {result.report_error}\n")
    else:
        out.write("not recorded (--no-record)\n")
    out.flush()
    return code
