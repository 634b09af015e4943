"""LSL output: the session as three Lab Streaming Layer streams for other software.

- ``neurofeedback-eeg`` (type ``EEG``): the EEG band-passed causally as the pipeline does it
  (1-45 Hz, 4th-order Butterworth, and the mains notch once the pipeline has detected mains;
  the notch joins the cascade at that moment), float32 microvolts at the source's rate, one
  channel per EEG channel with ``label``, ``unit`` (``microvolts``) and ``type`` (``EEG``) in
  the XDF-standard ``desc/channels/channel`` metadata;
- ``neurofeedback-features`` (type ``Features``): irregular rate, one float64 channel per
  ``features.csv`` number (the OSC columns plus the 0/1 flags ``estimator_in_range`` and
  ``artifact``, feature-table order), one sample per frame stamped at the
  frame's time; empty values are NaN;
- ``neurofeedback-markers`` (type ``Markers``): irregular, one string channel: protocol events,
  user markers, and each change of the estimator's phase (``phase:<name>``).

Time stamps are on the LSL clock: the session anchors stream time 0 on it when its first chunk
arrives (an LSL source's own stamps, else ``local_clock()``), and every sample and frame is
stamped at anchor + its stream time (a chunk's
last sample; earlier ones are back-dated at the nominal rate). Live, that is the moment it
arrived; a replay faster than real time runs ahead of the wall clock, consistently. Source ids are derived from the session
(``<session>-eeg`` etc.), so a recorder (LabRecorder) can pick a restarted stream up again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pylsl

from ..io.marker_labels import estimator_phase
from ..pipeline.filters import FilterChain
from .osc import NUMBER_COLUMNS, frame_numbers

log = logging.getLogger(__name__)

#: Stream names.
EEG_NAME, FEATURES_NAME, MARKERS_NAME = "neurofeedback-eeg", "neurofeedback-features", "neurofeedback-markers"


def _channels(info: pylsl.StreamInfo, labels: Sequence[str], unit: str, kind: str) -> None:
    chans = info.desc().append_child("channels")
    for label in labels:
        ch = chans.append_child("channel")
        ch.append_child_value("label", str(label))
        ch.append_child_value("unit", unit)
        ch.append_child_value("type", kind)


class LslOutput:
    """Three LSL outlets for one session (created by :meth:`open`).

    Parameters
    ----------
    ch_names : sequence of str
        EEG channel names.
    sfreq : float
        Sample rate, Hz.
    session_id : str
        Stable part of the source ids (e.g. the recording folder's name).
    """

    def __init__(self, ch_names: Sequence[str], sfreq: float, session_id: str) -> None:
        self.ch_names = [str(c) for c in ch_names]
        self.sfreq = float(sfreq)
        self.session_id = str(session_id)
        self._chain = FilterChain(self.sfreq, len(self.ch_names), 1.0,
                                  min(45.0, 0.45 * self.sfreq), None)
        self._mains: float | None = None
        self._anchor: float | None = None  # LSL time of stream time 0
        self._phase = ""
        eeg = pylsl.StreamInfo(EEG_NAME, "EEG", len(self.ch_names), self.sfreq,
                               pylsl.cf_float32, f"{self.session_id}-eeg")
        _channels(eeg, self.ch_names, "microvolts", "EEG")
        feats = pylsl.StreamInfo(FEATURES_NAME, "Features", len(NUMBER_COLUMNS),
                                 pylsl.IRREGULAR_RATE, pylsl.cf_double64,
                                 f"{self.session_id}-features")
        _channels(feats, NUMBER_COLUMNS, "", "Feature")
        marks = pylsl.StreamInfo(MARKERS_NAME, "Markers", 1, pylsl.IRREGULAR_RATE,
                                 pylsl.cf_string, f"{self.session_id}-markers")
        self.eeg = pylsl.StreamOutlet(eeg)
        self.features = pylsl.StreamOutlet(feats)
        self.markers = pylsl.StreamOutlet(marks)

    def send_chunk(
        self, data: np.ndarray, end_s: float, mains_hz: float | None, lsl_anchor: float
    ) -> None:
        """Filter and push one chunk of EEG, shape (n_channels, n_samples), uV, whose last
        sample is at stream time ``end_s``; ``lsl_anchor`` is the LSL time of stream time 0 (the
        session's, shared with its external markers)."""
        self._anchor = lsl_anchor
        if mains_hz is not None and self._mains is None:
            self._mains = mains_hz
            self._chain = FilterChain(self.sfreq, len(self.ch_names), 1.0,
                                      min(45.0, 0.45 * self.sfreq), mains_hz)
        if data.shape[1] == 0:
            return
        x = self._chain.process(np.asarray(data, dtype=float))
        self.eeg.push_chunk(np.ascontiguousarray(x.T, dtype=np.float32).tolist(),
                            self._anchor + end_s)

    def _stamp(self, time_s: float) -> float:
        return (self._anchor if self._anchor is not None else pylsl.local_clock()) + time_s

    def send(self, frames: Sequence[Any], events: Iterable[Any] = ()) -> None:
        """One features sample per frame; phase changes and events as markers."""
        for fr in frames:
            self.features.push_sample(frame_numbers(fr, NUMBER_COLUMNS), self._stamp(fr.time_s))
            if fr.phase != self._phase:
                self._phase = fr.phase
                self.markers.push_sample([estimator_phase(fr.phase)], self._stamp(fr.time_s))
        for ev in events:
            t = getattr(ev, "time_s", None)
            stamp = self._stamp(t) if t is not None else pylsl.local_clock()
            self.markers.push_sample([str(getattr(ev, "label", ev))], stamp)

    def close(self) -> None:
        """Close the outlets (consumers see the streams end)."""
        for name in ("eeg", "features", "markers"):
            setattr(self, name, None)
