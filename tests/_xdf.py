"""A minimal XDF writer for tests, from the XDF 1.0 specification (chunks: FileHeader,
StreamHeader, Samples, StreamFooter; little-endian; variable-length counts)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np


def _varlen(n: int) -> bytes:
    if n < 256:
        return bytes([1]) + struct.pack("<B", n)
    if n < 2**32:
        return bytes([4]) + struct.pack("<I", n)
    return bytes([8]) + struct.pack("<Q", n)


def _chunk(tag: int, content: bytes) -> bytes:
    body = struct.pack("<H", tag) + content
    return _varlen(len(body)) + body


def _header_xml(name: str, kind: str, labels: list[str], unit: str, srate: float, fmt: str) -> bytes:
    chans = "".join(f"<channel><label>{lab}</label><unit>{unit}</unit><type>{kind}</type></channel>"
                    for lab in labels)
    return (f"<?xml version=\"1.0\"?><info><name>{name}</name><type>{kind}</type>"
            f"<channel_count>{len(labels)}</channel_count><nominal_srate>{srate}</nominal_srate>"
            f"<channel_format>{fmt}</channel_format><source_id>{name}-id</source_id>"
            f"<desc><channels>{chans}</channels></desc></info>").encode()


def write_xdf(path: Path, eeg: np.ndarray, sfreq: float, labels: list[str], stamps: np.ndarray,
              markers: list[tuple[float, str]], unit: str = "microvolts") -> None:
    """EEG (n_ch, n) as stream 1 (float32), markers as stream 2 (string)."""
    out = bytearray(b"XDF:")
    out += _chunk(1, b"<?xml version=\"1.0\"?><info><version>1.0</version></info>")
    out += _chunk(2, struct.pack("<I", 1) + _header_xml("eeg", "EEG", labels, unit, sfreq, "float32"))
    out += _chunk(2, struct.pack("<I", 2) + _header_xml("marks", "Markers", ["m"], "", 0, "string"))
    samples = bytearray(struct.pack("<I", 1)) + _varlen(eeg.shape[1])
    for k in range(eeg.shape[1]):
        samples += bytes([8]) + struct.pack("<d", stamps[k])
        samples += np.asarray(eeg[:, k], dtype="<f4").tobytes()
    out += _chunk(3, bytes(samples))
    ms = bytearray(struct.pack("<I", 2)) + _varlen(len(markers))
    for t, label in markers:
        b = label.encode()
        ms += bytes([8]) + struct.pack("<d", t) + _varlen(len(b)) + b
    out += _chunk(3, bytes(ms))
    for sid, n in ((1, eeg.shape[1]), (2, len(markers))):
        footer = (f"<?xml version=\"1.0\"?><info><first_timestamp>0</first_timestamp>"
                  f"<sample_count>{n}</sample_count></info>").encode()
        out += _chunk(6, struct.pack("<I", sid) + footer)
    path.write_bytes(bytes(out))
