"""Class-group quiz rounds: polls, answers and scores."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from tutor.store.base import StoreBase
from tutor.store.quizzes import _upsert_memory
from tutor.store.records import (
    Answer,
    GroupPoll,
    GroupScore,
    Memory,
    QuizSession,
    TopicAccuracy,
    _as_values,
    _group_poll_from_row,
    _session_from_row,
)
from tutor.store.schema import (
    SessionKind,
    SessionStatus,
    answers,
    group_polls,
    quiz_sessions,
    round_poll_claims,
    users,
)
from tutor.store.sql import dialect_insert, insert_ignoring


class GroupStore(StoreBase):
    """Class-group quiz rounds: polls, answers and scores."""

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

    async def add_group_poll(self, poll: GroupPoll) -> bool:
        """Remember a posted round poll; False if that question of the round has one already."""
        values = {**_as_values(poll), "option_order": list(poll.option_order)}
        insert = dialect_insert(self.dialect)
        async with self._write() as conn:
            result = await conn.execute(
                insert(group_polls).values(**values).on_conflict_do_nothing()
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
