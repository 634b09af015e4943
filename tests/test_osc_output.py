"""OSC output (--osc): a real UDP receiver on this machine gets every frame's numbers."""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from _data import EEGMMIDB_EDF
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer

from neurofeedback.cli import main
from neurofeedback.errors import UsageError
from neurofeedback.outputs.osc import OSC_FLOAT_COLUMNS, PREFIX, OscOutput, parse_target
from neurofeedback.pipeline.pipeline import run_pipeline


class Receiver:
    """An OSC server on 127.0.0.1 (ephemeral port) that keeps every message in order."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, tuple]] = []
        disp = Dispatcher()
        disp.set_default_handler(lambda addr, *args: self.messages.append((addr, args)))
        self.server = ThreadingOSCUDPServer(("127.0.0.1", 0), disp)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def values(self, column: str) -> list:
        return [a[0] for addr, a in self.messages if addr == PREFIX + column]

    def wait_for(self, n: int, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while len(self.messages) < n and time.monotonic() < end:
            time.sleep(0.05)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_parse_target():
    assert parse_target("127.0.0.1:9000") == ("127.0.0.1", 9000)
    assert parse_target("[::1]:57120") == ("::1", 57120)
    for bad in ("9000", "host:", "host:0", "host:70000", "host:port"):
        with pytest.raises(UsageError, match="--osc must be HOST:PORT"):
            parse_target(bad)


def test_every_frame_number_arrives_as_one_float(receiver):
    rng = np.random.default_rng(0)
    names = ["Fz", "Cz", "Pz", "O1", "O2", "C3", "C4", "P3"]
    frames = run_pipeline(10 * rng.standard_normal((8, 250 * 12)), 250.0, names)[:20]
    out = OscOutput("127.0.0.1", receiver.port)
    out.send(frames, [type("Ev", (), {"label": "phase:training"})()])
    expect = sum(
        sum(1 for c in OSC_FLOAT_COLUMNS
            if math.isfinite(f.bands.get(c, math.nan) if c in f.bands else getattr(f, c)))
        + 2 for f in frames) + 1
    receiver.wait_for(expect)
    assert out.failed == 0 and out.sent == expect
    assert len(receiver.messages) == expect  # nothing lost on this machine, nothing extra
    got = receiver.values("energy_db")
    want = [f.energy_db for f in frames if math.isfinite(f.energy_db)]
    np.testing.assert_allclose(got, want, rtol=1e-6)  # OSC floats are 32-bit
    assert receiver.values("alpha") == pytest.approx([f.bands["alpha"] for f in frames], rel=1e-6)
    assert receiver.values("phase") == [f.phase for f in frames]
    assert receiver.values("artifact") == [int(f.artifact) for f in frames]
    assert receiver.values("marker") == ["phase:training"]
    # NaN values are not sent: the baseline is not complete, so no z-scored energy yet
    assert receiver.values("energy") == []


def test_replay_sends_frames_over_osc(receiver, tmp_path: Path):
    rc = main(["replay", str(EEGMMIDB_EDF[(2, 2)]), "--speed", "0", "--duration", "8", "--headless",
               "--no-record", "--osc", f"127.0.0.1:{receiver.port}"])
    assert rc == 0
    receiver.wait_for(1)
    time.sleep(0.3)
    scores = receiver.values("meditation_score")
    assert len(scores) >= 55  # a frame every 0.1 s from 2 s to 8 s
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_bad_osc_target_is_one_error_line(capsys):
    rc = main(["replay", str(EEGMMIDB_EDF[(2, 2)]), "--headless", "--no-record", "--osc", "nowhere"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("error: --osc must be HOST:PORT")
