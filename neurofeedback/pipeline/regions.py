"""Brain regions and electrode positions from 10-20 channel names."""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

import numpy as np

REGIONS: tuple[str, ...] = (
    "frontal",
    "central",
    "parietal",
    "occipital",
    "left_temporal",
    "right_temporal",
)

# old 10-20 names -> modern (MCN) names
_ALIASES = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}
_NAME_RE = re.compile(r"^(FP|AF|FT|FC|F|CP|C|TP|T|PO|P|O|I)(\d+|Z)$")


def normalize_name(name: str) -> str:
    """A channel name reduced to its 10-20 label, e.g. ``"EEG O1-REF"`` -> ``"O1"``.

    Strips an ``EEG`` prefix and a reference suffix (``-REF``, ``-A1``, ``-LE``, ...), maps the
    old names T3/T4/T5/T6 to T7/T8/P7/P8. Unknown names come back stripped but otherwise as is.
    """
    s = name.strip()
    s = re.sub(r"^(EEG|EXG)[\s_:-]+", "", s, flags=re.IGNORECASE)
    s = re.sub(r"-(REF|A1|A2|M1|M2|LE|AR|AVG|CZ)$", "", s, flags=re.IGNORECASE)
    s = s.strip()
    up = s.upper()
    if up in _ALIASES:
        return _ALIASES[up]
    m = _NAME_RE.match(up)
    if not m:
        return s
    prefix, num = m.groups()
    pretty = {"FP": "Fp"}.get(prefix, prefix)
    return pretty + ("z" if num == "Z" else num)


def region_of(name: str) -> str | None:
    """Region of a channel per DESIGN section 4, or None for unknown names.

    frontal: Fp, AF, F; central: FC, C; parietal: CP, P; occipital: PO, O (and I);
    left/right temporal: FT, T, TP and the lateral P7/P8 (P9/P10), odd numbers left, even right.
    """
    label = normalize_name(name).upper()
    m = _NAME_RE.match(label)
    if not m:
        return None
    prefix, num = m.groups()
    side = None if num == "Z" else ("left" if int(num) % 2 else "right")
    lateral_p = prefix == "P" and num in ("7", "8", "9", "10")
    if prefix in ("FT", "T", "TP") or lateral_p:
        return None if side is None else f"{side}_temporal"
    if prefix in ("FP", "AF", "F"):
        return "frontal"
    if prefix in ("FC", "C"):
        return "central"
    if prefix in ("CP", "P"):
        return "parietal"
    return "occipital"  # PO, O, I


@lru_cache(maxsize=1)
def _montage_positions() -> dict[str, np.ndarray]:
    import mne

    # MNE 1.13 logs (and may warn) that the name is deprecated in favour of colin27_1005
    with warnings.catch_warnings(), mne.utils.use_log_level("ERROR"):
        warnings.simplefilter("ignore")
        montage = mne.channels.make_standard_montage("standard_1005")
    pos = montage.get_positions()["ch_pos"]
    return {k.upper(): np.asarray(v, dtype=float) for k, v in pos.items()}


def positions(ch_names: list[str]) -> np.ndarray:
    """3-D head positions (m) of channels in MNE's ``standard_1005`` montage.

    Parameters
    ----------
    ch_names : list of str

    Returns
    -------
    ndarray, shape (n_channels, 3)
        NaN rows for names the montage does not know.
    """
    table = _montage_positions()
    out = np.full((len(ch_names), 3), np.nan)
    for i, name in enumerate(ch_names):
        p = table.get(normalize_name(name).upper())
        if p is not None:
            out[i] = p
    return out


def assign_regions(ch_names: list[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Regions present in a montage and each channel's region index.

    Returns
    -------
    regions : tuple of str
        Regions with at least one channel, in :data:`REGIONS` order.
    index : ndarray of int, shape (n_channels,)
        Index into ``regions``, -1 for channels without a region.
    """
    labels = [region_of(n) for n in ch_names]
    regions = tuple(r for r in REGIONS if r in labels)
    index = np.array([regions.index(r) if r in regions else -1 for r in labels], dtype=int)
    return regions, index
