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
database matches the module-level tables, so drift fails a test."""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from tutor.clock import as_utc, utc_now

SQLITE_BUSY_TIMEOUT_SECONDS = 30
"""How long a SQLite writer waits for another one: long enough for a migration."""


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
    sa.Column(
        "card_id",
        sa.String(100),
        comment="the card sent (pending), marked not what was asked, or opened as a closest note",
    ),
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


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite database file."""
    return f"sqlite+aiosqlite:///{path}"


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
