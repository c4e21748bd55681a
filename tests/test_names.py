"""Topic and card names typed after /quiz and /settings topic: bounded, fast, typo-tolerant."""

from __future__ import annotations

import pytest

from tutor.model import Card, Deck, Library, Topic
from tutor.quiz_arguments import MAX_ARGUMENT_CHARS, NameMatcher
from tutor.quizflow import QuizFlow

TOPICS = (
    Topic("cells", "Cell structure", "bio"),
    Topic("transport", "Transport in cells", "bio"),
    Topic("enzymes", "Enzymes and digestion", "bio"),
)
CARDS = (
    Card("osmosis", "Osmosis", "transport", "bio", "• Water moves across a membrane."),
    Card("diffusion", "Diffusion", "transport", "bio", "• Particles spread out."),
    Card("amylase", "Amylase", "enzymes", "bio", "• Breaks down starch.", aliases=("salivary",)),
    Card("nucleus", "The nucleus", "cells", "bio", "• Holds the DNA."),
)


@pytest.fixture
def flow() -> QuizFlow:
    deck = Deck("bio", "Biology", "Biology", "bio.yaml", topics=TOPICS, cards=CARDS)
    return QuizFlow(Library.from_decks((deck,)), store=None, service=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "topic_id"),
    [
        ("transport", "transport"),
        ("enzymes", "enzymes"),
        ("enzmyes", "enzymes"),  # a typo
        ("osmosis", "transport"),  # a card's title names its topic
        ("salivary", "enzymes"),  # so does a card's alias
        ("nucleus", "cells"),
    ],
)
def test_a_name_finds_its_topic(flow: QuizFlow, typed: str, topic_id: str) -> None:
    parsed = flow.parse_quiz_argument(f"{typed} 3")
    assert not hasattr(parsed, "lines"), parsed
    topic, count = parsed  # type: ignore[misc]
    assert (topic.id if topic else None, count) == (topic_id, 3)


def test_an_unknown_name_is_told_off(flow: QuizFlow) -> None:
    reply = flow.parse_quiz_argument("photosynthesis")
    assert "I don't know the topic" in reply.lines[0]  # type: ignore[union-attr]


def test_only_the_start_of_a_long_argument_is_read(flow: QuizFlow) -> None:
    """A count beyond the bound is not read: the argument was cut before any parsing."""
    argument = f"enzymes {'x ' * 2000}7"
    assert len(argument) > MAX_ARGUMENT_CHARS
    parsed = flow.parse_quiz_argument(argument)
    count = parsed[1] if isinstance(parsed, tuple) else None
    assert count != 7


def test_a_tie_goes_to_the_better_whole_name() -> None:
    names = NameMatcher({"a": "cell wall structure", "b": "cell wall"})
    assert names.best("cell wall", 70) == "b"


def test_an_empty_or_stop_word_query_names_nothing() -> None:
    names = NameMatcher({"a": "the nucleus"})
    assert names.best("", 70) is None
    assert names.best("the of and", 70) is None
    assert NameMatcher({}).best("nucleus", 70) is None


def test_every_query_word_must_match_for_the_word_score() -> None:
    names = NameMatcher({"a": "osmosis in plants", "b": "active transport"})
    assert names.best("osmosis plants", 85) == "a"
    assert names.best("osmosis volcano", 95) is None
