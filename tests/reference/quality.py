"""Reference definition of the per-channel quality checks of one window.

The pipeline runs them with :class:`neurofeedback.pipeline.batch.BatchQuality` (a compiled
kernel over a batch of windows); these NumPy functions state the same rules, window by window,
as :class:`neurofeedback.pipeline.quality.QualityChecker` describes them, and take their
thresholds, smoothing lengths and local-EMG high-pass from a ``QualityChecker``. The local-EMG
high-pass runs through :func:`scipy.signal.sosfilt` here (an implementation independent of the
pipeline's).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import sosfilt

from neurofeedback.pipeline.quality import PRIORITY, QualityChecker, quality_masks


def check(
    qc: QualityChecker,
    raw: np.ndarray,
    x: np.ndarray,
    psd: np.ndarray,
    raw_psd: np.ndarray,
    freqs: np.ndarray,
    mains_hz: float | None,
    notched: bool = False,
) -> list[str]:
    """Reason per channel (``"ok"`` or the first reason of ``PRIORITY`` that applies).

    Parameters
    ----------
    qc : QualityChecker
        Thresholds, frontal channels, rail level and filters.
    raw : ndarray, shape (n_channels, n_times)
        Unfiltered window, uV.
    x : ndarray, shape (n_channels, n_times)
        Filtered window, uV.
    psd, raw_psd : ndarray, shape (n_channels, n_freqs)
        Welch PSD of the filtered and of the raw window, uV^2/Hz.
    freqs : ndarray, shape (n_freqs,)
        Bin frequencies, Hz.
    mains_hz : float or None
        Mains frequency; None checks both 50 and 60 Hz.
    notched : bool
        True when a notch at ``mains_hz`` is applied to the filtered signal.

    Returns
    -------
    list of str, length n_channels
    """
    cfg = qc.cfg
    n_ch = raw.shape[0]
    ptp_raw = raw.max(axis=1) - raw.min(axis=1)
    if qc.rail_uv is not None:
        at_rail = (np.abs(raw) >= 0.99 * qc.rail_uv).mean(axis=1) >= cfg.rail_fraction
    else:
        at_rail = np.zeros(n_ch, dtype=bool)
    amax = np.abs(x).max(axis=1)
    settling = (amax > cfg.amplitude_uv) & (amax > 2.0 * ptp_raw)
    railed = at_rail | (ptp_raw == 0) | settling
    flat = x.std(axis=1) < cfg.flat_uv

    broad, high_mask, line_masks = quality_masks(freqs, mains_hz)
    raw_broad = raw_psd[:, broad].sum(axis=1)
    line_pow = np.zeros(n_ch)
    for m in line_masks:
        if m.any():
            line_pow = np.maximum(line_pow, raw_psd[:, m].sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(raw_broad > 0, line_pow / raw_broad, 0.0)
        line = ratio > cfg.line_ratio
        if notched:  # against the live (not railed) channels only
            live = ratio[~railed]
            line &= ratio > 20.0 * (np.median(live) if live.size else 0.0)

    df = freqs[1] - freqs[0]
    total = psd[:, broad].sum(axis=1) * df
    high = psd[:, high_mask].sum(axis=1) * df
    with np.errstate(divide="ignore", invalid="ignore"):
        emg = (high > cfg.emg_share * total) & (high > cfg.emg_min_uv2)
    emg |= local_emg(qc, x)
    amplitude = amax > cfg.amplitude_uv
    blink = np.zeros(n_ch, dtype=bool)
    if qc.frontal.any():
        defl = slow_deflection(qc, raw)
        ref = ~qc.frontal & ~railed
        floor = cfg.blink_dominance * np.median(defl[ref]) if ref.any() else 0.0
        f = qc.frontal
        filt = slow_deflection(qc, x[f])
        blink[f] = (
            (defl[f] > cfg.blink_uv) & (filt > cfg.blink_uv) & (defl[f] > floor)
            & (np.minimum(defl[f], filt) > cfg.blink_hf_ratio * np.sqrt(high[f]))
        )

    flags = {"railed": railed, "flat": flat, "line": line, "blink": blink, "emg": emg,
             "amplitude": amplitude}
    # the first reason in priority order wins (bad before artifact)
    # the window kernel's checks (gaze and relative EMG are decided after it, in the pipeline)
    return [next((r for r in PRIORITY if r in flags and flags[r][i]), "ok") for i in range(n_ch)]


def slow_deflection(qc: QualityChecker, raw: np.ndarray) -> np.ndarray:
    """Peak-to-peak of the slow part of each channel, uV.

    Least-squares line removed, then moving averages of ``qc.smooth_lengths(n)`` samples
    (0.1 s, then 0.05 s), computed from running sums.

    Parameters
    ----------
    qc : QualityChecker
    raw : ndarray, shape (n_channels, n_times)
        Window, uV.

    Returns
    -------
    ndarray, shape (n_channels,)
    """
    n = raw.shape[1]
    t = np.arange(n) - (n - 1) / 2.0
    r = raw - raw.mean(axis=1, keepdims=True)
    r = r - np.outer(r @ t / float(t @ t), t)
    k1, k2 = qc.smooth_lengths(n)
    c = np.cumsum(r, axis=1)
    c2 = np.cumsum(c[:, k1:] - c[:, :-k1], axis=1)  # running total of the k1-sample sums
    s2 = c2[:, k2:] - c2[:, :-k2]  # sums of k2 consecutive k1-sample sums
    return np.ptp(s2, axis=1) / float(k1 * k2)


def local_emg(qc: QualityChecker, x: np.ndarray) -> np.ndarray:
    """True per channel when a short stretch of the window is dominated by 20-45 Hz power.

    The window is high-passed by ``qc.emg_sos`` from zero state; after ``qc.emg_skip``
    samples, stretches of ``qc.emg_len`` samples every ``qc.emg_step`` are tested: high-passed
    power above ``emg_local_share`` of the stretch's power and above ``emg_local_min_uv2``.

    Parameters
    ----------
    qc : QualityChecker
    x : ndarray, shape (n_channels, n_times)
        Filtered window, uV.

    Returns
    -------
    ndarray of bool, shape (n_channels,)
    """
    cfg = qc.cfg
    h = sosfilt(qc.emg_sos, x, axis=1)[:, qc.emg_skip :]
    xs = x[:, qc.emg_skip :]
    L = qc.emg_len
    if xs.shape[1] <= L:
        return np.zeros(x.shape[0], dtype=bool)
    ch = np.cumsum(h**2, axis=1)
    cx = np.cumsum(xs**2, axis=1)
    hp = (ch[:, L:] - ch[:, :-L])[:, :: qc.emg_step] / L
    tot = (cx[:, L:] - cx[:, :-L])[:, :: qc.emg_step] / L
    with np.errstate(divide="ignore", invalid="ignore"):
        hit = (hp > cfg.emg_local_share * tot) & (hp > cfg.emg_local_min_uv2)
    return hit.any(axis=1)
