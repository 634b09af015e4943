"""TEMPORARY (lead's placeholder until the helper's module lands)."""
from __future__ import annotations

import numpy as np

FIT_RANGE_HZ = (2.0, 35.0)


def _wls(x, y, w):
    sw = w.sum(-1)
    sx = (w * x).sum(-1)
    sy = (w * y).sum(-1)
    sxx = (w * x * x).sum(-1)
    sxy = (w * x * y).sum(-1)
    den = sw * sxx - sx * sx
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (sw * sxy - sx * sy) / den
        icpt = (sy - slope * sx) / sw
    return icpt, slope


def fit_aperiodic(freqs, psd, fmin=2.0, fmax=35.0):
    m = (freqs >= fmin) & (freqs <= fmax)
    x = np.log10(freqs[m])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log10(psd[..., m])
    ok = np.isfinite(y)
    y = np.where(ok, y, 0.0)
    w = ok.astype(float)
    b, a = _wls(x, y, w)
    r = y - (b[..., None] + a[..., None] * x)
    w2 = w * (r <= 0)
    b, a = _wls(x, y, w2)
    r = y - (b[..., None] + a[..., None] * x)
    sd = 1.4826 * np.median(np.abs(np.where(w2 > 0, r, np.nan)), axis=-1) if False else np.nanstd(np.where(w2 > 0, r, np.nan), axis=-1)
    peak = r > 2 * sd[..., None]
    w3 = w * ~peak
    b, a = _wls(x, y, w3)
    bad = ok.sum(-1) < 4
    b = np.where(bad, np.nan, b)
    a = np.where(bad, np.nan, a)
    return b, -a


def aperiodic_model(freqs, offset, exponent):
    with np.errstate(divide="ignore"):
        return 10 ** (offset[..., None] - exponent[..., None] * np.log10(freqs))


def periodic_ratio_db(freqs, psd, offset, exponent, band=(4.0, 30.0)):
    m = (freqs >= band[0]) & (freqs < band[1])
    ap = aperiodic_model(freqs[m], offset, exponent)
    return 10 * np.log10(psd[..., m].sum(-1) / ap.sum(-1))
