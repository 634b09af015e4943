"""Export a recording to BIDS (EEG-BIDS) with MNE-BIDS.

``export_bids`` writes one run into a BIDS dataset: the EEG as EDF (EDF is one of the formats
EEG-BIDS allows, written through MNE/edfio), ``*_eeg.json``, ``*_channels.tsv``,
``*_events.tsv`` (from the recording's annotations: markers, protocol phases with their
durations, ``BAD_artifact`` spans), the electrode positions of channels with 10-20 names, and
``dataset_description.json`` / ``participants.tsv``. ``PowerLineFrequency`` is the mains
frequency the session detected (or one found in the data now); BIDS requires it.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

from ..errors import RecordingError, UsageError
from .export import loaded_to_raw
from .loaded import LoadedFile

log = logging.getLogger(__name__)

_LABEL = re.compile(r"^[A-Za-z0-9]+$")


def _check_label(option: str, value: str | None) -> None:
    if value is not None and not _LABEL.match(value):
        raise UsageError(
            f"{option} must be letters and digits only (a BIDS label, e.g. 01 or pilot2); got {value!r}"
        )


def export_bids(
    loaded: LoadedFile, root: str | Path, subject: str, session: str | None = None,
    task: str = "neurofeedback", overwrite: bool = False, line_freq: float | None = None,
) -> Path:
    """Write ``loaded`` as one run of a BIDS dataset under ``root``.

    Parameters
    ----------
    loaded : LoadedFile
        The recording (microvolts).
    root : str or Path
        The BIDS dataset folder (created when missing).
    subject, session, task : str
        BIDS labels (letters and digits); ``session`` may be None.
    overwrite : bool
        Replace an existing run with the same labels.
    line_freq : float or None
        Mains frequency, Hz, when the recording does not say (a session's ``mains_hz``);
        neither: 50 Hz with a warning.

    Returns
    -------
    Path
        The written EEG file.

    Raises
    ------
    UsageError
        Bad labels, or the run exists and ``overwrite`` is False.
    RecordingError
        The dataset cannot be written.
    """
    import mne_bids  # heavy; only this export needs it

    _check_label("--subject", subject)
    _check_label("--session", session)
    _check_label("--task", task)
    raw = loaded_to_raw(loaded)
    if not raw.info["line_freq"]:
        with raw.info._unlock():
            raw.info["line_freq"] = float(line_freq) if line_freq else 50.0
        if not line_freq:
            log.warning("mains frequency unknown; BIDS PowerLineFrequency set to 50 Hz")
    path = mne_bids.BIDSPath(subject=subject, session=session, task=task, datatype="eeg",
                             root=Path(root))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = mne_bids.write_raw_bids(raw, path, format="EDF", allow_preload=True,
                                          overwrite=overwrite, verbose="error")
    except FileExistsError:
        raise UsageError(
            f"{path.fpath.name} already exists in {root}; choose another --subject/--session/--task "
            "or add --overwrite"
        ) from None
    except OSError as exc:
        raise RecordingError(f"cannot write the BIDS dataset in {root}: {exc.strerror or exc}") from exc
    return Path(out.fpath)
