"""Deck-file limits and the pydantic models named and shaped like the YAML."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

TITLE_LIMIT = 120
BODY_LIMIT = 1500
MISCONCEPTION_LIMIT = 400
EVENT_LIMIT = 120
MESSAGE_LIMIT = 4096
PROMPT_LIMIT = 300
OPTION_LIMIT = 100
EXPLANATION_LIMIT = 200
EXPLANATION_LINE_BREAKS = 2
# A card a student reads on a phone: title, body and common mistake together. Longer cards
# are allowed (Telegram takes 4096 characters) but `tutor check` warns about them.
CARD_WORD_LIMIT = 120

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
WHEN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

SchemaT = TypeVar("SchemaT", bound="Schema")


# --- Structure: pydantic models named and shaped like the YAML ---------------------------


def _limited(max_length: int | None) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


def _when_text(value: Any) -> Any:
    """YAML reads an unquoted 1924 as an int and 1924-01-21 as a date: turn both into text."""
    if isinstance(value, int | float | date) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, _limited(None)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True)]
CardTitle = Annotated[str, _limited(TITLE_LIMIT)]
Body = Annotated[str, _limited(BODY_LIMIT)]
Misconception = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MISCONCEPTION_LIMIT)
]
EventText = Annotated[str, _limited(EVENT_LIMIT)]
When = Annotated[str, BeforeValidator(_when_text), StringConstraints(strip_whitespace=True)]
Prompt = Annotated[str, _limited(PROMPT_LIMIT)]
OptionText = Annotated[str, _limited(OPTION_LIMIT)]
Explanation = Annotated[str, _limited(EXPLANATION_LIMIT)]
Kind = Literal["choice", "truefalse", "typed", "order"]


class Schema(BaseModel):
    # validate_assignment lets _validate salvage the valid fields of an invalid item.
    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True)


class FileSchema(Schema):
    """The top level; section items are validated one by one with the models below."""

    deck: dict[Any, Any]
    topics: Annotated[list[Any], Field(min_length=1)]
    cards: Annotated[list[Any], Field(min_length=1)]
    events: list[Any] = Field(default_factory=list)
    questions: list[Any] = Field(default_factory=list)


class DeckSchema(Schema):
    id: Text
    title: Text
    subject: Text
    description: OptionalText = ""
    sources: dict[Text, Text] | None = None
    references: dict[Text, Text] | None = None
    examples: Annotated[list[OptionText], Field(max_length=5)] = Field(default_factory=list)


class TopicSchema(Schema):
    id: Text
    title: Text
    summary: OptionalText = ""


class CardSchema(Schema):
    id: Text
    title: CardTitle
    topic: Text
    body: Body
    misconception: Misconception = ""
    aliases: list[Text] = Field(default_factory=list)
    keywords: list[Text] = Field(default_factory=list)
    related: list[Text] = Field(default_factory=list)
    source: Annotated[list[Text], Field(min_length=1)]
    references: list[Text] = Field(default_factory=list)


class EventSchema(Schema):
    when: When
    what: EventText
    card: Text


class QuestionSchema(Schema):
    """Kind-specific rules (which fields, the answer's type) are checked after the schema."""

    id: Text
    card: Text
    kind: Kind
    prompt: Prompt
    explanation: Explanation
    options: Annotated[list[OptionText], Field(min_length=2, max_length=10)] | None = None
    answer: Any = None
    answers: Annotated[list[Text], Field(min_length=1)] | None = None
    items: Annotated[list[OptionText], Field(min_length=3, max_length=5)] | None = None


SECTIONS: dict[str, tuple[str, type[Schema]]] = {
    "topics": ("topic", TopicSchema),
    "cards": ("card", CardSchema),
    "events": ("event", EventSchema),
    "questions": ("question", QuestionSchema),
}

# Singular and plural nouns for the entries of each list field, used in messages.
LIST_NOUNS: dict[str, tuple[str, str]] = {
    "topics": ("topic", "topics"),
    "cards": ("card", "cards"),
    "events": ("event", "events"),
    "questions": ("question", "questions"),
    "related": ("card id", "card ids"),
    "source": ("source id", "source ids"),
    "references": ("reference id", "reference ids"),
    "aliases": ("name", "names"),
    "keywords": ("keyword", "keywords"),
    "options": ("option", "options"),
    "answers": ("accepted answer", "accepted answers"),
    "items": ("item", "items"),
}

KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "choice": ("options", "answer"),
    "truefalse": ("answer",),
    "typed": ("answers",),
    "order": ("items",),
}
