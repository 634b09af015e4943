"""Brain regions and electrode positions from 10-20 channel names."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ..channels import normalize_name as _channels_normalize
from ..channels import standard_positions

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
    """A channel name reduced to its 10-20 site, e.g. ``"EEG O1-REF"`` -> ``"O1"``.

    Spelling is :func:`neurofeedback.channels.normalize_name`'s; for placing electrodes the old
    names T3/T4/T5/T6 also map to T7/T8/P7/P8. Unknown names come back as that function gives them.
    """
    s = _channels_normalize(name)
    return _ALIASES.get(s.upper(), s)


def site_rows(have: Sequence[str], want: Sequence[str]) -> tuple[list[int], list[str]]:
    """Where each channel of ``want`` is in ``have``, matched by 10-20 site (:func:`normalize_name`:
    spelling, prefixes, and the old names T3-T6 as T7/T8/P7/P8).

    Parameters
    ----------
    have, want : sequence of str
        Channel names; of duplicates in ``have`` the first counts.

    Returns
    -------
    rows : list of int
        Index in ``have`` of each channel of ``want`` that it has, in ``want``'s order.
    missing : list of str
        The channels of ``want`` (as ``want`` spells them) that ``have`` lacks.
    """
    index: dict[str, int] = {}
    for i, name in enumerate(have):
        index.setdefault(normalize_name(name), i)
    sites = [normalize_name(w) for w in want]
    return ([index[s] for s in sites if s in index],
            [w for w, s in zip(want, sites, strict=True) if s not in index])


def region_of(name: str) -> str | None:
    """Region of a channel (``docs/metrics.md``, section Regions), or None for unknown names.

    frontal: Fp, AF, F; central: FC, C; parietal: CP, P; occipital: PO, O (and I);
    left/right temporal: FT, T, TP and the lateral P7/P8 (P9/P10), odd numbers left, even right.
    A bipolar scalp derivation (``Fpz-Cz``, ``Pz-Oz`` of a sleep lab) gets the region of its
    first site, so that frontal quality checks (blinks) reach it; it has no head position.
    """
    label = normalize_name(name).upper()
    m = _NAME_RE.match(label)
    if not m and "-" in label:
        m = _NAME_RE.match(label.split("-", 1)[0])
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


def _montage_positions() -> dict[str, np.ndarray]:
    return standard_positions()


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
