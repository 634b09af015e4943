"""The blink check ignores fast oscillations and broadband noise and still finds blinks.

BrainFlow's synthetic board (the default demo source) puts 45-80 Hz sines of 650-1330 uV peak to
peak, with large broadband noise, on its frontal channels F5..F8; none of it is a blink.
"""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import record_synthetic_board, window_quality
from reference.quality import slow_deflection

from neurofeedback.pipeline.config import PipelineConfig
from neurofeedback.pipeline.pipeline import Pipeline
from neurofeedback.pipeline.quality import QualityChecker
from neurofeedback.pipeline.regions import region_of

SF = 250.0
NAMES = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "T7", "T8"]


def _quality(raw: np.ndarray, end: int) -> list[str]:
    return window_quality(raw, end, NAMES, SF, None)


def _background(n: int, seed: int) -> np.ndarray:
    """Quiet EEG-like background: 10-uV alpha plus 3-uV white noise per channel."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SF
    return 10 * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 6, (len(NAMES), 1))) + 3 * (
        rng.standard_normal((len(NAMES), n))
    )


def test_slow_deflection_rejects_fast_sines_keeps_blinks():
    qc = QualityChecker(PipelineConfig(), SF, np.ones(1, bool), None)
    t = np.arange(500) / SF
    # analytic bound: the two moving averages pass at most 0.8 % of any sine above 40 Hz,
    # so a 1000-uV peak-to-peak sine leaves at most ~16 uV peak to peak (8 uV amplitude x 2)
    for f0 in (45.0, 55.0, 65.0, 75.0, 50.0, 60.0, 80.0):
        d = slow_deflection(qc, 500 * np.sin(2 * np.pi * f0 * t + 0.3)[None, :])[0]
        assert d < 16.0, (f0, d)
    k = int(0.3 * SF)  # 150-uV, 300-ms half-sine: keeps > 90 % of its height
    w = np.zeros((1, 500))
    w[0, 200 : 200 + k] = 150 * np.sin(np.pi * (np.arange(k) + 0.5) / k)
    assert 0.9 * 150 < slow_deflection(qc, w)[0] <= 150


def test_fast_sine_on_frontal_channel_is_not_a_blink_but_a_half_sine_is():
    n = int(12 * SF)
    raw = _background(n, seed=3)
    t = np.arange(n) / SF
    raw[0] += 500 * np.sin(2 * np.pi * 75 * t)  # 1000 uV peak to peak at Fp1
    q = _quality(raw, int(9.0 * SF))
    assert q[0] != "blink" and "blink" not in q
    k = int(0.3 * SF)
    raw[0, int(8.0 * SF) : int(8.0 * SF) + k] += 150 * np.sin(np.pi * (np.arange(k) + 0.5) / k)
    raw[1, int(8.0 * SF) : int(8.0 * SF) + k] += 150 * np.sin(np.pi * (np.arange(k) + 0.5) / k)
    assert _quality(raw, int(9.0 * SF))[:2] == ["blink", "blink"]


def test_blink_on_top_of_broadband_noise_that_size_is_not_claimed():
    # white noise of 75 uV RMS (as on the synthetic board's F8) wanders by ~60 uV after the
    # smoothing by itself; the check asks the deflection to stand out from the 20-45 Hz RMS
    n = int(12 * SF)
    raw = _background(n, seed=4)
    raw[0] += 75 * np.random.default_rng(9).standard_normal(n)
    ends = range(int(4 * SF), n, int(0.1 * SF))
    assert all(_quality(raw, e)[0] != "blink" for e in ends[::5])


@pytest.fixture(scope="module")
def synthetic_board_data():
    """About 8 s of BrainFlow's real synthetic board (the old blink check flagged its frontal
    channels within every 5 s)."""
    from brainflow.board_shim import BoardIds, BoardShim

    bid = BoardIds.SYNTHETIC_BOARD.value
    data = record_synthetic_board(8.0)
    rows = BoardShim.get_eeg_channels(bid)
    return data[rows], BoardShim.get_eeg_names(bid), float(BoardShim.get_sampling_rate(bid))


def test_brainflow_synthetic_board_has_no_blinks(synthetic_board_data):
    eeg, names, sf = synthetic_board_data
    assert eeg.shape[1] > 6 * sf
    frontal = [i for i, c in enumerate(names) if region_of(c) == "frontal"]
    assert {"F5", "F6", "F7", "F8"} <= {names[i] for i in frontal}
    assert np.ptp(eeg[names.index("F8")]) > 600  # the large fast sines are there
    pipe = Pipeline(sf, names)
    frames = []
    for s in range(0, eeg.shape[1], 25):  # live-sized chunks
        frames += pipe.push(eeg[:, s : s + 25])
    assert len(frames) > 40
    assert not any("blink" in f.channel_quality for f in frames)
