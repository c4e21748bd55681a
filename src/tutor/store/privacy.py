"""What `/forget` deletes and `tutor export` writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from tutor.store.base import StoreBase
from tutor.store.records import _jsonable_row
from tutor.store.schema import (
    DATA_TABLES,
    ChatKind,
    answers,
    chats,
    exams,
    memory,
    push_log,
    quiz_sessions,
    subscriptions,
    teacher_groups,
    users,
)


class PrivacyStore(StoreBase):
    """What `/forget` deletes and `tutor export` writes."""

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
