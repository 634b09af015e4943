"""Small helpers shared by several test files."""

from __future__ import annotations

import time

import numpy as np

from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.filters import FilterChain
from neurofeedback.pipeline.quality import QualityChecker
from neurofeedback.pipeline.regions import region_of
from neurofeedback.pipeline.spectra import WelchPSD


def reference_quality(raw: np.ndarray, end: int, names: list[str], sfreq: float,
                      rail_uv: float | None) -> list[str]:
    """Reasons of the reference :class:`QualityChecker` (no notch) for the 2-s window ending at
    sample ``end`` of ``raw`` (n_channels, n_samples), uV."""
    cfg = PipelineConfig(notch=None)
    chain = FilterChain(sfreq, raw.shape[0], cfg.highpass_hz, cfg.lowpass_hz, None,
                        cfg.filter_order)
    x = chain.process(raw)
    n = int(2 * sfreq)
    welch = WelchPSD(sfreq, n)
    rw, xw = raw[:, end - n : end], x[:, end - n : end]
    frontal = np.array([region_of(c) == "frontal" for c in names])
    qc = QualityChecker(cfg, sfreq, frontal, rail_uv)
    return qc.check(rw, xw, welch(xw), welch(rw), welch.freqs, None, False)


def record_synthetic_board(seconds: float) -> np.ndarray:
    """``seconds`` of BrainFlow's real synthetic board (streamed in real time): every row of
    its data, shape (n_rows, n_samples)."""
    from brainflow.board_shim import BoardIds, BoardShim, BrainFlowInputParams

    BoardShim.disable_board_logger()
    board = BoardShim(BoardIds.SYNTHETIC_BOARD.value, BrainFlowInputParams())
    board.prepare_session()
    try:
        board.start_stream()
        time.sleep(seconds)
        data = board.get_board_data()
        board.stop_stream()
    finally:
        board.release_session()
    return data
