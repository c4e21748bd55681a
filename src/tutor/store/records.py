"""The rows the store hands out, as frozen dataclasses, and their converters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from tutor.store.schema import (
    MAX_OPEN_PERIOD_SECONDS,
    MAX_QUESTIONS_PER_ROUND,
    MIN_OPEN_PERIOD_SECONDS,
    MIN_QUESTIONS_PER_ROUND,
    ChatKind,
    NameDisplay,
    SessionKind,
    SessionStatus,
)


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """What a chat chose; stored as JSON so new settings need no migration."""

    deck_id: str | None = None
    topic_id: str | None = None
    questions_per_round: int = 5
    open_period_seconds: int = 30
    name_display: NameDisplay = NameDisplay.FIRST

    def __post_init__(self) -> None:
        if not MIN_QUESTIONS_PER_ROUND <= self.questions_per_round <= MAX_QUESTIONS_PER_ROUND:
            raise ValueError(f"questions_per_round out of range: {self.questions_per_round}")
        if not MIN_OPEN_PERIOD_SECONDS <= self.open_period_seconds <= MAX_OPEN_PERIOD_SECONDS:
            raise ValueError(f"open_period_seconds out of range: {self.open_period_seconds}")
        object.__setattr__(self, "name_display", NameDisplay(self.name_display))

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChatSettings:
        """Settings from stored JSON; unknown keys (from a newer release) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    first_name: str
    username: str | None
    time_zone: str | None
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class Chat:
    chat_id: int
    kind: ChatKind
    title: str | None
    time_zone: str | None
    settings: ChatSettings
    paused: bool
    paused_reason: str | None
    migrated_to: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Subscription:
    chat_id: int
    local_time: str
    time_zone: str
    active: bool
    paused_reason: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewSession:
    chat_id: int
    user_id: int | None
    kind: SessionKind
    question_ids: tuple[str, ...]
    state: dict[str, Any]
    started_at: datetime


@dataclass(frozen=True, slots=True)
class QuizSession:
    id: int
    chat_id: int
    user_id: int | None
    kind: SessionKind
    question_ids: tuple[str, ...]
    position: int
    state: dict[str, Any]
    revision: int
    status: SessionStatus
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @property
    def current_question_id(self) -> str | None:
        """The question waiting for an answer, or None when all are answered."""
        if self.position >= len(self.question_ids):
            return None
        return self.question_ids[self.position]


@dataclass(frozen=True, slots=True)
class Answer:
    session_id: int | None
    user_id: int
    chat_id: int
    question_id: str
    card_id: str
    topic_id: str
    verdict: str
    correct: bool
    response_ms: int | None
    answered_at: datetime
    source: str
    choice: str | None = None
    """The option text the student chose (choice and true/false questions only)."""


@dataclass(frozen=True, slots=True)
class Memory:
    """One student's spaced-repetition state for one question."""

    user_id: int
    question_id: str
    card: dict[str, Any]
    due_at: datetime
    last_review_at: datetime | None


@dataclass(frozen=True, slots=True)
class GroupPoll:
    """A quiz poll posted in a group round: the question it asks, options as shown."""

    poll_id: str
    session_id: int
    position: int
    question_id: str
    option_order: tuple[int, ...]
    """For each poll option, the index of the question option it shows."""
    message_id: int
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class TopicAccuracy:
    topic_id: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class GroupScore:
    user_id: int
    first_name: str
    username: str | None
    answered: int
    correct: int


def subscription_from_row(row: Mapping[str, Any]) -> Subscription:
    return Subscription(**{field.name: row[field.name] for field in fields(Subscription)})


def _session_from_row(row: Mapping[str, Any]) -> QuizSession:
    return QuizSession(
        **{
            **row,
            "kind": SessionKind(row["kind"]),
            "status": SessionStatus(row["status"]),
            "question_ids": tuple(row["question_ids"]),
            "state": dict(row["state"]),
        }
    )


def _group_poll_from_row(row: Mapping[str, Any]) -> GroupPoll:
    return GroupPoll(**{**row, "option_order": tuple(row["option_order"])})


def _chat_from_row(row: Mapping[str, Any]) -> Chat:
    return Chat(
        **{
            **row,
            "kind": ChatKind(row["kind"]),
            "settings": ChatSettings.from_json(row["settings"]),
        }
    )


def _as_values(record: Any) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _columns_of(table: sa.Table, record_type: type) -> list[sa.Column[Any]]:
    return [table.c[f.name] for f in fields(record_type)]


def _jsonable_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _jsonable(value) for key, value in row.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _check_local_time(local_time: str) -> None:
    hours, _, minutes = local_time.partition(":")
    valid = (
        len(hours) == 2
        and len(minutes) == 2
        and hours.isdigit()
        and minutes.isdigit()
        and int(hours) < 24
        and int(minutes) < 60
    )
    if not valid:
        raise ValueError(f"local time must be HH:MM, got {local_time!r}")
