"""What a teacher's dashboard shows about one class group, read from the store.

Core: no Telegram, no HTML (the page is `tutor.dashboard_page`). The queries live here,
not in `Store`, and use the tables `tutor.store` declares.

The class is everyone who has answered in the group (a round's quiz poll or the group's
daily quiz). For them the dashboard counts every answer they gave — in the group and in
their private quizzes — since that is their revision; it never shows their free text,
their private messages or the questions they asked.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fsrs import Scheduler
from sqlalchemy.ext.asyncio import AsyncConnection

from tutor.gaps import GapGroup, GapLog, group_gaps
from tutor.model import Library, Question, QuestionKind
from tutor.quiz import TRUE_FALSE_OPTIONS, streak_days
from tutor.search import SearchIndex
from tutor.store import (
    ChatKind,
    ChatSettings,
    SessionKind,
    Store,
    answers,
    chats,
    memory,
    push_log,
    quiz_sessions,
    teacher_groups,
    users,
)

T = TypeVar("T")
WEEKS_SHOWN = 12
STREAK_WINDOW_DAYS = 120
"""Streaks are counted over this many days (a longer one shows as "120+")."""
IDLE_AFTER = timedelta(days=7)
ROUNDS_SHOWN = 20
PUSHES_SHOWN = 14
_DECAY = -float(Scheduler().parameters[20])
_FACTOR = 0.9 ** (1 / _DECAY) - 1


@dataclass(frozen=True, slots=True)
class Cell:
    """One student's results in one topic."""

    answered: int
    correct: int
    retrievability: float | None
    """Mean FSRS probability of recalling the topic's questions now (None: none reviewed)."""

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class Student:
    user_id: int
    name: str
    answered: int
    correct: int
    last_answer_at: datetime | None
    streak: int
    topics: dict[str, Cell]

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class OptionCount:
    text: str
    count: int
    correct: bool


@dataclass(frozen=True, slots=True)
class QuestionStat:
    question_id: str
    prompt: str
    card_id: str
    topic_id: str
    answered: int
    correct: int
    options: tuple[OptionCount, ...]
    """Every option of a choice or true/false question, as listed in the deck."""

    @property
    def misconception(self) -> OptionCount | None:
        """The most-chosen wrong option, if anyone chose a wrong one."""
        wrong = [option for option in self.options if not option.correct and option.count]
        return max(wrong, key=lambda option: option.count) if wrong else None


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


@dataclass(frozen=True, slots=True)
class ClassView:
    chat_id: int
    title: str
    time_zone: str
    generated_at: datetime
    topics: tuple[tuple[str, str], ...]
    """(topic id, title) of the class's deck(s), in deck order."""
    students: tuple[Student, ...]
    weeks: tuple[Week, ...]
    questions: tuple[QuestionStat, ...]
    rounds: tuple[Round, ...]
    pushes: tuple[DailyPush, ...]
    gaps: tuple[GapGroup, ...]
    idle: tuple[Student, ...] = field(default=())
    """Students with no answer in the last 7 days."""


@dataclass(frozen=True, slots=True)
class GroupChoice:
    chat_id: int
    title: str


class Dashboard:
    """Builds a `ClassView` for a group from the store, the content and the gap log."""

    def __init__(
        self,
        store: Store,
        library: Library,
        index: SearchIndex,
        gaps: GapLog,
        *,
        default_timezone: str = "Europe/London",
    ) -> None:
        self._engine = store.engine
        self._store = store
        self.library = library
        self._index = index
        self._gaps = gaps
        self._default_timezone = default_timezone

    async def remember_teacher(self, user_id: int, chat_id: int, now: datetime) -> None:
        """An admin asked for this group's dashboard: list it in their group switcher."""
        values = {"user_id": user_id, "chat_id": chat_id, "opened_at": now}
        async with self._engine.begin() as conn:
            exists = await conn.scalar(
                sa.select(teacher_groups.c.user_id).where(
                    teacher_groups.c.user_id == user_id, teacher_groups.c.chat_id == chat_id
                )
            )
            if exists is None:
                await conn.execute(teacher_groups.insert().values(**values))
            else:
                await conn.execute(
                    teacher_groups.update()
                    .where(teacher_groups.c.user_id == user_id, teacher_groups.c.chat_id == chat_id)
                    .values(opened_at=now)
                )

    async def teacher_groups(self, user_id: int | None) -> list[GroupChoice]:
        """Groups to offer in the switcher (still to be checked one by one); `None`: all."""
        query = (
            sa.select(chats.c.chat_id, chats.c.title)
            .where(chats.c.kind.in_([ChatKind.GROUP, ChatKind.SUPERGROUP]))
            .order_by(chats.c.title, chats.c.chat_id)
        )
        if user_id is not None:
            query = query.join(teacher_groups, teacher_groups.c.chat_id == chats.c.chat_id).where(
                teacher_groups.c.user_id == user_id
            )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [GroupChoice(row.chat_id, row.title or f"Group {row.chat_id}") for row in rows]

    async def view(self, chat_id: int, now: datetime) -> ClassView | None:
        """Everything the page shows for the group, or None for a chat we do not know."""
        chat = await self._store.get_chat(chat_id)
        if chat is None:
            return None
        tz_name = chat.time_zone or self._default_timezone
        tz = ZoneInfo(tz_name)
        async with self._engine.connect() as conn:
            member_ids = await _members(conn, chat_id)
        deck_ids = self._deck_ids(chat.settings)
        # Independent reads, each on its own pooled connection: PostgreSQL runs them side
        # by side, and SQLite (WAL) reads in parallel threads.
        students, weeks, questions, rounds, pushes, recent_gaps = await asyncio.gather(
            self._students(member_ids, tz, now),
            self._read(_weeks, member_ids, tz, now),
            self._read(self._question_stats, member_ids, chat.settings),
            self._read(_rounds, chat_id),
            self._read(_pushes, chat_id, tz),
            self._gaps.recent(deck_ids),
        )
        gaps = group_gaps(recent_gaps, self._index, self.library)
        idle = tuple(
            s for s in students if s.last_answer_at is None or now - s.last_answer_at > IDLE_AFTER
        )
        return ClassView(
            chat_id=chat_id,
            title=chat.title or f"Group {chat_id}",
            time_zone=tz_name,
            generated_at=now,
            topics=self._topics(deck_ids),
            students=tuple(students),
            weeks=tuple(weeks),
            questions=tuple(questions),
            rounds=tuple(rounds),
            pushes=tuple(pushes),
            gaps=tuple(gaps),
            idle=idle,
        )

    def _deck_ids(self, settings: ChatSettings) -> list[str]:
        every = [deck.id for deck in self.library.decks]
        return [settings.deck_id] if settings.deck_id in every else every

    def _topics(self, deck_ids: Sequence[str]) -> tuple[tuple[str, str], ...]:
        return tuple(
            (topic.id, topic.title)
            for deck in self.library.decks
            if deck.id in deck_ids
            for topic in deck.topics
        )

    async def _read(self, query: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run one of this module's queries on a connection of its own."""
        async with self._engine.connect() as conn:
            return await query(conn, *args)

    async def _students(self, member_ids: list[int], tz: ZoneInfo, now: datetime) -> list[Student]:
        if not member_ids:
            return []
        per_topic, recall, names, active_days = await asyncio.gather(
            self._read(_per_topic, member_ids),
            self._read(self._retrievability, member_ids, now),
            self._read(_names, member_ids),
            self._read(_active_days, member_ids, tz, now),
        )
        today = now.astimezone(tz).date()
        cells: dict[int, dict[str, Cell]] = defaultdict(dict)
        last: dict[int, datetime] = {}
        for row in per_topic:
            cells[row.user_id][row.topic_id] = Cell(
                int(row.answered), int(row.correct), recall.get((row.user_id, row.topic_id))
            )
            last[row.user_id] = max(row.last, last.get(row.user_id, row.last))
        students = [
            Student(
                user_id=user_id,
                name=names.get(user_id, f"Student {user_id}"),
                answered=sum(cell.answered for cell in cells[user_id].values()),
                correct=sum(cell.correct for cell in cells[user_id].values()),
                last_answer_at=last.get(user_id),
                streak=streak_days(active_days.get(user_id, ()), today),
                topics=dict(cells[user_id]),
            )
            for user_id in member_ids
        ]
        return sorted(students, key=lambda s: (s.name.casefold(), s.user_id))

    async def _retrievability(
        self, conn: AsyncConnection, member_ids: list[int], now: datetime
    ) -> dict[tuple[int, str], float]:
        """Mean recall probability per (student, topic) from their FSRS memory."""
        rows = (
            await conn.execute(
                sa.select(
                    memory.c.user_id,
                    memory.c.question_id,
                    memory.c.card["stability"].as_float().label("stability"),
                    memory.c.card["last_review"].as_string().label("last_review"),
                ).where(memory.c.user_id.in_(member_ids))
            )
        ).all()
        sums: dict[tuple[int, str], list[float]] = defaultdict(list)
        topic_of = {
            q.id: self.library.cards[q.card_id].topic_id
            for q in self.library.questions.values()
            if q.card_id in self.library.cards
        }
        for row in rows:
            topic_id = topic_of.get(row.question_id)
            recall = _recall(row.stability, row.last_review, now)
            if topic_id is not None and recall is not None:
                sums[(row.user_id, topic_id)].append(recall)
        return {key: sum(values) / len(values) for key, values in sums.items()}

    async def _question_stats(
        self, conn: AsyncConnection, member_ids: list[int], settings: ChatSettings
    ) -> list[QuestionStat]:
        if not member_ids:
            return []
        rows = (
            await conn.execute(
                sa.select(
                    answers.c.question_id,
                    answers.c.choice,
                    answers.c.correct,
                    sa.func.count().label("n"),
                )
                .where(answers.c.user_id.in_(member_ids))
                .group_by(answers.c.question_id, answers.c.choice, answers.c.correct)
            )
        ).all()
        answered: Counter[str] = Counter()
        right: Counter[str] = Counter()
        chosen: dict[str, Counter[str]] = defaultdict(Counter)
        for row in rows:
            answered[row.question_id] += row.n
            if row.correct:
                right[row.question_id] += row.n
            if row.choice is not None:
                chosen[row.question_id][row.choice] += row.n
        deck_ids = set(self._deck_ids(settings))
        stats = [
            _question_stat(question, answered[qid], right[qid], chosen[qid], self.library)
            for qid, question in self.library.questions.items()
            if answered[qid] and question.deck_id in deck_ids
        ]
        return sorted(stats, key=lambda s: (s.correct / s.answered, -s.answered, s.question_id))


def _question_stat(
    question: Question, answered: int, correct: int, chosen: Counter[str], library: Library
) -> QuestionStat:
    if question.kind is QuestionKind.CHOICE:
        options = tuple(
            OptionCount(text, chosen[text], text == question.answer) for text in question.options
        )
    elif question.kind is QuestionKind.TRUE_FALSE:
        truth = TRUE_FALSE_OPTIONS[0 if question.truth else 1]
        options = tuple(OptionCount(t, chosen[t], t == truth) for t in TRUE_FALSE_OPTIONS)
    else:
        options = ()
    return QuestionStat(
        question_id=question.id,
        prompt=question.prompt,
        card_id=question.card_id,
        topic_id=library.cards[question.card_id].topic_id,
        answered=answered,
        correct=correct,
        options=options,
    )


def _recall(stability: float | None, last_review: str | None, now: datetime) -> float | None:
    """FSRS-6 retrievability of a stored card at `now` (as `Scheduler.get_card_retrievability`:
    whole days since the last review, the scheduler's decay), or None if never reviewed."""
    if stability is None or last_review is None or stability <= 0:
        return None
    try:
        elapsed_days = max(0, (now - datetime.fromisoformat(last_review)).days)
    except (TypeError, ValueError):
        return None
    return float((1 + _FACTOR * elapsed_days / stability) ** _DECAY)


async def _per_topic(conn: AsyncConnection, member_ids: list[int]) -> Sequence[Any]:
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


async def _members(conn: AsyncConnection, chat_id: int) -> list[int]:
    query = sa.select(answers.c.user_id).where(answers.c.chat_id == chat_id).distinct()
    return sorted((await conn.scalars(query)).all())


async def _names(conn: AsyncConnection, member_ids: list[int]) -> dict[int, str]:
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


async def _active_days(
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


async def _weeks(
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


async def _rounds(conn: AsyncConnection, chat_id: int) -> list[Round]:
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


async def _pushes(conn: AsyncConnection, chat_id: int, tz: ZoneInfo) -> list[DailyPush]:
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
