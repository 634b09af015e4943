"""Scenario simulator: realistic EEG with known energy, synchrony, phase and artifacts."""

from .generator import Generator
from .montages import MONTAGES
from .scenarios import SCENARIOS, Schedule, get_scenario
from .truth import TRUTH_COLUMNS, Truth, make_truth, read_truth_csv, write_truth_csv

__all__ = [
    "Generator",
    "MONTAGES",
    "SCENARIOS",
    "Schedule",
    "TRUTH_COLUMNS",
    "Truth",
    "get_scenario",
    "make_truth",
    "read_truth_csv",
    "write_truth_csv",
]
