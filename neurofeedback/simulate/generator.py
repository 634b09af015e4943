"""The scenario generator: EEG in microvolts, produced incrementally with known ground truth.

Signal model, per sample ``n`` (time ``t = n / sfreq``) and electrode ``c``; every term is
computed on the recorded electrodes and on the reference sites (linked mastoids M1/M2), and each
channel is recorded against the reference::

    v_c(t) = sum_r G[c, r] * s_r(t) + bg_c(t) + emg_c(t) + drift_c(t) + sleep_c(t)
    x_c(t) = v_c(t) - (v_M1(t) + v_M2(t)) / 2 + artifacts_c(t)

- ``s_r``: the source of region ``r`` (frontal, central, parietal, occipital, left and right
  temporal), placed at the centroid of its 10-05 sites. ``G`` is a volume-conduction mixing
  matrix: ``exp(-distance / 5 cm)``, each recorded electrode's row normalised to sum 1, so every
  electrode sees a distance-weighted mix of all six sources. The mastoids, over bone and far from
  the sources, see the same kernel scaled by :data:`REF_BRAIN_GAIN`.
- ``s_r(t) = g(t) * osc_r(t) + drowsy_r(t) + P * ap_r(t)``:

  * oscillations ``osc_r = A_theta * Re(z_r e^{i 2 pi f_r t}) + a(d) * A_alpha,r * Re(y_r
    e^{i 2 pi 10 t})`` with the energy gain ``g = 2^energy`` (energy changes the oscillations
    only) and the drowsiness alpha factor ``a(d)``;
  * integration-band coupling (shared driver): ``z_r = sqrt(c) * D(t) e^{i lag_r} + sqrt(1 - c)
    * u_r(t)`` with ``D``, ``u_r`` independent unit complex narrow-band processes (1 Hz
    bandwidth) and fixed non-zero lags; ``c`` = ground-truth synchrony is the coherence between
    any two regions' theta. Theta amplitudes are rescaled with the coupling so that the expected
    scalp theta power does not depend on synchrony. Alpha (10 Hz, strongest occipital/parietal)
    uses the same model with the scenario's ``alpha_sync``;
  * ``ap_r``: an aperiodic ``(f / 12 Hz)^-beta`` process (knee near 1 Hz) with exponent ``beta =
    2 - temperature + steepening(d)``; its power at the 12 Hz pivot is :data:`APERIODIC_PSD`
    whatever the exponent, so temperature rotates the spectrum around 12 Hz (power moves from
    below the pivot to above it) and leaves the oscillations alone. 12 Hz is the geometric centre
    of the 3-45 Hz range the pipeline fits and lies between the theta/alpha peaks and beta, so the
    aperiodic floor under the 6 and 10 Hz peaks moves little (about 2 dB at 6 Hz);
  * ``drowsy_r`` and ``sleep_c``: drowsiness physiology (drowsy theta, delta, slow eye movements,
    vertex waves, spindles, K-complexes; :mod:`neurofeedback.simulate.sleep`).
- ``bg_c``: spatially correlated aperiodic ``1/f^1.5`` background, covariance
  ``rho * exp(-distance / 6 cm) + (1 - rho) * I`` across all electrodes (reference sites
  included), :data:`BACKGROUND_UV` RMS.
- ``emg_c``: continuous low-level broadband muscle activity, 20 Hz to min(200, 0.45 sfreq) Hz,
  independent per electrode, :data:`MUSCLE_UV` RMS on temporal/frontal-lateral sites, less on
  frontal and the least elsewhere (far below the pipeline's EMG rules).
- ``drift_c``: slow electrode drift, second-order low-pass below 0.1 Hz (nothing above 0.5 Hz to
  speak of), :data:`DRIFT_UV` RMS per electrode.
- ``artifacts_c`` (``artifacts`` scenario): blinks, EMG bursts, a railed channel.

Random numbers come from ``numpy.random.default_rng([seed, stream, block])`` per 1-s internal
block (events per 30-s block), and filter states are carried from block to block, so any request
pattern gives the same samples for a seed.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import UsageError
from . import sleep
from .artifacts import RAIL_UV, ArtifactModel
from .montages import montage_channels, positions, region_centres
from .noise import BandNoise, ComplexOU, PinkBank, RotatingAperiodic, SlowDrift
from .scenarios import SOURCE_REGIONS, Scenario, Schedule, get_scenario

#: RMS (uV) of each region's theta oscillator at energy 0.
THETA_UV = 8.0
#: RMS (uV) of each region's alpha oscillator at energy 0, in SOURCE_REGIONS order.
ALPHA_UV = (2.5, 3.0, 5.0, 8.0, 2.5, 2.5)
#: Fixed phase lags (rad) of the regions' theta relative to the shared driver.
LAGS = (0.0, 0.5, 1.0, 1.4, 0.7, -0.7)
ALPHA_HZ = 10.0
VOLUME_CONDUCTION_M = 0.05
#: Reference sites (linked mastoids); every channel is recorded against their mean.
REFERENCE_SITES = ("M1", "M2")
#: Share of the volume-conducted brain signal the reference sites pick up.
REF_BRAIN_GAIN = 0.5
#: Power (uV^2/Hz) of each region source's aperiodic component at the pivot frequency.
APERIODIC_PSD = 1.0
#: Pivot frequency of the aperiodic rotation, Hz (see the module docstring).
PIVOT_HZ = 12.0
#: Aperiodic exponent at temperature 0 and its change per unit of temperature.
EXPONENT_COLD, EXPONENT_PER_TEMPERATURE = 1.3, -0.8
#: RMS (uV) of the electrode-level 1/f^1.5 background, its spatial correlation share and length.
BACKGROUND_UV, BACKGROUND_RHO, BACKGROUND_LENGTH_M = 3.0, 0.6, 0.06
#: RMS (uV) of the continuous muscle activity on temporal/lateral-frontal sites.
MUSCLE_UV = 2.5
#: RMS (uV) of each electrode's slow drift.
DRIFT_UV = 20.0
_MUSCLE_STRONG = ("F7", "F8", "FT7", "FT8", "FT9", "FT10", "T7", "T8", "TP7", "TP8", "T9", "T10",
                  "M1", "M2", "A1", "A2")
#: Weights of the drowsy theta per region (frontal and central strongest), SOURCE_REGIONS order.
_DROWSY_THETA_W = tuple(1.0 if r in ("frontal", "central") else 0.5 for r in SOURCE_REGIONS)
#: Weights of delta per region (frontal strongest), SOURCE_REGIONS order.
_DELTA_W = {"frontal": 1.0, "central": 0.85, "parietal": 0.65, "occipital": 0.5,
            "left_temporal": 0.55, "right_temporal": 0.55}
#: Coherence of delta across regions (slow waves are widespread).
_DELTA_SYNC = 0.8


def muscle_weights(ch_names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Relative muscle level per electrode: 1 temporal/lateral, 0.6 frontal, 0.3 elsewhere."""
    out = []
    for n in ch_names:
        u = n.upper()
        if n in _MUSCLE_STRONG or u in {m.upper() for m in _MUSCLE_STRONG}:
            out.append(1.0)
        elif u.startswith(("FP", "AF", "F")) and not u.startswith("FC"):
            out.append(0.6)
        else:
            out.append(0.3)
    return np.array(out)


class Generator:
    """Block-by-block EEG of a scenario.

    Parameters
    ----------
    scenario : str or Scenario
        A name from :data:`~neurofeedback.simulate.scenarios.SCENARIOS` or a
        :class:`~neurofeedback.simulate.scenarios.Scenario` of one's own.
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
        scenario: str | Scenario = "annealing-cycle",
        seed: int = 0,
        montage: str = "default",
        sfreq: float = 250.0,
        duration_s: float | None = None,
    ) -> None:
        self.scenario = scenario if isinstance(scenario, Scenario) else get_scenario(scenario)
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
        n_reg = len(SOURCE_REGIONS)
        # every term is computed on the recorded electrodes followed by the reference sites
        self.sites = tuple(self.ch_names) + REFERENCE_SITES
        n_site = len(self.sites)
        pos = positions(self.sites)
        d = np.linalg.norm(pos[:, None] - region_centres(SOURCE_REGIONS)[None], axis=2)
        g = np.exp(-d / VOLUME_CONDUCTION_M)
        n_ch = len(self.ch_names)
        self.mixing = g[:n_ch] / g[:n_ch].sum(axis=1, keepdims=True)
        ref_mix = REF_BRAIN_GAIN * g[n_ch:] / g[n_ch:].sum(axis=1, keepdims=True)
        self._site_mixing = np.vstack([self.mixing, ref_mix])
        # recorded = site values minus the mean of the reference sites
        self.reference = np.hstack([np.eye(n_ch), np.zeros((n_ch, len(REFERENCE_SITES)))])
        self.reference[:, n_ch:] -= 1.0 / len(REFERENCE_SITES)
        dist = np.linalg.norm(pos[:, None] - pos[None], axis=2)
        cov = BACKGROUND_RHO * np.exp(-dist / BACKGROUND_LENGTH_M) + (1 - BACKGROUND_RHO) * np.eye(
            n_site)
        self._bg_chol = np.linalg.cholesky(cov)
        self._pink = PinkBank(n_site, self.sfreq)
        self._aperiodic = RotatingAperiodic(n_reg, self.sfreq, PIVOT_HZ)
        self._theta = ComplexOU(n_reg + 1, self.sfreq, 1.0)
        self._alpha = ComplexOU(n_reg + 1, self.sfreq, 1.0)
        self._drowsy_theta = ComplexOU(n_reg, self.sfreq, 1.0)
        self._delta = ComplexOU(n_reg + 1, self.sfreq, 0.5)
        self._muscle = BandNoise(n_site, self.sfreq, (20.0, min(200.0, 0.45 * self.sfreq)))
        self._muscle_w = MUSCLE_UV * muscle_weights(self.sites)
        self._drift = SlowDrift(n_site, self.sfreq)
        self._sem = BandNoise(1, self.sfreq, sleep.SEM_BAND)
        self._eye_w = sleep.eye_weights(self.sites)
        self._sleep_events = sleep.SleepEvents(list(self.sites), self.sfreq, self.seed,
                                               self.schedule)
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
        n_site, n_reg = len(self.sites), len(SOURCE_REGIONS)
        rng = np.random.default_rng([self.seed, 1, k])
        t = (n0 + np.arange(n)) / self.sfreq
        p = self.schedule.params(t)
        gain = 2.0 ** p["energy"]
        c = np.clip(p["synchrony"], 0.0, 1.0)
        drowsy = np.clip(p["drowsiness"], 0.0, 1.0)
        beta = (EXPONENT_COLD + EXPONENT_PER_TEMPERATURE * p["temperature"]
                + sleep.steepening(drowsy))

        def cplx(shape: tuple[int, ...]) -> np.ndarray:
            return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2)

        # Draws in a fixed order and fixed shapes: the same seed gives the same numbers.
        th = self._theta.step(cplx((n_reg + 1, n)))
        z = np.sqrt(c) * th[0] * self._lags[:, None] + np.sqrt(1.0 - c) * th[1:]
        theta = np.real(z * np.exp(2j * np.pi * self._freqs[:, None] * t[None, :]))
        al = self._alpha.step(cplx((n_reg + 1, n)))
        ca = self.scenario.alpha_sync
        y = math.sqrt(ca) * al[0] * self._alpha_lags[:, None] + math.sqrt(1.0 - ca) * al[1:]
        alpha = np.real(y * np.exp(2j * np.pi * ALPHA_HZ * t)) * sleep.alpha_factor(drowsy)
        # Re of a unit-variance complex process has variance 1/2: scale by sqrt(2) for unit RMS.
        norm = np.sqrt(
            (self._pow_a + self._pow_b * self._c_ref) / (self._pow_a + self._pow_b * c)
        )
        osc = math.sqrt(2.0) * (THETA_UV * norm * theta + self._alpha_amp[:, None] * alpha)
        ap = math.sqrt(APERIODIC_PSD) * self._aperiodic.step(
            rng.standard_normal((self._aperiodic.n_inputs, n_reg, n)), beta)
        dt = self._drowsy_theta.step(cplx((n_reg, n)))
        dtheta = (math.sqrt(2.0) * sleep.DROWSY_THETA_UV * np.asarray(_DROWSY_THETA_W)[:, None]
                  * np.real(dt * np.exp(2j * np.pi * sleep.DROWSY_THETA_HZ * t))
                  * sleep.drowsy_theta_level(drowsy))
        de = self._delta.step(cplx((n_reg + 1, n)))
        de = math.sqrt(_DELTA_SYNC) * de[0] + math.sqrt(1.0 - _DELTA_SYNC) * de[1:]
        delta_w = np.array([_DELTA_W[r] for r in SOURCE_REGIONS])[:, None]
        delta = (math.sqrt(2.0) * sleep.DELTA_UV * delta_w
                 * np.real(de * np.exp(2j * np.pi * sleep.DELTA_HZ * t))
                 * sleep.delta_level(drowsy))
        src = gain * osc + ap + dtheta + delta
        bg = BACKGROUND_UV * (self._bg_chol @ self._pink.step(
            rng.standard_normal((self._pink.poles.size, n_site, n))))
        emg = self._muscle_w[:, None] * self._muscle.step(rng.standard_normal((n_site, n)))
        drift = DRIFT_UV * self._drift.step(rng.standard_normal((n_site, n)))
        sem = (sleep.SEM_UV * self._sem.step(rng.standard_normal((1, n)))
               * sleep.sem_level(drowsy))
        sites = (self._site_mixing @ src + bg + emg + drift + self._eye_w[:, None] * sem
                 + self._sleep_events.render(n0, n0 + n))
        data = self.reference @ sites
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
