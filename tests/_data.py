"""Where the real recordings used by the tests live (copies in ``tests/data``)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
OPENBCI_TXT = DATA_DIR / "OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"
EEGMAT_EDF = DATA_DIR / "eegmat-Subject00_1.edf"
