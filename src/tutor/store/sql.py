"""Statement helpers shared by the parts of the store (dialect-aware upserts, filters)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from tutor.store.schema import quiz_sessions


def dialect_insert(dialect_name: str) -> Callable[[sa.Table], Any]:
    """The INSERT with ON CONFLICT of a dialect ("sqlite" or "postgresql"). Imported on
    first use: a SQLite bot need not load the PostgreSQL dialect (about 2 MiB)."""
    module = "postgresql" if dialect_name == "postgresql" else "sqlite"
    insert: Callable[[sa.Table], Any] = importlib.import_module(
        f"sqlalchemy.dialects.{module}"
    ).insert
    return insert


def insert_ignoring(
    conn: AsyncConnection, table: sa.Table, values: list[dict[str, Any]], keys: Sequence[str]
) -> Any:
    """A many-row INSERT ... ON CONFLICT (keys) DO NOTHING, per dialect."""
    statement = dialect_insert(conn.dialect.name)(table).values(values)
    return statement.on_conflict_do_nothing(index_elements=list(keys))


def _upsert(
    conn: AsyncConnection | Connection,
    table: sa.Table,
    values: Mapping[str, Any],
    keys: Sequence[str],
    update: Sequence[str],
) -> sa.Insert:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET `update` (DO NOTHING if none), per dialect."""
    statement = dialect_insert(conn.dialect.name)(table).values(**values)
    if not update:
        return statement.on_conflict_do_nothing(index_elements=list(keys))
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
    )


def _owner_filter(chat_id: int, user_id: int | None) -> sa.ColumnElement[bool]:
    user_match = (
        quiz_sessions.c.user_id.is_(None) if user_id is None else quiz_sessions.c.user_id == user_id
    )
    return sa.and_(quiz_sessions.c.chat_id == chat_id, user_match)
