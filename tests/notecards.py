"""Small decks for the matcher's tests: one card factory, the card a question is answered
with, and the words a one-deck index reads a question as."""

from __future__ import annotations

from tutor.answers import answer
from tutor.model import Card
from tutor.search import SearchIndex


def note_card(
    card_id: str, title: str, body: str, *, deck_id: str, **extra: tuple[str, ...]
) -> Card:
    """A card of topic "t" in `deck_id` (each test module fixes its deck with a partial)."""
    return Card(id=card_id, title=title, topic_id="t", deck_id=deck_id, body=body, **extra)


def best_id(index: SearchIndex, question: str) -> str | None:
    """The id of the card the bot answers `question` with (answers.answer), or None."""
    result = answer(index, question)
    return result.best.card.id if result.best else None


def deck_words(index: SearchIndex, question: str) -> tuple[str, ...]:
    """The meaningful words the index's only deck reads `question` as."""
    (deck_id,) = index.deck_ids
    return index._parts[deck_id].question_words(question)
