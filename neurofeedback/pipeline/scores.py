"""Feedback scores, 0..1."""

from __future__ import annotations

import math

from .features import BANDS


def logistic(z: float, gain: float, offset: float) -> float:
    """``1 / (1 + exp(-gain (z - offset)))``; 0 for NaN."""
    if not math.isfinite(z):
        return 0.0
    x = -gain * (z - offset)
    if x > 700.0:  # exp would overflow: the score is 0 to double precision
        return 0.0
    return 1.0 / (1.0 + math.exp(x))


def _mean_finite(*vals: float) -> float:
    v = [x for x in vals if math.isfinite(x)]
    return sum(v) / len(v) if v else math.nan


def meditation_score(
    energy_z: float, low_share_z: float, gain: float, offset: float, ok: bool
) -> float:
    """Energy above baseline, concentrated in low spatial modes.

    ``logistic(mean(energy_z, low_share_z))`` (finite terms only); exactly 0 when ``ok`` is
    False (artifact frame or baseline not yet complete).
    """
    if not ok:
        return 0.0
    return logistic(_mean_finite(energy_z, low_share_z), gain, offset)


#: Scores withheld (0, and not learned from) in frames with an eye artifact handled without
#: gating: a blink or eye movement, regressed out and its electrodes rebuilt, still raised them
#: on real heads (tests/test_blink_reward.py); the integration score it lowered.
EYE_WITHHELD = ("meditation", "alpha-theta")


def withheld(score: str, artifact: bool, eye: bool) -> bool:
    """True when the score named ``score`` gives no reward in a frame: an artifact frame, or
    one of :data:`EYE_WITHHELD` in a frame with an eye artifact (``eye``, the frame's
    ``eye_artifact``)."""
    return artifact or (score in EYE_WITHHELD and eye)


def wakefulness(drowsiness: float, hold: float, threshold: float) -> float:
    """Weight of the feedback scores on the way to sleep, 0..1.

    1 below ``hold``, falling linearly to 0 at ``threshold`` (where the frame is drowsy and
    both scores are 0 anyway), so theta growing with drowsiness is never rewarded as it
    approaches the drowsy line. 1 for NaN (no drowsiness measured yet).

    Parameters
    ----------
    drowsiness : float
        Smoothed drowsiness, 0..1.
    hold, threshold : float
        ``drowsy_hold`` and ``drowsy_threshold`` of the pipeline settings, ``hold <= threshold``.
    """
    if not math.isfinite(drowsiness) or drowsiness < hold:
        return 1.0
    if drowsiness >= threshold:
        return 0.0
    return (threshold - drowsiness) / (threshold - hold)


def integration_score(
    synchrony_z: float, consonance_z: float, gain: float, offset: float, ok: bool
) -> float:
    """Cross-region synchrony (and consonance) above baseline.

    ``logistic(0.75 synchrony_z + 0.25 consonance_z)``, or of ``synchrony_z`` alone when
    consonance is undefined; exactly 0 when ``ok`` is False or synchrony is undefined.
    """
    if not ok or not math.isfinite(synchrony_z):
        return 0.0
    z = synchrony_z if not math.isfinite(consonance_z) else 0.75 * synchrony_z + 0.25 * consonance_z
    return logistic(z, gain, offset)


def alpha_theta_share(bands: dict[str, float]) -> float:
    """Share of alpha (8-13 Hz) plus theta (4-8 Hz) power in the summed power of all bands.

    Parameters
    ----------
    bands : dict of str to float
        Band power in dB (keys as :data:`~neurofeedback.pipeline.frame.BANDS`).

    Returns
    -------
    share : float
        0..1, NaN when a band is missing or not finite. Computed on linear power (uV^2), so it
        needs no baseline.
    """
    try:
        lin = {b: 10.0 ** (float(bands[b]) / 10.0) for b in BANDS}
    except (KeyError, TypeError, ValueError):
        return math.nan
    total = sum(lin.values())
    if not math.isfinite(total) or total <= 0:
        return math.nan
    return (lin["alpha"] + lin["theta"]) / total
