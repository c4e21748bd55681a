"""What a teacher's dashboard shows about one class group, read from the store.

Core: no Telegram, no HTML (the page is `tutor.dashboard_page`). The queries live here
and in `tutor.dashboard_queries`, not in `Store`, and use the tables `tutor.store` declares.

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
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fsrs import Scheduler
from sqlalchemy.ext.asyncio import AsyncConnection

from tutor import dashboard_queries as queries
from tutor.dashboard_queries import DailyPush, Round, Week
from tutor.gaps import GapGroup, GapLog, group_gaps
from tutor.model import Library, Question, QuestionKind
from tutor.quiz import TRUE_FALSE_OPTIONS, streak_days
from tutor.search import SearchIndex
from tutor.store import (
    ChatKind,
    ChatSettings,
    Store,
    answers,
    chats,
    memory,
    teacher_groups,
)

T = TypeVar("T")
IDLE_AFTER = timedelta(days=7)
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
            member_ids = await queries.members(conn, chat_id)
        deck_ids = self._deck_ids(chat.settings)
        # Independent reads, each on its own pooled connection: PostgreSQL runs them side
        # by side, and SQLite (WAL) reads in parallel threads.
        students, weeks, questions, rounds, pushes, recent_gaps = await asyncio.gather(
            self._students(member_ids, tz, now),
            self._read(queries.weeks, member_ids, tz, now),
            self._read(self._question_stats, member_ids, chat.settings),
            self._read(queries.rounds, chat_id),
            self._read(queries.pushes, chat_id, tz),
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
            self._read(queries.per_topic, member_ids),
            self._read(self._retrievability, member_ids, now),
            self._read(queries.names, member_ids),
            self._read(queries.active_days, member_ids, tz, now),
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
