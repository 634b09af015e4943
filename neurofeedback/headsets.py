"""A recording seen through a headset's montage: its electrodes only, at the headset's rate.

Validation (``neurofeedback validate --montages``) runs the same heads again through the
electrode sets and sample rates of the headsets our users wear, so that what the pipeline does
with 8 or 4 electrodes is measured on real heads, not only with the 19-64 of the recordings.
A montage keeps the file's own reference, amplifier and noise: it is the same head measured by
fewer electrodes, not a recording made with that headset.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

from .channels import OPENBCI_DEFAULTS
from .errors import UsageError
from .io.loaded import LoadedFile
from .io.openbci_txt import BOARD_RATES
from .pipeline.regions import site_rows


@dataclass(frozen=True)
class Montage:
    """A headset's electrodes and sample rate.

    Attributes
    ----------
    name : str
        Short name, as ``--montages`` takes it.
    channels : tuple of str
        10-20 sites, in the headset's channel order.
    sfreq : float
        The headset's sample rate, Hz.
    what : str
        Where the layout comes from.
    """

    name: str
    channels: tuple[str, ...]
    sfreq: float
    what: str


_WHAT = {
    "cyton": "OpenBCI Cyton, its default 8-electrode layout",
    "cyton-daisy": "OpenBCI Cyton + Daisy, its default 16-electrode layout",
    "ganglion": "OpenBCI Ganglion, 4 electrodes: a frontal and an occipital pair",
}

#: The headset montages ``validate --montages`` knows, by name: OpenBCI's default layouts
#: (:data:`neurofeedback.channels.OPENBCI_DEFAULTS`) at the boards' rates.
HEADSET_MONTAGES: dict[str, Montage] = {
    name: Montage(name, OPENBCI_DEFAULTS[name], BOARD_RATES[name], what)
    for name, what in _WHAT.items()
}


def parse_montages(text: str | None) -> tuple[Montage, ...]:
    """The montages a ``--montages`` value names: comma-separated names, or ``all`` alone.

    Raises
    ------
    UsageError
        For an unknown name, ``all`` mixed with names, or a value naming none (the message
        lists the known ones).
    """
    if text is None:
        return ()
    known = f"{', '.join(HEADSET_MONTAGES)} or all"
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise UsageError(f"--montages takes {known}, comma-separated; got {text!r}")
    if "all" in names:
        if names != ["all"]:
            raise UsageError(f"--montages takes all alone or names from {', '.join(HEADSET_MONTAGES)}; "
                             f"got {text}")
        return tuple(HEADSET_MONTAGES.values())
    unknown = [n for n in names if n not in HEADSET_MONTAGES]
    if unknown:
        raise UsageError(f"--montages takes {known}, comma-separated; got {', '.join(unknown)}")
    return tuple(HEADSET_MONTAGES[n] for n in dict.fromkeys(names))


def missing_channels(ch_names: list[str], montage: Montage) -> list[str]:
    """The montage's sites that ``ch_names`` lacks (old names T3-T6 count as T7/T8/P7/P8)."""
    return site_rows(ch_names, montage.channels)[1]


def apply_montage(loaded: LoadedFile, montage: Montage) -> LoadedFile:
    """``loaded`` restricted to the montage's electrodes and resampled to its rate.

    Resampling is polyphase (:func:`scipy.signal.resample_poly`, its default anti-aliasing
    window), by the ratio of the two rates as a fraction with a denominator of at most
    10 000; markers and spans keep their times. The result is labelled with the rate that
    ratio gives: the montage's whenever the ratio is exact (any integer rate up to 10 kHz,
    such as 160, 512 or 2048 Hz), otherwise within a few parts per million of it (a file
    whose time column gives 199.93 Hz comes out at 200.0000035 Hz, labelled so), so that
    times stay right.
    A file already at the montage's rate is not resampled.

    Parameters
    ----------
    loaded : LoadedFile
    montage : Montage

    Returns
    -------
    LoadedFile
        Channels named as the montage names them, in its order.

    Raises
    ------
    UsageError
        When the file lacks any of the montage's electrodes (all of them named).
    """
    rows, lacking = site_rows(list(loaded.ch_names), montage.channels)
    if lacking:
        raise UsageError(f"the {montage.name} montage needs {', '.join(lacking)}, which "
                         f"{loaded.path} lacks")
    data = loaded.data[rows]
    ratio = (Fraction(montage.sfreq) / Fraction(loaded.sfreq)).limit_denominator(10_000)
    if ratio != 1:
        data = resample_poly(data, ratio.numerator, ratio.denominator, axis=1)
    sfreq = float(loaded.sfreq * ratio)  # the rate the data now has
    n = data.shape[1]
    start = float(loaded.timestamps[0]) if loaded.timestamps.size else 0.0
    return dataclasses.replace(
        loaded, data=np.ascontiguousarray(data), sfreq=sfreq,
        ch_names=list(montage.channels), timestamps=start + np.arange(n) / sfreq,
        rows=None, layout=None, board_id=None, board_name=f"{montage.name} montage",
    )
