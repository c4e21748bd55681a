"""Persistence: the one owner of the database schema.

SQLAlchemy Core over an async engine: SQLite (aiosqlite, the default: one file, WAL,
foreign keys on) or PostgreSQL (asyncpg), with the same code for both. Every time is a
timezone-aware UTC datetime in Python and in the database.

The schema is versioned: `MIGRATIONS[i]` upgrades version i to i + 1, and `Store.open`
applies the missing ones in one transaction that holds a lock, so two processes starting
together never both migrate (PostgreSQL: `pg_advisory_xact_lock`; SQLite: `BEGIN
IMMEDIATE`). A migration only ever adds; it never drops data.

Rule for future migrations: a step may create tables from the module-level `Table`
objects only while those tables are unchanged since that step. To change a table, add a
new step with explicit DDL (ALTER TABLE ...) and freeze the older step that created it by
copying the table's old definition into it. `test_store.py` checks that a migrated
database matches the module-level tables, so drift fails a test.
"""

from __future__ import annotations

import re
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from tutor.clock import as_utc, local_date, utc_now

SQLITE_BUSY_TIMEOUT_SECONDS = 30
"""How long a SQLite writer waits for another one: long enough for a migration."""
NO_SESSION_TTL = 300.0
"""Seconds "no quiz pending" is answered from memory (SQLite; see `Store`)."""
USER_REFRESH_TTL = 300.0
"""Seconds an unchanged student row is not written again (SQLite; see `Store`)."""
CACHE_LIMIT = 50_000
"""Entries per in-memory cache; a full one starts again empty."""

MIN_QUESTIONS_PER_ROUND, MAX_QUESTIONS_PER_ROUND = 1, 20
MIN_OPEN_PERIOD_SECONDS, MAX_OPEN_PERIOD_SECONDS = 5, 600  # Telegram's quiz-poll limits


PUSH_CLAIMED, PUSH_SENDING, PUSH_SENT = "claimed", "sending", "sent"
PUSH_UNKNOWN = "unknown"
"""push_log statuses: claimed (reserved, not sent); sending (handed to the HTTP client);
sent (or "failed", "blocked"); unknown (a dead process left it sending). Rows written
before per-push claims may say "unconfirmed". See `tutor.push_ledger`."""


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


class NameDisplay(StrEnum):
    """How a group leaderboard names students."""

    FULL = "full"
    FIRST = "first"
    ANONYMOUS = "anonymous"


class SessionKind(StrEnum):
    QUIZ = "quiz"
    REVIEW = "review"
    DAILY = "daily"
    GROUP = "group"


class SessionStatus(StrEnum):
    ACTIVE = "active"
    FINISHED = "finished"
    STOPPED = "stopped"


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL stores `timestamptz`; SQLite keeps no offset, so we store the UTC wall time
    and re-attach UTC when reading. Naive datetimes are refused on the way in.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value) if value.tzinfo else value.replace(tzinfo=UTC)


_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("first_name", sa.String(256), nullable=False),
    sa.Column("username", sa.String(64)),
    sa.Column("time_zone", sa.String(64)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
)

chats = sa.Table(
    "chats",
    metadata,
    sa.Column("chat_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("title", sa.String(256)),
    sa.Column("time_zone", sa.String(64)),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False),
    sa.Column("paused_reason", sa.String(64)),
    sa.Column("migrated_to", sa.BigInteger),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

quiz_sessions = sa.Table(
    "quiz_sessions",
    metadata,
    sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("chat_id", sa.BigInteger, sa.ForeignKey("chats.chat_id"), nullable=False),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.user_id"), comment="NULL: group"),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("question_ids", sa.JSON, nullable=False),
    sa.Column("position", sa.Integer, nullable=False, comment="questions answered so far"),
    sa.Column("state", sa.JSON, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False, comment="bumped on every change"),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Index(None, "chat_id", "user_id", "status"),
    sa.Index(
        "uq_quiz_sessions_one_active",
        "chat_id",
        "user_id",
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    ),
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("session_id", sa.BigInteger, sa.ForeignKey("quiz_sessions.id", ondelete="CASCADE")),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.user_id"), nullable=False),
    sa.Column("chat_id", sa.BigInteger, sa.ForeignKey("chats.chat_id"), nullable=False),
    sa.Column("question_id", sa.String(100), nullable=False),
    sa.Column("card_id", sa.String(100), nullable=False),
    sa.Column("topic_id", sa.String(100), nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("response_ms", sa.Integer),
    sa.Column("answered_at", UTCDateTime, nullable=False),
    sa.Column("source", sa.String(16), nullable=False, comment="session kind it came from"),
    sa.Column("choice", sa.String(200), comment="option text chosen (choice, true/false)"),
    sa.Index(None, "user_id", "answered_at"),
    sa.Index(None, "session_id"),
    sa.Index(None, "chat_id"),
    # Covering indexes for the teachers' dashboard: a class's answers without table reads.
    sa.Index(
        "ix_answers_dashboard",
        "user_id",
        "answered_at",
        "topic_id",
        "question_id",
        "choice",
        "correct",
    ),
    sa.Index("ix_answers_chat_members", "chat_id", "user_id"),
)

memory = sa.Table(
    "memory",
    metadata,
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.user_id"), primary_key=True),
    sa.Column("question_id", sa.String(100), primary_key=True),
    sa.Column("card", sa.JSON, nullable=False, comment="fsrs.Card.to_dict()"),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("last_review_at", UTCDateTime),
    sa.Index(None, "user_id", "due_at"),
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("chat_id", sa.BigInteger, sa.ForeignKey("chats.chat_id"), primary_key=True),
    sa.Column("local_time", sa.String(5), nullable=False, comment="HH:MM"),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("paused_reason", sa.String(64)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

push_log = sa.Table(
    "push_log",
    metadata,
    sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("chat_id", sa.BigInteger, sa.ForeignKey("chats.chat_id"), nullable=False),
    sa.Column("local_date", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("claimed_by", sa.String(32), comment="the claiming process's token"),
    sa.UniqueConstraint("chat_id", "local_date"),
    sa.Index(None, "status", "local_date"),
)

round_poll_claims = sa.Table(
    "round_poll_claims",
    metadata,
    sa.Column(
        "session_id",
        sa.BigInteger,
        sa.ForeignKey("quiz_sessions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("claimed_at", UTCDateTime, nullable=False),
    comment="taken before a group round's poll is sent: one process posts each poll",
)

group_polls = sa.Table(
    "group_polls",
    metadata,
    sa.Column("poll_id", sa.String(64), primary_key=True, autoincrement=False),
    sa.Column(
        "session_id",
        sa.BigInteger,
        sa.ForeignKey("quiz_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("position", sa.Integer, nullable=False, comment="index into question_ids"),
    sa.Column("question_id", sa.String(100), nullable=False),
    sa.Column("option_order", sa.JSON, nullable=False, comment="question option per poll option"),
    sa.Column("message_id", sa.BigInteger, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("session_id", "position"),
)

exams = sa.Table(
    "exams",
    metadata,
    sa.Column("chat_id", sa.BigInteger, sa.ForeignKey("chats.chat_id"), primary_key=True),
    sa.Column("exam_date", sa.Date, nullable=False, comment="the exam's local date"),
    sa.Column("topic_ids", sa.JSON, nullable=False, comment="[]: every topic"),
    sa.Column("set_by", sa.BigInteger, nullable=False, comment="the user who set it"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

content_gaps = sa.Table(
    "content_gaps",
    metadata,
    sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("deck_id", sa.String(100), comment="NULL: no deck could be told"),
    sa.Column("question", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False, comment="no_card or not_wanted"),
    sa.Column("card_id", sa.String(100), comment="the card marked not what was asked"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index(None, "deck_id", "created_at"),
    sa.Index(None, "created_at"),
    comment="questions the deck could not answer; never who asked them",
)

teacher_groups = sa.Table(
    "teacher_groups",
    metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("chat_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    comment="groups whose dashboard an admin opened, for the page's group switcher",
)

DATA_TABLES = (
    users,
    chats,
    quiz_sessions,
    answers,
    memory,
    subscriptions,
    push_log,
    group_polls,
    round_poll_claims,
    exams,
    content_gaps,
    teacher_groups,
)

Migration = Callable[[Connection], None]


def _create_quiz_tables(conn: Connection) -> None:
    """Create users, chats, quiz_sessions, answers and memory."""
    metadata.create_all(conn, tables=[users, chats, quiz_sessions, memory], checkfirst=False)
    _answers_v1().create(conn, checkfirst=False)


def _answers_v1() -> sa.Table:
    """The answers table as version 1 created it (frozen: later steps ALTER it)."""
    frozen = sa.MetaData(naming_convention=metadata.naming_convention)
    for table in (users, chats, quiz_sessions):
        table.to_metadata(frozen)
    return sa.Table(
        "answers",
        frozen,
        sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id", sa.BigInteger, sa.ForeignKey("quiz_sessions.id", ondelete="CASCADE")
        ),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("chat_id", sa.BigInteger, sa.ForeignKey("chats.chat_id"), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("card_id", sa.String(100), nullable=False),
        sa.Column("topic_id", sa.String(100), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("response_ms", sa.Integer),
        sa.Column("answered_at", UTCDateTime, nullable=False),
        sa.Column("source", sa.String(16), nullable=False, comment="session kind it came from"),
        sa.Index(None, "user_id", "answered_at"),
        sa.Index(None, "session_id"),
        sa.Index(None, "chat_id"),
    )


def _create_daily_push_tables(conn: Connection) -> None:
    """Create subscriptions and push_log for the daily quiz."""
    metadata.create_all(conn, tables=[subscriptions], checkfirst=False)
    _push_log_v2().create(conn, checkfirst=False)


def _push_log_v2() -> sa.Table:
    """The push_log table as version 2 created it (frozen: version 6 ALTERs it)."""
    frozen = sa.MetaData(naming_convention=metadata.naming_convention)
    chats.to_metadata(frozen)
    return sa.Table(
        "push_log",
        frozen,
        sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.BigInteger, sa.ForeignKey("chats.chat_id"), nullable=False),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime),
        sa.UniqueConstraint("chat_id", "local_date"),
    )


def _create_group_polls_table(conn: Connection) -> None:
    """Create group_polls: which group-round question each Telegram quiz poll asks."""
    metadata.create_all(conn, tables=[group_polls], checkfirst=False)


def _create_exams_table(conn: Connection) -> None:
    """Create exams: a student's or a class's exam date and topics (the exam countdown)."""
    metadata.create_all(conn, tables=[exams], checkfirst=False)


def _add_dashboard_tables(conn: Connection) -> None:
    """Add answers.choice, content_gaps and teacher_groups for the teachers' dashboard."""
    answers_table = conn.dialect.identifier_preparer.format_table(answers)
    conn.execute(sa.text(f"ALTER TABLE {answers_table} ADD COLUMN choice VARCHAR(200)"))
    for index in answers.indexes:
        if index.name in ("ix_answers_dashboard", "ix_answers_chat_members"):
            index.create(conn)
    metadata.create_all(conn, tables=[content_gaps, teacher_groups], checkfirst=False)


def _add_push_claims(conn: Connection) -> None:
    """Add push_log.claimed_by (per-push claims) and round_poll_claims (one poster)."""
    push_table = conn.dialect.identifier_preparer.format_table(push_log)
    conn.execute(sa.text(f"ALTER TABLE {push_table} ADD COLUMN claimed_by VARCHAR(32)"))
    for index in push_log.indexes:
        index.create(conn)
    metadata.create_all(conn, tables=[round_poll_claims], checkfirst=False)


MIGRATIONS: tuple[Migration, ...] = (
    _create_quiz_tables,
    _create_daily_push_tables,
    _create_group_polls_table,
    _create_exams_table,
    _add_dashboard_tables,
    _add_push_claims,
)
LATEST_VERSION = len(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer release than this code."""


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


def _bounded(cache: dict[Any, Any]) -> dict[Any, Any]:
    """`cache`, emptied first if it is full: a restart's worth of misses, no eviction code."""
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    return cache


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite database file."""
    return f"sqlite+aiosqlite:///{path}"


class Store:
    """Async access to everything the bot remembers. Create with `await Store.open(url)`.

    Two small in-memory caches spare the database on every message, on SQLite only,
    where one bot process owns the file (several processes need PostgreSQL, where
    every read goes to the database):

    - "no quiz pending" per (chat, student): `active_session` answers None from memory
      until a session is started for them (`start_session`) or their data moves or goes
      (`migrate_chat`, `forget_user`), at most `NO_SESSION_TTL` seconds.
    - "this student's row is up to date": `upsert_user` with the same names within
      `USER_REFRESH_TTL` seconds writes nothing (`last_seen_at` lags by at most that).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._caching = engine.dialect.name == "sqlite"
        self._no_session: dict[tuple[int, int | None], float] = {}
        self._session_writes = 0
        self._fresh_users: dict[int, tuple[str, str | None, float]] = {}

    @classmethod
    async def open(cls, url: str, *, schema: str | None = None) -> Store:
        """Connect, create the database if needed and migrate it to `LATEST_VERSION`.

        `schema` (PostgreSQL only) keeps the tables in that schema, created if missing,
        so several instances or test runs can share one database.
        """
        engine = create_engine(url, schema=schema)
        try:
            await migrate(engine, schema=schema)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    async def close(self) -> None:
        await self._engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def engine(self) -> AsyncEngine:
        """For feature modules that keep their queries outside this class (exam_store,
        dashboard, gaps)."""
        return self._engine

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self._engine.dialect.name

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits on success; on SQLite it takes the write lock at once."""
        async with self._engine.connect() as conn:
            await conn.execution_options(**{_IMMEDIATE: True})
            async with conn.begin():
                yield conn

    def write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """`_write` for feature modules that keep their statements outside this class."""
        return self._write()

    async def schema_version(self) -> int:
        async with self._read() as conn:
            return await _current_version(conn)

    # users and chats

    async def upsert_user(
        self, user_id: int, *, first_name: str, username: str | None, now: datetime
    ) -> None:
        """Remember a student (or refresh their names); `last_seen_at` becomes `now`
        (give or take `USER_REFRESH_TTL` on SQLite: see the class notes)."""
        fresh = self._fresh_users.get(user_id)
        clock = time.monotonic()
        if fresh is not None and fresh[:2] == (first_name, username) and fresh[2] > clock:
            return
        values = {
            "user_id": user_id,
            "first_name": first_name,
            "username": username,
            "created_at": now,
            "last_seen_at": now,
        }
        async with self._write() as conn:
            await conn.execute(
                _upsert(
                    conn, users, values, ["user_id"], ["first_name", "username", "last_seen_at"]
                )
            )
        if self._caching:
            _bounded(self._fresh_users)[user_id] = (first_name, username, clock + USER_REFRESH_TTL)

    async def get_user(self, user_id: int) -> User | None:
        async with self._read() as conn:
            row = (await conn.execute(users.select().where(users.c.user_id == user_id))).first()
        return User(**row._mapping) if row else None

    async def set_user_time_zone(self, user_id: int, time_zone: str | None) -> None:
        async with self._write() as conn:
            await conn.execute(
                users.update().where(users.c.user_id == user_id).values(time_zone=time_zone)
            )

    async def upsert_chat(
        self, chat_id: int, *, kind: ChatKind, title: str | None, now: datetime
    ) -> None:
        """Remember a chat (or refresh its kind and title); settings keep their values."""
        values = {
            "chat_id": chat_id,
            "kind": ChatKind(kind),
            "title": title,
            "settings": ChatSettings().to_json(),
            "paused": False,
            "created_at": now,
            "updated_at": now,
        }
        async with self._write() as conn:
            await conn.execute(
                _upsert(conn, chats, values, ["chat_id"], ["kind", "title", "updated_at"])
            )

    async def get_chat(self, chat_id: int) -> Chat | None:
        async with self._read() as conn:
            row = (await conn.execute(chats.select().where(chats.c.chat_id == chat_id))).first()
        return _chat_from_row(row._mapping) if row else None

    async def set_chat_time_zone(self, chat_id: int, time_zone: str | None) -> None:
        async with self._write() as conn:
            await conn.execute(
                chats.update().where(chats.c.chat_id == chat_id).values(time_zone=time_zone)
            )

    async def time_zone_for(self, chat_id: int, user_id: int | None) -> str | None:
        """The student's own time zone, else the chat's, else None (use the bot default)."""
        async with self._read() as conn:
            user_zone = await conn.scalar(
                sa.select(users.c.time_zone).where(users.c.user_id == user_id)
            )
            if user_zone:
                return user_zone
            return await conn.scalar(sa.select(chats.c.time_zone).where(chats.c.chat_id == chat_id))

    async def chat_settings(self, chat_id: int) -> ChatSettings:
        """The chat's settings, or the defaults for a chat we have not seen."""
        async with self._read() as conn:
            stored = await conn.scalar(
                sa.select(chats.c.settings).where(chats.c.chat_id == chat_id)
            )
        return ChatSettings.from_json(stored or {})

    async def update_chat_settings(self, chat_id: int, **changes: Any) -> ChatSettings:
        """Change some settings (keyword names as in `ChatSettings`); returns the result.

        Raises ValueError for unknown names or out-of-range values, LookupError for an
        unknown chat.
        """
        async with self._write() as conn:
            stored = await conn.scalar(
                sa.select(chats.c.settings).where(chats.c.chat_id == chat_id).with_for_update()
            )
            if stored is None:
                raise LookupError(f"unknown chat {chat_id}")
            try:
                updated = replace(ChatSettings.from_json(stored), **changes)
            except TypeError as error:
                raise ValueError(str(error)) from None
            await conn.execute(
                chats.update().where(chats.c.chat_id == chat_id).values(settings=updated.to_json())
            )
        return updated

    async def set_chat_paused(self, chat_id: int, reason: str | None, *, now: datetime) -> None:
        """Pause a chat with a reason (e.g. "blocked", "kicked"); `reason=None` resumes it."""
        async with self._write() as conn:
            await conn.execute(
                chats.update()
                .where(chats.c.chat_id == chat_id)
                .values(paused=reason is not None, paused_reason=reason, updated_at=now)
            )

    async def migrate_chat(self, old_id: int, new_id: int, *, now: datetime) -> bool:
        """Move everything of group `old_id` to its supergroup `new_id`; False if unknown.

        The old chat row stays, marked `migrated_to`, so late updates can be redirected.
        Where the new chat already has a row of its own (a subscription, a push-log day,
        an active session of the same student) that one is kept and the old one stays
        behind (sessions are stopped), so nothing is lost.
        """
        self._sessions_changed()
        try:
            return await self._migrate_chat(old_id, new_id, now)
        finally:
            self._sessions_changed()

    async def _migrate_chat(self, old_id: int, new_id: int, now: datetime) -> bool:
        async with self._write() as conn:
            old = (await conn.execute(chats.select().where(chats.c.chat_id == old_id))).first()
            if old is None:
                return False
            await conn.execute(_upsert_migrated_chat(conn, old._mapping, new_id, now))
            await conn.execute(_stop_sessions_clashing_with(old_id, new_id, now))
            for table in (quiz_sessions, answers):
                await conn.execute(
                    table.update().where(table.c.chat_id == old_id).values(chat_id=new_id)
                )
            await conn.execute(_move_subscription(old_id, new_id))
            await conn.execute(_move_push_days(old_id, new_id))
            await conn.execute(_move_exam(old_id, new_id))
            await conn.execute(
                chats.update()
                .where(chats.c.chat_id == old_id)
                .values(migrated_to=new_id, updated_at=now)
            )
        return True

    # subscriptions and the push log

    async def set_subscription(
        self, chat_id: int, *, local_time: str, time_zone: str, now: datetime
    ) -> Subscription:
        """Subscribe a chat to the daily quiz at `local_time` ("HH:MM") in `time_zone`."""
        _check_local_time(local_time)
        values = {
            "chat_id": chat_id,
            "local_time": local_time,
            "time_zone": time_zone,
            "active": True,
            "paused_reason": None,
            "created_at": now,
            "updated_at": now,
        }
        changed = ["local_time", "time_zone", "active", "paused_reason", "updated_at"]
        async with self._write() as conn:
            await conn.execute(_upsert(conn, subscriptions, values, ["chat_id"], changed))
        subscription = await self.get_subscription(chat_id)
        assert subscription is not None
        return subscription

    async def get_subscription(self, chat_id: int) -> Subscription | None:
        async with self._read() as conn:
            row = (
                await conn.execute(subscriptions.select().where(subscriptions.c.chat_id == chat_id))
            ).first()
        return Subscription(**row._mapping) if row else None

    async def deactivate_subscription(self, chat_id: int, reason: str, *, now: datetime) -> None:
        """Stop pushing to a chat, keeping its chosen time (e.g. reason "unsubscribed")."""
        async with self._write() as conn:
            await conn.execute(
                subscriptions.update()
                .where(subscriptions.c.chat_id == chat_id)
                .values(active=False, paused_reason=reason, updated_at=now)
            )

    async def claim_push(self, chat_id: int, day: date, *, now: datetime) -> bool:
        """Claim the daily push of `day` for a chat; True for exactly one caller."""
        values = {
            "chat_id": chat_id,
            "local_date": day,
            "status": PUSH_CLAIMED,
            "created_at": now,
        }
        async with self._write() as conn:
            result = await conn.execute(
                _upsert(conn, push_log, values, ["chat_id", "local_date"], [])
            )
        return result.rowcount == 1

    async def mark_push(self, chat_id: int, day: date, status: str, *, now: datetime) -> None:
        """Record how a claimed push ended ("sent", "failed", ...)."""
        async with self._write() as conn:
            await conn.execute(
                push_log.update()
                .where(push_log.c.chat_id == chat_id, push_log.c.local_date == day)
                .values(status=status, sent_at=now if status == "sent" else None)
            )

    # the daily push fan-out: many claims at once

    async def subscriptions_with_pushes(
        self, days: Sequence[date]
    ) -> list[tuple[Subscription, ChatKind, set[date]]]:
        """Active subscriptions of unpaused chats, each with the `days` already logged."""
        query = (
            sa.select(subscriptions, chats.c.kind, push_log.c.local_date.label("logged"))
            .join(chats, chats.c.chat_id == subscriptions.c.chat_id)
            .outerjoin(
                push_log,
                sa.and_(
                    push_log.c.chat_id == subscriptions.c.chat_id,
                    push_log.c.local_date.in_(list(days)),
                ),
            )
            .where(
                subscriptions.c.active.is_(sa.true()),
                chats.c.paused.is_(sa.false()),
                chats.c.migrated_to.is_(None),
            )
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        found: dict[int, tuple[Subscription, ChatKind, set[date]]] = {}
        for row in rows:
            mapping = row._mapping
            entry = found.setdefault(
                mapping["chat_id"],
                (subscription_from_row(mapping), ChatKind(mapping["kind"]), set()),
            )
            if mapping["logged"] is not None:
                entry[2].add(mapping["logged"])
        return list(found.values())

    # quiz sessions and answers

    async def start_session(self, new: NewSession) -> tuple[QuizSession, QuizSession | None]:
        """Create a session; the same student's active one in that chat is stopped first.

        Returns the new session and the stopped one (or None), in one transaction.
        """
        self._sessions_changed((new.chat_id, new.user_id))
        try:
            return await self._start_session(new)
        finally:
            self._sessions_changed((new.chat_id, new.user_id))

    async def _start_session(self, new: NewSession) -> tuple[QuizSession, QuizSession | None]:
        async with self._write() as conn:
            await conn.execute(
                sa.select(chats.c.chat_id).where(chats.c.chat_id == new.chat_id).with_for_update()
            )
            replaced = await _active_session(conn, new.chat_id, new.user_id)
            if replaced is not None:
                await conn.execute(_finish(replaced, SessionStatus.STOPPED, new.started_at))
            session_id = await _insert_session(conn, new)
            created = await _session_by_id(conn, session_id)
        assert created is not None
        stopped = replace(replaced, status=SessionStatus.STOPPED) if replaced else None
        return created, stopped

    async def get_session(self, session_id: int) -> QuizSession | None:
        async with self._read() as conn:
            return await _session_by_id(conn, session_id)

    async def active_session(self, chat_id: int, user_id: int | None) -> QuizSession | None:
        """The student's (or the group round's) active session in a chat, if any."""
        key = (chat_id, user_id)
        if self._no_session.get(key, 0.0) > time.monotonic():
            return None
        writes = self._session_writes
        async with self._read() as conn:
            session = await _active_session(conn, chat_id, user_id)
        if session is None and self._caching and writes == self._session_writes:
            _bounded(self._no_session)[key] = time.monotonic() + NO_SESSION_TTL
        return session

    def _sessions_changed(self, key: tuple[int, int | None] | None = None) -> None:
        """Forget cached "no quiz pending" (for `key`, or all): a session may exist now.
        Counting the changes keeps a read that raced with one from caching its answer."""
        self._session_writes += 1
        if key is None:
            self._no_session.clear()
        else:
            self._no_session.pop(key, None)

    async def save_session(
        self,
        session: QuizSession,
        *,
        position: int,
        state: dict[str, Any],
        status: SessionStatus,
        now: datetime,
        answer: Answer | None = None,
        memory_update: Memory | None = None,
    ) -> bool:
        """Move a session on, with the answer and memory it produced, all or nothing.

        Succeeds only if the session is still active at `session.revision`: a double tap
        or a second process that got there first makes this return False, changing nothing.
        """
        finished_at = None if status is SessionStatus.ACTIVE else now
        async with self._write() as conn:
            result = await conn.execute(
                quiz_sessions.update()
                .where(
                    quiz_sessions.c.id == session.id,
                    quiz_sessions.c.revision == session.revision,
                    quiz_sessions.c.status == SessionStatus.ACTIVE,
                )
                .values(
                    position=position,
                    state=state,
                    status=status,
                    revision=session.revision + 1,
                    updated_at=now,
                    finished_at=finished_at,
                )
            )
            if result.rowcount != 1:
                return False
            if answer is not None:
                await conn.execute(answers.insert().values(**_as_values(answer)))
            if memory_update is not None:
                await conn.execute(_upsert_memory(conn, memory_update))
        return True

    async def record_answer(self, answer: Answer) -> None:
        """Store an answer given outside `save_session` (e.g. a group poll)."""
        async with self._write() as conn:
            await conn.execute(answers.insert().values(**_as_values(answer)))

    async def session_answers(self, session_id: int) -> list[Answer]:
        """The session's answers, oldest first."""
        query = (
            sa.select(*_columns_of(answers, Answer))
            .where(answers.c.session_id == session_id)
            .order_by(answers.c.answered_at, answers.c.id)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [Answer(**row._mapping) for row in rows]

    # spaced-repetition memory

    async def get_memory(self, user_id: int, question_id: str) -> Memory | None:
        query = memory.select().where(
            memory.c.user_id == user_id, memory.c.question_id == question_id
        )
        async with self._read() as conn:
            row = (await conn.execute(query)).first()
        return Memory(**row._mapping) if row else None

    async def put_memory(self, item: Memory) -> None:
        async with self._write() as conn:
            await conn.execute(_upsert_memory(conn, item))

    async def due_question_ids(self, user_id: int, at: datetime) -> list[str]:
        """Questions due for review at `at`, most overdue first."""
        query = (
            sa.select(memory.c.question_id)
            .where(memory.c.user_id == user_id, memory.c.due_at <= at)
            .order_by(memory.c.due_at, memory.c.question_id)
        )
        async with self._read() as conn:
            return list((await conn.scalars(query)).all())

    async def count_due(self, user_id: int, at: datetime) -> int:
        query = sa.select(sa.func.count()).where(memory.c.user_id == user_id, memory.c.due_at <= at)
        async with self._read() as conn:
            return int(await conn.scalar(query) or 0)

    async def next_due_at(self, user_id: int) -> datetime | None:
        """When the student's earliest review falls due; None if they have none."""
        async with self._read() as conn:
            earliest = await conn.scalar(
                sa.select(sa.func.min(memory.c.due_at)).where(memory.c.user_id == user_id)
            )
        return earliest

    async def reviewed_question_ids(self, user_id: int) -> list[str]:
        """Every question the student has answered, least recently reviewed first."""
        query = (
            sa.select(memory.c.question_id)
            .where(memory.c.user_id == user_id)
            .order_by(memory.c.last_review_at, memory.c.question_id)
        )
        async with self._read() as conn:
            return list((await conn.scalars(query)).all())

    # statistics

    async def topic_accuracy(self, user_id: int) -> dict[str, TopicAccuracy]:
        """Answers and correct answers per topic, for one student."""
        query = (
            sa.select(
                answers.c.topic_id,
                sa.func.count().label("answered"),
                sa.func.sum(sa.case((answers.c.correct, 1), else_=0)).label("correct"),
            )
            .where(answers.c.user_id == user_id)
            .group_by(answers.c.topic_id)
            .order_by(answers.c.topic_id)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return {
            row.topic_id: TopicAccuracy(row.topic_id, int(row.answered), int(row.correct))
            for row in rows
        }

    async def daily_answer_counts(
        self, user_id: int, tz: ZoneInfo, *, since: datetime | None = None
    ) -> dict[date, int]:
        """Answers per local calendar day in `tz` (days without answers are absent).

        Days are counted in Python because SQLite has no time-zone database.
        """
        query = sa.select(answers.c.answered_at).where(answers.c.user_id == user_id)
        if since is not None:
            query = query.where(answers.c.answered_at >= since)
        async with self._read() as conn:
            times = (await conn.scalars(query)).all()
        return dict(Counter(local_date(at, tz) for at in times))

    async def group_scores(
        self, chat_id: int, *, since: datetime | None = None
    ) -> list[GroupScore]:
        """The chat's leaderboard from its group sessions' answers, best first."""
        correct = sa.func.sum(sa.case((answers.c.correct, 1), else_=0))
        query = (
            sa.select(
                answers.c.user_id,
                users.c.first_name,
                users.c.username,
                sa.func.count().label("answered"),
                correct.label("correct"),
            )
            .join(quiz_sessions, answers.c.session_id == quiz_sessions.c.id)
            .join(users, answers.c.user_id == users.c.user_id)
            .where(quiz_sessions.c.chat_id == chat_id, quiz_sessions.c.kind == SessionKind.GROUP)
            .group_by(answers.c.user_id, users.c.first_name, users.c.username)
            .order_by(correct.desc(), sa.func.count(), answers.c.user_id)
        )
        if since is not None:
            query = query.where(answers.c.answered_at >= since)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [GroupScore(**row._mapping) for row in rows]

    # group rounds

    async def add_group_poll(self, poll: GroupPoll) -> bool:
        """Remember a posted round poll; False if that question of the round has one already."""
        values = {**_as_values(poll), "option_order": list(poll.option_order)}
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        async with self._write() as conn:
            result = await conn.execute(
                dialect_insert(group_polls).values(**values).on_conflict_do_nothing()
            )
        return result.rowcount == 1

    async def claim_round_poll(self, session_id: int, position: int, *, now: datetime) -> bool:
        """Claim the posting of a round's poll at `position`, before it is sent: True for
        exactly one caller in any process (the primary key decides)."""
        values = {"session_id": session_id, "position": position, "claimed_at": now}
        async with self._write() as conn:
            statement = insert_ignoring(
                conn, round_poll_claims, [values], ["session_id", "position"]
            )
            result = await conn.execute(statement)
        return result.rowcount == 1

    async def release_round_poll(self, session_id: int, position: int) -> None:
        """Give back a poll claim whose poll certainly was not posted (a flood wait)."""
        async with self._write() as conn:
            await conn.execute(
                round_poll_claims.delete().where(
                    round_poll_claims.c.session_id == session_id,
                    round_poll_claims.c.position == position,
                )
            )

    async def round_poll_claimed_at(self, session_id: int, position: int) -> datetime | None:
        """When the poll at `position` of a round was claimed for posting, if it was."""
        query = sa.select(round_poll_claims.c.claimed_at).where(
            round_poll_claims.c.session_id == session_id,
            round_poll_claims.c.position == position,
        )
        async with self._read() as conn:
            return await conn.scalar(query)

    async def group_poll(self, poll_id: str) -> GroupPoll | None:
        query = group_polls.select().where(group_polls.c.poll_id == poll_id)
        async with self._read() as conn:
            row = (await conn.execute(query)).first()
        return _group_poll_from_row(row._mapping) if row else None

    async def group_polls(self, session_id: int) -> list[GroupPoll]:
        """The round's polls in the order they were asked."""
        query = (
            group_polls.select()
            .where(group_polls.c.session_id == session_id)
            .order_by(group_polls.c.position)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [_group_poll_from_row(row._mapping) for row in rows]

    async def active_group_sessions(self) -> list[QuizSession]:
        """Every group round still running, in any chat (to resume them after a restart)."""
        query = (
            quiz_sessions.select()
            .where(
                quiz_sessions.c.kind == SessionKind.GROUP,
                quiz_sessions.c.status == SessionStatus.ACTIVE,
            )
            .order_by(quiz_sessions.c.id)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [_session_from_row(row._mapping) for row in rows]

    async def record_group_answer(self, answer: Answer, memory_update: Memory) -> bool:
        """Store a student's answer to a round question with their memory, at most once.

        False, changing nothing, when the round has ended or the student already answered
        that question (Telegram may deliver a poll answer twice). The round's row is locked
        first, so two processes cannot both count the same answer.
        """
        session_id = answer.session_id
        async with self._write() as conn:
            status = await conn.scalar(
                sa.select(quiz_sessions.c.status)
                .where(quiz_sessions.c.id == session_id)
                .with_for_update()
            )
            if status != SessionStatus.ACTIVE:
                return False
            already = await conn.scalar(
                sa.select(answers.c.id).where(
                    answers.c.session_id == session_id,
                    answers.c.user_id == answer.user_id,
                    answers.c.question_id == answer.question_id,
                )
            )
            if already is not None:
                return False
            await conn.execute(answers.insert().values(**_as_values(answer)))
            await conn.execute(_upsert_memory(conn, memory_update))
        return True

    async def group_topic_accuracy(
        self, chat_id: int, *, since: datetime | None = None
    ) -> dict[str, TopicAccuracy]:
        """Answers and correct answers per topic in the chat's group rounds (the class)."""
        query = (
            sa.select(
                answers.c.topic_id,
                sa.func.count().label("answered"),
                sa.func.sum(sa.case((answers.c.correct, 1), else_=0)).label("correct"),
            )
            .join(quiz_sessions, answers.c.session_id == quiz_sessions.c.id)
            .where(quiz_sessions.c.chat_id == chat_id, quiz_sessions.c.kind == SessionKind.GROUP)
            .group_by(answers.c.topic_id)
            .order_by(answers.c.topic_id)
        )
        if since is not None:
            query = query.where(answers.c.answered_at >= since)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return {
            row.topic_id: TopicAccuracy(row.topic_id, int(row.answered), int(row.correct))
            for row in rows
        }

    # privacy

    async def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete everything about a student; returns how many rows went from each table.

        That is their user row, answers (in group sessions too), memory, their own
        sessions, and their private chat (the chat whose id is their user id, as in
        Telegram) with its subscription and push log.
        """
        deletions = (
            answers.delete().where(answers.c.user_id == user_id),
            memory.delete().where(memory.c.user_id == user_id),
            quiz_sessions.delete().where(
                sa.or_(quiz_sessions.c.user_id == user_id, quiz_sessions.c.chat_id == user_id)
            ),
            subscriptions.delete().where(subscriptions.c.chat_id == user_id),
            push_log.delete().where(push_log.c.chat_id == user_id),
            exams.delete().where(exams.c.chat_id == user_id),
            teacher_groups.delete().where(teacher_groups.c.user_id == user_id),
            chats.delete().where(chats.c.chat_id == user_id, chats.c.kind == ChatKind.PRIVATE),
            users.delete().where(users.c.user_id == user_id),
        )
        counts: dict[str, int] = {}
        self._fresh_users.pop(user_id, None)
        self._sessions_changed()
        async with self._write() as conn:
            for statement in deletions:
                result = await conn.execute(statement)
                counts[statement.table.name] = result.rowcount  # type: ignore[attr-defined]
        return counts

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about one student, as JSON-serialisable data."""
        selections = {
            "users": users.select().where(users.c.user_id == user_id),
            "chats": chats.select().where(
                chats.c.chat_id == user_id, chats.c.kind == ChatKind.PRIVATE
            ),
            "subscriptions": subscriptions.select().where(subscriptions.c.chat_id == user_id),
            "exams": exams.select().where(exams.c.chat_id == user_id),
            "quiz_sessions": quiz_sessions.select()
            .where(quiz_sessions.c.user_id == user_id)
            .order_by(quiz_sessions.c.id),
            "answers": answers.select().where(answers.c.user_id == user_id).order_by(answers.c.id),
            "memory": memory.select()
            .where(memory.c.user_id == user_id)
            .order_by(memory.c.question_id),
            "teacher_groups": teacher_groups.select()
            .where(teacher_groups.c.user_id == user_id)
            .order_by(teacher_groups.c.chat_id),
        }
        return await self._export(selections)

    async def export_all(self) -> dict[str, Any]:
        """Every row of every table, as JSON-serialisable data (a backup, a move)."""
        selections = {
            table.name: table.select().order_by(*table.primary_key.columns) for table in DATA_TABLES
        }
        return await self._export(selections)

    async def _export(self, selections: Mapping[str, sa.Select[Any]]) -> dict[str, Any]:
        exported: dict[str, Any] = {"schema_version": await self.schema_version()}
        async with self._read() as conn:
            for name, query in selections.items():
                rows = (await conn.execute(query)).all()
                exported[name] = [_jsonable_row(row._mapping) for row in rows]
        return exported


# engine set-up and migrations

_IMMEDIATE = "tutor_sqlite_immediate"
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def create_engine(url: str, *, schema: str | None = None) -> AsyncEngine:
    """An engine for `url` set up as the store needs it (see `Store.open` for `schema`).

    `hide_parameters`: a failing statement is logged with its traceback, and its bound
    parameters would carry students' names and typed answers into the log.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if schema is not None:
            raise ValueError("schema= is for PostgreSQL; use another SQLite file instead")
        return _create_sqlite_engine(url, parsed.database)
    if parsed.get_backend_name() == "postgresql":
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"schema must be a lower-case identifier, got {schema!r}")
        settings = {"search_path": schema} if schema else {}
        return create_async_engine(
            url,
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args={"server_settings": settings},
        )
    raise ValueError(
        f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL"
    )


def _create_sqlite_engine(url: str, database: str | None) -> AsyncEngine:
    in_memory = not database or database == ":memory:"
    if database and not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        hide_parameters=True,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        poolclass=StaticPool if in_memory else None,
    )
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    event.listen(engine.sync_engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """WAL and foreign keys on; we issue BEGIN ourselves (see `_begin_sqlite_transaction`)."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """`PRAGMA journal_mode=WAL`, retried: SQLite can answer "database is locked" at once,
    without waiting on the busy handler, while another process is creating the same file."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as error:  # the driver's OperationalError, wrapped or not
            if "locked" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _begin_sqlite_transaction(conn: Connection) -> None:
    """Writers take the write lock at BEGIN, so they queue instead of failing mid-way."""
    immediate = conn.get_execution_options().get(_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


async def migrate(
    engine: AsyncEngine, *, target: int | None = None, schema: str | None = None
) -> int:
    """Apply the missing migrations up to `target` (default: latest); returns the version."""
    goal = LATEST_VERSION if target is None else target
    if not 0 <= goal <= LATEST_VERSION:
        raise ValueError(f"no schema version {goal}; the latest is {LATEST_VERSION}")
    async with engine.connect() as conn:
        await conn.execution_options(**{_IMMEDIATE: True})
        async with conn.begin():
            return await conn.run_sync(_migrate_locked, goal, schema)


def _migrate_locked(conn: Connection, goal: int, schema: str | None) -> int:
    if conn.dialect.name == "postgresql":
        key = zlib.crc32(f"tutor-migrations:{schema or ''}".encode())
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        if schema:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    schema_version.create(conn, checkfirst=True)
    current = conn.scalar(sa.select(sa.func.max(schema_version.c.version))) or 0
    if current > LATEST_VERSION:
        raise SchemaTooNewError(
            f"database schema is version {current}; this code knows up to {LATEST_VERSION}"
        )
    for version in range(current + 1, goal + 1):
        step = MIGRATIONS[version - 1]
        step(conn)
        conn.execute(
            schema_version.insert().values(
                version=version,
                description=(step.__doc__ or step.__name__).strip(),
                applied_at=utc_now(),
            )
        )
    return max(current, goal)


async def _current_version(conn: AsyncConnection) -> int:
    return int(await conn.scalar(sa.select(sa.func.max(schema_version.c.version))) or 0)


# statement helpers


def subscription_from_row(row: Mapping[str, Any]) -> Subscription:
    return Subscription(**{field.name: row[field.name] for field in fields(Subscription)})


def insert_ignoring(
    conn: AsyncConnection, table: sa.Table, values: list[dict[str, Any]], keys: Sequence[str]
) -> Any:
    """A many-row INSERT ... ON CONFLICT (keys) DO NOTHING, per dialect."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return dialect_insert(table).values(values).on_conflict_do_nothing(index_elements=list(keys))


def _upsert(
    conn: AsyncConnection | Connection,
    table: sa.Table,
    values: Mapping[str, Any],
    keys: Sequence[str],
    update: Sequence[str],
) -> sa.Insert:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET `update` (DO NOTHING if none), per dialect."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(table).values(**values)
    if not update:
        return statement.on_conflict_do_nothing(index_elements=list(keys))
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
    )


def _upsert_memory(conn: AsyncConnection, item: Memory) -> sa.Insert:
    return _upsert(
        conn,
        memory,
        _as_values(item),
        ["user_id", "question_id"],
        ["card", "due_at", "last_review_at"],
    )


def _upsert_migrated_chat(
    conn: AsyncConnection, old: Mapping[str, Any], new_id: int, now: datetime
) -> sa.Insert:
    """The supergroup's row, carrying over the old group's settings and time zone."""
    values = {
        **old,
        "chat_id": new_id,
        "kind": ChatKind.SUPERGROUP,
        "migrated_to": None,
        "created_at": now,
        "updated_at": now,
    }
    carried = ["settings", "time_zone", "paused", "paused_reason", "updated_at"]
    return _upsert(conn, chats, values, ["chat_id"], carried)


def _stop_sessions_clashing_with(old_id: int, new_id: int, now: datetime) -> sa.Update:
    """Stop old-chat sessions whose student already has an active one in the new chat."""
    other = quiz_sessions.alias("other")
    clash = (
        sa.select(other.c.id)
        .where(
            other.c.chat_id == new_id,
            other.c.user_id == quiz_sessions.c.user_id,
            other.c.status == SessionStatus.ACTIVE,
        )
        .exists()
    )
    return (
        quiz_sessions.update()
        .where(
            quiz_sessions.c.chat_id == old_id,
            quiz_sessions.c.status == SessionStatus.ACTIVE,
            clash,
        )
        .values(status=SessionStatus.STOPPED, finished_at=now, updated_at=now)
    )


def _move_subscription(old_id: int, new_id: int) -> sa.Update:
    taken = sa.select(subscriptions.c.chat_id).where(subscriptions.c.chat_id == new_id)
    return (
        subscriptions.update()
        .where(subscriptions.c.chat_id == old_id, ~taken.exists())
        .values(chat_id=new_id)
    )


def _move_push_days(old_id: int, new_id: int) -> sa.Update:
    other = push_log.alias("other")
    taken_days = sa.select(other.c.local_date).where(other.c.chat_id == new_id)
    return (
        push_log.update()
        .where(push_log.c.chat_id == old_id, push_log.c.local_date.not_in(taken_days))
        .values(chat_id=new_id)
    )


def _move_exam(old_id: int, new_id: int) -> sa.Update:
    """The group's exam follows it to the supergroup, unless the supergroup has one."""
    taken = sa.select(exams.c.chat_id).where(exams.c.chat_id == new_id).exists()
    return exams.update().where(exams.c.chat_id == old_id, ~taken).values(chat_id=new_id)


def _owner_filter(chat_id: int, user_id: int | None) -> sa.ColumnElement[bool]:
    user_match = (
        quiz_sessions.c.user_id.is_(None) if user_id is None else quiz_sessions.c.user_id == user_id
    )
    return sa.and_(quiz_sessions.c.chat_id == chat_id, user_match)


async def _active_session(
    conn: AsyncConnection, chat_id: int, user_id: int | None
) -> QuizSession | None:
    query = (
        quiz_sessions.select()
        .where(_owner_filter(chat_id, user_id), quiz_sessions.c.status == SessionStatus.ACTIVE)
        .order_by(quiz_sessions.c.id.desc())
    )
    row = (await conn.execute(query)).first()
    return _session_from_row(row._mapping) if row else None


async def _session_by_id(conn: AsyncConnection, session_id: int) -> QuizSession | None:
    query = quiz_sessions.select().where(quiz_sessions.c.id == session_id)
    row = (await conn.execute(query)).first()
    return _session_from_row(row._mapping) if row else None


async def _insert_session(conn: AsyncConnection, new: NewSession) -> int:
    result = await conn.execute(
        quiz_sessions.insert().values(
            chat_id=new.chat_id,
            user_id=new.user_id,
            kind=new.kind,
            question_ids=list(new.question_ids),
            position=0,
            state=new.state,
            revision=0,
            status=SessionStatus.ACTIVE,
            started_at=new.started_at,
            updated_at=new.started_at,
        )
    )
    return int(result.inserted_primary_key[0])


def _finish(session: QuizSession, status: SessionStatus, now: datetime) -> sa.Update:
    return (
        quiz_sessions.update()
        .where(quiz_sessions.c.id == session.id)
        .values(status=status, finished_at=now, updated_at=now, revision=session.revision + 1)
    )


# row conversion


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
