"""The harness (benchmarks/score_all.py): its paired comparison — which questions changed
between two matchers, and how likely so uneven a split is by chance — and its data.

The data stays sound: every in-scope question can be answered by a card of its deck, every
out-of-scope question has its blind label, and every label names real cards. A question
whose expected card no longer exists (a deck regenerated after its notes were
fact-checked, a section renamed) would count as a miss for every matcher, and an
unlabelled out-of-scope question would count a right answer from another deck as wrong:
both would move `make score-all`'s figures silently."""

from __future__ import annotations

import importlib.util
import math
import random
import re
import sys
from types import ModuleType

import pytest

from tutor.config import PROJECT_ROOT
from tutor.model import Card


@pytest.fixture(scope="module")
def score_all() -> ModuleType:
    path = PROJECT_ROOT / "benchmarks" / "score_all.py"
    spec = importlib.util.spec_from_file_location("score_all", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_sign_test(score_all: ModuleType) -> None:
    assert score_all.sign_test(0, 0) == 1.0
    assert score_all.sign_test(3, 3) == 1.0
    assert score_all.sign_test(1, 0) == 1.0  # one question either way: no evidence
    assert math.isclose(score_all.sign_test(10, 0), 2 / 2**10)
    # 10 gained, 3 lost: P(X <= 3) for X ~ Binomial(13, 1/2), both tails.
    tail = sum(math.comb(13, k) for k in range(4)) / 2**13
    assert math.isclose(score_all.sign_test(10, 3), 2 * tail)
    assert score_all.sign_test(10, 3) == score_all.sign_test(3, 10)


def test_changes_pair_each_question_with_itself(score_all: ModuleType) -> None:
    mine = score_all.Tally(
        in_outcomes=[True, True, False, True],
        out_outcomes=[False, True],
        in_questions=["a", "b", "c", "d"],
        out_questions=["e", "f"],
    )
    theirs = score_all.Tally(in_outcomes=[True, False, True, False], out_outcomes=[True, True])
    changes = score_all.Changes()
    changes.add(mine, theirs, "deck tune")
    assert (changes.in_gained, changes.in_lost) == (2, 1)
    assert (changes.out_gained, changes.out_lost) == (0, 1)
    assert "in-scope +2 -1  out-of-scope +0 -1" in changes.line()
    assert changes.questions == [
        "+ in  deck tune: 'b'",
        "- in  deck tune: 'c'",
        "+ in  deck tune: 'd'",
        "- out deck tune: 'e'",
    ]


def test_split_set_halves_each_style_the_same_way_every_time() -> None:
    """benchmarks/harness/split_set.py: every question lands in exactly one part, each
    style is split on its own, and the same seed gives the same parts."""
    path = PROJECT_ROOT / "benchmarks" / "harness" / "split_set.py"
    spec = importlib.util.spec_from_file_location("split_set", path)
    assert spec is not None and spec.loader is not None
    split_set = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(split_set)
    items = [{"q": f"k{n}", "style": "keyword"} for n in range(10)]
    items += [{"q": f"s{n}", "style": "slang"} for n in range(6)]
    tune, held = split_set.split_items(items, 0.5, random.Random(7))
    assert sorted(i["q"] for i in tune + held) == sorted(i["q"] for i in items)
    assert sum(i["style"] == "keyword" for i in held) == 5
    assert sum(i["style"] == "slang" for i in held) == 3
    assert [items.index(i) for i in held] == sorted(items.index(i) for i in held)
    again = split_set.split_items(items, 0.5, random.Random(7))
    assert again == (tune, held)


def test_a_revision_is_loaded_with_every_matcher_module_it_imports() -> None:
    """benchmarks/bench_search.module_at loads MATCHER_MODULES as a revision has them: a
    matcher module importing a tutor module not listed there would get today's copy, and a
    before/after of a change to it would compare a matcher with itself (tutor.reading was
    missed from the eighth session to the ninth)."""
    path = PROJECT_ROOT / "benchmarks" / "bench_search.py"
    spec = importlib.util.spec_from_file_location("bench_search", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    spec.loader.exec_module(bench)
    listed = list(bench.MATCHER_MODULES)
    for at, name in enumerate(listed):
        source = (PROJECT_ROOT / "src" / "tutor" / f"{name}.py").read_text(encoding="utf-8")
        for imported in re.findall(r"^from tutor\.(\w+) import", source, flags=re.MULTILINE):
            if imported == "model":  # data classes, no matching logic
                continue
            assert imported in listed[:at], f"{name} imports tutor.{imported}"


def test_chit_chat_is_read_by_the_scored_matchers_own_reader(score_all: ModuleType) -> None:
    """The bot answers chit-chat before any matcher; `--before REV` passes the revision's
    reader (tutor.smalltalk as it was), so a chit-chat change shows in a before/after."""

    class _Matcher:
        Answer = score_all.current_search.Answer

        @staticmethod
        def answer(index: object, question: str) -> str:
            return f"matched {question}"

    assert score_all.bot_reply(_Matcher, None, "hi").best is None  # today's reader: chit-chat
    assert score_all.bot_reply(_Matcher, None, "hi", lambda _: None) == "matched hi"


@pytest.fixture(scope="module")
def cards_by_deck(score_all: ModuleType) -> dict[str, list[Card]]:
    by_deck: dict[str, list[Card]] = {}
    for card in score_all.load_decks().cards.values():
        by_deck.setdefault(card.deck_id, []).append(card)
    return by_deck


def test_every_in_scope_question_has_a_card_of_its_deck_to_find(
    score_all: ModuleType, cards_by_deck: dict[str, list[Card]]
) -> None:
    unanswerable = [
        (deck, name, item["q"])
        for deck, name, data in score_all.question_sets(score_all.SPLITS)
        for item in data.get("in_scope", [])
        if not any(score_all.expected(item, card) for card in cards_by_deck[deck])
    ]
    assert unanswerable == []


def test_harness_sets_name_one_section_each(
    score_all: ModuleType, cards_by_deck: dict[str, list[Card]]
) -> None:
    """A harness question's `expect` phrases find the card of its `section` (the bundled
    deck's older sets have no `section`; 102 older questions' phrases also find a second
    card, which the scorer then accepts too)."""
    wrong = []
    for deck, name, data in score_all.question_sets(score_all.SPLITS):
        for item in data.get("in_scope", []):
            if "section" not in item or item.get("cards"):
                continue
            found = [card.title for card in cards_by_deck[deck] if score_all.expected(item, card)]
            if item["section"] not in found:
                wrong.append((deck, name, item["q"], item["section"], found))
    assert wrong == []


def test_every_out_of_scope_question_is_labelled(score_all: ModuleType) -> None:
    unlabelled = [
        (deck, name, item["q"])
        for deck, name, data in score_all.question_sets(score_all.SPLITS)
        for item in data.get("out_of_scope", [])
        if item["q"] not in score_all.ANSWERED_AFTER_ALL
    ]
    assert unlabelled == []


def test_labels_name_cards_that_exist(
    score_all: ModuleType, cards_by_deck: dict[str, list[Card]]
) -> None:
    ids = {card.id for cards in cards_by_deck.values() for card in cards}
    unknown = {
        question: sorted(answered_by - ids)
        for question, answered_by in score_all.ANSWERED_AFTER_ALL.items()
        if answered_by - ids
    }
    assert unknown == {}


def test_answers_elsewhere_are_other_decks_cards_for_real_questions(
    score_all: ModuleType, cards_by_deck: dict[str, list[Card]]
) -> None:
    """Each pair judged for an in-scope question answered by another deck's card is a
    question of that deck's sets and a card that exists in another deck."""
    deck_of = {card.id: deck for deck, cards in cards_by_deck.items() for card in cards}
    asked = {
        (deck, item["q"])
        for deck, _, data in score_all.question_sets(score_all.SPLITS)
        for item in data.get("in_scope", [])
    }
    wrong = [
        (deck, question, card)
        for deck, question, card in score_all.ELSEWHERE_JUDGED
        if (deck, question) not in asked or deck_of.get(card, deck) == deck
    ]
    assert score_all.ANSWERED_ELSEWHERE and wrong == []


def test_a_card_labelled_as_answering_elsewhere_counts_only_for_that_deck(
    score_all: ModuleType, cards_by_deck: dict[str, list[Card]]
) -> None:
    (deck, question), answered_by = next(iter(score_all.ANSWERED_ELSEWHERE.items()))
    card = next(c for cards in cards_by_deck.values() for c in cards if c.id in answered_by)
    item = {"q": question, "expect": ["a phrase no card writes, 7e3f"]}
    assert score_all.expected(item, card, deck)
    other = next(name for name in cards_by_deck if name not in (deck, card.deck_id))
    assert not score_all.expected(item, card, other)
    assert not score_all.expected({**item, "q": question + " and more"}, card, deck)


class _FixedScores:
    """An index stand-in whose raw scores are given: what ranked_cards reads."""

    def __init__(self, cards: list[Card], scores: dict[int, float]) -> None:
        self.cards = cards
        self._scores = scores

    def score_all(self, question: str) -> dict[int, float]:
        return self._scores


def test_the_ranking_ceiling_counts_the_right_card_first_and_among_the_first_few(
    score_all: ModuleType,
) -> None:
    cards = [
        Card(id=f"c{n}", title=f"Card {n}", topic_id="t", deck_id="d", body="") for n in range(5)
    ]
    # Card 3 best, then 1 and 4 tied (card order breaks the tie), then 0; card 2 unscored.
    index = _FixedScores(cards, {0: 5.0, 1: 7.0, 3: 9.0, 4: 7.0})
    assert [card.id for card in score_all.ranked_cards(index, "q")] == ["c3", "c1", "c4"]
    assert score_all.ranked_cards(_FixedScores(cards, {}), "q") == []

    tally = score_all.Tally()
    for wanted in ("c3", "c4", "c0"):  # first; third; fourth, so not among the few
        tally.in_scope += 1
        tally.count_ranking({"q": "q", "cards": [wanted]}, score_all.ranked_cards(index, "q"), "d")
    assert (tally.ranked_first, tally.ranked_few) == (1, 2)
    assert "ranked first 0.333 (  1/  3), in first 3 0.667 (  2/  3)" in tally.line()


def test_wrong_cards_are_counted_apart_from_no_card(score_all: ModuleType) -> None:
    """A wrong card given as the answer misleads a student; one among the choices of "Which
    did you mean?" asks them; no card only fails to help. The harness counts the first two
    apart, for in-scope and out-of-scope questions, and a right choice is no wrong card."""
    search = score_all.current_search
    deck = {
        name: Card(id=name, title=name.title(), topic_id="t", deck_id="d", body=f"About {name}.")
        for name in ("kulaks", "purges", "nep")
    }
    replies = {
        "sure wrong": search.Answer("", search.Hit(deck["purges"], 50.0), (), ()),
        "asked wrong": search.Answer(
            "", search.Hit(deck["purges"], 30.0), (search.Hit(deck["nep"], 29.0),), (), False
        ),
        "asked right": search.Answer(
            "", search.Hit(deck["purges"], 30.0), (search.Hit(deck["kulaks"], 29.0),), (), False
        ),
        "no card": search.Answer("", None, (), ()),
        "off sure": search.Answer("", search.Hit(deck["nep"], 40.0), (), ()),
        "off asked": search.Answer(
            "", search.Hit(deck["nep"], 30.0), (search.Hit(deck["purges"], 29.0),), (), False
        ),
        "off none": search.Answer("", None, (), ()),
    }

    class _Matcher:
        Answer = search.Answer

        @staticmethod
        def answer(index: object, question: str) -> object:
            return replies[question]

    class _Index:
        cards = tuple(deck.values())

        @staticmethod
        def score_all(question: str) -> dict[int, float]:
            return {0: 1.0}

    questions = {
        "in_scope": [
            {"q": q, "cards": ["kulaks"]}
            for q in ("sure wrong", "asked wrong", "asked right", "no card")
        ],
        "out_of_scope": [{"q": q} for q in ("off sure", "off asked", "off none")],
    }
    tally = score_all.Tally()
    score_all.score_set(_Matcher, "d", _Index(), questions, tally, None, lambda _: None)
    assert (tally.answered, tally.no_card, tally.rejected) == (1, 1, 1)
    assert (tally.wrong_sure_in, tally.wrong_asked_in) == (1, 1)
    assert (tally.wrong_sure_out, tally.wrong_asked_out) == (1, 1)
    assert "wrong cards: sure 1 in + 1 out, asked 1 + 1" in tally.line()
