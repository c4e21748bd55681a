"""Quizzes: starting them, presenting questions, grading answers and keeping score.

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

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from tutor.clock import Clock, end_of_local_day, local_date, utc_now
from tutor.exam import ExamPlanner
from tutor.grading import Verdict, grade_typed
from tutor.model import Library, Question, QuestionKind
from tutor.quiz_picking import WEAK_TOPIC_ACCURACY, QuestionPicker
from tutor.quiz_results import (
    AnswerResult,
    DayCount,
    NothingReason,
    NothingToAsk,
    OrderProgress,
    PresentedQuestion,
    QuizSummary,
    Rejected,
    Rejection,
    Started,
    Stats,
    TopicStats,
)
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

__all__ = [
    "DAILY_COUNT_DAYS",
    "DEFAULT_QUESTION_COUNT",
    "MAX_RESPONSE_MS",
    "TRUE_FALSE_OPTIONS",
    "WEAK_TOPIC_ACCURACY",
    "AnswerResult",
    "DayCount",
    "NothingReason",
    "NothingToAsk",
    "OrderProgress",
    "PresentedQuestion",
    "QuizService",
    "QuizSummary",
    "Rejected",
    "Rejection",
    "Started",
    "Stats",
    "TopicStats",
    "streak_days",
]

DEFAULT_QUESTION_COUNT = 5
MIN_QUESTION_COUNT, MAX_QUESTION_COUNT = 1, 20

DAILY_COUNT_DAYS = 14
MAX_RESPONSE_MS = 86_400_000
"""Response times are capped at a day: a quiz resumed next week was not a slow answer."""

TRUE_FALSE_OPTIONS = ("True", "False")
ORDER_SEPARATOR = " → "

_T = TypeVar("_T")
_TAPPED_KINDS = frozenset({QuestionKind.CHOICE, QuestionKind.TRUE_FALSE})
_TYPED_KINDS = frozenset({QuestionKind.TYPED})
_ORDER_KINDS = frozenset({QuestionKind.ORDER})


class QuizService:
    """Starts, presents, grades and ends one student's quizzes and reviews; the question
    picking is `tutor.quiz_picking`'s, the returned types `tutor.quiz_results`'."""

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
        exam = ExamPlanner(library, store, scheduler=self._srs.scheduler)
        self._picker = QuestionPicker(library, store, exam, self._rng)

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
        pool = self._picker.pool(topic_id, card_id, deck_id)
        if isinstance(pool, NothingReason):
            return NothingToAsk(pool)
        now = self._clock()
        question_ids = await self._picker.quiz_selection(user_id, pool, _clamp_count(count), now)
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
        picked = await self._picker.review_selection(user_id, _clamp_count(count), now)
        if isinstance(picked, NothingToAsk):
            return picked
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
        return self._picker.topic_of(question)

    def _topic_stats(self, item: TopicAccuracy) -> TopicStats:
        topic = self._library.topics.get(item.topic_id)
        title = topic.title if topic else item.topic_id
        return TopicStats(item.topic_id, title, item.answered, item.correct)

    def _shuffled(self, items: Iterable[_T]) -> list[_T]:
        return self._picker.shuffled(items)

    def _scrambled(self, size: int) -> list[int]:
        """A shuffled order of `size` items that is not already the right order."""
        order = list(range(size))
        while size > 1 and order == sorted(order):
            self._rng.shuffle(order)
        return order


def _clamp_count(count: int) -> int:
    return max(MIN_QUESTION_COUNT, min(MAX_QUESTION_COUNT, count))


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
