"""End-to-end quizzes: the real Telegram application long-polls the Bot API emulator.

A small deck with one choice, one typed and one chronology question keeps every quiz
short and its questions known; the store is SQLite in tmp_path. Questions come in a
seeded random order, so the tests read each question message and answer it by its kind.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from tutor.config import Settings
from tutor.dialog import Dialog
from tutor.model import Library
from tutor.quiz import QuizService
from tutor.quizflow import QuizFlow
from tutor.store import Store
from tutor.telegram.app import build_application
from tutor.telegram.handlers import SORRY

from .botsetup import deck_library, emulator_settings
from .emulator import BotApiEmulator, running_application

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

JSON = dict[str, Any]
USER = 5101
OTHER_USER = 5102
GROUP = -4101
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXPIRED = "That button has expired. Send /topics to browse again."
ORDER_ITEMS = (
    "Lenin dies",
    "Trotsky loses the War Commissariat",
    "United Opposition formed",
    "Trotsky expelled from the party",
)
DECK_YAML = (
    """\
deck:
  id: e2e-quiz
  title: "Stalin's rise (quiz test deck)"
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
    related: [united-opposition]
  - id: united-opposition
    title: "The United Opposition (1926–27)"
    topic: defeat-of-left
    body: |
      • Trotsky, Zinoviev and Kamenev joined forces against Stalin in 1926.
      • Kirov replaced Zinoviev in Leningrad; Trotsky was expelled from the party in 1927.
    keywords: [United Opposition, Trotsky, Zinoviev, Kamenev]
    source: ["Class notes"]

events:
  - when: 1921-03
    what: "The NEP is introduced"
    card: nep
  - when: 1924-01-21
    what: "Lenin dies"
    card: nep
  - when: 1926
    what: "The United Opposition is formed"
    card: united-opposition
  - when: 1927-11
    what: "Trotsky is expelled from the party"
    card: united-opposition
  - when: 1929
    what: "Trotsky is exiled"
    card: united-opposition

questions:
  - id: q-choice
    card: nep
    kind: choice
    prompt: "Who introduced the NEP in 1921?"
    options: [Lenin, Stalin, Trotsky, Bukharin]
    answer: Lenin
    explanation: "Lenin brought it in after the Kronstadt rising."
  - id: q-typed
    card: united-opposition
    kind: typed
    prompt: "Who replaced Zinoviev as party boss in Leningrad?"
    answers: ["Sergei Kirov", Kirov]
    explanation: "Kirov took over Leningrad in 1926."
  - id: q-order
    card: united-opposition
    kind: order
    prompt: "Put these in order, earliest first."
    items:
"""
    + "".join(f'      - "{item}"\n' for item in ORDER_ITEMS)
    + """\
    explanation: "1924, 1925, 1926, 1927."
"""
)


# ----- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def quiz_library(tmp_path: Path) -> Library:
    return deck_library(tmp_path / "content", "e2e-quiz.yaml", DECK_YAML)


@pytest.fixture
def quiz_settings(emulator: BotApiEmulator, quiz_library: Library, tmp_path: Path) -> Settings:
    return emulator_settings(emulator, tmp_path / "content", tmp_path / "data")


def quiz_application(settings: Settings, library: Library, seed: int = 1) -> Application:
    """The application as bot.py builds it, with a seeded quiz service."""

    async def open_quiz() -> QuizFlow:
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
        store = await Store.open(settings.database_url)
        service = QuizService(library, store, rng=random.Random(seed))
        return QuizFlow(library, store, service, default_timezone=settings.default_timezone)

    return build_application(settings, Dialog(library), open_quiz=open_quiz)


@pytest.fixture
async def quiz_bot(
    quiz_settings: Settings, quiz_library: Library, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Application]:
    caplog.set_level(logging.WARNING, logger="tutor")
    async with running_application(quiz_application(quiz_settings, quiz_library)) as app:
        yield app
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


def flow_of(app: Application) -> QuizFlow:
    flow = app.bot_data["quiz"]
    assert isinstance(flow, QuizFlow)
    return flow


# ----- helpers -----------------------------------------------------------------------------


def buttons(message: JSON) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return {button["text"]: button["callback_data"] for row in rows for button in row}


@dataclass
class Student:
    """A user in a chat, pressing buttons and typing the way the tests need."""

    emu: BotApiEmulator
    chat_id: int
    user_id: int

    async def say(self, text: str, expect: str | None = None, reply_to: int | None = None) -> JSON:
        await self.emu.send_text(self.chat_id, text, user_id=self.user_id, reply_to=reply_to)
        return await self.emu.wait_for_message(self.chat_id, expect)

    async def press(self, message: JSON, label: str | None = None, data: str | None = None) -> str:
        """Press a button (or send forged `data`); the callback query id."""
        update = await self.emu.press_button(
            self.chat_id, message["message_id"], text=label, data=data, user_id=self.user_id
        )
        return str(update["callback_query"]["id"])

    async def notice(self, query_id: str) -> str | None:
        """The bot's pop-up answer to a button press (None: answered without text)."""
        await self.emu.wait_for(
            "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id, since=0
        )
        answer = await self.emu.callback_answer(query_id)
        assert answer is not None
        return answer["text"]

    async def edited(self, message: JSON, since: int) -> JSON:
        """The message once the bot has edited it (after call number `since`)."""
        await self.emu.wait_for(
            "editMessageText",
            lambda c: c.params["message_id"] == message["message_id"],
            chat_id=self.chat_id,
            since=since,
        )
        current = await self.emu.message(self.chat_id, message["message_id"])
        assert current is not None
        return current

    async def mark(self) -> int:
        return len(await self.emu.calls())

    async def answer(self, question: JSON, *, right: bool = True) -> tuple[JSON, JSON]:
        """Answer a question message by its kind: (the verdict, the next question or summary)."""
        text = question["text"]
        since = await self.mark()
        if "✍️" in text:
            hint = "Type your answer." if self.chat_id > 0 else "Reply to this message with your"
            assert hint in text
            reply_to = question["message_id"] if self.chat_id < 0 else None
            verdict = await self.say("Kirov" if right else "Zinoviev", "Your answer:", reply_to)
        elif "Tap the events in order" in text:  # one edit per tap, the last item's too
            verdict = question
            for step, item in enumerate(ORDER_ITEMS if right else ORDER_ITEMS[::-1]):
                tapped = await self.mark()
                await self.press(verdict, item)
                verdict = await self.edited(question, tapped)
                if step < len(ORDER_ITEMS) - 1:
                    assert f"{step + 1}. {item}" in verdict["text"]
                    assert item not in buttons(verdict)
        else:
            await self.press(question, "Lenin" if right else "Stalin")
            verdict = await self.edited(question, since)
        following = await self.emu.wait_for_message(
            self.chat_id,
            predicate=lambda m: m.get("text", "").startswith(("Question ", "Quiz finished")),
            since=since,
        )
        return verdict, following


async def no_apology(emu: BotApiEmulator) -> None:
    """The error handler never had to apologise."""
    sent = await emu.calls(["sendMessage"], ok=True)
    assert all(SORRY not in (call.params.get("text") or "") for call in sent)
    answers = await emu.calls("answerCallbackQuery")
    assert all(SORRY[:200] != call.params.get("text") for call in answers)


# ----- a quiz in a private chat ------------------------------------------------------------------


async def test_a_quiz_by_buttons_and_typing_edits_questions_in_place(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    intro = await ann.say("/quiz 3", "Quiz time!")
    assert "3 questions. Tap an answer, or /stop to end early." in intro["text"]
    question = await emulator.wait_for_message(USER, "Question 1 of 3")
    sent_before = await emulator.delivered_count(USER)

    kinds_seen = []
    verdict: JSON = {}
    summary: JSON = {}
    for number in range(1, 4):
        assert question["text"].startswith(f"Question {number} of 3")
        assert "⏹ Stop quiz" in buttons(question)
        typed = "✍️" in question["text"]
        kinds_seen.append("typed" if typed else "buttons")
        since = await ann.mark()
        verdict, following = await ann.answer(question, right=not typed)
        if typed:  # the verdict is a new message; the question stays as it was
            assert verdict["message_id"] != question["message_id"]
            assert verdict["text"].startswith("❌ Not quite.")
            assert "Your answer: Zinoviev" in verdict["text"]
            assert "Answer: Sergei Kirov" in verdict["text"]
            assert "Kirov took over Leningrad in 1926." in verdict["text"]
            still = await emulator.message(USER, question["message_id"])
            assert still is not None and still["text"] == question["text"]
        else:  # the question message itself now shows the verdict
            assert verdict["message_id"] == question["message_id"]
            assert verdict["text"].startswith("✅ Right!")
            assert "Your answer: " in verdict["text"]
            assert next(iter(buttons(verdict))).startswith("📖 Read the card: ")
            assert not await emulator.calls("editMessageText", chat_id=USER, since=since, ok=False)
        if number < 3:
            question = following
            assert question["text"].startswith(f"Question {number + 1} of 3")
        else:
            summary = following
    assert sorted(kinds_seen) == ["buttons", "buttons", "typed"]

    assert summary["text"].startswith("Quiz finished")
    assert "Score: 2/3" in summary["text"]
    assert "Topics to revisit:" in summary["text"]
    assert list(buttons(summary)) == ["📚 Defeat of the Left 1924–27"]
    # Two questions, one typed verdict and the summary were sent; the rest were edits.
    assert await emulator.delivered_count(USER) == sent_before + 2 + 1 + 1

    # "Read the card" under a verdict and the summary's topic button go to the browsing dialog.
    await ann.press(verdict, next(iter(buttons(verdict))))
    card = await emulator.wait_for_message(USER)
    assert "(1926–27)" in card["text"] or "(NEP)" in card["text"]
    since = await ann.mark()
    await ann.press(summary, "📚 Defeat of the Left 1924–27")
    topic_page = await ann.edited(summary, since)
    assert topic_page["text"].startswith("Defeat of the Left 1924–27")
    await no_apology(emulator)


async def test_quiz_me_on_this_under_a_card_starts_a_quiz(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    card = await ann.say("what was the new economic policy", "The New Economic Policy (NEP)")
    assert buttons(card)["🧠 Quiz me on this"] == "quiz:nep"
    await ann.press(card, "🧠 Quiz me on this")
    intro = await emulator.wait_for_message(USER, "Quiz: The NEP and the industrialisation")
    question = await emulator.wait_for_message(USER, "Question 1 of 1")
    assert intro["message_id"] != card["message_id"]
    assert "Who introduced the NEP in 1921?" in question["text"]
    assert {"Lenin", "Stalin", "Trotsky", "Bukharin", "⏹ Stop quiz"} == set(buttons(question))
    verdict, summary = await ann.answer(question)
    assert verdict["text"].startswith("✅ Right!")
    assert "Score: 1/1" in summary["text"]
    still = await emulator.message(USER, card["message_id"])
    assert still is not None and still["text"] == card["text"], "the card stays as it was"


async def test_forged_and_stale_answer_buttons_get_a_notice(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    await ann.say("/quiz 3", "Quiz time!")
    question = await emulator.wait_for_message(USER, "Question 1 of 3")
    old = buttons(question)

    forged = await ann.press(question, data="qa:999999:1:0")
    assert await ann.notice(forged) == "That question is finished. Send /quiz for a new one."
    answer_data = old["⏹ Stop quiz"].replace("qs:", "qa:").removesuffix(":0")  # qa:<id>:1
    for option in (":9", ":99"):
        bad_option = await ann.press(question, data=answer_data + option)
        assert await ann.notice(bad_option) == "That answer doesn't fit this question."
    not_quiz_shaped = await ann.press(question, data=answer_data + ":100")
    assert await ann.notice(not_quiz_shaped) == EXPIRED
    unknown_card = await ann.press(question, data="quiz:no-such-card")
    assert await ann.notice(unknown_card) == EXPIRED

    await ann.answer(question)
    since = len(await emulator.calls())
    stale = await ann.press(question, data=answer_data + ":0")
    assert await ann.notice(stale) == "That question is finished. Send /quiz for a new one."
    await emulator.assert_no_call_before_reply(
        ["sendMessage", "editMessageText"], chat_id=USER, since=since
    )

    # Still alive and still in the same quiz.
    stopped = await ann.say("/stop", "Quiz finished")
    assert "Score: 1/1, 2 skipped" in stopped["text"]
    await no_apology(emulator)


# ----- pictures and privacy ----------------------------------------------------------------------


async def photo_bytes(emu: BotApiEmulator, message: JSON) -> bytes:
    biggest = max(message["photo"], key=lambda size: size["width"] * size["height"])
    return await emu.file_bytes(biggest["file_id"])


async def test_stats_and_timeline_send_png_pictures(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    hint = await ann.say("/stats")
    assert hint["text"] == "No answers yet — send /quiz to start, then come back here."

    await ann.say("/quiz 1", "Quiz time!")
    question = await emulator.wait_for_message(USER, "Question 1 of 1")
    await ann.answer(question)

    await emulator.send_text(USER, "/stats")
    figures = await emulator.wait_for_message(USER, "Your progress")
    assert "Answered: 1 · correct: 1 (100%)" in figures["text"]
    chart = await emulator.wait_for("sendPhoto", chat_id=USER)
    assert (await photo_bytes(emulator, chart.result)).startswith(PNG_MAGIC)
    assert await emulator.calls("sendChatAction", chat_id=USER, ok=True)

    await emulator.send_text(USER, "/timeline 1924 1929")
    timeline = await emulator.wait_for("sendPhoto", chat_id=USER)
    assert timeline.result["caption"] == "Timeline 1924–1929"
    assert (await photo_bytes(emulator, timeline.result)).startswith(PNG_MAGIC)

    await emulator.send_text(USER, "/timeline 1929 1924")  # swapped, not refused
    swapped = await emulator.wait_for("sendPhoto", chat_id=USER)
    assert swapped.result["caption"] == "Timeline 1924–1929"
    error = await ann.say("/timeline 1800 1810", "outside the timeline")
    assert "photo" not in error


async def test_forget_deletes_the_data_after_yes(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    store = flow_of(quiz_bot).store
    await ann.say("/quiz 1", "Quiz time!")
    await ann.answer(await emulator.wait_for_message(USER, "Question 1 of 1"))
    assert (await store.export_user(USER))["answers"]

    ask = await ann.say("/forget", "Delete everything I store about you?")
    since = await ann.mark()
    await ann.press(ask, "Keep my data")
    kept = await ann.edited(ask, since)
    assert kept["text"] == "Okay — nothing was deleted."
    assert (await store.export_user(USER))["answers"]

    ask = await ann.say("/forget", "Delete everything I store about you?")
    since = await ann.mark()
    await ann.press(ask, "🗑 Yes, delete it all")
    done = await ann.edited(ask, since)
    assert done["text"] == "Done: everything I stored about you has been deleted."
    assert "reply_markup" not in done or not buttons(done)
    exported = await store.export_user(USER)
    for table in ("users", "chats", "quiz_sessions", "answers", "memory"):
        assert exported[table] == [], table


# ----- restart --------------------------------------------------------------------------------


async def test_a_restart_mid_quiz_continues_from_the_old_question_message(
    emulator: BotApiEmulator, quiz_settings: Settings, quiz_library: Library
) -> None:
    ann = Student(emulator, USER, USER)
    async with running_application(quiz_application(quiz_settings, quiz_library)):
        card = await ann.say("who led the united opposition", "The United Opposition")
        await ann.press(card, "🧠 Quiz me on this")
        first = await emulator.wait_for_message(USER, "Question 1 of 2")
        assert "Type your answer" in first["text"]  # the card's own questions, in deck order
        verdict, second = await ann.answer(first)
        assert verdict["text"].startswith("✅ Right!")
        assert second["text"].startswith("Question 2 of 2")
        assert "Tap the events in order" in second["text"]

    # A new process: a new application, database connection and quiz service.
    async with running_application(quiz_application(quiz_settings, quiz_library, seed=99)):
        verdict, summary = await ann.answer(second)
        assert verdict["message_id"] == second["message_id"]
        assert verdict["text"].startswith("✅ Right!")
        assert "Score: 2/2" in summary["text"]
    await no_apology(emulator)


# ----- groups ---------------------------------------------------------------------------------


async def test_two_students_quiz_in_one_group_without_interfering(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    await emulator.add_bot_to_group(GROUP, title="Class 10B", by_user_id=USER)
    ann = Student(emulator, GROUP, USER)
    bob = Student(emulator, GROUP, OTHER_USER)
    # In a group /quiz starts a class round; a personal quiz starts from a card's button.
    card = await ann.say("/ask nep", "The New Economic Policy")
    await ann.press(card, label="🧠 Quiz me on this")
    anns = await emulator.wait_for_message(GROUP, "Question 1 of")
    card = await bob.say("/ask@" + emulator.bot_username + " nep", "The New Economic Policy")
    await bob.press(card, label="🧠 Quiz me on this")
    bobs = await emulator.wait_for_message(GROUP, "Question 1 of")
    assert anns["message_id"] != bobs["message_id"]

    for label, data in buttons(anns).items():
        query = await bob.press(anns, data=data)
        notice = await bob.notice(query)
        assert notice == "That's someone else's quiz — send /quiz to start your own.", label
    current = await emulator.message(GROUP, anns["message_id"])
    assert current is not None and current["text"] == anns["text"], "Ann's question is untouched"

    # Typed answers in a group are replies to the bot; a plain message is not an answer.
    since = len(await emulator.calls())
    await emulator.send_text(GROUP, "Kirov", user_id=USER)
    await emulator.assert_no_call_before_reply(
        ["sendMessage", "editMessageText"], chat_id=GROUP, since=since, user_id=USER
    )
    bob_verdict, _ = await bob.answer(bobs)
    assert bob_verdict["text"].startswith("✅ Right!")
    ann_verdict, ann_next = await ann.answer(anns)
    assert ann_verdict["text"].startswith("✅ Right!")
    assert ann_next["text"].startswith(("Question 2 of", "Quiz finished"))

    store = flow_of(quiz_bot).store
    assert len((await store.export_user(USER))["answers"]) == 1
    assert len((await store.export_user(OTHER_USER))["answers"]) == 1
    await no_apology(emulator)


async def edit(emu: BotApiEmulator, sent: JSON, text: str) -> list[Any]:
    """The user edits a message they sent; what the bot sent to the chat in reply."""
    message = sent["message"]
    edited = {**message, "text": text, "edit_date": message["date"] + 5}
    if text.startswith("/"):
        edited["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    since = len(await emu.calls())
    await emu.inject_update({"edited_message": edited})
    return await emu.calls_before_reply(
        ["sendMessage", "editMessageText"],
        chat_id=message["chat"]["id"],
        since=since,
        user_id=message["from"]["id"],
    )


async def test_editing_an_old_message_does_not_answer_or_restart_the_quiz(
    emulator: BotApiEmulator, quiz_bot: Application
) -> None:
    ann = Student(emulator, USER, USER)
    flow = flow_of(quiz_bot)
    asked = await emulator.send_text(USER, "what was the new economic policy")
    await emulator.wait_for_message(USER, "The New Economic Policy (NEP)")
    command = await emulator.send_text(USER, "/quiz 3")
    await emulator.wait_for_message(USER, "Question 1 of 3")
    card = await ann.say("who led the united opposition", "The United Opposition")
    await ann.press(card, "🧠 Quiz me on this")
    question = await emulator.wait_for_message(USER, "Question 1 of 2")
    assert "Type your answer" in question["text"]
    running = await flow.service.current_question(USER, USER)
    assert running is not None

    sent = await edit(emulator, asked, "Kirov")
    assert all("Your answer" not in call.params["text"] for call in sent)
    sent = await edit(emulator, command, "/quiz 1")
    assert sent == [], "an edited old /quiz started a new quiz"
    pending = await flow.service.current_question(USER, USER)
    assert pending == running, "an edit answered or replaced the quiz"

    verdict, _ = await ann.answer(question)
    assert verdict["text"].startswith("✅ Right!")
