"""Where the real recordings used by the tests live (copies in ``tests/data``)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
OPENBCI_TXT = DATA_DIR / "OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"
EEGMAT_EDF = DATA_DIR / "eegmat-Subject00_1.edf"
CONDITIONS_CSV = DATA_DIR / "conditions.csv"
EEGMMIDB_DIR = DATA_DIR / "eegmmidb"
#: EEGMMIDB subjects 2-4: run 1 eyes open, run 2 eyes closed (one minute each).
EEGMMIDB_EDF = {
    (subject, run): EEGMMIDB_DIR / f"S{subject:03d}R{run:02d}.edf" for subject in (2, 3, 4) for run in (1, 2)
}
EEGHACKER_DIR = DATA_DIR / "eeghacker"
EEGHACKER_TXT = (
    EEGHACKER_DIR / "openBCI_raw_2014-10-04_19-06-13_O1_Alpha.txt",
    EEGHACKER_DIR / "openBCI_raw_2014-10-05_17-14-45_O1_Alpha_noCaffeine.txt",
)
