"""Electrode sets of the simulator and head positions from MNE's ``standard_1005`` montage."""

from __future__ import annotations

import numpy as np

from ..channels import OPENBCI_DEFAULTS, standard_positions
from ..errors import UsageError
from ..validation import check_option

#: Montage name -> channel names. ``default`` covers all six regions with 16 electrodes.
MONTAGES: dict[str, tuple[str, ...]] = {
    "default": (
        "Fp1", "Fp2", "F7", "F3", "F4", "F8", "C3", "Cz",
        "C4", "T7", "T8", "P3", "Pz", "P4", "O1", "O2",
    ),
    "cyton": OPENBCI_DEFAULTS["cyton"],
    "cyton-daisy": OPENBCI_DEFAULTS["cyton-daisy"],
    "10-20": (
        "Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz",
        "C4", "T8", "P7", "P3", "Pz", "P4", "P8", "O1", "O2",
    ),
}

#: Electrodes whose centroid places each simulated region source (fixed, montage-independent).
REGION_SITES: dict[str, tuple[str, ...]] = {
    "frontal": ("Fp1", "Fp2", "AF3", "AF4", "F3", "Fz", "F4"),
    "central": ("FC1", "FC2", "C3", "Cz", "C4"),
    "parietal": ("CP1", "CP2", "P3", "Pz", "P4"),
    "occipital": ("PO3", "PO4", "O1", "Oz", "O2"),
    "left_temporal": ("FT7", "T7", "TP7"),
    "right_temporal": ("FT8", "T8", "TP8"),
}


def montage_channels(name: str) -> tuple[str, ...]:
    """Channel names of the montage ``name`` (see :data:`MONTAGES`)."""
    check_option("montage", name, MONTAGES)
    return MONTAGES[name]


def _positions_table() -> dict[str, np.ndarray]:
    return standard_positions()


def positions(ch_names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Head positions of ``ch_names`` in metres.

    Returns
    -------
    ndarray, shape (n_channels, 3)

    Raises
    ------
    UsageError
        A name that is not a ``standard_1005`` site.
    """
    table = _positions_table()
    out = np.zeros((len(ch_names), 3))
    for i, name in enumerate(ch_names):
        p = table.get(name.upper())
        if p is None:
            raise UsageError(
                f"simulator channel {name!r} is not a standard_1005 electrode name; "
                "use 10-20/10-10 names such as Fp1, Cz, O2"
            )
        out[i] = p
    return out


def region_centres(regions: tuple[str, ...]) -> np.ndarray:
    """Positions of the simulated region sources (centroids of :data:`REGION_SITES`), metres.

    Returns
    -------
    ndarray, shape (n_regions, 3)
    """
    return np.array([positions(REGION_SITES[r]).mean(axis=0) for r in regions])
