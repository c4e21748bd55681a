"""Issue 9 on Telegram: "Which did you mean?" buttons and the deck a chat's questions use.

The real application long-polls the Bot API emulator with the two small test decks of
tests/data/chooser (Plant transport, Electrolysis — not the Stalin deck): "what is
osmosis" is a near tie between two cards, and "membrane" names one card in each deck.
The store is SQLite in tmp_path, so a restart is a new application on the same file.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from tutor.config import Settings
from tutor.content import load_library
from tutor.model import Library

from .botsetup import emulator_settings
from .emulator import BotApiEmulator, running_application
from .test_quiz_e2e import EXPIRED, Student, buttons, no_apology, quiz_application

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

JSON = dict[str, Any]
DECKS = Path(__file__).resolve().parents[1] / "data" / "chooser"
USER = 5301
OTHER_USER = 5302
TEACHER = 5303
GROUP = -4301
CHOOSER = "Which did you mean?"
ROOTS, GUARD = "Osmosis in root hairs", "Osmosis in guard cells"
FEEDBACK = ("👍", "👎 Not what I asked")


@pytest.fixture
def settings(emulator: BotApiEmulator, tmp_path: Path) -> Settings:
    content = tmp_path / "content"
    shutil.copytree(DECKS, content)
    return emulator_settings(emulator, content, tmp_path / "data")


@pytest.fixture
def library(settings: Settings) -> Library:
    return load_library([settings.content_dir])


@pytest.fixture
async def bot(
    settings: Settings, library: Library, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Application]:
    """The bot over the two decks; no ERROR may be logged."""
    caplog.set_level(logging.WARNING, logger="tutor")
    async with running_application(quiz_application(settings, library)) as app:
        yield app
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def answers_to(emu: BotApiEmulator, query_id: str) -> int:
    calls = await emu.calls("answerCallbackQuery", since=0)
    return sum(call.params["callback_query_id"] == query_id for call in calls)


async def class_group(emu: BotApiEmulator) -> None:
    """A class group run by TEACHER, with the bot added and its introduction read."""
    for user_id in (USER, OTHER_USER, TEACHER):
        await emu.add_user(user_id)
    await emu.add_chat(GROUP, "group", "Year 10 Science")
    await emu.set_group_admins(GROUP, [TEACHER])
    await emu.add_bot_to_group(GROUP, by_user_id=TEACHER)
    await emu.wait_for_message(GROUP, "Hello, class!")


# ----- the chooser ---------------------------------------------------------------------------


async def test_a_near_tie_asks_with_buttons_and_a_press_shows_the_card_with_feedback(
    emulator: BotApiEmulator, bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    chooser = await ann.say("what is osmosis", CHOOSER)
    assert chooser["text"].startswith(CHOOSER)
    assert f"• {ROOTS} — Water in plants · Plant transport" in chooser["text"]
    choices = buttons(chooser)
    assert set(choices) == {ROOTS, GUARD}
    assert all(data.startswith("pick:") and data.count(":") == 2 for data in choices.values())

    query = await ann.press(chooser, GUARD)
    card = await emulator.wait_for_message(USER, GUARD)
    assert card["message_id"] != chooser["message_id"]
    assert card["text"].startswith(f"{GUARD}\nWater in plants · Plant transport\n")
    assert all(label in buttons(card) for label in FEEDBACK)
    assert await answers_to(emulator, query) == 1
    assert await ann.notice(query) is None

    thumbs_down = await ann.press(card, FEEDBACK[1])
    assert await ann.notice(thumbs_down) == (
        "Thanks — I've passed your question on to the teachers (not your name)."
    )
    await no_apology(emulator)


async def test_a_forged_chooser_button_gets_the_expired_notice(
    emulator: BotApiEmulator, bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    chooser = await ann.say("what is osmosis", CHOOSER)
    since = await ann.mark()
    for data in ("pick:no-such-card:1", "pick:no-such-card", "pick:" + "x" * 51, "pick:"):
        forged = await ann.press(chooser, data=data)
        assert await ann.notice(forged) == EXPIRED
        assert await answers_to(emulator, forged) == 1
    await emulator.assert_no_call_before_reply(
        ["sendMessage", "editMessageText"], chat_id=USER, since=since
    )

    # A real card with a made-up question id: the card, but no 👍 / 👎 to misfile.
    made_up = await ann.press(chooser, data="pick:osmosis-roots:987654")
    card = await emulator.wait_for_message(USER, ROOTS)
    assert not any(label in buttons(card) for label in FEEDBACK)
    assert await ann.notice(made_up) is None
    await no_apology(emulator)


async def test_in_a_group_the_chooser_has_the_same_buttons(
    emulator: BotApiEmulator, bot: Application
) -> None:
    await class_group(emulator)
    ann = Student(emulator, GROUP, USER)
    chooser = await ann.say("/ask what is osmosis", CHOOSER)
    assert set(buttons(chooser)) == {ROOTS, GUARD}

    bob = Student(emulator, GROUP, OTHER_USER)  # anyone in the group may pick
    query = await bob.press(chooser, ROOTS)
    card = await emulator.wait_for_message(GROUP, ROOTS)
    assert card["text"].startswith(f"{ROOTS}\n")
    assert all(label in buttons(card) for label in FEEDBACK)
    assert await answers_to(emulator, query) == 1
    await no_apology(emulator)


# ----- several decks ---------------------------------------------------------------------------


async def test_a_group_question_is_matched_in_the_groups_deck(
    emulator: BotApiEmulator, bot: Application
) -> None:
    await class_group(emulator)
    teacher = Student(emulator, GROUP, TEACHER)
    ann = Student(emulator, GROUP, USER)

    await teacher.say("/settings deck electrolysis", "Saved")
    chemistry = await ann.say("/ask membrane")
    assert chemistry["text"].startswith("Membrane cell\nElectrolysis basics · Electrolysis\n")
    assert "Partially permeable membrane" not in chemistry["text"]

    await teacher.say("/settings deck plant transport", "Saved")
    biology = await ann.say("/ask membrane")
    assert biology["text"].startswith("Partially permeable membrane\nPlant cells · Plant")
    assert "Membrane cell" not in str(buttons(biology))
    await no_apology(emulator)


async def test_the_private_deck_choice_is_kept_across_a_restart(
    emulator: BotApiEmulator, settings: Settings, library: Library
) -> None:
    ann = Student(emulator, USER, USER)
    async with running_application(quiz_application(settings, library)):
        listing = await ann.say("/deck", "Decks")
        assert "Your questions are matched in every deck." in listing["text"]
        assert list(buttons(listing)) == ["Electrolysis", "Plant transport", "✅ 🌐 Any deck"]
        since = await ann.mark()
        query = await ann.press(listing, "Electrolysis")
        chosen = await ann.edited(listing, since)
        assert "\n\nDone — I'll match your questions in Electrolysis." in chosen["text"]
        assert "✅ Electrolysis" in buttons(chosen)
        assert await answers_to(emulator, query) == 1
        card = await ann.say("membrane", "Membrane cell")
        assert card["text"].startswith("Membrane cell\n")

    # A new process: a new application and database connection, the same file.
    async with running_application(quiz_application(settings, library)):
        card = await ann.say("membrane", "Membrane cell")
        assert card["text"].startswith("Membrane cell\n")
        listing = await ann.say("/deck", "Decks")
        assert "Your questions are matched in: Electrolysis." in listing["text"]
        done = await ann.say("/deck plants", "Done")
        assert (
            done["text"]
            == "Done — I'll match your questions in Plant transport. /deck any to undo."
        )
        card = await ann.say("membrane", "Partially permeable membrane")
        assert card["text"].startswith("Partially permeable membrane\n")
    await no_apology(emulator)


async def test_deck_in_a_group_points_to_the_settings(
    emulator: BotApiEmulator, bot: Application
) -> None:
    await class_group(emulator)
    ann = Student(emulator, GROUP, USER)
    reply = await ann.say("/deck plants", "/settings deck")
    assert reply["text"] == "In a group, admins choose the deck: /settings deck NAME (or any)."
    await no_apology(emulator)
