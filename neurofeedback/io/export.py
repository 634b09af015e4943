"""Export a :class:`LoadedFile` to FIF, EDF or BDF through MNE.

- FIF: ``Raw.save`` (float32 samples, relative error about 1e-7).
- EDF: ``mne.export.export_raw`` via edfio, 16-bit samples, physical range per channel
  (resolution = channel range / 65535).
- BDF: the same with 24-bit samples (resolution = channel range / 16777215); MNE (1.10.2 on) writes
  BDF itself through edfio.

EDF/BDF store whole data records of 1 s; MNE pads the last record with edge values and adds a
``BAD_ACQ_SKIP`` annotation over the padding.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import mne
import numpy as np

from ..channels import standard_montage
from ..errors import RecordingError, UsageError, setting
from ..validation import check_option
from .dates import stored_start
from .loaded import LoadedFile
from .marker_labels import REWARD_OFF, REWARD_ON, REWARD_SPAN, phase_edge, phase_span

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("fif", "edf", "bdf")


def loaded_to_raw(loaded: LoadedFile):
    """An ``mne.io.RawArray`` (volts, EEG channels) with the markers as annotations.

    The ``standard_1005`` montage is set for channels with 10-20 names (others get no
    position). ``meas_date`` is the recording's start by :mod:`neurofeedback.io.dates` (UTC,
    whole seconds), or unset when the start is unknown.

    Returns
    -------
    mne.io.RawArray
    """
    info = mne.create_info(list(loaded.ch_names), float(loaded.sfreq), ch_types="eeg")
    raw = mne.io.RawArray(np.asarray(loaded.data, dtype=np.float64) * 1e-6, info, verbose="error")
    raw.set_montage(standard_montage(), on_missing="ignore", verbose="error")
    start = stored_start(loaded)
    if start is not None:
        raw.set_meas_date(start)
    mains = (loaded.meta or {}).get("mains_hz")
    if isinstance(mains, (int, float)) and mains > 0:
        with raw.info._unlock():
            raw.info["line_freq"] = float(mains)
    onsets, durations, labels = annotation_lists(
        loaded.markers, (loaded.meta or {}).get("artifact_spans") or [],
        loaded.data.shape[1] / float(loaded.sfreq), loaded.spans,
    )
    if onsets:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # markers outside the data are dropped by MNE
            raw.set_annotations(mne.Annotations(onsets, durations, labels,
                                                orig_time=raw.info["meas_date"]), verbose="error")
    return raw


def annotation_lists(
    markers: list[tuple[float, str]], artifact_spans: list[tuple[float, float]], end_s: float,
    spans: list[tuple[float, float, str]] = (),
) -> tuple[list[float], list[float], list[str]]:
    """Markers and artifact spans as annotation onsets, durations and descriptions.

    A protocol phase (``phase:NAME:start`` ... ``phase:NAME:end``) becomes one ``phase:NAME``
    annotation lasting the phase, a reward (``reward:on`` ... ``reward:off``) one ``reward``
    annotation (an open one runs to ``end_s``); a marker that opens one of ``spans`` (the
    file's annotations with a duration: ``LoadedFile.spans``) lasts as long as it; every other
    marker is an instant; each artifact span is a ``BAD_artifact`` annotation (MNE's
    ``reject_by_annotation`` skips it).
    """
    onsets: list[float] = []
    durations: list[float] = []
    labels: list[str] = []
    open_at: dict[str, float] = {}
    lasting: dict[tuple[float, str], list[float]] = {}
    for onset, duration, label in spans:
        lasting.setdefault((onset, label), []).append(duration)
    for t, label in markers:
        phase = phase_edge(label)
        if phase is not None:
            name, edge = phase
            name = phase_span(name)
            if edge == "start":
                open_at[name] = t
            elif name in open_at:
                start = open_at.pop(name)
                onsets.append(start), durations.append(t - start), labels.append(name)
            continue
        if label in (REWARD_ON, REWARD_OFF):
            if label == REWARD_ON:
                open_at[REWARD_SPAN] = t
            elif REWARD_SPAN in open_at:
                start = open_at.pop(REWARD_SPAN)
                onsets.append(start), durations.append(t - start), labels.append(REWARD_SPAN)
            continue
        d = lasting.get((t, label))
        onsets.append(t), durations.append(d.pop(0) if d else 0.0), labels.append(label)
    for name, start in open_at.items():  # still open when the recording ended
        onsets.append(start), durations.append(max(0.0, end_s - start)), labels.append(name)
    for onset, duration in artifact_spans:
        onsets.append(onset), durations.append(duration), labels.append("BAD_artifact")
    order = sorted(range(len(onsets)), key=lambda i: onsets[i])
    return ([onsets[i] for i in order], [durations[i] for i in order],
            [labels[i] for i in order])


def default_out_path(source: str | Path, fmt: str) -> Path:
    """``<session>/raw.<fmt>`` for a recording folder (or a file inside one), else the file's
    name with the new extension, next to it."""
    p = Path(source)
    if p.is_dir():
        return p / f"raw.{fmt}"
    if p.name in ("raw.csv", "session.json") and (p.parent / "session.json").is_file():
        return p.parent / f"raw.{fmt}"
    name = p.name[: -len(".fif.gz")] if p.name.lower().endswith(".fif.gz") else p.stem
    out = p.with_name(f"{name}.{fmt}")
    if fmt == "fif" and not out.name.endswith(("raw.fif", "_eeg.fif")):
        out = p.with_name(f"{name}_raw.fif")  # MNE's naming convention avoids a warning
    return out


def export_loaded(loaded: LoadedFile, out_path: str | Path, fmt: str) -> Path:
    """Write ``loaded`` as FIF, EDF or BDF.

    Parameters
    ----------
    loaded : LoadedFile
    out_path : str or Path
        Destination file (overwritten).
    fmt : {"fif", "edf", "bdf"}

    Returns
    -------
    Path
        Where it was written.

    Raises
    ------
    UsageError
        Unknown format.
    RecordingError
        The destination cannot be written.
    """
    fmt = check_option(setting("fmt", "--format"), str(fmt).lower(), EXPORT_FORMATS)
    out = Path(out_path)
    if not out.parent.exists():
        raise RecordingError(
            f"cannot export to {out}: folder {out.parent} does not exist; create it or choose "
            f"another {setting('out_path', '--out')}"
        )
    raw = loaded_to_raw(loaded)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if fmt == "fif":
                raw.save(out, overwrite=True, verbose="error")
            else:
                mne.export.export_raw(out, raw, fmt=fmt, physical_range="channelwise",
                                      overwrite=True, verbose="error")
    except OSError as exc:
        raise RecordingError(f"cannot write {out}: {exc.strerror or exc}; check permissions and free space") from exc
    except ValueError as exc:
        raise UsageError(f"cannot export {loaded.path} as {fmt.upper()}: {str(exc).splitlines()[0]}") from exc
    log.info("exported %s -> %s", loaded.path, out)
    return out


def resolution_uv(loaded: LoadedFile, fmt: str) -> np.ndarray:
    """Quantisation step per channel (uV) of an export in ``fmt``: ``range / (2**bits - 1)``
    for EDF (16 bits) and BDF (24 bits); float32 relative precision for FIF.

    Returns
    -------
    ndarray, shape (n_channels,)
    """
    data = np.asarray(loaded.data)
    span = data.max(axis=1) - data.min(axis=1)
    if fmt == "edf":
        return span / (2**16 - 1)
    if fmt == "bdf":
        return span / (2**24 - 1)
    return np.abs(data).max(axis=1) * 2.0**-23
