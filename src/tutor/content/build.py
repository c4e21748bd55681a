"""The content model built from deck files that have no problems."""

from __future__ import annotations

from tutor.content.deckfile import DeckFile
from tutor.content.fields import CardSchema, EventSchema, QuestionSchema, TopicSchema
from tutor.model import Card, Deck, Event, Question, QuestionKind, Topic

# --- Building the model -------------------------------------------------------------------


def build_deck(file: DeckFile) -> Deck:
    assert file.header is not None  # only called when there are no problems
    header = file.header.model
    deck_id = header.id
    return Deck(
        id=deck_id,
        title=header.title,
        subject=header.subject,
        path=file.path,
        description=header.description,
        sources=dict(header.sources or {}),
        references=dict(header.references or {}),
        examples=tuple(header.examples),
        topics=tuple(_build_topic(item.model, deck_id) for item in file.topics),
        cards=tuple(_build_card(item.model, deck_id) for item in file.cards),
        events=tuple(_build_event(item.model, deck_id) for item in file.events),
        questions=tuple(_build_question(item.model, deck_id) for item in file.questions),
    )


def _build_topic(topic: TopicSchema, deck_id: str) -> Topic:
    return Topic(id=topic.id, title=topic.title, deck_id=deck_id, summary=topic.summary)


def _build_event(event: EventSchema, deck_id: str) -> Event:
    return Event(when=event.when, what=event.what, card_id=event.card, deck_id=deck_id)


def _build_card(card: CardSchema, deck_id: str) -> Card:
    return Card(
        id=card.id,
        title=card.title,
        topic_id=card.topic,
        deck_id=deck_id,
        body=card.body,
        aliases=tuple(card.aliases),
        keywords=tuple(card.keywords),
        related=tuple(card.related),
        sources=tuple(card.source),
        misconception=card.misconception,
        references=tuple(card.references),
    )


def _build_question(question: QuestionSchema, deck_id: str) -> Question:
    kind = QuestionKind(question.kind)
    answer = question.answer
    return Question(
        id=question.id,
        kind=kind,
        prompt=question.prompt,
        card_id=question.card,
        deck_id=deck_id,
        explanation=question.explanation,
        options=tuple(question.options or ()),
        answer=answer.strip() if kind is QuestionKind.CHOICE else "",
        truth=answer if kind is QuestionKind.TRUE_FALSE else None,
        accepted=tuple(question.answers or ()),
        items=tuple(question.items or ()),
    )
