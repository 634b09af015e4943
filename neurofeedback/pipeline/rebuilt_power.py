"""What rebuilding an electrode does to the spatial-mode measures, measured and taken back.

An electrode left out of a frame (bad, or carrying an artifact that does not gate the frame) is
rebuilt by spherical-spline interpolation from the clean ones (:mod:`.interpolation`). That gives
the part of its signal its neighbours predict and nothing of its own (the interpolation residual,
much of it the electrode's own noise, mostly in the high spatial modes), so a frame with a rebuilt
electrode looks spatially smoother than the same head measured, and the artifact that made the
electrode leave raised `spatial_low_share` and with it the meditation score (on EEGMMIDB S004's
eyes-closed run, a slow swing added to AF8 alone raised the score by a median 0.03;
``tests/test_rebuilt_power.py``).

The effect is measured on the frames where each electrode is clean, and taken back where it is
rebuilt. Once per :data:`SAMPLE_S`, for every clean electrode ``r`` of the frame, the frame's
measures are computed a second time with ``r`` replaced by the spline's prediction from the other
clean electrodes (its leave-one-out residual ``e_r`` removed, all electrodes at once in closed form:
:func:`.interpolation.leave_one_out_matrix`). The mode powers follow without a second transform:
``P_k' = P_k - 2 u_kr <e_r c_k> + u_kr^2 <e_r^2>`` (``c_k`` the frame's mode-``k`` time course,
``<>`` the window mean). The differences measured minus rebuilt of the low-mode share and of the
mode entropy are kept per electrode; their running medians over the last ``quality_ref_s``
seconds are what rebuilding that electrode does. A frame with rebuilt electrodes gets the sum of
theirs added to both measures. An electrode clean in under half of that span gets nothing added:
its rebuilt state is its usual one (baseline included), and its few clean frames would estimate
the effect poorly (on EEGMMIDB S002R01, T7 is clean in 4 % of frames). One never clean (bad all
along) gets nothing either, as before.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

#: Seconds between the measurements that feed the running medians (as the channel reference).
SAMPLE_S = 0.5
#: A channel's running median is used once it holds this many values...
MIN_COUNT = 4
#: ... and only for a channel clean in at least this share of the span's samples: one rebuilt
#: most of the time is usually in its rebuilt state (baseline included), and its few clean
#: frames estimate the effect poorly, so it is left as rebuilt.
USUAL_SHARE = 0.5


def rebuild_effect(
    mode_power: np.ndarray, modes: np.ndarray, residual: np.ndarray, loadings: np.ndarray,
    n_low: int,
) -> tuple[np.ndarray, np.ndarray]:
    """What replacing each electrode by its leave-one-out prediction does to one frame.

    Parameters
    ----------
    mode_power : ndarray, shape (n_modes,)
        The frame's mode powers, uV^2.
    modes : ndarray, shape (n_modes, n_window)
        The frame's mode time courses ``c_k = u_k . x``, uV.
    residual : ndarray, shape (n_electrodes, n_window)
        Each tested electrode's leave-one-out residual, uV.
    loadings : ndarray, shape (n_electrodes, n_modes)
        Their eigenvector entries ``u_kr``.
    n_low : int
        Modes counted as low.

    Returns
    -------
    low, entropy : ndarray, shape (n_electrodes,)
        Low-mode share and normalised mode entropy measured minus with that electrode rebuilt
        (NaN where the rebuilt frame has no power).
    """
    n = modes.shape[-1]
    cross = residual @ modes.T / n  # (E, K): <e_r c_k>
    sq = (residual * residual).sum(axis=1) / n  # (E,): <e_r^2>
    p_new = mode_power[None, :] - 2.0 * loadings * cross + loadings**2 * sq[:, None]
    np.maximum(p_new, 0.0, out=p_new)  # rounding
    total = p_new.sum(axis=1)
    k = mode_power.size
    with np.errstate(divide="ignore", invalid="ignore"):
        low_new = p_new[:, :n_low].sum(axis=1) / total
        p = p_new / total[:, None]
        h_new = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1) / math.log(k)
        t0 = mode_power.sum()
        low0 = mode_power[:n_low].sum() / t0
        p0 = mode_power / t0
        h0 = -np.where(p0 > 0, p0 * np.log(p0), 0.0).sum() / math.log(k)
    ok = total > 0
    return np.where(ok, low0 - low_new, np.nan), np.where(ok, h0 - h_new, np.nan)


class RebuildEffect:
    """Running medians of what rebuilding each channel does to the spatial-mode measures.

    Parameters
    ----------
    n_channels : int
    n_keep : int
        Values kept per channel (the span ``quality_ref_s`` over :data:`SAMPLE_S`).
    """

    def __init__(self, n_channels: int, n_keep: int) -> None:
        self._ring = np.full((max(1, int(n_keep)), 2, int(n_channels)), np.nan)
        self._n = 0
        self._value: np.ndarray | None = np.full((2, int(n_channels)), np.nan)

    @property
    def value(self) -> np.ndarray:
        """Per channel: low-mode share and mode entropy, measured minus rebuilt, shape
        (2, n_channels); NaN for a channel with fewer than :data:`MIN_COUNT` values or clean in
        under :data:`USUAL_SHARE` of the span's samples. The medians are taken when first asked
        for after an update (most frames rebuild nothing)."""
        if self._value is None:
            count = np.isfinite(self._ring).sum(axis=0)
            with warnings.catch_warnings():  # channels never clean: all-NaN columns
                warnings.simplefilter("ignore", RuntimeWarning)
                med = np.nanmedian(self._ring, axis=0)
            usual = count >= max(MIN_COUNT, USUAL_SHARE * min(self._n, len(self._ring)))
            self._value = np.where(usual, med, np.nan)
        return self._value

    def update(self, effect: np.ndarray) -> None:
        """Add one frame's measurements.

        Parameters
        ----------
        effect : ndarray, shape (2, n_channels)
            :func:`rebuild_effect`'s two rows; NaN for channels not clean in that frame.
        """
        self._ring[self._n % len(self._ring)] = effect
        self._n += 1
        self._value = None

    def corrected(self, low: float, entropy: float, targets: np.ndarray) -> tuple[float, float]:
        """A frame's low-mode share and mode entropy with its rebuilt channels' effect taken
        back (clipped to 0..1; unchanged where no rebuilt channel has a value yet).

        Parameters
        ----------
        low, entropy : float
            The frame's measures with ``targets`` rebuilt.
        targets : ndarray of int
            The rebuilt channels.
        """
        d = self.value[:, targets]
        known = np.isfinite(d)
        if not known.any():
            return low, entropy
        d_low, d_ent = np.where(known, d, 0.0).sum(axis=1)
        return (min(1.0, max(0.0, low + float(d_low))),
                min(1.0, max(0.0, entropy + float(d_ent))))
