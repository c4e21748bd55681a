"""Score the matcher on every deck's question sets, beside the pre-issue-9 matcher (no asserts).

    python benchmarks/score_all.py [--split tune|heldout|both] [--show-misses] [--before REV]

Loads the bundled deck (content/) and every plain harness deck (benchmarks/harness/decks/),
and for each question set in benchmarks/harness/questions/ (`<deck>-tune*.yaml`,
`<deck>-heldout*.yaml`; also, as tune sets of the bundled deck,
../shared/eval/questions_dev.yaml and benchmarks/questions_fresh.yaml) prints in-scope
answered and out-of-scope rejected per deck, split and style, (a) with only that deck in
the index and (b) with all decks in one index, for the current matcher and, as the same-run
baseline, for the matcher of commit 46a8ed8 (benchmarks/baseline_matcher/); --before REV
also scores src/tutor/search.py of a git revision.

Scoring: an in-scope question is answered when the expected card is the best one or, for
an answer that is not confident, among the choices shown (best + alternatives); the
"strict" figure counts the best card only. The expected card is one of the question's
`cards:` ids when it lists any, else any card whose title or body contains an `expect`
phrase (as ../shared/eval/score.py does); with all decks loaded, also another deck's card
labelled as answering it too ("y do veins need valves", a Biology question, by the PE deck's
*Veins*: harness/in_scope_answers_elsewhere.yaml, judged blind). An out-of-scope question
is handled when there is no best card ("rejected") or when the best card is one that
answers it after all: a few
questions written as out of scope for one deck are answered by another deck's card, "what
is osmosis" beside the Stalin deck (harness/out_of_scope_answers.yaml, labelled by a
session that saw only the questions and the decks, never the matcher).

Questions are scored as the bot replies to them: a message that is chit-chat as a whole
("hi", "thanks", "whats your name") gets the bot's own reply before any matcher sees it
(tutor.smalltalk, as tutor.dialog does), so it counts as rejected when out of scope and as
missed when in scope (no set has such an in-scope question), for every matcher scored.

A question that gets no card is offered the cards that came closest instead (never as the
answer; search.SearchIndex.nearest): "closest notes" counts the in-scope questions with no
card whose right card was among them, and the rejected questions offered any.

Each line also gives the ranking's ceiling: how often the index's raw scores (every card,
no threshold, no name lookup, no choices) rank the right card first, and among the first
RANKED_FEW — the most any abstention or chooser rule on that ranking could answer; the
run's last lines pool every set per matcher, split and mode.

Beside each other matcher scored, the run ends with the questions that changed (in-scope
and out-of-scope, gained and lost, per split and mode) and an exact sign test on them: a
handful either way is what chance gives, and then held-out sets often disagree.

--show-misses prints the misses of the tune split only: held-out questions are for
reporting, never for tuning.
"""

from __future__ import annotations

import argparse
import inspect
import math
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import ModuleType

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baseline_matcher.search as baseline_search  # noqa: E402
from bench_search import current_search, matcher_of, modules_at  # noqa: E402

from tutor.config import PROJECT_ROOT  # noqa: E402
from tutor.content import load_library  # noqa: E402
from tutor.model import Card, Library  # noqa: E402
from tutor.smalltalk import recognise  # noqa: E402

HARNESS = HERE / "harness"
# The bundled deck's older tuning sets (no `deck:` field; scored as tune sets of that deck).
BUNDLED_TUNE_SETS = {
    "tune-dev": PROJECT_ROOT.parent / "shared" / "eval" / "questions_dev.yaml",
    "tune-fresh": HERE / "questions_fresh.yaml",
}
SPLITS = ("tune", "heldout")
RANKED_FEW = 3  # as many cards as "Which did you mean?" offers at most
# The bot's reader of chit-chat (tutor.smalltalk.recognise): None when a message is not.
ChitChat = Callable[[str], object]


def answered_after_all() -> dict[str, frozenset[str]]:
    """Out-of-scope question -> the ids of the cards that answer it (labelled blind).

    Keyed by the question alone: which card answers a question does not depend on the deck
    it was written as out of scope for (several sets share "hi" or "causes of ww1").
    """
    path = HARNESS / "out_of_scope_answers.yaml"
    labels = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else []
    answers: dict[str, frozenset[str]] = {}
    for row in labels:
        cards = frozenset(row["answered_by"])
        if answers.setdefault(row["q"], cards) != cards:
            raise ValueError(f"{path.name}: {row['q']!r} is labelled twice, differently")
    return answers


ANSWERED_AFTER_ALL = answered_after_all()


def judged_elsewhere() -> dict[tuple[str, str, str], bool]:
    """(deck, in-scope question, another deck's card id) -> whether that card answers it.

    With every deck loaded, a question written for one deck may be answered as well by
    another deck's card ("y do veins need valves", a Biology question, by the PE deck's
    *Veins*). Judged blind (harness/in_scope_answers_elsewhere.yaml, pooled by
    harness/pool_elsewhere.py): a session saw only question-card pairs, never the matcher
    or which matcher showed a pair.
    """
    path = HARNESS / "in_scope_answers_elsewhere.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else []
    judged: dict[tuple[str, str, str], bool] = {}
    for row in rows:
        key = (row["asked_in"], row["q"], row["card"])
        if judged.setdefault(key, row["answers"]) != row["answers"]:
            raise ValueError(f"{path.name}: {key} is judged twice, differently")
    return judged


def answered_elsewhere(
    judged: dict[tuple[str, str, str], bool],
) -> dict[tuple[str, str], frozenset[str]]:
    """(deck, in-scope question) -> the other decks' cards judged to answer it."""
    answers: dict[tuple[str, str], set[str]] = {}
    for (deck, question, card), answers_it in judged.items():
        if answers_it:
            answers.setdefault((deck, question), set()).add(card)
    return {key: frozenset(cards) for key, cards in answers.items()}


ELSEWHERE_JUDGED = judged_elsewhere()
ANSWERED_ELSEWHERE = answered_elsewhere(ELSEWHERE_JUDGED)
SET_NAME = re.compile(r"-(tune|heldout)[\w-]*$")
SPLIT_OF = re.compile(r"tune|heldout")


@dataclass
class Tally:
    """Counts for one group of questions."""

    answered: int = 0
    strict: int = 0
    in_scope: int = 0
    rejected: int = 0
    out_of_scope: int = 0
    # Out-of-scope questions answered with a card that answers them after all (mostly another
    # deck's: harness/out_of_scope_answers.yaml); rejected + these = handled.
    rightly_answered: int = 0
    elsewhere: int = 0  # out-of-scope questions answered wrongly with another deck's card
    # In-scope questions that got no card, and those of them whose right card was among the
    # closest notes offered instead (search.SearchIndex.nearest); out-of-scope questions
    # that got no card but were offered closest notes.
    no_card: int = 0
    nearest_right: int = 0
    nearest_offered_out: int = 0
    offers_nearest: bool = False  # the matcher scored has closest notes at all
    # In-scope questions whose right card the matcher's raw scores (SearchIndex.score_all:
    # every card, no threshold, no name lookup, no choices) rank first, and among the
    # first RANKED_FEW: the most any abstention or chooser rule on top of that ranking
    # could answer with one card, or with RANKED_FEW choices.
    ranked_first: int = 0
    ranked_few: int = 0
    # Wrong cards shown: `sure` as the answer (a confident reply), `asked` as the choices of
    # "Which did you mean?" with no right card among them; in-scope and out-of-scope. A
    # student trusts a sure answer: a wrong one misleads, where "no note" only fails to help.
    wrong_sure_in: int = 0
    wrong_asked_in: int = 0
    wrong_sure_out: int = 0
    wrong_asked_out: int = 0
    # Each question's outcome in the set's order (answered / handled), for paired comparisons.
    in_outcomes: list[bool] = field(default_factory=list)
    out_outcomes: list[bool] = field(default_factory=list)
    in_questions: list[str] = field(default_factory=list)  # beside in_outcomes
    out_questions: list[str] = field(default_factory=list)
    styles: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add_counts(self, other: Tally) -> None:
        """Add another group's counts (every int field; not the per-question lists) to these,
        to pool sets."""
        for counted in fields(self):
            value = getattr(other, counted.name)
            if isinstance(value, int) and not isinstance(value, bool):
                setattr(self, counted.name, getattr(self, counted.name) + value)

    def count_ranking(self, item: dict, ranked: Sequence[Card], deck_id: str) -> None:
        """Count an in-scope question's right card among the raw ranking's first cards."""
        self.ranked_first += bool(ranked) and expected(item, ranked[0], deck_id)
        self.ranked_few += any(expected(item, card, deck_id) for card in ranked)

    def line(self) -> str:
        def share(part: int, whole: int) -> str:
            return f"{part / whole:.3f} ({part:3d}/{whole:3d})" if whole else "  -  "

        handled = self.rejected + self.rightly_answered
        return (
            f"in {share(self.answered, self.in_scope)}  strict "
            f"{share(self.strict, self.in_scope)}  out-handled "
            f"{share(handled, self.out_of_scope)}  rejected {self.rejected}"
            + (f", rightly answered {self.rightly_answered}" if self.rightly_answered else "")
            + (f"  (wrong answers from another deck: {self.elsewhere})" if self.elsewhere else "")
            + (
                f"  ranked first {share(self.ranked_first, self.in_scope)}, in first "
                f"{RANKED_FEW} {share(self.ranked_few, self.in_scope)}"
                if self.in_scope
                else ""
            )
            + (
                f"  wrong cards: sure {self.wrong_sure_in} in + {self.wrong_sure_out} out, "
                f"asked {self.wrong_asked_in} + {self.wrong_asked_out}"
            )
            + (
                f"  closest notes: right card {self.nearest_right}/{self.no_card} no-card "
                f"in-scope, offered to {self.nearest_offered_out}/{self.rejected} rejected"
                if self.offers_nearest
                else ""
            )
        )


def fold(text: str) -> str:
    return " ".join(text.split()).lower()


def expected(item: dict, card: Card, deck_id: str = "") -> bool:
    """Whether `card` is an answer the question accepts: its own deck's expected card, or
    (`deck_id`: the deck it was written for) another deck's card labelled as answering it."""
    if card.deck_id != deck_id and card.id in ANSWERED_ELSEWHERE.get((deck_id, item["q"]), ()):
        return True
    if item.get("cards"):
        return card.id in item["cards"]
    text = fold(f"{card.title}\n{card.body}")
    return any(fold(phrase) in text for phrase in item.get("expect", []))


def bot_reply(
    module: ModuleType, index: object, question: str, chitchat: ChitChat = recognise
) -> object:
    """The matcher's answer as the bot shows it: none for chit-chat ("hi", "whats your
    name"; `chitchat`: the bot's reader of it, today's unless a revision is scored), which
    gets the bot's own reply before any matcher is asked."""
    if chitchat(question) is not None:
        return module.Answer(question, None, (), ())
    return module.answer(index, question)


def library_index(module: ModuleType, library: Library, cards: Iterable[Card]) -> object:
    """A matcher's index of some of a library's cards, given each deck's subject when the
    matcher reads subjects (revisions before the twenty-fifth session do not)."""
    if "subjects" not in inspect.signature(module.SearchIndex).parameters:
        return module.SearchIndex(cards, library.topics)
    subjects = {deck.id: deck.subject for deck in library.decks}
    return module.SearchIndex(cards, library.topics, subjects)


def shown_hits(result: object) -> list:
    """The cards a reply shows as answers: the best one, and for an answer that is not
    confident the choices of "Which did you mean?" beside it."""
    if result.best is None:
        return []
    return [result.best, *(() if result.confident else result.alternatives)]


def ranked_cards(index: object, question: str) -> list[Card]:
    """The first RANKED_FEW cards by the index's raw scores, best first (ties in card order),
    with no threshold applied."""
    scores = index.score_all(question)
    ranked = sorted(scores, key=lambda position: (-scores[position], position))
    return [index.cards[position] for position in ranked[:RANKED_FEW]]


def score_set(
    module: ModuleType,
    deck_id: str,
    index: object,
    questions: dict,
    tally: Tally,
    miss: Callable[[str], None] | None,
    chitchat: ChitChat = recognise,
) -> None:
    for item in questions.get("in_scope", []):
        result = bot_reply(module, index, item["q"], chitchat)
        shown = shown_hits(result)
        ok = any(expected(item, hit.card, deck_id) for hit in shown)
        strict = result.best is not None and expected(item, result.best.card, deck_id)
        tally.in_scope += 1
        tally.answered += ok
        tally.offers_nearest = hasattr(result, "nearest")  # older matchers have none
        if result.best is None:
            tally.no_card += 1
            nearest = getattr(result, "nearest", ())
            tally.nearest_right += any(expected(item, hit.card, deck_id) for hit in nearest)
        tally.strict += strict
        if shown and not ok:
            tally.wrong_sure_in += result.confident
            tally.wrong_asked_in += not result.confident
        tally.count_ranking(item, ranked_cards(index, item["q"]), deck_id)
        tally.in_outcomes.append(ok)
        tally.in_questions.append(item["q"])
        style = tally.styles[item.get("style", "-")]
        style[0] += ok
        style[1] += 1
        if miss and not ok:
            got = [hit.card.title for hit in shown]
            want = item.get("section") or item.get("cards") or item.get("expect")
            miss(f"MISS  {item['q']!r} -> {got} (want {want!r})")
    for item in questions.get("out_of_scope", []):
        result = bot_reply(module, index, item["q"], chitchat)
        tally.out_of_scope += 1
        answers_it = result.best is not None and (
            result.best.card.id in ANSWERED_AFTER_ALL.get(item["q"], ())
        )
        tally.out_outcomes.append(result.best is None or answers_it)
        tally.out_questions.append(item["q"])
        if result.best is None:
            tally.rejected += 1
            tally.nearest_offered_out += bool(getattr(result, "nearest", ()))
        elif answers_it:
            tally.rightly_answered += 1
        else:
            tally.elsewhere += result.best.card.deck_id != deck_id
            tally.wrong_sure_out += result.confident
            tally.wrong_asked_out += not result.confident
            if miss:
                miss(f"FALSE {item['q']!r} -> {result.best.card.title!r} {result.best.score}")


def load_decks() -> Library:
    return load_library([PROJECT_ROOT / "content", HARNESS / "decks"])


def question_sets(splits: Sequence[str]) -> list[tuple[str, str, dict]]:
    """(deck id, set name, question set) for every question file of the chosen splits.

    A file `<deck>-tune*.yaml` is tuning data and `<deck>-heldout*.yaml` held-out; the set
    name is the part after the deck ("tune", "tune2", "heldout"). The deck is the file's
    `deck:` field, so a new deck's questions are picked up by dropping the files in.
    """
    found = []
    if "tune" in splits:
        bundled = {card.deck_id for card in load_library([PROJECT_ROOT / "content"]).cards.values()}
        for name, path in BUNDLED_TUNE_SETS.items():
            if path.is_file() and len(bundled) == 1:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
                found.append((next(iter(bundled)), name, data))
    for path in sorted((HARNESS / "questions").glob("*.yaml")):
        match = SET_NAME.search(path.stem)
        if match and match.group(1) in splits:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            found.append((data["deck"], match.group(0).lstrip("-"), data))
    return found


def sign_test(gained: int, lost: int) -> float:
    """Two-sided exact sign test: how likely so uneven a split of the questions that changed
    would be if a change helped and hurt equally often (1.0 when nothing changed)."""
    changed = gained + lost
    if not changed:
        return 1.0
    tail = sum(math.comb(changed, k) for k in range(min(gained, lost) + 1)) / 2**changed
    return min(1.0, 2 * tail)


@dataclass
class Changes:
    """Questions one matcher gets right and another wrong, over several sets."""

    in_gained: int = 0
    in_lost: int = 0
    out_gained: int = 0
    out_lost: int = 0
    questions: list[str] = field(default_factory=list)  # "+ in  deck set: question"

    def add(self, mine: Tally, theirs: Tally, where: str) -> None:
        for pairs, kind in (
            (zip(mine.in_outcomes, theirs.in_outcomes, mine.in_questions, strict=True), "in"),
            (zip(mine.out_outcomes, theirs.out_outcomes, mine.out_questions, strict=True), "out"),
        ):
            for ok, was, question in pairs:
                if ok != was:
                    name = f"{kind}_{'gained' if ok else 'lost'}"
                    setattr(self, name, getattr(self, name) + 1)
                    self.questions.append(f"{'+' if ok else '-'} {kind:3s} {where}: {question!r}")

    def line(self) -> str:
        gained, lost = self.in_gained + self.out_gained, self.in_lost + self.out_lost
        return (
            f"in-scope +{self.in_gained} -{self.in_lost}  out-of-scope +{self.out_gained} "
            f"-{self.out_lost}  (sign test on the {gained + lost} that changed: "
            f"p = {sign_test(gained, lost):.2f})"
        )


def print_totals(tallies: dict[tuple[str, str, str, str], Tally]) -> None:
    """Per matcher, split and mode, all decks' sets pooled: in-scope answered, out-of-scope
    handled, and the ranking's ceiling (right card ranked first / in the first few)."""
    totals: dict[tuple[str, str, str], Tally] = defaultdict(Tally)
    for (name, _, split, mode), tally in tallies.items():
        total = totals[name, SPLIT_OF.match(split).group(0), mode]
        total.add_counts(tally)
    print("\nevery set pooled")
    for (name, split, mode), total in totals.items():
        handled = total.rejected + total.rightly_answered
        print(
            f"  {name:8s} {split:8s} {mode:9s} in {total.answered / total.in_scope:.3f}  "
            f"out-handled {handled / total.out_of_scope:.3f}  ranked first "
            f"{total.ranked_first / total.in_scope:.3f}, in first {RANKED_FEW} "
            f"{total.ranked_few / total.in_scope:.3f}  ({total.in_scope} in-scope, "
            f"{total.out_of_scope} out-of-scope)"
        )
        print(
            f"{'':29s}in-scope: no card {total.no_card / total.in_scope:.3f}, a wrong card "
            f"as the answer {total.wrong_sure_in / total.in_scope:.3f}, only wrong choices "
            f"{total.wrong_asked_in / total.in_scope:.3f}; out-of-scope: a card as the "
            f"answer {total.wrong_sure_out / total.out_of_scope:.3f}, choices "
            f"{total.wrong_asked_out / total.out_of_scope:.3f}"
        )


def print_changes(tallies: dict[tuple[str, str, str, str], Tally], names: Sequence[str]) -> None:
    """Per split and mode, the questions the current matcher gains and loses against each
    other matcher scored: a change of a few questions is often chance (high p), and the
    held-out sets then may well disagree with the tune sets."""
    for other in names[1:]:
        print(f"\ncurrent against {other}: questions that changed")
        totals: dict[tuple[str, str], Changes] = defaultdict(Changes)
        for (name, deck_id, split, mode), tally in tallies.items():
            if name == "current":
                changes = totals[SPLIT_OF.match(split).group(0), mode]  # tune2 -> tune
                changes.add(tally, tallies[other, deck_id, split, mode], f"{deck_id} {split}")
        for (split, mode), changes in sorted(totals.items()):
            print(f"  {split:8s} {mode:9s} {changes.line()}")
            for question in changes.questions:
                print(f"      {question}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=(*SPLITS, "both"), default="both")
    parser.add_argument("--show-misses", action="store_true", help="tune split only")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-styles", action="store_true")
    parser.add_argument(
        "--before", metavar="REV", help="also score src/tutor/search.py of this git revision"
    )
    args = parser.parse_args(argv)
    splits = SPLITS if args.split == "both" else (args.split,)
    library = load_decks()
    sets = question_sets(splits)
    matchers: list[tuple[str, ModuleType, ChitChat]] = [("current", current_search, recognise)]
    if args.before:
        before = modules_at(args.before)
        before_chitchat = before["smalltalk"].recognise if "smalltalk" in before else recognise
        matchers.append((args.before[:8], matcher_of(before), before_chitchat))
    if not args.no_baseline:
        matchers.append(("baseline", baseline_search, recognise))
    tallies: dict[tuple[str, str, str, str], Tally] = {}
    for name, module, chitchat in matchers:
        everything = library_index(module, library, library.cards.values())
        for deck_id, split, questions in sets:
            deck_cards = [card for card in library.cards.values() if card.deck_id == deck_id]
            single = library_index(module, library, deck_cards)
            for mode, index in (("single", single), ("all-decks", everything)):
                tally = Tally()
                show = args.show_misses and split.startswith("tune") and name == "current"
                miss = print if show else None
                score_set(module, deck_id, index, questions, tally, miss, chitchat)
                tallies[name, deck_id, split, mode] = tally
                print(f"{name:8s} {deck_id:18s} {split:8s} {mode:9s} {tally.line()}")
                if not args.no_styles:
                    for style, (ok, total) in sorted(tally.styles.items()):
                        print(f"{'':46s}{style:12s} {ok / total:.3f} ({ok}/{total})")
    print_totals(tallies)
    print_changes(tallies, [name for name, _, _ in matchers])
    return 0


if __name__ == "__main__":
    sys.exit(main())
