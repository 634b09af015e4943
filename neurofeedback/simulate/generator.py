"""The scenario generator: EEG in microvolts, produced incrementally with known ground truth.

Signal model, per sample ``n`` (time ``t = n / sfreq``) and electrode ``c``::

    x_c(t) = sum_r G[c, r] * s_r(t) + b * pink_c(t) + artifacts_c(t)

- ``s_r``: the source of region ``r`` (frontal, central, parietal, occipital, left and right
  temporal), placed at the centroid of its 10-05 sites. ``G`` is a volume-conduction mixing
  matrix: ``exp(-distance / 5 cm)``, each row normalised to sum 1, so every electrode sees a
  distance-weighted mix of all six sources.
- ``s_r(t) = g(t) * [sqrt(1 - tau) * (A_theta * Re(z_r e^{i 2 pi f_r t}) + A_alpha,r * Re(y_r
  e^{i 2 pi 10 t})) + sqrt(tau) * A_exc * n_r(t)]`` with energy gain ``g = 2^energy`` and
  temperature share ``tau = 0.1 + 0.7 * temperature`` (clipped to 0.02..0.9).
- Integration-band coupling (shared driver): ``z_r = sqrt(c) * d(t) e^{i lag_r} +
  sqrt(1 - c) * u_r(t)`` with ``d``, ``u_r`` independent unit complex narrow-band processes
  (1 Hz bandwidth) and fixed non-zero lags ``lag_r``; ``c`` = ground-truth synchrony is the
  coherence between any two regions' theta.
- Alpha (10 Hz, strongest occipital/parietal) uses the same model with the scenario's
  ``alpha_sync``.
- ``n_r``: 9-24 Hz band-limited noise (the "disorder" that temperature adds: it flattens the
  spectrum without touching the 4-8 Hz integration band or looking like 20-45 Hz EMG).
- Theta amplitudes are rescaled with the coupling so that the expected scalp theta power does
  not depend on synchrony (coherent sources add up under volume conduction): scalp power follows
  energy alone.
- ``pink_c``: independent ``1/f^1.5`` background per electrode.

Random numbers come from ``numpy.random.default_rng([seed, stream, block])`` per 1-s internal
block, and filter states are carried from block to block, so any request pattern gives the same
samples for a seed.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import UsageError
from .artifacts import RAIL_UV, ArtifactModel
from .montages import montage_channels, positions, region_centres
from .noise import BandNoise, ComplexOU, PinkBank
from .scenarios import SOURCE_REGIONS, Schedule, get_scenario

#: RMS (uV) of each region's theta oscillator at energy 0.
THETA_UV = 8.0
#: RMS (uV) of each region's alpha oscillator at energy 0, in SOURCE_REGIONS order.
ALPHA_UV = (2.5, 3.0, 5.0, 8.0, 2.5, 2.5)
#: RMS (uV) of the per-electrode 1/f background.
BACKGROUND_UV = 6.0
#: Band (Hz) of the broadband "disorder" noise that temperature adds: above theta (so it does
#: not touch the integration band) and mostly below 20 Hz (so it does not look like EMG).
DISORDER_BAND = (9.0, 24.0)
#: Fixed phase lags (rad) of the regions' theta relative to the shared driver.
LAGS = (0.0, 0.5, 1.0, 1.4, 0.7, -0.7)
ALPHA_HZ = 10.0
VOLUME_CONDUCTION_M = 0.05


class Generator:
    """Block-by-block EEG of a scenario.

    Parameters
    ----------
    scenario : str
        A name from :data:`~neurofeedback.simulate.scenarios.SCENARIOS`.
    seed : int
        Random seed; the same seed gives the same samples.
    montage : str
        A name from :data:`~neurofeedback.simulate.montages.MONTAGES`.
    sfreq : float
        Sample rate, Hz (>= 100).
    duration_s : float or None
        Fixed duration (the schedule scales with it; samples past it keep the last state) or
        None for an unbounded, repeating scenario.
    """

    def __init__(
        self,
        scenario: str = "annealing-cycle",
        seed: int = 0,
        montage: str = "default",
        sfreq: float = 250.0,
        duration_s: float | None = None,
    ) -> None:
        self.scenario = get_scenario(scenario)
        try:
            self.seed = int(seed)
        except (TypeError, ValueError):
            raise UsageError(f"seed must be an integer; got {seed!r}") from None
        if self.seed < 0:
            raise UsageError(f"seed must be >= 0; got {seed!r}")
        self.ch_names = montage_channels(montage)
        self.montage = montage
        if not (isinstance(sfreq, (int, float)) and math.isfinite(sfreq) and sfreq >= 100):
            raise UsageError(f"simulator sfreq must be a number >= 100 Hz; got {sfreq!r}")
        self.sfreq = float(sfreq)
        self.duration_s = None if duration_s is None else float(duration_s)
        self.schedule = Schedule(self.scenario, self.duration_s)
        self.block = int(round(self.sfreq))  # internal block: 1 s
        n_ch, n_reg = len(self.ch_names), len(SOURCE_REGIONS)
        d = np.linalg.norm(
            positions(self.ch_names)[:, None] - region_centres(SOURCE_REGIONS)[None], axis=2
        )
        g = np.exp(-d / VOLUME_CONDUCTION_M)
        self.mixing = g / g.sum(axis=1, keepdims=True)
        self._pink = PinkBank(n_ch, self.sfreq)
        self._theta = ComplexOU(n_reg + 1, self.sfreq, 1.0)
        self._alpha = ComplexOU(n_reg + 1, self.sfreq, 1.0)
        self._exc = BandNoise(n_reg, self.sfreq, DISORDER_BAND)
        self._lags = np.exp(1j * self.scenario.lag_scale * np.asarray(LAGS))
        # Scalp theta power a + b * c as a function of coupling c (volume conduction adds
        # coherent sources constructively); amplitudes are rescaled by sqrt((a + b c0) /
        # (a + b c)) so that synchrony does not change scalp power: energy alone does.
        gm = self.mixing
        same = np.equal.outer(np.asarray(self.scenario.theta_freqs), self.scenario.theta_freqs)
        cross = np.real(np.outer(self._lags, np.conj(self._lags))) * same
        np.fill_diagonal(cross, 0.0)
        self._pow_a = float(np.sum(gm**2))
        self._pow_b = float(np.einsum("cr,rs,cs->", gm, cross, gm))
        self._c_ref = float(np.clip(self.scenario.baseline[2], 0.0, 1.0))
        self._alpha_lags = np.exp(0.5j * self.scenario.lag_scale * np.asarray(LAGS))
        self._freqs = np.asarray(self.scenario.theta_freqs, float)
        self._alpha_amp = np.asarray(ALPHA_UV)
        self._exc_uv = float(np.sqrt(THETA_UV**2 + np.mean(self._alpha_amp**2)))
        self.artifacts = (
            ArtifactModel(self.ch_names, self.sfreq, self.seed, self.duration_s)
            if self.scenario.artifacts
            else None
        )
        self._next_block = 0
        self._buf = np.zeros((n_ch, 0))
        self._buf_art = np.zeros(0, bool)
        self.position = 0  # samples handed out so far

    @property
    def n_channels(self) -> int:
        return len(self.ch_names)

    def _make_block(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        n0, n = k * self.block, self.block
        n_ch, n_reg = self.n_channels, len(SOURCE_REGIONS)
        rng = np.random.default_rng([self.seed, 1, k])
        t = (n0 + np.arange(n)) / self.sfreq
        p = self.schedule.params(t)
        gain = 2.0 ** p["energy"]
        tau = np.clip(0.1 + 0.7 * p["temperature"], 0.02, 0.9)
        c = np.clip(p["synchrony"], 0.0, 1.0)

        def cplx(shape: tuple[int, ...]) -> np.ndarray:
            return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2)

        th = self._theta.step(cplx((n_reg + 1, n)))
        z = np.sqrt(c) * th[0] * self._lags[:, None] + np.sqrt(1.0 - c) * th[1:]
        theta = np.real(z * np.exp(2j * np.pi * self._freqs[:, None] * t[None, :]))
        al = self._alpha.step(cplx((n_reg + 1, n)))
        ca = self.scenario.alpha_sync
        y = math.sqrt(ca) * al[0] * self._alpha_lags[:, None] + math.sqrt(1.0 - ca) * al[1:]
        alpha = np.real(y * np.exp(2j * np.pi * ALPHA_HZ * t))
        # Re of a unit-variance complex process has variance 1/2: scale by sqrt(2) for unit RMS.
        norm = np.sqrt(
            (self._pow_a + self._pow_b * self._c_ref) / (self._pow_a + self._pow_b * c)
        )
        osc = math.sqrt(2.0) * (THETA_UV * norm * theta + self._alpha_amp[:, None] * alpha)
        exc = self._exc_uv * self._exc.step(rng.standard_normal((n_reg, n)))
        src = gain * (np.sqrt(1.0 - tau) * osc + np.sqrt(tau) * exc)
        pink = self._pink.step(rng.standard_normal((self._pink.poles.size, n_ch, n)))
        data = self.mixing @ src + BACKGROUND_UV * pink
        present = np.zeros(n, bool)
        if self.artifacts is not None:
            add, present = self.artifacts.render(n0, n0 + n)
            data += add
            rail = self.artifacts.railed(n0, n0 + n)
            data[self.artifacts.rail_ch, rail] = RAIL_UV
        return data, present

    def generate(self, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
        """The next ``n_samples`` samples.

        Returns
        -------
        data : ndarray, shape (n_channels, n_samples)
            EEG in microvolts.
        artifact : ndarray of bool, shape (n_samples,)
            True where a blink or EMG burst is present (ground truth).
        """
        n_samples = int(n_samples)
        if n_samples < 0:
            raise UsageError(f"n_samples must be >= 0; got {n_samples}")
        blocks, arts = [self._buf], [self._buf_art]
        have = self._buf.shape[1]
        while have < n_samples:
            d, a = self._make_block(self._next_block)
            self._next_block += 1
            blocks.append(d)
            arts.append(a)
            have += d.shape[1]
        data = np.concatenate(blocks, axis=1)
        art = np.concatenate(arts)
        self._buf, self._buf_art = data[:, n_samples:], art[n_samples:]
        self.position += n_samples
        return data[:, :n_samples], art[:n_samples]
