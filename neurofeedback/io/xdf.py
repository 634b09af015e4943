"""Reader for XDF files (LabRecorder) through ``pyxdf``.

An XDF file holds several streams. The EEG is the stream of type ``EEG`` (any case) with a fixed
rate, the one with the most channels when there are several (else the numeric fixed-rate stream
with the most channels); its channel names and units come from the standard
``desc/channels/channel`` metadata (``Ch1..ChN`` without it; microvolts, millivolts or volts,
anything else taken as microvolts). Every string stream (type ``Markers`` and the like) becomes
markers, at their time stamps relative to the EEG's first sample. Time stamps are pyxdf's, with
the recorded clock offsets applied (``synchronize_clocks``) and jitter left in (``dejitter_timestamps=False``),
so dropped samples show as gaps.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..channels import UV_PER_UNIT, apply_channel_override, normalize_names
from ..errors import FileFormatError
from ._common import check_finite, fname
from .loaded import LoadedFile

log = logging.getLogger(__name__)

XDF_MAGIC = b"XDF:"


def _first(d: dict, key: str, default: str = "") -> str:
    v = d.get(key)
    if isinstance(v, list) and v:
        v = v[0]
    return str(v) if v is not None else default


def _channels(info: dict) -> tuple[list[str], list[str]]:
    try:
        chans = info["desc"][0]["channels"][0]["channel"]
    except (KeyError, IndexError, TypeError):
        return [], []
    return ([_first(c, "label").strip() for c in chans],
            [_first(c, "unit").strip().lower() for c in chans])


class _Collect(logging.Handler):
    """Keeps the log records pyxdf emits while it reads one file."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _load_streams(path: Path, name: str) -> list[dict]:
    """``pyxdf.load_xdf`` with its log captured.

    pyxdf logs damage it skips over (a chunk length it cannot read, with a traceback, then a
    scan to the next boundary chunk) and reads on, dropping whatever the damaged stretch held:
    samples, a whole marker stream. Such a file is refused here naming pyxdf's first error;
    pyxdf's warnings (clock segments and the like) become one line each on our logger.
    """
    import pyxdf  # only XDF files need it

    pyxdf_log = logging.getLogger("pyxdf")
    handler = _Collect()
    propagate = pyxdf_log.propagate
    pyxdf_log.addHandler(handler)
    pyxdf_log.propagate = False
    try:
        streams, _ = pyxdf.load_xdf(str(path), synchronize_clocks=True,
                                    dejitter_timestamps=False, verbose=False)
    except Exception as exc:  # noqa: BLE001 - pyxdf raises many kinds on a corrupt file
        raise FileFormatError(f"{name}: not a readable XDF file ({type(exc).__name__}: {exc})") from None
    finally:
        pyxdf_log.removeHandler(handler)
        pyxdf_log.propagate = propagate
    errors = [r for r in handler.records if r.levelno >= logging.ERROR]
    if errors:
        first = errors[0].getMessage().strip()
        cause = f" ({errors[0].exc_info[1]})" if errors[0].exc_info and errors[0].exc_info[1] else ""
        raise FileFormatError(
            f"{name}: corrupt or cut XDF: {first}{cause}; the damaged part would be skipped with what it "
            "held (samples, markers): re-copy the file or re-record it"
        )
    for r in handler.records:
        if r.levelno >= logging.WARNING:
            log.warning("%s: %s", name, r.getMessage().strip())
    return streams


def read_xdf(path: str | Path, *, channels: str | list[str] | None = None) -> LoadedFile:
    """Read the EEG stream of an XDF file and its marker streams (see the module docstring)."""
    path = Path(path)
    name = fname(path)
    streams = _load_streams(path, name)

    def numeric_fixed(s: dict) -> bool:
        info = s["info"]
        return (float(_first(info, "nominal_srate", "0") or 0) > 0
                and _first(info, "channel_format") != "string"
                and np.size(s.get("time_stamps", [])) > 1)

    fixed = [s for s in streams if numeric_fixed(s)]
    eeg = [s for s in fixed if _first(s["info"], "type").lower() == "eeg"] or fixed
    if not eeg:
        raise FileFormatError(
            f"{name}: no fixed-rate numeric (EEG) stream among its {len(streams)} stream(s)"
        )
    s = max(eeg, key=lambda st: int(_first(st["info"], "channel_count", "0")))
    info = s["info"]
    sfreq = float(_first(info, "nominal_srate"))
    x = np.asarray(s["time_series"], dtype=float).T
    ts = np.asarray(s["time_stamps"], dtype=float)
    labels, units = _channels(info)
    n = x.shape[0]
    if len(labels) != n or not all(labels) or len(set(labels)) != n:
        labels = [f"Ch{i}" for i in range(1, n + 1)]
    scale = np.array([UV_PER_UNIT.get(u, 1.0) for u in (units if len(units) == n else [""] * n)])
    x = x * scale[:, None]
    t0 = float(ts[0])
    markers: list[tuple[float, str]] = []
    for m in streams:
        if _first(m["info"], "channel_format") != "string":
            continue
        for t, v in zip(m["time_stamps"], m["time_series"], strict=False):
            label = " ".join(str(e) for e in (v if isinstance(v, (list, tuple)) else [v])).strip()
            markers.append((float(t) - t0, label))
    markers.sort()
    gaps = np.round(np.diff(ts) * sfreq)
    dropped = int(np.sum(np.clip(gaps - 1, 0, None)))
    ch_names = apply_channel_override(normalize_names(labels), channels)
    check_finite(str(path), x, ch_names, sfreq)
    return LoadedFile(
        path=str(path), format="XDF", data=x, sfreq=sfreq, ch_names=ch_names, timestamps=ts,
        dropped_samples=dropped, markers=markers,
        meta={"stream_name": _first(info, "name"), "stream_type": _first(info, "type"),
              "n_streams": len(streams)},
    )
