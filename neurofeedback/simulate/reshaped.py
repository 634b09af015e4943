"""Real recordings reshaped: what drowsiness reads when the alpha rhythm is slower, or the
recording was low-passed.

Two questions about heads and amplifiers the validation recordings do not cover, answered by
transforming real recordings and analysing them with the real pipeline
(:func:`~neurofeedback.pipeline.pipeline.run_pipeline`, default settings):

``--scale K,...``
    Every frequency multiplied by ``k``: the same samples at ``k`` times the sample rate. The
    alpha peak moves from ``f`` to ``k f`` (a slow alpha rhythm, as in some older adults), and
    so does everything else, *including the recording's own filters*: a file low-passed at
    45 Hz is then low-passed at ``45 k`` Hz.
``--lowpass HZ,...``
    A 4th-order Butterworth low-pass applied causally (as an amplifier's analog filter acts) at
    each edge (0: none), as clinical and sleep-lab systems record (the AASM manual recommends
    0.3-35 Hz for sleep EEG). The head stays the same.

Each table row is one recording: the median over clean frames of ``drowsiness`` and of
``aperiodic_exponent``, the share of clean frames at or above ``drowsy_hold`` (drowsy: the
feedback fades), and for ``--scale`` the median ``alpha_peak_hz``.

Run ``python -m neurofeedback.simulate.reshaped FILE... [--scale 1,0.8,0.7] [--lowpass 0,35,30]``.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Sequence

import numpy as np
from scipy.signal import butter, sosfilt

from ..errors import FileFormatError, UsageError
from ..pipeline.config import PipelineConfig
from ..pipeline.pipeline import run_pipeline

log = logging.getLogger(__name__)

MODULE = "python -m neurofeedback.simulate.reshaped"
#: Butterworth order of :func:`lowpassed` (a typical amplifier's analog low-pass).
LOWPASS_ORDER = 4


def lowpassed(data: np.ndarray, sfreq: float, edge_hz: float) -> np.ndarray:
    """``data`` through a causal Butterworth low-pass of :data:`LOWPASS_ORDER` at ``edge_hz``.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        uV.
    sfreq : float
        Hz.
    edge_hz : float
        -3 dB edge, Hz; 0 returns ``data`` unchanged.

    Returns
    -------
    ndarray, shape (n_channels, n_samples)
    """
    if edge_hz == 0:
        return data
    if not 0 < edge_hz < sfreq / 2:
        raise UsageError(f"low-pass edge must be 0 or between 0 and {sfreq / 2:g} Hz (Nyquist); "
                         f"got {edge_hz:g}")
    sos = butter(LOWPASS_ORDER, edge_hz, fs=sfreq, output="sos")
    return sosfilt(sos, data, axis=1)


def summarise(data: np.ndarray, sfreq: float, ch_names: list[str],
              rail_uv: float | None = None) -> dict[str, float]:
    """Median drowsiness, exponent and alpha peak over the clean frames of one analysis.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        uV.
    sfreq : float
        Hz.
    ch_names : list of str
    rail_uv : float or None

    Returns
    -------
    dict
        ``drowsiness``, ``exponent``, ``alpha_peak_hz`` (medians, NaN without clean frames),
        ``drowsy_pct`` (% of clean frames at or above ``drowsy_hold``), ``frames`` (clean).
    """
    cfg = PipelineConfig()
    frames = [f for f in run_pipeline(data, sfreq, ch_names, cfg, rail_uv) if not f.artifact]

    def median(name: str) -> float:
        a = np.array([getattr(f, name) for f in frames], float)
        a = a[np.isfinite(a)]
        return float(np.median(a)) if a.size else math.nan

    d = np.array([f.drowsiness for f in frames], float)
    d = d[np.isfinite(d)]
    return {
        "drowsiness": median("drowsiness"),
        "exponent": median("aperiodic_exponent"),
        "alpha_peak_hz": median("alpha_peak_hz"),
        "drowsy_pct": float(100.0 * np.mean(d >= cfg.drowsy_hold)) if d.size else math.nan,
        "frames": float(len(frames)),
    }


def _cell(s: dict[str, float], peak: bool) -> str:
    text = f"{s['drowsiness']:.2f} ({s['drowsy_pct']:.0f} %), exp {s['exponent']:.2f}"
    return text + (f", alpha {s['alpha_peak_hz']:.1f} Hz" if peak else "")


def scale_table(paths: Sequence[str], ks: Sequence[float]) -> str:
    """Markdown table: per recording, :func:`summarise` with every frequency scaled by each k."""
    from ..io import load_eeg_file
    from ..io._common import fname

    lines = ["| recording | " + " | ".join(f"k = {k:g}" for k in ks) + " |",
             "|---|" + "---|" * len(ks)]
    for path in paths:
        ld = load_eeg_file(path)
        cells = [_cell(summarise(ld.data, ld.sfreq * k, list(ld.ch_names), ld.rail_uv), True)
                 for k in ks]
        lines.append(f"| {fname(path)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def lowpass_table(paths: Sequence[str], edges: Sequence[float]) -> str:
    """Markdown table: per recording, :func:`summarise` after each low-pass (0: none)."""
    from ..io import load_eeg_file
    from ..io._common import fname

    heads = [("none" if e == 0 else f"{e:g} Hz") for e in edges]
    lines = ["| recording | " + " | ".join(heads) + " |", "|---|" + "---|" * len(edges)]
    for path in paths:
        ld = load_eeg_file(path)
        cells = [_cell(summarise(lowpassed(ld.data, ld.sfreq, e), ld.sfreq, list(ld.ch_names),
                                 ld.rail_uv), False) for e in edges]
        lines.append(f"| {fname(path)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _floats(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{name} must be comma-separated numbers, e.g. 1,0.8; got {text!r}") from None
    if not values or not all(math.isfinite(v) and v >= 0 for v in values):
        raise UsageError(f"{name} must be finite numbers >= 0; got {text!r}")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog=MODULE, description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", metavar="FILE", help="EEG recordings")
    ap.add_argument("--scale", help="frequency factors k, e.g. 1,0.8,0.7")
    ap.add_argument("--lowpass", help="low-pass edges in Hz (0: none), e.g. 0,40,35,30")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(message)s")
    try:
        if not (args.scale or args.lowpass):
            raise UsageError("give --scale K,... or --lowpass HZ,... (or both)")
        if args.scale:
            ks = _floats(args.scale, "--scale")
            if 0 in ks:
                raise UsageError(f"--scale factors must be > 0; got {args.scale!r}")
            print("Median drowsiness over clean frames (% drowsy), exponent, alpha peak; every "
                  "frequency scaled by k:\n")
            print(scale_table(args.files, ks) + "\n")
        if args.lowpass:
            print("Median drowsiness over clean frames (% drowsy), exponent; after a "
                  f"{LOWPASS_ORDER}th-order Butterworth low-pass:\n")
            print(lowpass_table(args.files, _floats(args.lowpass, "--lowpass")))
    except (UsageError, FileFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
