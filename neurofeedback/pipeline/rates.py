"""What a sample rate can carry: the pipeline's fixed bands adapted, user-requested bands checked.

A sampled signal holds frequencies up to Nyquist (``sfreq / 2``), but the top of that range is
not the brain's: the anti-aliasing filter of the amplifier (or of the program that resampled
the file) rolls off there, and a causal low-pass designed close to Nyquist has little room for
its transition. The pipeline therefore analyses at most ``MAX_SHARE x sfreq`` (0.45 x sfreq,
i.e. 90 % of Nyquist): 45 Hz at 100 Hz, 57.6 Hz at 128 Hz, 22.5 Hz at 50 Hz. An upper edge at
or below that limit is carried; an edge above it is not. (The pipeline's default 1-45 Hz range
is therefore carried from 100 Hz up, the common rate of sleep-lab recordings.)

Two kinds of band are treated differently (docs/quality.md, "Sample rates"):

- **The pipeline's own fixed bands** (the low-pass, the gamma 30-45 and beta 13-30 bands, the
  20-45 Hz muscle band of the quality checks) are *adapted*: clipped to the limit, or left
  empty when nothing of them is left. Each adaptation is logged once as a warning and listed
  in :attr:`RatePlan.notes`, which the analysis summary prints.
- **Bands the user asked for** (``integration_band`` of a configuration or protocol, the
  high-pass) are *refused* with a one-line :class:`~neurofeedback.errors.UsageError` naming
  the parameter, the rate, the limit and what to do: silently measuring another band than the
  one asked for would change what a protocol rewards.

Mains at or above Nyquist (50 Hz at 100 Hz sampling) cannot be notched; the low-pass, whose
gain is zero at Nyquist, removes what is left there. That is stated the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from ..errors import UsageError
from .aperiodic import FIT_RANGE_HZ
from .config import PipelineConfig
from .features import BANDS, RHYTHM_BAND

log = logging.getLogger(__name__)

#: Highest analysed frequency as a share of the sample rate (0.9 x Nyquist).
MAX_SHARE = 0.45
#: Mains candidates (Hz) and the half-width of the notch band-stop, Hz (as
#: :class:`~.filters.FilterChain` designs it: the notch needs ``f0 + 2 < Nyquist``).
MAINS_HZ = (50.0, 60.0)
NOTCH_HALF_WIDTH_HZ = 2.0
#: The slowest rate analysed: below it the muscle check (20 Hz up, :data:`.quality.HIGH_BAND_HZ`)
#: keeps fewer than three 1-Hz bins and the beta band (13-30 Hz) little of itself.
MIN_SFREQ_HZ = 50.0

#: The aperiodic fit stops at this share of the low-pass edge: below it a 4th-order
#: Butterworth low-pass attenuates by less than 0.3 dB, so the fit sees the head's spectrum and
#: not the filter's roll-off (at the default 45 Hz: 35 Hz, the fit's own upper end).
FIT_TOP_SHARE = 0.78


def recorded_lowpass_note(lowpass_hz: float | None) -> str | None:
    """A sentence on a low-pass the recording was made (or published) with, when it reaches
    into the aperiodic fit; None when it does not, or is not known.

    The fit (:data:`.aperiodic.FIT_RANGE_HZ`, up to 35 Hz) sees the head's spectrum only below
    :data:`FIT_TOP_SHARE` of a low-pass edge, so a low-pass under ``35 / FIT_TOP_SHARE`` (about
    45 Hz) steepens the exponent: temperature reads colder and drowsiness higher than the
    head's. Measured on real recordings (docs/metrics.md, Drowsiness): a 4th-order low-pass at
    35 Hz adds 0.11-0.17 to the exponent, at 30 Hz 0.40-0.46. The pipeline does not correct for
    it (a narrower fit measures another exponent); this says so.

    Parameters
    ----------
    lowpass_hz : float or None
        The file's recorded low-pass edge, Hz (e.g. from an EDF header's prefiltering field).
    """
    if lowpass_hz is None or not lowpass_hz > 0:
        return None
    need = FIT_RANGE_HZ[1] / FIT_TOP_SHARE
    if lowpass_hz >= need - 1e-9:
        return None
    return (f"the file was low-passed at {lowpass_hz:g} Hz, inside the aperiodic fit "
            f"({FIT_RANGE_HZ[0]:g}-{FIT_RANGE_HZ[1]:g} Hz needs {need:.0f} Hz or more): the "
            "exponent reads steeper, so temperature runs colder and drowsiness higher than "
            "the head's (docs/metrics.md, Drowsiness)")


def max_hz(sfreq: float) -> float:
    """Highest frequency the pipeline analyses at ``sfreq``: ``MAX_SHARE x sfreq``, Hz."""
    return MAX_SHARE * float(sfreq)


def notchable(f0: float, sfreq: float) -> bool:
    """True when a mains notch at ``f0`` Hz fits below Nyquist at ``sfreq`` Hz."""
    return f0 + NOTCH_HALF_WIDTH_HZ < sfreq / 2.0


@dataclass(frozen=True)
class RatePlan:
    """The pipeline's settings at one sample rate.

    Attributes
    ----------
    sfreq : float
        Sample rate, Hz.
    max_hz : float
        Highest analysed frequency, Hz (``MAX_SHARE x sfreq``).
    config : PipelineConfig
        The configuration to run: the one given, or a copy with the low-pass clipped and a
        notch that cannot be applied removed.
    bands : dict of str to (float, float)
        The spectral bands (names and order of :data:`.features.BANDS`), each ``(lo, hi)`` Hz
        with ``hi`` clipped to ``max_hz``; a band with nothing left is ``(lo, lo)`` (an empty
        mask: its power reads empty).
    emg_band : (float, float)
        The quality checks' muscle band, Hz.
    fit_range : (float, float)
        The aperiodic fit's range, Hz (:data:`.aperiodic.FIT_RANGE_HZ`, its upper end lowered
        to :data:`FIT_TOP_SHARE` of the low-pass edge when that is lower).
    rhythm_band : (float, float)
        The natural rhythms of energy, Hz (:data:`.features.RHYTHM_BAND`, its upper end at most
        the fit's).
    notes : tuple of str
        One plain sentence per adaptation, empty when the rate carries everything.
    """

    sfreq: float
    max_hz: float
    config: PipelineConfig
    bands: dict[str, tuple[float, float]]
    emg_band: tuple[float, float]
    fit_range: tuple[float, float]
    rhythm_band: tuple[float, float]
    notes: tuple[str, ...]


def plan_for_rate(
    sfreq: float, config: PipelineConfig, emg_band: tuple[float, float]
) -> RatePlan:
    """Check ``config`` against ``sfreq``; adapt the fixed bands, refuse requested ones.

    Parameters
    ----------
    sfreq : float
        Sample rate, Hz (> 0).
    config : PipelineConfig
    emg_band : (float, float)
        The quality checks' muscle band, Hz (:data:`.quality.HIGH_BAND_HZ`).

    Returns
    -------
    RatePlan

    Raises
    ------
    UsageError
        When the rate is below :data:`MIN_SFREQ_HZ`, or ``integration_band`` or
        ``highpass_hz`` reaches above what the rate carries.
    """
    sfreq = float(sfreq)
    top = max_hz(sfreq)
    if sfreq < MIN_SFREQ_HZ:
        raise UsageError(
            f"sample rate {sfreq:g} Hz is too low: the pipeline needs at least "
            f"{MIN_SFREQ_HZ:g} Hz (it analyses up to 0.45 x the rate, and its muscle check "
            f"starts at {emg_band[0]:g} Hz); record or resample at {MIN_SFREQ_HZ:g} Hz or more"
        )
    lo, hi = config.integration_band
    if hi > top:
        raise UsageError(
            f"integration_band ({lo:g}, {hi:g}) Hz cannot be measured at {sfreq:g} Hz sampling: "
            f"the upper edge must be at most {top:.4g} Hz (0.45 x the rate); choose a band "
            f"below {top:.4g} Hz or record at {hi / MAX_SHARE:.4g} Hz or more"
        )
    if config.highpass_hz >= top:
        raise UsageError(
            f"highpass_hz {config.highpass_hz:g} Hz cannot be applied at {sfreq:g} Hz "
            f"sampling: it must be below {top:.4g} Hz (0.45 x the rate); lower it"
        )
    notes: list[str] = []
    changes: dict[str, object] = {}
    if config.lowpass_hz > top:
        changes["lowpass_hz"] = top
        notes.append(
            f"low-pass {config.lowpass_hz:g} Hz lowered to {top:.4g} Hz "
            f"(0.45 x the {sfreq:g}-Hz sample rate)"
        )
    if isinstance(config.notch, float) and not notchable(config.notch, sfreq):
        changes["notch"] = None
        notes.append(
            f"no mains notch: {config.notch:g} Hz is at or above Nyquist ({sfreq / 2:g} Hz); "
            "the low-pass removes what is left there"
        )
    elif config.notch == "auto":
        gone = [f for f in MAINS_HZ if not notchable(f, sfreq)]
        if gone:
            names = " and ".join(f"{f:g}" for f in gone)
            notes.append(
                f"no mains notch possible at {names} Hz: at or above Nyquist ({sfreq / 2:g} Hz); "
                "the low-pass removes what is left there"
            )
    bands: dict[str, tuple[float, float]] = {}
    for name, (b_lo, b_hi) in BANDS.items():
        if b_hi <= top:
            bands[name] = (b_lo, b_hi)
        elif b_lo < top:
            bands[name] = (b_lo, top)
            notes.append(f"{name} band {b_lo:g}-{b_hi:g} Hz clipped to {b_lo:g}-{top:.4g} Hz")
        else:
            bands[name] = (b_lo, b_lo)
            notes.append(f"{name} band {b_lo:g}-{b_hi:g} Hz left empty (above {top:.4g} Hz)")
    emg_lo, emg_hi = emg_band
    if emg_hi > top:
        notes.append(
            f"muscle (emg) check band {emg_lo:g}-{emg_hi:g} Hz clipped to {emg_lo:g}-{top:.4g} Hz"
        )
    emg_band = (emg_lo, min(emg_hi, top))
    run_cfg = replace(config, **changes) if changes else config  # type: ignore[arg-type]
    fit_lo, fit_hi = FIT_RANGE_HZ
    fit_top = min(fit_hi, FIT_TOP_SHARE * run_cfg.lowpass_hz)
    if fit_top < fit_hi:
        notes.append(
            f"aperiodic fit {fit_lo:g}-{fit_hi:g} Hz narrowed to {fit_lo:g}-{fit_top:.4g} Hz "
            f"(below the {run_cfg.lowpass_hz:.4g}-Hz low-pass's roll-off)"
        )
    r_lo, r_hi = RHYTHM_BAND
    rhythm = (r_lo, min(r_hi, fit_top))
    if rhythm[1] < r_hi:
        notes.append(f"energy's rhythms {r_lo:g}-{r_hi:g} Hz narrowed to {r_lo:g}-{rhythm[1]:.4g} Hz")
    return RatePlan(sfreq, top, run_cfg, bands, emg_band, (fit_lo, fit_top), rhythm,
                    tuple(notes))


def announce(plan: RatePlan) -> None:
    """Log the plan's notes once: the band adaptations as one warning, the mains note as info."""
    mains = [n for n in plan.notes if n.startswith("no mains notch")]
    adapted = [n for n in plan.notes if n not in mains]
    if adapted:
        log.warning("%g-Hz sampling adapts the fixed bands: %s", plan.sfreq, "; ".join(adapted))
    for note in mains:
        log.info("%g-Hz sampling: %s", plan.sfreq, note)
