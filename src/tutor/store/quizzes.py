"""Quiz sessions, answers, spaced-repetition memory and statistics."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tutor.clock import local_date
from tutor.store.base import NO_SESSION_TTL, StoreBase, _bounded
from tutor.store.records import (
    Answer,
    Memory,
    NewSession,
    QuizSession,
    TopicAccuracy,
    _as_values,
    _columns_of,
    _session_from_row,
)
from tutor.store.schema import SessionStatus, answers, chats, memory, quiz_sessions
from tutor.store.sql import _owner_filter, _upsert


def _upsert_memory(conn: AsyncConnection, item: Memory) -> sa.Insert:
    return _upsert(
        conn,
        memory,
        _as_values(item),
        ["user_id", "question_id"],
        ["card", "due_at", "last_review_at"],
    )


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


class QuizStore(StoreBase):
    """Quiz sessions, answers, spaced-repetition memory and statistics."""

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
