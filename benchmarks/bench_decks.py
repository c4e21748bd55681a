"""Benchmark start-up with several decks, and the first question scoped to one deck.

    python benchmarks/bench_decks.py [--cards 10000] [--decks 5] [--runs 3]

`Dialog` builds one `SearchIndex` over every card at start-up (one deck index per deck);
the first time a chat scoped to a deck asks, it takes that deck's index from it
(`SearchIndex.of_deck`; recalibrated alone only past the probe budgets). This prints, for
the bundled deck alone, the bundled deck beside the harness decks, and a generated
library of --cards cards split into --decks decks: the build time of the bare library
index (the baseline) and of the whole `Dialog`, the extra cost of the first question
scoped to one deck, and a question's latency within one deck and across all. Figures
only, no asserts; run it at an earlier commit for a before/after.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from bench_search import generate_cards, latencies_ms, percentile

from tutor.config import PROJECT_ROOT
from tutor.content import load_library
from tutor.dialog import Dialog
from tutor.model import Deck, Library, Topic
from tutor.search import SearchIndex

HARNESS_DECKS = PROJECT_ROOT / "benchmarks" / "harness" / "decks"


def fastest(build: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        build()
        timings.append(time.perf_counter() - start)
    return min(timings)


def _first_scoped_build(library: Library, deck_id: str) -> float:
    """Seconds the first `index_for(deck_id)` of a fresh Dialog takes."""
    dialog = Dialog(library)
    start = time.perf_counter()
    dialog.index_for(deck_id)
    return time.perf_counter() - start


def generated_library(template: Library, count: int, decks: int) -> Library:
    """`count` generated cards dealt into `decks` decks of one topic each."""
    cards = generate_cards(list(template.cards.values()), count)
    built = []
    for number in range(decks):
        deck_id = f"generated-{number}"
        topic = Topic(f"{deck_id}-topic", f"Generated topic {number}", deck_id)
        mine = tuple(
            replace(card, deck_id=deck_id, topic_id=topic.id) for card in cards[number::decks]
        )
        built.append(Deck(deck_id, f"Generated {number}", "Test", "", topics=(topic,), cards=mine))
    return Library.from_decks(tuple(built))


def bench(label: str, library: Library, questions: Sequence[str], runs: int) -> None:
    cards = list(library.cards.values())
    baseline = fastest(lambda: SearchIndex(cards, library.topics), runs)
    dialog_build = fastest(lambda: Dialog(library), runs)
    first = library.decks[0].id
    first_scoped = min(_first_scoped_build(library, first) for _ in range(runs))
    dialog = Dialog(library)
    latencies_ms(dialog.index.search, questions, 1)  # warm-up: every word seen once
    for deck in library.decks:  # each chosen deck's index is taken on first use
        latencies_ms(dialog.index_for(deck.id).search, questions, 1)
    across, across_cpu = latencies_ms(lambda q: dialog.ask(q), questions, 3)
    within, within_cpu = latencies_ms(lambda q: dialog.ask(q, deck_id=first), questions, 3)
    print(f"\n== {label}: {len(library.decks)} deck(s), {len(cards)} cards")
    print(f"  library index only            {baseline * 1000:9.1f} ms")
    print(
        f"  Dialog start-up               {dialog_build * 1000:9.1f} ms"
        f"   ({dialog_build / baseline:4.2f}x)"
    )
    print(f"  first question within '{first}' takes its index {first_scoped * 1000:9.1f} ms")
    for name, wall, cpu in (
        ("ask across all decks", across, across_cpu),
        (f"ask within '{first}'", within, within_cpu),
    ):
        print(
            f"  {name}   p50 {percentile(wall, 0.5):7.3f} ms   p99 {percentile(wall, 0.99):7.3f}"
            f" ms   (CPU time only: p50 {percentile(cpu, 0.5):7.3f} ms"
            f"   p99 {percentile(cpu, 0.99):7.3f} ms)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--decks", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    bundled = load_library([PROJECT_ROOT / "content"])
    side_by_side = load_library([PROJECT_ROOT / "content", HARNESS_DECKS])
    questions = [card.title for card in side_by_side.cards.values()]
    questions += [f"what is {card.title.split()[-1]}" for card in side_by_side.cards.values()]
    bench("bundled deck", bundled, questions, args.runs)
    bench("bundled + harness decks", side_by_side, questions, args.runs)
    generated = generated_library(bundled, args.cards, args.decks)
    bench("generated", generated, questions, 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
