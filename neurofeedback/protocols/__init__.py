"""Protocol-driven sessions: TOML protocol files, their validation and the protocol engine.

Public API::

    load_protocol(name_or_path) -> Protocol
    list_protocols() -> list[Protocol]
    ProtocolEngine(protocol, start_s=0.0).update(frame) -> list[ProtocolEvent]
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ProtocolError
from ..pipeline.scores import alpha_theta_share
from .engine import (
    EVENT_KINDS,
    ProtocolEngine,
    ProtocolEvent,
    ProtocolSnapshot,
    score_value,
)
from .schema import (
    MAPPINGS,
    PHASE_KINDS,
    SCORES,
    Phase,
    Protocol,
    RewardRule,
    protocol_from_dict,
    read_protocol_file,
    validate_protocol,
)
from .threshold import AdaptiveThreshold

#: Environment variable naming a folder that replaces the shipped ``protocols/`` folder.
ENV_VAR = "NEUROFEEDBACK_PROTOCOLS"


def protocols_dir() -> Path:
    """Folder that protocol names resolve in: ``$NEUROFEEDBACK_PROTOCOLS``, else the shipped
    protocols (package data, so an installed wheel has them; the repository's top-level
    ``protocols/`` links to the same folder)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parent / "shipped"


def protocol_names() -> list[str]:
    """Names (file stems) of the protocol files in :func:`protocols_dir`, sorted."""
    d = protocols_dir()
    if not d.is_dir():
        return []
    return sorted(p.stem for p in d.glob("*.toml"))


def load_protocol(name_or_path: str | os.PathLike[str]) -> Protocol:
    """Load a protocol by name (``meditation``) or by path (``my/protocol.toml``).

    A value that contains a path separator, ends in ``.toml`` or names an existing file is a
    path; anything else is a name looked up in :func:`protocols_dir`.

    Raises
    ------
    ProtocolError
        When the name is unknown (the message lists the available names), the file is missing or
        it is invalid.
    """
    text = os.fspath(name_or_path)
    p = Path(text).expanduser()
    if text.endswith(".toml") or os.sep in text or "/" in text or p.is_file():
        return read_protocol_file(p)
    if not text.strip():
        raise ProtocolError("protocol name is empty; give a name such as 'meditation' or a .toml path")
    candidate = protocols_dir() / f"{text}.toml"
    if candidate.is_file():
        return read_protocol_file(candidate)
    names = protocol_names()
    avail = ", ".join(names) if names else f"none (the folder {protocols_dir()} has no .toml files)"
    raise ProtocolError(
        f"unknown protocol '{text}'; available: {avail} (or give the path of a .toml file; "
        f"the folder is {protocols_dir()}, set {ENV_VAR} to use another)"
    )


def list_protocols() -> list[Protocol]:
    """All protocols in :func:`protocols_dir`, sorted by name; an invalid file raises."""
    return [read_protocol_file(protocols_dir() / f"{n}.toml") for n in protocol_names()]


__all__ = [
    "ENV_VAR",
    "EVENT_KINDS",
    "MAPPINGS",
    "PHASE_KINDS",
    "SCORES",
    "AdaptiveThreshold",
    "Phase",
    "Protocol",
    "ProtocolEngine",
    "ProtocolError",
    "ProtocolEvent",
    "ProtocolSnapshot",
    "RewardRule",
    "list_protocols",
    "load_protocol",
    "protocol_from_dict",
    "protocol_names",
    "protocols_dir",
    "read_protocol_file",
    "score_value",
    "alpha_theta_share",
    "validate_protocol",
]
