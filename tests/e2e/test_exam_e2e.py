"""`/exam` end to end: the real application long-polls the Bot API emulator.

A student sets their own exam and /review then serves the exam's questions; in a class
group only admins set the date (asked of the Bot API, not taken from the message) and
anyone sees the class countdown.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from telegram.ext import Application

from tutor.config import PROJECT_ROOT
from tutor.content import load_library

from .emulator import BotApiEmulator

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

STUDENT = 5301
GROUP = -4301
ADMIN, MEMBER = 31, 32
EXAM_DAY = date.today() + timedelta(days=40)
LIBRARY = load_library([PROJECT_ROOT / "content"])
TROTSKY_CARDS = {card.id for card in LIBRARY.cards_in_topic("trotsky")}


async def test_a_student_sets_an_exam_and_review_serves_its_questions(
    emulator: BotApiEmulator, bot: Application
) -> None:
    await emulator.send_text(STUDENT, "/exam", user_id=STUDENT)
    await emulator.wait_for_message(STUDENT, "No exam date set")
    await emulator.send_text(STUDENT, f"/exam {EXAM_DAY.isoformat()} Trotsky", user_id=STUDENT)
    shown = await emulator.wait_for_message(STUDENT, "Exam set for")
    assert "Trotsky (" in shown["text"] and "days to go." in shown["text"]
    # Nothing is due for a new student; before an exam /review still has work to give.
    await emulator.send_text(STUDENT, "/review", user_id=STUDENT)
    question = await emulator.wait_for_message(STUDENT, "Question 1 of 5")
    first = next(q for q in LIBRARY.questions.values() if q.card_id in TROTSKY_CARDS)
    assert first.prompt in question["text"]  # unseen exam questions, in the deck's order
    await emulator.send_text(STUDENT, "/exam off", user_id=STUDENT)
    await emulator.wait_for_message(STUDENT, "Exam date cleared")


async def test_only_admins_set_the_class_exam(emulator: BotApiEmulator, bot: Application) -> None:
    await emulator.set_group_admins(GROUP, [ADMIN])
    await emulator.add_bot_to_group(GROUP)
    await emulator.send_text(GROUP, f"/exam {EXAM_DAY.isoformat()}", user_id=MEMBER)
    await emulator.wait_for_message(GROUP, "only this group's admins")
    await emulator.send_text(GROUP, f"/exam {EXAM_DAY.isoformat()}", user_id=ADMIN)
    await emulator.wait_for_message(GROUP, "for everyone who answers quizzes in this group")
    await emulator.send_text(GROUP, "/exam", user_id=MEMBER)
    shown = await emulator.wait_for_message(GROUP, "Class exam:")
    assert "every topic" in shown["text"]
