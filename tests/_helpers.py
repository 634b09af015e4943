"""Small helpers shared by several test files."""

from __future__ import annotations

import time

import numpy as np
from reference import quality as ref_quality

from neurofeedback.pipeline.batch import BatchQuality
from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.filters import FilterChain
from neurofeedback.pipeline.quality import REASONS, QualityChecker
from neurofeedback.pipeline.regions import region_of
from neurofeedback.pipeline.spectra import WelchPSD


def window_quality(raw: np.ndarray, end: int, names: list[str], sfreq: float,
                   rail_uv: float | None) -> list[str]:
    """Reasons per channel for the 2-s window ending at sample ``end`` of ``raw``
    (n_channels, n_samples), uV, filtered as the pipeline does (no notch).

    The reasons are those of the pipeline's compiled checks (:class:`BatchQuality`); the
    reference definition (``reference/quality.py``) must give the same ones.
    """
    cfg = PipelineConfig(notch=None)
    chain = FilterChain(sfreq, raw.shape[0], cfg.highpass_hz, cfg.lowpass_hz, None,
                        cfg.filter_order)
    x = chain.process(raw)
    n = int(2 * sfreq)
    welch = WelchPSD(sfreq, n)
    rw = np.ascontiguousarray(raw[:, end - n : end])
    xw = np.ascontiguousarray(x[:, end - n : end])
    psd, raw_psd = welch(xw), welch(rw)
    frontal = np.array([region_of(c) == "frontal" for c in names])
    qc = QualityChecker(cfg, sfreq, frontal, rail_uv)
    codes = BatchQuality(qc, welch.freqs).codes_and_deflection(
        rw[None], xw[None], psd[None], raw_psd[None], None, False
    )[0][0]
    got = [REASONS[c] for c in codes]
    assert got == ref_quality.check(qc, rw, xw, psd, raw_psd, welch.freqs, None, False)
    return got


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
