"""The exam countdown: the ranking rules, `/exam` for students and classes, and the
quiz service putting the exam's questions first until the day (then no longer)."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from tutor.clock import FrozenClock
from tutor.console import Console
from tutor.content import load_library
from tutor.dialog import Dialog
from tutor.exam import (
    RECENT_REVIEW,
    TARGET_RECALL,
    ExamPlanner,
    Outlook,
    countdown,
    exam_instant,
    exam_order,
    outlooks,
    parse_exam_date,
)
from tutor.exam_store import ExamStore, ReviewState
from tutor.grading import Verdict
from tutor.quiz import NothingReason, NothingToAsk, QuizService, Started
from tutor.quizflow import QuizFlow, Who
from tutor.srs import card_to_dict
from tutor.store import Answer, ChatKind, Store

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = load_library([ROOT / "content"])
ALICE, BOB, CAROL = 11, 22, 33
GROUP = -500
TODAY = date(2025, 3, 10)  # the conftest clock starts on this Monday, 09:00 UTC
NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
SCHEDULER = Scheduler(enable_fuzzing=False)


def student(user_id: int) -> Who:
    return Who(user_id=user_id, chat_id=user_id, first_name=f"U{user_id}")


def in_group(user_id: int) -> Who:
    return Who(user_id, GROUP, f"U{user_id}", chat_kind=ChatKind.GROUP, chat_title="Year 12")


@pytest.fixture
async def flow(store: Store, clock: FrozenClock) -> QuizFlow:
    service = QuizService(LIBRARY, store, clock=clock, rng=random.Random(3))
    return QuizFlow(LIBRARY, store, service, clock=clock)


def topic_questions(*topic_ids: str) -> list[str]:
    return [
        q.id for q in LIBRARY.questions.values() if LIBRARY.cards[q.card_id].topic_id in topic_ids
    ]


def reviewed(rating: Rating, at: datetime) -> FsrsCard:
    card, _ = SCHEDULER.review_card(FsrsCard(due=at), rating, at)
    return card


# ----- pure rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-05-20", date(2025, 5, 20)),
        ("20/05/2025", date(2025, 5, 20)),
        ("20.05.2025", date(2025, 5, 20)),
        ("20 May 2025", date(2025, 5, 20)),
        ("May 20th, 2025", date(2025, 5, 20)),
        ("20 may", date(2025, 5, 20)),
        ("1 March", date(2026, 3, 1)),  # already past this year: next year's
    ],
)
def test_exam_dates_in_the_forms_people_write(text: str, expected: date) -> None:
    assert parse_exam_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tomorrowish", "I can't read “tomorrowish” as a date"),
        ("2025-03-10", "Monday 10 March 2025 is not in the future"),
        ("2024-12-01", "is not in the future"),
        ("2031-01-01", "more than two years away"),
        ("2025-02-30", "I can't read"),
    ],
)
def test_bad_exam_dates_say_why(text: str, message: str) -> None:
    result = parse_exam_date(text, TODAY)
    assert isinstance(result, str) and message in result


def test_outlook_predicts_recall_at_the_exam_from_the_memory_state() -> None:
    exam_at = NOW + timedelta(days=20)
    strong = reviewed(Rating.Easy, NOW)
    weak = reviewed(Rating.Again, NOW)
    states = {
        "strong": ReviewState("strong", card_to_dict(strong), NOW),
        "weak": ReviewState("weak", card_to_dict(weak), NOW),
    }
    found = {
        item.question_id: item
        for item in outlooks(["strong", "weak", "new"], states, exam_at, SCHEDULER)
    }
    assert found["new"] == Outlook("new", seen=False, recall=0.0)
    assert found["strong"].recall == pytest.approx(
        SCHEDULER.get_card_retrievability(strong, exam_at)
    )
    assert 0 < found["weak"].recall < found["strong"].recall < 1
    # Further away, the same memory is predicted weaker: the exam date matters.
    later = outlooks(["strong"], states, exam_at + timedelta(days=30), SCHEDULER)[0]
    assert later.recall < found["strong"].recall


def test_exam_order_puts_unseen_first_then_the_most_likely_forgotten() -> None:
    long_ago = NOW - timedelta(days=3)
    prospects = [
        Outlook("fine", True, TARGET_RECALL + 0.01, long_ago),
        Outlook("shaky", True, 0.6, long_ago),
        Outlook("new-1", False, 0.0),
        Outlook("weak", True, 0.3, long_ago),
        Outlook("just-done", True, 0.2, NOW - RECENT_REVIEW + timedelta(minutes=1)),
        Outlook("new-2", False, 0.0),
    ]
    assert exam_order(prospects, NOW) == ["new-1", "new-2", "weak", "shaky"]


def test_countdown_figures_and_an_even_daily_target() -> None:
    prospects = [Outlook("a", True, 0.95), Outlook("b", True, 0.5), Outlook("c", False, 0.0)]
    status = countdown(date(2025, 3, 12), TODAY, prospects)
    assert (status.days_left, status.total) == (2, 3)
    assert status.seen == pytest.approx(2 / 3)
    assert status.recall == pytest.approx(1.45 / 3)
    assert status.daily_target == 1  # two questions need work, two days left


# ----- /exam --------------------------------------------------------------------------------


async def test_a_student_sets_sees_and_clears_their_exam(flow: QuizFlow) -> None:
    who = student(ALICE)
    shown = await flow.exams.exam(who, "", may_change=True)
    assert "No exam date set" in shown.lines[0]

    reply = await flow.exams.exam(who, "2025-04-09 Trotsky, NEP debate", may_change=True)
    text = "\n".join(reply.lines)
    trotsky = len(topic_questions("trotsky", "nep-debate"))
    assert (
        "Exam set for Wednesday 9 April 2025: Trotsky, The NEP and the industrialisation " in text
    )
    assert f"({trotsky} questions)" in text
    assert "30 days to go." in text and "Seen so far by you: 0%" in text
    assert f"About {-(-trotsky // 30)} question" in text

    exam = await ExamStore(flow.store).exam_of_chat(ALICE)
    assert exam is not None and exam.topic_ids == ("trotsky", "nep-debate")

    cleared = await flow.exams.exam(who, "off", may_change=True)
    assert "cleared" in cleared.lines[0]
    assert await ExamStore(flow.store).exam_of_chat(ALICE) is None
    again = await flow.exams.exam(who, "off", may_change=True)
    assert "no exam date to clear" in again.lines[0]


async def test_unknown_topics_and_dates_change_nothing(flow: QuizFlow) -> None:
    who = student(ALICE)
    reply = await flow.exams.exam(who, "2025-04-09 Trotsky, frobnication", may_change=True)
    assert "I don't know the topic “frobnication”" in reply.lines[0]
    reply = await flow.exams.exam(who, "someday soon", may_change=True)
    assert "as a date" in reply.lines[0]
    assert await ExamStore(flow.store).exam_of_chat(ALICE) is None


async def test_only_group_admins_set_the_class_exam_but_anyone_sees_it(flow: QuizFlow) -> None:
    refused = await flow.exams.exam(in_group(BOB), "2025-04-09", may_change=False)
    assert "only this group's admins" in refused.lines[0]
    assert await ExamStore(flow.store).exam_of_chat(GROUP) is None

    await flow.exams.exam(in_group(ALICE), "2025-04-09", may_change=True)
    shown = await flow.exams.exam(in_group(BOB), "", may_change=False)
    assert shown.lines[0].startswith("Class exam: Wednesday 9 April 2025 — every topic")
    assert "Nobody has answered a question here yet" in shown.lines[1]


async def test_the_class_countdown_averages_its_students(
    flow: QuizFlow, store: Store, clock: FrozenClock
) -> None:
    await flow.exams.exam(in_group(ALICE), "2025-04-09 Trotsky", may_change=True)
    for user_id in (BOB, CAROL):
        await store.upsert_user(user_id, first_name="x", username=None, now=clock())
    question = LIBRARY.questions[topic_questions("trotsky")[0]]
    memory = await flow.service.memory_after(BOB, question, Verdict.CORRECT, 20_000, clock())
    await store.put_memory(memory)
    for user_id in (BOB, CAROL):
        await store.record_answer(_group_answer(user_id, question.id, clock()))
    shown = await flow.exams.exam(in_group(CAROL), "", may_change=False)
    text = "\n".join(shown.lines)
    total = len(topic_questions("trotsky"))
    seen = 1 / total / 2  # Bob saw one question, Carol none
    assert f"Seen so far by the class (2 students), on average: {seen:.0%}" in text


# ----- the quiz service until the exam, and after ---------------------------------------------


async def test_review_serves_unseen_exam_questions_when_nothing_is_due(
    flow: QuizFlow, clock: FrozenClock
) -> None:
    await flow.exams.exam(student(ALICE), "2025-04-09 Trotsky", may_change=True)
    started = await flow.service.start_review(ALICE, ALICE, count=5)
    assert isinstance(started, Started)
    session = await flow.store.get_session(started.question.session_id)
    assert session is not None
    assert list(session.question_ids) == topic_questions("trotsky")[:5]


async def test_quiz_puts_the_weakest_exam_questions_first(
    flow: QuizFlow, store: Store, clock: FrozenClock
) -> None:
    exam_questions = topic_questions("trotsky")
    await flow.exams.exam(student(ALICE), "2025-04-09 Trotsky", may_change=True)
    # Alice has answered every exam question 4 days ago: right, except two.
    answered_at = clock() - timedelta(days=4)
    forgotten = {exam_questions[3], exam_questions[1]}
    for question_id in exam_questions:
        question = LIBRARY.questions[question_id]
        verdict = Verdict.WRONG if question_id in forgotten else Verdict.CORRECT
        await store.put_memory(
            await flow.service.memory_after(ALICE, question, verdict, 20_000, answered_at)
        )
    started = await flow.service.start_quiz(ALICE, ALICE, count=4)
    assert isinstance(started, Started)
    session = await flow.store.get_session(started.question.session_id)
    assert session is not None
    assert set(session.question_ids[:2]) == forgotten
    assert set(session.question_ids[:4]) <= set(exam_questions)


async def test_a_class_exam_reaches_its_students_private_reviews(
    flow: QuizFlow, store: Store, clock: FrozenClock
) -> None:
    await flow.exams.exam(in_group(ALICE), "2025-04-09 Trotsky", may_change=True)
    await store.upsert_user(BOB, first_name="B", username=None, now=clock())
    await store.upsert_chat(BOB, kind=ChatKind.PRIVATE, title=None, now=clock())
    first = topic_questions("trotsky")[0]
    await store.record_answer(_group_answer(BOB, first, clock()))

    shown = await flow.exams.exam(student(BOB), "", may_change=True)
    assert shown.lines[0].startswith("Class exam (Year 12): Wednesday 9 April 2025 — Trotsky")
    started = await flow.service.start_review(BOB, BOB, count=3)
    assert isinstance(started, Started)
    assert started.question.question_id == first
    # Carol never answered in the group: no exam for her, nothing due.
    assert await flow.service.start_review(CAROL, CAROL) == NothingToAsk(NothingReason.NOTHING_DUE)


async def test_after_the_exam_normal_scheduling_resumes(flow: QuizFlow, clock: FrozenClock) -> None:
    await flow.exams.exam(student(ALICE), "2025-03-12", may_change=True)
    assert isinstance(await flow.service.start_review(ALICE, ALICE), Started)
    await flow.service.stop(ALICE, ALICE)
    clock.advance(days=3)
    assert isinstance(await flow.service.start_review(ALICE, ALICE), NothingToAsk)
    shown = await flow.exams.exam(student(ALICE), "", may_change=True)
    assert "has passed" in shown.lines[0]


async def test_exam_day_is_predicted_in_the_students_time_zone(
    flow: QuizFlow, store: Store
) -> None:
    await flow.exams.exam(student(ALICE), "2025-04-09", may_change=True)
    await store.set_user_time_zone(ALICE, "Asia/Tokyo")
    active = await ExamPlanner(LIBRARY, store, scheduler=SCHEDULER).active_exam(ALICE, NOW)
    assert active is not None
    assert exam_instant(active.exam.exam_date, active.tz) == datetime(
        2025, 4, 9, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")
    )


# ----- helpers --------------------------------------------------------------------------------


def _group_answer(user_id: int, question_id: str, at: datetime) -> Answer:
    question = LIBRARY.questions[question_id]
    return Answer(
        session_id=None,
        user_id=user_id,
        chat_id=GROUP,
        question_id=question_id,
        card_id=question.card_id,
        topic_id=LIBRARY.cards[question.card_id].topic_id,
        verdict="correct",
        correct=True,
        response_ms=2000,
        answered_at=at,
        source="group",
    )


async def test_the_terminal_has_exam_too(flow: QuizFlow, tmp_path: Path) -> None:
    out = io.StringIO()
    console = Console(Dialog(LIBRARY), flow, data_dir=tmp_path, out=out, who=student(ALICE))
    console.show_all(await console.handle("/exam 9 April 2025 Trotsky"))
    console.show_all(await console.handle("/exam"))
    printed = out.getvalue()
    assert "Exam set for Wednesday 9 April 2025: Trotsky" in printed
    assert "Your exam: Wednesday 9 April 2025 — Trotsky" in printed
    assert "30 days to go." in printed


async def test_a_flood_of_topics_is_refused_quickly(flow: QuizFlow) -> None:
    reply = await flow.exams.exam(student(ALICE), "2025-04-09 " + "x, " * 2000, may_change=True)
    assert "more than 20 topics" in reply.lines[0]
    assert await ExamStore(flow.store).exam_of_chat(ALICE) is None
