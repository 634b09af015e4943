"""The application's vocabularies, each defined once: source kinds, boards, scenarios, scores and
feedback modalities.

The command line (option help, ``neurofeedback boards``, option checks) and the Qt setup bar
both read these tuples, so a new board, scenario or score is added here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..protocols.schema import MAPPINGS, SCORES
from ..simulate.scenarios import SCENARIOS as _SCENARIO_TABLE
from ..sources.factory import LSL, SIMULATED, SYNTHETIC

#: What a session reads from: BrainFlow's synthetic board, our scenario simulator, any other
#: BrainFlow board, or a file replay.
SOURCE_KINDS: tuple[str, ...] = ("synthetic", "simulated", "board", "replay")

#: The simulator's scenario names (the table itself lives in :mod:`neurofeedback.simulate`).
SCENARIOS: tuple[str, ...] = tuple(_SCENARIO_TABLE)
#: Scenario a session uses when none is named.
DEFAULT_SCENARIO = "annealing-cycle"

#: Scores a session can feed back (the protocol schema's list: a protocol's training phases
#: name one of them, ``neurofeedback gui --feedback-mode`` picks one without a protocol).
FEEDBACK_SCORES: tuple[str, ...] = SCORES
#: Score fed back when neither a protocol nor the operator names one.
DEFAULT_SCORE = "meditation"

#: Feedback modalities a protocol's ``[feedback] mapping`` may name.
FEEDBACK_MAPPINGS: tuple[str, ...] = MAPPINGS


@dataclass(frozen=True)
class BoardChoice:
    """One source users ask for by name.

    Attributes
    ----------
    name : str
        What ``--board`` and the setup bar accept (resolved by :func:`neurofeedback.boards.resolve_board`
        for BrainFlow boards).
    kind : str
        One of :data:`SOURCE_KINDS` (``synthetic``, ``simulated`` or ``board``).
    what : str
        One line describing it.
    options : str
        The command-line options it needs ("" for none).
    """

    name: str
    kind: str
    what: str
    options: str = ""


#: Sources listed by ``neurofeedback boards`` and suggested by the setup bar, in that order.
BOARDS: tuple[BoardChoice, ...] = (
    BoardChoice("synthetic", "synthetic", "BrainFlow synthetic board: 16 ch at 250 Hz, pure sines (default)"),
    BoardChoice("simulated", "simulated", "our scenario simulator with ground truth", "[--scenario NAME] [--seed N]"),
    BoardChoice("cyton", "board", "OpenBCI Cyton, 8 ch at 250 Hz", "--serial-port PORT"),
    BoardChoice("cyton-daisy", "board", "OpenBCI Cyton + Daisy, 16 ch at 125 Hz", "--serial-port PORT"),
    BoardChoice("ganglion", "board", "OpenBCI Ganglion, 4 ch at 200 Hz (BLE)",
                "[--serial-port PORT | --mac-address MAC]"),
    BoardChoice("cyton-wifi", "board", "OpenBCI Cyton with the WiFi shield", "--ip-address ADDR [--ip-port N]"),
    BoardChoice("muse-2", "board", "Muse 2 headband (BLE)", "[--mac-address MAC]"),
    BoardChoice("playback", "board", "BrainFlow playback of a BrainFlow CSV (real time only)",
                "--board-file PATH --master-board NAME"),
    BoardChoice("streaming", "board", "BrainFlow streaming board (multicast)",
                "--ip-address ADDR --ip-port N --master-board NAME"),
    BoardChoice(LSL, "board", "any Lab Streaming Layer EEG stream (OpenBCI GUI, muse-lsl, ...)",
                "[--lsl-name NAME | --lsl-type TYPE] [--lsl-source-id ID]"),
)
#: Board every session uses when none is named.
DEFAULT_BOARD = SYNTHETIC
#: ``--board`` name of a Lab Streaming Layer stream (kind ``board``, but not a BrainFlow board).
LSL_BOARD = LSL
#: Names of the BrainFlow boards (kind ``board``) of :data:`BOARDS`, for the setup bar.
HARDWARE_BOARDS: tuple[str, ...] = tuple(
    b.name for b in BOARDS if b.kind == "board" and b.name != LSL_BOARD
)


def board_kind(name: str) -> str:
    """The :data:`SOURCE_KINDS` entry a ``--board`` name means (``synthetic``, ``simulated``, or
    ``board`` for every BrainFlow board name)."""
    key = str(name).strip().lower()
    return key if key in (SYNTHETIC, SIMULATED) else "board"
