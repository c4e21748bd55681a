"""Issue 11 on Telegram: a student's first hour, and buttons whose edit fails.

The real application long-polls the Bot API emulator with the small quiz deck of
test_quiz_e2e.py (its fixtures are reused: `quiz_bot` fails the test on any ERROR log).
Failed edits are injected with `fail_next_edit`, which answers editMessageText with
Telegram's own error texts.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from .botsetup import deck_library, emulator_settings
from .emulator import PROBE, BotApiEmulator, describe_message, running_application
from .test_quiz_e2e import DECK_YAML, GROUP, USER, Student, buttons, no_apology, quiz_application

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

JSON = dict[str, Any]
BACK = "↩️ Back to your quiz — answer below, or /stop to end it."


async def answers_to(emu: BotApiEmulator, query_id: str) -> int:
    """How many times the bot called answerCallbackQuery for one press (ok or not), once
    the press has been handled (a second or third answer, as the bot used to give, included)."""
    await emu.handled(USER, user_id=USER)
    calls = await emu.calls("answerCallbackQuery", since=0)
    return sum(call.params["callback_query_id"] == query_id for call in calls)


@pytest.fixture
async def quiz_bot(
    emulator: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Application]:
    """The bot with the quiz test deck; no ERROR may be logged."""
    library = deck_library(tmp_path / "content", "e2e-quiz.yaml", DECK_YAML)
    settings = emulator_settings(emulator, tmp_path / "content", tmp_path / "data")
    caplog.set_level(logging.WARNING, logger="tutor")
    async with running_application(quiz_application(settings, library)) as app:
        yield app
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def edit_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "could not edit message" in r.getMessage()]


# ----- buttons whose edit fails ------------------------------------------------------------


@pytest.mark.parametrize("reason", ["not_found", "too_old"])
async def test_a_browsing_button_whose_edit_fails_sends_the_page_anew(
    emulator: BotApiEmulator,
    quiz_bot: Application,
    caplog: pytest.LogCaptureFixture,
    reason: str,
) -> None:
    ann = Student(emulator, USER, USER)
    topics = await ann.say("/topics", "Topics")
    await emulator.fail_next_edit(reason, chat_id=USER)
    query = await ann.press(topics, "Defeat of the Left 1924–27")
    page = await emulator.wait_for_message(USER, "Defeat of the Left 1924–27")
    assert page["message_id"] != topics["message_id"]
    assert "The United Opposition (1926–27)" in buttons(page)
    assert await answers_to(emulator, query) == 1
    (warning,) = edit_warnings(caplog)
    assert warning.levelno == logging.WARNING and warning.exc_info is None
    await no_apology(emulator)


async def test_an_unchanged_edit_only_answers_the_press(
    emulator: BotApiEmulator, quiz_bot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    ann = Student(emulator, USER, USER)
    topics = await ann.say("/topics", "Topics")
    await emulator.fail_next_edit("not_modified", chat_id=USER)
    since = await ann.mark()
    query = await ann.press(topics, "Defeat of the Left 1924–27")
    await emulator.assert_no_call_before_reply("sendMessage", chat_id=USER, since=since)
    assert await answers_to(emulator, query) == 1
    assert edit_warnings(caplog) == []
    await no_apology(emulator)


async def test_an_answer_whose_edit_fails_shows_the_verdict_as_a_new_message(
    emulator: BotApiEmulator, quiz_bot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    ann = Student(emulator, USER, USER)
    await ann.say("/quiz nep 1", "Quiz: The NEP")
    question = await emulator.wait_for_message(USER, "Question 1 of 1")
    await emulator.fail_next_edit("not_found", chat_id=USER)
    query = await ann.press(question, "Lenin")
    verdict = await emulator.wait_for_message(USER, "✅ Right!")
    assert verdict["message_id"] != question["message_id"]
    await emulator.wait_for_message(USER, "Quiz finished", since=0)
    assert await answers_to(emulator, query) == 1
    assert len(edit_warnings(caplog)) == 1
    await no_apology(emulator)


async def test_keep_my_data_whose_edit_fails_is_answered_once_not_expired(
    emulator: BotApiEmulator, quiz_bot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    ann = Student(emulator, USER, USER)
    ask = await ann.say("/forget", "Delete everything I store about you?")
    await emulator.fail_next_edit("not_found", chat_id=USER)
    query = await ann.press(ask, "Keep my data")
    kept = await emulator.wait_for_message(USER, "Okay — nothing was deleted.")
    assert kept["message_id"] != ask["message_id"]
    assert await answers_to(emulator, query) == 1
    assert (await emulator.callback_answer(query)) == {
        "text": None,
        "show_alert": None,
        "url": None,
    }
    assert len(edit_warnings(caplog)) == 1
    await no_apology(emulator)


async def test_a_time_zone_button_whose_edit_fails_is_answered_once(
    emulator: BotApiEmulator, quiz_bot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    ann = Student(emulator, USER, USER)
    suggestion = await ann.say("/timezone europe/londn", "Did you mean Europe/London?")
    await emulator.fail_next_edit("too_old", chat_id=USER)
    query = await ann.press(suggestion, "Europe/London")
    await emulator.wait_for_message(USER, "Time zone: Europe/London")
    assert await answers_to(emulator, query) == 1
    assert (await emulator.callback_answer(query) or {}).get("text") is None
    assert len(edit_warnings(caplog)) == 1
    await no_apology(emulator)


# ----- commands in a private chat ----------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("/foo", "I don't know /foo. Send /help to see what I can do."),
        ("/quizz 5", "I don't know /quizz — did you mean /quiz?"),
        ("/leaderboard", "/leaderboard works in a class group"),
        ("/report", "/report works in a class group"),
        ("/settings names first", "/settings works in a class group"),
    ],
)
async def test_no_command_goes_unanswered_in_a_private_chat(
    emulator: BotApiEmulator, quiz_bot: Application, command: str, reply: str
) -> None:
    ann = Student(emulator, USER, USER)
    answer = await ann.say(command)
    assert answer["text"].startswith(reply)
    probed = await emulator.handled(USER, user_id=USER)
    assert await emulator.transcript(USER) == [
        f"User{USER}: {command}",
        f"bot: {answer['text']}",
        f"User{USER}: {PROBE}",
        describe_message(probed),
    ]


async def test_known_commands_get_no_i_dont_know(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    for command in ("/daily", "/timezone", "/topics", "/card nep", "/start"):
        await ann.say(command)
    await emulator.handled(USER, user_id=USER)
    transcript = await emulator.transcript(USER)
    assert len(transcript) == 12, transcript  # a reply to each command and to the probe
    assert not any("I don't know" in line for line in transcript)


async def test_help_lists_what_the_chat_supports(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    private = (await ann.say("/help", "How to use me"))["text"]
    assert "/daily HH:MM" in private and "/forget" in private
    assert "\n/leaderboard" not in private and "In a class group:" in private
    await emulator.add_bot_to_group(GROUP, title="Class 10B", by_user_id=USER)
    await emulator.wait_for_message(GROUP)
    group = (await Student(emulator, GROUP, USER).say("/help", "How to use me"))["text"]
    assert "/leaderboard" in group and "/settings" in group
    assert "/forget" not in group and "/review" not in group
    commands = await emulator.bot_commands({"type": "all_private_chats"})
    assert "leaderboard" not in {c["command"] for c in commands}


# ----- a quiz is never stranded ------------------------------------------------------------


async def test_a_command_during_a_quiz_shows_the_question_again(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    await ann.say("/quiz nep 1", "Quiz: The NEP")
    question = await emulator.wait_for_message(USER, "Question 1 of 1")
    await ann.say("/topics", "Topics")
    reminder = await emulator.wait_for_message(USER, "Question 1 of 1")
    assert BACK in reminder["text"] and buttons(reminder) == buttons(question)
    await ann.press(reminder, "Lenin")
    await emulator.wait_for("editMessageText", chat_id=USER)
    assert (await emulator.message(USER, reminder["message_id"]) or {})["text"].startswith(
        "✅ Right!"
    )
    await no_apology(emulator)


async def test_typing_an_option_or_a_question_during_a_quiz(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    await ann.say("/quiz nep 1", "Quiz: The NEP")
    await emulator.wait_for_message(USER, "Question 1 of 1")
    card = await ann.say("who were the united opposition", "The United Opposition (1926–27)")
    reminder = await emulator.wait_for_message(USER, "Question 1 of 1")
    assert reminder["message_id"] > card["message_id"] and BACK in reminder["text"]
    verdict = await ann.say("stalin", "❌ Not quite.")
    assert "Your answer: Stalin" in verdict["text"]
    await emulator.wait_for_message(USER, "Quiz finished")
    await no_apology(emulator)


async def test_chit_chat_gets_a_friendly_reply(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    hello = await ann.say("hi!")
    assert hello["text"].startswith("Hi! 👋") and "Try asking: " in hello["text"]
    nonsense = await ann.say("lol")
    assert nonsense["text"].startswith("Sorry — I don't have a note on that.")


async def test_quiz_says_what_it_ignored(emulator: BotApiEmulator, quiz_bot: Application) -> None:
    ann = Student(emulator, USER, USER)
    intro = await ann.say("/quiz nep 1 extra junk", "Quiz: The NEP")
    assert "(I ignored “extra junk”: /quiz takes a topic, then a number.)" in intro["text"]


async def test_an_unexpected_edit_error_still_answers_the_press_once(
    emulator: BotApiEmulator, quiz_bot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    """Not an expected edit failure: logged as an error, and still one answer, not three."""
    ann = Student(emulator, USER, USER)
    ask = await ann.say("/forget", "Delete everything I store about you?")
    await emulator.fail_next(400, method="editMessageText", description="Bad Request: odd")
    query = await ann.press(ask, "Keep my data")
    assert await answers_to(emulator, query) == 1
    assert (await emulator.callback_answer(query) or {}).get("text") is None
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [f"error while handling update {errors[0].args[0]}"]
    caplog.clear()  # the fixture fails a test on any other ERROR
