"""Connections and the in-memory caches shared by every part of the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tutor.store.schema import (
    _IMMEDIATE,
    _current_version,
    create_engine,
    migrate,
)

NO_SESSION_TTL = 300.0
"""Seconds "no quiz pending" is answered from memory (SQLite; see `Store`)."""


USER_REFRESH_TTL = 300.0
"""Seconds an unchanged student row is not written again (SQLite; see `Store`)."""


CACHE_LIMIT = 50_000
"""Entries per in-memory cache; a full one starts again empty."""


def _bounded(cache: dict[Any, Any]) -> dict[Any, Any]:
    """`cache`, emptied first if it is full: a restart's worth of misses, no eviction code."""
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    return cache


class StoreBase:
    """Connection handling shared by every part of the store.

    Two small in-memory caches spare the database on every message, on SQLite only,
    where one bot process owns the file (several processes need PostgreSQL, where
    every read goes to the database):

    - "no quiz pending" per (chat, student): `active_session` answers None from memory
      until a session is started for them (`start_session`) or their data moves or goes
      (`migrate_chat`, `forget_user`), at most `NO_SESSION_TTL` seconds.
    - "this student's row is up to date": `upsert_user` with the same names within
      `USER_REFRESH_TTL` seconds writes nothing (`last_seen_at` lags by at most that).
    """

    _engine: AsyncEngine

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._caching = engine.dialect.name == "sqlite"
        self._no_session: dict[tuple[int, int | None], float] = {}
        self._session_writes = 0
        self._fresh_users: dict[int, tuple[str, str | None, float]] = {}

    @classmethod
    async def open(cls, url: str, *, schema: str | None = None) -> Self:
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

    async def __aenter__(self) -> Self:
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
