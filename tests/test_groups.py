"""Class-group rounds, leaderboards, settings and reports over a real store (SQLite, and
PostgreSQL when TUTOR_TEST_POSTGRES_URL is set), with a frozen clock and a seeded rng."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tutor.clock import FrozenClock
from tutor.group_replies import introduction, leaderboard_reply, names_wanted, result_reply
from tutor.group_results import Ask, PollQuestion, RoundOver, RoundStarted, RoundTiming, Wait
from tutor.groups import POLL_EXPLANATION_LIMIT, GroupRounds, fits_poll
from tutor.model import Card, Deck, Library, Question, QuestionKind, Topic
from tutor.quizflow import Who
from tutor.render import reply_html
from tutor.store import (
    Answer,
    ChatKind,
    GroupPoll,
    Memory,
    NameDisplay,
    NewSession,
    SessionKind,
    SessionStatus,
    Store,
)

if TYPE_CHECKING:
    from conftest import Database

GROUP, SUPERGROUP = -500, -1000500
TEACHER, ANN, BOB, CAT = 10, 11, 12, 13
HISTORY, ECONOMICS = "history", "economics"
OPEN = 30
GRACE = 2.0


def choice(question_id: str, card_id: str, deck: str = HISTORY) -> Question:
    return Question(
        question_id,
        QuestionKind.CHOICE,
        f"Prompt {question_id}?",
        card_id,
        deck,
        explanation=f"Because {question_id}.",
        options=("Right", "Wrong A", "Wrong B", "Wrong C"),
        answer="Right",
    )


TOPICS = (
    Topic("left", "Defeat of the Left", HISTORY),
    Topic("right", "Defeat of the Right", HISTORY),
)
CARDS = (
    Card("left-card", "Left card", "left", HISTORY, body="• a note"),
    Card("right-card", "Right card", "right", HISTORY, body="• a note"),
    Card("money-card", "Money card", "money", ECONOMICS, body="• a note"),
)
QUESTIONS = (
    replace(choice("l1", "left-card"), explanation="x" * 250),
    choice("l2", "left-card"),
    Question(
        "l-tf",
        QuestionKind.TRUE_FALSE,
        "Zinoviev & Kamenev backed Stalin in <1924>.",
        "left-card",
        HISTORY,
        explanation="They feared Trotsky.",
        truth=True,
    ),
    Question(
        "l-typed",
        QuestionKind.TYPED,
        "Who replaced Zinoviev?",
        "left-card",
        HISTORY,
        explanation="Kirov.",
        accepted=("Kirov",),
    ),
    Question(
        "l-order",
        QuestionKind.ORDER,
        "Put these in order.",
        "left-card",
        HISTORY,
        explanation="In order.",
        items=("A", "B", "C"),
    ),
    choice("r1", "right-card"),
    choice("r2", "right-card"),
    replace(choice("r-long", "right-card"), options=("Right", "W" * 101)),
    choice("m1", "money-card", deck=ECONOMICS),
)
LIBRARY = Library.from_decks(
    (
        Deck(
            HISTORY,
            "History",
            "History",
            "history.yaml",
            topics=TOPICS,
            cards=CARDS[:2],
            questions=QUESTIONS[:-1],
        ),
        Deck(
            ECONOMICS,
            "Economics",
            "Economics",
            "economics.yaml",
            topics=(Topic("money", "Money", ECONOMICS),),
            cards=CARDS[2:],
            questions=QUESTIONS[-1:],
        ),
    )
)
TEACHER_WHO = Who(TEACHER, GROUP, "Tess", None, ChatKind.GROUP, "Class 10B")


def answered(
    session_id: int | None,
    user_id: int,
    correct: bool,
    at: datetime,
    *,
    question: str = "r1",
    source: str = "group",
) -> Answer:
    """An answer to one of the deck's questions, as the store keeps it."""
    card_id = LIBRARY.questions[question].card_id
    topic = LIBRARY.cards[card_id].topic_id
    verdict = "correct" if correct else "wrong"
    return Answer(
        session_id, user_id, GROUP, question, card_id, topic, verdict, correct, 900, at, source
    )


def make_rounds(store: Store, clock: FrozenClock, library: Library = LIBRARY) -> GroupRounds:
    return GroupRounds(
        library,
        store,
        default_open_period=OPEN,
        timing=RoundTiming(grace_seconds=GRACE),
        clock=clock,
        rng=random.Random(3),
    )


@pytest.fixture
def rounds(store: Store, clock: FrozenClock) -> GroupRounds:
    return make_rounds(store, clock)


async def start(rounds: GroupRounds, argument: str = "", who: Who = TEACHER_WHO) -> int:
    started = await rounds.start(who, argument)
    assert isinstance(started, RoundStarted), started
    return started.session_id


async def post_next(rounds: GroupRounds, session_id: int) -> PollQuestion:
    """Run a step that must ask a question, and report it posted."""
    step = await rounds.step(session_id)
    assert isinstance(step, Ask), step
    poll = step.poll
    await rounds.asked(
        poll, poll_id=f"poll-{session_id}-{poll.position}", message_id=100 + poll.position
    )
    return poll


def poll_id(poll: PollQuestion) -> str:
    return f"poll-{poll.session_id}-{poll.position}"


async def vote(rounds: GroupRounds, poll: PollQuestion, user_id: int, *, right: bool) -> bool:
    option = poll.correct_option if right else (poll.correct_option + 1) % len(poll.options)
    return await rounds.answer(poll_id(poll), [option], user_id=user_id, first_name=f"S{user_id}")


# ----- polls ---------------------------------------------------------------------------------


def test_only_choice_and_true_false_questions_within_telegram_limits_fit_a_poll() -> None:
    fitting = {q.id for q in QUESTIONS if fits_poll(q)}
    assert fitting == {"l1", "l2", "l-tf", "r1", "r2", "m1"}
    plain = choice("p", "left-card")
    assert fits_poll(plain)
    assert not fits_poll(replace(plain, prompt="x" * 300))
    assert not fits_poll(replace(plain, options=tuple(f"o{n}" for n in range(11)), answer="o1"))
    assert not fits_poll(replace(plain, answer="not an option"))


def test_the_group_core_never_imports_telegram() -> None:
    code = (
        "import sys, tutor.groups\n"
        "loaded = [m for m in sys.modules if m == 'telegram' or m.startswith('telegram.')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# ----- a whole round -------------------------------------------------------------------------


async def test_a_round_posts_polls_one_at_a_time_and_ranks_by_correct_then_speed(
    rounds: GroupRounds, store: Store, clock: FrozenClock
) -> None:
    session_id = await start(rounds, "left")
    session = await store.get_session(session_id)
    assert session is not None and session.kind is SessionKind.GROUP and session.user_id is None
    assert sorted(session.question_ids) == ["l-tf", "l1", "l2"], "typed and order are left out"

    seen = []
    for number in range(3):
        poll = await post_next(rounds, session_id)
        seen.append(poll.question_id)
        assert (poll.position, poll.total, poll.open_period) == (number, 3, OPEN)
        assert poll.question.startswith(f"{number + 1}/3 · ")
        assert len(poll.explanation) <= POLL_EXPLANATION_LIMIT
        assert await rounds.step(session_id) == Wait(OPEN + GRACE)
        clock.advance(seconds=2)
        assert await vote(rounds, poll, ANN, right=True)
        clock.advance(seconds=1)
        assert await vote(rounds, poll, BOB, right=True)  # right, but slower than Ann
        assert await vote(rounds, poll, CAT, right=number == 0)
        clock.advance(seconds=OPEN - 3 + 1)
        assert await rounds.step(session_id) == Wait(GRACE - 1)
        clock.advance(seconds=GRACE)
    over = await rounds.step(session_id)
    assert isinstance(over, RoundOver)
    result = over.result
    assert (result.status, result.asked, result.total) == (SessionStatus.FINISHED, 3, 3)
    assert [(s.user_id, s.correct, s.answered) for s in result.standings] == [
        (ANN, 3, 3),
        (BOB, 3, 3),
        (CAT, 1, 3),
    ]
    assert [s.time_ms for s in result.standings[:2]] == [6000, 9000]
    text = "\n".join(result_reply(result).lines)
    assert "🥇 S11 — 3/3 · 2.0 s a right answer" in text
    assert "🥈 S12 — 3/3 · 3.0 s a right answer" in text
    assert "🥉 S13 — 1/3" in text
    assert await rounds.step(session_id) is None, "nothing more to do"
    assert not await rounds.running(GROUP)


async def test_true_false_polls_keep_true_first_and_grade_by_truth(
    rounds: GroupRounds, clock: FrozenClock
) -> None:
    session_id = await start(rounds, "left 3")
    polls = []
    for _ in range(3):
        polls.append(await post_next(rounds, session_id))
        clock.advance(seconds=OPEN + GRACE)
    true_false = next(p for p in polls if p.question_id == "l-tf")
    assert true_false.options == ("True", "False") and true_false.correct_option == 0
    assert true_false.question.endswith("Zinoviev & Kamenev backed Stalin in <1924>.")
    choice_poll = next(p for p in polls if p.question_id == "l2")
    assert choice_poll.options[choice_poll.correct_option] == "Right"


async def test_every_answer_feeds_the_students_own_spaced_repetition(
    rounds: GroupRounds, store: Store, clock: FrozenClock
) -> None:
    session_id = await start(rounds, "right 1")
    poll = await post_next(rounds, session_id)
    clock.advance(seconds=3)
    assert await vote(rounds, poll, ANN, right=True)
    assert await vote(rounds, poll, BOB, right=False)
    now = clock()
    ann = await store.get_memory(ANN, poll.question_id)
    bob = await store.get_memory(BOB, poll.question_id)
    assert ann is not None and bob is not None
    assert ann.last_review_at == now and bob.last_review_at == now
    assert ann.due_at > bob.due_at > now - timedelta(seconds=1), "a miss comes back sooner"
    answers = await store.session_answers(session_id)
    assert {(a.user_id, a.correct, a.source, a.topic_id, a.chat_id) for a in answers} == {
        (ANN, True, "group", "right", GROUP),
        (BOB, False, "group", "right", GROUP),
    }
    assert (await store.get_user(BOB)) is not None


async def test_repeated_retracted_foreign_and_late_answers_are_ignored(
    rounds: GroupRounds, store: Store, clock: FrozenClock
) -> None:
    session_id = await start(rounds, "right 1")
    poll = await post_next(rounds, session_id)
    assert await vote(rounds, poll, ANN, right=False)
    assert not await vote(rounds, poll, ANN, right=True), "Telegram may deliver twice"
    assert not await rounds.answer(poll_id(poll), [], user_id=BOB, first_name="Bob")
    assert not await rounds.answer(poll_id(poll), [7], user_id=BOB, first_name="Bob")
    assert not await rounds.answer("not-ours", [0], user_id=BOB, first_name="Bob")
    clock.advance(seconds=OPEN + GRACE)
    assert isinstance(await rounds.step(session_id), RoundOver)
    assert not await vote(rounds, poll, CAT, right=True), "the round is over"
    answers = await store.session_answers(session_id)
    assert [(a.user_id, a.correct) for a in answers] == [(ANN, False)]


# ----- starting and stopping -------------------------------------------------------------------


async def test_a_round_follows_the_group_settings_unless_the_command_says_otherwise(
    rounds: GroupRounds, store: Store
) -> None:
    await rounds.remember(TEACHER_WHO)
    await store.update_chat_settings(GROUP, questions_per_round=2, topic_id="right")
    first = await store.get_session(await start(rounds))
    assert first is not None and set(first.question_ids) <= {"r1", "r2"}
    assert len(first.question_ids) == 2 and first.state["open_period"] == OPEN
    await rounds.stop(GROUP)

    named = await store.get_session(await start(rounds, "defeat of the left 1"))
    assert named is not None and len(named.question_ids) == 1
    assert named.question_ids[0] in {"l1", "l2", "l-tf"}
    await rounds.stop(GROUP)

    await store.update_chat_settings(GROUP, topic_id=None, deck_id=ECONOMICS, questions_per_round=5)
    started = await rounds.start(TEACHER_WHO)
    assert isinstance(started, RoundStarted)
    assert started.intro.title == "🧠 Quiz round: Economics"
    assert "Only 1 question on this fit a quiz poll." in started.intro.lines


async def test_a_second_round_waits_and_bad_arguments_explain_themselves(
    rounds: GroupRounds, store: Store
) -> None:
    session_id = await start(rounds, "left 2")
    running = await rounds.start(TEACHER_WHO, "right")
    assert isinstance(running, type(introduction())) and "A round is running" in running.lines[0]
    assert "question 1 of 2" in running.lines[0]
    assert (await store.active_session(GROUP, None)).id == session_id  # type: ignore[union-attr]
    await rounds.stop(GROUP)

    unknown = await rounds.start(TEACHER_WHO, "photosynthesis")
    assert not isinstance(unknown, RoundStarted) and "I don't know the topic" in unknown.lines[0]
    too_many = await rounds.start(TEACHER_WHO, "50")
    assert not isinstance(too_many, RoundStarted)
    assert "1 to 20 questions" in too_many.lines[0]


async def test_an_admin_stop_ends_the_round_with_its_open_poll(
    rounds: GroupRounds, clock: FrozenClock
) -> None:
    session_id = await start(rounds, "left 3")
    await post_next(rounds, session_id)
    clock.advance(seconds=OPEN + GRACE)
    second = await post_next(rounds, session_id)
    assert await vote(rounds, second, ANN, right=True)
    over = await rounds.stop(GROUP)
    assert over is not None and over.open_poll is not None
    assert over.open_poll.poll_id == poll_id(second) and over.open_poll.message_id == 101
    assert over.result.status is SessionStatus.STOPPED and over.result.asked == 2
    assert result_reply(over.result).title == "⏹ Round stopped"
    assert await rounds.stop(GROUP) is None
    assert await rounds.step(session_id) is None


async def test_a_restart_carries_on_from_the_database(
    database: Database, clock: FrozenClock
) -> None:
    store = await database.open()
    try:
        session_id = await start(make_rounds(store, clock), "left 2")
        first = await post_next(make_rounds(store, clock), session_id)
    finally:
        await store.close()

    reopened = await database.open()
    try:
        rounds = make_rounds(reopened, clock)  # a new process: nothing in memory
        clock.advance(seconds=5)
        assert await vote(rounds, first, ANN, right=True)
        assert [s.id for s in await reopened.active_group_sessions()] == [session_id]
        assert await rounds.step(session_id) == Wait(OPEN + GRACE - 5)
        clock.advance(seconds=OPEN)
        second = await post_next(rounds, session_id)
        assert second.position == 1 and second.question_id != first.question_id
    finally:
        await reopened.close()


async def test_a_round_overdue_after_downtime_is_closed_not_continued(
    rounds: GroupRounds, clock: FrozenClock
) -> None:
    session_id = await start(rounds, "left 3")
    poll = await post_next(rounds, session_id)
    assert await vote(rounds, poll, ANN, right=True)
    clock.advance(hours=2)
    over = await rounds.step(session_id)
    assert isinstance(over, RoundOver) and over.result.status is SessionStatus.STOPPED
    assert over.result.standings[0].user_id == ANN


async def test_questions_removed_from_the_content_are_skipped(
    store: Store, clock: FrozenClock
) -> None:
    session_id = await start(make_rounds(store, clock), "right 2")
    session = await store.get_session(session_id)
    assert session is not None
    gone = session.question_ids[0]
    smaller = Library.from_decks(
        tuple(
            replace(deck, questions=tuple(q for q in deck.questions if q.id != gone))
            for deck in LIBRARY.decks
        )
    )
    rounds = make_rounds(store, clock, smaller)
    poll = await post_next(rounds, session_id)
    assert (poll.position, poll.question_id) == (1, session.question_ids[1])


# ----- leaderboards ----------------------------------------------------------------------------


async def seed_scores(store: Store, clock: FrozenClock) -> None:
    """Last week Cat answered 4 (all right); this week Ann 2 of 2, Bob 1 of 2."""
    await store.upsert_chat(GROUP, kind=ChatKind.GROUP, title="10B", now=clock())
    for user_id, name in ((ANN, "Ann <Lee>"), (BOB, "Bob"), (CAT, "Cat")):
        await store.upsert_user(user_id, first_name=name, username=None, now=clock())
    session, _ = await store.start_session(
        NewSession(GROUP, None, SessionKind.GROUP, ("r1",), {}, clock())
    )
    rows = [(CAT, True, clock() - timedelta(days=7))] * 4
    rows += [
        (ANN, True, clock()),
        (ANN, True, clock()),
        (BOB, True, clock()),
        (BOB, False, clock()),
    ]
    for user_id, correct, at in rows:
        await store.record_answer(answered(session.id, user_id, correct, at))


async def test_the_leaderboard_has_this_week_and_all_time(
    rounds: GroupRounds, store: Store, clock: FrozenClock
) -> None:
    await seed_scores(store, clock)
    board = await rounds.leaderboard(GROUP)
    assert [s.user_id for s in board.week] == [ANN, BOB]
    assert [s.user_id for s in board.all_time] == [CAT, ANN, BOB]
    reply = leaderboard_reply(board)
    assert reply.lines[0] == "This week:\n🥇 Ann <Lee> — 2 correct of 2\n🥈 Bob — 1 correct of 2"
    assert reply.lines[1].startswith("All time:\n🥇 Cat — 4 correct of 4")
    assert "Ann &lt;Lee&gt;" in reply_html(reply.title, reply.lines, None, LIBRARY)


async def test_names_are_first_full_or_hidden_as_the_group_chose(
    rounds: GroupRounds, store: Store, clock: FrozenClock
) -> None:
    await seed_scores(store, clock)
    await store.update_chat_settings(GROUP, name_display=NameDisplay.FULL)
    board = await rounds.leaderboard(GROUP)
    assert names_wanted(board.display, [ANN, BOB, ANN]) == [ANN, BOB]
    full = "\n".join(leaderboard_reply(board, {ANN: "Ann Lee"}).lines)
    assert "🥇 Ann Lee — 2 correct of 2" in full and "🥈 Bob — 1" in full

    await store.update_chat_settings(GROUP, name_display=NameDisplay.ANONYMOUS)
    board = await rounds.leaderboard(GROUP)
    assert names_wanted(board.display, [ANN]) == []
    hidden = "\n".join(leaderboard_reply(board).lines)
    assert "Ann" not in hidden and "Bob" not in hidden and "Cat" not in hidden
    assert "2 students · 4 answers · 75% correct · best: 2 of 2" in hidden


async def test_an_anonymous_round_result_shows_only_the_spread(
    rounds: GroupRounds, store: Store, clock: FrozenClock
) -> None:
    await rounds.remember(TEACHER_WHO)
    await store.update_chat_settings(GROUP, name_display=NameDisplay.ANONYMOUS)
    session_id = await start(rounds, "right 1")
    poll = await post_next(rounds, session_id)
    for user_id, right in ((ANN, True), (BOB, True), (CAT, False)):
        await vote(rounds, poll, user_id, right=right)
    clock.advance(seconds=OPEN + GRACE)
    over = await rounds.step(session_id)
    assert isinstance(over, RoundOver)
    assert "3 students answered (names hidden). 1/1: 2 students · 0/1: 1 student" in (
        result_reply(over.result).lines
    )


async def test_a_round_nobody_answered_says_so(rounds: GroupRounds, clock: FrozenClock) -> None:
    session_id = await start(rounds, "right 1")
    await post_next(rounds, session_id)
    clock.advance(seconds=OPEN + GRACE)
    over = await rounds.step(session_id)
    assert isinstance(over, RoundOver)
    assert "Nobody answered this time" in result_reply(over.result).lines[1]
    assert leaderboard_reply(await rounds.leaderboard(GROUP)).lines == (
        "No scores yet — start a round with /quiz.",
    )


# ----- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("questions 10", {"questions_per_round": 10}),
        ("q 1", {"questions_per_round": 1}),
        ("open 45", {"open_period_seconds": 45}),
        ("time 600s", {"open_period_seconds": 600}),
        ("names anonymous", {"name_display": NameDisplay.ANONYMOUS}),
        ("names FULL", {"name_display": NameDisplay.FULL}),
        ("topic defeat of the right", {"topic_id": "right", "deck_id": HISTORY}),
        ("deck economics", {"deck_id": ECONOMICS, "topic_id": None}),
    ],
)
async def test_settings_change_by_command(
    rounds: GroupRounds, store: Store, argument: str, expected: dict[str, object]
) -> None:
    reply = await rounds.settings.change(TEACHER_WHO, argument)
    assert reply.lines[0] == "✅ Saved."
    settings = await store.chat_settings(GROUP)
    assert {key: getattr(settings, key) for key in expected} == expected


@pytest.mark.parametrize(
    ("argument", "complaint"),
    [
        ("questions 0", "Questions per round can be 1 to 20."),
        ("questions ten", "Questions per round can be 1 to 20."),
        ("open 4", "Time per question can be 5 to 600 seconds."),
        ("open ٣٠", "Time per question can be 5 to 600 seconds."),
        ("names loud", "Names can be: first, full or anonymous."),
        ("topic photosynthesis", "I don't know the topic"),
        ("deck latin", "I don't know the deck “latin”. Decks: history, economics."),
        ("colour blue", "I don't know the setting “colour”."),
    ],
)
async def test_bad_settings_are_explained_and_change_nothing(
    rounds: GroupRounds, store: Store, argument: str, complaint: str
) -> None:
    await rounds.remember(TEACHER_WHO)
    before = await store.chat_settings(GROUP)
    reply = await rounds.settings.change(TEACHER_WHO, argument)
    assert reply.lines[0].startswith(complaint)
    assert await store.chat_settings(GROUP) == before


async def test_settings_show_buttons_and_any_topic_clears_it(
    rounds: GroupRounds, store: Store
) -> None:
    await rounds.settings.change(TEACHER_WHO, "topic right")
    shown = await rounds.settings.show(GROUP)
    assert "Questions from: the topic “Defeat of the Right”" in shown.lines
    assert "Time per question: 30 seconds" in shown.lines
    assert any("/daily HH:MM" in line for line in shown.lines)
    labels = [[b.label for b in row] for row in shown.buttons]
    assert labels[0] == ["3 questions", "✓ 5 questions", "10 questions"]
    assert labels[2] == ["✓ First names", "Full names", "No names"]

    pressed = await rounds.settings.press(TEACHER_WHO, "gs:o:60")
    assert pressed.edit and pressed.lines[0] == "✅ Saved."
    assert (await store.chat_settings(GROUP)).open_period_seconds == 60
    forged = await rounds.settings.press(TEACHER_WHO, "gs:o:9999")
    assert forged.notice and not forged.lines

    await rounds.settings.change(TEACHER_WHO, "topic any")
    settings = await store.chat_settings(GROUP)
    assert settings.topic_id is None and settings.deck_id == HISTORY
    await rounds.settings.change(TEACHER_WHO, "deck all")
    assert "Questions from: every topic" in (await rounds.settings.show(GROUP)).lines


# ----- reports ---------------------------------------------------------------------------------


async def test_the_report_lists_topics_weakest_first(
    rounds: GroupRounds, store: Store, clock: FrozenClock
) -> None:
    empty = await rounds.report(GROUP, "10B")
    assert empty.lines == ("No quiz rounds answered yet — start one with /quiz.",)
    await seed_scores(store, clock)
    session, _ = await store.start_session(
        NewSession(GROUP, None, SessionKind.GROUP, ("l1",), {}, clock())
    )
    for user_id, correct in ((ANN, False), (BOB, False), (CAT, True)):
        await store.record_answer(answered(session.id, user_id, correct, clock(), question="l1"))
    # A student's own quiz in the group is not the class's round.
    await store.record_answer(answered(None, ANN, False, clock(), source="quiz"))
    reply = await rounds.report(GROUP, "10B")
    assert reply.title == "📊 Class report: 10B"
    assert reply.lines[0] == "3 students · 11 answers · 73% correct in quiz rounds"
    assert reply.lines[1] == (
        "By topic, weakest first:\n• Defeat of the Left: 33% of 3\n• Defeat of the Right: 88% of 8"
    )
    assert reply.lines[2] == "Weakest topics: Defeat of the Left (33%)."
    assert reply.lines[3] == "Focus the next rounds on one with /settings topic left."


# ----- the bot's life in a group -----------------------------------------------------------------


async def test_joining_introduces_the_bot_and_seeds_the_default_open_period(
    store: Store, clock: FrozenClock
) -> None:
    rounds = GroupRounds(LIBRARY, store, default_open_period=45, clock=clock)
    intro = await rounds.bot_joined(GROUP, ChatKind.GROUP, "10B")
    assert intro == introduction()
    assert any("privacy mode" in line for line in intro.lines)
    assert (await store.chat_settings(GROUP)).open_period_seconds == 45
    await store.update_chat_settings(GROUP, open_period_seconds=20)
    await rounds.bot_joined(GROUP, ChatKind.GROUP, "10B")
    assert (await store.chat_settings(GROUP)).open_period_seconds == 20, "a choice is kept"


async def test_removal_pauses_the_group_its_daily_quiz_and_its_round(
    rounds: GroupRounds, store: Store, clock: FrozenClock
) -> None:
    await rounds.bot_joined(GROUP, ChatKind.GROUP, "10B")
    await store.set_subscription(GROUP, local_time="09:00", time_zone="UTC", now=clock())
    session_id = await start(rounds, "left")
    await rounds.bot_left(GROUP, "kicked")
    chat = await store.get_chat(GROUP)
    subscription = await store.get_subscription(GROUP)
    assert chat is not None and chat.paused and chat.paused_reason == "kicked"
    assert subscription is not None and not subscription.active
    assert subscription.paused_reason == "kicked"
    assert await rounds.step(session_id) is None
    await rounds.bot_joined(GROUP, ChatKind.GROUP, "10B")
    chat = await store.get_chat(GROUP)
    assert chat is not None and not chat.paused
    await rounds.bot_left(-999, "left")  # a group we never knew: nothing to do


async def test_a_supergroup_upgrade_moves_settings_rounds_and_scores(
    rounds: GroupRounds, store: Store, clock: FrozenClock
) -> None:
    await rounds.settings.change(TEACHER_WHO, "questions 3")
    session_id = await start(rounds, "left")
    poll = await post_next(rounds, session_id)
    assert await vote(rounds, poll, ANN, right=True)
    assert await rounds.chat_migrated(GROUP, SUPERGROUP)
    assert not await rounds.chat_migrated(GROUP, SUPERGROUP), "the second service message"
    assert not await rounds.chat_migrated(-1, -1001)
    assert (await store.chat_settings(SUPERGROUP)).questions_per_round == 3
    assert await vote(rounds, poll, BOB, right=False), "the running round carries on"
    clock.advance(seconds=OPEN + GRACE)
    follow_up = await rounds.step(session_id)
    assert isinstance(follow_up, Ask) and follow_up.poll.chat_id == SUPERGROUP
    assert [s.user_id for s in (await rounds.leaderboard(SUPERGROUP)).all_time] == [ANN, BOB]
    assert (await rounds.leaderboard(GROUP)).all_time == ()


# ----- the store's part --------------------------------------------------------------------------


async def test_a_poll_is_recorded_once_per_question_and_answers_once_per_student(
    store: Store, clock: FrozenClock
) -> None:
    await store.upsert_chat(GROUP, kind=ChatKind.GROUP, title=None, now=clock())
    await store.upsert_user(ANN, first_name="Ann", username=None, now=clock())
    session, _ = await store.start_session(
        NewSession(GROUP, None, SessionKind.GROUP, ("r1", "r2"), {}, clock())
    )
    poll = GroupPoll("p1", session.id, 0, "r1", (2, 0, 1, 3), 7, clock())
    assert await store.add_group_poll(poll)
    assert not await store.add_group_poll(GroupPoll("p2", session.id, 0, "r1", (0,), 8, clock()))
    assert await store.group_poll("p1") == poll
    assert await store.group_poll("p2") is None
    answer = answered(session.id, ANN, True, clock())
    memory = Memory(ANN, "r1", {"state": 2}, clock() + timedelta(days=2), clock())
    assert await store.record_group_answer(answer, memory)
    assert not await store.record_group_answer(answer, memory)
    await store.save_session(
        session, position=0, state={}, status=SessionStatus.FINISHED, now=clock()
    )
    later = answered(session.id, ANN, True, clock(), question="r2")
    assert not await store.record_group_answer(later, memory)
    assert len(await store.session_answers(session.id)) == 1
    assert await store.active_group_sessions() == []
    exported = await store.export_all()
    assert [row["poll_id"] for row in exported["group_polls"]] == ["p1"]


async def test_two_processes_never_post_a_rounds_poll_twice(
    database: Database, clock: FrozenClock
) -> None:
    """Two bot processes (two engines on one database) step the same round at once:
    both are told to ask, exactly one wins the claim and posts; the other waits for it."""
    stores = [await database.open(), await database.open()]
    try:
        first, second = (make_rounds(store, clock) for store in stores)
        session_id = await start(first, "left 2")
        steps = await asyncio.gather(first.step(session_id), second.step(session_id))
        assert all(isinstance(step, Ask) for step in steps), steps
        polls = [step.poll for step in steps if isinstance(step, Ask)]
        won = await asyncio.gather(
            *(rounds.claim(poll) for rounds, poll in zip((first, second), polls, strict=True))
        )
        assert sorted(won) == [False, True]
        winner, loser = (first, second) if won[0] else (second, first)
        assert await loser.step(session_id) == Wait(winner.timing.claim_wait_seconds)
        posted = polls[won.index(True)]
        await winner.asked(posted, poll_id=poll_id(posted), message_id=100)
        assert await loser.step(session_id) == Wait(OPEN + GRACE)
        assert [p.position for p in await stores[0].group_polls(session_id)] == [0]
    finally:
        for store in stores:
            await store.close()


async def test_a_poll_claimed_by_a_process_that_died_is_skipped_not_reposted(
    rounds: GroupRounds, store: Store, clock: FrozenClock
) -> None:
    session_id = await start(rounds, "left 2")
    step = await rounds.step(session_id)
    assert isinstance(step, Ask) and await rounds.claim(step.poll)  # then the process dies
    clock.advance(seconds=rounds.timing.poll_claim_lease.total_seconds() + 1)
    after = await rounds.step(session_id)
    assert isinstance(after, Ask) and after.poll.position == 1


async def test_a_flood_wait_gives_the_poll_claim_back(
    rounds: GroupRounds, clock: FrozenClock
) -> None:
    session_id = await start(rounds, "left 2")
    step = await rounds.step(session_id)
    assert isinstance(step, Ask) and await rounds.claim(step.poll)
    await rounds.unclaim(step.poll)  # Telegram answered 429: the poll was not posted
    again = await rounds.step(session_id)
    assert isinstance(again, Ask) and again.poll.position == 0 and await rounds.claim(again.poll)
