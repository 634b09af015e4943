"""``neurofeedback simulate --scenario NAME --duration S --out DIR [--seed N] [--montage NAME]``."""

from __future__ import annotations

import argparse

from ..simulate.montages import MONTAGES
from ..simulate.scenarios import SCENARIOS
from ..simulate.session import simulate_session

NAME = "simulate"
HELP = "write a simulated recording with known ground truth (truth.csv)"
ORDER = 60


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", default="annealing-cycle", metavar="NAME",
                        help=f"one of {', '.join(SCENARIOS)} (default annealing-cycle)")
    parser.add_argument("--duration", type=float, required=True, metavar="S",
                        help="length in seconds (annealing-cycle needs at least 185)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="session folder to create (must not hold a recording)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    parser.add_argument("--montage", default="default", metavar="NAME",
                        help=f"electrode set: {', '.join(MONTAGES)} (default: 16 channels)")
    parser.add_argument("--sfreq", type=float, default=250.0, metavar="HZ",
                        help="sample rate in Hz (default 250)")


def run(args: argparse.Namespace) -> int:
    path, truth = simulate_session(
        args.out, scenario=args.scenario, duration_s=args.duration, seed=args.seed,
        montage=args.montage, sfreq=args.sfreq,
    )
    phases = []
    for p in truth.phase:
        if not phases or phases[-1] != p:
            phases.append(str(p))
    print(f"simulated {args.scenario}: {args.duration:g} s, seed {args.seed}, montage "
          f"{args.montage}, {args.sfreq:g} Hz -> {path}")
    print(f"truth.csv: {truth.time_s.size} rows; phases: {' -> '.join(phases)}; "
          f"artifact rows: {int(truth.artifact.sum())}")
    return 0
