"""BrainFlow board names: short aliases, ``BoardIds`` names, and board row layouts."""

from __future__ import annotations

import logging

from .errors import UsageError, setting
from .sources.base import RowLayout

log = logging.getLogger(__name__)

#: Short names accepted everywhere a board is named (``--board``), mapped to ``BoardIds`` names.
BOARD_ALIASES: dict[str, str] = {
    "synthetic": "SYNTHETIC_BOARD",
    "cyton": "CYTON_BOARD",
    "cyton-daisy": "CYTON_DAISY_BOARD",
    "ganglion": "GANGLION_BOARD",
    "playback": "PLAYBACK_FILE_BOARD",
    "streaming": "STREAMING_BOARD",
}


def _board_ids():
    # lazy: brainflow loads its native library; naming a file's board (replay, info) must not
    # pay for it before a board is actually resolved
    from brainflow.board_shim import BoardIds

    return BoardIds


def resolve_board(name: str | int) -> int:
    """Turn a board name into a BrainFlow board id.

    Parameters
    ----------
    name : str or int
        A short name (``synthetic``, ``cyton``, ``cyton-daisy``, ``ganglion``, ``playback``,
        ``streaming``), any ``BoardIds`` member name in any case, with or without the
        ``_BOARD`` suffix and with ``-`` or ``_`` (``CYTON_BOARD``, ``muse_2_board``,
        ``muse-2``), or a numeric id.

    Returns
    -------
    int
        The BrainFlow board id.

    Raises
    ------
    UsageError
        Unknown name; the message lists the short names.
    """
    BoardIds = _board_ids()
    if isinstance(name, int) and not isinstance(name, bool):
        valid = {m.value for m in BoardIds}
        if name in valid:
            return int(name)
        raise UsageError(f"unknown board id {name}; use one of {', '.join(BOARD_ALIASES)} or a BrainFlow BoardIds name")
    text = str(name).strip()
    key = text.lower().replace("_", "-")
    if key in BOARD_ALIASES:
        return int(BoardIds[BOARD_ALIASES[key]].value)
    enum_name = text.upper().replace("-", "_")
    for cand in (enum_name, enum_name + "_BOARD"):
        if cand in BoardIds.__members__:
            return int(BoardIds[cand].value)
    try:
        as_int = int(text)
    except ValueError:
        as_int = None
    if as_int is not None and as_int in {m.value for m in BoardIds}:
        return as_int
    raise UsageError(
        f"unknown board {text!r}; use simulated (our simulator), lsl (an LSL stream), one of "
        f"{', '.join(BOARD_ALIASES)} or a BrainFlow BoardIds name such as CYTON_WIFI_BOARD or "
        "MUSE_2_BOARD (see 'neurofeedback boards')"
    )


def board_label(board_id: int) -> str:
    """Short, file-name-safe label of a board id: the alias if there is one, else the
    ``BoardIds`` name in lower case without ``_board`` (e.g. ``muse_2``)."""
    BoardIds = _board_ids()
    try:
        enum_name = BoardIds(int(board_id)).name
    except ValueError:
        return f"board{int(board_id)}"
    for short, full in BOARD_ALIASES.items():
        if full == enum_name:
            return short
    label = enum_name.lower()
    return label[: -len("_board")] if label.endswith("_board") else label


def board_layout(board_id: int) -> tuple[RowLayout, float]:
    """Row layout and sample rate of a BrainFlow board, from ``BoardShim``'s descriptors.

    Returns
    -------
    layout : RowLayout
    sfreq : float
        Sample rate in Hz.

    Raises
    ------
    UsageError
        For boards without a fixed layout (``playback``, ``streaming``) or without EEG rows.
    """
    # lazy, as in _board_ids: BoardShim loads brainflow's native library
    from brainflow.board_shim import BoardShim
    from brainflow.exit_codes import BrainFlowError

    try:
        eeg = BoardShim.get_eeg_channels(board_id)
        ts = BoardShim.get_timestamp_channel(board_id)
        n_rows = BoardShim.get_num_rows(board_id)
        sfreq = float(BoardShim.get_sampling_rate(board_id))
    except BrainFlowError as exc:
        raise UsageError(
            f"board {board_label(board_id)} has no fixed row layout ({exc}); name the board that "
            f"recorded the data as {setting('board', '--board')}, e.g. cyton"
        ) from None
    try:
        marker = BoardShim.get_marker_channel(board_id)
    except BrainFlowError:
        marker = None
    try:
        pkg = BoardShim.get_package_num_channel(board_id)
    except BrainFlowError:
        pkg = None
    return RowLayout(n_rows=int(n_rows), eeg_rows=tuple(int(r) for r in eeg), timestamp_row=int(ts),
                     marker_row=marker, package_num_row=pkg), sfreq
