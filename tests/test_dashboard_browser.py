"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright).

The page is served by the same Starlette app as in production (uvicorn on 127.0.0.1) over
a seeded class; the browser opens it the way Telegram does, with the init data in the
URL fragment, and reads what a teacher sees. One run at a phone's 390×844 and one at a
laptop's 1280×800 (dark theme) save screenshots under `artifacts/` (git-ignored).
`scripts/chromium.sh` installs the browser; nothing is downloaded by Playwright.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import uvicorn

from tutor.clock import FrozenClock
from tutor.config import PROJECT_ROOT
from tutor.content import load_library
from tutor.dashboard import Dashboard
from tutor.gaps import GapLog
from tutor.initdata import sign
from tutor.model import Library, QuestionKind
from tutor.quiz import TRUE_FALSE_OPTIONS
from tutor.search import SearchIndex
from tutor.store import Answer, ChatKind, NewSession, SessionKind, SessionStatus, Store, sqlite_url
from tutor.web import WebSettings, create_app

CHROMIUM = os.environ.get("TUTOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "artifacts"
TOKEN = "123456:" + "C" * 35
GROUP, TEACHER = -100777, 99
STUDENTS = ["Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jay"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(120),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: run scripts/chromium.sh"
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def seed_class(store: Store, library: Library, clock: FrozenClock) -> dict[str, Any]:
    """Ten students, six weekly rounds, with known right answers; returns what was made."""
    rng = random.Random(7)
    now = clock()
    await store.upsert_chat(GROUP, kind=ChatKind.SUPERGROUP, title="Year 12 History", now=now)
    questions = [q for q in library.questions.values() if q.kind in _TAPPED][:24]
    made: dict[str, Any] = {"answers": 0, "correct": 0, "per_student": {}}
    for number, name in enumerate(STUDENTS):
        user_id = 1000 + number
        await store.upsert_user(user_id, first_name=name, username=None, now=now)
        made["per_student"][name] = [0, 0]
    for week in range(6, 0, -1):
        started = now - timedelta(weeks=week - 1, days=1)
        asked = rng.sample(questions, 5)
        session, _ = await store.start_session(
            NewSession(GROUP, None, SessionKind.GROUP, tuple(q.id for q in asked), {}, started)
        )
        for number, name in enumerate(STUDENTS):
            if week == 1 and number >= 8:  # the last two have not answered this week
                continue
            skill = 0.35 + 0.06 * number
            for question in asked:
                options = _options(question)
                right = _right(question)
                correct = rng.random() < skill
                choice = right if correct else rng.choice([o for o in options if o != right])
                await store.record_answer(
                    Answer(
                        session_id=session.id,
                        user_id=1000 + number,
                        chat_id=GROUP,
                        question_id=question.id,
                        card_id=question.card_id,
                        topic_id=library.cards[question.card_id].topic_id,
                        verdict="correct" if correct else "wrong",
                        correct=correct,
                        response_ms=3000,
                        answered_at=started + timedelta(minutes=number),
                        source="group",
                        choice=choice,
                    )
                )
                made["answers"] += 1
                made["correct"] += correct
                made["per_student"][name][0] += 1
                made["per_student"][name][1] += correct
        await store.save_session(
            session, position=5, state={}, status=SessionStatus.FINISHED, now=started
        )
    gaps = GapLog(store, clock=clock)
    for question in ("who did stalin marry", "who did stalin marry first", "stalins children"):
        await gaps.no_card(question, library.decks[0].id)
    return made


_TAPPED = {QuestionKind.CHOICE, QuestionKind.TRUE_FALSE}


def _options(question: Any) -> tuple[str, ...]:
    return question.options if question.kind is QuestionKind.CHOICE else TRUE_FALSE_OPTIONS


def _right(question: Any) -> str:
    if question.kind is QuestionKind.CHOICE:
        return str(question.answer)
    return TRUE_FALSE_OPTIONS[0 if question.truth else 1]


def init_data(user_id: int, clock: FrozenClock, token: str = TOKEN) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "Tess"}, separators=(",", ":")),
        "auth_date": str(int(clock().timestamp())),
    }
    return urlencode({**fields, "hash": sign(fields, token)})


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([PROJECT_ROOT / "content"])


@pytest.fixture
async def served(tmp_path: Path, library: Library) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    from tutor.clock import utc_now

    clock = FrozenClock(utc_now())
    store = await Store.open(sqlite_url(tmp_path / "tutor.sqlite3"))
    made = await seed_class(store, library, clock)
    index = SearchIndex(library.cards.values(), library.topics)
    dashboard = Dashboard(store, library, index, GapLog(store, clock=clock))

    async def is_admin(chat_id: int, user_id: int) -> bool:
        return (chat_id, user_id) == (GROUP, TEACHER)

    app = create_app(dashboard, WebSettings(bot_token=TOKEN, is_admin=is_admin, clock=clock))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    made["clock"] = clock
    try:
        yield f"http://127.0.0.1:{port}", made
    finally:
        server.should_exit = True
        await task
        await store.close()


def page_url(base: str, data: str, theme: dict[str, str] | None = None) -> str:
    fragment = f"tgWebAppData={quote(data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=ios"
    if theme:
        fragment += "&tgWebAppThemeParams=" + quote(json.dumps(theme), safe="")
    return f"{base}/dashboard?chat={GROUP}#{fragment}"


async def test_a_teacher_sees_the_class_on_a_phone_and_a_laptop(
    served: tuple[str, dict[str, Any]],
) -> None:
    from playwright.async_api import async_playwright

    base, made = served
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            phone = await browser.new_page(viewport={"width": 390, "height": 844})
            await phone.goto(page_url(base, init_data(TEACHER, made["clock"])))
            await phone.wait_for_selector("#title")
            assert await phone.text_content("#title") == "Year 12 History"
            assert await phone.text_content("#kpi-students") == str(len(STUDENTS))
            assert await phone.text_content("#kpi-answers") == str(made["answers"])
            share = round(100 * made["correct"] / made["answers"])
            assert await phone.text_content("#kpi-accuracy") == f"{share}%"
            idle = await phone.locator("#idle li").all_text_contents()
            assert idle == ["Isla", "Jay"]
            for name, (answered, right) in made["per_student"].items():
                row = phone.locator("tr[data-student]", has_text=name)
                assert await row.locator('[data-k="answered"]').text_content() == str(answered)
                accuracy = round(100 * right / answered)
                assert await row.locator('[data-k="accuracy"]').text_content() == f"{accuracy}%"
            # The page fits the phone: only the tables scroll sideways, inside their box.
            width = await phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
            # Sorting by accuracy puts the best student first (descending on first tap).
            await phone.locator("#grid th", has_text="Right").click()
            first = await phone.locator("#grid tbody tr td.name").first.text_content()
            best = max(made["per_student"], key=lambda n: _share(made["per_student"][n]))
            assert first == best
            # Filtering by topic hides the other topics' columns.
            topic = await phone.locator("#topic option").nth(1).get_attribute("value")
            await phone.select_option("#topic", topic)
            visible = await phone.locator("#grid thead th[data-topic]:visible").count()
            assert visible == 1
            await phone.select_option("#topic", "")
            # "Memory now" swaps every cell from accuracy to FSRS recall (none stored: "–").
            await phone.select_option("#measure", "memory")
            assert await phone.locator("#grid td .mem").first.is_visible()
            assert not await phone.locator("#grid td .acc").first.is_visible()
            assert set(await phone.locator("#grid td .mem").all_text_contents()) == {"–"}
            await phone.select_option("#measure", "accuracy")
            gaps = await phone.locator("#gaps [data-gap] b[data-k=count]").all_text_contents()
            assert sorted(gaps, reverse=True)[0] == "2"  # the two marriage questions together
            await phone.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)

            laptop = await browser.new_page(
                viewport={"width": 1280, "height": 800}, color_scheme="dark"
            )
            await laptop.goto(page_url(base, init_data(TEACHER, made["clock"])))
            await laptop.wait_for_selector("#title")
            background = await laptop.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background == "rgb(23, 33, 43)"  # the dark theme
            await laptop.screenshot(path=str(ARTIFACTS / "dashboard-laptop.png"), full_page=True)

            themed = await browser.new_page(viewport={"width": 390, "height": 844})
            theme = {"bg_color": "#102030", "text_color": "#ffffff"}
            await themed.goto(page_url(base, init_data(TEACHER, made["clock"]), theme))
            await themed.wait_for_selector("#title")
            background = await themed.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background == "rgb(16, 32, 48)"  # Telegram's theme wins
        finally:
            await browser.close()


async def test_invalid_init_data_shows_no_student_data(
    served: tuple[str, dict[str, Any]],
) -> None:
    from playwright.async_api import async_playwright

    base, made = served
    forged = init_data(TEACHER, made["clock"], token="123456:" + "D" * 35)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for data in (forged, init_data(1000, made["clock"]), ""):
                page = await browser.new_page(viewport={"width": 390, "height": 844})
                await page.goto(page_url(base, data) if data else f"{base}/dashboard?chat={GROUP}")
                await page.wait_for_selector("#refused")
                text = await page.text_content("body") or ""
                assert not any(name in text for name in STUDENTS)
                assert "Answers" not in text
                await page.close()
        finally:
            await browser.close()


def _share(counts: list[int]) -> float:
    return counts[1] / counts[0]
