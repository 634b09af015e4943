"""A sleep lab's two derivations (Fpz-Cz, Pz-Oz at 100 Hz): awake, then deep sleep.

Made to published facts, not to the pipeline: awake with posterior alpha and 150-uV, 300-ms
blinks on Fpz-Cz every 4 s; deep sleep with a steep background spectrum (1/f^2.8; scalp
exponents about 2.8 in N3, Schneider et al. 2022) and 0.5-2 Hz slow waves 2.5 times larger on
Fpz-Cz than on Pz-Oz (AASM: frontal maximum). No real polysomnogram is in the project's data.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

FS = 100.0
NAMES = ["Fpz-Cz", "Pz-Oz"]
BLINK_EVERY_S = 4.0


def coloured(n: int, exponent: float, rms: float, rng: np.random.Generator) -> np.ndarray:
    """Noise whose power falls as 1/f**exponent above 0.5 Hz, ``rms`` uV."""
    f = np.fft.rfftfreq(n, 1.0 / FS)
    spec = rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)
    spec *= np.where(f >= 0.5, np.maximum(f, 0.5) ** (-exponent / 2.0), 0.0)
    x = np.fft.irfft(spec, n)
    return x / x.std() * rms


def band(n: int, lo: float, hi: float, rms: float, rng: np.random.Generator) -> np.ndarray:
    """Noise with a flat spectrum in ``lo``-``hi`` Hz only, ``rms`` uV."""
    f = np.fft.rfftfreq(n, 1.0 / FS)
    spec = (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)) * ((f >= lo) & (f <= hi))
    x = np.fft.irfft(spec, n)
    return x / x.std() * rms


def night(wake_s: float, sleep_s: float, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """``(data, blink_at)``: uV, shape (2, n), and the blinks' start times, s."""
    rng = np.random.default_rng(seed)
    nw, ns = int(wake_s * FS), int(sleep_s * FS)
    front = np.r_[coloured(nw, 1.0, 8.0, rng), coloured(ns, 2.8, 12.0, rng)]
    back = np.r_[coloured(nw, 1.0, 8.0, rng), coloured(ns, 2.8, 10.0, rng)]
    t = np.arange(nw) / FS
    back[:nw] += 20.0 * np.sin(2 * np.pi * 10.0 * t)  # relaxed wakefulness: posterior alpha
    front[:nw] += band(nw, 15.0, 30.0, 3.0, rng)
    blink_at = np.arange(3.0, wake_s - 1.0, BLINK_EVERY_S)
    k = int(0.3 * FS)
    shape = 150.0 * np.sin(np.pi * np.arange(k) / k) ** 2
    for b in blink_at:
        i = int(b * FS)
        front[i : i + k] += shape
    front[nw:] += band(ns, 0.5, 2.0, 45.0, rng)  # deep sleep: frontal-dominant slow waves
    back[nw:] += band(ns, 0.5, 2.0, 18.0, rng)
    return np.array([front, back]), blink_at


START = dt.time(23, 10, 0)
DAY = dt.date(1989, 4, 24)


def write_psg(path, wake_s: float, sleep_s: float, annotations=()):
    """A Sleep-EDF-like PSG of :func:`night`: the two EEG derivations and a flat horizontal
    EOG, 30-s records, starting at :data:`START` on :data:`DAY`."""
    import edfio

    data, _ = night(wake_s, sleep_s)
    sigs = [edfio.EdfSignal(data[i], FS, label=f"EEG {n}", physical_dimension="uV",
                            physical_range=(-500, 500)) for i, n in enumerate(NAMES)]
    sigs.append(edfio.EdfSignal(np.zeros(data.shape[1]), FS, label="EOG horizontal",
                                physical_dimension="uV", physical_range=(-500, 500)))
    edfio.Edf(sigs, starttime=START, data_record_duration=30, annotations=list(annotations),
              recording=edfio.Recording(startdate=DAY)).write(path)
    return path


def write_hypnogram(path, stages, start=START, day=DAY, shift_s: float = 0.0):
    """Stages as Sleep-EDF scores them, an EDF+ file of annotations only: ``stages`` is a list
    of ``(onset_s, duration_s, label)``."""
    import edfio

    ann = [edfio.EdfAnnotation(onset + shift_s, duration, label) for onset, duration, label in stages]
    edfio.Edf([], annotations=ann, starttime=start,
              recording=edfio.Recording(startdate=day)).write(path)
    return path
