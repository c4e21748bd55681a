"""Persistence: everything the bot remembers, split by what it stores.

`schema` is the one owner of the database schema (tables, migrations, engines);
`records` holds the rows handed out; each mixin holds one concern's queries and
`Store` puts them together. Feature modules with their own queries (exam_store,
gaps, dashboard) use the tables declared in `schema`."""

from __future__ import annotations

from tutor.store.base import CACHE_LIMIT, NO_SESSION_TTL, USER_REFRESH_TTL, StoreBase
from tutor.store.groups import GroupStore
from tutor.store.people import PeopleStore
from tutor.store.privacy import PrivacyStore
from tutor.store.pushes import PushStore
from tutor.store.quizzes import QuizStore
from tutor.store.records import (
    Answer,
    Chat,
    ChatSettings,
    GroupPoll,
    GroupScore,
    Memory,
    NewSession,
    QuizSession,
    Subscription,
    TopicAccuracy,
    User,
    subscription_from_row,
)
from tutor.store.schema import (
    DATA_TABLES,
    LATEST_VERSION,
    MAX_OPEN_PERIOD_SECONDS,
    MAX_QUESTIONS_PER_ROUND,
    MIGRATIONS,
    MIN_OPEN_PERIOD_SECONDS,
    MIN_QUESTIONS_PER_ROUND,
    PUSH_CLAIMED,
    PUSH_SENDING,
    PUSH_SENT,
    PUSH_UNKNOWN,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    ChatKind,
    Migration,
    NameDisplay,
    SchemaTooNewError,
    SessionKind,
    SessionStatus,
    UTCDateTime,
    answers,
    chats,
    content_gaps,
    create_engine,
    exams,
    group_polls,
    memory,
    metadata,
    migrate,
    push_log,
    quiz_sessions,
    round_poll_claims,
    schema_version,
    sqlite_url,
    subscriptions,
    teacher_groups,
    users,
)
from tutor.store.sql import insert_ignoring


class Store(PeopleStore, PushStore, QuizStore, GroupStore, PrivacyStore):
    """Async access to everything the bot remembers. Create with `await Store.open(url)`."""


__all__ = [
    "CACHE_LIMIT",
    "DATA_TABLES",
    "LATEST_VERSION",
    "MAX_OPEN_PERIOD_SECONDS",
    "MAX_QUESTIONS_PER_ROUND",
    "MIGRATIONS",
    "MIN_OPEN_PERIOD_SECONDS",
    "MIN_QUESTIONS_PER_ROUND",
    "NO_SESSION_TTL",
    "PUSH_CLAIMED",
    "PUSH_SENDING",
    "PUSH_SENT",
    "PUSH_UNKNOWN",
    "SQLITE_BUSY_TIMEOUT_SECONDS",
    "USER_REFRESH_TTL",
    "Answer",
    "Chat",
    "ChatKind",
    "ChatSettings",
    "GroupPoll",
    "GroupScore",
    "GroupStore",
    "Memory",
    "Migration",
    "NameDisplay",
    "NewSession",
    "PeopleStore",
    "PrivacyStore",
    "PushStore",
    "QuizSession",
    "QuizStore",
    "SchemaTooNewError",
    "SessionKind",
    "SessionStatus",
    "Store",
    "StoreBase",
    "Subscription",
    "TopicAccuracy",
    "UTCDateTime",
    "User",
    "answers",
    "chats",
    "content_gaps",
    "create_engine",
    "exams",
    "group_polls",
    "insert_ignoring",
    "memory",
    "metadata",
    "migrate",
    "push_log",
    "quiz_sessions",
    "round_poll_claims",
    "schema_version",
    "sqlite_url",
    "subscription_from_row",
    "subscriptions",
    "teacher_groups",
    "users",
]
