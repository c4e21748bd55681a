"""Benchmark the exam countdown against plain FSRS scheduling (prints figures; no asserts).

    python benchmarks/bench_exam.py [--students 20] [--days 30] [--per-day 8] [--seed 7]
                                    [--topics all|TOPIC,TOPIC...]

A simulated class revises the bundled deck for --days days, each student doing one
`/quiz` of --per-day questions every evening through the real `QuizService` (an
in-memory SQLite store, the clock moved by hand). The same class, with the same seed,
is run twice: once with no exam set (plain FSRS: the bot's usual mix of due, weak-topic
and new questions) and once with `/exam` set for the morning after the last day.

Each student has a "true" memory: an FSRS model of their own (the default parameters
with the initial stabilities scaled by a personal factor, so they learn faster or slower
than the bot assumes) and a chance of knowing a question before ever seeing it. A
student answers right with probability equal to their true recall at that moment; the
answer is given 25 s after the question appears (so the bot rates it Good, not Easy).

Reported for the exam's questions on the exam morning, averaged over students:
- predicted recall: the bot's own FSRS prediction (what `/exam` shows; unseen = 0);
- true recall: the simulated students' real chance of answering (unseen = prior);
- never seen: share of the exam's note cards none of whose questions was asked.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from tutor.config import PROJECT_ROOT
from tutor.content import load_library
from tutor.exam import ActiveExam, ExamPlanner, exam_instant
from tutor.exam_store import Exam, ExamStore
from tutor.model import Library, Question, QuestionKind
from tutor.quiz import AnswerResult, NothingToAsk, OrderProgress, PresentedQuestion, QuizService
from tutor.store import ChatKind, Store

START = datetime(2027, 4, 1, 18, 0, tzinfo=UTC)
ANSWER_SECONDS = 25
DEFAULT_PARAMETERS = Scheduler().parameters


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Student:
    user_id: int
    scheduler: Scheduler
    prior: float
    rng: random.Random
    memory: dict[str, FsrsCard] = field(default_factory=dict)

    def knows(self, question_id: str, now: datetime) -> bool:
        return self.rng.random() < self.recall(question_id, now)

    def recall(self, question_id: str, now: datetime) -> float:
        card = self.memory.get(question_id)
        if card is None:
            return self.prior
        return self.scheduler.get_card_retrievability(card, current_datetime=now)

    def learn(self, question_id: str, correct: bool, now: datetime) -> None:
        card = self.memory.get(question_id) or FsrsCard(due=now)
        rating = Rating.Good if correct else Rating.Again
        self.memory[question_id], _ = self.scheduler.review_card(card, rating, now)


def make_class(count: int, seed: int) -> list[Student]:
    rng = random.Random(seed)
    students = []
    for number in range(count):
        factor = math.exp(rng.gauss(0.0, 0.5))
        parameters = list(DEFAULT_PARAMETERS)
        parameters[:4] = [value * factor for value in parameters[:4]]
        students.append(
            Student(
                user_id=1000 + number,
                scheduler=Scheduler(parameters=parameters, enable_fuzzing=False),
                prior=rng.uniform(0.1, 0.4),
                rng=random.Random(rng.random()),
            )
        )
    return students


@dataclass(frozen=True)
class Outcome:
    predicted: float
    true_recall: float
    never_seen_cards: float
    never_seen_questions: float
    answers: int
    seconds: float


async def run_arm(
    library: Library, students: list[Student], args: argparse.Namespace, *, with_exam: bool
) -> Outcome:
    started = time.perf_counter()
    clock = Clock(START)
    store = await Store.open("sqlite+aiosqlite://")
    service = QuizService(library, store, clock=clock, rng=random.Random(args.seed))
    exam_day = (START + timedelta(days=args.days)).date()
    for student in students:
        await store.upsert_user(student.user_id, first_name="S", username=None, now=clock.now)
        await store.upsert_chat(student.user_id, kind=ChatKind.PRIVATE, title=None, now=clock.now)
        if with_exam:
            await ExamStore(store).set_exam(
                student.user_id, exam_day, args.topic_ids, student.user_id, clock.now
            )
    answers = 0
    for day in range(args.days):
        for student in students:
            clock.now = START + timedelta(days=day, minutes=student.user_id % 60)
            answers += await daily_session(service, library, student, clock, args.per_day)
    outcome = await measure(library, store, students, exam_day, args)
    await store.close()
    return Outcome(*outcome, answers=answers, seconds=time.perf_counter() - started)


async def daily_session(
    service: QuizService, library: Library, student: Student, clock: Clock, count: int
) -> int:
    started = await service.start_quiz(student.user_id, student.user_id, count=count)
    if isinstance(started, NothingToAsk):
        return 0
    shown: PresentedQuestion | None = started.question
    answered = 0
    while shown is not None:
        question = library.questions[shown.question_id]
        clock.now += timedelta(seconds=ANSWER_SECONDS)
        correct = student.knows(question.id, clock.now)
        result = await answer(service, student.user_id, shown, question, correct)
        student.learn(question.id, correct, clock.now)
        answered += 1
        shown = result.next_question
    return answered


async def answer(
    service: QuizService,
    user_id: int,
    shown: PresentedQuestion,
    question: Question,
    correct: bool,
) -> AnswerResult:
    session = shown.session_id
    match question.kind:
        case QuestionKind.CHOICE | QuestionKind.TRUE_FALSE:
            if question.kind is QuestionKind.CHOICE:
                right = shown.options.index(question.answer)
            else:
                right = 0 if question.truth else 1
            wrong = next(i for i in range(len(shown.options)) if i != right)
            result = await service.answer_choice(session, user_id, right if correct else wrong)
        case QuestionKind.TYPED:
            text = question.accepted[0] if correct else "no idea"
            result = await service.answer_typed(session, user_id, text)
        case _:
            order = [shown.options.index(item) for item in question.items]
            for index in order if correct else reversed(order):
                result = await service.answer_order_step(session, user_id, index)
                if not isinstance(result, OrderProgress):
                    break
    assert isinstance(result, AnswerResult), result
    return result


async def measure(
    library: Library,
    store: Store,
    students: list[Student],
    exam_day: date,
    args: argparse.Namespace,
) -> tuple[float, float, float, float]:
    """The exam-morning figures, with the same code `/exam` uses (for both arms)."""
    planner = ExamPlanner(library, store, scheduler=Scheduler(enable_fuzzing=False))
    predicted, true_recall, unseen_cards, unseen_questions = [], [], [], []
    for student in students:
        exam = Exam(student.user_id, exam_day, tuple(args.topic_ids), student.user_id)
        zone = await planner.zone(student.user_id, None)
        prospects = await planner.prospects(student.user_id, ActiveExam(exam, zone, ""))
        at = exam_instant(exam_day, zone)
        predicted.append(statistics.fmean(item.recall for item in prospects))
        true_recall.append(statistics.fmean(student.recall(p.question_id, at) for p in prospects))
        seen = {item.question_id for item in prospects if item.seen}
        cards = {library.questions[item.question_id].card_id for item in prospects}
        seen_cards = {library.questions[qid].card_id for qid in seen}
        unseen_cards.append(1 - len(seen_cards) / len(cards))
        unseen_questions.append(1 - len(seen) / len(prospects))
    return (
        statistics.fmean(predicted),
        statistics.fmean(true_recall),
        statistics.fmean(unseen_cards),
        statistics.fmean(unseen_questions),
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--topics", default="all", help="'all' or comma-separated topic ids")
    args = parser.parse_args()
    args.topic_ids = [] if args.topics == "all" else args.topics.split(",")
    return args


async def main() -> None:
    args = parse_args()
    library = load_library([PROJECT_ROOT / "content"])
    unknown = [topic for topic in args.topic_ids if topic not in library.topics]
    if unknown:
        raise SystemExit(f"unknown topic ids: {', '.join(unknown)}")
    print(
        f"{args.students} students x {args.days} days x {args.per_day} questions a day, "
        f"seed {args.seed}, exam on {'every topic' if not args.topic_ids else args.topics}"
    )
    results = {}
    for name, with_exam in (("plain FSRS", False), ("exam countdown", True)):
        results[name] = await run_arm(
            library, make_class(args.students, args.seed), args, with_exam=with_exam
        )
    print(
        f"{'':16} {'predicted recall':>17} {'true recall':>12} {'cards never seen':>17}"
        f" {'questions never seen':>21} {'answers':>8} {'time':>7}"
    )
    for name, outcome in results.items():
        print(
            f"{name:16} {outcome.predicted:17.1%} {outcome.true_recall:12.1%} "
            f"{outcome.never_seen_cards:17.1%} {outcome.never_seen_questions:21.1%} "
            f"{outcome.answers:8d} {outcome.seconds:6.1f}s"
        )
    plain, exam = results["plain FSRS"], results["exam countdown"]
    gain = 100 * (exam.predicted - plain.predicted)
    true_gain = 100 * (exam.true_recall - plain.true_recall)
    print(
        f"exam countdown - plain FSRS: predicted recall {gain:+.1f} points, "
        f"true recall {true_gain:+.1f} points"
    )


if __name__ == "__main__":
    asyncio.run(main())
