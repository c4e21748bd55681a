"""Users and chats: names, time zones, settings, pauses, migration."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tutor.store.base import USER_REFRESH_TTL, StoreBase, _bounded
from tutor.store.records import Chat, ChatSettings, User, _chat_from_row
from tutor.store.schema import (
    ChatKind,
    SessionStatus,
    answers,
    chats,
    exams,
    push_log,
    quiz_sessions,
    subscriptions,
    users,
)
from tutor.store.sql import _upsert


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


class PeopleStore(StoreBase):
    """Users and chats: names, time zones, settings, pauses, migration."""

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
