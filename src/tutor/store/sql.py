"""Statement helpers shared by the parts of the store (dialect-aware upserts, filters)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from tutor.store.schema import quiz_sessions


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


def _owner_filter(chat_id: int, user_id: int | None) -> sa.ColumnElement[bool]:
    user_match = (
        quiz_sessions.c.user_id.is_(None) if user_id is None else quiz_sessions.c.user_id == user_id
    )
    return sa.and_(quiz_sessions.c.chat_id == chat_id, user_match)
