"""Unit tests for the matcher on a small deck of another subject (nothing Stalin-specific)."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import pytest

from tutor.answers import answer
from tutor.model import Card, Topic
from tutor.search import SearchIndex
from tutor.text import acronyms, collapse_repeats, normalise

TOPICS = {
    "cells": Topic("cells", "Cells and transport", "bio"),
    "energy": Topic("energy", "Energy and the climate", "bio"),
}


def card(card_id: str, title: str, topic: str, body: str, **extra: tuple[str, ...]) -> Card:
    return Card(id=card_id, title=title, topic_id=topic, deck_id="bio", body=body, **extra)


CARDS = [
    card(
        "osmosis",
        "Osmosis",
        "cells",
        "• Water moves across a partially permeable membrane\n"
        "• from a dilute solution to a concentrated one",
        keywords=("water potential", "membrane"),
    ),
    card(
        "diffusion",
        "Diffusion",
        "cells",
        "• Particles spread from high to low concentration\n• Passive: no energy needed",
        keywords=("concentration gradient",),
    ),
    card(
        "active-transport",
        "Active transport",
        "cells",
        "• Moves particles against a concentration gradient\n• Needs energy from respiration",
        keywords=("root hair", "mineral ions"),
    ),
    card(
        "ccs",
        "Carbon Capture and Storage",
        "energy",
        "• Carbon dioxide from power stations is stored underground",
        aliases=("carbon sequestration",),
    ),
    card(
        "greenhouse",
        "The greenhouse effect",
        "energy",
        "• Carbon dioxide and methane trap heat in the atmosphere\n"
        "• Scientists first measured it in 1896",
        keywords=("global warming", "climate change"),
    ),
    card(
        "photosynthesis",
        "Photosynthesis",
        "energy",
        "• Plants use light energy to make glucose from carbon dioxide and water\n"
        "• Happens in chloroplasts",
        keywords=("chlorophyll",),
    ),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(CARDS, TOPICS)


def best_id(index: SearchIndex, question: str) -> str | None:
    hits = index.search(question, limit=1)
    return hits[0].card.id if hits else None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("osmosis", "osmosis"),
        ("what is osmosis??", "osmosis"),
        ("wat is osmossis", "osmosis"),  # typo and texting shorthand
        ("OSMOSIS!!! 🤯🤯", "osmosis"),  # case, punctuation, emoji
        ("diffffusion", "diffusion"),  # repeated letters
        ("how do root hairs take up mineral ions", "active-transport"),
        ("CCS?", "ccs"),  # acronym derived from the title
        ("carbon sequestration", "ccs"),  # alias
        ("global warming methane", "greenhouse"),
        ("photosynthesys in plants", "photosynthesis"),
        ("plants make glucose from light", "photosynthesis"),
        ("first measured 1896", "greenhouse"),  # numbers match exactly
        ("particles spreading out, no energy", "diffusion"),
        ("global warmin", "greenhouse"),  # dropped g
    ],
)
def test_finds_the_card(index: SearchIndex, question: str, expected: str) -> None:
    assert best_id(index, question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "hello there",
        "anyone awake??",
        "zxcvbnm",
        "aaaaaa bbbb",
        "who won the world cup in 1966",
        "osmosis spaghetti trampoline volcano",  # one known word among nonsense
        "\x00\x01\x02 binary \xff",
        "what is the capital of peru",
    ],
)
def test_no_card_when_nothing_fits(index: SearchIndex, question: str) -> None:
    assert index.search(question) == []


def test_rare_word_outweighs_common_word(index: SearchIndex) -> None:
    # "carbon dioxide" is in three cards; "underground" only in one.
    assert best_id(index, "carbon dioxide underground") == "ccs"


def test_truncated_word_matches_by_prefix_with_low_confidence(index: SearchIndex) -> None:
    hits = index.search("chloro", score_cutoff=None)
    assert [hit.card.id for hit in hits] == ["photosynthesis"]
    assert hits[0].score < index.search("chlorophyll", score_cutoff=None)[0].score


def test_one_everyday_word_is_not_enough(index: SearchIndex) -> None:
    # "energy" is in four of six cards: no card answers it with confidence.
    assert index.search("energy") == []
    assert index.search("thanks that really helped") == []


def test_title_counts_more_than_body(index: SearchIndex) -> None:
    # "energy" is in the body of diffusion, active transport and photosynthesis, and
    # in the topic title of the energy cards; "diffusion" only in its title.
    hits = index.search("diffusion energy", limit=3)
    assert hits[0].card.id == "diffusion"


def test_scores_are_sorted_and_bounded(index: SearchIndex) -> None:
    hits = index.search("carbon dioxide", limit=5, score_cutoff=None)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 100 for score in scores)


def test_limit_and_cutoff(index: SearchIndex) -> None:
    assert len(index.search("carbon dioxide", limit=2, score_cutoff=None)) == 2
    assert index.search("osmosis", score_cutoff=101) == []


def test_deterministic(index: SearchIndex) -> None:
    first = index.search("energy carbon water", limit=5, score_cutoff=None)
    again = SearchIndex(CARDS, TOPICS).search("energy carbon water", limit=5, score_cutoff=None)
    assert first == again


def test_huge_question_is_cut_not_crashed(index: SearchIndex) -> None:
    assert best_id(index, "what is osmosis" + "?" * 100_000) == "osmosis"
    assert best_id(index, "osmosis " * 100_000) == "osmosis"


def test_answer_offers_close_alternatives(index: SearchIndex) -> None:
    result = answer(index, "concentration gradient particles moving")
    assert result.best is not None
    assert result.best.card.id == "diffusion"
    assert [hit.card.id for hit in result.alternatives] == ["active-transport"]
    assert answer(index, "osmosis").alternatives == ()


def test_answer_suggests_topics_when_nothing_fits(index: SearchIndex) -> None:
    result = answer(index, "membrane volcano trampoline spaghetti")
    assert result.best is None
    assert result.suggested_topics[0].id == "cells"
    assert len(result.suggested_topics) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lenin’s funeral", "lenins funeral"),
        ("Café, résumé!", "cafe resume"),
        ("340,000 to 600,000", "340000 to 600000"),
        ("sooooo goooood 😀", "sooooo goooood"),
        ("Henry VIII", "henry viii"),
        ("x² + 5x", "x2 5x"),  # a superscript, decomposed
        ("x^2 + 5x", "x2 5x"),  # a caret power reads the same
        ("b ^ 2 - 4ac", "b2 4ac"),
        ("x squared plus y cubed", "x2 plus y3"),
        ("2^10", "2 10"),  # a number's power: never one number
        ("metres squared", "metres squared"),
        ("is 49 a squared number", "is 49 a squared number"),  # an article, not a letter
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_collapse_repeats() -> None:
    assert collapse_repeats("sooooo") == "so"
    assert collapse_repeats("diffffusion") == "difusion"


def test_acronyms() -> None:
    assert acronyms("Socialism in One Country") == {"sioc", "soc"}
    assert acronyms("Why Trotsky failed") == {"wtf"}
    assert acronyms("Trotsky failed") == set()
    assert acronyms("Osmosis") == set()


def test_core_does_not_import_telegram() -> None:
    modules = "tutor.search, tutor.text, tutor.render, tutor.model"
    code = f"import sys, {modules}; print('telegram' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_dropped_index_is_freed_by_reference_counting() -> None:
    """The bot freezes its start-up heap (tutor.heap.settle), after which only reference
    counting frees memory: an index and its caches must hold no reference cycle."""
    index = SearchIndex(CARDS, TOPICS)
    answer(index, "how does osmosis work")
    answer(index, "osmosis")
    freed = weakref.ref(index)
    collecting = gc.isenabled()
    gc.disable()
    try:
        del index
        assert freed() is None
    finally:
        if collecting:
            gc.enable()


def test_the_last_question_is_read_once_and_answers_stay_the_same(index: SearchIndex) -> None:
    first = index.score_all("why do plants need water")
    assert index.score_all("why do plants need water") is first  # kept, not recomputed
    other = index.score_all("osmosis")
    assert other is not first
    assert dict(index.score_all("why do plants need water")) == dict(first)
