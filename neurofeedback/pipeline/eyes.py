"""Horizontal eye movements: the slow opposite-polarity swing of a left-right frontal pair.

When the eyes turn, the corneo-retinal dipole turns with them: the electrode on the side the eyes
move towards goes positive and its mirror electrode negative (the horizontal EOG, which frontal
EEG sites pick up at a fraction of its size). A blink, by contrast, moves both sides the same
way. For each mirror pair present (F7/F8, AF7/AF8, F9/F10, FT9/FT10, Fp1/Fp2) the slow part of
the filtered window (two moving averages, 0.1 s then 0.05 s, as the blink check uses) is split
into the pair's difference and its sum. A horizontal movement is flagged, on both electrodes as
``gaze``, when the difference spans more than ``gaze_uv`` peak to peak and at least
``gaze_ratio`` times the sum's span.

:class:`OcularSource` then takes back a ``blink`` that cannot come from the eyes (an AF or F
electrode swinging far more than the frontopolar ones), and :class:`BlinkRegression` removes
the eyes' share from the channels a blink reaches.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .regions import normalize_name

#: Mirror pairs of electrodes that see horizontal eye movements, most lateral first.
PAIRS: tuple[tuple[str, str], ...] = (
    ("F7", "F8"), ("AF7", "AF8"), ("F9", "F10"), ("FT9", "FT10"), ("FP1", "FP2"),
)


def _slow(x: np.ndarray, k1: int, k2: int) -> np.ndarray:
    """Two moving averages (``k1`` then ``k2`` samples) along the last axis."""
    c = np.cumsum(x, axis=-1)
    m1 = (c[..., k1:] - c[..., :-k1]) / k1
    c2 = np.cumsum(m1, axis=-1)
    return (c2[..., k2:] - c2[..., :-k2]) / k2


class GazeCheck:
    """Find horizontal eye movements in a batch of windows.

    Parameters
    ----------
    ch_names : list of str
    k1, k2 : int
        Lengths of the two moving averages, samples (the blink check's:
        :meth:`.quality.QualityChecker.smooth_lengths`).
    gaze_uv : float
        Peak-to-peak of the pair's slow difference above which a movement is flagged, uV.
    gaze_ratio : float
        ... and the difference's span must be at least this multiple of the sum's.
    """

    def __init__(
        self, ch_names: list[str], k1: int, k2: int, gaze_uv: float, gaze_ratio: float
    ) -> None:
        label = [normalize_name(c).upper() for c in ch_names]
        self.pairs = np.array(
            [(label.index(a), label.index(b)) for a, b in PAIRS if a in label and b in label],
            dtype=np.intp,
        ).reshape(-1, 2)
        self.k1, self.k2 = int(k1), int(k2)
        self.gaze_uv = float(gaze_uv)
        self.gaze_ratio = float(gaze_ratio)

    def flags(self, x_w: np.ndarray, usable: np.ndarray) -> np.ndarray:
        """Channels showing a horizontal eye movement.

        Parameters
        ----------
        x_w : ndarray, shape (n_frames, n_channels, n_window)
            Filtered windows, uV.
        usable : ndarray of bool, shape (n_frames, n_channels)
            Channels that may be tested (only pairs of such channels are).

        Returns
        -------
        ndarray of bool, shape (n_frames, n_channels)
        """
        out = np.zeros(usable.shape, dtype=bool)
        n = x_w.shape[-1]
        if not self.pairs.size or n <= self.k1 + self.k2:
            return out
        left, right = self.pairs[:, 0], self.pairs[:, 1]
        d = x_w[:, left] - x_w[:, right]  # (n_frames, n_pairs, n)
        # smoothing never widens a span: pairs whose raw difference spans less cannot qualify
        cand = (np.ptp(d, axis=-1) > self.gaze_uv) & usable[:, left] & usable[:, right]
        if not cand.any():
            return out
        fi, pi = np.nonzero(cand)
        # each (frame, pair) on its own contiguous row: batch-independent numbers
        diff = _slow(np.ascontiguousarray(d[fi, pi]), self.k1, self.k2)
        summ = _slow(np.ascontiguousarray(x_w[fi, left[pi]] + x_w[fi, right[pi]]), self.k1, self.k2)
        span_d = np.ptp(diff, axis=-1)
        span_s = np.ptp(summ, axis=-1)
        hit = np.zeros(cand.shape, dtype=bool)
        hit[fi, pi] = (span_d > self.gaze_uv) & (span_d >= self.gaze_ratio * span_s)
        out[:, left] |= hit  # the pairs share no channel
        out[:, right] |= hit
        return out


class OcularSource:
    """Tell a frontal ``blink`` that comes from the eyes from one that does not.

    The eyes' potentials (blinks, vertical movements) fall off with distance from the eyes: in
    a blink the frontopolar electrodes (Fp1, Fpz, Fp2) swing most and those behind them less.
    On EEGMMIDB's eyes-open runs the AF row's slow swing in blink frames is a median 0.6-1.1
    times the largest frontopolar one (90th percentile up to 1.18), the F row's 0.4-0.7. A
    swing on an AF or F electrode far larger than on every usable frontopolar electrode is the
    electrode's own (a moving or loosening contact): on EEGMMIDB S004's eyes-closed run most
    ``blink`` codes were AF8, AF4 or F5 alone at a median 1.6-2.5 times the frontopolar swing,
    with Fp1 and Fp2 still. The blink check tests each frontal channel on its own, so this is
    checked afterwards: such a ``blink`` becomes ``amplitude``. The channel is left out as
    before, but it is not taken for the EOG, and the frame is not an eye-artifact frame (its
    meditation reward is not withheld for it).

    Left as ``blink``: the frontopolar channels themselves; every channel of a montage, or of a
    frame, without a usable frontopolar electrode (nothing to compare with: Muse, Emotiv);
    frames with a horizontal eye movement (``gaze``), whose potential is largest at the outer
    canthi (F7/F8), not the frontopolar row; and an electrode of a mirror pair (F7/F8,
    AF7/AF8, ...) whose partner is not usable, so the gaze check could not rule a horizontal
    movement out.

    Parameters
    ----------
    ch_names : list of str
    frontal : ndarray of bool, shape (n_channels,)
        Channels the blink check tests.
    ratio : float
        A ``blink`` channel whose slow swing exceeds this multiple of the largest usable
        frontopolar one is not ocular.
    """

    def __init__(self, ch_names: list[str], frontal: np.ndarray, ratio: float) -> None:
        label = [normalize_name(c).upper() for c in ch_names]
        polar = np.array([lab.startswith("FP") for lab in label], dtype=bool)
        self.polar = np.flatnonzero(polar)
        self.tested = np.flatnonzero(np.asarray(frontal, dtype=bool) & ~polar)
        self.mirror = np.full(len(label), -1, dtype=np.intp)
        for a, b in PAIRS:
            if a in label and b in label:
                self.mirror[label.index(a)], self.mirror[label.index(b)] = (
                    label.index(b), label.index(a))
        self.ratio = float(ratio)

    def not_ocular(
        self, swing: np.ndarray, codes: np.ndarray, blink: int, gaze: int, usable: np.ndarray
    ) -> np.ndarray:
        """``blink`` channels whose swing the frontopolar electrodes do not share.

        Parameters
        ----------
        swing : ndarray, shape (n_frames, n_channels)
            Each raw window's slow deflection as the blink check measured it, uV
            (:meth:`.batch.BatchQuality.codes_and_deflection`).
        codes : ndarray of int, shape (n_frames, n_channels)
            Reason codes after the gaze check.
        blink, gaze : int
            The ``blink`` and ``gaze`` codes.
        usable : ndarray of bool, shape (n_frames, n_channels)
            Channels that may serve as the comparison or as a mirror partner (``ok``,
            ``blink`` or ``gaze``).

        Returns
        -------
        ndarray of bool, shape (n_frames, n_channels)
        """
        out = np.zeros(codes.shape, dtype=bool)
        if not self.polar.size or not self.tested.size:
            return out
        is_blink = codes == blink
        frames = np.flatnonzero(is_blink[:, self.tested].any(axis=1)
                                & usable[:, self.polar].any(axis=1)
                                & ~(codes == gaze).any(axis=1))
        for f in frames:
            ref = swing[f, self.polar[usable[f, self.polar]]].max()
            for c in self.tested[is_blink[f, self.tested]]:
                m = self.mirror[c]
                if m >= 0 and not usable[f, m]:
                    continue  # a horizontal movement cannot be ruled out
                out[f, c] = swing[f, c] > self.ratio * ref
        return out


class BlinkRegression:
    """Remove a blink or eye movement from the channels it reaches (EOG regression per window).

    A blink seen at Fp1/Fp2 spreads backwards (in EEGMMIDB subject 3, 600-800 uV at Fp1 and still
    150-200 uV at FC1/FCz); leaving only the flagged electrodes out would let the rest raise
    broadband power, which the meditation score rewards. In each frame with eye artifacts the
    flagged electrodes serve as the EOG: their mean, smoothed (0.1-s then 0.05-s moving
    averages, the slow band where blinks live), is the blink waveform ``v``. Every other usable
    channel's slow part is regressed on ``v`` (least squares over the window, the method of
    Gratton, Coles and Donchin 1983 with the frontal electrodes as the EOG), and where the
    fitted blink component spans more than ``min_uv`` it is subtracted. The flagged electrodes
    themselves are left out (and rebuilt from the cleaned ones).

    Everything uses the frame's own window: no state, no samples after the window's end.

    Parameters
    ----------
    k1, k2 : int
        Lengths of the two moving averages, samples (as for :class:`GazeCheck`).
    min_uv : float
        Smallest blink component (peak to peak, uV) worth subtracting.
    """

    def __init__(self, k1: int, k2: int, min_uv: float) -> None:
        self.k1, self.k2 = int(k1), int(k2)
        self.min_uv = float(min_uv)

    def fit(
        self, x: np.ndarray, eye: np.ndarray, usable: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The blink component of one frame.

        Parameters
        ----------
        x : ndarray, shape (n_channels, n_window)
            The frame's filtered window, uV.
        eye : ndarray of bool, shape (n_channels,)
            Channels flagged ``blink`` or ``gaze`` (the EOG).
        usable : ndarray of bool, shape (n_channels,)
            Channels to clean (their own checks passed).

        Returns
        -------
        (rows, beta, v) or None
            Channels to clean, their coefficients (shape (n_rows,)) and the blink waveform
            (shape (n_window,), uV): subtract ``beta[:, None] * v``. None when nothing
            reaches ``min_uv``.
        """
        n = x.shape[-1]
        cand = np.flatnonzero(usable & ~eye)
        if cand.size == 0 or not eye.any() or n <= self.k1 + self.k2:
            return None
        eog = np.ascontiguousarray(x[eye].mean(axis=0))  # the flagged channels' mean
        v_full = _smooth_same(eog, self.k1, self.k2)
        slow = _slow(np.ascontiguousarray(x[cand]), self.k1, self.k2)
        v = _slow(eog, self.k1, self.k2)
        v = v - v.mean()
        vv = float(v @ v)
        if vv <= 0.0:
            return None
        beta = (slow - slow.mean(axis=1, keepdims=True)) @ v / vv
        keep = np.abs(beta) * np.ptp(v) > self.min_uv
        if not keep.any():
            return None
        return cand[keep], beta[keep], v_full


def _smooth_same(v: np.ndarray, k1: int, k2: int) -> np.ndarray:
    """:func:`_slow` of a 1-D signal at full length (edges averaged over what is there)."""
    out = v
    for k in (k1, k2):
        out = np.convolve(out, np.ones(k), mode="same") / _edge_counts(out.size, k)
    return out


@lru_cache(maxsize=16)
def _edge_counts(n: int, k: int) -> np.ndarray:
    """How many samples a length-``k`` moving sum covers at each of ``n`` positions ("same"
    mode: fewer at the edges); computed once per (n, k)."""
    out = np.convolve(np.ones(n), np.ones(k), mode="same")
    out.setflags(write=False)
    return out


def ringdown_s(deflection_uv: float, tau_s: float, level_uv: float) -> float:
    """How long the causal high-pass keeps ringing after an eye artifact, s.

    A blink is a slow pulse of a few hundred uV; once it has passed, the pipeline's high-pass
    (:class:`.filters.FilterChain`) rings on in the opposite direction and decays with the time
    constant of its slowest pole, ``tau_s`` (0.42 s for the default 1-Hz, 4th-order
    Butterworth). Starting from no more than the deflection itself, the ring-down falls under
    ``level_uv`` (the pipeline's ``ringdown_uv``, 30 uV: half the blink check's threshold) after

    ``tau ln(deflection / level)``  (0 at or under the level).

    At 30 uV a 600-uV blink rings for 1.25 s, an 80-uV one for 0.4 s. Frames in that time after an
    eye-artifact frame count as eye frames (``FeatureFrame.eye_artifact``): their filtered
    window still holds the ring-down, which the blink check does not flag (it requires the
    raw deflection, gone with the blink), and on real heads it raised the meditation score
    (docs/quality.md).

    Parameters
    ----------
    deflection_uv : float
        The largest raw slow deflection of the frame's eye channels (peak to peak, uV).
    tau_s : float
        Ring-down time constant of the high-pass, s (:func:`.filters.slowest_decay_s`).
    level_uv : float
        Level under which the ring-down no longer counts, uV (> 0). At the blink check's own
        threshold (60 uV) what is left still raised the meditation score on two real
        recordings; docs/quality.md has both.
    """
    if not deflection_uv > level_uv:
        return 0.0
    return tau_s * math.log(deflection_uv / level_uv)
