"""Does the way a student wraps a question change its answer? (`make framings`)

    python benchmarks/framings.py [--framings heldout|tune] [--split heldout|tune]
        [--per-deck 30] [--before REV] [--all-decks]

Students rarely send a bare question: "sir, …", "omg quick one, …", "… pls i have a test
tmrw", "… explain it like im 5". `benchmarks/harness/framings-tune.yaml` and
`framings-heldout.yaml` hold 60 such wrappers each, written blind by two sessions that saw
no code, no deck and no question set (twenty-sixth session, 2026-12-07); none adds subject
words. The tune framings were looked at and tuned on; the held-out ones are only scored.
For a sample of each deck's questions
(`--per-deck` in-scope ones, seeded, and every out-of-scope one), each deck alone (or, with
`--all-decks`, every deck in one index, a question's own deck's card counting), this
prints how often a question the matcher answers right bare is still answered right inside
each framing, and how often an out-of-scope question it rejects bare is still rejected:
a framing should change neither. With `--before REV` the matcher of that git revision is
measured in the same run (the machines are shared; compare within one run).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import current_search, matcher_of, modules_at
from score_all import (
    HARNESS,
    SPLITS,
    ChitChat,
    bot_reply,
    expected,
    library_index,
    load_decks,
    question_sets,
    shown_hits,
)

from tutor.model import Library
from tutor.smalltalk import recognise

FRAMINGS = {split: HARNESS / f"framings-{split}.yaml" for split in ("tune", "heldout")}
SEED = 20261207


@dataclass
class Kept:
    """Per framing: questions still answered right (in-scope) or still rejected
    (out-of-scope), of those the matcher handles bare."""

    right: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    right_bare: int = 0
    rejected_bare: int = 0


def load_framings(path: Path) -> list[str]:
    framings = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not all(isinstance(f, str) and f.count("{q}") == 1 for f in framings):
        sys.exit(f"{path}: every framing must be a string with one {{q}}")
    return framings


def sampled(questions: Sequence[dict], count: int, rng: random.Random) -> list[dict]:
    return list(questions) if len(questions) <= count else rng.sample(list(questions), count)


def measure(
    module: ModuleType,
    chitchat: ChitChat,
    library: Library,
    sets: list[tuple[str, list[dict], list[dict]]],
    framings: list[str],
    all_decks: bool = False,
) -> Kept:
    """One matcher over the sampled questions, each deck alone (or all decks in one index:
    a question's own deck's card counts as right)."""
    shared = library_index(module, library, library.cards.values()) if all_decks else None
    kept = Kept(right=dict.fromkeys(framings, 0), rejected=dict.fromkeys(framings, 0))
    for deck_id, in_scope, out_of_scope in sets:
        cards = [card for card in library.cards.values() if card.deck_id == deck_id]
        index = shared or library_index(module, library, cards)

        def reply(question: str, index: object = index) -> object:
            return bot_reply(module, index, question, chitchat)

        def right(item: dict, question: str, deck_id: str = deck_id) -> bool:
            return any(expected(item, hit.card, deck_id) for hit in shown_hits(reply(question)))

        for item in in_scope:
            if right(item, item["q"]):
                kept.right_bare += 1
                for framing in framings:
                    kept.right[framing] += right(item, framing.format(q=item["q"]))
        for item in out_of_scope:
            if reply(item["q"]).best is None:
                kept.rejected_bare += 1
                for framing in framings:
                    kept.rejected[framing] += reply(framing.format(q=item["q"])).best is None
    return kept


def report(name: str, kept: Kept, framings: list[str], worst: int) -> None:
    right = sum(kept.right.values()) / (kept.right_bare * len(framings))
    rejected = sum(kept.rejected.values()) / (kept.rejected_bare * len(framings))
    print(
        f"{name:8s} in-scope still right {right:.3f} (of {kept.right_bare} answered right "
        f"bare) | out-of-scope still rejected {rejected:.3f} (of {kept.rejected_bare})"
    )
    lowest = sorted(framings, key=lambda f: kept.right[f])[:worst]
    for framing in lowest:
        print(f"{'':10s}{kept.right[framing] / kept.right_bare:.3f}  {framing}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framings", choices=tuple(FRAMINGS), default="heldout")
    parser.add_argument("--split", choices=SPLITS, default="heldout", help="question sets")
    parser.add_argument("--per-deck", type=int, default=30, help="in-scope questions per deck")
    parser.add_argument("--worst", type=int, default=5, help="framings listed, worst first")
    parser.add_argument("--before", metavar="REV", help="also measure this git revision")
    parser.add_argument("--all-decks", action="store_true", help="every deck in one index")
    args = parser.parse_args(argv)
    framings = load_framings(FRAMINGS[args.framings])
    library = load_decks()
    rng = random.Random(SEED)
    pooled: dict[str, tuple[list[dict], list[dict]]] = {}
    for deck_id, _, questions in question_sets((args.split,)):
        in_scope, out_of_scope = pooled.setdefault(deck_id, ([], []))
        in_scope.extend(questions.get("in_scope", []))
        out_of_scope.extend(questions.get("out_of_scope", []))
    sets = [
        (deck_id, sampled(in_scope, args.per_deck, rng), out_of_scope)
        for deck_id, (in_scope, out_of_scope) in sorted(pooled.items())
    ]
    matchers: list[tuple[str, ModuleType, Callable]] = [("current", current_search, recognise)]
    if args.before:
        before = modules_at(args.before)
        chitchat = before["smalltalk"].recognise if "smalltalk" in before else recognise
        matchers.append((args.before[:8], matcher_of(before), chitchat))
    print(
        f"{len(framings)} {args.framings} framings; {sum(len(s[1]) for s in sets)} in-scope and "
        f"{sum(len(s[2]) for s in sets)} out-of-scope {args.split} questions, "
        + ("all decks in one index" if args.all_decks else "each deck alone")
    )
    for name, module, chitchat in matchers:
        kept = measure(module, chitchat, library, sets, framings, args.all_decks)
        report(name, kept, framings, args.worst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
