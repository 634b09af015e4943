"""2-D head drawing coordinates: channel and region positions projected from MNE's montage."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from neurofeedback.pipeline.regions import REGIONS, assign_regions, positions

#: Where a region is drawn when none of its channels has a known position (unit head radius).
CANONICAL_REGION_XY: dict[str, tuple[float, float]] = {
    "frontal": (0.0, 0.6),
    "central": (0.0, 0.0),
    "parietal": (0.0, -0.45),
    "occipital": (0.0, -0.82),
    "left_temporal": (-0.75, 0.0),
    "right_temporal": (0.75, 0.0),
}
#: Short labels for drawing.
REGION_LABELS: dict[str, str] = {
    "frontal": "F",
    "central": "C",
    "parietal": "P",
    "occipital": "O",
    "left_temporal": "LT",
    "right_temporal": "RT",
}


@lru_cache(maxsize=1)
def head_center() -> np.ndarray:
    """Centre of the electrode sphere in MNE head coordinates (m): midway between T7 and T8
    left-right, between Fpz and Oz front-back, at the height of that equator."""
    fpz, oz, t7, t8 = positions(["Fpz", "Oz", "T7", "T8"])
    return np.array([(t7[0] + t8[0]) / 2, (fpz[1] + oz[1]) / 2, np.mean([fpz[2], oz[2], t7[2], t8[2]])])


def project(pos3d: np.ndarray) -> np.ndarray:
    """Azimuthal equidistant projection of head positions onto the unit disc.

    Parameters
    ----------
    pos3d : ndarray, shape (n, 3)
        Positions in MNE head coordinates (x right, y front, z up), metres; NaN rows allowed.

    Returns
    -------
    ndarray, shape (n, 2)
        x (right), y (nose); the vertex is at 0, the Fpz-T7-Oz-T8 equator at radius 1.
    """
    p = np.asarray(pos3d, dtype=float) - head_center()
    norm = np.linalg.norm(p, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = p / norm
    theta = np.arccos(np.clip(u[:, 2], -1, 1))
    phi = np.arctan2(u[:, 1], u[:, 0])
    r = theta / (np.pi / 2)
    return np.column_stack([r * np.cos(phi), r * np.sin(phi)])


def region_positions(ch_names: list[str]) -> dict[str, tuple[float, float]]:
    """Drawing position of every region: mean projected position of its channels.

    Regions whose channels are all unknown to the montage (and regions with no channel) get
    :data:`CANONICAL_REGION_XY`.
    """
    xy = project(positions(list(ch_names))) if ch_names else np.zeros((0, 2))
    regions, index = assign_regions(list(ch_names))
    out = {name: CANONICAL_REGION_XY[name] for name in REGIONS}
    for k, name in enumerate(regions):
        pts = xy[index == k]
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts):
            m = pts.mean(axis=0)
            out[name] = (float(m[0]), float(m[1]))
    return out


def head_outline(n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Circle (radius 1.05) and nose polyline for the head drawing: ``(cx, cy, nx, ny)``."""
    t = np.linspace(0, 2 * np.pi, n)
    r = 1.05
    nx = np.array([-0.12, 0.0, 0.12]) * r
    ny = np.array([0.99, 1.15, 0.99]) * r
    return r * np.cos(t), r * np.sin(t), nx, ny


def plv_color(value: float) -> tuple[int, int, int]:
    """Colour of a synchrony value in [0, 1]: grey-blue (low) -> orange -> red (high)."""
    v = float(np.clip(np.nan_to_num(value), 0.0, 1.0))
    lo = np.array([120, 150, 200])
    mid = np.array([240, 160, 40])
    hi = np.array([210, 20, 30])
    c = lo + (mid - lo) * (v / 0.5) if v < 0.5 else mid + (hi - mid) * ((v - 0.5) / 0.5)
    return tuple(int(x) for x in c)  # type: ignore[return-value]
