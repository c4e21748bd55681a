"""Benchmark the matcher against the naive rapidfuzz baseline (prints figures; no asserts).

    python benchmarks/bench_search.py [--questions PATH] [--cards 10000] [--repeat 5]
                                      [--before GIT-REVISION] [--build-rounds 3]

For the current matcher and, as the same-run baseline, the pre-issue-9 one
(benchmarks/baseline_matcher/), on the bundled content and on a generated deck of
--cards cards it prints the index build time (bundled: fastest of 3 in this process;
generated: fastest of --build-rounds builds, each in a fresh process, the matchers taking
turns), p50/p99 latency per question
(wall clock, and this thread's CPU time, which a busy machine does not inflate), and the
peak memory of building the index,
then the same latency figures for `rapidfuzz.process.extractOne(question, card_texts)`
and the ratio. Questions come from the development set when it is there
(../shared/eval/questions_dev.yaml), else from the cards' own titles.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from types import ModuleType

import yaml
from rapidfuzz import process

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline_matcher.search as baseline_search

import tutor.answers
import tutor.search
from tutor import heap
from tutor.config import PROJECT_ROOT
from tutor.content import load_library
from tutor.model import Card

DEV_QUESTIONS = PROJECT_ROOT.parent / "shared" / "eval" / "questions_dev.yaml"
Target = tuple[str, float]


def load_questions(path: Path, cards: Sequence[Card]) -> list[str]:
    if path.is_file():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return [q["q"] for q in data.get("in_scope", []) + data.get("out_of_scope", [])]
    return [card.title for card in cards]


def generate_cards(template: Sequence[Card], count: int, seed: int = 7) -> list[Card]:
    """A synthetic deck: card texts recombined from the real deck's words plus made-up ones."""
    rng = random.Random(seed)
    words = sorted({w for card in template for w in f"{card.title} {card.body}".split()})
    invented = [
        "".join(rng.choice("aeioubcdfghklmnprstvz") for _ in range(rng.randint(4, 10)))
        for _ in range(20_000)
    ]
    vocabulary = words + invented

    def phrase(length: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(length))

    return [
        Card(
            id=f"gen-{number}",
            title=phrase(rng.randint(2, 6)),
            topic_id=f"topic-{number % 40}",
            deck_id="generated",
            body="\n".join(f"• {phrase(rng.randint(6, 16))}" for _ in range(rng.randint(3, 7))),
            aliases=tuple(phrase(2) for _ in range(rng.randint(0, 2))),
            keywords=tuple(phrase(1) for _ in range(rng.randint(2, 6))),
        )
        for number in range(count)
    ]


def latencies_ms(
    run: Callable[[str], object], questions: Sequence[str], repeat: int
) -> tuple[list[float], list[float]]:
    """Wall-clock and this thread's CPU time per question, in ms.

    On a shared machine the wall-clock tail is mostly the scheduler (another process
    running); the CPU time is what the matcher itself costs. Both are printed.
    """
    wall, cpu = [], []
    for _ in range(repeat):
        for question in questions:
            start, start_cpu = time.perf_counter(), time.thread_time()
            run(question)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def build_seconds(module: ModuleType, cards: Sequence[Card], runs: int) -> float:
    """The fastest of `runs` index builds (no memory tracing: it slows Python down)."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        module.SearchIndex(cards)
        timings.append(time.perf_counter() - start)
    return min(timings)


def peak_build_memory(module: ModuleType, cards: Sequence[Card]) -> float:
    """Peak bytes Python allocates while building the index (tracemalloc)."""
    tracemalloc.start()
    module.SearchIndex(cards)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def fresh_build_seconds(matcher: str, content: Path, count: int) -> float:
    """One build of the generated deck in a new interpreter (after a build of the bundled
    deck, which loads the word tables as the bot's start-up does).

    Timed in a process of its own: a build in a process that has already run another
    matcher's benchmark reuses (or fights over) that one's memory, which moved the figures
    by a quarter on this 2-core machine.
    """
    command = [sys.executable, __file__, "--time-build", matcher]
    command += ["--content", str(content), "--cards", str(count)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"timing the {matcher} build failed:\n{result.stderr}")
    return float(result.stdout.strip().splitlines()[-1])


def matcher_module(matcher: str) -> ModuleType:
    """'current', 'baseline' or a git revision (see module_at)."""
    if matcher == "current":
        return current_search
    if matcher == "baseline":
        return baseline_search
    return module_at(matcher)


def time_one_build(matcher: str, content: Path, count: int) -> float:
    module = matcher_module(matcher)
    cards = list(load_library([content]).cards.values())
    generated = generate_cards(cards, count)
    module.SearchIndex(cards)
    start = time.perf_counter()
    module.SearchIndex(generated)
    return time.perf_counter() - start


def bench(
    label: str,
    module: ModuleType,
    cards: Sequence[Card],
    questions: Sequence[str],
    repeat: int,
    build_s: float | None = None,
) -> None:
    """Times `answer(index, question)`: the whole lookup a student's message gets."""
    if build_s is None:
        build_s = build_seconds(module, cards, runs=3)
    peak = peak_build_memory(module, cards)
    cold_index = module.SearchIndex(cards)
    heap.settle()  # as the bot does at start-up
    cold, cold_cpu = latencies_ms(lambda q: module.answer(cold_index, q), questions, 1)
    index = module.SearchIndex(cards)
    heap.settle()  # as the bot does at start-up
    run = partial(module.answer, index)
    latencies_ms(run, questions, 1)  # warm-up: every word seen once
    ours, ours_cpu = latencies_ms(run, questions, repeat)
    texts = [f"{card.title}\n{card.body}" for card in cards]
    naive, _ = latencies_ms(lambda q: process.extractOne(q, texts), questions, max(1, repeat // 5))
    ours_p50, ours_p99 = percentile(ours, 0.5), percentile(ours, 0.99)
    naive_p50, naive_p99 = percentile(naive, 0.5), percentile(naive, 0.99)
    print(f"\n== {label}: {len(cards)} cards, {len(questions)} questions x {repeat}")
    print(f"  index build        {build_s * 1000:9.1f} ms   peak memory {peak / 2**20:7.1f} MiB")
    print(
        f"  matcher, cold      p50 {percentile(cold, 0.5):8.3f} ms   "
        f"p99 {percentile(cold, 0.99):8.3f} ms   (first time each word is seen)"
    )
    print(
        f"    CPU time only    p50 {percentile(cold_cpu, 0.5):8.3f} ms   "
        f"p99 {percentile(cold_cpu, 0.99):8.3f} ms"
    )
    print(
        f"  matcher, warm      p50 {ours_p50:8.3f} ms   p99 {ours_p99:8.3f} ms   "
        f"mean {statistics.fmean(ours):8.3f} ms"
    )
    print(
        f"    CPU time only    p50 {percentile(ours_cpu, 0.5):8.3f} ms   "
        f"p99 {percentile(ours_cpu, 0.99):8.3f} ms"
    )
    print(f"  naive extractOne   p50 {naive_p50:8.3f} ms   p99 {naive_p99:8.3f} ms")
    print(
        f"  naive / matcher    p50 {naive_p50 / ours_p50:6.1f}x faster   "
        f"p99 {naive_p99 / ours_p99:6.1f}x faster"
    )


# Every module the matcher's answers depend on, each after those it imports: a revision's
# word lists (lexicon) count as much as its scoring, and its chit-chat (smalltalk), which
# the bot answers before any matcher is asked (benchmarks/score_all.py). A revision may lack
# some (the matcher was one file, search.py with text.py, until 2026-12-05); its data files
# are read through _DataAt.
MATCHER_MODULES = (
    "shorthand",
    "lexicon",
    "text",
    "subjects",
    "addressing",
    "situation",
    "smalltalk",
    "wordlinks",
    "notation",
    "formulas",
    "sections",
    "people",
    "reading",
    "vocabulary",
    "definitions",
    "cardterms",
    "deck_names",
    "deck_reading",
    "deck_index",
    "headings",
    "search",
    "answers",
)


def matcher_of(modules: Mapping[str, ModuleType]) -> ModuleType:
    """One module-like matcher of a revision's tutor.search and tutor.answers (which holds
    `answer` and `Answer` from the twenty-fifth session on; search held them before), as the
    benchmarks use it: `SearchIndex`, `Hit`, `answer`, `Answer`."""
    matcher = ModuleType(f"{modules['search'].__name__}_matcher")
    matcher.__dict__.update(vars(modules["search"]))
    if "answers" in modules:
        matcher.__dict__.update(
            {name: getattr(modules["answers"], name) for name in modules["answers"].__all__}
        )
    return matcher


current_search = matcher_of({"search": tutor.search, "answers": tutor.answers})


def module_at(revision: str) -> ModuleType:
    """The matcher as it was at a git revision (matcher_of), loaded beside the current one
    with the revision's other matcher modules (modules_at), for a before/after in one run."""
    return matcher_of(modules_at(revision))


def modules_at(revision: str) -> dict[str, ModuleType]:
    """MATCHER_MODULES as they were at a git revision (those it has), by name, loaded
    beside the current ones: each imports the revision's copies of the others (today's
    other tutor modules) and reads the revision's data tables (src/tutor/data, where it has
    them)."""
    loaded: dict[str, ModuleType] = {}
    for name in MATCHER_MODULES:
        source = _source_at(revision, name)
        if source is None:
            continue
        for earlier, module in loaded.items():
            source = source.replace(
                f"from tutor.{earlier} import", f"from {module.__name__} import"
            )
        filename = f"{revision}:src/tutor/{name}.py"
        loaded[name] = module = _exec_module(_module_name(name, revision), source, filename)
        if hasattr(module, "resources"):  # wordlinks reads its tables through it
            module.resources = _DataAt(revision)
    return loaded


class _DataAt:
    """`importlib.resources` for a module loaded at a revision: `files("tutor.data")
    .joinpath(NAME).read_bytes()` gives src/tutor/data/NAME as the revision has it (today's
    file when the revision has none), so a rebuilt table is compared with the one before."""

    def __init__(self, revision: str) -> None:
        self.revision = revision

    def files(self, package: str) -> _DataAt._Folder:
        return _DataAt._Folder(self.revision, package)

    class _Folder:
        def __init__(self, revision: str, package: str) -> None:
            self.revision, self.package = revision, package

        def joinpath(self, name: str) -> _DataAt._File:
            return _DataAt._File(self.revision, self.package, name)

    class _File:
        def __init__(self, revision: str, package: str, name: str) -> None:
            self.path = "src/" + package.replace(".", "/") + "/" + name
            self.revision = revision

        def read_bytes(self) -> bytes:
            shown = subprocess.run(
                ["git", "show", f"{self.revision}:{self.path}"],
                cwd=PROJECT_ROOT,
                capture_output=True,
            )
            if shown.returncode == 0:
                return shown.stdout
            return (PROJECT_ROOT / self.path).read_bytes()


def _module_name(name: str, revision: str) -> str:
    """A module name for a file at a revision: "HEAD~1" -> "text_at_HEAD_1"."""
    return f"{name}_at_" + re.sub(r"\W", "_", revision)


def _source_at(revision: str, name: str) -> str | None:
    """src/tutor/<name>.py at a revision; None when the revision has no such file."""
    shown = subprocess.run(
        ["git", "show", f"{revision}:src/tutor/{name}.py"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    if shown.returncode == 0:
        return shown.stdout
    if name == "search":
        raise SystemExit(f"no src/tutor/search.py at {revision!r}: {shown.stderr.strip()}")
    return None


def _exec_module(name: str, source: str, filename: str) -> ModuleType:
    module = ModuleType(name)
    sys.modules[name] = module  # dataclasses look their module up by name
    exec(compile(source, filename, "exec"), module.__dict__)
    return module


def build_rounds(text: str) -> int:
    """A --build-rounds value: a whole number, 0 or more."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content")
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--before", metavar="REV", help="also time src/tutor/search.py of this git revision"
    )
    parser.add_argument(
        "--build-rounds",
        type=build_rounds,
        default=3,
        help="fresh-process builds of the generated deck per matcher, taken in turns "
        "(0: time the build in this process, fastest of 3)",
    )
    parser.add_argument("--time-build", metavar="MATCHER", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.time_build:  # the child of fresh_build_seconds
        print(time_one_build(args.time_build, args.content, args.cards))
        return 0
    library = load_library([args.content])
    cards = list(library.cards.values())
    questions = load_questions(args.questions, cards)
    generated = generate_cards(cards, args.cards)
    matchers = ["current", *([args.before] if args.before else []), "baseline"]
    builds: dict[str, list[float]] = {matcher: [] for matcher in matchers}
    for _ in range(args.build_rounds):  # in turns, so a busy spell hits every matcher
        for matcher in matchers:
            builds[matcher].append(fresh_build_seconds(matcher, args.content, args.cards))
    for matcher in matchers:
        name = matcher if matcher in ("current", "baseline") else f"at {matcher}"
        module = matcher_module(matcher)
        fresh = min(builds[matcher]) if builds[matcher] else None
        bench(f"{name}: bundled content", module, cards, questions, args.repeat)
        bench(
            f"{name}: generated deck",
            module,
            generated,
            questions,
            max(1, args.repeat // 2),
            build_s=fresh,
        )
    if args.build_rounds:
        ratio = min(builds["current"]) / min(builds["baseline"])
        rounds = args.build_rounds
        print(f"\nindex build of {args.cards} cards, fastest of {rounds} fresh processes:")
        for matcher in matchers:
            print(f"  {matcher:10s} " + "  ".join(f"{t * 1000:7.1f} ms" for t in builds[matcher]))
        print(f"  current / baseline {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
