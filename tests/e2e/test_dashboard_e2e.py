"""The teachers' dashboard end to end: the bot runs a class round and private quizzes
against the Bot API emulator, students ask what the deck cannot answer and press 👎, and
the teacher opens the page from `/dashboard`; every number on it is checked against what
the test made the students do.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest

from tutor.config import Settings
from tutor.initdata import sign
from tutor.model import Library
from tutor.web import WebSettings, create_app

from .botsetup import emulator_settings
from .emulator import BotApiEmulator, running_application
from .test_groups_e2e import (
    ANN,
    ASSISTANT,
    BOB,
    CAT,
    GROUP,
    TEACHER,
    App,
    buttons,
    make_app,
    say,
)
from .test_groups_e2e import class_group as class_group
from .test_groups_e2e import library as library

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

PUBLIC_URL = "https://dash.example.org"
UNANSWERABLE = ("who did stalin marry", "who did stalin marry in 1919", "what is osmosis")
NOT_WANTED = "what did peasants sell under the nep"


@pytest.fixture
def settings(emulator: BotApiEmulator, library: Library, tmp_path: Path) -> Settings:
    return emulator_settings(
        emulator,
        tmp_path / "content",
        tmp_path / "data",
        TUTOR_GROUP_OPEN_PERIOD="5",
        TUTOR_PUBLIC_URL=PUBLIC_URL,
    )


@pytest.fixture
async def bot(
    emulator: BotApiEmulator,
    settings: Settings,
    library: Library,
    class_group: int,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[App]:
    caplog.set_level(logging.WARNING, logger="tutor")
    app = make_app(settings, library, question_seconds=1.0, grace_seconds=0.2)
    async with running_application(app):
        await emulator.add_bot_to_group(class_group, by_user_id=TEACHER)
        await emulator.wait_for_message(class_group, "Hello, class!")
        yield app
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def init_data(token: str, user_id: int, *, auth_date: int | None = None) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "Tess"}, separators=(",", ":")),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
    }
    return urlencode({**fields, "hash": sign(fields, token)})


class Collect(HTMLParser):
    """Elements' attributes and text, to read the page as a test would see it."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        text: list[str] = []
        self.elements.append((tag, {k: v or "" for k, v in attrs}, text))
        if tag not in {"br", "meta", "rect", "polyline", "input"}:
            self._open.append(text)

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for text in self._open:
            text.append(data)

    def find(self, **attrs: str) -> list[tuple[dict[str, str], str]]:
        return [
            (a, "".join(t).strip())
            for _tag, a, t in self.elements
            if all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def text_of(self, **attrs: str) -> str:
        found = self.find(**attrs)
        assert len(found) == 1, (attrs, found)
        return found[0][1]


def parse(page: str) -> Collect:
    collected = Collect()
    collected.feed(page)
    return collected


async def run_round(emu: BotApiEmulator, plan: dict[int, dict[str, str]]) -> None:
    """A class round on the NEP; each student picks the option text `plan` gives per question."""
    await say(emu, ANN, "/quiz nep", "Quiz round")
    since = 0
    for _ in range(3):
        call = await emu.wait_for("sendPoll", chat_id=GROUP, timeout=10, since=since)
        since = call.seq
        prompt = call.result["poll"]["question"].split(" · ", 1)[1]
        options = [option["text"] for option in call.params["options"]]
        for user_id, choices in plan.items():
            await emu.answer_poll(
                call.result["poll"]["id"], [options.index(choices[prompt])], user_id=user_id
            )
    await emu.wait_for_message(GROUP, "Round over", timeout=15, since=0)


async def private_quiz(
    emu: BotApiEmulator,
    library: Library,
    user_id: int,
) -> list[tuple[str, str | None]]:
    """`/quiz nep 3` in private, every answer wrong: (question id, option chosen or None)."""
    await emu.send_text(user_id, "/quiz nep 3", user_id=user_id)
    taken: list[tuple[str, str | None]] = []
    message = await emu.wait_for_message(user_id, "Question 1 of 3")
    for number in (1, 2, 3):
        question = next(q for q in library.questions.values() if q.prompt in message["text"])
        if question.kind == "typed":
            await emu.send_text(user_id, "Moscow", user_id=user_id)
            taken.append((question.id, None))
        else:
            right = question.answer if question.kind == "choice" else str(question.truth)
            wrong = next(
                label for label in buttons(message) if label != right and "Stop" not in label
            )
            await emu.press_button(user_id, message["message_id"], text=wrong, user_id=user_id)
            taken.append((question.id, wrong))
        expect = f"Question {number + 1} of 3" if number < 3 else "Score: 0/3"
        message = await emu.wait_for_message(user_id, expect)
    return taken


async def test_the_teacher_sees_the_class_answers_misconception_and_gaps(
    emulator: BotApiEmulator,
    bot: App,
    library: Library,
    settings: Settings,
) -> None:
    lenin, truth, grain = (library.questions[q].prompt for q in ("q-lenin", "q-truth", "q-grain"))
    plan = {
        ANN: {lenin: "Lenin", truth: "True", grain: "A tax in kind"},
        BOB: {lenin: "Stalin", truth: "True", grain: "Collectivisation"},
        CAT: {lenin: "Stalin", truth: "False", grain: "A tax in kind"},
    }
    await run_round(emulator, plan)
    private = await private_quiz(emulator, library, CAT)
    for user_id in (ANN, BOB, CAT, TEACHER):
        await emulator.send_text(user_id, "/start", user_id=user_id)
        await emulator.wait_for_message(user_id)
    for question in UNANSWERABLE[:2]:
        await emulator.send_text(ANN, question, user_id=ANN)
        await emulator.wait_for_message(ANN, "don't have a note")
    await say(emulator, BOB, f"/ask {UNANSWERABLE[2]}", "don't have a note")
    await emulator.send_text(CAT, NOT_WANTED, user_id=CAT)
    card = await emulator.wait_for_message(CAT, "New Economic Policy")
    assert set(buttons(card)) >= {"👍", "👎 Not what I asked"}
    await emulator.press_button(CAT, card["message_id"], text="👎 Not what I asked", user_id=CAT)
    edited = await emulator.wait_for("editMessageReplyMarkup", chat_id=CAT)
    assert "👎 Not what I asked" not in json.dumps(edited.params, ensure_ascii=False)

    # /dashboard: a student is refused; the teacher gets the Mini App button privately.
    await say(emulator, BOB, "/dashboard", "Only this group's admins")
    await say(emulator, TEACHER, "/dashboard", "sent you the dashboard")
    invitation = await emulator.wait_for_message(TEACHER, "Dashboard of")
    button = invitation["reply_markup"]["inline_keyboard"][0][0]
    url = button["web_app"]["url"]
    assert url == f"{PUBLIC_URL}/dashboard?chat={GROUP}"

    web = create_app(
        bot.bot_data["dashboard"],
        WebSettings(bot_token=settings.token, is_admin=_admin_check(bot)),
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web), base_url="http://dash"
    ) as client:
        shell = await client.get(urlparse(url).path + "?" + urlparse(url).query)
        # The page shell carries no student data (its script's random CSP nonce may spell
        # any three letters, so nonces are left out of the check).
        assert shell.status_code == 200 and "Ann" not in _without_nonces(shell.text)
        chat = parse_qs(urlparse(url).query)["chat"][0]
        view = await client.get(
            f"/dashboard/view?chat={chat}",
            headers={"Authorization": f"tma {init_data(settings.token or '', TEACHER)}"},
        )
        refused = await client.get(
            f"/dashboard/view?chat={chat}",
            headers={"Authorization": f"tma {init_data(settings.token or '', BOB)}"},
        )
        assistant = await client.get(
            f"/dashboard/view?chat={chat}",
            headers={"Authorization": f"tma {init_data(settings.token or '', ASSISTANT)}"},
        )
    assert refused.status_code == 403 and "Ann" not in refused.text
    assert assistant.status_code == 200
    assert view.status_code == 200, view.text
    check_page(parse(view.text), plan, private)


def check_page(
    page: Collect,
    plan: dict[int, dict[str, str]],
    private: list[tuple[str, str | None]],
) -> None:
    # The round: Ann 3/3, Bob 1/3, Cat 1/3; then Cat's private quiz, 0/3.
    assert page.text_of(id="kpi-students") == "3"
    assert page.text_of(id="kpi-answers") == "12"
    assert page.text_of(id="kpi-accuracy") == "42%"  # 5 of 12
    assert page.text_of(id="kpi-active") == "3"
    rows = {a["data-student"] for a, _ in page.find() if "data-student" in a}
    assert rows == {str(ANN), str(BOB), str(CAT)}
    for user_id, answered, right in ((ANN, 3, "100%"), (BOB, 3, "33%"), (CAT, 6, "17%")):
        row = page.text_of(data_student=str(user_id))
        assert f"{answered}{right}" in row.replace(" ", ""), row
        assert page.text_of(data_cell=f"{user_id}:nep-debate").startswith(right)
    assert page.find(data_cell=f"{ANN}:defeat-of-left") == []
    # Everyone answered today: a one-day streak, and FSRS says they recall it all now.
    assert [text for _a, text in page.find(data_k="streak")] == ["1", "1", "1"]
    memory = [text for _a, text in page.find(**{"class": "mem"})]
    assert memory == ["100%", "100%", "100%"]
    weeks = [" ".join(text) for tag, _a, text in page.elements if tag == "title"]
    assert weeks[-1].endswith(": 12 answers, 3 students"), weeks[-1]
    assert all(week.endswith(": 0 answers, 0 students") for week in weeks[:-1])
    # Every option's count: the round's choices plus Cat's private ones.
    counts = {a["data-option"]: a["data-count"] for a, _ in page.find() if "data-option" in a}
    expected: dict[str, int] = {key: 0 for key in counts}
    for choices in plan.values():
        for prompt, option in choices.items():
            question_id = {"Who": "q-lenin", "Und": "q-truth", "Wha": "q-grain"}[prompt[:3]]
            expected[f"{question_id}:{option}"] += 1
    for question_id, option in private:
        if option is not None:
            expected[f"{question_id}:{option}"] += 1
    assert counts == {key: str(value) for key, value in expected.items()}
    stalin = expected["q-lenin:Stalin"]
    assert page.text_of(data_misconception="q-lenin") == f"Misconception: “Stalin” ({stalin})"
    assert page.text_of(data_fix="q-lenin") == "The New Economic Policy (NEP)"
    answered = {qid: 3 + sum(q == qid for q, _ in private) for qid in ("q-lenin", "q-truth")}
    for question_id, total in answered.items():
        assert f"{total} answers" in " ".join(page.text_of(data_question=question_id).split())
    # Gaps: the two marriage questions together, osmosis alone, the 👎 on the NEP card.
    gaps = {a["data-gap"]: text for a, text in page.find() if "data-gap" in a}
    marry = next(key for key in gaps if "marry" in key)
    assert re.match(r"^2×", gaps[marry]), gaps[marry]
    assert "who did stalin marry in 1919" in gaps[marry]
    assert re.match(r"^1×", gaps["what is osmosis"])
    assert re.match(r"^1×", gaps[NOT_WANTED]) and "👎 1" in gaps[NOT_WANTED]
    yaml_blocks = [text for _a, text in page.find(data_k="yaml")]
    assert any("aliases: [" in block or "- id:" in block for block in yaml_blocks)
    # The round: 3 questions, 3 students, 9 answers, 5 right.
    (round_row,) = [text for a, text in page.find() if "data-round" in a]
    assert "".join(round_row.split()).endswith("3" + "3" + "9" + "56%" + "finished"), round_row
    assert page.find(data_idle=str(ANN)) == []


def _admin_check(bot: App) -> Any:
    from tutor.telegram.dashboard_handlers import admin_check

    return admin_check(bot.bot)


async def test_an_anonymous_admin_is_asked_to_post_as_themselves(
    emulator: BotApiEmulator, bot: App
) -> None:
    group = {"id": GROUP, "type": "group", "title": "Year 10 History"}
    await emulator.add_user(1087968824, first_name="Group", username="GroupAnonymousBot")
    command = {"type": "bot_command", "offset": 0, "length": 10}
    fields = {"text": "/dashboard", "entities": [command], "sender_chat": group}
    await emulator.send_message(GROUP, fields, 1087968824)
    reply = await emulator.wait_for_message(GROUP, "posting as the group")
    assert "Remain anonymous" in reply["text"]
    await emulator.handled(GROUP, user_id=ANN)  # the /dashboard update is handled in full
    assert await emulator.calls("sendMessage", chat_id=1087968824) == []


async def test_without_a_public_url_the_dashboard_says_how_to_switch_it_on(
    emulator: BotApiEmulator,
    library: Library,
    class_group: int,
    tmp_path: Path,
) -> None:
    plain = emulator_settings(emulator, tmp_path / "content", tmp_path / "data")
    async with running_application(make_app(plain, library)):
        await emulator.add_bot_to_group(class_group, by_user_id=TEACHER)
        await say(emulator, TEACHER, "/dashboard", "TUTOR_PUBLIC_URL")


_NONCE = re.compile(r'nonce="[^"]*"')


def _without_nonces(html: str) -> str:
    """A page without its script nonces, which are random letters."""
    return _NONCE.sub('nonce=""', html)
