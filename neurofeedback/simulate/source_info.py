"""The :class:`~neurofeedback.sources.base.SourceInfo` of the simulator."""

from __future__ import annotations

from ..sources.base import RowLayout, SourceInfo
from .artifacts import RAIL_UV
from .generator import Generator


def simulator_info(gen: Generator) -> SourceInfo:
    """Describe a generator as a source (kind ``simulator``, name ``simulated``)."""
    return SourceInfo(
        kind="simulator",
        name="simulated",
        sfreq=gen.sfreq,
        ch_names=tuple(gen.ch_names),
        layout=RowLayout.generic(gen.n_channels),
        board_name=f"scenario simulator ({gen.scenario.name}, seed {gen.seed})",
        rail_uv=RAIL_UV,
        duration_s=gen.duration_s,
        description={
            "scenario": gen.scenario.name,
            "seed": gen.seed,
            "montage": gen.montage,
            "scenario_description": gen.scenario.description,
        },
    )
