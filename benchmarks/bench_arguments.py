"""Worst-case cost of every command argument a student can type (prints figures; no asserts).

    python benchmarks/bench_arguments.py [--cards 10000] [--repeat 3]

Updates are handled one at a time, so one slow argument makes every other student wait.
For the bundled deck and for a generated deck of --cards cards, this feeds each command's
argument parser the worst inputs we know of (4,000 characters of words, of one word, of
numbers, of near-misses of real names) and prints the slowest call per command. The
baseline in the same run is the same parser given a short, ordinary argument ("nep 5") and
a typical name it has to search for ("causes of the revolution"), so the
figures can be compared on a shared, noisy machine. Target: the worst case of any command
stays under ~20 ms at 10,000 cards.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import generate_cards

from tutor.charts import parse_year_range
from tutor.config import PROJECT_ROOT
from tutor.content import load_library
from tutor.daily_schedule import resolve_time_zone
from tutor.dialog import Dialog
from tutor.model import Deck, Library, Topic
from tutor.quizflow import QuizFlow

LONG = 4000


def worst_inputs(library: Library) -> dict[str, str]:
    """Long arguments of every shape: prose, one word, digits, and near-miss names."""
    rng = random.Random(5)
    names = [card.title for card in library.cards.values()][:200]
    words = " ".join(word for title in names for word in title.split())
    near = " ".join(
        "".join(rng.sample(word, len(word))) if len(word) > 3 else word for word in words.split()
    )
    return {
        "prose": (words + " ") * (LONG // max(len(words), 1) + 1),
        "one word": "a" * LONG,
        "numbers": " ".join(str(rng.randint(0, 99999)) for _ in range(LONG // 6)),
        "near-miss names": (near + " ") * (LONG // max(len(near), 1) + 1),
        "name then count": names[0] + " " + "x " * (LONG // 2) + "5",
    }


def commands(
    flow: QuizFlow, dialog: Dialog, library: Library
) -> dict[str, Callable[[str], object]]:
    """Each command's synchronous argument handling, as the adapters call it."""
    events = library.events

    def timeline(text: str) -> object:
        try:
            return parse_year_range(text.split(), events)
        except ValueError as error:
            return error

    return {
        "/quiz ARG (and group rounds, /settings topic)": flow.parse_quiz_argument,
        "/card ARG": dialog.card_by_name,
        "/ask ARG and free text": dialog.ask,
        "/timeline ARG": timeline,
        "/timezone ARG": resolve_time_zone,
    }


def slowest_ms(call: Callable[[str], object], text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def bench(label: str, library: Library, repeat: int) -> None:
    dialog = Dialog(library)
    flow = QuizFlow(library, store=None, service=None)  # type: ignore[arg-type]
    inputs = worst_inputs(library)
    print(f"\n{label}: {len(library.cards)} cards")
    print(f"  {'command':48} {'ordinary':>10} {'typical':>10} {'worst':>10}  worst input")
    for name, call in commands(flow, dialog, library).items():
        call("warm up")  # first calls fill process-wide caches (zone names, the name index)
        ordinary = slowest_ms(call, "nep 5", repeat)
        typical = slowest_ms(call, "causes of the revolution", repeat)
        worst_input, worst = max(
            ((shape, slowest_ms(call, text, repeat)) for shape, text in inputs.items()),
            key=lambda item: item[1],
        )
        print(f"  {name:48} {ordinary:8.2f} ms {typical:8.2f} ms {worst:8.2f} ms  {worst_input}")


def generated_library(template: Library, count: int) -> Library:
    cards = tuple(generate_cards(list(template.cards.values()), count))
    topics = tuple(Topic(f"topic-{n}", f"Generated topic {n}", "generated") for n in range(40))
    deck = Deck("generated", "Generated deck", "Test", "generated.yaml", topics=topics, cards=cards)
    real = template.decks[0]
    return Library.from_decks((replace(real, questions=()), deck))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    bundled = load_library([PROJECT_ROOT / "content"])
    bench("bundled deck", bundled, args.repeat)
    bench("generated deck", generated_library(bundled, args.cards), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
