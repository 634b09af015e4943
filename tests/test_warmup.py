"""A fresh install compiles every kernel a session needs before the session's source starts,
so the first session's feedback does not lag the head by the compile time."""

from __future__ import annotations

import os
import subprocess
import sys

from _data import OPENBCI_TXT

from neurofeedback.pipeline import COMPILE_NOTE
from neurofeedback.pipeline.warmup import warmup_data


def test_warmup_data_has_its_blink():
    x = warmup_data()
    assert x.shape == (8, 3000)
    assert x[:2, 1750].min() > 150 and abs(x[2:, 1750]).max() < 100  # Fp1/Fp2 at 7 s only


def test_fresh_cache_is_filled_before_the_session_and_nothing_compiles_after(tmp_path):
    def env(cache):
        return {**os.environ, "NUMBA_CACHE_DIR": str(cache), "XDG_DATA_HOME": str(tmp_path / "d")}

    def run(cache, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], env=env(cache), capture_output=True,
                              text=True, timeout=900)

    def listing(cache) -> list[str]:  # our kernels (the cache holds other packages' too)
        return sorted(p.name for p in cache.rglob("*.nbi") if p.parent.name.startswith("pipeline_"))

    def session(cache, seconds: int) -> subprocess.CompletedProcess:
        return run(cache, "-m", "neurofeedback", "run", "--board", "simulated", "--protocol",
                   "quick-demo", "--duration", str(seconds), "--sim-speed", "10", "--headless")

    cache = tmp_path / "cache"
    # a live session on a fresh cache (a fresh install), stopped at 3 s (long before its
    # baseline completes): it already holds every kernel, so build_session compiled them
    # before the source started, and said so
    r = session(cache, 3)
    assert r.returncode == 0, r.stderr
    assert COMPILE_NOTE in r.stderr
    kernels = listing(cache)
    assert len(kernels) >= 20
    r = run(cache, "-c", "from neurofeedback.pipeline.warmup import compile_kernels as k; print(k())")
    assert r.stdout.strip() == "False"  # nothing left to compile
    # a whole protocol session (baseline, then training) and an analysis of a real recording
    # with blinks and jaw clenches compile nothing more, and print no note
    r = session(cache, 40)
    assert r.returncode == 0 and COMPILE_NOTE not in r.stderr
    r = run(cache, "-m", "neurofeedback", "analyze", str(OPENBCI_TXT), "--out", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr
    assert listing(cache) == kernels
