"""The marker labels a session writes into ``markers.csv`` for its protocol.

One vocabulary for the writer (the protocol engine) and every reader (the report, ``export``,
``analyze``'s baseline from a recorded protocol, a replay, the window):

- ``phase:<label>:start`` and ``phase:<label>:end`` at a protocol phase's nominal start and end;
- ``reward:on`` and ``reward:off`` when the reward turns on and off;
- ``protocol:<name>:finished`` when the last phase ends;
- ``phase:<estimator phase>`` (no ``:start``/``:end``) on the LSL marker stream at each change
  of the annealing estimator's phase (a recording of that stream holds them);
- in an exported file (FIF, EDF, BDF, BIDS) the phases and rewards as annotations lasting them:
  ``phase:<label>`` and ``reward``.

User markers (``mark``, digits) and a file's own markers are any other text.
"""

from __future__ import annotations

PHASE_PREFIX = "phase:"
REWARD_PREFIX = "reward:"
REWARD_ON = "reward:on"
REWARD_OFF = "reward:off"
PROTOCOL_PREFIX = "protocol:"
#: An exported file's annotation lasting each reward.
REWARD_SPAN = "reward"
#: Prefixes of the markers a session makes for its protocol (a replay makes its own again).
SESSION_PREFIXES: tuple[str, ...] = (PHASE_PREFIX, REWARD_PREFIX, PROTOCOL_PREFIX)
_EDGES = ("start", "end")


def phase_start(label: str) -> str:
    """``phase:<label>:start``."""
    return f"{PHASE_PREFIX}{label}:start"


def phase_end(label: str) -> str:
    """``phase:<label>:end``."""
    return f"{PHASE_PREFIX}{label}:end"


def reward(kind: str) -> str:
    """``reward:on`` or ``reward:off`` for ``kind`` ``"on"`` or ``"off"``."""
    if kind not in ("on", "off"):
        raise ValueError(f"kind must be 'on' or 'off'; got {kind!r}")
    return f"{REWARD_PREFIX}{kind}"


def finished(protocol_name: str) -> str:
    """``protocol:<name>:finished``."""
    return f"{PROTOCOL_PREFIX}{protocol_name}:finished"


def estimator_phase(phase: str) -> str:
    """``phase:<phase>``: the LSL marker stream's label for a change of the estimator's phase."""
    return f"{PHASE_PREFIX}{phase}"


def phase_span(label: str) -> str:
    """``phase:<label>``: an exported file's annotation lasting a protocol phase."""
    return f"{PHASE_PREFIX}{label}"


def phase_edge(marker: str) -> tuple[str, str] | None:
    """``(label, "start" | "end")`` of a protocol phase marker, None for any other marker
    (an estimator phase change too)."""
    if not marker.startswith(PHASE_PREFIX):
        return None
    label, _, edge = marker[len(PHASE_PREFIX):].rpartition(":")
    return (label, edge) if edge in _EDGES and label else None


def with_phase_edges(
    markers: list[tuple[float, str]], spans: list[tuple[float, float, str]]
) -> list[tuple[float, str]]:
    """``markers`` with each protocol phase an exported file kept as a span (``phase:<label>``
    lasting the phase, :func:`phase_span`) turned back into its start and end markers, the
    form a session writes; the span's own onset marker is dropped. Markers without such a span
    (an estimator phase change of an LSL stream, ``phase:<phase>`` at an instant) are kept.

    Parameters
    ----------
    markers : list of (float, str)
        (onset s, label), as :attr:`~.loaded.LoadedFile.markers`.
    spans : list of (float, float, str)
        (onset s, duration s, label), as :attr:`~.loaded.LoadedFile.spans`.

    Returns
    -------
    list of (float, str)
        In time order.
    """
    phases = [(t, d, lab) for t, d, lab in spans
              if lab.startswith(PHASE_PREFIX) and phase_edge(lab) is None]
    if not phases:
        return list(markers)
    spanned = {(t, lab) for t, _, lab in phases}
    out = [m for m in markers if m not in spanned]
    for t, d, lab in phases:
        name = lab[len(PHASE_PREFIX):]
        out += [(t, phase_start(name)), (t + d, phase_end(name))]
    return sorted(out, key=lambda m: m[0])


def is_session_marker(marker: str) -> bool:
    """True for the markers a session writes for its protocol (phases, rewards, the end),
    also as an exported file's annotations."""
    return marker.startswith(SESSION_PREFIXES) or marker == REWARD_SPAN
