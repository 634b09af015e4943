"""Files read through MNE: EDF, BDF, FIF, and whatever else ``mne.io.read_raw`` reads
(BrainVision ``.vhdr``, EEGLAB ``.set``, GDF, CNT, ...).

What is kept:

- EEG channels only. EDF/BDF channel types are inferred from the label prefix
  (``EEG Fp1`` -> EEG, ``ECG ECG`` -> ECG), and labels of other signals are non-EEG whatever
  their type (:func:`neurofeedback.channels.is_non_eeg_label`: ECG/EKG (``EEG EKG1-REF``),
  EOG, EMG, respiration and the other polysomnography signals, clinical systems' photic and
  burst channels, trigger/status channels, consumer headsets' counters, contact quality and
  motion sensors). If nothing is typed EEG, all data channels are kept with a warning.
- Reference-only derivations (``A2-A1``, ``A1``, ``M1-M2``: ear or mastoid electrodes, not
  scalp sites) are dropped; their names are kept in ``meta["dropped_channels"]``. Not in a
  BioSemi file labelled by cap position (``A1``-``A32``, ``B1``...), where ``A1`` and ``A2`` are
  scalp electrodes; the 32- and 64-electrode caps get their 10-20 names
  (:func:`neurofeedback.channels.biosemi_names`, with a warning; ``--channels`` overrides),
  larger caps keep their labels as ``BioSemi-C3`` (no 10-20 position), and the external
  electrodes ``EXG1``... are left out.
- Volts become microvolts, names are normalised to 10-20 spelling, annotations become markers
  (onset in seconds from the first sample, description; those with a duration also spans), and
  so does each change of a trigger
  channel away from its resting value (BioSemi's ``Status``, any ``stim`` channel, Emotiv's
  ``MARKER``): ``"Status=3"``, unless an annotation already marks that sample.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import mne
import numpy as np

from ..channels import (
    REFERENCE_SITES,
    REFERENCE_SUFFIXES,
    apply_channel_override,
    biosemi_names,
    derivation_parts,
    is_non_eeg_label,
    is_non_voltage_unit,
    normalize_names,
)
from ..errors import FileFormatError
from ._common import check_finite, fname
from .edf_header import read_edf_header
from .fif_check import check_fif_chain
from .loaded import LoadedFile, is_span

log = logging.getLogger(__name__)

#: Extensions handled here, with a human-readable format name.
MNE_EXTENSIONS = {
    ".edf": "EDF", ".bdf": "BDF", ".gdf": "GDF", ".fif": "FIF", ".fif.gz": "FIF",
    ".vhdr": "BrainVision", ".set": "EEGLAB", ".cnt": "Neuroscan CNT", ".egi": "EGI",
    ".mff": "EGI MFF", ".data": "Nicolet", ".sqd": "KIT", ".con": "KIT", ".nxe": "Nexstim",
    ".lay": "Persyst", ".mef": "MEF", ".xdf": "XDF", ".snirf": "SNIRF", ".eeg": "Nihon Kohden",
    ".ds": "CTF", ".vmrk": "BrainVision", ".fdt": "EEGLAB",
}


def mne_format_name(path: Path) -> str | None:
    """Format name if ``path``'s extension is one MNE reads, else None."""
    lower = path.name.lower()
    for ext, label in MNE_EXTENSIONS.items():
        if lower.endswith(ext):
            return label
    return None


#: Files that hold one part of a recording whose header is another file: (extension, the
#: header's extensions, what the part is).
_PARTS = (
    (".eeg", (".vhdr", ".VHDR"), "the data of a BrainVision recording"),
    (".vmrk", (".vhdr", ".VHDR"), "the markers of a BrainVision recording"),
    (".fdt", (".set", ".SET"), "the data of an EEGLAB recording"),
)


def _header_of_part(path: Path) -> str | None:
    """The message for a file that is one part of a recording (a BrainVision ``.eeg`` or
    ``.vmrk``, an EEGLAB ``.fdt``) given in place of its header, or None. A ``.eeg`` without a
    ``.vhdr`` beside it is left to MNE (Nihon Kohden uses ``.eeg`` too)."""
    lower = path.name.lower()
    for ext, headers, what in _PARTS:
        if not lower.endswith(ext):
            continue
        beside = [path.with_suffix(h) for h in headers if path.with_suffix(h).is_file()]
        if beside:
            return f"{fname(path)} holds {what}: open its header, {beside[0].name}"
        if ext != ".eeg":
            return (f"{fname(path)} holds {what}: open its header "
                    f"({headers[0]} file), which names this file")
    return None


def _is_reference_only(label: str) -> bool:
    """An ear or mastoid electrode (``A1``, ``A2-A1``, TUH's ``A1-REF``), not a scalp site."""
    parts = [p.strip().upper() for p in derivation_parts(label)]
    return (parts[0] in REFERENCE_SITES
            and all(p in REFERENCE_SITES or p in REFERENCE_SUFFIXES for p in parts))


#: Labels of trigger channels MNE may type as data (Emotiv's ``MARKER``, a ``TRIG`` channel).
_TRIGGER_LABEL = re.compile(r"^(STATUS|TRIG|TRIGGER|STI|STIM|MARKER|MARKERS)(?![A-Za-z])", re.IGNORECASE)
#: FIF's composite trigger channels: when one is present, the single-line ``STI 001``... repeat it.
_COMPOSITE_STIM = ("STI 014", "STI101", "STI 101")
#: A channel read as data (not typed ``stim``) that changes value more often than once per this
#: many seconds on average is an analog signal, not a trigger channel: it gives no markers.
_MIN_TRIGGER_SPACING_S = 0.5


#: A trigger channel with more distinct codes than this is an analog signal, not triggers.
_MAX_TRIGGER_CODES = 256


def _rest(values: np.ndarray, counts: np.ndarray) -> float:
    """A trigger channel's resting value: 0 when it occurs (a code may be held for most of the
    recording), else the commonest value (BioSemi pins idling high)."""
    return 0.0 if (values == 0).any() else float(values[np.argmax(counts)])


def _trigger_codes(x: np.ndarray, name: str, kind: str) -> np.ndarray | None:
    """The channel's codes, 0 at rest (:func:`_rest`). A ``stim`` channel gives its integer
    values (BioSemi's ``Status``: its 16 trigger bits); a channel read as data gives its values
    as integers when they are (also after MNE's microvolt scaling), else multiples of its
    smallest step from rest. None when it never leaves rest or has more than
    :data:`_MAX_TRIGGER_CODES` distinct values."""
    if kind == "stim":
        x = np.round(x).astype(np.int64)
        if name.upper() == "STATUS":  # BioSemi: bits 16-23 are the system's status, not triggers
            x &= 0xFFFF
    values, counts = np.unique(x, return_counts=True)
    if values.size < 2 or values.size > _MAX_TRIGGER_CODES + 1:
        return None
    rest = _rest(values, counts)
    if kind == "stim":
        return np.where(x == rest, 0, x)
    d = x - rest
    moved = d != 0
    for scale in (1.0, 1e6):  # as written, or written in uV and read by MNE in V
        y = d * scale
        if np.all(np.abs(y - np.round(y)) < 1e-3) and np.all(np.round(y[moved]) != 0):
            return np.round(y)
    return np.round(d / np.abs(d[moved]).min())


def _trigger_markers(raw, names: list[str], types: list[str], stop: int | None,
                     taken: list[float], where: str) -> list[tuple[float, str]]:
    """Markers from trigger channels (MNE's ``stim`` type, e.g. BioSemi's ``Status``, or a
    label like Emotiv's ``MARKER``): each change of the channel's code (:func:`_trigger_codes`)
    to a non-zero one is a marker ``"<channel>=<code>"`` at that sample (seconds from the
    first). A FIF file's single-line ``STI 001``... are skipped when its composite ``STI 014``
    is there, and so is a marker within one sample of ``taken`` (the file's event annotations,
    which often repeat its trigger channel: EGI, MNE-written FIF). A stim channel changing on
    more than a quarter of its samples, or any other channel more than twice a second, is not
    a trigger channel (a warning says so)."""
    sfreq = float(raw.info["sfreq"])
    upper = {n.upper() for n in names}
    composite = any(c in upper for c in _COMPOSITE_STIM)
    single_line = re.compile(r"^STI ?\d{3}$", re.IGNORECASE)
    taken_arr = np.sort(np.asarray(taken, dtype=float))
    out: list[tuple[float, str]] = []
    for i, (name, kind) in enumerate(zip(names, types, strict=True)):
        if kind != "stim" and not _TRIGGER_LABEL.match(name):
            continue
        if composite and single_line.match(name) and name.upper() not in _COMPOSITE_STIM:
            continue
        x = raw.get_data(picks=[i], stop=stop)[0]
        if not x.size or not np.isfinite(x).all():
            continue
        codes = _trigger_codes(x, name, kind)
        if codes is None:
            continue
        change = np.flatnonzero((codes[1:] != codes[:-1]) & (codes[1:] != 0)) + 1
        if codes[0] != 0:
            change = np.concatenate([[0], change])
        limit = x.size / 4 if kind == "stim" else max(1.0, x.size / sfreq / _MIN_TRIGGER_SPACING_S)
        if change.size > limit:
            log.warning("%s: channel %s changes %d times, too often for triggers; no markers read "
                        "from it", where, name, change.size)
            continue
        for k in change.tolist():
            t = k / sfreq
            j = np.searchsorted(taken_arr, t)
            near = [taken_arr[m] for m in (j - 1, j) if 0 <= m < taken_arr.size]
            if any(abs(t - u) <= 1.0 / sfreq for u in near):
                continue
            out.append((t, f"{name}={codes[k]:g}"))
    return out


def _biosemi_note(names: list[str], renamed: dict[int, str | None]) -> str:
    """What was made of a BioSemi file's cap labels, in one line."""
    mapped = [(names[i], new) for i, new in sorted(renamed.items())
              if new is not None and new != names[i]]
    external = [names[i] for i, new in renamed.items() if new is None]
    if any(new.startswith("BioSemi-") for _, new in mapped):
        text = (f"{len(mapped)} BioSemi cap labels name radial positions without 10-20 sites; "
                f"they are kept as {mapped[0][1]}... without positions (regions and synchrony "
                "need 10-20 names: give --channels)")
    else:
        example = ", ".join(f"{old} = {new}" for old, new in mapped[:2])
        text = (f"BioSemi cap labels read as the {len(mapped)}-electrode cap's 10-20 sites "
                f"({example}, ...); give --channels if your cap differs")
    if external:
        text += f"; external electrodes left out: {', '.join(external)}"
    return text


def _linked(path: Path, ext: str, tmp: str) -> Path:
    """``path`` under the extension MNE's reader needs (a symlink, or a copy where links fail)."""
    link = Path(tmp) / (path.stem + ext)
    try:
        os.symlink(path.resolve(), link)
    except OSError:
        shutil.copyfile(path, link)
    return link


def _mne_read(path: Path, label: str):
    """Read with MNE's reader for ``label``, whatever the file's extension (an EDF named
    ``.rec``, FIF content named ``.dat``)."""
    if label in ("EDF", "BDF"):
        ext = "." + label.lower()
        reader = mne.io.read_raw_edf if label == "EDF" else mne.io.read_raw_bdf
        if path.suffix.lower() == ext:
            return reader(path, preload=True, infer_types=True, verbose="error")
        with tempfile.TemporaryDirectory() as tmp:
            return reader(_linked(path, ext, tmp), preload=True, infer_types=True, verbose="error")
    if label == "FIF" and path.is_file():
        if path.name.lower().endswith((".fif", ".fif.gz")):
            return mne.io.read_raw_fif(path, preload=True, verbose="error")
        with tempfile.TemporaryDirectory() as tmp:
            return mne.io.read_raw_fif(_linked(path, "_raw.fif", tmp), preload=True, verbose="error")
    return mne.io.read_raw(path, preload=True, verbose="error")


def _read_raw(path: Path, label: str):
    """Check what MNE would accept blindly (EDF/BDF header, FIF tag chain), then read.

    Returns
    -------
    raw : mne.io.Raw
    n_keep : int or None
        Samples to keep (the EDF/BDF header's records, when the file holds more), else None.
    units : list of str
        Each channel's physical dimension from an EDF/BDF header (empty strings otherwise).
    """
    n_keep = None
    units: list[str] = []
    if label in ("EDF", "BDF") and path.is_file():
        header = read_edf_header(path, 2 if label == "EDF" else 3)
        n_keep = header.n_records
        units = header.signal_units()
    elif label == "FIF" and path.is_file():
        check_fif_chain(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        raw = _mne_read(path, label)
    for w in caught:
        log.debug("MNE warning reading %s: %s", fname(path), w.message)
    if n_keep is not None:
        n_keep = min(int(round(n_keep * header.record_duration * raw.info["sfreq"])), raw.n_times)
    if len(units) != len(raw.ch_names):  # channels not one per header signal: no units known
        units = [""] * len(raw.ch_names)
    return raw, n_keep, units


def read_mne_file(
    path: str | Path, *, channels: str | list[str] | None = None, label: str | None = None
) -> LoadedFile:
    """Read an EEG file with MNE.

    Parameters
    ----------
    path : str or Path
    channels : str or list of str or None
        ``--channels`` override (after non-EEG channels are removed).
    label : str or None
        Format name for :attr:`LoadedFile.format` (default: from the extension).

    Returns
    -------
    LoadedFile
        ``data`` (n_eeg, n_samples) in microvolts; ``timestamps`` from 0 s.

    Raises
    ------
    FileFormatError
        Whatever MNE cannot read (truncated, corrupt, unsupported), NaN samples, bad rate.
    """
    path = Path(path)
    label = label or mne_format_name(path) or "MNE-readable"
    header = _header_of_part(path)
    if header is not None:
        raise FileFormatError(header)
    try:
        raw, n_keep, units = _read_raw(path, label)
    except FileFormatError:
        raise
    except FileNotFoundError as exc:  # a header whose data file is not beside it
        named = exc.filename or re.sub(r"^File (.*) not found\.?$", r"\1", str(exc).strip())
        missing = Path(str(named)).name[:200]
        raise FileFormatError(
            f"{fname(path)}: the {label} data file it names, {missing}, is missing; keep the "
            "header and its data file together in one folder, with the names the header gives"
        ) from exc
    except Exception as exc:  # MNE raises many types; the boundary turns them into one line
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileFormatError(
            f"{fname(path)}: cannot read as {label} ({type(exc).__name__}: {detail[:200]}); the file is "
            "truncated, corrupt or not really this format"
        ) from exc

    sfreq = float(raw.info["sfreq"])
    if not np.isfinite(sfreq) or sfreq <= 0:
        raise FileFormatError(f"{fname(path)}: sample rate must be > 0 Hz; the file declares {sfreq!r}")
    types = raw.get_channel_types()
    names = list(raw.ch_names)
    # by label, and a signal measured in %, bpm, degC ... whatever its label (oximetry)
    other = [is_non_eeg_label(n) or is_non_voltage_unit(u) for n, u in zip(names, units, strict=True)]
    eeg = [i for i, t in enumerate(types) if t == "eeg" and not other[i]]
    if not eeg:
        eeg = list(mne.pick_types(raw.info, meg=True, eeg=True, seeg=True, ecog=True, dbs=True,
                                  fnirs=True, eog=False, ecg=False, emg=False, misc=False,
                                  exclude=[]))
        if not eeg:
            eeg = [i for i, t in enumerate(types) if t not in ("stim", "syst")]
        eeg = [i for i in eeg if not other[i]] or eeg
        log.warning("%s: no channel is typed EEG; keeping all %d data channels", fname(path), len(eeg))
    cap = biosemi_names([names[i] for i in eeg])
    renamed = None if cap is None else dict(zip(eeg, cap, strict=True))
    if renamed is not None:  # BioSemi: A1 and A2 are scalp electrodes; EXG1... are external
        dropped_ch = [names[i] for i in eeg if renamed[i] is None or (
            renamed[i] == names[i] and _is_reference_only(names[i].replace("EEG ", "")))]
    else:
        dropped_ch = [names[i] for i in eeg if _is_reference_only(names[i].replace("EEG ", ""))]
    keep = [i for i in eeg if names[i] not in dropped_ch]
    if not keep:
        raise FileFormatError(f"{fname(path)}: no EEG channels in the file (channels: {', '.join(names[:10])})")
    dropped_ch += [names[i] for i in range(len(names)) if i not in eeg]
    data = raw.get_data(picks=keep, stop=n_keep)  # a new array (picked rows)
    data *= 1e6  # V -> uV in place: no second copy of a long recording
    if data.shape[1] == 0:
        raise FileFormatError(f"{fname(path)}: the file has no samples (empty)")
    ch_names = normalize_names([names[i] if renamed is None else str(renamed[i]) for i in keep])
    if renamed is not None and channels is None:
        log.warning("%s: %s", fname(path), _biosemi_note(names, renamed))
    ch_names = apply_channel_override(ch_names, channels)
    check_finite(str(path), data, ch_names, sfreq)

    markers: list[tuple[float, str]] = []
    ann = raw.annotations
    offset = raw.first_time if ann.orig_time is not None else 0.0
    spans: list[tuple[float, float, str]] = []
    for onset, duration, desc in zip(ann.onset, ann.duration, ann.description, strict=True):
        markers.append((float(onset - offset), str(desc)))
        if is_span(duration, sfreq):  # not an event written one sample long
            spans.append((float(onset - offset), float(duration), str(desc)))
    events = [m[0] for m in markers if not m[1].upper().startswith(("BAD", "EDGE"))]
    triggers = _trigger_markers(raw, names, types, n_keep, events, fname(path))
    markers = sorted(markers + triggers, key=lambda m: m[0])
    meta = {"dropped_channels": dropped_ch, "mne_channel_types": dict(zip(names, types, strict=True))}
    if renamed is not None and channels is None:
        meta["channel_labels"] = [names[i] for i in keep]  # the file's own (BioSemi cap) labels
    lowpass = raw.info["lowpass"]
    if lowpass is not None and 0 < lowpass < 0.5 * raw.info["sfreq"] - 1e-6:
        meta["lowpass_hz"] = float(lowpass)  # a filter the file says it was recorded with
    if raw.info["meas_date"] is not None:
        meta["meas_date"] = raw.info["meas_date"].isoformat()
        meta["first_time_s"] = float(raw.first_time)  # the data start this long after meas_date
    return LoadedFile(
        path=str(path),
        format=label,
        data=data,
        sfreq=sfreq,
        ch_names=ch_names,
        timestamps=np.arange(data.shape[1]) / sfreq,
        markers=markers,
        meta=meta,
        spans=spans,
    )
