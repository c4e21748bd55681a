"""Quizzes end to end over a real store, with a frozen clock and a seeded random source."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating

from tutor.clock import FrozenClock
from tutor.grading import Verdict
from tutor.model import Card, Deck, Library, Question, QuestionKind, Topic
from tutor.quiz import (
    AnswerResult,
    NothingReason,
    NothingToAsk,
    OrderProgress,
    PresentedQuestion,
    QuizService,
    Rejected,
    Rejection,
    Started,
)
from tutor.srs import Srs, card_to_dict
from tutor.store import Answer, ChatKind, Memory, SessionStatus, Store

if TYPE_CHECKING:
    from conftest import Database

ALICE, BOB = 101, 202
DECK = "history"


def topic(topic_id: str) -> Topic:
    return Topic(topic_id, f"Topic {topic_id}", DECK)


def card(card_id: str, topic_id: str) -> Card:
    return Card(card_id, f"Card {card_id}", topic_id, DECK, body="• a note")


def choice(question_id: str, card_id: str) -> Question:
    return Question(
        question_id,
        QuestionKind.CHOICE,
        f"Prompt {question_id}?",
        card_id,
        DECK,
        explanation=f"Because {question_id}.",
        options=("Right", "Wrong A", "Wrong B", "Wrong C"),
        answer="Right",
    )


KINDS = (
    choice("k-choice", "choice-card"),
    Question(
        "k-truefalse",
        QuestionKind.TRUE_FALSE,
        "Zinoviev and Kamenev backed Stalin in 1924.",
        "truefalse-card",
        DECK,
        explanation="They feared Trotsky.",
        truth=True,
    ),
    Question(
        "k-typed",
        QuestionKind.TYPED,
        "Who replaced Zinoviev in Leningrad?",
        "typed-card",
        DECK,
        explanation="Kirov took over.",
        accepted=("Sergei Kirov", "Kirov"),
    ),
    Question(
        "k-order",
        QuestionKind.ORDER,
        "Put these in order.",
        "order-card",
        DECK,
        explanation="1925, 1926, 1929.",
        items=("Trotsky resigns", "United Opposition formed", "Trotsky expelled"),
    ),
)
TOPICS = tuple(topic(t) for t in ("kinds", "left", "right", "legacy", "empty"))
CARDS = (
    card("choice-card", "kinds"),
    card("truefalse-card", "kinds"),
    card("typed-card", "kinds"),
    card("order-card", "kinds"),
    card("left-card", "left"),
    card("left-card-2", "left"),
    card("right-card", "right"),
    card("legacy-card", "legacy"),
)
QUESTIONS = (
    *KINDS,
    *(choice(f"l{n}", "left-card") for n in range(1, 5)),
    choice("l5", "left-card-2"),
    *(choice(f"r{n}", "right-card") for n in range(1, 5)),
    *(choice(f"g{n}", "legacy-card") for n in range(1, 5)),
)
LIBRARY = Library.from_decks(
    (
        Deck(
            DECK,
            "History",
            "History",
            "history.yaml",
            topics=TOPICS,
            cards=CARDS,
            questions=QUESTIONS,
        ),
    )
)
TOPIC_OF = {q.id: LIBRARY.cards[q.card_id].topic_id for q in QUESTIONS}


@pytest.fixture
async def people(store: Store, clock: FrozenClock) -> Store:
    for user_id in (ALICE, BOB):
        await store.upsert_user(user_id, first_name=f"U{user_id}", username=None, now=clock())
        await store.upsert_chat(user_id, kind=ChatKind.PRIVATE, title=None, now=clock())
    return store


@pytest.fixture
async def service(people: Store, clock: FrozenClock) -> AsyncIterator[QuizService]:
    yield QuizService(LIBRARY, people, clock=clock, rng=random.Random(7))


async def start(service: QuizService, **options: object) -> PresentedQuestion:
    started = await service.start_quiz(ALICE, ALICE, **options)  # type: ignore[arg-type]
    assert isinstance(started, Started), started
    return started.question


async def answer_right(service: QuizService, shown: PresentedQuestion) -> AnswerResult:
    question = LIBRARY.questions[shown.question_id]
    session, position = shown.session_id, shown.position
    match question.kind:
        case QuestionKind.CHOICE:
            index = shown.options.index(question.answer)
            result = await service.answer_choice(session, ALICE, index, position=position)
        case QuestionKind.TRUE_FALSE:
            index = 0 if question.truth else 1
            result = await service.answer_choice(session, ALICE, index, position=position)
        case QuestionKind.TYPED:
            result = await service.answer_typed(session, ALICE, "kirov", position=position)
        case QuestionKind.ORDER:
            result = await place_items(service, shown, question.items)
    assert isinstance(result, AnswerResult), result
    return result


async def place_items(
    service: QuizService, shown: PresentedQuestion, items: tuple[str, ...]
) -> AnswerResult | OrderProgress | Rejected:
    for item in items:
        step = await service.answer_order_step(
            shown.session_id, ALICE, shown.options.index(item), position=shown.position
        )
        if not isinstance(step, OrderProgress):
            return step
        shown = step.question
    raise AssertionError("an order question should finish once every item is placed")


# whole quizzes


async def test_a_quiz_of_every_question_kind_answered_right(
    service: QuizService, store: Store, clock: FrozenClock
) -> None:
    shown = await start(service, topic_id="kinds", count=10)
    assert shown.total == 4 and shown.position == 1
    seen: list[str] = []
    result = None
    while True:
        clock.advance(seconds=30)
        seen.append(shown.question_id)
        result = await answer_right(service, shown)
        assert result.verdict is Verdict.CORRECT
        if result.next_question is None:
            break
        assert result.next_question.position == shown.position + 1
        shown = result.next_question
    assert sorted(seen) == sorted(q.id for q in KINDS)
    summary = result.summary
    assert summary is not None
    assert (summary.correct, summary.answered, summary.total, summary.score) == (4, 4, 4, 4)
    assert summary.status is SessionStatus.FINISHED and summary.topics_to_revisit == ()
    assert await service.current_question(ALICE, ALICE) is None
    exported = await store.export_user(ALICE)
    assert len(exported["answers"]) == 4 and len(exported["memory"]) == 4


async def test_wrong_answers_show_the_right_ones_and_topics_to_revisit(
    service: QuizService, clock: FrozenClock
) -> None:
    shown = await start(service, topic_id="kinds", count=4)
    results: dict[str, AnswerResult] = {}
    while shown is not None:
        clock.advance(seconds=20)
        question = LIBRARY.questions[shown.question_id]
        result = await answer_wrong(service, shown, question)
        results[question.id] = result
        shown = result.next_question  # type: ignore[assignment]
    assert {r.verdict for r in results.values()} == {Verdict.WRONG}
    assert results["k-choice"].correct_answer == "Right"
    assert results["k-truefalse"].correct_answer == "True"
    assert results["k-typed"].correct_answer == "Sergei Kirov"
    assert results["k-typed"].response == "Bukharin"
    order = results["k-order"]
    assert order.correct_order == KINDS[3].items
    assert order.correct_answer == "Trotsky resigns → United Opposition formed → Trotsky expelled"
    assert order.response == "Trotsky expelled → United Opposition formed → Trotsky resigns"
    assert results["k-choice"].explanation == "Because k-choice."
    summary = next(r.summary for r in results.values() if r.summary)
    assert (summary.correct, summary.answered) == (0, 4)
    assert summary.topics_to_revisit == (LIBRARY.topics["kinds"],)


async def answer_wrong(
    service: QuizService, shown: PresentedQuestion, question: Question
) -> AnswerResult:
    session, position = shown.session_id, shown.position
    match question.kind:
        case QuestionKind.CHOICE:
            index = shown.options.index("Wrong B")
            result = await service.answer_choice(session, ALICE, index, position=position)
        case QuestionKind.TRUE_FALSE:
            result = await service.answer_choice(session, ALICE, 1, position=position)
        case QuestionKind.TYPED:
            result = await service.answer_typed(session, ALICE, " Bukharin ", position=position)
        case _:
            result = await place_items(service, shown, tuple(reversed(question.items)))
    assert isinstance(result, AnswerResult), result
    return result


async def test_a_close_typed_answer_counts_as_close(service: QuizService) -> None:
    shown = await start(service, card_id="typed-card", count=1)
    result = await service.answer_typed(shown.session_id, ALICE, "Sergei")
    assert isinstance(result, AnswerResult) and result.verdict is Verdict.CLOSE
    assert result.summary is not None and result.summary.close == 1


async def test_an_order_question_is_answered_tap_by_tap(service: QuizService) -> None:
    shown = await start(service, card_id="order-card", count=1)
    assert shown.kind is QuestionKind.ORDER
    assert shown.options != KINDS[3].items and sorted(shown.options) == sorted(KINDS[3].items)
    first = shown.options.index("Trotsky resigns")
    step = await service.answer_order_step(shown.session_id, ALICE, first, position=1)
    assert isinstance(step, OrderProgress)
    assert step.question.placed == (first,) and first not in step.question.remaining
    again = await service.answer_order_step(shown.session_id, ALICE, first, position=1)
    assert again == Rejected(Rejection.STALE, "that item is already placed")
    beyond = await service.answer_order_step(shown.session_id, ALICE, 3, position=1)
    assert isinstance(beyond, Rejected) and beyond.reason is Rejection.INVALID
    resumed = await service.current_question(ALICE, ALICE)
    assert resumed == step.question
    second = shown.options.index("United Opposition formed")
    step = await service.answer_order_step(shown.session_id, ALICE, second, position=1)
    # One item left is still the student's to tap: the question never answers itself.
    assert isinstance(step, OrderProgress), step
    last = shown.options.index("Trotsky expelled")
    assert step.question.placed == (first, second) and step.question.remaining == (last,)
    result = await service.answer_order_step(shown.session_id, ALICE, last, position=1)
    assert isinstance(result, AnswerResult) and result.verdict is Verdict.CORRECT
    assert result.summary is not None and result.summary.correct == 1


async def test_a_quick_right_answer_is_rated_easy(
    service: QuizService, store: Store, clock: FrozenClock
) -> None:
    """Easy puts a new question 8 days away; the response time is kept with the answer."""
    shown = await start(service, card_id="choice-card", count=1)
    clock.advance(seconds=3)
    await answer_right(service, shown)
    remembered = await store.get_memory(ALICE, "k-choice")
    assert remembered is not None and remembered.last_review_at == clock()
    assert remembered.due_at == clock() + timedelta(days=8)
    assert [a.response_ms for a in await store.session_answers(shown.session_id)] == [3000]


async def test_a_slow_first_answer_is_due_in_ten_minutes(
    service: QuizService, store: Store, clock: FrozenClock
) -> None:
    shown = await start(service, card_id="choice-card", count=1)
    clock.advance(seconds=30)
    await answer_right(service, shown)
    remembered = await store.get_memory(ALICE, "k-choice")
    assert remembered is not None and remembered.due_at == clock() + timedelta(minutes=10)


# selection


async def remember(store: Store, question_id: str, due_at: datetime, reviewed_at: datetime) -> None:
    srs = Srs()
    card = srs.review(srs.new_card(question_id, reviewed_at), Rating.Good, reviewed_at)
    await store.put_memory(Memory(ALICE, question_id, card_to_dict(card), due_at, reviewed_at))


async def record(store: Store, question_id: str, *, correct: bool, at: datetime) -> None:
    question = LIBRARY.questions[question_id]
    await store.record_answer(
        Answer(
            session_id=None,
            user_id=ALICE,
            chat_id=ALICE,
            question_id=question_id,
            card_id=question.card_id,
            topic_id=TOPIC_OF[question_id],
            verdict="correct" if correct else "wrong",
            correct=correct,
            response_ms=5000,
            answered_at=at,
            source="quiz",
        )
    )


async def history_with_due_weak_and_new(store: Store, now: datetime) -> None:
    """right: r1-r3 due, answered right; left: l1-l5 not due, answered wrong (weak);
    everything else (r4, legacy, kinds) never seen (new)."""
    past = now - timedelta(days=3)
    for question_id in ("r1", "r2", "r3"):
        await remember(store, question_id, now - timedelta(hours=1), past)
        await record(store, question_id, correct=True, at=past)
    for question_id in ("l1", "l2", "l3", "l4", "l5"):
        await remember(store, question_id, now + timedelta(days=2), past)
        await record(store, question_id, correct=False, at=past)


DUE = {"r1", "r2", "r3"}
WEAK = {"l1", "l2", "l3", "l4", "l5"}


async def selection(service: QuizService, store: Store, **options: object) -> list[str]:
    shown = await start(service, **options)
    session = await store.get_session(shown.session_id)
    assert session is not None
    return list(session.question_ids)


async def test_a_quiz_mixes_due_weak_and_new_questions(
    service: QuizService, store: Store, clock: FrozenClock
) -> None:
    await history_with_due_weak_and_new(store, clock())
    picked = await selection(service, store, count=5)
    assert len(picked) == 5
    assert len(DUE & set(picked)) == 2
    assert len(WEAK & set(picked)) == 2
    assert len(set(picked) - DUE - WEAK) == 1


async def test_a_short_source_leaves_its_places_to_the_others(
    service: QuizService, store: Store, clock: FrozenClock
) -> None:
    await history_with_due_weak_and_new(store, clock())
    picked = await selection(service, store, count=10)
    assert set(picked) >= DUE
    assert len(WEAK & set(picked)) == 3
    assert len(set(picked) - DUE - WEAK) == 4


async def test_selection_is_deterministic_with_a_seed(people: Store, clock: FrozenClock) -> None:
    await history_with_due_weak_and_new(people, clock())
    runs = []
    for _ in range(2):
        service = QuizService(LIBRARY, people, clock=clock, rng=random.Random(42))
        shown = await start(service, count=6)
        session = await people.get_session(shown.session_id)
        assert session is not None
        runs.append((session.question_ids, shown.options))
    assert runs[0] == runs[1]


async def test_quiz_me_on_this_card_asks_its_questions_first(
    service: QuizService, store: Store
) -> None:
    picked = await selection(service, store, card_id="left-card-2", count=3)
    assert len(picked) == 3 and picked[0] == "l5"
    assert {TOPIC_OF[question_id] for question_id in picked} == {"left"}


async def test_filters_and_counts(service: QuizService) -> None:
    assert await service.start_quiz(ALICE, ALICE, topic_id="nope") == NothingToAsk(
        NothingReason.UNKNOWN_TOPIC
    )
    assert await service.start_quiz(ALICE, ALICE, card_id="nope") == NothingToAsk(
        NothingReason.UNKNOWN_CARD
    )
    assert await service.start_quiz(ALICE, ALICE, deck_id="nope") == NothingToAsk(
        NothingReason.UNKNOWN_DECK
    )
    assert await service.start_quiz(ALICE, ALICE, topic_id="empty") == NothingToAsk(
        NothingReason.NO_QUESTIONS
    )
    assert (await start(service, count=0)).total == 1
    assert (await start(service, count=100)).total == len(QUESTIONS) == 17
    assert (await start(service, deck_id=DECK)).total == 5


# review


async def test_review_with_nothing_learnt_or_nothing_due(
    service: QuizService, clock: FrozenClock
) -> None:
    assert await service.start_review(ALICE, ALICE) == NothingToAsk(NothingReason.NOTHING_DUE)
    shown = await start(service, card_id="choice-card", count=1)
    clock.advance(seconds=30)
    await answer_right(service, shown)
    assert await service.start_review(ALICE, ALICE) == NothingToAsk(
        NothingReason.NOTHING_DUE, clock() + timedelta(minutes=10)
    )
    clock.advance(minutes=10)
    started = await service.start_review(ALICE, ALICE)
    assert isinstance(started, Started) and started.question.question_id == "k-choice"


async def test_review_puts_due_first_then_the_oldest_reviewed(
    service: QuizService, store: Store, clock: FrozenClock
) -> None:
    now = clock()
    await remember(store, "r2", now - timedelta(days=1), now - timedelta(days=2))
    await remember(store, "r1", now - timedelta(days=2), now - timedelta(days=4))
    await remember(store, "g1", now + timedelta(days=5), now - timedelta(days=10))
    await remember(store, "g2", now + timedelta(days=5), now - timedelta(days=3))
    await remember(store, "gone-from-content", now - timedelta(days=9), now)
    started = await service.start_review(ALICE, ALICE, count=3)
    assert isinstance(started, Started)
    session = await store.get_session(started.question.session_id)
    assert session is not None and session.question_ids == ("r1", "r2", "g1")
    assert session.kind == "review"


# robustness


async def test_resuming_after_a_restart(database: Database, clock: FrozenClock) -> None:
    first_store = await database.open()
    for user_id in (ALICE, BOB):
        await first_store.upsert_user(user_id, first_name="U", username=None, now=clock())
        await first_store.upsert_chat(user_id, kind=ChatKind.PRIVATE, title=None, now=clock())
    before = QuizService(LIBRARY, first_store, clock=clock, rng=random.Random(1))
    shown = await start(before, topic_id="kinds", count=4)
    clock.advance(seconds=10)
    waiting = (await answer_right(before, shown)).next_question
    await first_store.close()

    second_store = await database.open()
    try:
        after = QuizService(LIBRARY, second_store, clock=clock, rng=random.Random(99))
        resumed = await after.current_question(ALICE, ALICE)
        assert resumed == waiting and resumed is not None
        result = await answer_right(after, resumed)
        while result.next_question is not None:
            result = await answer_right(after, result.next_question)
        assert result.summary is not None and result.summary.correct == 4
    finally:
        await second_store.close()


async def test_stale_foreign_and_invalid_answers_are_rejected(service: QuizService) -> None:
    shown = await start(service, card_id="choice-card", count=2)
    session = shown.session_id
    unknown = await service.answer_choice(9999, ALICE, 0)
    assert isinstance(unknown, Rejected) and unknown.reason is Rejection.STALE
    foreign = await service.answer_choice(session, BOB, 0)
    assert isinstance(foreign, Rejected) and foreign.reason is Rejection.FOREIGN
    for index in (4, -1):
        invalid = await service.answer_choice(session, ALICE, index)
        assert isinstance(invalid, Rejected) and invalid.reason is Rejection.INVALID
    wrong_kind = await service.answer_typed(session, ALICE, "Right")
    assert isinstance(wrong_kind, Rejected) and wrong_kind.reason is Rejection.INVALID
    wrong_kind = await service.answer_order_step(session, ALICE, 0)
    assert isinstance(wrong_kind, Rejected) and wrong_kind.reason is Rejection.INVALID

    first = await answer_right(service, shown)
    double_tap = await service.answer_choice(session, ALICE, 0, position=1)
    assert double_tap == Rejected(Rejection.STALE, "that question was already answered")
    assert first.next_question is not None
    await answer_right(service, first.next_question)
    finished = await service.answer_choice(session, ALICE, 0)
    assert finished == Rejected(Rejection.STALE, "this quiz has ended")


async def test_simultaneous_taps_count_once(service: QuizService, store: Store) -> None:
    shown = await start(service, card_id="choice-card", count=3)
    taps = await asyncio.gather(
        *(service.answer_choice(shown.session_id, ALICE, 0, position=1) for _ in range(3))
    )
    assert sum(isinstance(tap, AnswerResult) for tap in taps) == 1
    assert all(tap.reason is Rejection.STALE for tap in taps if isinstance(tap, Rejected))
    assert len(await store.session_answers(shown.session_id)) == 1


async def test_stop_ends_the_quiz_with_a_summary(service: QuizService) -> None:
    assert await service.stop(ALICE, ALICE) is None
    shown = await start(service, topic_id="kinds", count=4)
    await answer_right(service, shown)
    summary = await service.stop(ALICE, ALICE)
    assert summary is not None
    assert (summary.status, summary.answered, summary.correct, summary.total) == (
        SessionStatus.STOPPED,
        1,
        1,
        4,
    )
    assert await service.stop(ALICE, ALICE) is None
    assert await service.current_question(ALICE, ALICE) is None
    late = await service.answer_typed(shown.session_id, ALICE, "Kirov")
    assert isinstance(late, Rejected) and late.reason is Rejection.STALE


async def test_a_new_quiz_replaces_the_active_one(service: QuizService) -> None:
    old = await start(service, topic_id="kinds", count=4)
    await answer_right(service, old)
    started = await service.start_quiz(ALICE, ALICE, topic_id="left")
    assert isinstance(started, Started) and started.replaced is not None
    assert started.replaced.session_id == old.session_id
    assert (started.replaced.status, started.replaced.answered) == (SessionStatus.STOPPED, 1)
    stale = await service.answer_choice(old.session_id, ALICE, 0)
    assert isinstance(stale, Rejected) and stale.reason is Rejection.STALE
    assert await service.current_question(ALICE, ALICE) == started.question


async def test_each_student_has_their_own_quiz_in_a_chat(
    service: QuizService, store: Store, clock: FrozenClock
) -> None:
    group = -500
    await store.upsert_chat(group, kind=ChatKind.GROUP, title="Year 12", now=clock())
    alice = await service.start_quiz(group, ALICE, topic_id="left")
    bob = await service.start_quiz(group, BOB, topic_id="right")
    assert isinstance(alice, Started) and isinstance(bob, Started)
    assert alice.replaced is None and bob.replaced is None
    bobs_question = await service.current_question(group, BOB)
    assert bobs_question is not None and TOPIC_OF[bobs_question.question_id] == "right"


# statistics


async def test_stats_and_streak_across_a_time_zone_boundary(
    service: QuizService, store: Store, clock: FrozenClock
) -> None:
    """Two answers either side of midnight UTC fall on one Los Angeles evening."""
    await record(store, "l1", correct=False, at=datetime(2025, 3, 10, 23, 0, tzinfo=UTC))
    await record(store, "r1", correct=True, at=datetime(2025, 3, 11, 1, 0, tzinfo=UTC))
    await remember(store, "r1", datetime(2025, 3, 11, 10, 0, tzinfo=UTC), clock())
    utc, los_angeles = ZoneInfo("UTC"), ZoneInfo("America/Los_Angeles")

    clock.set(datetime(2025, 3, 11, 2, 0, tzinfo=UTC))  # 19:00 on 10 March in LA
    in_utc = await service.stats(ALICE, utc)
    in_la = await service.stats(ALICE, los_angeles)
    assert (in_utc.answered, in_utc.correct, in_utc.accuracy) == (2, 1, 0.5)
    assert [t.topic_id for t in in_utc.topics] == ["left", "right"]
    assert (in_utc.streak_days, in_la.streak_days) == (2, 1)
    assert (in_utc.due_today, in_la.due_today) == (1, 0)
    assert len(in_utc.daily_counts) == 14
    assert [(d.day, d.answered) for d in in_utc.daily_counts[-2:]] == [
        (date(2025, 3, 10), 1),
        (date(2025, 3, 11), 1),
    ]
    assert in_utc.daily_counts[0].day == date(2025, 2, 26)
    assert [(d.day, d.answered) for d in in_la.daily_counts[-2:]] == [
        (date(2025, 3, 9), 0),
        (date(2025, 3, 10), 2),
    ]

    clock.set(datetime(2025, 3, 12, 2, 0, tzinfo=UTC))  # streaks may end yesterday
    assert (await service.stats(ALICE, utc)).streak_days == 2
    assert (await service.stats(ALICE, los_angeles)).streak_days == 1
    clock.set(datetime(2025, 3, 13, 12, 0, tzinfo=UTC))  # a day missed: streak over
    assert (await service.stats(ALICE, utc)).streak_days == 0


async def test_stats_for_a_new_student(service: QuizService) -> None:
    stats = await service.stats(ALICE, ZoneInfo("Europe/London"))
    assert (stats.answered, stats.accuracy, stats.streak_days, stats.due_today) == (0, 0.0, 0, 0)
    assert stats.topics == () and sum(d.answered for d in stats.daily_counts) == 0


def test_the_core_never_imports_telegram() -> None:
    code = (
        "import sys\n"
        "import tutor.clock, tutor.grading, tutor.quiz, tutor.srs, tutor.store\n"
        "loaded = [m for m in sys.modules if m == 'telegram' or m.startswith('telegram.')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
