"""Signal quality per channel and frame: bad channels (left out) and artifacts (frame flagged)."""

from __future__ import annotations

import numpy as np

from .config import PipelineConfig

BAD_REASONS = ("railed", "flat", "line")
ARTIFACT_REASONS = ("blink", "emg", "amplitude")


class QualityChecker:
    """Classify each channel of a window as ``ok``, bad or artifacted.

    Checks, in order (the first that applies is the channel's reason):

    - ``railed``: at least ``rail_fraction`` of the raw samples within 1 % of the amplifier's
      rail (``rail_uv``), or the raw signal is exactly constant;
    - ``flat``: standard deviation of the filtered signal below ``flat_uv``;
    - ``line``: raw power within ±1 Hz of the mains frequency above ``line_ratio`` times the
      raw power in 1-45 Hz; when the mains notch is active (it removes what all channels
      share), the ratio must also exceed 20 times the median ratio over channels, so only an
      electrode picking up far more mains than the others (a loose contact) is flagged;
    - ``blink`` (frontal channels only, Fp/AF/F names): the slow (< ~5 Hz, 0.1-s moving
      average) filtered signal spans more than ``blink_uv`` peak to peak and 1-4 Hz holds over
      half of the 1-45 Hz power;
    - ``emg``: 20-45 Hz holds more than ``emg_share`` of the 1-45 Hz power and exceeds
      ``emg_min_uv2``;
    - ``amplitude``: the filtered signal exceeds ``amplitude_uv`` in absolute value.

    The first three make a channel *bad* (left out of every metric); the last three make the
    frame an *artifact* frame (when they hit a channel that is not bad).

    Parameters
    ----------
    config : PipelineConfig
    sfreq : float
    frontal : ndarray of bool, shape (n_channels,)
        Channels where blinks are looked for.
    rail_uv : float or None
        Amplifier saturation level, uV (None: only "constant" counts as railed).
    """

    def __init__(
        self, config: PipelineConfig, sfreq: float, frontal: np.ndarray, rail_uv: float | None
    ) -> None:
        self.cfg = config
        self.frontal = frontal
        self.rail_uv = rail_uv
        self.smooth_n = max(1, int(round(0.1 * sfreq)))

    def check(
        self,
        raw: np.ndarray,
        x: np.ndarray,
        psd: np.ndarray,
        raw_psd: np.ndarray,
        freqs: np.ndarray,
        mains_hz: float | None,
        notched: bool = False,
    ) -> list[str]:
        """Reason per channel (``"ok"`` or one of the reasons above).

        Parameters
        ----------
        raw : ndarray, shape (n_channels, n_times)
            Unfiltered window, uV.
        x : ndarray, shape (n_channels, n_times)
            Filtered window, uV.
        psd, raw_psd : ndarray, shape (n_channels, n_freqs)
            Welch PSD of the filtered and of the raw window, uV^2/Hz.
        freqs : ndarray, shape (n_freqs,)
        mains_hz : float or None
            Mains frequency; None checks both 50 and 60 Hz.
        notched : bool
            True when a notch at ``mains_hz`` is applied to the filtered signal.
        """
        cfg = self.cfg
        n_ch = raw.shape[0]
        reasons = ["ok"] * n_ch
        ptp_raw = raw.max(axis=1) - raw.min(axis=1)
        if self.rail_uv is not None:
            at_rail = (np.abs(raw) >= 0.99 * self.rail_uv).mean(axis=1) >= cfg.rail_fraction
        else:
            at_rail = np.zeros(n_ch, dtype=bool)
        railed = at_rail | (ptp_raw == 0)
        flat = x.std(axis=1) < cfg.flat_uv

        broad = (freqs >= 1.0) & (freqs < 45.0)
        raw_broad = raw_psd[:, broad].sum(axis=1)
        line_pow = np.zeros(n_ch)
        for f0 in (50.0, 60.0) if mains_hz is None else (mains_hz,):
            m = np.abs(freqs - f0) <= 1.0
            if m.any():
                line_pow = np.maximum(line_pow, raw_psd[:, m].sum(axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(raw_broad > 0, line_pow / raw_broad, 0.0)
            line = ratio > cfg.line_ratio
            if notched:
                line &= ratio > 20.0 * np.median(ratio)

        df = freqs[1] - freqs[0]
        total = psd[:, broad].sum(axis=1) * df
        high = psd[:, (freqs >= 20.0) & (freqs < 45.0)].sum(axis=1) * df
        slow = psd[:, (freqs >= 1.0) & (freqs < 4.0)].sum(axis=1) * df
        with np.errstate(divide="ignore", invalid="ignore"):
            emg = (high > cfg.emg_share * total) & (high > cfg.emg_min_uv2)
            slow_share = slow / total
        amplitude = np.abs(x).max(axis=1) > cfg.amplitude_uv
        blink = np.zeros(n_ch, dtype=bool)
        if self.frontal.any():
            f = self.frontal
            k = self.smooth_n
            c = np.cumsum(x[f], axis=1)
            sm = (c[:, k:] - c[:, :-k]) / k
            blink[f] = (np.ptp(sm, axis=1) > cfg.blink_uv) & (slow_share[f] > 0.5)

        for i in range(n_ch):
            if railed[i]:
                reasons[i] = "railed"
            elif flat[i]:
                reasons[i] = "flat"
            elif line[i]:
                reasons[i] = "line"
            elif blink[i]:
                reasons[i] = "blink"
            elif emg[i]:
                reasons[i] = "emg"
            elif amplitude[i]:
                reasons[i] = "amplitude"
        return reasons
