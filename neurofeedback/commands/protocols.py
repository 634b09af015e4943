"""``neurofeedback protocols [NAME|PATH]``: list the protocols, or show one in detail."""

from __future__ import annotations

import argparse
import json
import textwrap

from ..protocols import list_protocols, load_protocol, protocols_dir

NAME = "protocols"
HELP = "list the training protocols, or show one (NAME or PATH.toml) in detail"
ORDER = 70


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "protocol", nargs="?", metavar="NAME|PATH",
        help="show this protocol phase by phase (a name from the list or a .toml file)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def _minutes(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d}"


def format_list(protocols: list) -> str:
    """Table of name, duration, phase count and description."""
    if not protocols:
        return "no protocols found"
    w = max(len(p.name) for p in protocols)
    lines = [f"{'NAME':<{w}}  {'LENGTH':>6}  {'PHASES':>6}  DESCRIPTION"]
    for p in protocols:
        lines.append(
            f"{p.name:<{w}}  {_minutes(p.duration_s):>6}  {len(p.phases):>6}  {p.description}"
        )
    return "\n".join(lines)


def format_detail(p) -> str:
    """Everything a protocol file says, phase by phase."""
    r = p.reward
    out = [
        f"{p.name}  ({p.path})",
        textwrap.fill(p.description, 96),
        "",
        f"length            {_minutes(p.duration_s)} ({p.duration_s:g} s), {len(p.phases)} phases",
        f"integration band  {p.integration_band[0]:g}-{p.integration_band[1]:g} Hz",
        f"feedback          {p.mapping}, response {p.response}",
    ]
    if p.scores:
        out.append(
            f"reward            target rate {r.target_rate:.0%}, threshold starts at "
            f"{r.initial_threshold:g}, limits {r.min_threshold:g}-{r.max_threshold:g}, "
            f"adapts over {r.adapt_window_s:g} s after {r.warmup_s:g} s, sustain {r.sustain_s:g} s"
        )
    out += ["", f"{'#':>2}  {'START':>6}  {'LENGTH':>6}  {'KIND':<21} {'LABEL':<22} SCORE"]
    for i, (ph, start) in enumerate(zip(p.phases, p.phase_starts, strict=True)):
        score = ph.score or "-"
        if ph.overrides:
            score += "  (" + ", ".join(f"{k}={v:g}" for k, v in ph.overrides.items()) + ")"
        out.append(
            f"{i:>2}  {_minutes(start):>6}  {_minutes(ph.duration_s):>6}  {ph.kind:<21} "
            f"{ph.label:<22} {score}"
        )
        out.append(textwrap.fill(ph.instruction, 96, initial_indent=" " * 12,
                                 subsequent_indent=" " * 12))
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    if args.json:
        chosen = [load_protocol(args.protocol)] if args.protocol else list_protocols()
        items = [{"name": p.name, "path": str(p.path), "description": p.description,
                  "duration_s": p.duration_s, **p.to_dict()} for p in chosen]
        print(json.dumps(items[0] if args.protocol else items, indent=2, default=str))
        return 0
    if args.protocol:
        print(format_detail(load_protocol(args.protocol)))
    else:
        print(format_list(list_protocols()))
        print(f"\n(from {protocols_dir()}; 'neurofeedback protocols NAME' shows one in detail)")
    return 0
