"""The headings a question may be word for word: a topic's title ("plot summary", "the
birling family"), or a card's title or alias ("The multi-store model: evaluation", copied
from a topic's list). search.SearchIndex answers such a question with the topic's list or
that card before any scoring.

Every word counts in a card's heading, the ones the matcher reads as a question's
scaffolding too: *evaluation* and *outline* are how a student asks elsewhere, but they are
all that tells *The multi-store model: evaluation* from *The multi-store model: outline*.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from tutor.model import Card, Topic
from tutor.reading import typed_words
from tutor.text import MAX_QUERY_CHARS, normalise, plain_text, word_term

_ARTICLES = frozenset({"a", "an", "the"})


class Headings:
    """The topic titles and card headings of some decks' cards, read once (lazily: most
    questions are no heading)."""

    def __init__(
        self, cards: Sequence[Card], topics: Mapping[str, Topic], deck_ids: Collection[str]
    ) -> None:
        self._cards = cards
        self._topics = topics
        self._topics_by_terms: dict[frozenset[str], list[str]] = defaultdict(list)
        for topic_id, topic in topics.items():
            if topic.deck_id in deck_ids and (terms := title_terms(topic.title)):
                self._topics_by_terms[terms].append(topic_id)
        self._card_heading_terms: set[frozenset[str]] | None = None  # topic_named
        self._cards_by_heading: dict[tuple[str, ...], list[int]] | None = None  # cards_titled

    def topic_named(self, query: str) -> Topic | None:
        """The one topic whose title the question is, word for word but for function
        words, when no card's title or alias is (a card titled "Context" answers "context"
        itself); else None."""
        terms = title_terms(" ".join(typed_words(query)))
        if not terms:
            return None
        named = self._topics_by_terms.get(terms, ())
        if len(named) != 1:
            return None
        if self._card_heading_terms is None:  # the first topic title asked: read them once
            self._card_heading_terms = {
                title_terms(heading)
                for card in self._cards
                for heading in (card.title, *card.aliases)
            }
        return None if terms in self._card_heading_terms else self._topics[named[0]]

    def cards_titled(self, query: str) -> Sequence[int]:
        """Positions of the cards whose title or alias the question is, word for word but
        for "a", "an" and "the", in card order; empty when it is no card's."""
        words = heading_words(plain_text(query[:MAX_QUERY_CHARS]))
        if not words:
            return ()
        if self._cards_by_heading is None:  # the first question: read the titles once
            self._cards_by_heading = defaultdict(list)
            for position, card in enumerate(self._cards):
                for heading in {heading_words(text) for text in (card.title, *card.aliases)}:
                    self._cards_by_heading[heading].append(position)
        return self._cards_by_heading.get(words, ())


def heading_words(text: str) -> tuple[str, ...]:
    """A title's or question's normalised words but articles: how a question is matched
    to a title word for word."""
    return tuple(word for word in normalise(text).split() if word not in _ARTICLES)


def title_terms(text: str) -> frozenset[str]:
    """The terms of a title's words but function words ("The Birling Family" -> birl,
    famili): how a question is matched to a topic's title."""
    return frozenset(filter(None, map(word_term, normalise(text).split())))
