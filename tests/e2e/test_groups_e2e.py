"""Class groups end to end: the real application (`build_application`) long-polls the Bot
API emulator while the tests play a teacher and their students.

A small deck keeps rounds short and known: the NEP topic has three poll-friendly
questions and a typed one (left out of rounds). New groups get a 5-second open period
(TUTOR_GROUP_OPEN_PERIOD, Telegram's minimum) and a half-second grace, so the full
round runs on real time in about 17 s; the other tests need no round or a faster pace.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from tutor.clock import utc_now
from tutor.config import Settings
from tutor.dialog import Dialog
from tutor.group_results import PollQuestion, RoundTiming
from tutor.groups import GroupRounds
from tutor.model import Library
from tutor.quiz import QuizService
from tutor.quizflow import QuizFlow
from tutor.store import Answer, NewSession, SessionKind, SessionStatus, Store
from tutor.telegram.app import build_application
from tutor.telegram.handlers import SORRY
from tutor.telegram.round_runner import JOB_PREFIX, GroupOptions

from .botsetup import deck_library, emulator_settings
from .emulator import BotApiEmulator, Call, running_application
from .wire import JSON

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

App = Application[Any, Any, Any, Any, Any, Any]
GROUP = -5101
TEACHER, ASSISTANT, ANN, BOB, CAT = 6001, 6002, 6011, 6012, 6013
PEOPLE = {
    TEACHER: ("Tess", "Teach"),
    ASSISTANT: ("Amir", "Aide"),
    ANN: ("Ann", "Lee"),
    BOB: ("Bob", "Ray"),
    CAT: ("Cat", "Fox"),
}
NEP_QUESTIONS = {"q-lenin", "q-truth", "q-grain"}
DECK_YAML = """\
deck:
  id: e2e-groups
  title: "Stalin's rise (group test deck)"
  subject: History

topics:
  - id: nep-debate
    title: "The NEP and the industrialisation debate"
  - id: defeat-of-left
    title: "Defeat of the Left 1924–27"

cards:
  - id: nep
    title: "The New Economic Policy (NEP)"
    topic: nep-debate
    body: |
      • Lenin brought in the New Economic Policy in 1921, after the Kronstadt rising.
      • Peasants paid a tax in kind and could sell their surplus grain.
    keywords: [NEP, new economic policy, grain, peasants]
    source: ["Class notes"]
  - id: united-opposition
    title: "The United Opposition (1926–27)"
    topic: defeat-of-left
    body: |
      • Trotsky, Zinoviev and Kamenev joined forces against Stalin in 1926.
    keywords: [United Opposition, Trotsky, Zinoviev, Kamenev]
    source: ["Class notes"]

questions:
  - id: q-lenin
    card: nep
    kind: choice
    prompt: "Who introduced the NEP in 1921?"
    options: [Lenin, Stalin, Trotsky, Bukharin]
    answer: Lenin
    explanation: "Lenin brought it in after the Kronstadt rising."
  - id: q-truth
    card: nep
    kind: truefalse
    prompt: "Under the NEP, peasants could sell surplus grain <for profit> & keep it."
    answer: true
    explanation: "A tax in kind replaced requisitioning."
  - id: q-grain
    card: nep
    kind: choice
    prompt: "What replaced grain requisitioning under the NEP?"
    options: [A tax in kind, Collectivisation, The Five-Year Plan]
    answer: A tax in kind
    explanation: "Peasants paid a tax in kind, then sold the rest."
  - id: q-typed
    card: nep
    kind: typed
    prompt: "Which rising in 1921 pushed Lenin to the NEP?"
    answers: [Kronstadt]
    explanation: "The Kronstadt sailors rose in March 1921."
  - id: q-left
    card: united-opposition
    kind: choice
    prompt: "Who joined Zinoviev and Kamenev in 1926?"
    options: [Trotsky, Bukharin, Rykov]
    answer: Trotsky
    explanation: "The United Opposition."
"""


# ----- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return deck_library(tmp_path / "content", "e2e-groups.yaml", DECK_YAML)


@pytest.fixture
def settings(emulator: BotApiEmulator, library: Library, tmp_path: Path) -> Settings:
    return emulator_settings(
        emulator, tmp_path / "content", tmp_path / "data", TUTOR_GROUP_OPEN_PERIOD="5"
    )


def make_app(
    settings: Settings,
    library: Library,
    *,
    question_seconds: float | None = None,
    grace_seconds: float = 0.5,
) -> App:
    """The application as bot.py builds it, with seeded rounds and a short grace."""

    async def open_quiz() -> QuizFlow:
        store = await Store.open(settings.database_url)
        service = QuizService(library, store, rng=random.Random(1))
        return QuizFlow(library, store, service, default_timezone=settings.default_timezone)

    timing = RoundTiming(grace_seconds=grace_seconds, question_seconds=question_seconds)
    options = GroupOptions(timing=timing, seed=1, resume_after=0.2)
    return build_application(settings, Dialog(library), open_quiz=open_quiz, group_options=options)


@pytest.fixture
async def class_group(emulator: BotApiEmulator) -> int:
    """The class group: Tess created it, Amir helps run it; the bot is not in it yet."""
    for user_id, (first, last) in PEOPLE.items():
        await emulator.add_user(user_id, first_name=first, last_name=last)
    await emulator.add_chat(GROUP, "group", "Year 10 History")
    await emulator.set_group_admins(GROUP, [TEACHER, ASSISTANT])
    return GROUP


@pytest.fixture
async def bot(
    emulator: BotApiEmulator,
    settings: Settings,
    library: Library,
    class_group: int,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[App]:
    """The bot, already added to the class group (its introduction read)."""
    caplog.set_level(logging.WARNING, logger="tutor")
    async with running_application(make_app(settings, library)) as app:
        await emulator.add_bot_to_group(class_group, by_user_id=TEACHER)
        await emulator.wait_for_message(class_group, "Hello, class!")
        yield app
    assert logged_errors(caplog.records) == []
    await no_apology(emulator)


def logged_errors(records: list[logging.LogRecord]) -> list[str]:
    """The ERROR records, less a job the scheduler cancelled because the bot was stopping.

    A round's timer job can be mid-run when the test ends; APScheduler then logs its
    CancelledError as an error although nothing went wrong (the round is stored and resumes
    after a restart: test_a_round_carries_on_after_a_restart).
    """
    return [
        record.getMessage()
        for record in records
        if record.levelno >= logging.ERROR
        and not (
            record.name.startswith("apscheduler")
            and record.exc_info
            and isinstance(record.exc_info[1], asyncio.CancelledError)
        )
    ]


def store_of(app: App) -> Store:
    flow = app.bot_data["quiz"]
    assert isinstance(flow, QuizFlow)
    return flow.store


# ----- helpers -------------------------------------------------------------------------------


async def say(emu: BotApiEmulator, user_id: int, text: str, expect: str | None = None) -> JSON:
    """A group member writes `text`; the bot's next message (containing `expect`)."""
    await emu.send_text(GROUP, text, user_id=user_id)
    return await emu.wait_for_message(GROUP, expect)


async def seq(emu: BotApiEmulator) -> int:
    return len(await emu.calls())


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise TimeoutError(f"still not true after {timeout}s")
        await asyncio.sleep(0.02)


def buttons(message: JSON) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return {button["text"]: button["callback_data"] for row in rows for button in row}


async def no_apology(emu: BotApiEmulator) -> None:
    sent = await emu.calls("sendMessage", ok=True)
    assert all(SORRY not in (call.params.get("text") or "") for call in sent)


async def seed_round(store: Store, scores: dict[int, tuple[int, int]]) -> None:
    """A past group round in the class group: per student, (right, wrong) answers."""
    now = utc_now()
    session, _ = await store.start_session(
        NewSession(GROUP, None, SessionKind.GROUP, ("q-lenin",), {}, now)
    )
    for user_id, (right, wrong) in scores.items():
        await store.upsert_user(user_id, first_name=PEOPLE[user_id][0], username=None, now=now)
        for correct in [True] * right + [False] * wrong:
            await store.record_answer(
                Answer(
                    session_id=session.id,
                    user_id=user_id,
                    chat_id=GROUP,
                    question_id="q-lenin",
                    card_id="nep",
                    topic_id="nep-debate",
                    verdict="correct" if correct else "wrong",
                    correct=correct,
                    response_ms=2000,
                    answered_at=now,
                    source="group",
                )
            )
    await store.save_session(session, position=1, state={}, status=SessionStatus.FINISHED, now=now)


# ----- a round -------------------------------------------------------------------------------


async def test_a_class_round_of_quiz_polls_ends_with_its_leaderboard(
    emulator: BotApiEmulator, bot: App
) -> None:
    intro = await say(emulator, ANN, f"/quiz@{emulator.bot_username} nep", "Quiz round")
    assert "3 questions, 5 seconds each" in intro["text"]
    assert "Typed and chronology questions are left out" in intro["text"]
    plan = {ANN: (True, True, True), BOB: (True, True, False), CAT: (False, True, False)}
    polls: list[Call] = []
    for number in range(3):
        call = await emulator.wait_for(
            "sendPoll", chat_id=GROUP, timeout=10, since=0 if number == 0 else polls[-1].seq
        )
        polls.append(call)
        params, poll = call.params, call.result["poll"]
        assert params["type"] == "quiz" and params["is_anonymous"] is False
        assert params["open_period"] == 5 and poll["question"].startswith(f"{number + 1}/3 · ")
        assert not {"question_parse_mode", "explanation_parse_mode"} & set(params)
        assert all("text_parse_mode" not in option for option in params["options"])
        right = params["correct_option_ids"][0]
        for user_id, answers in plan.items():
            choice = right if answers[number] else (right + 1) % len(poll["options"])
            await emulator.answer_poll(poll["id"], [choice], user_id=user_id)
        if number == 0:
            busy = await say(emulator, BOB, "/quiz 2", "A round is running")
            assert "question 1 of 3" in busy["text"]
    result = await emulator.wait_for_message(GROUP, "Round over", timeout=10, since=0)
    asked = {call.result["poll"]["question"].split(" · ", 1)[1] for call in polls}
    assert "Under the NEP, peasants could sell surplus grain <for profit> & keep it." in asked
    lines = result["text"].splitlines()
    ranked = [line for line in lines if line.startswith(("🥇", "🥈", "🥉"))]
    assert [line.split(" — ")[0] for line in ranked] == ["🥇 Ann", "🥈 Bob", "🥉 Cat"]
    assert ranked[0].split(" — ")[1].startswith("3/3 · ")
    gaps = [later.time - earlier.time for earlier, later in itertools.pairwise(polls)]
    assert all(gap >= 5.0 for gap in gaps), gaps  # one poll per open period: 12 a minute at most

    store = store_of(bot)
    for user_id in plan:  # every student's answers feed their own spaced repetition
        remembered = [await store.get_memory(user_id, question) for question in NEP_QUESTIONS]
        assert all(item is not None for item in remembered), user_id
    board = await say(emulator, CAT, "/leaderboard", "Leaderboard")
    assert "This week:\n🥇 Ann — 3 correct of 3\n🥈 Bob — 2 correct of 3" in board["text"]


async def test_an_admin_stops_a_round_and_a_student_cannot(
    emulator: BotApiEmulator, bot: App
) -> None:
    await say(emulator, ANN, "/quiz 3", "Quiz round")
    first = await emulator.wait_for("sendPoll", chat_id=GROUP)
    refused = await say(emulator, ANN, "/stop", "Only this group's admins can stop the round.")
    assert refused
    await emulator.send_text(GROUP, "/stop", user_id=ASSISTANT)
    stopped = await emulator.wait_for_message(GROUP, "Round stopped")
    assert (
        "0 of 3 questions asked" not in stopped["text"]
        and "1 of 3 questions asked" in stopped["text"]
    )
    closing = await emulator.wait_for("stopPoll", chat_id=GROUP, since=0)
    assert closing.params["message_id"] == first.result["message_id"]
    assert bot.job_queue is not None
    assert not [job for job in bot.job_queue.jobs() if job.name and job.name.startswith(JOB_PREFIX)]
    # With no round running, /stop is the student's own quiz's again.
    await say(emulator, ANN, "/stop", "No quiz is running")


async def test_a_round_carries_on_after_a_restart(
    emulator: BotApiEmulator,
    settings: Settings,
    library: Library,
    class_group: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record_poll = GroupRounds.asked

    def has_answer(call: Call) -> bool:
        return any("poll_answer" in update for update in call.result or ())

    async def late(rounds: GroupRounds, poll: PollQuestion, **posted: Any) -> None:
        # The poll id is stored only once the bot has fetched an answer to a poll, whatever
        # the machine's speed: the first answer arrives before its poll is recorded.
        await emulator.wait_for("getUpdates", has_answer, since=0, timeout=10)
        await record_poll(rounds, poll, **posted)

    monkeypatch.setattr(GroupRounds, "asked", late)
    fast = {"question_seconds": 1.0, "grace_seconds": 0.2}
    async with running_application(make_app(settings, library, **fast)):
        await emulator.add_bot_to_group(class_group, by_user_id=TEACHER)
        await emulator.wait_for_message(class_group, "Hello, class!")
        await say(emulator, ANN, "/quiz nep 2", "Quiz round")
        first = await emulator.wait_for("sendPoll", chat_id=GROUP)
        await emulator.answer_poll(first.result["poll"]["id"], [0], user_id=ANN)
        await emulator.wait_for("getUpdates", has_answer)  # the bot has it: now restart
    stopped_at = await seq(emulator)

    async with running_application(make_app(settings, library, **fast)) as second_life:
        second = await emulator.wait_for("sendPoll", chat_id=GROUP, since=stopped_at, timeout=5)
        assert second.result["poll"]["question"].startswith("2/2 · ")
        await emulator.answer_poll(second.result["poll"]["id"], [0], user_id=ANN)
        result = await emulator.wait_for_message(GROUP, "Round over", since=stopped_at)
        assert "🥇 Ann — " in result["text"]
        answers = await store_of(second_life).export_user(ANN)
        assert len(answers["answers"]) == 2, "both answers count, one from before the restart"


# ----- leaderboards, settings, reports ---------------------------------------------------------


async def test_only_admins_change_settings_and_names_follow_them(
    emulator: BotApiEmulator, bot: App
) -> None:
    await seed_round(store_of(bot), {ANN: (3, 0), BOB: (2, 1)})
    since = await seq(emulator)
    denied = await say(emulator, ANN, "/settings questions 10", "only this group's admins")
    assert denied
    checked = await emulator.calls("getChatMember", chat_id=GROUP, since=since)
    assert [call.params["user_id"] for call in checked] == [ANN]

    shown = await say(emulator, ANN, "/settings", "Group settings")
    assert (
        "Questions per round: 5" in shown["text"]
        and "Time per question: 5 seconds" in shown["text"]
    )
    assert "/daily HH:MM" in shown["text"]
    pressed = await emulator.press_button(
        GROUP, shown["message_id"], text="10 questions", user_id=ANN
    )
    await emulator.wait_for("answerCallbackQuery")
    notice = await emulator.callback_answer(pressed["callback_query"]["id"])
    assert notice is not None and "only this group's admins" in notice["text"]

    saved = await say(emulator, TEACHER, "/settings questions 10", "Saved")
    assert "Questions per round: 10" in saved["text"]
    await say(emulator, TEACHER, "/settings open 3", "Time per question can be 5 to 600 seconds.")
    topic = await say(emulator, TEACHER, "/settings topic nep", "Saved")
    assert "Questions from: the topic “The NEP and the industrialisation debate”" in topic["text"]

    await emulator.press_button(GROUP, saved["message_id"], text="Full names", user_id=TEACHER)
    edit = await emulator.wait_for("editMessageText", chat_id=GROUP)
    assert "✓ Full names" in buttons(edit.result)
    board = await say(emulator, CAT, "/leaderboard", "Leaderboard")
    assert "🥇 Ann Lee — 3 correct of 3\n🥈 Bob Ray — 2 correct of 3" in board["text"]

    await say(emulator, ASSISTANT, "/settings names anonymous", "Saved")
    board = await say(emulator, CAT, "/leaderboard", "Leaderboard")
    assert "Ann" not in board["text"] and "Bob" not in board["text"]
    assert "2 students · 6 answers · 83% correct" in board["text"]


async def test_the_report_goes_to_the_admin_privately_or_else_to_the_group(
    emulator: BotApiEmulator, bot: App
) -> None:
    await seed_round(store_of(bot), {ANN: (1, 2), BOB: (0, 3)})
    await say(emulator, ANN, "/report", "Only this group's admins can see the class report.")

    await emulator.send_text(TEACHER, "/start")  # Tess has a private chat with the bot
    await emulator.wait_for_message(TEACHER, "revision tutor")
    await say(emulator, TEACHER, "/report", "sent you the class report")
    private = await emulator.wait_for_message(TEACHER, "Class report: Year 10 History", since=0)
    assert "2 students · 6 answers · 17% correct" in private["text"]
    assert "Weakest topics: The NEP and the industrialisation debate (17%)." in private["text"]

    in_group = await say(emulator, ASSISTANT, "/report", "Class report")  # never started the bot
    assert "17% correct" in in_group["text"] and "press Start" in in_group["text"]
    await emulator.set_blocked(TEACHER)  # Telegram answers 403 Forbidden
    blocked = await say(emulator, TEACHER, "/report", "Class report")
    assert "press Start" in blocked["text"]


# ----- the bot's life in the group --------------------------------------------------------------


async def test_added_it_introduces_itself_and_removed_it_pauses_the_group(
    emulator: BotApiEmulator, bot: App
) -> None:
    intros = [m for m in await emulator.history(GROUP) if "Hello, class!" in m.get("text", "")]
    assert len(intros) == 1 and "privacy mode" in intros[0]["text"]
    commands = {c["command"] for c in await emulator.bot_commands({"type": "all_group_chats"})}
    assert {"quiz", "leaderboard", "settings", "report"} <= commands
    store = store_of(bot)
    await store.set_subscription(GROUP, local_time="09:00", time_zone="UTC", now=utc_now())

    await emulator.remove_bot_from_group(GROUP, by_user_id=TEACHER)

    async def paused() -> bool:
        chat = await store.get_chat(GROUP)
        return chat is not None and chat.paused

    await eventually(paused)
    chat, subscription = await store.get_chat(GROUP), await store.get_subscription(GROUP)
    assert chat is not None and chat.paused_reason == "kicked"
    assert subscription is not None and not subscription.active

    await emulator.add_bot_to_group(GROUP, by_user_id=TEACHER)
    await emulator.wait_for_message(GROUP, "Hello, class!")
    chat = await store.get_chat(GROUP)
    assert chat is not None and not chat.paused


async def test_a_supergroup_upgrade_keeps_settings_scores_and_the_running_round(
    emulator: BotApiEmulator, bot: App
) -> None:
    store = store_of(bot)
    await say(emulator, TEACHER, "/settings questions 7", "Saved")
    await seed_round(store, {ANN: (2, 0)})
    await say(emulator, BOB, "/quiz nep 1", "Quiz round")
    poll = await emulator.wait_for("sendPoll", chat_id=GROUP)
    right = poll.params["correct_option_ids"][0]
    await emulator.answer_poll(poll.result["poll"]["id"], [right], user_id=BOB)
    _, moved = await emulator.migrate_group(GROUP, user_id=TEACHER)
    supergroup = moved["message"]["chat"]["id"]

    async def migrated() -> bool:
        chat = await store.get_chat(GROUP)
        return chat is not None and chat.migrated_to == supergroup

    await eventually(migrated)
    result = await emulator.wait_for_message(supergroup, "Round over", timeout=10, since=0)
    assert "🥇 Bob — 1/1" in result["text"]
    await emulator.send_text(supergroup, "/leaderboard", user_id=BOB)
    board = await emulator.wait_for_message(supergroup, "Leaderboard")
    assert "All time:\n🥇 Ann — 2 correct of 2\n🥈 Bob — 1 correct of 1" in board["text"]
    await emulator.send_text(supergroup, "/settings", user_id=BOB)
    shown = await emulator.wait_for_message(supergroup, "Group settings")
    assert "Questions per round: 7" in shown["text"]


async def test_inline_mode_shares_a_card_from_any_chat(emulator: BotApiEmulator, bot: App) -> None:
    query = await emulator.inline_query("new economic policy", user_id=ANN, chat_type="group")
    await emulator.wait_for("answerInlineQuery")
    answer = await emulator.inline_answer(query["inline_query"]["id"])
    assert answer is not None
    assert answer["results"][0]["title"] == "The New Economic Policy (NEP)"


# ----- anonymous admins and channels ----------------------------------------------------------


async def test_an_anonymous_admin_is_an_admin_without_a_person_behind_it(
    emulator: BotApiEmulator, bot: App
) -> None:
    """A teacher who "Remains anonymous" posts as the group itself (GroupAnonymousBot)."""
    since = await seq(emulator)
    await emulator.send_as_chat(GROUP, "/settings questions 7")
    saved = await emulator.wait_for_message(GROUP, "Saved")
    assert "Questions per round: 7" in saved["text"]
    asked = await emulator.calls("getChatMember", chat_id=GROUP, since=since)
    assert asked == []  # nothing to ask: only admins can post as the group

    await emulator.send_as_chat(GROUP, "/report")
    await emulator.wait_for_message(GROUP, "posting anonymously")
    await emulator.send_as_chat(GROUP, "/review")
    await emulator.wait_for_message(GROUP, "posting as the group")
    await emulator.send_as_chat(GROUP, "/forget")
    await emulator.wait_for_message(GROUP, "posting as the group")
    sent = await emulator.calls("sendMessage", since=since)
    assert {call.params["chat_id"] for call in sent} == {GROUP}  # nothing to the placeholder
    assert await store_of(bot).get_user(1087968824) is None


async def test_a_channel_posting_in_the_group_is_not_an_admin(
    emulator: BotApiEmulator, bot: App
) -> None:
    channel = -1009990001
    await emulator.add_chat(channel, "channel", "Some channel")
    await emulator.send_as_chat(GROUP, "/settings questions 9", sender_chat_id=channel)
    await emulator.wait_for_message(GROUP, "only this group's admins")
    shown = await say(emulator, ANN, "/settings", "Group settings")
    assert "Questions per round: 5" in shown["text"]
