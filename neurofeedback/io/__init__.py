"""Reading EEG files of every supported format into a :class:`~neurofeedback.io.loaded.LoadedFile`.

:func:`load_eeg_file` detects the format from the content first and the extension second:

=====================================  ==============================================  ==========================
format                                 detected by                                     reader
=====================================  ==============================================  ==========================
neurofeedback session folder           a directory with ``session.json`` (+ raw.csv),   :mod:`.session_folder`
                                       or the ``session.json``/``raw.csv`` inside it
OpenBCI GUI txt (2014, v4, v5, v6)     first line ``%OpenBCI Raw``                      :mod:`.openbci_txt`
EDF / EDF+                             first 8 bytes ``0`` + 7 spaces                    :mod:`.mne_files`
BDF / BDF+                             first bytes ``\\xffBIOSEMI``                       :mod:`.mne_files`
GDF                                    first bytes ``GDF``                               :mod:`.mne_files`
XDF (LabRecorder)                      first bytes ``XDF:``                              :mod:`.xdf`
FIF                                    FIF file-id tag / ``.fif``, ``.fif.gz``          :mod:`.mne_files`
BrainVision, EEGLAB, CNT, ...          extension (``.vhdr``, ``.set``, ``.cnt`` ...)    :mod:`.mne_files`
Muse (Mind Monitor, muse-lsl), CSV      a first row of column names                      :mod:`.header_csv`
with a header row, EmotivPRO CSV       (EmotivPRO: a ``title:`` metadata line first)
BrainFlow CSV                          lines of numbers separated by tabs or commas     :mod:`.brainflow_csv`
=====================================  ==============================================  ==========================
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..channels import apply_channel_override
from ..errors import FileFormatError, NeurofeedbackError, setting
from ._common import fname
from .brainflow_csv import looks_like_brainflow_csv, read_brainflow_csv
from .header_csv import is_emotiv_metadata, looks_like_header_csv, read_header_csv
from .loaded import LoadedFile
from .mne_files import mne_format_name, read_mne_file
from .openbci_txt import looks_like_openbci, read_openbci_txt
from .session_folder import read_session, session_dir_of
from .xdf import XDF_MAGIC, read_xdf

log = logging.getLogger(__name__)

SUPPORTED_FORMATS = (
    "neurofeedback session folder (session.json + raw.csv)",
    "OpenBCI GUI .txt (2014, v4, v5, v6)",
    f"BrainFlow CSV (with session.json, or with {setting('board', '--board')})",
    "EDF/EDF+",
    "BDF",
    "FIF",
    "GDF, BrainVision .vhdr, EEGLAB .set and other formats MNE reads",
    "CSV with a header row of channel names (Mind Monitor, muse-lsl; --sfreq without a time column)",
    "XDF (LabRecorder): the EEG stream and its marker streams",
)

_EDF_MAGIC = b"0       "
_BDF_MAGIC = b"\xffBIOSEMI"
_FIF_MAGIC = b"\x00\x00\x00\x64"  # FIFF_FILE_ID tag kind (100), big-endian


def _supported() -> str:
    return "; ".join(SUPPORTED_FORMATS)


def _load(path: Path, board: str | None, channels, sfreq: float | None = None) -> LoadedFile:
    if not path.exists():
        raise FileFormatError(f"{path}: no such file or folder; check the path")
    session = session_dir_of(path)
    if session is not None:
        loaded = read_session(session)
        if channels:
            loaded.ch_names = apply_channel_override(loaded.ch_names, channels)
        return loaded
    if path.is_dir():
        label = mne_format_name(path)  # CTF .ds and EGI .mff are folders
        if label:
            return read_mne_file(path, channels=channels, label=label)
        raise FileFormatError(
            f"{path}: a folder without session.json; give a recording folder or a file "
            f"(supported: {_supported()})"
        )
    size = path.stat().st_size
    if size == 0:
        raise FileFormatError(f"{fname(path)}: the file is empty (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(_BDF_MAGIC):
        return read_mne_file(path, channels=channels, label="BDF") if path.suffix.lower() == ".bdf" else _via_copy(path, ".bdf", channels, "BDF")
    if head.startswith(_EDF_MAGIC) and size >= 256:
        if path.suffix.lower() in (".edf", ".rec"):
            return read_mne_file(path, channels=channels, label="EDF")
        return _via_copy(path, ".edf", channels, "EDF")
    if head.startswith(XDF_MAGIC):
        return read_xdf(path, channels=channels)
    if head.startswith(b"GDF"):
        return read_mne_file(path, channels=channels, label="GDF")
    text_head = head.decode("utf-8", errors="replace")
    first_line = text_head.lstrip("\ufeff").splitlines()[0] if text_head.strip() else ""
    if looks_like_openbci(first_line):
        return read_openbci_txt(path, board=board, channels=channels)
    label = mne_format_name(path)
    if label is not None or head.startswith(_FIF_MAGIC):
        return read_mne_file(path, channels=channels, label=label or "FIF")
    if b"\x00" not in head and (looks_like_header_csv(first_line) or is_emotiv_metadata(first_line)):
        return read_header_csv(path, channels=channels, sfreq=sfreq)
    if b"\x00" not in head and looks_like_brainflow_csv(first_line):
        return read_brainflow_csv(path, board=board, channels=channels)
    if not text_head.strip():
        raise FileFormatError(f"{fname(path)}: the file holds only white space (empty)")
    kind = "binary data" if b"\x00" in head or "\ufffd" in text_head else f"text starting {first_line[:40]!r}"
    raise FileFormatError(f"{fname(path)}: unrecognised format ({kind}); supported formats: {_supported()}")


def _via_copy(path: Path, ext: str, channels, label: str) -> LoadedFile:
    """MNE picks its EDF/BDF reader by extension; read a misnamed file through a symlink."""
    with tempfile.TemporaryDirectory() as tmp:
        link = Path(tmp) / (path.stem + ext)
        try:
            os.symlink(path.resolve(), link)
        except OSError:
            shutil.copyfile(path, link)
        loaded = read_mne_file(link, channels=channels, label=label)
    loaded.path = str(path)
    return loaded


def load_eeg_file(
    path: str | os.PathLike, *, board: str | None = None, channels: str | list[str] | None = None,
    sfreq: float | None = None,
) -> LoadedFile:
    """Read any supported EEG file or recording folder.

    Parameters
    ----------
    path : str or PathLike
        A file, or one of our recording folders.
    board : str or None
        Board that recorded the file (needed for BrainFlow CSV without ``session.json``;
        overrides the board of an OpenBCI txt file).
    channels : str or list of str or None
        ``--channels`` override, e.g. ``"Fp1,Fp2,C3,C4"``.
    sfreq : float or None
        ``--sfreq``: the sample rate of a CSV file without a time column, Hz.

    Returns
    -------
    LoadedFile
        Data in microvolts, shape (n_channels, n_samples).

    Raises
    ------
    FileFormatError
        Missing, empty, truncated, corrupt or unrecognised file, wrong column count, NaN
        samples, inconsistent sample rate: one line naming the file.
    UsageError
        Bad ``board`` or ``channels``.
    """
    p = Path(path).expanduser()
    try:
        if sfreq is not None:
            sfreq = float(sfreq)
            if not 1.0 <= sfreq <= 100_000.0:
                raise FileFormatError(f"--sfreq must be a rate in 1-100000 Hz; got {sfreq:g}")
        return _load(p, board, channels, sfreq)
    except NeurofeedbackError:
        raise
    except MemoryError:
        raise FileFormatError(f"{fname(p)}: too large to read into memory") from None
    except OSError as exc:
        raise FileFormatError(f"{fname(p)}: cannot read ({exc.strerror or exc}); check the path and permissions") from exc
    except Exception as exc:  # the boundary: never let a raw traceback reach the user
        log.debug("unexpected error reading %s", p, exc_info=True)
        raise FileFormatError(
            f"{fname(p)}: cannot read ({type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}); "
            "the file is corrupt or not a supported format"
        ) from exc


@dataclass(frozen=True)
class ReadOptions:
    """What a file may not say about itself: the ``--board``, ``--channels`` and ``--sfreq``
    options of every command that reads files, passed along as one value (picklable, so it
    reaches worker processes and cluster workers too).

    Attributes
    ----------
    board : str or None
        Board that recorded the file (a BrainFlow CSV without ``session.json``).
    channels : str or None
        Comma-separated channel names overriding the file's.
    sfreq : float or None
        Sample rate of a CSV file without a time column, Hz.
    annotations : str or None
        A file of annotations to add (``--annotations``: a Sleep-EDF hypnogram, ...;
        :mod:`neurofeedback.io.annotations`).
    """

    board: str | None = None
    channels: str | None = None
    sfreq: float | None = None
    annotations: str | None = None

    def load(self, path: str | os.PathLike) -> LoadedFile:
        """:func:`load_eeg_file` with these options (and the annotations file added)."""
        loaded = load_eeg_file(path, board=self.board, channels=self.channels, sfreq=self.sfreq)
        if self.annotations is not None:
            from .annotations import with_annotations

            loaded = with_annotations(loaded, self.annotations)
        return loaded


__all__ = ["LoadedFile", "ReadOptions", "load_eeg_file", "SUPPORTED_FORMATS"]
