"""``neurofeedback boards``: every supported source and the options it needs."""

from __future__ import annotations

import argparse
import sys

NAME = "boards"
HELP = "list supported boards and sources with the options each needs"
ORDER = 5

#: (name, what, options needed) for the sources users ask for most.
MAIN_SOURCES = [
    ("synthetic", "BrainFlow synthetic board: 16 ch at 250 Hz, pure sines (default)", ""),
    ("simulated", "our scenario simulator with ground truth", "[--scenario NAME] [--seed N]"),
    ("cyton", "OpenBCI Cyton, 8 ch at 250 Hz", "--serial-port PORT"),
    ("cyton-daisy", "OpenBCI Cyton + Daisy, 16 ch at 125 Hz", "--serial-port PORT"),
    ("ganglion", "OpenBCI Ganglion, 4 ch at 200 Hz (BLE)", "[--serial-port PORT | --mac-address MAC]"),
    ("playback", "BrainFlow playback of a BrainFlow CSV (real time only)", "--board-file PATH --master-board NAME"),
    ("streaming", "BrainFlow streaming board (multicast)", "--ip-address ADDR --ip-port N --master-board NAME"),
]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--all", action="store_true", help="also list every BrainFlow BoardIds name")


def run(args: argparse.Namespace) -> int:
    from brainflow.board_shim import BoardIds, BoardShim, BrainFlowError

    out = sys.stdout
    out.write("Sources (use with --board NAME):\n")
    for name, what, opts in MAIN_SOURCES:
        out.write(f"  {name:<12} {what}\n  {'':<12}   options: {opts or 'none'}\n")
    out.write("\nAny BrainFlow board also works by its BoardIds name, e.g. --board MUSE_2_BOARD\n")
    out.write("(BLE boards take --mac-address or --serial-port, WiFi boards --ip-address/--ip-port).\n")
    if args.all:
        out.write("\nBrainFlow BoardIds:\n")
        for m in BoardIds:
            try:
                rate = BoardShim.get_sampling_rate(m.value)
                n_eeg = len(BoardShim.get_eeg_channels(m.value))
                desc = f"{n_eeg} EEG ch at {rate} Hz"
            except BrainFlowError:
                desc = "no EEG description"
            out.write(f"  {m.name:<34} id {m.value:>3}  {desc}\n")
    else:
        out.write("Run 'neurofeedback boards --all' for the full list.\n")
    return 0
