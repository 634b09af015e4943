"""The debiased squared wPLI ratio shared by every synchrony path (pipeline/wpli_ratio.py)."""

import numpy as np

from neurofeedback.pipeline.wpli_ratio import wpli2_ratio


def _sums(x: np.ndarray) -> tuple[float, float, float]:
    return float(x.sum()), float(np.abs(x).sum()), float((x * x).sum())


def test_equals_vincks_debiased_estimator_on_independent_terms():
    # Vinck et al. 2011, eq. for the debiased wPLI^2: (sum_ij,i!=j x_i x_j) / (sum_ij,i!=j |x_i||x_j|)
    rng = np.random.default_rng(0)
    for _ in range(50):
        x = rng.standard_normal(40) + 0.3
        s, a, q = _sums(x)
        off = np.outer(x, x)
        off_abs = np.outer(np.abs(x), np.abs(x))
        np.fill_diagonal(off, 0.0)
        np.fill_diagonal(off_abs, 0.0)
        assert np.isclose(wpli2_ratio(s, a, q), off.sum() / off_abs.sum(), rtol=1e-12)


def test_one_dominant_term_reads_chance_not_minus_ten():
    # a glitch swinging both ways carries nearly all of |Im X|; the samples are correlated
    # (bias factor 1.5, as for overlapping windows)
    x = np.array([1000.0, -1000.0, 1.0, -1.0, 0.5])
    s, a, q = _sums(x)
    q *= 1.5
    assert (s * s - q) / (a * a - q) < -2.0  # the plain ratio leaves [-1, 1] here
    assert wpli2_ratio(s, a, q) == 0.0


def test_always_within_minus_one_and_one():
    rng = np.random.default_rng(1)
    vals = []
    for _ in range(20000):
        n = int(rng.integers(1, 12))
        x = rng.standard_cauchy(n)  # heavy tails: few terms dominate often
        s, a, q = _sums(x)
        vals.append(wpli2_ratio(s, a, q * rng.uniform(0.5, 3.0)))  # any bias factor
    vals = np.array(vals)
    assert vals.min() >= -1.0 and vals.max() <= 1.0


def test_chance_still_reads_zero_and_the_cut_never_applies():
    rng = np.random.default_rng(2)
    out = []
    for _ in range(2000):
        x = rng.standard_normal(200)
        s, a, q = _sums(x)
        assert a * a > 2 * q
        out.append(wpli2_ratio(s, a, q))
    out = np.array(out)
    assert abs(out.mean()) < 3 * out.std() / np.sqrt(out.size)
