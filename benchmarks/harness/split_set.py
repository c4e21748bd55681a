"""Split one blind question set into a tune part and a held-out part (no asserts).

    python benchmarks/harness/split_set.py SET.yaml TUNE.yaml HELDOUT.yaml
        [--heldout-share 0.5] [--seed 20261206] [--note "line for the header"]

Each style (in-scope and out-of-scope alike) is shuffled with the seed and split on its
own, so both parts hold every style in the same proportion. The header comment lines of
the set are kept, with "(tune part)" or "(held-out part)" after the first; --note adds a
line. Running it again with the same seed gives the same files.
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from pathlib import Path

import yaml


def header_of(path: Path) -> list[str]:
    """The comment lines that open a question set."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def split_items(items: list[dict], share: float, rng: random.Random) -> tuple[list, list]:
    """(tune, held-out) items, each style split on its own, original order kept."""
    by_style: dict[str, list[int]] = defaultdict(list)
    for position, item in enumerate(items):
        by_style[item.get("style", "")].append(position)
    heldout: set[int] = set()
    for style in sorted(by_style):
        positions = by_style[style][:]
        rng.shuffle(positions)
        heldout.update(positions[: round(len(positions) * share)])
    tune = [item for position, item in enumerate(items) if position not in heldout]
    held = [item for position, item in enumerate(items) if position in heldout]
    return tune, held


def dump(path: Path, header: list[str], part: str, deck: str, in_scope: list, out: list) -> None:
    lines = list(header) or ["# Question set"]
    lines[0] = f"{lines[0].rstrip('.')} ({part} part)."
    body = yaml.safe_dump(
        {"deck": deck, "in_scope": in_scope, "out_of_scope": out},
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_style=None,
    )
    path.write_text("\n".join(lines) + "\n" + body, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("tune", type=Path)
    parser.add_argument("heldout", type=Path)
    parser.add_argument("--heldout-share", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    data = yaml.safe_load(args.source.read_text(encoding="utf-8"))
    header = header_of(args.source)
    if args.note:
        header.append(f"# {args.note}")
    rng = random.Random(args.seed)
    in_tune, in_held = split_items(data["in_scope"], args.heldout_share, rng)
    out_tune, out_held = split_items(data.get("out_of_scope") or [], args.heldout_share, rng)
    dump(args.tune, header, "tune", data["deck"], in_tune, out_tune)
    dump(args.heldout, header, "held-out", data["deck"], in_held, out_held)
    for name, ins, outs in (("tune", in_tune, out_tune), ("held-out", in_held, out_held)):
        print(f"{name}: {len(ins)} in-scope, {len(outs)} out-of-scope")


if __name__ == "__main__":
    main()
