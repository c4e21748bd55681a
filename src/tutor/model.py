"""The content model: decks, topics, note cards, dated events and quiz questions.

Plain frozen dataclasses with no behaviour beyond small derived properties, so every
other core module (search, quiz, srs, store) and every adapter shares one vocabulary.
Loading and validation live in :mod:`tutor.content`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Topic:
    """A group of cards a student can browse, e.g. "Defeat of the Left"."""

    id: str
    title: str
    deck_id: str
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Card:
    """One focused note a student looks up: the unit the matcher returns."""

    id: str
    title: str
    topic_id: str
    deck_id: str
    body: str
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    misconception: str = ""
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Event:
    """A dated event for the timeline; `when` is ISO-like: YYYY, YYYY-MM or YYYY-MM-DD."""

    when: str
    what: str
    card_id: str
    deck_id: str

    @property
    def year(self) -> int:
        return int(self.when[:4])

    @property
    def sort_key(self) -> tuple[int, int, int]:
        parts = [int(part) for part in self.when.split("-")]
        parts += [0] * (3 - len(parts))
        return (parts[0], parts[1], parts[2])


class QuestionKind(StrEnum):
    CHOICE = "choice"
    TRUE_FALSE = "truefalse"
    TYPED = "typed"
    ORDER = "order"


@dataclass(frozen=True, slots=True)
class Question:
    """A quiz question linked to the card that explains its answer.

    Which fields are set depends on `kind`:
    choice -> `options` and `answer` (the correct option's text);
    truefalse -> `truth`; typed -> `accepted` (every accepted answer);
    order -> `items` listed in the correct order.
    """

    id: str
    kind: QuestionKind
    prompt: str
    card_id: str
    deck_id: str
    explanation: str
    options: tuple[str, ...] = ()
    answer: str = ""
    truth: bool | None = None
    accepted: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Deck:
    """One subject's content, loaded from one YAML file."""

    id: str
    title: str
    subject: str
    path: str
    description: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    topics: tuple[Topic, ...] = ()
    cards: tuple[Card, ...] = ()
    events: tuple[Event, ...] = ()
    questions: tuple[Question, ...] = ()


@dataclass(frozen=True, slots=True)
class Library:
    """Every loaded deck, with lookups by id across decks (ids are globally unique)."""

    decks: tuple[Deck, ...]
    cards: dict[str, Card]
    topics: dict[str, Topic]
    questions: dict[str, Question]

    @classmethod
    def from_decks(cls, decks: tuple[Deck, ...]) -> Library:
        return cls(
            decks=decks,
            cards={card.id: card for deck in decks for card in deck.cards},
            topics={topic.id: topic for deck in decks for topic in deck.topics},
            questions={q.id: q for deck in decks for q in deck.questions},
        )

    @property
    def events(self) -> list[Event]:
        return sorted((e for deck in self.decks for e in deck.events), key=lambda e: e.sort_key)

    def cards_in_topic(self, topic_id: str) -> list[Card]:
        return [card for card in self.cards.values() if card.topic_id == topic_id]

    def questions_for_card(self, card_id: str) -> list[Question]:
        return [q for q in self.questions.values() if q.card_id == card_id]
