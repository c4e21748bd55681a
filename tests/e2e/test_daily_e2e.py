"""The daily quiz end to end: the real app (`build_application`) against the Bot API emulator.

Time is a `FrozenClock` the tests move; the scan runs every 50 ms. Subscribers for the
fan-out tests are written straight into the store, subscribed the day before at 09:00
UTC, so at 09:05 every one of them is owed today's push.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from telegram.ext import Application

from tutor.clock import FrozenClock
from tutor.config import PROJECT_ROOT, load_settings
from tutor.content import load_library
from tutor.daily import CLAIM_LEASE, SEND_LEASE, DailyService
from tutor.dialog import Dialog
from tutor.model import Library
from tutor.quiz import QuizService
from tutor.quizflow import QuizFlow
from tutor.store import ChatKind, SessionKind, Store, sqlite_url
from tutor.telegram.app import build_application
from tutor.telegram.push import DailyPusher, PushSettings

from .emulator import BotApiEmulator, running_application

pytestmark = pytest.mark.e2e

POSTGRES_URL = os.environ.get("TUTOR_TEST_POSTGRES_URL", "")
MONDAY_0900 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
STUDENT = 5001
GROUP = -4242
OWNER, ADMIN, MEMBER = 10, 11, 12
FIRST_SUBSCRIBER = 7000

App = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([PROJECT_ROOT / "content"])


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_0900)


@dataclass(frozen=True, slots=True)
class Db:
    """Where the bot's data lives: a URL and, on PostgreSQL, a schema of its own."""

    url: str
    schema: str | None = None

    async def open(self) -> Store:
        return await Store.open(self.url, schema=self.schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Db]:
    """A fresh database: a SQLite file, or a PostgreSQL schema (dropped after)."""
    if request.param == "sqlite":
        yield Db(sqlite_url(tmp_path / "tutor.sqlite3"))
        return
    async with _postgres_schema() as database:
        yield database


@pytest.fixture
async def postgres_db() -> AsyncIterator[Db]:
    async with _postgres_schema() as database:
        yield database


@contextlib.asynccontextmanager
async def _postgres_schema() -> AsyncIterator[Db]:
    if not POSTGRES_URL:
        pytest.skip('TUTOR_TEST_POSTGRES_URL is not set: run eval "$(scripts/postgres.sh)"')
    schema = f"test_{uuid.uuid4().hex[:16]}"
    yield Db(POSTGRES_URL, schema)
    engine = create_async_engine(POSTGRES_URL)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()


def make_app(
    emulator: BotApiEmulator,
    library: Library,
    db: Db,
    clock: FrozenClock,
    tmp_path: Path,
    **push: Any,
) -> App:
    """The production application, pointed at the emulator, with a fast scan and `clock`."""
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "TUTOR_DATABASE_URL": db.url,
            "TUTOR_DATA_DIR": str(tmp_path),
        },
        env_file=None,
    )

    async def open_quiz() -> QuizFlow:
        store = await db.open()
        service = QuizService(library, store, clock=clock)
        return QuizFlow(library, store, service, clock=clock)

    options = {"interval": 0.05, "first": 0.05, "backoff": 0.05, "clock": clock} | push
    return build_application(
        settings, Dialog(library), open_quiz=open_quiz, daily_push=PushSettings(**options)
    )


@contextlib.asynccontextmanager
async def running_without_polling(app: App) -> AsyncIterator[App]:
    """Run an app's job queue without fetching updates: a second instance of the bot
    would otherwise fight the first over getUpdates (409 Conflict)."""
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        yield app
    finally:
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def pusher_of(app: App) -> DailyPusher:
    pusher = app.bot_data["daily_pusher"]
    assert isinstance(pusher, DailyPusher)
    return pusher


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait until `check()` holds, at most `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise TimeoutError(f"still not true after {timeout}s")
        await asyncio.sleep(0.02)


async def a_whole_scan(app: App) -> None:
    """Wait until a push scan that began after this call has finished, sends included.

    The scan running now may have read the clock before the test moved it; the one after
    it cannot have. Waiting for that event, not for a fixed time, keeps a "nothing was
    sent" check meaningful however slow the machine is.
    """
    pusher = pusher_of(app)
    target = pusher.scans + 2

    async def scanned() -> bool:
        return pusher.scans >= target

    await eventually(scanned)


async def add_subscribers(
    emulator: BotApiEmulator, db: Db, chat_ids: list[int], *, local_time: str = "09:00"
) -> None:
    """Chats subscribed since yesterday at `local_time` UTC, known to the emulator."""
    yesterday = MONDAY_0900 - timedelta(days=1)
    store = await db.open()
    try:
        for chat_id in chat_ids:
            kind = ChatKind.PRIVATE if chat_id > 0 else ChatKind.GROUP
            await store.upsert_user(chat_id, first_name=f"S{chat_id}", username=None, now=yesterday)
            await store.upsert_chat(chat_id, kind=kind, title=None, now=yesterday)
            await store.set_subscription(
                chat_id, local_time=local_time, time_zone="UTC", now=yesterday
            )
            await emulator.add_chat(chat_id)
    finally:
        await store.close()


async def push_log(db: Db) -> dict[int, list[str]]:
    """Push-log statuses per chat."""
    store = await db.open()
    try:
        rows = (await store.export_all())["push_log"]
    finally:
        await store.close()
    statuses: dict[int, list[str]] = {}
    for row in rows:
        statuses.setdefault(row["chat_id"], []).append(row["status"])
    return statuses


async def seq(emulator: BotApiEmulator) -> int:
    """How many Bot API calls the bot has made so far (to look only at later ones)."""
    return len(await emulator.calls())


async def delivered(emulator: BotApiEmulator) -> dict[int, int]:
    stats = await emulator.stats()
    return {int(chat): count for chat, count in stats["delivered"].items()}


async def answer_first_question(
    emulator: BotApiEmulator, chat_id: int, push: dict[str, Any]
) -> None:
    """Answer the question a push shows, whatever its kind, and wait for the next one:
    the push's buttons are the quiz flow's own."""
    message_id = push["message_id"]
    for _tap in range(12):  # a chronology question takes one tap per event
        message = await emulator.message(chat_id, message_id)
        assert message is not None
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        options = [
            b["callback_data"]
            for row in rows
            for b in row
            if b["callback_data"][:3] in ("qa:", "qo:")
        ]
        if not options:
            break
        since = await seq(emulator)
        await emulator.press_button(chat_id, message_id, data=options[0])
        await emulator.wait_for("editMessageText", chat_id=chat_id, since=since)
    else:
        raise AssertionError("the question kept asking for taps")
    if "✍️" in push["text"]:
        await emulator.send_text(chat_id, "Stalin")
    await emulator.wait_for_message(chat_id, "Question 2 of 5", since=0)


# ----- a student --------------------------------------------------------------------------


async def test_a_subscriber_gets_the_quiz_at_their_local_time(
    emulator: BotApiEmulator, library: Library, clock: FrozenClock, tmp_path: Path
) -> None:
    db = Db(sqlite_url(tmp_path / "tutor.sqlite3"))
    async with running_application(make_app(emulator, library, db, clock, tmp_path)) as app:
        await emulator.send_text(STUDENT, "/timezone Asia/Kolkata")
        await emulator.wait_for_message(STUDENT, "Time zone: Asia/Kolkata")
        await emulator.send_text(STUDENT, "/daily 3:00pm")  # 09:30 UTC
        reply = await emulator.wait_for_message(STUDENT, "Daily quiz: on")
        assert "every day at 15:00 (Asia/Kolkata). First one: today at 15:00" in reply["text"]
        since = await seq(emulator)
        await a_whole_scan(app)
        assert await emulator.calls("sendMessage", chat_id=STUDENT, since=since) == []

        clock.set(MONDAY_0900 + timedelta(minutes=30))
        push = await emulator.wait_for_message(STUDENT, "Your daily quiz")
        assert "Start a streak today!" in push["text"] and "Question 1 of 5" in push["text"]
        await answer_first_question(emulator, STUDENT, push)

        clock.advance(hours=3)
        since = await seq(emulator)
        await a_whole_scan(app)
        assert await emulator.calls("sendMessage", chat_id=STUDENT, since=since) == []
        clock.advance(days=1)
        push = await emulator.wait_for_message(STUDENT, "Your daily quiz")
        assert "1-day streak" in push["text"]
    assert await push_log(db) == {STUDENT: ["sent", "sent"]}
    store = await db.open()
    try:
        session = await store.active_session(STUDENT, STUDENT)
        assert session is not None and session.kind is SessionKind.DAILY
    finally:
        await store.close()


async def test_times_and_zones_are_read_kindly(
    emulator: BotApiEmulator, library: Library, clock: FrozenClock, tmp_path: Path
) -> None:
    db = Db(sqlite_url(tmp_path / "tutor.sqlite3"))
    async with running_application(make_app(emulator, library, db, clock, tmp_path)) as app:
        await emulator.send_text(STUDENT, "/daily 25:99")
        reply = await emulator.wait_for_message(STUDENT, "couldn't read")
        assert "Usage: /daily HH:MM" in reply["text"]
        await emulator.send_text(STUDENT, "/timezone europe/londn")
        reply = await emulator.wait_for_message(STUDENT, "Did you mean Europe/London?")
        await emulator.press_button(STUDENT, reply["message_id"], text="Europe/London")
        edit = await emulator.wait_for("editMessageText")
        assert "Time zone: Europe/London" in edit.params["text"]
        await emulator.send_text(STUDENT, "/daily 0930")
        await emulator.wait_for_message(STUDENT, "every day at 09:30 (Europe/London)")
        await emulator.send_text(STUDENT, "/daily")
        await emulator.wait_for_message(STUDENT, "Next one: today at 09:30")
        await emulator.send_text(STUDENT, "/daily off")
        await emulator.wait_for_message(STUDENT, "Stopped")
        clock.advance(hours=1)
        since = await seq(emulator)
        await a_whole_scan(app)
        assert await emulator.calls("sendMessage", chat_id=STUDENT, since=since) == []


# ----- groups -----------------------------------------------------------------------------


async def test_only_group_admins_change_the_group_quiz(
    emulator: BotApiEmulator, library: Library, clock: FrozenClock, tmp_path: Path
) -> None:
    db = Db(sqlite_url(tmp_path / "tutor.sqlite3"))
    await emulator.set_group_admins(GROUP, [OWNER, ADMIN])
    await emulator.add_bot_to_group(GROUP)
    async with running_application(make_app(emulator, library, db, clock, tmp_path)):
        await emulator.send_text(GROUP, "/daily 09:30", user_id=MEMBER)
        await emulator.wait_for_message(GROUP, "only this group's admins")
        asked = await emulator.calls("getChatMember")
        assert [call.params["user_id"] for call in asked] == [MEMBER]
        await emulator.send_text(GROUP, "/timezone Asia/Tokyo", user_id=MEMBER)
        await emulator.wait_for_message(GROUP, "only this group's admins")
        await emulator.send_text(GROUP, "/daily", user_id=MEMBER)
        await emulator.wait_for_message(GROUP, "Daily quiz: off")

        await emulator.send_text(GROUP, "/daily 09:30", user_id=ADMIN)
        await emulator.wait_for_message(GROUP, "in this group every day at 09:30 (Europe/London)")
        clock.set(MONDAY_0900 + timedelta(minutes=30))
        push = await emulator.wait_for_message(GROUP, "Time for today's quiz")
        await emulator.press_button(
            GROUP, push["message_id"], text="🧠 Start my daily quiz", user_id=MEMBER
        )
        quiz = await emulator.wait_for_message(GROUP, "Your daily quiz")
        assert "Question 1 of 5" in quiz["text"]
    assert await push_log(db) == {GROUP: ["sent"]}


async def test_a_migrated_group_gets_its_push_at_the_new_id(
    emulator: BotApiEmulator, library: Library, clock: FrozenClock, tmp_path: Path
) -> None:
    db = Db(sqlite_url(tmp_path / "tutor.sqlite3"))
    await add_subscribers(emulator, db, [GROUP])
    _, moved = await emulator.migrate_group(GROUP)
    new_id = moved["message"]["chat"]["id"]
    clock.set(MONDAY_0900 + timedelta(minutes=5))
    async with running_application(make_app(emulator, library, db, clock, tmp_path)):
        await emulator.wait_for_message(new_id, "Time for today's quiz")
    assert await push_log(db) == {new_id: ["sent"]}


# ----- failures ---------------------------------------------------------------------------


async def test_a_blocked_student_is_paused_and_logged_once(
    emulator: BotApiEmulator,
    library: Library,
    clock: FrozenClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = Db(sqlite_url(tmp_path / "tutor.sqlite3"))
    students = [FIRST_SUBSCRIBER + n for n in range(3)]
    blocked = students[1]
    await add_subscribers(emulator, db, students)
    await emulator.block_bot(blocked)
    clock.set(MONDAY_0900 + timedelta(minutes=5))
    caplog.set_level(logging.WARNING, logger="tutor.telegram.push")
    async with running_application(make_app(emulator, library, db, clock, tmp_path)) as app:
        await eventually(lambda: _has(emulator, {students[0]: 1, students[2]: 1}))
        await eventually(lambda: _logged(db, {blocked: ["blocked"]}))
        clock.advance(days=1)
        await eventually(lambda: _has(emulator, {students[0]: 2, students[2]: 2}))
        await eventually(lambda: _totals(app, {"sent": 4, "blocked": 1}))
        await a_whole_scan(app)  # a later scan does not try the blocked chat again
        assert pusher_of(app).totals == {"sent": 4, "blocked": 1}
    refusals = [call for call in await emulator.calls("sendMessage", chat_id=blocked, since=0)]
    assert [call.error_code for call in refusals] == [403]
    warnings = [r for r in caplog.records if "refuses messages" in r.getMessage()]
    assert len(warnings) == 1 and str(blocked) in warnings[0].getMessage()
    store = await db.open()
    try:
        subscription = await store.get_subscription(blocked)
        chat = await store.get_chat(blocked)
    finally:
        await store.close()
    assert subscription is not None and not subscription.active
    assert subscription.paused_reason == "blocked"
    assert chat is not None and chat.paused and chat.paused_reason == "blocked"


async def test_flood_waits_are_honoured_and_the_push_arrives_once(
    emulator: BotApiEmulator,
    library: Library,
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22.8 warns when it builds a RetryAfter
    db = Db(sqlite_url(tmp_path / "tutor.sqlite3"))
    await add_subscribers(emulator, db, [STUDENT])
    # Four 429s: three retried by the app's AIORateLimiter, the fourth by the push.
    await emulator.fail_next(429, count=4, method="sendMessage", chat_id=STUDENT, retry_after=1)
    clock.set(MONDAY_0900 + timedelta(minutes=5))
    async with running_application(make_app(emulator, library, db, clock, tmp_path)) as app:
        await emulator.wait_for_message(STUDENT, "Your daily quiz", timeout=15, since=0)
        await a_whole_scan(app)  # the push is settled and a later scan does not resend it
    calls = await emulator.calls("sendMessage", chat_id=STUDENT)
    assert [call.error_code for call in calls] == [429, 429, 429, 429, None]
    gaps = [later.time - earlier.time for earlier, later in itertools.pairwise(calls)]
    assert all(gap >= 0.95 for gap in gaps), gaps
    assert await emulator.delivered_count(STUDENT) == 1
    assert await push_log(db) == {STUDENT: ["sent"]}


async def test_server_errors_are_retried_with_backoff(
    emulator: BotApiEmulator, library: Library, clock: FrozenClock, tmp_path: Path
) -> None:
    db = Db(sqlite_url(tmp_path / "tutor.sqlite3"))
    await add_subscribers(emulator, db, [STUDENT])
    await emulator.fail_next(502, count=2, method="sendMessage", chat_id=STUDENT)
    clock.set(MONDAY_0900 + timedelta(minutes=5))
    async with running_application(make_app(emulator, library, db, clock, tmp_path)):
        await emulator.wait_for_message(STUDENT, "Your daily quiz", since=0)
    calls = await emulator.calls("sendMessage", chat_id=STUDENT)
    assert [call.error_code for call in calls] == [502, 502, None]
    assert calls[2].time - calls[1].time >= 0.09  # backoff 0.05 s, then 0.1 s
    assert await emulator.delivered_count(STUDENT) == 1


# ----- restarts and scale-out ------------------------------------------------------------


async def test_a_restart_mid_fan_out_sends_every_push_exactly_once(
    emulator: BotApiEmulator, library: Library, clock: FrozenClock, tmp_path: Path, db: Db
) -> None:
    students = [FIRST_SUBSCRIBER + n for n in range(50)]
    await add_subscribers(emulator, db, students)
    await emulator.slow_next(0.1, count=1000, method="sendMessage")
    clock.set(MONDAY_0900 + timedelta(minutes=5))
    slow = {"concurrency": 2}

    first = make_app(emulator, library, db, clock, tmp_path, **slow)
    async with running_application(first):
        await eventually(lambda: _total_at_least(emulator, 20))
    stopped_at = sum((await delivered(emulator)).values())
    assert 20 <= stopped_at < 50, "the stop should land mid fan-out"
    assert pusher_of(first).totals["sent"] == stopped_at

    second = make_app(emulator, library, db, clock, tmp_path, **slow)
    async with running_application(second):
        await eventually(lambda: _total_at_least(emulator, 50), timeout=20)
        await a_whole_scan(second)  # a later scan finds nothing more to send
    assert await delivered(emulator) == dict.fromkeys(students, 1)
    assert await push_log(db) == {student: ["sent"] for student in students}


async def test_stale_claims_are_reexamined_on_every_scan(
    emulator: BotApiEmulator,
    library: Library,
    clock: FrozenClock,
    tmp_path: Path,
    db: Db,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A killed process left one push claimed (never sent) and one "sending" (it may have
    arrived). A running bot releases and sends the first on a later scan, once its claim
    is stale, and never sends the second."""
    never_sent, maybe_sent, free = (FIRST_SUBSCRIBER + n for n in range(3))
    await add_subscribers(emulator, db, [never_sent, maybe_sent, free])
    clock.set(MONDAY_0900 + timedelta(minutes=5))
    store = await db.open()
    try:
        killed = DailyService(library, store, clock=clock)
        owed = {item.chat_id: item for item in await killed.due_subscriptions()}
        claimed = await killed.claim([owed[never_sent], owed[maybe_sent]])
        assert len(claimed) == 2 and await killed.begin_send(owed[maybe_sent])
    finally:
        await store.close()
    caplog.set_level(logging.WARNING, logger="tutor.telegram.push")
    async with running_application(make_app(emulator, library, db, clock, tmp_path)):
        await emulator.wait_for_message(free, "Your daily quiz", since=0)
        await eventually(lambda: _logged(db, {free: ["sent"]}))
        assert await delivered(emulator) == {free: 1}  # the claims are not stale yet
        clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
        await emulator.wait_for_message(never_sent, "Your daily quiz", since=0)
        await eventually(lambda: _logged(db, {never_sent: ["sent"]}))
        clock.advance(seconds=SEND_LEASE.total_seconds())
        await eventually(lambda: _logged(db, {maybe_sent: ["unknown"]}))
    assert await delivered(emulator) == {free: 1, never_sent: 1}
    lines = [r.getMessage() for r in caplog.records if "stale claims" in r.getMessage()]
    assert any("1 released" in line and "0 unknown" in line for line in lines), lines
    assert any("0 released" in line and "1 unknown" in line for line in lines), lines


async def test_two_instances_on_one_postgres_send_each_push_once(
    emulator: BotApiEmulator,
    library: Library,
    clock: FrozenClock,
    tmp_path: Path,
    postgres_db: Db,
) -> None:
    students = [FIRST_SUBSCRIBER + n for n in range(200)]
    await add_subscribers(emulator, postgres_db, students)
    # Slow sends (8 in flight, 50 ms each: >1 s for all) so both instances are running
    # while there is work to split.
    await emulator.slow_next(0.05, count=1000, method="sendMessage")
    clock.set(MONDAY_0900 + timedelta(minutes=5))
    apps = [
        make_app(emulator, library, postgres_db, clock, tmp_path, concurrency=8) for _ in range(2)
    ]
    async with running_without_polling(apps[0]), running_without_polling(apps[1]):
        await eventually(lambda: _total_at_least(emulator, 200), timeout=30)
        await a_whole_scan(apps[0])  # later scans, in both instances, find nothing to send
        await a_whole_scan(apps[1])
    assert await delivered(emulator) == dict.fromkeys(students, 1)
    sent = [pusher_of(app).totals["sent"] for app in apps]
    assert sum(sent) == 200 and all(sent), sent  # both took a share, none twice
    assert await push_log(postgres_db) == {student: ["sent"] for student in students}


async def _has(emulator: BotApiEmulator, expected: dict[int, int]) -> bool:
    counts = await delivered(emulator)
    return all(counts.get(chat, 0) >= count for chat, count in expected.items())


async def _totals(app: App, expected: dict[str, int]) -> bool:
    return pusher_of(app).totals == expected


async def _total_at_least(emulator: BotApiEmulator, total: int) -> bool:
    return sum((await delivered(emulator)).values()) >= total


async def _logged(db: Db, expected: dict[int, list[str]]) -> bool:
    log = await push_log(db)
    return all(log.get(chat) == statuses for chat, statuses in expected.items())


async def test_only_group_admins_press_the_group_time_zone_button(
    emulator: BotApiEmulator, library: Library, clock: FrozenClock, tmp_path: Path
) -> None:
    """The "Did you mean …?" zone buttons change the group's zone: admins only."""
    db = Db(sqlite_url(tmp_path / "tutor.sqlite3"))
    await emulator.set_group_admins(GROUP, [OWNER, ADMIN])
    await emulator.add_bot_to_group(GROUP)
    async with running_application(make_app(emulator, library, db, clock, tmp_path)):
        await emulator.send_text(GROUP, "/timezone asia/tokio", user_id=ADMIN)
        offer = await emulator.wait_for_message(GROUP, "Did you mean")
        since = await seq(emulator)
        pressed = await emulator.press_button(
            GROUP, offer["message_id"], text="Asia/Tokyo", user_id=MEMBER
        )
        await emulator.wait_for("answerCallbackQuery", since=since)
        notice = await emulator.callback_answer(pressed["callback_query"]["id"])
        assert notice is not None and "only this group's admins" in notice["text"]
        assert await emulator.calls("editMessageText", chat_id=GROUP, since=since) == []

        await emulator.press_button(GROUP, offer["message_id"], text="Asia/Tokyo", user_id=ADMIN)
        edit = await emulator.wait_for("editMessageText", chat_id=GROUP, since=since)
        assert "Time zone: Asia/Tokyo" in edit.params["text"]
