"""Spaced repetition with a fixed clock: exact FSRS due dates, ratings and serialisation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler, State

from tutor.grading import Verdict
from tutor.model import QuestionKind
from tutor.srs import FAST_ANSWER_MS, Srs, card_from_dict, card_to_dict, rating_for

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def srs() -> Srs:
    return Srs()


@pytest.mark.parametrize(
    ("verdict", "kind", "response_ms", "rating"),
    [
        (Verdict.WRONG, QuestionKind.CHOICE, 1_000, Rating.Again),
        (Verdict.CLOSE, QuestionKind.TYPED, 2_000, Rating.Hard),
        (Verdict.CORRECT, QuestionKind.CHOICE, 20_000, Rating.Good),
        (Verdict.CORRECT, QuestionKind.CHOICE, 7_999, Rating.Easy),
        (Verdict.CORRECT, QuestionKind.CHOICE, 8_000, Rating.Good),
        (Verdict.CORRECT, QuestionKind.TRUE_FALSE, 6_000, Rating.Good),
        (Verdict.CORRECT, QuestionKind.TYPED, 12_000, Rating.Easy),
        (Verdict.CORRECT, QuestionKind.ORDER, 19_000, Rating.Easy),
        (Verdict.CORRECT, QuestionKind.TYPED, None, Rating.Good),
    ],
)
def test_rating_from_the_answer(
    verdict: Verdict, kind: QuestionKind, response_ms: int | None, rating: Rating
) -> None:
    assert rating_for(verdict, kind, response_ms) is rating


def test_every_kind_has_a_fast_answer_threshold() -> None:
    assert set(FAST_ANSWER_MS) == set(QuestionKind)


def test_fuzzing_is_off_by_default(srs: Srs) -> None:
    assert srs.scheduler.enable_fuzzing is False


@pytest.mark.parametrize(
    ("rating", "interval"),
    [
        (Rating.Again, timedelta(minutes=1)),
        (Rating.Hard, timedelta(minutes=5, seconds=30)),
        (Rating.Good, timedelta(minutes=10)),
        (Rating.Easy, timedelta(days=8)),
    ],
)
def test_first_review_intervals(srs: Srs, rating: Rating, interval: timedelta) -> None:
    card = srs.review(srs.new_card("q", T0), rating, T0)
    assert card.due == T0 + interval
    assert card.last_review == T0


def test_exact_due_dates_after_a_sequence_of_ratings(srs: Srs) -> None:
    card = srs.new_card("q", T0)
    dues = []
    for rating in (Rating.Good, Rating.Good, Rating.Good):
        card = srs.review(card, rating, card.due)
        dues.append(card.due)
    assert dues == [
        datetime(2025, 3, 10, 9, 10, tzinfo=UTC),
        datetime(2025, 3, 12, 9, 10, tzinfo=UTC),
        datetime(2025, 3, 23, 9, 10, tzinfo=UTC),
    ]
    assert card.state is State.Review


def test_again_brings_a_card_back_sooner_than_good(srs: Srs) -> None:
    card = srs.new_card("q", T0)
    card = srs.review(card, Rating.Good, T0)
    card = srs.review(card, Rating.Good, card.due)
    now = card.due
    intervals = {rating: srs.interval(card, rating, now) for rating in Rating}
    assert intervals == {
        Rating.Again: timedelta(minutes=10),
        Rating.Hard: timedelta(days=8),
        Rating.Good: timedelta(days=11),
        Rating.Easy: timedelta(days=19),
    }
    assert srs.review(card, Rating.Again, now).state is State.Relearning


def test_review_does_not_change_the_card_given(srs: Srs) -> None:
    card = srs.new_card("q", T0)
    before = card_to_dict(card)
    srs.review(card, Rating.Easy, T0)
    assert card_to_dict(card) == before


def test_a_history_gives_the_fsrs_schedule_and_gives_it_again() -> None:
    """Learning steps of 1 and 10 minutes, then FSRS-6's default intervals; no fuzz."""

    def replay() -> list[timedelta]:
        srs = Srs()
        card, now, waits = srs.new_card("q", T0), T0, []
        for rating in (Rating.Good, Rating.Again, Rating.Good, Rating.Easy, Rating.Hard):
            card = srs.review(card, rating, now)
            waits.append(card.due - now)
            now = card.due + timedelta(hours=3)
        return waits

    expected = [
        timedelta(minutes=10),  # Good on a new card: the second learning step
        timedelta(minutes=1),  # Again: back to the first step
        timedelta(minutes=10),  # Good: the second step again
        timedelta(days=2),  # Easy: graduates to review
        timedelta(days=4),  # Hard on a review card: a short interval, still growing
    ]
    assert replay() == expected
    assert replay() == expected


def test_round_trip_through_json(srs: Srs) -> None:
    card = srs.review(srs.new_card("question-id", T0), Rating.Good, T0)
    card = srs.review(card, Rating.Hard, T0 + timedelta(minutes=12))
    restored = card_from_dict(json.loads(json.dumps(card_to_dict(card))))
    assert restored == card
    later = T0 + timedelta(days=3)
    assert srs.review(restored, Rating.Good, later) == srs.review(card, Rating.Good, later)


def test_new_cards_have_stable_ids_and_are_due_now(srs: Srs) -> None:
    card = srs.new_card("testament-what-said", T0)
    assert card.card_id == srs.new_card("testament-what-said", T0 + timedelta(days=1)).card_id
    assert card.due == T0 and card.last_review is None and card.state is State.Learning


def test_a_naive_time_is_refused(srs: Srs) -> None:
    with pytest.raises(ValueError, match="naive"):
        srs.review(srs.new_card("q", T0), Rating.Good, datetime(2025, 3, 10, 9, 0))


def test_a_custom_scheduler_is_used() -> None:
    srs = Srs(Scheduler(learning_steps=(), enable_fuzzing=False))
    card = srs.review(Card(card_id=1, due=T0), Rating.Good, T0)
    assert card.state is State.Review and card.due - T0 >= timedelta(days=1)
