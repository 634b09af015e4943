"""Write a simulated recording as one of our session folders plus ``truth.csv``."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..errors import UsageError, setting
from ..recording import Recorder
from ..sources.base import Chunk
from .generator import Generator
from .source_info import simulator_info
from .truth import Truth, make_truth, write_truth_csv

log = logging.getLogger(__name__)

TRUTH_NAME = "truth.csv"


def simulate_session(
    out_dir: str | Path,
    scenario: str = "annealing-cycle",
    duration_s: float = 270.0,
    seed: int = 0,
    montage: str = "default",
    sfreq: float = 250.0,
) -> tuple[Path, Truth]:
    """Simulate ``duration_s`` seconds of ``scenario`` into the session folder ``out_dir``.

    The folder gets what :class:`~neurofeedback.recording.Recorder` writes (``raw.csv``,
    ``session.json``, ``markers.csv`` with the true phase changes, ``raw.fif``) and
    ``truth.csv``.

    Returns
    -------
    path : Path
        The session folder.
    truth : Truth
        The ground truth written to ``truth.csv``.
    """
    if duration_s is None:
        raise UsageError(f"the simulation needs {setting('duration_s', '--duration')} in seconds")
    gen = Generator(scenario, seed=seed, montage=montage, sfreq=sfreq, duration_s=duration_s)
    out = Path(out_dir).expanduser()
    info = simulator_info(gen)
    rec = Recorder.create(
        out.parent if str(out.parent) else ".",
        info,
        extra_meta={"simulation": {"scenario": scenario, "seed": int(seed), "montage": montage,
                                   "duration_s": float(duration_s), "truth": TRUTH_NAME}},
        folder=out,
    )
    n_total = int(round(float(duration_s) * gen.sfreq))
    arts = []
    ok = False
    try:
        step = int(gen.sfreq) * 10
        done = 0
        while done < n_total:
            n = min(step, n_total - done)
            data, art = gen.generate(n)
            arts.append(art)
            ts = (done + np.arange(n)) / gen.sfreq
            rec.write(Chunk(data=data, timestamps=ts))
            done += n
        truth = make_truth(gen.schedule, np.concatenate(arts), gen.sfreq)
        changes = np.flatnonzero(truth.phase[1:] != truth.phase[:-1]) + 1
        for i in [0, *changes.tolist()]:
            rec.add_marker(float(truth.time_s[i]), f"truth:{truth.phase[i]}")
        ok = True
    finally:
        rec.close("complete" if ok else "error")
    write_truth_csv(rec.path / TRUTH_NAME, truth)
    log.info("simulated %s (%g s, seed %d) into %s", scenario, duration_s, seed, rec.path)
    return rec.path, truth
