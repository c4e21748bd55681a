"""Which questions a quiz asks, and in what order.

A /quiz asks a card's own questions first ("Quiz me on this"), then, before an exam, the
exam's priorities (`tutor.exam`), then a mix of due reviews, questions of weak topics and
new questions; a /review asks the exam's priorities and the due questions, topped up with
the oldest-reviewed. Ids of questions since removed from the content are never picked
(progress may outlive a question).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from tutor.exam import ExamPlanner
from tutor.model import Library, Question
from tutor.quiz_results import NothingReason, NothingToAsk
from tutor.store import Store, TopicAccuracy

DUE_SHARE = 0.4
WEAK_SHARE = 0.3
"""A /quiz gives up to 40% of its places to due reviews and 30% to weak topics, the rest
to new questions, so it both consolidates and moves on; a short source leaves its places
to the others."""

WEAK_TOPIC_ACCURACY = 0.8
"""A topic answered correctly less often than this is weak (below "mostly right")."""

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class QuestionPool:
    """The questions a quiz may ask, and those it asks first (a card's own)."""

    questions: list[Question]
    first: list[str]


class QuestionPicker:
    """Picks a quiz's or a review's question ids (reads the store, writes nothing).

    Shares the quiz service's random generator, so a seeded service shuffles the same way
    whichever part draws first.
    """

    def __init__(
        self, library: Library, store: Store, exam: ExamPlanner, rng: random.Random
    ) -> None:
        self._library = library
        self._store = store
        self._exam = exam
        self._rng = rng

    def pool(
        self, topic_id: str | None, card_id: str | None, deck_id: str | None
    ) -> QuestionPool | NothingReason:
        """The questions of a topic, a card's topic (its own first) or a deck, or every one."""
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
        return QuestionPool(questions, first)

    async def quiz_selection(
        self, user_id: int, pool: QuestionPool, count: int, now: datetime
    ) -> list[str]:
        """`pool.first` in order, the exam's priorities in order (when an exam is coming),
        then due, weak-topic and new questions, shuffled."""
        pool_ids = [question.id for question in pool.questions]
        in_pool = set(pool_ids)
        due = [qid for qid in await self._store.due_question_ids(user_id, now) if qid in in_pool]
        known = set(await self._store.reviewed_question_ids(user_id))
        weak = self._weak_topic_question_ids(await self._store.topic_accuracy(user_id), pool)
        new = self.shuffled(qid for qid in pool_ids if qid not in known)
        others = self.shuffled(qid for qid in pool_ids if qid in known)

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
        return picked[:head] + self.shuffled(picked[head:])

    async def review_selection(
        self, user_id: int, count: int, now: datetime
    ) -> list[str] | NothingToAsk:
        """The exam's priorities, then due questions (most overdue first), topped up with the
        oldest-reviewed; `NothingToAsk(NOTHING_DUE, next_due_at)` with nothing due."""
        exam_first = self._known(await self._exam.priorities(user_id, now))
        due = self._known(await self._store.due_question_ids(user_id, now))
        if not due and not exam_first:
            next_due = await self._store.next_due_at(user_id)
            return NothingToAsk(NothingReason.NOTHING_DUE, next_due)
        picked: list[str] = []
        _take(picked, exam_first, count)  # before an exam: see tutor.exam
        _take(picked, due, count)
        _take(picked, self._known(await self._store.reviewed_question_ids(user_id)), count)
        return picked

    def topic_of(self, question: Question) -> str:
        """The topic of the card that explains `question` ("" if the card is gone)."""
        card = self._library.cards.get(question.card_id)
        return card.topic_id if card else ""

    def shuffled(self, items: Iterable[_T]) -> list[_T]:
        shuffled = list(items)
        self._rng.shuffle(shuffled)
        return shuffled

    def _weak_topic_question_ids(
        self, accuracy: dict[str, TopicAccuracy], pool: QuestionPool
    ) -> list[str]:
        """Questions of the weak topics, weakest topic first."""
        weak_topics = sorted(
            (item for item in accuracy.values() if item.accuracy < WEAK_TOPIC_ACCURACY),
            key=lambda item: (item.accuracy, item.topic_id),
        )
        question_ids: list[str] = []
        for item in weak_topics:
            in_topic = (q.id for q in pool.questions if self.topic_of(q) == item.topic_id)
            question_ids.extend(self.shuffled(in_topic))
        return question_ids

    def _known(self, question_ids: Iterable[str]) -> list[str]:
        """The ids that still exist in the content (progress may outlive a question)."""
        return [qid for qid in question_ids if qid in self._library.questions]


def _take(picked: list[str], candidates: Iterable[str], limit: int) -> None:
    """Append candidates not yet picked until `picked` holds `limit` ids."""
    for question_id in candidates:
        if len(picked) >= limit:
            return
        if question_id not in picked:
            picked.append(question_id)
