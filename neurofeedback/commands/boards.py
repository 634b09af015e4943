"""``neurofeedback boards``: every supported source and the options it needs."""

from __future__ import annotations

import argparse
import json
import sys

from ..app import BOARDS

NAME = "boards"
HELP = "list supported boards and sources with the options each needs"
ORDER = 5

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--all", action="store_true", help="also list every BrainFlow BoardIds name")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args: argparse.Namespace) -> int:
    out = sys.stdout
    if args.json:
        out.write(json.dumps([{"name": b.name, "kind": b.kind, "what": b.what,
                               "options": b.options} for b in BOARDS], indent=2) + "\n")
        return 0
    out.write("Sources (use with --board NAME):\n")
    for b in BOARDS:
        out.write(f"  {b.name:<12} {b.what}\n  {'':<12}   options: {b.options or 'none'}\n")
    out.write("\nAny BrainFlow board also works by its BoardIds name, e.g. --board MUSE_2_BOARD\n")
    out.write("(BLE boards take --mac-address or --serial-port, WiFi boards --ip-address/--ip-port).\n")
    if args.all:
        # lazy: brainflow loads its native library; only the full list needs BoardShim
        from brainflow.board_shim import BoardIds, BoardShim, BrainFlowError

        BoardShim.disable_board_logger()  # boards without EEG would each print an error line
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
