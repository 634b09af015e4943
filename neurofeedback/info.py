"""What ``neurofeedback info`` reports about a file: format, channels, rate, duration, and a
per-channel quality summary.

Quality math (kept simple on purpose; the live quality detector lives in the pipeline):

- The signal is high-passed at 1 Hz with a causal 2nd-order Butterworth filter whose state
  starts at the first sample's value (so a DC offset of e.g. 60 mV causes no start-up step).
- ``rms_uv``: root mean square of the high-passed signal, in microvolts.
- ``railed_pct``: % of raw samples with ``|x| >= 0.99 * rail`` (only when the board's rail is
  known, e.g. 187500 uV on a Cyton).
- ``flat_pct``: % of 1-second windows of the high-passed signal whose standard deviation is
  below 0.5 uV (a disconnected or shorted input).
- ``line_ratio``: Welch power (2-s Hann windows) within +-1 Hz of 50 Hz or 60 Hz, whichever is
  larger, divided by the power from 1 to 40 Hz. NaN when the sample rate cannot show 50 Hz.
- ``verdict``: ``railed`` if railed_pct > 10; else ``flat`` if flat_pct > 50; else ``noisy`` if
  line_ratio > 0.5 or rms_uv > 200; else ``ok``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import signal

from .io.loaded import LoadedFile

HIGHPASS_HZ = 1.0
FLAT_STD_UV = 0.5
RAIL_FRACTION = 0.99
RAILED_PCT_BAD = 10.0
FLAT_PCT_BAD = 50.0
LINE_RATIO_BAD = 0.5
RMS_BAD_UV = 200.0


def highpass(data: np.ndarray, sfreq: float, cutoff: float = HIGHPASS_HZ) -> np.ndarray:
    """Causal 2nd-order Butterworth high-pass, state initialised at the first sample.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples), microvolts
    sfreq : float, Hz
    cutoff : float, Hz

    Returns
    -------
    ndarray, shape (n_channels, n_samples), microvolts
    """
    sos = signal.butter(2, cutoff, btype="highpass", fs=sfreq, output="sos")
    if data.shape[1] == 0:
        return data.copy()
    # sosfilt_zi: (n_sections, 2) steady state for a unit step; scale by each channel's first value
    zi = signal.sosfilt_zi(sos)[:, None, :] * data[:, 0][None, :, None]
    out, _ = signal.sosfilt(sos, data, axis=-1, zi=zi)
    return out


def channel_quality(x: np.ndarray, sfreq: float, rail_uv: float | None) -> dict[str, Any]:
    """Quality numbers of one channel (see module docstring).

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        Raw signal in microvolts.
    sfreq : float
    rail_uv : float or None

    Returns
    -------
    dict with rms_uv, railed_pct, flat_pct, line_ratio, verdict
    """
    hp = highpass(x[None, :], sfreq)[0]
    rms = float(np.sqrt(np.mean(hp**2))) if hp.size else float("nan")
    railed = float(100.0 * np.mean(np.abs(x) >= RAIL_FRACTION * rail_uv)) if rail_uv and x.size else 0.0
    win = max(int(round(sfreq)), 1)
    n_win = hp.size // win
    if n_win:
        stds = hp[: n_win * win].reshape(n_win, win).std(axis=1)
        flat = float(100.0 * np.mean(stds < FLAT_STD_UV))
    else:
        flat = float(100.0 * (hp.std() < FLAT_STD_UV)) if hp.size else 100.0
    line = float("nan")
    if sfreq / 2 > 51 and hp.size >= int(2 * sfreq):
        f, p = signal.welch(hp, fs=sfreq, nperseg=int(2 * sfreq))
        df = f[1] - f[0]
        band = p[(f >= 1) & (f <= 40)].sum() * df
        mains = []
        for fl in (50.0, 60.0):
            if sfreq / 2 > fl + 1:
                mains.append(p[(f >= fl - 1) & (f <= fl + 1)].sum() * df)
        if band > 0 and mains:
            line = float(max(mains) / band)
    if railed > RAILED_PCT_BAD:
        verdict = "railed"
    elif flat > FLAT_PCT_BAD:
        verdict = "flat"
    elif (not math.isnan(line) and line > LINE_RATIO_BAD) or rms > RMS_BAD_UV:
        verdict = "noisy"
    else:
        verdict = "ok"
    return {"rms_uv": rms, "railed_pct": railed, "flat_pct": flat, "line_ratio": line, "verdict": verdict}


def describe(loaded: LoadedFile) -> dict[str, Any]:
    """Summary of a loaded file, JSON-serialisable.

    Returns
    -------
    dict
        path, format, board, board_id, channels (list), n_channels, sfreq, duration_s,
        n_samples, dropped_samples, markers (count), rail_uv, quality (one dict per channel
        with name plus the keys of :func:`channel_quality`).
    """
    quality = []
    for name, x in zip(loaded.ch_names, loaded.data, strict=True):
        q = channel_quality(np.asarray(x, dtype=np.float64), loaded.sfreq, loaded.rail_uv)
        quality.append({"channel": name, **q})
    return {
        "path": loaded.path,
        "format": loaded.format,
        "board": loaded.board_name or "unknown",
        "board_id": loaded.board_id,
        "channels": list(loaded.ch_names),
        "n_channels": len(loaded.ch_names),
        "sfreq": float(loaded.sfreq),
        "duration_s": float(loaded.duration_s),
        "n_samples": int(loaded.n_samples),
        "dropped_samples": int(loaded.dropped_samples),
        "markers": len(loaded.markers),
        "rail_uv": loaded.rail_uv,
        "quality": quality,
    }


def _num(v: float, fmt: str) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


def format_info(d: dict[str, Any]) -> str:
    """Human-readable text of :func:`describe`'s dict."""
    lines = [
        f"file:      {d['path']}",
        f"format:    {d['format']}",
        f"board:     {d['board']}" + (f" (BrainFlow id {d['board_id']})" if d.get("board_id") is not None else ""),
        f"channels:  {d['n_channels']}: {', '.join(d['channels'])}",
        f"rate:      {d['sfreq']:g} Hz",
        f"duration:  {d['duration_s']:.2f} s ({d['n_samples']} samples)",
        f"dropped:   {d['dropped_samples']} samples",
        f"markers:   {d['markers']}",
        "",
        "quality (after a 1 Hz causal high-pass):",
        f"  {'channel':<10} {'RMS uV':>9} {'railed %':>9} {'flat %':>7} {'line ratio':>11}  verdict",
    ]
    for q in d["quality"]:
        lines.append(
            f"  {q['channel']:<10} {_num(q['rms_uv'], '9.1f'):>9} {_num(q['railed_pct'], '.1f'):>9} "
            f"{_num(q['flat_pct'], '.1f'):>7} {_num(q['line_ratio'], '.3g'):>11}  {q['verdict']}"
        )
    return "\n".join(lines)
