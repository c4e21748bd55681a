"""Queries for the exam countdown, over the tables `store.schema` declares.

Kept out of `Store` (the store package's mixins hold the older features' queries) so the
feature lives in one place: `exam.py` for the rules, this module for the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from tutor.store import ChatKind, Store, answers, chats, exams, memory
from tutor.store.sql import dialect_insert


@dataclass(frozen=True, slots=True)
class Exam:
    """An exam date for a private chat (one student) or a group (its class)."""

    chat_id: int
    exam_date: date
    topic_ids: tuple[str, ...]
    """Empty: every topic."""
    set_by: int


@dataclass(frozen=True, slots=True)
class ReviewState:
    """A student's stored FSRS memory of one question."""

    question_id: str
    card: dict[str, object]
    last_review_at: datetime | None


class ExamStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _engine(self) -> AsyncEngine:
        return self._store.engine

    async def set_exam(
        self, chat_id: int, exam_date: date, topic_ids: Sequence[str], set_by: int, now: datetime
    ) -> Exam:
        values = {
            "exam_date": exam_date,
            "topic_ids": list(topic_ids),
            "set_by": set_by,
            "updated_at": now,
        }
        insert = dialect_insert(self._engine.dialect.name)
        statement = insert(exams).values(chat_id=chat_id, created_at=now, **values)
        statement = statement.on_conflict_do_update(index_elements=[exams.c.chat_id], set_=values)
        async with self._engine.begin() as conn:
            await conn.execute(statement)
        return Exam(chat_id, exam_date, tuple(topic_ids), set_by)

    async def clear_exam(self, chat_id: int) -> bool:
        async with self._engine.begin() as conn:
            result = await conn.execute(exams.delete().where(exams.c.chat_id == chat_id))
        return bool(result.rowcount)

    async def exam_of_chat(self, chat_id: int) -> Exam | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(exams.select().where(exams.c.chat_id == chat_id))).first()
        return _exam(row._mapping) if row else None

    async def class_exams_of(self, user_id: int, from_day: date) -> list[tuple[Exam, str]]:
        """Exams (on or after `from_day`) of the groups the student answered in, soonest
        first, with each group's title."""
        groups = sa.select(answers.c.chat_id).where(answers.c.user_id == user_id).distinct()
        query = (
            sa.select(exams, chats.c.title)
            .join(chats, chats.c.chat_id == exams.c.chat_id)
            .where(
                exams.c.chat_id.in_(groups),
                chats.c.kind != ChatKind.PRIVATE,
                exams.c.exam_date >= from_day,
            )
            .order_by(exams.c.exam_date, exams.c.chat_id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(_exam(row._mapping), row.title or "your class") for row in rows]

    async def class_members(self, chat_id: int) -> list[int]:
        """Students who have answered in the group, in id order."""
        query = (
            sa.select(answers.c.user_id)
            .where(answers.c.chat_id == chat_id)
            .distinct()
            .order_by(answers.c.user_id)
        )
        async with self._engine.connect() as conn:
            return list((await conn.scalars(query)).all())

    async def review_states(
        self, user_ids: Iterable[int], question_ids: Iterable[str]
    ) -> dict[int, dict[str, ReviewState]]:
        """Stored memories of these students for these questions, per student."""
        users, questions = list(user_ids), list(question_ids)
        found: dict[int, dict[str, ReviewState]] = {user_id: {} for user_id in users}
        if not users or not questions:
            return found
        query = sa.select(
            memory.c.user_id, memory.c.question_id, memory.c.card, memory.c.last_review_at
        ).where(memory.c.user_id.in_(users), memory.c.question_id.in_(questions))
        async with self._engine.connect() as conn:
            for row in (await conn.execute(query)).all():
                found[row.user_id][row.question_id] = ReviewState(
                    row.question_id, row.card, row.last_review_at
                )
        return found


def _exam(row: sa.RowMapping) -> Exam:
    return Exam(
        chat_id=row["chat_id"],
        exam_date=row["exam_date"],
        topic_ids=tuple(row["topic_ids"]),
        set_by=row["set_by"],
    )
