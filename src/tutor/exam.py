"""The exam countdown: revise so that everything is seen, and strong, on the exam day.

Plain spaced repetition spaces reviews for the long term: a question is due when its
predicted recall *today* falls to 90 %. Before an exam that is the wrong question; what
matters is recall *on the exam day*. So, until the exam, each question of the exam's
topics is ranked by its FSRS memory state (stability and difficulty) projected to the
exam morning:

* a question never answered counts as 0 % and comes first (in the deck's order), so
  everything is seen early enough to be reviewed again before the day;
* then the questions most likely to be forgotten by the exam day, lowest first, while
  that prediction is under `TARGET_RECALL`; a question already practised in the last
  `RECENT_REVIEW` waits, so one bad card cannot fill a whole day.

`/review`, `/quiz` and the daily push take this ranking first (see
`QuizService`), then their usual choice. The number of questions still needing work,
divided by the days left, is the daily target `/exam` shows: a steady load with no
pile-up at the end. After the exam day the ranking is empty and normal scheduling
resumes by itself.

Pure rules are module functions; `ExamPlanner` reads the store for the quiz service;
`ExamService` is the `/exam` command for every adapter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from fsrs import Scheduler

from tutor.clock import Clock, local_date, parse_time_zone, utc_now
from tutor.exam_store import Exam, ExamStore, ReviewState
from tutor.model import Library, Topic
from tutor.replies import Reply
from tutor.srs import card_from_dict
from tutor.store import ChatKind, Store

if TYPE_CHECKING:
    from tutor.quizflow import Who

TARGET_RECALL = 0.9
"""A question predicted to be recalled at least this well on the exam day is done."""
RECENT_REVIEW = timedelta(hours=8)
EXAM_TIME = time(9, 0)
"""Recall is predicted for 09:00 local time on the exam day."""
MAX_DAYS_AHEAD = 730
MAX_TOPICS = 20
DEFAULT_TIMEZONE = "Europe/London"
OFF_WORDS = frozenset({"off", "clear", "cancel", "none", "stop"})
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y")
_SHORT_FORMATS = ("%d %B", "%d %b", "%B %d", "%b %d", "%d/%m")
EXAM_USAGE = (
    "Usage: /exam 2027-05-20 for an exam on that date (add topics to narrow it: "
    "/exam 2027-05-20 Trotsky, NEP), /exam to see the countdown, /exam off to clear it."
)
ADMINS_ONLY = "Sorry — only this group's admins can set the class's exam date."


# ----- pure rules --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outlook:
    """One question's prospects on the exam day."""

    question_id: str
    seen: bool
    recall: float
    """Predicted recall at the exam (0 if never answered)."""
    last_review_at: datetime | None = None


def exam_instant(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, EXAM_TIME, tzinfo=tz)


def outlooks(
    question_ids: Iterable[str],
    states: Mapping[str, ReviewState],
    exam_at: datetime,
    scheduler: Scheduler,
) -> list[Outlook]:
    """Each question's predicted recall at `exam_at`, from its FSRS memory state."""
    found = []
    for question_id in question_ids:
        state = states.get(question_id)
        if state is None:
            found.append(Outlook(question_id, seen=False, recall=0.0))
            continue
        card = card_from_dict(dict(state.card))
        recall = scheduler.get_card_retrievability(card, current_datetime=exam_at)
        found.append(Outlook(question_id, True, recall, state.last_review_at))
    return found


def exam_order(prospects: Sequence[Outlook], now: datetime) -> list[str]:
    """Questions still needing work, most likely forgotten on the day first.

    Never-seen questions (recall 0) lead in the given order; a question reviewed within
    `RECENT_REVIEW` is left for later. Sorting is stable, so ties keep the deck's order.
    """
    needing = [
        item
        for item in prospects
        if item.recall < TARGET_RECALL
        and (item.last_review_at is None or now - item.last_review_at >= RECENT_REVIEW)
    ]
    return [item.question_id for item in sorted(needing, key=lambda item: item.recall)]


@dataclass(frozen=True, slots=True)
class Countdown:
    """What `/exam` shows for one student (or the mean of a class)."""

    exam_date: date
    days_left: int
    total: int
    seen: float
    """Share of the exam's questions answered at least once (0-1)."""
    recall: float
    """Mean predicted recall on the exam day over all its questions (unseen = 0)."""
    needing_work: float
    """Questions not yet seen or predicted under TARGET_RECALL on the day."""

    @property
    def daily_target(self) -> int:
        if self.days_left <= 0:
            return 0
        return math.ceil(self.needing_work / self.days_left)


def countdown(exam_date: date, today: date, prospects: Sequence[Outlook]) -> Countdown:
    total = len(prospects)
    return Countdown(
        exam_date=exam_date,
        days_left=(exam_date - today).days,
        total=total,
        seen=sum(item.seen for item in prospects) / total if total else 0.0,
        recall=sum(item.recall for item in prospects) / total if total else 0.0,
        needing_work=sum(item.recall < TARGET_RECALL for item in prospects),
    )


def class_countdown(exam_date: date, today: date, members: Sequence[Countdown]) -> Countdown:
    """The class mean of its students' countdowns."""
    count = len(members) or 1
    return Countdown(
        exam_date=exam_date,
        days_left=(exam_date - today).days,
        total=members[0].total if members else 0,
        seen=sum(item.seen for item in members) / count,
        recall=sum(item.recall for item in members) / count,
        needing_work=sum(item.needing_work for item in members) / count,
    )


def parse_exam_date(text: str, today: date) -> date | str:
    """The exam date in `text`, or a message saying what is wrong with it.

    ISO (2027-05-20), day first (20/05/2027, 20.05.2027), or words (20 May 2027,
    May 20 2027); without a year, the next such day.
    """
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().replace(",", " "))
    cleaned = " ".join(cleaned.split())
    day = _strptime(cleaned, _DATE_FORMATS)
    if day is None and (short := _strptime(cleaned, _SHORT_FORMATS, year=today.year)):
        day = short if short > today else _next_year(short)
    if day is None:
        return f"I can't read “{text[:30]}” as a date. {EXAM_USAGE}"
    if day <= today:
        return f"{_long_date(day)} is not in the future. {EXAM_USAGE}"
    if (day - today).days > MAX_DAYS_AHEAD:
        return "That's more than two years away — set the date nearer the time."
    return day


def _strptime(text: str, formats: Sequence[str], *, year: int | None = None) -> date | None:
    for pattern in formats:
        try:
            parsed = datetime.strptime(
                f"{text} {year}" if year else text, f"{pattern} %Y" if year else pattern
            )
        except ValueError:
            continue
        return parsed.date()
    return None


def _next_year(day: date) -> date | None:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return None


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


# ----- the planner the quiz service asks ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActiveExam:
    exam: Exam
    tz: ZoneInfo
    where: str
    """"" for the student's own exam, else the class group's title."""


class ExamPlanner:
    """Which exam applies to a student, and the exam-first ranking of their questions."""

    def __init__(
        self,
        library: Library,
        store: Store,
        *,
        scheduler: Scheduler,
        default_timezone: str = DEFAULT_TIMEZONE,
    ) -> None:
        self.library = library
        self.store = store
        self.exams = ExamStore(store)
        self.scheduler = scheduler
        self.default_timezone = default_timezone

    async def active_exam(self, user_id: int, now: datetime) -> ActiveExam | None:
        """The student's own exam if it is not over, else their soonest class exam.

        Two queries when there is no exam (every quiz start asks); the time zone, which
        decides whether "today" is past the exam day, only when there is one.
        """
        yesterday = now.date() - timedelta(days=1)  # no zone is more than a day from UTC
        own = await self.exams.exam_of_chat(user_id)
        if own is not None and own.exam_date >= yesterday:
            tz = await self.zone(user_id, user_id)
            if own.exam_date >= local_date(now, tz):
                return ActiveExam(own, tz, "")
        for exam, title in await self.exams.class_exams_of(user_id, yesterday):
            group_tz = await self.zone(exam.chat_id, None)
            if exam.exam_date >= local_date(now, group_tz):
                return ActiveExam(exam, group_tz, title)
        return None

    def question_ids(self, exam: Exam) -> list[str]:
        """The exam's questions in deck order (every topic when it names none)."""
        topics = set(exam.topic_ids)
        return [
            question.id
            for question in self.library.questions.values()
            if not topics or self._topic_of(question.card_id) in topics
        ]

    async def prospects(self, user_id: int, exam: ActiveExam) -> list[Outlook]:
        question_ids = self.question_ids(exam.exam)
        states = (await self.exams.review_states([user_id], question_ids))[user_id]
        return outlooks(
            question_ids, states, exam_instant(exam.exam.exam_date, exam.tz), self.scheduler
        )

    async def priorities(self, user_id: int, now: datetime) -> list[str]:
        """The questions to ask first until the exam; empty when there is no exam."""
        active = await self.active_exam(user_id, now)
        if active is None:
            return []
        return exam_order(await self.prospects(user_id, active), now)

    def _topic_of(self, card_id: str) -> str:
        card = self.library.cards.get(card_id)
        return card.topic_id if card else ""

    async def zone(self, chat_id: int, user_id: int | None) -> ZoneInfo:
        name = await self.store.time_zone_for(chat_id, user_id)
        return parse_time_zone(name or "") or ZoneInfo(self.default_timezone)


# ----- the /exam command ----------------------------------------------------------------------


class ExamService:
    """`/exam DATE [topics]`, `/exam`, `/exam off` for a student or (group admins) a class."""

    def __init__(
        self,
        library: Library,
        store: Store,
        *,
        find_topic: Callable[[str], Topic | None],
        scheduler: Scheduler | None = None,
        clock: Clock = utc_now,
        default_timezone: str = DEFAULT_TIMEZONE,
    ) -> None:
        self.library = library
        self.planner = ExamPlanner(
            library,
            store,
            scheduler=scheduler or Scheduler(enable_fuzzing=False),
            default_timezone=default_timezone,
        )
        self._find_topic = find_topic
        self._clock = clock

    async def exam(self, who: Who, argument: str, *, may_change: bool) -> Reply:
        """The reply to `/exam ARGUMENT`; `may_change` is False for a group's non-admins."""
        argument = argument.strip()
        if not argument:
            return await self.show(who)
        if not may_change:
            return Reply(lines=(ADMINS_ONLY,))
        await self._remember(who)
        if argument.lower() in OFF_WORDS:
            return await self.clear(who)
        return await self.set(who, argument)

    async def set(self, who: Who, argument: str) -> Reply:
        now = self._clock()
        tz = await self.planner.zone(who.chat_id, _user(who))
        day, rest = self._split_date(argument, local_date(now, tz))
        if isinstance(day, str):
            return Reply(lines=(day,))
        topics = self._topics(rest)
        if isinstance(topics, str):
            return Reply(lines=(topics,))
        exam = await self.planner.exams.set_exam(
            who.chat_id, day, [topic.id for topic in topics], who.user_id, now
        )
        lines = [f"Exam set for {_long_date(exam.exam_date)}: {self._scope(exam)}."]
        if who.chat_kind is ChatKind.PRIVATE:
            lines.append(
                "Until then /review, /quiz and your daily quiz put first what you haven't "
                "seen yet and what you're most likely to forget by that day."
            )
        else:
            lines.append(
                "Until then, for everyone who answers quizzes in this group, /review, /quiz "
                "and the daily quiz put first what they haven't seen yet and what they're "
                "most likely to forget by that day."
            )
        shown = await self.show(who)
        return Reply(title="🎯 Exam countdown", lines=(*lines, *shown.lines[1:]))

    async def clear(self, who: Who) -> Reply:
        if await self.planner.exams.clear_exam(who.chat_id):
            return Reply(lines=("Exam date cleared: revision is back to normal spacing.",))
        return Reply(lines=("There was no exam date to clear. " + EXAM_USAGE,))

    async def show(self, who: Who) -> Reply:
        now = self._clock()
        if who.chat_kind is ChatKind.PRIVATE:
            return await self._show_student(who.user_id, now)
        return await self._show_class(who.chat_id, now)

    async def _show_student(self, user_id: int, now: datetime) -> Reply:
        planner = self.planner
        active = await planner.active_exam(user_id, now)
        if active is None:
            past = await planner.exams.exam_of_chat(user_id)
            if past is not None:
                return Reply(
                    lines=(
                        f"Your exam on {_long_date(past.exam_date)} has passed — I hope it "
                        "went well! Set the next one with /exam DATE, or /exam off.",
                    )
                )
            return Reply(lines=("No exam date set. " + EXAM_USAGE,))
        prospects = await planner.prospects(user_id, active)
        status = countdown(active.exam.exam_date, local_date(now, active.tz), prospects)
        whose = f"Class exam ({active.where})" if active.where else "Your exam"
        return Reply(
            title="🎯 Exam countdown",
            lines=(
                f"{whose}: {_long_date(status.exam_date)} — {self._scope(active.exam)}.",
                *_status_lines(status, "you"),
            ),
        )

    async def _show_class(self, chat_id: int, now: datetime) -> Reply:
        planner = self.planner
        exam = await planner.exams.exam_of_chat(chat_id)
        if exam is None:
            return Reply(lines=("This group has no exam date. Admins: " + EXAM_USAGE,))
        tz = await planner.zone(chat_id, None)
        today = local_date(now, tz)
        if exam.exam_date < today:
            return Reply(
                lines=(
                    f"The class exam on {_long_date(exam.exam_date)} has passed. Admins: set "
                    "the next one with /exam DATE, or /exam off.",
                )
            )
        active = ActiveExam(exam, tz, "")
        members = await planner.exams.class_members(chat_id)
        statuses = [
            countdown(exam.exam_date, today, await planner.prospects(member, active))
            for member in members
        ]
        status = class_countdown(exam.exam_date, today, statuses)
        head = f"Class exam: {_long_date(exam.exam_date)} — {self._scope(exam)}."
        if not members:
            days = _days(status.days_left)
            return Reply(
                title="🎯 Exam countdown",
                lines=(head, f"{days}. Nobody has answered a question here yet: try /quiz!"),
            )
        return Reply(
            title="🎯 Exam countdown",
            lines=(
                head,
                *_status_lines(status, f"the class ({len(members)} students), on average"),
            ),
        )

    async def _remember(self, who: Who) -> None:
        """The exam row points at the chat (and names its setter): store both first."""
        now, store = self._clock(), self.planner.store
        await store.upsert_user(
            who.user_id, first_name=who.first_name, username=who.username, now=now
        )
        await store.upsert_chat(who.chat_id, kind=who.chat_kind, title=who.chat_title, now=now)

    def _split_date(self, argument: str, today: date) -> tuple[date | str, str]:
        """The date at the start of `argument` (one to three words) and the rest."""
        words = argument.split()
        error: date | str = parse_exam_date(words[0], today)
        for size in (3, 2, 1):
            if len(words) >= size:
                parsed = parse_exam_date(" ".join(words[:size]), today)
                if isinstance(parsed, date):
                    return parsed, " ".join(words[size:])
                if size == 1:
                    error = parsed
        return error, ""

    def _topics(self, text: str) -> list[Topic] | str:
        """The topics named in `text` (comma-separated), or a message naming the unknown."""
        parts = [part.strip() for part in re.split(r",|;|\band\b", text) if part.strip()]
        if len(parts) > MAX_TOPICS:
            return f"That's more than {MAX_TOPICS} topics: leave them out for the whole deck."
        topics: list[Topic] = []
        for part in parts:
            topic = self._find_topic(part)
            if topic is None:
                names = ", ".join(t.title for t in list(self.library.topics.values())[:6])
                return (
                    f"I don't know the topic “{part[:60]}”. Separate topics with commas; "
                    f"they include: {names}…"
                )
            if topic not in topics:
                topics.append(topic)
        return topics

    def _scope(self, exam: Exam) -> str:
        titles = [self.library.topics[t].title for t in exam.topic_ids if t in self.library.topics]
        questions = len(self.planner.question_ids(exam))
        what = ", ".join(titles) if titles else "every topic"
        return f"{what} ({questions} questions)"


def _user(who: Who) -> int | None:
    return who.user_id if who.chat_kind is ChatKind.PRIVATE else None


def _days(days_left: int) -> str:
    if days_left == 0:
        return "It's today — good luck!"
    return f"{days_left} day{'s' if days_left != 1 else ''} to go"


def _status_lines(status: Countdown, who: str) -> tuple[str, ...]:
    lines = [
        f"{_days(status.days_left)}.",
        f"Seen so far by {who}: {status.seen:.0%} of the material.",
        f"Predicted recall on the day: {status.recall:.0%} (if no more revision).",
    ]
    if status.daily_target and status.days_left:
        lines.append(
            f"About {status.daily_target} question{'s' if status.daily_target != 1 else ''} "
            "a day gets everything seen and strong by then — /review picks them for you."
        )
    elif status.days_left:
        lines.append("Everything is on track: keep your daily quiz going.")
    return tuple(lines)
