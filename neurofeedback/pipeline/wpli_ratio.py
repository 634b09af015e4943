"""The debiased squared wPLI from its three sums: one rule for every synchrony path.

Vinck et al. (2011)'s debiased estimator, generalised to weights and correlated samples, is
``(S^2 - Q) / (A^2 - Q)`` with ``S = sum Im X``, ``A = sum |Im X|`` and ``Q`` the sum of the
squared terms times the bias factor of the weights and the samples' correlation (each caller
scales it). Chance reads 0 on average, perfect lagged locking 1.

Since ``S^2 <= A^2`` it never exceeds 1. Below, it is unbounded: when a few terms carry
nearly all of ``A`` (one window or sample far larger than the rest, e.g. an unflagged glitch),
``A^2 - Q`` is tiny and the ratio can read -10 (measured on a consumer-headset recording).
Such sums hold fewer than about two independent terms' worth of evidence, ``A^2 <= 2 Q``;
the estimate is then undefined and reads 0, the chance value. With ``A^2 > 2 Q`` the ratio
lies in [-1, 1] (``(S^2 - Q) / (A^2 - Q) >= -Q / (A^2 - Q) > -1``). The cut depends only on
magnitudes, and the terms' signs are symmetric under independence, so chance still reads 0
on average. It applies only to sums of a few effective terms: for Gaussian terms in 27 % of
draws at 3 effective terms, 6 % at 4, practically never from about 6 on (``A^2`` grows as the
square of the number of terms, ``Q`` linearly); a 2-s window of a 4-8 Hz band holds about 10,
and the pipeline pools many windows. With 2 or fewer, even perfect locking reads 0.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True)
def wpli2_ratio(s: float, a: float, q: float) -> float:  # pragma: no cover - compiled
    """Debiased squared wPLI from ``S``, ``A`` and the bias-scaled ``Q`` (see the module).

    Parameters
    ----------
    s, a : float
        Sum (or mean) of ``Im X`` and of ``|Im X|`` over the terms.
    q : float
        Sum (or mean, consistently with ``s`` and ``a``) of ``(Im X)^2``, times the bias factor.

    Returns
    -------
    float
        In [-1, 1]; 0 when ``A^2 <= 2 Q`` (too few independent terms to estimate).
    """
    den = a * a - q
    if not den > q:
        return 0.0
    return min((s * s - q) / den, 1.0)
