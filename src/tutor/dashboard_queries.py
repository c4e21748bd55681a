"""The class queries behind the teachers' dashboard (`tutor.dashboard`): members, their
names, answers per topic, active days, weeks, rounds and daily pushes of one group.

Each takes an open connection and reads the tables `tutor.store` declares (the one schema
owner); none writes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tutor.store import (
    SessionKind,
    answers,
    push_log,
    quiz_sessions,
    users,
)

WEEKS_SHOWN = 12
STREAK_WINDOW_DAYS = 120
"""Streaks are counted over this many days (a longer one shows as "120+")."""
ROUNDS_SHOWN = 20
PUSHES_SHOWN = 14


@dataclass(frozen=True, slots=True)
class Week:
    starts: date
    students: int
    answers: int


@dataclass(frozen=True, slots=True)
class Round:
    started_at: datetime
    status: str
    questions: int
    students: int
    answers: int
    correct: int


@dataclass(frozen=True, slots=True)
class DailyPush:
    local_date: date
    status: str
    students: int
    answers: int
    correct: int


async def per_topic(conn: AsyncConnection, member_ids: list[int]) -> Sequence[Any]:
    correct = sa.func.sum(sa.case((answers.c.correct, 1), else_=0))
    query = (
        sa.select(
            answers.c.user_id,
            answers.c.topic_id,
            sa.func.count().label("answered"),
            correct.label("correct"),
            sa.func.max(answers.c.answered_at).label("last"),
        )
        .where(answers.c.user_id.in_(member_ids))
        .group_by(answers.c.user_id, answers.c.topic_id)
    )
    return (await conn.execute(query)).all()


async def members(conn: AsyncConnection, chat_id: int) -> list[int]:
    query = sa.select(answers.c.user_id).where(answers.c.chat_id == chat_id).distinct()
    return sorted((await conn.scalars(query)).all())


async def names(conn: AsyncConnection, member_ids: list[int]) -> dict[int, str]:
    rows = (
        await conn.execute(
            sa.select(users.c.user_id, users.c.first_name, users.c.username).where(
                users.c.user_id.in_(member_ids)
            )
        )
    ).all()
    firsts = Counter(row.first_name for row in rows)
    return {
        row.user_id: (
            f"{row.first_name} (@{row.username})"
            if firsts[row.first_name] > 1 and row.username
            else row.first_name
        )
        for row in rows
    }


def _local_day(conn: AsyncConnection, tz: ZoneInfo, now: datetime) -> sa.ColumnElement[Any]:
    """The local calendar day of `answered_at` in SQL.

    PostgreSQL converts with its own time-zone database; SQLite has none, so it shifts by
    the zone's offset now (off by one hour for answers on the other side of a DST change,
    near midnight only).
    """
    if conn.dialect.name == "postgresql":
        return sa.func.date(sa.func.timezone(tz.key, answers.c.answered_at))
    offset = now.astimezone(tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return sa.func.date(answers.c.answered_at, f"{minutes:+d} minutes")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def active_days(
    conn: AsyncConnection, member_ids: list[int], tz: ZoneInfo, now: datetime
) -> dict[int, set[date]]:
    day = _local_day(conn, tz, now)
    rows = (
        await conn.execute(
            sa.select(answers.c.user_id, day.label("day"))
            .where(
                answers.c.user_id.in_(member_ids),
                answers.c.answered_at >= now - timedelta(days=STREAK_WINDOW_DAYS),
            )
            .group_by(answers.c.user_id, day)
        )
    ).all()
    days: dict[int, set[date]] = defaultdict(set)
    for row in rows:
        days[row.user_id].add(_as_date(row.day))
    return days


async def weeks(
    conn: AsyncConnection, member_ids: list[int], tz: ZoneInfo, now: datetime
) -> list[Week]:
    """Students active and answers given per week (Monday first), the last 12 weeks."""
    today = now.astimezone(tz).date()
    first_monday = today - timedelta(days=today.weekday(), weeks=WEEKS_SHOWN - 1)
    students: dict[date, set[int]] = defaultdict(set)
    counts: Counter[date] = Counter()
    if member_ids:
        day = _local_day(conn, tz, now)
        since = now - timedelta(days=(today - first_monday).days + 1)
        rows = (
            await conn.execute(
                sa.select(answers.c.user_id, day.label("day"), sa.func.count().label("n"))
                .where(answers.c.user_id.in_(member_ids), answers.c.answered_at >= since)
                .group_by(answers.c.user_id, day)
            )
        ).all()
        for row in rows:
            local = _as_date(row.day)
            if local < first_monday:
                continue
            monday = local - timedelta(days=local.weekday())
            students[monday].add(row.user_id)
            counts[monday] += row.n
    mondays = [first_monday + timedelta(weeks=n) for n in range(WEEKS_SHOWN)]
    return [Week(monday, len(students[monday]), counts[monday]) for monday in mondays]


async def rounds(conn: AsyncConnection, chat_id: int) -> list[Round]:
    sessions = (
        await conn.execute(
            sa.select(
                quiz_sessions.c.id,
                quiz_sessions.c.started_at,
                quiz_sessions.c.status,
                quiz_sessions.c.question_ids,
            )
            .where(quiz_sessions.c.chat_id == chat_id, quiz_sessions.c.kind == SessionKind.GROUP)
            .order_by(quiz_sessions.c.started_at.desc(), quiz_sessions.c.id.desc())
            .limit(ROUNDS_SHOWN)
        )
    ).all()
    if not sessions:
        return []
    totals = {
        row.session_id: row
        for row in (
            await conn.execute(
                sa.select(
                    answers.c.session_id,
                    sa.func.count().label("n"),
                    sa.func.sum(sa.case((answers.c.correct, 1), else_=0)).label("right"),
                    sa.func.count(sa.distinct(answers.c.user_id)).label("students"),
                )
                .where(answers.c.session_id.in_([s.id for s in sessions]))
                .group_by(answers.c.session_id)
            )
        ).all()
    }
    rounds = []
    for session in sessions:
        total = totals.get(session.id)
        rounds.append(
            Round(
                started_at=session.started_at,
                status=session.status,
                questions=len(session.question_ids),
                students=int(total.students) if total else 0,
                answers=int(total.n) if total else 0,
                correct=int(total.right or 0) if total else 0,
            )
        )
    return rounds


async def pushes(conn: AsyncConnection, chat_id: int, tz: ZoneInfo) -> list[DailyPush]:
    """The group's daily quizzes: each push day with the answers given to it that day."""
    pushes = (
        await conn.execute(
            sa.select(push_log.c.local_date, push_log.c.status)
            .where(push_log.c.chat_id == chat_id)
            .order_by(push_log.c.local_date.desc())
            .limit(PUSHES_SHOWN)
        )
    ).all()
    if not pushes:
        return []
    oldest = min(row.local_date for row in pushes)
    rows = (
        await conn.execute(
            sa.select(answers.c.user_id, answers.c.correct, answers.c.answered_at).where(
                answers.c.chat_id == chat_id,
                answers.c.source == SessionKind.DAILY,
                answers.c.answered_at
                >= datetime.combine(oldest, datetime.min.time(), tz) - timedelta(days=1),
            )
        )
    ).all()
    students: dict[date, set[int]] = defaultdict(set)
    counts: Counter[date] = Counter()
    right: Counter[date] = Counter()
    for row in rows:
        local = row.answered_at.astimezone(tz).date()
        students[local].add(row.user_id)
        counts[local] += 1
        right[local] += bool(row.correct)
    return [
        DailyPush(
            row.local_date,
            row.status,
            len(students[row.local_date]),
            counts[row.local_date],
            right[row.local_date],
        )
        for row in pushes
    ]
