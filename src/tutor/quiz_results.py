"""What the quiz service returns: plain data the adapters render (no markup, no keyboards).

Kept apart from `tutor.quiz` so the adapters and the group, daily and dashboard services
can name these types without reading the service; `tutor.quiz` re-exports every one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from tutor.grading import Verdict
from tutor.model import QuestionKind, Topic
from tutor.store import SessionKind, SessionStatus


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
    """The last `quiz.DAILY_COUNT_DAYS` local days, oldest first."""

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0
