"""Spaced repetition: when should a student see a question again?

A thin wrapper over the `fsrs` package's scheduler (FSRS-6). We choose the rating from
how the student answered, pass the time in, and keep the card as a JSON-compatible dict
for the store. Fuzzing is off by default so the same history always gives the same dates.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from typing import Any

from fsrs import Card, Rating, Scheduler

from tutor.clock import as_utc
from tutor.grading import Verdict
from tutor.model import QuestionKind

FAST_ANSWER_MS: dict[QuestionKind, int] = {
    QuestionKind.TRUE_FALSE: 5_000,
    QuestionKind.CHOICE: 8_000,
    QuestionKind.TYPED: 15_000,
    QuestionKind.ORDER: 20_000,
}
"""A right answer quicker than this is rated Easy: reading the prompt and tapping takes a
few seconds, typing or ordering several items takes longer, so each kind has its own bar."""


def rating_for(verdict: Verdict, kind: QuestionKind, response_ms: int | None) -> Rating:
    """Wrong -> Again, close -> Hard, right -> Good, right and fast -> Easy."""
    if verdict is Verdict.WRONG:
        return Rating.Again
    if verdict is Verdict.CLOSE:
        return Rating.Hard
    if response_ms is not None and 0 <= response_ms < FAST_ANSWER_MS[kind]:
        return Rating.Easy
    return Rating.Good


def card_to_dict(card: Card) -> dict[str, Any]:
    """The card as JSON-compatible data (what the store keeps)."""
    return dict(card.to_dict())


def card_from_dict(data: dict[str, Any]) -> Card:
    return Card.from_dict(data)  # type: ignore[arg-type]


class Srs:
    """Schedules reviews with an `fsrs.Scheduler` (fuzzing off unless one is given)."""

    def __init__(self, scheduler: Scheduler | None = None) -> None:
        self.scheduler = scheduler or Scheduler(enable_fuzzing=False)

    def new_card(self, question_id: str, now: datetime) -> Card:
        """A card never reviewed, due `now`; its id is derived from the question id."""
        return Card(card_id=zlib.crc32(question_id.encode()), due=as_utc(now))

    def review(
        self, card: Card, rating: Rating, now: datetime, *, response_ms: int | None = None
    ) -> Card:
        """The card after a review rated `rating` at `now` (the input is not changed)."""
        reviewed, _log = self.scheduler.review_card(
            card, rating, review_datetime=as_utc(now), review_duration=response_ms
        )
        return reviewed

    def interval(self, card: Card, rating: Rating, now: datetime) -> timedelta:
        """How long until the card would be due again if rated `rating` at `now`."""
        return self.review(card, rating, now).due - as_utc(now)
