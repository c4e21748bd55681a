"""Shared fixtures: a frozen clock, and a `Store` on SQLite and on PostgreSQL.

Tests that take `database` or `store` run once per backend. The PostgreSQL run needs
TUTOR_TEST_POSTGRES_URL (start a throwaway server with `eval "$(scripts/postgres.sh)"`)
and is skipped without it; each PostgreSQL test gets a schema of its own, dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tutor.clock import FrozenClock
from tutor.store import Store, sqlite_url

POSTGRES_URL = os.environ.get("TUTOR_TEST_POSTGRES_URL", "")
START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # a Monday morning in London


@dataclass(frozen=True, slots=True)
class Database:
    """Where a test's store lives: a URL and, on PostgreSQL, a schema of its own."""

    url: str
    schema: str | None = None

    async def open(self) -> Store:
        return await Store.open(self.url, schema=self.schema)


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not POSTGRES_URL,
                reason='TUTOR_TEST_POSTGRES_URL is not set: run eval "$(scripts/postgres.sh)"',
            ),
        ],
    ),
]


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        yield Database(sqlite_url(tmp_path / "tutor.sqlite3"))
        return
    schema = f"test_{uuid.uuid4().hex[:16]}"
    yield Database(POSTGRES_URL, schema)
    await _drop_schema(POSTGRES_URL, schema)


@pytest.fixture
async def store(database: Database) -> AsyncIterator[Store]:
    opened = await database.open()
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


async def _drop_schema(url: str, schema: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()
