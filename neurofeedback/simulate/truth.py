"""Ground truth of a simulated recording at 10 Hz: ``truth.csv``.

Columns: ``time_s, energy, synchrony, phase, artifact, temperature, drowsiness`` (the last two
were added later, at the end so that older readers keep working; reading an older file gives NaN
for them). ``time_s`` = k * 0.1 s, k = 0 .. n_samples / (0.1 sfreq), the same clock as
:attr:`FeatureFrame.time_s` (samples received so far divided by the sample rate); ``energy``,
``synchrony``, ``temperature`` and ``drowsiness`` are the generator's parameters at that instant
(see :mod:`neurofeedback.simulate.scenarios`); ``phase`` the scenario's phase label;
``artifact`` is 1 when a blink or EMG burst is present in one of the 0.1 s of samples before
``time_s`` (a railed channel is a bad channel, not an artifact, and is not marked).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .scenarios import Schedule

TRUTH_COLUMNS = ("time_s", "energy", "synchrony", "phase", "artifact", "temperature", "drowsiness")
TRUTH_HOP_S = 0.1


@dataclass
class Truth:
    """Ground-truth table.

    Attributes
    ----------
    time_s, energy, synchrony : ndarray, shape (n_rows,)
    phase : ndarray of str, shape (n_rows,)
    artifact : ndarray of bool, shape (n_rows,)
    temperature, drowsiness : ndarray, shape (n_rows,)
        NaN when read from a file written before these columns existed.
    """

    time_s: np.ndarray
    energy: np.ndarray
    synchrony: np.ndarray
    phase: np.ndarray
    artifact: np.ndarray
    temperature: np.ndarray
    drowsiness: np.ndarray


def make_truth(schedule: Schedule, artifact_samples: np.ndarray, sfreq: float) -> Truth:
    """Ground truth at 10 Hz for a recording of ``artifact_samples.size`` samples.

    Parameters
    ----------
    schedule : Schedule
    artifact_samples : ndarray of bool, shape (n_samples,)
        Per-sample artifact presence from :meth:`Generator.generate`.
    sfreq : float
        Sample rate, Hz.
    """
    n = artifact_samples.size
    k = np.arange(int(np.floor(n / sfreq / TRUTH_HOP_S + 1e-9)) + 1)
    t = np.round(k * TRUTH_HOP_S, 6)
    p = schedule.params(t)
    hop = int(round(TRUTH_HOP_S * sfreq))
    ends = np.round(t * sfreq).astype(int)
    csum = np.concatenate([[0], np.cumsum(artifact_samples.astype(int))])
    starts = np.maximum(ends - hop, 0)
    art = (csum[np.minimum(ends, n)] - csum[starts]) > 0
    return Truth(t, p["energy"], p["synchrony"], schedule.phase(t).astype(str), art,
                 p["temperature"], p["drowsiness"])


def write_truth_csv(path: str | Path, truth: Truth) -> Path:
    """Write ``truth`` as CSV with :data:`TRUTH_COLUMNS`; returns the path."""
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(TRUTH_COLUMNS)
        for i in range(truth.time_s.size):
            w.writerow([f"{truth.time_s[i]:.1f}", f"{truth.energy[i]:.6g}",
                        f"{truth.synchrony[i]:.6g}", truth.phase[i], int(truth.artifact[i]),
                        f"{truth.temperature[i]:.6g}", f"{truth.drowsiness[i]:.6g}"])
    return path


def read_truth_csv(path: str | Path) -> Truth:
    """Read a ``truth.csv`` written by :func:`write_truth_csv` (any version: columns it lacks,
    ``temperature`` and ``drowsiness`` in older files, are read as NaN)."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))

    def col(name: str) -> np.ndarray:
        return np.array([float(r[name]) if r.get(name) not in (None, "") else np.nan
                         for r in rows])

    return Truth(
        col("time_s"),
        col("energy"),
        col("synchrony"),
        np.array([r["phase"] for r in rows]),
        np.array([r["artifact"] == "1" for r in rows]),
        col("temperature"),
        col("drowsiness"),
    )
