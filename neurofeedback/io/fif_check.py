"""The tag chain of a FIF file walked by us before MNE reads it.

A FIF file is a chain of tags. Each tag starts with four big-endian int32: ``kind``, ``type``,
``size`` (bytes of data after the 16-byte header) and ``next`` (0: the next tag follows this
one's data; > 0: the byte position of the next tag; -1: the last tag). Blocks are opened by a
``BLOCK_START`` tag (kind 104) and closed by a ``BLOCK_END`` tag (kind 105).

MNE's reader follows the chain without bounds: a ``next`` pointing back to the tag itself, or a
``size`` of -16 (the next tag is then the same tag), loops for ever while memory grows. Here the
chain must move strictly forward, sizes must be >= 0 and every tag must fit in the file, so the
walk takes at most ``file size / 16`` steps. A file whose blocks are not all closed when the
chain ends was cut short (at a tag boundary MNE reads the part that is there as if it were the
whole recording): it is refused.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

from ..errors import FileFormatError
from ._common import fname

FIFF_FILE_ID = 100
FIFF_BLOCK_START = 104
FIFF_BLOCK_END = 105
_HOW_TO_FIX = "re-save the recording or re-copy the file"
_HEADER = struct.Struct(">iiii")


def _open(path: Path):
    with path.open("rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")


def check_fif_chain(path: str | Path) -> int:
    """Walk the tag chain of a FIF file and refuse a chain that loops or was cut short.

    Parameters
    ----------
    path : str or Path
        A FIF file (plain, or gzip-compressed).

    Returns
    -------
    int
        Number of tags in the chain.

    Raises
    ------
    FileFormatError
        The file does not start with a file-id tag; a tag has a negative size, does not fit in
        the file, or points to a next tag that is not after it; blocks are left open at the end.
    """
    path = Path(path)
    name = fname(path)
    with _open(path) as fh:
        size = fh.seek(0, 2)  # a gzip file is decompressed once here, bounded by its content
        pos = 0
        n_tags = 0
        open_blocks = 0
        while pos is not None and pos < size:
            fh.seek(pos)
            head = fh.read(16)
            if len(head) < 16:
                raise FileFormatError(
                    f"{name}: truncated: the file ends inside a FIF tag header at byte {pos}; {_HOW_TO_FIX}"
                )
            kind, _type, tag_size, nxt = _HEADER.unpack(head)
            if n_tags == 0 and kind != FIFF_FILE_ID:
                raise FileFormatError(f"{name}: not a FIF file (no file-id tag at byte 0); {_HOW_TO_FIX}")
            if tag_size < 0:
                raise FileFormatError(
                    f"{name}: corrupt FIF: the tag at byte {pos} has a negative size ({tag_size}); {_HOW_TO_FIX}"
                )
            end = pos + 16 + tag_size
            if end > size:
                raise FileFormatError(
                    f"{name}: truncated: the FIF tag at byte {pos} needs {tag_size} data bytes but the "
                    f"file ends after {size - pos - 16}; {_HOW_TO_FIX}"
                )
            if kind == FIFF_BLOCK_START:
                open_blocks += 1
            elif kind == FIFF_BLOCK_END:
                open_blocks -= 1
                if open_blocks < 0:
                    raise FileFormatError(
                        f"{name}: corrupt FIF: a block is closed at byte {pos} that was never opened; {_HOW_TO_FIX}"
                    )
            n_tags += 1
            if nxt == 0:
                pos = end
            elif nxt == -1:
                pos = None
            elif nxt >= end:
                pos = nxt
            else:
                raise FileFormatError(
                    f"{name}: corrupt FIF: the tag at byte {pos} points to its next tag at byte {nxt}, "
                    f"{'back into the file (the chain would loop)' if nxt > 0 else 'an invalid position'}; "
                    f"{_HOW_TO_FIX}"
                )
    if n_tags == 0:
        raise FileFormatError(f"{name}: the file is empty")
    if open_blocks:
        raise FileFormatError(
            f"{name}: truncated: the FIF file ends with {open_blocks} block(s) still open (it was cut "
            f"short and would read as part of the recording); {_HOW_TO_FIX}"
        )
    return n_tags
