"""Known-null recordings: signals on which every synchrony and harmony measure should read chance.

- :func:`independent_noise`: independent aperiodic ``1/f^beta`` noise on the 19 channels of the
  10-20 set. No coupling, no oscillation: synchrony must read 0, and there are no spectral peaks
  for consonance or the golden-mean index.
- :func:`volume_conducted_source`: the same background plus ONE narrow-band 6 Hz source added to
  every channel with fixed positive gains and no lag (pure volume conduction: the channels share a
  signal, but no brain region is coupled to another). A measure that volume conduction cannot fake
  reads about 0 here and does not move when the source's power is raised (``gain_db``).

Both are deterministic for a seed: the background uses the random stream ``[seed, 0]`` and the
source ``[seed, 1]``, so :func:`volume_conducted_source` with the same seed is exactly
:func:`independent_noise` plus the source, and two gains differ only in the source's amplitude.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..errors import UsageError
from .montages import MONTAGES, positions
from .noise import ComplexOU, PinkBank

#: The 19 channels of the 10-20 set.
CHANNELS_10_20: tuple[str, ...] = MONTAGES["10-20"]
#: Defaults: length (s), sample rate (Hz), background RMS (uV) and aperiodic exponent.
DURATION_S, SFREQ, BACKGROUND_RMS_UV, EXPONENT = 240.0, 250.0, 15.0, 1.3
#: Centre frequency (Hz), bandwidth (Hz, per stage of the complex AR(1) cascade) and RMS at
#: ``gain_db = 0`` (uV, on the channel of largest gain) of the volume-conducted source.
SOURCE_HZ, SOURCE_BW_HZ, SOURCE_RMS_UV = 6.0, 0.5, 10.0
#: Position of the source (the centroid of Fz, Cz; a deep midline generator) and the length
#: (m) over which its gain falls by 1/e.
SOURCE_SITES: tuple[str, ...] = ("Fz", "Cz")
SOURCE_LENGTH_M = 0.10


class NullRecording(NamedTuple):
    """A simulated recording: ``data`` (uV, shape (n_channels, n_samples)), ``sfreq`` (Hz) and
    ``ch_names``."""

    data: np.ndarray
    sfreq: float
    ch_names: list[str]


def _check_positive(name: str, value: float, minimum: float = 0.0) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a number > {minimum:g}; got {value!r}") from None
    if not (math.isfinite(v) and v > minimum):
        raise UsageError(f"{name} must be a number > {minimum:g}; got {value!r}")
    return v


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UsageError(f"seed must be an integer >= 0; got {seed!r}")
    return int(seed)


def _n_samples(duration_s: float, sfreq: float) -> int:
    duration_s = _check_positive("duration_s", duration_s)
    sfreq = _check_positive("sfreq", sfreq)
    if sfreq < 100.0:
        raise UsageError(f"sfreq must be a number >= 100 Hz; got {sfreq!r}")
    return int(round(duration_s * sfreq))


def independent_noise(
    seed: int = 0,
    duration_s: float = DURATION_S,
    sfreq: float = SFREQ,
    rms_uv: float = BACKGROUND_RMS_UV,
    exponent: float = EXPONENT,
) -> NullRecording:
    """Independent ``1/f^exponent`` noise on the 19 channels of the 10-20 set.

    Each channel is its own :class:`~.noise.PinkBank` process (power law over 0.3-100 Hz, within
    about 0.1 dB), scaled to ``rms_uv``.

    Parameters
    ----------
    seed : int
        Random seed (>= 0); the same seed gives the same samples.
    duration_s : float
        Length, seconds.
    sfreq : float
        Sample rate, Hz (>= 100).
    rms_uv : float
        RMS of every channel, uV.
    exponent : float
        Aperiodic exponent of the power spectrum (PSD ~ ``f^-exponent``), 0 < exponent <= 3.

    Returns
    -------
    NullRecording
        ``data`` shape (19, round(duration_s * sfreq)), uV.
    """
    seed = _check_seed(seed)
    n = _n_samples(duration_s, sfreq)
    rms_uv = _check_positive("rms_uv", rms_uv)
    exponent = _check_positive("exponent", exponent)
    if exponent > 3.0:
        raise UsageError(f"exponent must be in (0, 3]; got {exponent!r}")
    n_ch = len(CHANNELS_10_20)
    bank = PinkBank(n_ch, float(sfreq), beta=exponent)
    rng = np.random.default_rng([seed, 0])
    x = bank.step(rng.standard_normal((bank.poles.size, n_ch, n)))
    x *= rms_uv / np.sqrt(np.mean(x * x, axis=1, keepdims=True))
    return NullRecording(x, float(sfreq), list(CHANNELS_10_20))


def source_gains(ch_names: tuple[str, ...] | list[str] = CHANNELS_10_20) -> np.ndarray:
    """Fixed volume-conduction gains of the 6 Hz source on each channel.

    ``exp(-d / SOURCE_LENGTH_M)`` with ``d`` the distance (m) from the centroid of
    :data:`SOURCE_SITES`, divided by its largest value: all positive (zero lag), 1 on the
    nearest channel.

    Returns
    -------
    ndarray, shape (n_channels,)
    """
    centre = positions(SOURCE_SITES).mean(axis=0)
    d = np.linalg.norm(positions(ch_names) - centre[None], axis=1)
    g = np.exp(-d / SOURCE_LENGTH_M)
    return g / g.max()


def source_waveform(seed: int, n_samples: int, sfreq: float = SFREQ) -> np.ndarray:
    """The unit-RMS narrow-band source: ``sqrt(2) Re(z(t) e^{i 2 pi 6 t})`` with ``z`` a
    :class:`~.noise.ComplexOU` process (two complex AR(1) stages, :data:`SOURCE_BW_HZ` each), so
    its spectrum is a peak at :data:`SOURCE_HZ` about 0.6 Hz wide at half power.

    Returns
    -------
    ndarray, shape (n_samples,), unit RMS in expectation
    """
    rng = np.random.default_rng([_check_seed(seed), 1])
    ou = ComplexOU(1, float(sfreq), SOURCE_BW_HZ)
    w = (rng.standard_normal((1, n_samples)) + 1j * rng.standard_normal((1, n_samples))) / math.sqrt(2)
    # run the filter in for 10 time constants so the source starts in its steady state
    n_warm = int(10 * sfreq / (2 * math.pi * SOURCE_BW_HZ))
    ou.step((rng.standard_normal((1, n_warm)) + 1j * rng.standard_normal((1, n_warm))) / math.sqrt(2))
    z = ou.step(w)[0]
    t = np.arange(n_samples) / float(sfreq)
    return math.sqrt(2.0) * np.real(z * np.exp(2j * np.pi * SOURCE_HZ * t))


def volume_conducted_source(
    seed: int = 0,
    gain_db: float = 0.0,
    duration_s: float = DURATION_S,
    sfreq: float = SFREQ,
    rms_uv: float = BACKGROUND_RMS_UV,
    exponent: float = EXPONENT,
    source_rms_uv: float = SOURCE_RMS_UV,
) -> NullRecording:
    """:func:`independent_noise` plus one zero-lag 6 Hz source on every channel.

    ``data[c] = background[c] + gains[c] * A * s(t)`` with ``gains`` from :func:`source_gains`,
    ``s`` from :func:`source_waveform` and ``A = source_rms_uv * 10^(gain_db / 20)``: raising
    ``gain_db`` by 6 multiplies the source's power by 10^0.6 = 3.98 and changes nothing else.

    Parameters
    ----------
    seed : int
        Random seed (>= 0); the background is exactly ``independent_noise(seed, ...)``.
    gain_db : float
        Source power relative to ``source_rms_uv``, dB (finite).
    duration_s, sfreq, rms_uv, exponent
        As :func:`independent_noise`.
    source_rms_uv : float
        RMS of the source at 0 dB on the channel of largest gain, uV.

    Returns
    -------
    NullRecording
        ``data`` shape (19, round(duration_s * sfreq)), uV.
    """
    try:
        gain_db = float(gain_db)
    except (TypeError, ValueError):
        raise UsageError(f"gain_db must be a finite number of dB; got {gain_db!r}") from None
    if not math.isfinite(gain_db):
        raise UsageError(f"gain_db must be a finite number of dB; got {gain_db!r}")
    source_rms_uv = _check_positive("source_rms_uv", source_rms_uv)
    bg = independent_noise(seed, duration_s, sfreq, rms_uv, exponent)
    s = source_waveform(seed, bg.data.shape[1], bg.sfreq)
    amp = source_rms_uv * 10.0 ** (gain_db / 20.0)
    data = bg.data + amp * source_gains(bg.ch_names)[:, None] * s[None, :]
    return NullRecording(data, bg.sfreq, bg.ch_names)
