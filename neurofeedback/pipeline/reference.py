"""Each channel judged against its own recent past: the checks that fixed limits miss.

Muscle tension of a few microvolts raises a channel's 20-45 Hz power well above its own usual
level while staying under any fixed limit that quiet heads and noisy headsets share; a loosening
electrode, sweat or a moving cable raises its 1-4 Hz power the same way. For each such band,
each channel's power in the frame's 2-s window is compared with a robust reference of the same
channel: the median and the median absolute deviation (MAD) of its log power over the last
``quality_ref_s`` seconds (sampled every 0.5 s). A channel stands out when its power exceeds
the median by more than a margin in dB and by more than a number of scaled MADs.

The median is robust: artifacts present less than half of the time do not move it, so the
reference follows slow changes of the electrode (it adapts within about half of the span) but
not bursts. What lasts for most of the span becomes the reference: these checks catch changes;
the absolute tests in :mod:`.quality` catch what is wrong from the start.

Everything is computed in stream order from the filtered samples, frame by frame, with state
carried across pushes, so frames do not depend on how the stream is chunked or batched.
"""

from __future__ import annotations

import numpy as np

from .baseline import MAD_SCALE
from .batch import frame_windows
from .config import PipelineConfig
from .filters import CausalFilter, design_sos
from .history import SlidingHistory
from .quality import SLOW_BAND_HZ, emg_highpass

#: The reference takes one value every this many frames (0.5 s at the default hop).
SAMPLE_EVERY = 5


class BandReference:
    """Per-channel running references of the power in a few bands, and the tests against them.

    Parameters
    ----------
    sos : list of ndarray, each shape (n_sections, 6)
        One causal filter per band, selecting it from the preprocessed signal.
    n_channels : int
    n_window : int
        Samples per analysis window.
    config : PipelineConfig
        Uses ``quality_ref_s``, ``quality_ref_warmup_s`` and ``hop_s``.
    margin_db : list of float
        Per band: a channel stands out when its band power exceeds its reference median by
        more than this, dB ...
    mads : list of float
        ... and by more than this many scaled median absolute deviations.
    """

    def __init__(
        self, sos: list[np.ndarray], n_channels: int, n_window: int, config: PipelineConfig,
        margin_db: list[float], mads: list[float],
    ) -> None:
        self.n_win = int(n_window)
        self.n_ch = int(n_channels)
        self._filters = [CausalFilter(s, n_channels) for s in sos]
        rows = len(sos) * n_channels  # bands stacked: band 0's channels, then band 1's ...
        # squared band-passed samples: the last window, and room for live pushes (no copies)
        self._squares = SlidingHistory(rows, self.n_win, 4 * self.n_win)
        n_hist = max(1, int(round(config.quality_ref_s / (SAMPLE_EVERY * config.hop_s))))
        self._hist = np.zeros((n_hist, rows))  # ring buffer of log10 powers
        self._n_seen = 0  # values written into the ring so far
        self._warm = max(
            1, int(round(config.quality_ref_warmup_s / (SAMPLE_EVERY * config.hop_s)))
        )
        self._db = np.repeat(np.asarray(margin_db, dtype=float), n_channels)
        self._mads = np.repeat(np.asarray(mads, dtype=float), n_channels)
        self._threshold: np.ndarray | None = None  # log10 power limit per row (cached)

    def update(self, x: np.ndarray, starts: np.ndarray, frame_index: np.ndarray) -> np.ndarray:
        """Filter a new block and test the windows of the frames it completes.

        Parameters
        ----------
        x : ndarray, shape (n_channels, n_samples)
            The new block of the preprocessed (band-passed) signal, uV.
        starts : ndarray of int, shape (n_frames,)
            Start of each completed window in the block preceded by the last ``n_window``
            samples of the previous one (the pipeline's ``cat_*`` coordinates).
        frame_index : ndarray of int, shape (n_frames,)
            Global index of each frame (decides which frames feed the reference).

        Returns
        -------
        ndarray of bool, shape (n_frames, n_bands, n_channels)
            True where the channel's band power stands out from its own reference.
        """
        cat = self._squares.append(*[np.square(f.process(x)) for f in self._filters])
        out = np.zeros((len(starts), cat.shape[0]), dtype=bool)
        if len(starts):
            # each window's sum runs over its own contiguous row: the same numbers whatever
            # the chunking or batching
            power = frame_windows(cat, starts, self.n_win, copy=False).sum(axis=-1) / self.n_win
            logp = np.log10(power + 1e-12)  # (n_frames, n_rows)
            for i, k in enumerate(frame_index):
                if self._threshold is not None:
                    out[i] = logp[i] > self._threshold
                if k % SAMPLE_EVERY == 0:
                    self._hist[self._n_seen % len(self._hist)] = logp[i]
                    self._n_seen += 1
                    # the limit follows every other new value (once a second at the default hop)
                    if self._n_seen >= self._warm and (
                        self._threshold is None or self._n_seen % 2 == 0
                    ):
                        self._threshold = self._limit()
        return out.reshape(len(starts), len(self._filters), self.n_ch)

    def _limit(self) -> np.ndarray:
        """log10 power above which a channel stands out: median + max(dB margin, k MADs)."""
        hist = self._hist[: min(self._n_seen, len(self._hist))]
        med = np.median(hist, axis=0)
        mad = np.median(np.abs(hist - med), axis=0) * MAD_SCALE
        return med + np.maximum(self._db / 10.0, self._mads * mad)


def channel_reference(
    sfreq: float, n_channels: int, n_window: int, config: PipelineConfig
) -> BandReference:
    """The pipeline's two relative checks: band 0, 20-45 Hz power (``emg``: ``emg_ref_db``,
    ``emg_ref_mads``); band 1, 1-4 Hz power (``amplitude``: movement, a loosening electrode,
    sweat; ``slow_ref_db``, ``slow_ref_mads``)."""
    return BandReference(
        [emg_highpass(sfreq), design_sos(sfreq, "lowpass", SLOW_BAND_HZ[1], 4)],
        n_channels, n_window, config,
        [config.emg_ref_db, config.slow_ref_db], [config.emg_ref_mads, config.slow_ref_mads],
    )
