"""Quizzes: choosing questions, presenting them, grading answers and keeping score.

Adapter-neutral: every method takes and returns plain data (no markup, no keyboards), so
the Telegram bot and the terminal drive the same service. Sessions live in the store, so a
new `QuizService` over the same store (after a restart) carries on where the old one was.

Answers never raise for a student's mistake or a stale button: they return `Rejected`
with a reason (`STALE`, `FOREIGN`, `INVALID`). Adapters should pass the `position` of
the question a button belongs to, so a double tap is recognised instead of answering the
next question.

Sessions here belong to one student (`user_id`); group rounds (a session with no
`user_id` and answers from several students) are driven elsewhere, and answering one
through this service is rejected as `FOREIGN`.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from tutor.clock import Clock, end_of_local_day, local_date, utc_now
from tutor.exam import ExamPlanner
from tutor.grading import Verdict, grade_typed
from tutor.model import Library, Question, QuestionKind, Topic
from tutor.srs import Srs, card_from_dict, card_to_dict, rating_for
from tutor.store import (
    Answer,
    Memory,
    NewSession,
    QuizSession,
    SessionKind,
    SessionStatus,
    Store,
    TopicAccuracy,
)

DEFAULT_QUESTION_COUNT = 5
MIN_QUESTION_COUNT, MAX_QUESTION_COUNT = 1, 20

DUE_SHARE = 0.4
WEAK_SHARE = 0.3
"""A /quiz gives up to 40% of its places to due reviews and 30% to weak topics, the rest
to new questions, so it both consolidates and moves on; a short source leaves its places
to the others."""

WEAK_TOPIC_ACCURACY = 0.8
"""A topic answered correctly less often than this is weak (below "mostly right")."""

DAILY_COUNT_DAYS = 14
MAX_RESPONSE_MS = 86_400_000
"""Response times are capped at a day: a quiz resumed next week was not a slow answer."""

TRUE_FALSE_OPTIONS = ("True", "False")
ORDER_SEPARATOR = " → "

_T = TypeVar("_T")
_TAPPED_KINDS = frozenset({QuestionKind.CHOICE, QuestionKind.TRUE_FALSE})
_TYPED_KINDS = frozenset({QuestionKind.TYPED})
_ORDER_KINDS = frozenset({QuestionKind.ORDER})


class Rejection(StrEnum):
    STALE = "stale"
    """Unknown or ended session, or a question already answered (a double tap)."""
    FOREIGN = "foreign"
    """Someone else's session."""
    INVALID = "invalid"
    """An option out of range, or an answer of the wrong kind for the question."""


class NothingReason(StrEnum):
    NOTHING_DUE = "nothing_due"
    NO_QUESTIONS = "no_questions"
    UNKNOWN_TOPIC = "unknown_topic"
    UNKNOWN_CARD = "unknown_card"
    UNKNOWN_DECK = "unknown_deck"


@dataclass(frozen=True, slots=True)
class PresentedQuestion:
    """A question as the student sees it.

    `options` holds the choice options (shuffled), "True"/"False", or the order items
    (shuffled); it is empty for typed questions. Answers refer to indexes into it.
    `placed` lists the order items tapped so far, as indexes into `options`.
    """

    session_id: int
    position: int
    total: int
    question_id: str
    card_id: str
    kind: QuestionKind
    prompt: str
    options: tuple[str, ...] = ()
    placed: tuple[int, ...] = ()

    @property
    def remaining(self) -> tuple[int, ...]:
        """Order items still to place, as indexes into `options`."""
        return tuple(i for i in range(len(self.options)) if i not in self.placed)


@dataclass(frozen=True, slots=True)
class QuizSummary:
    session_id: int
    kind: SessionKind
    status: SessionStatus
    correct: int
    close: int
    answered: int
    total: int
    topics_to_revisit: tuple[Topic, ...]
    """Topics of the questions not answered correctly, most missed first."""

    @property
    def score(self) -> int:
        return self.correct


@dataclass(frozen=True, slots=True)
class Started:
    question: PresentedQuestion
    replaced: QuizSummary | None = None
    """The student's previous quiz in this chat, stopped because this one started."""


@dataclass(frozen=True, slots=True)
class NothingToAsk:
    reason: NothingReason
    next_due_at: datetime | None = None
    """For NOTHING_DUE: when the next review falls due (None: nothing learnt yet)."""


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: Rejection
    detail: str


@dataclass(frozen=True, slots=True)
class OrderProgress:
    """An order question with some items placed: show it again, wait for the next tap."""

    question: PresentedQuestion


@dataclass(frozen=True, slots=True)
class AnswerResult:
    question_id: str
    card_id: str
    verdict: Verdict
    response: str
    """What the student answered, as text."""
    correct_answer: str
    explanation: str
    correct_order: tuple[str, ...] = ()
    """Order questions: the items in the right order."""
    next_question: PresentedQuestion | None = None
    summary: QuizSummary | None = None
    """Set when this answer ended the quiz."""


@dataclass(frozen=True, slots=True)
class TopicStats:
    topic_id: str
    title: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    answered: int


@dataclass(frozen=True, slots=True)
class Stats:
    answered: int
    correct: int
    topics: tuple[TopicStats, ...]
    """Weakest first."""
    due_today: int
    streak_days: int
    """Consecutive local days with an answer, ending today or yesterday."""
    daily_counts: tuple[DayCount, ...]
    """The last `DAILY_COUNT_DAYS` local days, oldest first."""

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class _Pool:
    questions: list[Question]
    first: list[str]


class QuizService:
    def __init__(
        self,
        library: Library,
        store: Store,
        *,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        srs: Srs | None = None,
    ) -> None:
        self._library = library
        self._store = store
        self._clock = clock
        self._rng = rng or random.Random()
        self._srs = srs or Srs()
        self._exam = ExamPlanner(library, store, scheduler=self._srs.scheduler)

    # starting

    async def start_quiz(
        self,
        chat_id: int,
        user_id: int,
        *,
        count: int = DEFAULT_QUESTION_COUNT,
        topic_id: str | None = None,
        card_id: str | None = None,
        deck_id: str | None = None,
        kind: SessionKind = SessionKind.QUIZ,
    ) -> Started | NothingToAsk:
        """Start a quiz mixing due, weak-topic and new questions.

        `card_id` ("Quiz me on this" under a card) narrows to that card's topic and asks
        the card's own questions first. `count` is clamped to 1-20. The user and chat
        must have been upserted into the store. Starting while a quiz is active replaces
        it: the old one is stopped and its summary returned as `Started.replaced`.
        `kind` is recorded on the session (the daily push records `DAILY`).
        """
        pool = self._pool(topic_id, card_id, deck_id)
        if isinstance(pool, NothingReason):
            return NothingToAsk(pool)
        now = self._clock()
        question_ids = await self._quiz_selection(user_id, pool, _clamp_count(count), now)
        return await self._start(chat_id, user_id, kind, question_ids, now)

    async def start_review(
        self,
        chat_id: int,
        user_id: int,
        *,
        count: int = DEFAULT_QUESTION_COUNT,
        kind: SessionKind = SessionKind.REVIEW,
    ) -> Started | NothingToAsk:
        """Review due questions (most overdue first), topped up with the oldest-reviewed;
        before an exam, the exam's priorities (see `tutor.exam`) come first.

        With nothing due, returns `NothingToAsk(NOTHING_DUE, next_due_at)`.
        """
        now = self._clock()
        exam_first = self._known(await self._exam.priorities(user_id, now))
        due = self._known(await self._store.due_question_ids(user_id, now))
        if not due and not exam_first:
            next_due = await self._store.next_due_at(user_id)
            return NothingToAsk(NothingReason.NOTHING_DUE, next_due)
        limit = _clamp_count(count)
        picked: list[str] = []
        _take(picked, exam_first, limit)  # before an exam: see tutor.exam
        _take(picked, due, limit)
        _take(picked, self._known(await self._store.reviewed_question_ids(user_id)), limit)
        return await self._start(chat_id, user_id, kind, picked, now)

    async def current_question(self, chat_id: int, user_id: int) -> PresentedQuestion | None:
        """The question the student's active quiz waits on (to show it again, or resume)."""
        session = await self._store.active_session(chat_id, user_id)
        if session is None or self._current(session) is None:
            return None
        return self._present(session)

    async def stop(self, chat_id: int, user_id: int) -> QuizSummary | None:
        """End the student's active quiz now; its summary, or None if none was active."""
        for _attempt in range(3):
            session = await self._store.active_session(chat_id, user_id)
            if session is None:
                return None
            stopped = await self._store.save_session(
                session,
                position=session.position,
                state=session.state,
                status=SessionStatus.STOPPED,
                now=self._clock(),
            )
            if stopped:
                return await self._summary(replace(session, status=SessionStatus.STOPPED))
        return None

    # answering

    async def answer_choice(
        self, session_id: int, user_id: int, option_index: int, *, position: int | None = None
    ) -> AnswerResult | Rejected:
        """Answer a choice or true/false question with an index into its `options`."""
        loaded = await self._load(session_id, user_id, position, _TAPPED_KINDS)
        if isinstance(loaded, Rejected):
            return loaded
        session, question = loaded
        options = self._options(question, session.state)
        if not 0 <= option_index < len(options):
            return Rejected(Rejection.INVALID, f"no option {option_index}")
        verdict = _choice_verdict(question, session.state, option_index)
        return await self._record(session, question, user_id, verdict, options[option_index])

    async def answer_typed(
        self, session_id: int, user_id: int, text: str, *, position: int | None = None
    ) -> AnswerResult | Rejected:
        """Answer a typed question; graded leniently (see `tutor.grading`)."""
        loaded = await self._load(session_id, user_id, position, _TYPED_KINDS)
        if isinstance(loaded, Rejected):
            return loaded
        session, question = loaded
        verdict = grade_typed(text, question.accepted).verdict
        return await self._record(session, question, user_id, verdict, text.strip())

    async def answer_order_step(
        self, session_id: int, user_id: int, item_index: int, *, position: int | None = None
    ) -> AnswerResult | OrderProgress | Rejected:
        """Place the next item of an order question (an index into its `options`).

        Returns `OrderProgress` until every item is placed (the student taps the last one
        too: a question that answered itself would surprise them), then the graded
        `AnswerResult`: right only if all items are in order.
        """
        loaded = await self._load(session_id, user_id, position, _ORDER_KINDS)
        if isinstance(loaded, Rejected):
            return loaded
        session, question = loaded
        placed: list[int] = list(session.state["placed"])
        if not 0 <= item_index < len(question.items):
            return Rejected(Rejection.INVALID, f"no item {item_index}")
        if item_index in placed:
            return Rejected(Rejection.STALE, "that item is already placed")
        placed.append(item_index)
        if len(placed) < len(question.items):
            return await self._save_order_progress(session, placed)
        order: list[int] = session.state["item_order"]
        chosen = [order[i] for i in placed]
        verdict = Verdict.CORRECT if chosen == sorted(chosen) else Verdict.WRONG
        response = ORDER_SEPARATOR.join(question.items[i] for i in chosen)
        return await self._record(session, question, user_id, verdict, response)

    # statistics

    async def stats(self, user_id: int, tz: ZoneInfo) -> Stats:
        """The student's totals, topics (weakest first), due today, streak and recent days."""
        today = local_date(self._clock(), tz)
        accuracy = await self._store.topic_accuracy(user_id)
        topics = sorted(
            (self._topic_stats(item) for item in accuracy.values()),
            key=lambda topic: (topic.accuracy, topic.title),
        )
        per_day = await self._store.daily_answer_counts(user_id, tz)
        recent = [today - timedelta(days=back) for back in reversed(range(DAILY_COUNT_DAYS))]
        return Stats(
            answered=sum(topic.answered for topic in topics),
            correct=sum(topic.correct for topic in topics),
            topics=tuple(topics),
            due_today=await self._store.count_due(user_id, end_of_local_day(today, tz)),
            streak_days=streak_days(per_day, today),
            daily_counts=tuple(DayCount(day, per_day.get(day, 0)) for day in recent),
        )

    # selection

    def _pool(
        self, topic_id: str | None, card_id: str | None, deck_id: str | None
    ) -> _Pool | NothingReason:
        questions = list(self._library.questions.values())
        first: list[str] = []
        if card_id is not None:
            card = self._library.cards.get(card_id)
            if card is None:
                return NothingReason.UNKNOWN_CARD
            topic_id = card.topic_id
            first = [question.id for question in self._library.questions_for_card(card_id)]
        if topic_id is not None:
            if topic_id not in self._library.topics:
                return NothingReason.UNKNOWN_TOPIC
            questions = [q for q in questions if self.topic_of(q) == topic_id]
        if deck_id is not None:
            if deck_id not in {deck.id for deck in self._library.decks}:
                return NothingReason.UNKNOWN_DECK
            questions = [q for q in questions if q.deck_id == deck_id]
        if not questions:
            return NothingReason.NO_QUESTIONS
        return _Pool(questions, first)

    async def _quiz_selection(
        self, user_id: int, pool: _Pool, count: int, now: datetime
    ) -> list[str]:
        """`pool.first` in order, the exam's priorities in order (when an exam is coming),
        then due, weak-topic and new questions, shuffled."""
        pool_ids = [question.id for question in pool.questions]
        in_pool = set(pool_ids)
        due = [qid for qid in await self._store.due_question_ids(user_id, now) if qid in in_pool]
        known = set(await self._store.reviewed_question_ids(user_id))
        weak = self._weak_topic_question_ids(await self._store.topic_accuracy(user_id), pool)
        new = self._shuffled(qid for qid in pool_ids if qid not in known)
        others = self._shuffled(qid for qid in pool_ids if qid in known)

        picked: list[str] = []
        _take(picked, pool.first, count)
        exam_first = [qid for qid in await self._exam.priorities(user_id, now) if qid in in_pool]
        _take(picked, exam_first, count)  # before an exam: see tutor.exam
        head = len(picked)
        places = count - head
        _take(picked, due, len(picked) + math.ceil(places * DUE_SHARE))
        _take(picked, weak, len(picked) + math.ceil(places * WEAK_SHARE))
        for source in (new, due, weak, others):
            _take(picked, source, count)
        return picked[:head] + self._shuffled(picked[head:])

    def _weak_topic_question_ids(
        self, accuracy: dict[str, TopicAccuracy], pool: _Pool
    ) -> list[str]:
        """Questions of the weak topics, weakest topic first."""
        weak_topics = sorted(
            (item for item in accuracy.values() if item.accuracy < WEAK_TOPIC_ACCURACY),
            key=lambda item: (item.accuracy, item.topic_id),
        )
        question_ids: list[str] = []
        for item in weak_topics:
            in_topic = (q.id for q in pool.questions if self.topic_of(q) == item.topic_id)
            question_ids.extend(self._shuffled(in_topic))
        return question_ids

    # sessions

    async def _start(
        self,
        chat_id: int,
        user_id: int,
        kind: SessionKind,
        question_ids: Sequence[str],
        now: datetime,
    ) -> Started:
        first = self._library.questions[question_ids[0]]
        new = NewSession(
            chat_id=chat_id,
            user_id=user_id,
            kind=kind,
            question_ids=tuple(question_ids),
            state=self._presentation_state(first, now),
            started_at=now,
        )
        session, replaced = await self._store.start_session(new)
        replaced_summary = await self._summary(replaced) if replaced else None
        return Started(self._present(session), replaced_summary)

    async def _load(
        self, session_id: int, user_id: int, position: int | None, kinds: frozenset[QuestionKind]
    ) -> tuple[QuizSession, Question] | Rejected:
        """The session and its current question, if this student may answer it now."""
        session = await self._store.get_session(session_id)
        if session is None:
            return Rejected(Rejection.STALE, "no such quiz")
        if session.user_id != user_id:
            return Rejected(Rejection.FOREIGN, "this quiz belongs to someone else")
        if session.status is not SessionStatus.ACTIVE:
            return Rejected(Rejection.STALE, "this quiz has ended")
        if position is not None and position != session.position + 1:
            return Rejected(Rejection.STALE, "that question was already answered")
        question = self._current(session)
        if question is None:
            return Rejected(Rejection.STALE, "that question no longer exists")
        if question.kind not in kinds:
            return Rejected(Rejection.INVALID, f"this question takes a {question.kind} answer")
        return session, question

    async def _record(
        self,
        session: QuizSession,
        question: Question,
        user_id: int,
        verdict: Verdict,
        response: str,
    ) -> AnswerResult | Rejected:
        """Store the answer, update memory and move to the next question, all at once."""
        now = self._clock()
        response_ms = _response_ms(session.state, now)
        answer = Answer(
            session_id=session.id,
            user_id=user_id,
            chat_id=session.chat_id,
            question_id=question.id,
            card_id=question.card_id,
            topic_id=self.topic_of(question),
            verdict=verdict,
            correct=verdict is Verdict.CORRECT,
            response_ms=response_ms,
            answered_at=now,
            source=session.kind,
            choice=response if question.kind in _TAPPED_KINDS else None,
        )
        memory = await self.memory_after(user_id, question, verdict, response_ms, now)
        after = self._advanced(session, now)
        saved = await self._store.save_session(
            session,
            position=after.position,
            state=after.state,
            status=after.status,
            now=now,
            answer=answer,
            memory_update=memory,
        )
        if not saved:
            return Rejected(Rejection.STALE, "that question was already answered")
        finished = after.status is SessionStatus.FINISHED
        return AnswerResult(
            question_id=question.id,
            card_id=question.card_id,
            verdict=verdict,
            response=response,
            correct_answer=_correct_answer(question),
            explanation=question.explanation,
            correct_order=question.items if question.kind is QuestionKind.ORDER else (),
            next_question=None if finished else self._present(after),
            summary=await self._summary(after) if finished else None,
        )

    async def _save_order_progress(
        self, session: QuizSession, placed: list[int]
    ) -> OrderProgress | Rejected:
        state = {**session.state, "placed": placed}
        saved = await self._store.save_session(
            session,
            position=session.position,
            state=state,
            status=SessionStatus.ACTIVE,
            now=self._clock(),
        )
        if not saved:
            return Rejected(Rejection.STALE, "that tap was already counted")
        return OrderProgress(self._present(replace(session, state=state)))

    def _advanced(self, session: QuizSession, now: datetime) -> QuizSession:
        """The session moved past its current question (skipping any removed from content)."""
        position = session.position + 1
        while position < len(session.question_ids) and (
            session.question_ids[position] not in self._library.questions
        ):
            position += 1
        if position >= len(session.question_ids):
            return replace(session, position=position, state={}, status=SessionStatus.FINISHED)
        upcoming = self._library.questions[session.question_ids[position]]
        return replace(session, position=position, state=self._presentation_state(upcoming, now))

    async def memory_after(
        self,
        user_id: int,
        question: Question,
        verdict: Verdict,
        response_ms: int | None,
        now: datetime,
    ) -> Memory:
        """The student's FSRS memory of `question` after this answer (not yet stored).

        Public for group rounds, which store it with the answer in their own transaction.
        """
        stored = await self._store.get_memory(user_id, question.id)
        card = card_from_dict(stored.card) if stored else self._srs.new_card(question.id, now)
        rating = rating_for(verdict, question.kind, response_ms)
        reviewed = self._srs.review(card, rating, now, response_ms=response_ms)
        return Memory(user_id, question.id, card_to_dict(reviewed), reviewed.due, now)

    async def _summary(self, session: QuizSession) -> QuizSummary:
        answers = await self._store.session_answers(session.id)
        misses = Counter(answer.topic_id for answer in answers if not answer.correct)
        return QuizSummary(
            session_id=session.id,
            kind=session.kind,
            status=session.status,
            correct=sum(answer.correct for answer in answers),
            close=sum(answer.verdict == Verdict.CLOSE for answer in answers),
            answered=len(answers),
            total=len(session.question_ids),
            topics_to_revisit=tuple(
                self._library.topics[topic_id]
                for topic_id, _ in misses.most_common()
                if topic_id in self._library.topics
            ),
        )

    # presentation

    def _presentation_state(self, question: Question, now: datetime) -> dict[str, Any]:
        """How the question is shown (shuffles) and when: kept in the session state."""
        state: dict[str, Any] = {"presented_at": now.isoformat()}
        if question.kind is QuestionKind.CHOICE:
            state["option_order"] = self._shuffled(range(len(question.options)))
        if question.kind is QuestionKind.ORDER:
            state["item_order"] = self._scrambled(len(question.items))
            state["placed"] = []
        return state

    def _present(self, session: QuizSession) -> PresentedQuestion:
        question = self._current(session)
        assert question is not None
        return PresentedQuestion(
            session_id=session.id,
            position=session.position + 1,
            total=len(session.question_ids),
            question_id=question.id,
            card_id=question.card_id,
            kind=question.kind,
            prompt=question.prompt,
            options=self._options(question, session.state),
            placed=tuple(session.state.get("placed", ())),
        )

    def _options(self, question: Question, state: dict[str, Any]) -> tuple[str, ...]:
        match question.kind:
            case QuestionKind.CHOICE:
                return tuple(question.options[i] for i in state["option_order"])
            case QuestionKind.TRUE_FALSE:
                return TRUE_FALSE_OPTIONS
            case QuestionKind.ORDER:
                return tuple(question.items[i] for i in state["item_order"])
            case _:
                return ()

    def _current(self, session: QuizSession) -> Question | None:
        return self._library.questions.get(session.current_question_id or "")

    # small helpers

    def topic_of(self, question: Question) -> str:
        """The topic of the card that explains `question` ("" if the card is gone)."""
        card = self._library.cards.get(question.card_id)
        return card.topic_id if card else ""

    def _topic_stats(self, item: TopicAccuracy) -> TopicStats:
        topic = self._library.topics.get(item.topic_id)
        title = topic.title if topic else item.topic_id
        return TopicStats(item.topic_id, title, item.answered, item.correct)

    def _known(self, question_ids: Iterable[str]) -> list[str]:
        """The ids that still exist in the content (progress may outlive a question)."""
        return [qid for qid in question_ids if qid in self._library.questions]

    def _shuffled(self, items: Iterable[_T]) -> list[_T]:
        shuffled = list(items)
        self._rng.shuffle(shuffled)
        return shuffled

    def _scrambled(self, size: int) -> list[int]:
        """A shuffled order of `size` items that is not already the right order."""
        order = list(range(size))
        while size > 1 and order == sorted(order):
            self._rng.shuffle(order)
        return order


def _clamp_count(count: int) -> int:
    return max(MIN_QUESTION_COUNT, min(MAX_QUESTION_COUNT, count))


def _take(picked: list[str], candidates: Iterable[str], limit: int) -> None:
    """Append candidates not yet picked until `picked` holds `limit` ids."""
    for question_id in candidates:
        if len(picked) >= limit:
            return
        if question_id not in picked:
            picked.append(question_id)


def _choice_verdict(question: Question, state: dict[str, Any], index: int) -> Verdict:
    if question.kind is QuestionKind.TRUE_FALSE:
        right = (index == 0) == question.truth
    else:
        right = question.options[state["option_order"][index]] == question.answer
    return Verdict.CORRECT if right else Verdict.WRONG


def _correct_answer(question: Question) -> str:
    match question.kind:
        case QuestionKind.CHOICE:
            return question.answer
        case QuestionKind.TRUE_FALSE:
            return TRUE_FALSE_OPTIONS[0 if question.truth else 1]
        case QuestionKind.TYPED:
            return question.accepted[0] if question.accepted else ""
        case _:
            return ORDER_SEPARATOR.join(question.items)


def _response_ms(state: dict[str, Any], now: datetime) -> int | None:
    presented = state.get("presented_at")
    if presented is None:
        return None
    elapsed = now - datetime.fromisoformat(presented)
    return max(0, min(MAX_RESPONSE_MS, int(elapsed.total_seconds() * 1000)))


def streak_days(days: Iterable[date], today: date) -> int:
    """Consecutive local days with an answer, ending today or yesterday."""
    active = set(days)
    day = today if today in active else today - timedelta(days=1)
    length = 0
    while day in active:
        length += 1
        day -= timedelta(days=1)
    return length
