"""The daily quiz core: reading times and zones, due times across time zones and DST, the
/daily and /timezone replies, and exactly-once claiming on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tutor.clock import FrozenClock
from tutor.config import PROJECT_ROOT
from tutor.content import load_library
from tutor.daily import (
    ADMINS_ONLY,
    CLAIM_LEASE,
    SEND_LEASE,
    START_BUTTON,
    DailyService,
)
from tutor.daily_schedule import (
    Owed,
    PushOutcome,
    Settled,
    due_instant,
    next_due,
    owed_day,
    parse_local_time,
    resolve_time_zone,
)
from tutor.model import Library
from tutor.push_ledger import StaleClaims
from tutor.quiz import QuizService, streak_days
from tutor.quizflow import Who
from tutor.store import ChatKind, SessionKind, Store, subscriptions

if TYPE_CHECKING:
    from conftest import Database

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
AUCKLAND = ZoneInfo("Pacific/Auckland")
APIA = ZoneInfo("Pacific/Apia")
ALICE, BOB, GROUP = 101, 202, -303
START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # as tests/conftest.py: Monday 09:00 London


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# ----- reading times and zones -----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("18:30", "18:30"),
        ("6:30pm", "18:30"),
        ("6:30 PM", "18:30"),
        ("6 p.m.", "18:00"),
        ("7am", "07:00"),
        ("0930", "09:30"),
        ("930", "09:30"),
        ("18.30", "18:30"),
        ("18h30", "18:30"),
        ("00:00", "00:00"),
        ("12am", "00:00"),
        ("12:15pm", "12:15"),
        (" noon ", "12:00"),
        ("midnight", "00:00"),
    ],
)
def test_times_are_read_in_the_usual_ways(typed: str, expected: str) -> None:
    assert parse_local_time(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "7",
        "24:00",
        "18:60",
        "13pm",
        "0am",
        "6:3",
        "18:30:00",
        "tomorrow",
        "-1:00",
        "٣:٣٠",
        "1 8:30",
    ],
)
def test_junk_is_not_a_time(typed: str) -> None:
    assert parse_local_time(typed) is None


def test_time_zones_are_matched_exactly_in_any_case() -> None:
    assert resolve_time_zone("Europe/London").zone == "Europe/London"
    assert resolve_time_zone("  europe/LONDON ").zone == "Europe/London"
    assert resolve_time_zone("america/new york").zone == "America/New_York"
    assert resolve_time_zone("UTC").zone == "UTC"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("europe/londn", "Europe/London"),
        ("london", "Europe/London"),
        ("Pacific/Aukland", "Pacific/Auckland"),
        ("kolkatta", "Asia/Kolkata"),
        ("new york", "America/New_York"),
    ],
)
def test_typos_get_suggestions(typed: str, meant: str) -> None:
    match = resolve_time_zone(typed)
    assert match.zone is None and match.suggestions[0] == meant


@pytest.mark.parametrize("typed", ["xyz123", "../../etc/passwd", "UTC+5", "Europe", ""])
def test_junk_names_no_zone(typed: str) -> None:
    assert resolve_time_zone(typed).zone is None


# ----- due times across zones and DST -----------------------------------------------------


@pytest.mark.parametrize(
    ("local_time", "tz", "day", "expected"),
    [
        # London, spring forward on 30 March 2025: 01:00 GMT becomes 02:00 BST.
        ("00:59", LONDON, date(2025, 3, 30), utc(2025, 3, 30, 0, 59)),
        ("01:00", LONDON, date(2025, 3, 30), utc(2025, 3, 30, 1, 0)),  # gap: fires at 02:00 BST
        ("01:30", LONDON, date(2025, 3, 30), utc(2025, 3, 30, 1, 0)),  # gap: fires at 02:00 BST
        ("02:00", LONDON, date(2025, 3, 30), utc(2025, 3, 30, 1, 0)),
        ("18:30", LONDON, date(2025, 3, 30), utc(2025, 3, 30, 17, 30)),
        # London, fall back on 26 October 2025: 01:00-02:00 happens twice; the first counts.
        ("01:00", LONDON, date(2025, 10, 26), utc(2025, 10, 26, 0, 0)),
        ("01:30", LONDON, date(2025, 10, 26), utc(2025, 10, 26, 0, 30)),
        ("02:00", LONDON, date(2025, 10, 26), utc(2025, 10, 26, 2, 0)),
        # New York: 02:00-03:00 skipped on 9 March, 01:00-02:00 twice on 2 November.
        ("02:30", NEW_YORK, date(2025, 3, 9), utc(2025, 3, 9, 7, 0)),
        ("01:30", NEW_YORK, date(2025, 11, 2), utc(2025, 11, 2, 5, 30)),
        ("18:30", NEW_YORK, date(2025, 3, 10), utc(2025, 3, 10, 22, 30)),
        # Kolkata: half-hour offset, no DST; early morning is the previous UTC day.
        ("18:30", KOLKATA, date(2025, 3, 10), utc(2025, 3, 10, 13, 0)),
        ("00:15", KOLKATA, date(2025, 3, 10), utc(2025, 3, 9, 18, 45)),
        # Auckland, across the date line: the local day starts the UTC day before.
        ("07:00", AUCKLAND, date(2025, 3, 10), utc(2025, 3, 9, 18, 0)),
        ("02:30", AUCKLAND, date(2025, 4, 6), utc(2025, 4, 5, 13, 30)),  # twice: NZDT first
        ("02:30", AUCKLAND, date(2025, 9, 28), utc(2025, 9, 27, 14, 0)),  # skipped: 03:00 NZDT
    ],
)
def test_due_instants(local_time: str, tz: ZoneInfo, day: date, expected: datetime) -> None:
    assert due_instant(local_time, tz, day) == expected


def test_a_day_skipped_across_the_date_line_has_no_push() -> None:
    # Samoa went from 29 December 2011 straight to 31 December.
    assert due_instant("09:00", APIA, date(2011, 12, 30)) is None
    after = utc(2011, 12, 29, 20, 0)  # 10:00 on the 29th in Apia
    assert next_due("09:00", APIA, after).astimezone(APIA) == datetime(
        2011, 12, 31, 9, 0, tzinfo=APIA
    )


def test_next_due_is_strictly_later() -> None:
    due = due_instant("18:30", LONDON, date(2025, 3, 10))
    assert due is not None
    assert next_due("18:30", LONDON, due - timedelta(seconds=1)) == due
    assert next_due("18:30", LONDON, due) == utc(2025, 3, 11, 18, 30)
    assert next_due("01:30", LONDON, utc(2025, 3, 29, 1, 30)) == utc(2025, 3, 30, 1, 0)
    assert next_due("01:30", LONDON, utc(2025, 3, 30, 1, 0)) == utc(2025, 3, 31, 0, 30)


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/London",
        "America/New_York",
        "Asia/Kolkata",
        "Pacific/Auckland",
        "Australia/Lord_Howe",
        "America/Havana",
    ],
)
@pytest.mark.parametrize("local_time", ["00:00", "00:30", "01:30", "02:00", "02:30", "23:59"])
def test_a_year_of_pushes_is_one_per_local_day(zone: str, local_time: str) -> None:
    """Following `next_due` through 2025 lands on every local day once, in order, at the
    chosen wall time except inside a DST gap (then at the jump)."""
    tz = ZoneInfo(zone)
    at = datetime(2025, 1, 1, tzinfo=tz).astimezone(UTC) - timedelta(seconds=1)
    days = []
    for _day in range(365):
        at = next_due(local_time, tz, at)
        local = at.astimezone(tz)
        days.append(local.date())
        if local.strftime("%H:%M") != local_time:
            before = (at - timedelta(seconds=1)).astimezone(tz)
            assert before.utcoffset() != local.utcoffset(), f"{local} is not a DST jump"
    assert days == [date(2025, 1, 1) + timedelta(days=n) for n in range(365)]


def test_a_push_is_owed_from_its_time_until_the_day_ends() -> None:
    since = utc(2025, 3, 1)
    assert owed_day("18:30", LONDON, utc(2025, 3, 10, 18, 29), since) is None
    assert owed_day("18:30", LONDON, utc(2025, 3, 10, 18, 30), since) == (
        date(2025, 3, 10),
        utc(2025, 3, 10, 18, 30),
    )
    assert owed_day("18:30", LONDON, utc(2025, 3, 10, 23, 59), since) is not None
    assert owed_day("18:30", LONDON, utc(2025, 3, 11, 0, 1), since) is None  # a new day


def test_subscribing_after_todays_time_starts_tomorrow() -> None:
    subscribed = utc(2025, 3, 10, 19, 0)
    assert owed_day("18:30", LONDON, utc(2025, 3, 10, 19, 1), subscribed) is None
    assert owed_day("18:30", LONDON, utc(2025, 3, 11, 18, 30), subscribed) is not None


def test_streaks_end_today_or_yesterday() -> None:
    today = date(2025, 3, 10)
    days = {today - timedelta(days=n) for n in (1, 2, 3, 5)}
    assert streak_days(days, today) == 3
    assert streak_days(days | {today}, today) == 4
    assert streak_days({today - timedelta(days=2)}, today) == 0
    assert streak_days(set(), today) == 0


# ----- the conversation -------------------------------------------------------------------


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([PROJECT_ROOT / "content"])


@pytest.fixture
def service(library: Library, store: Store, clock: FrozenClock) -> DailyService:
    return DailyService(library, store, clock=clock)


def alice() -> Who:
    return Who(user_id=ALICE, chat_id=ALICE, first_name="Alice")


def in_group(user_id: int) -> Who:
    return Who(user_id=user_id, chat_id=GROUP, chat_kind=ChatKind.GROUP, chat_title="Class 10B")


def text_of(replies: list) -> str:
    return "\n".join(part for reply in replies for part in (reply.title, *reply.lines))


async def test_subscribing_showing_and_stopping(service: DailyService, store: Store) -> None:
    assert "Daily quiz: off" in text_of(await service.daily(alice()))
    on = text_of(await service.daily(alice(), "6:30pm"))
    assert "every day at 18:30 (Europe/London). First one: today at 18:30" in on
    subscription = await store.get_subscription(ALICE)
    assert subscription is not None and subscription.local_time == "18:30"
    assert "Next one: today at 18:30" in text_of(await service.daily(alice()))
    assert "Stopped" in text_of(await service.daily(alice(), "off"))
    assert "already off" in text_of(await service.daily(alice(), "off"))
    refused = text_of(await service.daily(alice(), "half past six"))
    assert "couldn't read “half past six”" in refused and "Usage: /daily HH:MM" in refused


async def test_a_time_zone_change_keeps_the_local_time(
    service: DailyService, store: Store, clock: FrozenClock
) -> None:
    await service.daily(alice(), "07:00")
    changed = text_of(await service.time_zone(alice(), "asia/kolkata"))
    assert "Time zone: Asia/Kolkata" in changed and "It's 14:30 there now" in changed
    assert "stays at 07:00 local time; next one: tomorrow at 07:00" in changed
    subscription = await store.get_subscription(ALICE)
    assert subscription is not None and subscription.time_zone == "Asia/Kolkata"
    user = await store.get_user(ALICE)
    assert user is not None and user.time_zone == "Asia/Kolkata"
    assert "Your time zone is Asia/Kolkata" in text_of(await service.time_zone(alice()))


async def test_a_mistyped_zone_offers_buttons(service: DailyService) -> None:
    [reply] = await service.time_zone(alice(), "europe/londn")
    assert "Did you mean Europe/London?" in text_of([reply])
    assert [b.data for row in reply.buttons for b in row] == ["daily:tz:Europe/London"]
    [unknown] = await service.time_zone(alice(), "Narnia/Cair_Paravel")
    assert "Usage: /timezone" in text_of([unknown]) and not unknown.buttons
    assert "don't know" in text_of([await service.set_time_zone(alice(), "Narnia")])


async def test_a_group_uses_its_own_zone(service: DailyService, store: Store) -> None:
    await service.time_zone(in_group(BOB), "America/New_York")
    on = text_of(await service.daily(in_group(BOB), "08:00"))
    assert "in this group every day at 08:00 (America/New_York)" in on
    chat = await store.get_chat(GROUP)
    assert chat is not None and chat.time_zone == "America/New_York"
    assert ADMINS_ONLY in text_of([service.admins_only()])
    assert DailyService.changes_setting(" 08:00 ") and not DailyService.changes_setting("  ")


# ----- exactly once -----------------------------------------------------------------------


async def subscribe(service: DailyService, chat_ids: list[int], at: str) -> None:
    for chat_id in chat_ids:
        await service.daily(Who(user_id=chat_id, chat_id=chat_id), at)


async def test_a_push_is_owed_once_its_time_comes(
    service: DailyService, clock: FrozenClock
) -> None:
    await subscribe(service, [ALICE], "09:30")
    assert await service.due_subscriptions() == []
    clock.advance(minutes=30)
    [owed] = await service.due_subscriptions()
    assert owed == Owed(
        ALICE, ChatKind.PRIVATE, date(2025, 3, 10), START + timedelta(minutes=30), "Europe/London"
    )


async def test_claims_are_won_once_across_processes(
    database: Database, library: Library, clock: FrozenClock
) -> None:
    """Two services with stores of their own (two engines: two processes, as far as the
    database can tell) race for the same 60 pushes, batch by batch."""
    stores = [await database.open(), await database.open()]
    try:
        first, second = (DailyService(library, store, clock=clock) for store in stores)
        chat_ids = [1000 + n for n in range(60)]
        await subscribe(first, chat_ids, "09:00")
        clock.advance(days=1)
        owed = await first.due_subscriptions()
        assert len(owed) == 60 and owed == await second.due_subscriptions()
        batches = [owed[n : n + 7] for n in range(0, 60, 7)]
        won = await asyncio.gather(
            *(service.claim(batch) for batch in batches for service in (first, second))
        )
        claimed = [item.chat_id for items in won for item in items]
        assert sorted(claimed) == chat_ids  # each once: no duplicate, none missed
        assert await first.due_subscriptions() == []
    finally:
        for store in stores:
            await store.close()


async def test_outcomes_and_releases(
    service: DailyService, store: Store, clock: FrozenClock
) -> None:
    await subscribe(service, [ALICE, BOB, 303], "09:00")
    clock.advance(days=1)
    owed = await service.due_subscriptions()
    claimed = await service.claim(owed)
    assert len(claimed) == 3 and await service.claim(owed) == []
    sent, failed, unsent = claimed
    assert await service.begin_send(sent) and await service.begin_send(failed)
    await service.finish(
        [
            Settled(sent, PushOutcome.SENT, sent.chat_id),
            Settled(failed, PushOutcome.FAILED, failed.chat_id),
        ]
    )
    await service.release([unsent, sent])  # a sent push is never given back
    assert [item.chat_id for item in await service.due_subscriptions()] == [unsent.chat_id]
    assert await push_log_of(store) == {sent.chat_id: "sent", failed.chat_id: "failed"}


async def push_log_of(store: Store) -> dict[int, str]:
    return {row["chat_id"]: row["status"] for row in (await store.export_all())["push_log"]}


async def test_a_claim_dropped_before_sending_goes_out_on_the_next_scan(
    database: Database, library: Library, clock: FrozenClock
) -> None:
    """A process claims a push and dies before sending it: nothing reached the chat, so
    once the claim is stale another process releases it and sends the push."""
    crashed, survivor = await database.open(), await database.open()
    try:
        dead = DailyService(library, crashed, clock=clock)
        alive = DailyService(library, survivor, clock=clock)
        await subscribe(alive, [ALICE, BOB], "09:00")
        clock.advance(days=1)
        [first, second] = await dead.claim(await dead.due_subscriptions())
        await crashed.close()  # the crash: nothing more from that process
        assert await alive.due_subscriptions() == []
        assert await alive.reexamine_claims() == StaleClaims(released=0, unknown=0)
        clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
        assert await alive.reexamine_claims() == StaleClaims(released=2, unknown=0)
        assert await alive.due_subscriptions() == [first, second]
        assert await alive.claim([first, second]) == [first, second]
        assert await alive.begin_send(first)
    finally:
        await survivor.close()


async def test_a_push_that_may_have_been_sent_is_never_resent(
    database: Database, library: Library, clock: FrozenClock
) -> None:
    """A process dies after marking a push "sending": it may have reached the chat, so
    it is marked "unknown" and no scan ever sends it again."""
    crashed, survivor = await database.open(), await database.open()
    try:
        dead = DailyService(library, crashed, clock=clock)
        alive = DailyService(library, survivor, clock=clock)
        await subscribe(alive, [ALICE], "09:00")
        clock.advance(days=1)
        [owed] = await dead.claim(await dead.due_subscriptions())
        assert await dead.begin_send(owed)
        await crashed.close()
        clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
        assert await alive.reexamine_claims() == StaleClaims(released=0, unknown=0)
        assert await alive.due_subscriptions() == []
        clock.advance(seconds=SEND_LEASE.total_seconds())
        assert await alive.reexamine_claims() == StaleClaims(released=0, unknown=1)
        assert await alive.reexamine_claims() == StaleClaims(released=0, unknown=0)
        assert await alive.due_subscriptions() == [] and await alive.claim([owed]) == []
        assert await push_log_of(survivor) == {ALICE: "unknown"}
    finally:
        await survivor.close()


async def test_a_slow_owner_whose_claim_was_released_does_not_send(
    database: Database, library: Library, clock: FrozenClock
) -> None:
    """A live process slower than the lease loses its claim to the sweep: it must not
    send, so the push goes out once, from the process that claimed it again."""
    slow_store, other_store = await database.open(), await database.open()
    try:
        slow = DailyService(library, slow_store, clock=clock)
        other = DailyService(library, other_store, clock=clock)
        await subscribe(slow, [ALICE], "09:00")
        clock.advance(days=1)
        [owed] = await slow.claim(await slow.due_subscriptions())
        clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
        assert (await other.reexamine_claims()).released == 1
        assert await other.claim(await other.due_subscriptions()) == [owed]
        assert not await slow.begin_send(owed)
        assert await other.begin_send(owed)
    finally:
        await slow_store.close()
        await other_store.close()


async def test_a_changed_subscription_is_rechecked_when_claimed(
    service: DailyService, clock: FrozenClock
) -> None:
    await subscribe(service, [ALICE], "09:00")
    clock.advance(days=1)
    owed = await service.due_subscriptions()
    await service.daily(alice(), "21:00")  # after the scan, before the claim
    assert await service.claim(owed) == []
    await service.daily(alice(), "off")
    clock.advance(hours=12)
    assert await service.due_subscriptions() == []


async def test_a_paused_chat_is_not_scanned(
    service: DailyService, store: Store, clock: FrozenClock
) -> None:
    await subscribe(service, [ALICE, BOB], "09:00")
    clock.advance(days=1)
    await service.pause(ALICE, "blocked")
    assert [item.chat_id for item in await service.due_subscriptions()] == [BOB]
    subscription = await store.get_subscription(ALICE)
    assert subscription is not None and subscription.paused_reason == "blocked"
    assert "Daily quiz: off" in text_of(await service.daily(alice()))


# ----- what a push says --------------------------------------------------------------------


async def test_a_push_is_a_daily_quiz_composed_once_a_day(
    service: DailyService, store: Store, clock: FrozenClock
) -> None:
    await subscribe(service, [ALICE], "09:00")
    clock.advance(days=1)
    [owed] = await service.due_subscriptions()
    push = await service.push(owed)
    assert push.title == "📅 Your daily quiz" and "Question 1 of 5:" in push.lines
    assert push.lines[0] == "Start a streak today!"
    session = await store.active_session(ALICE, ALICE)
    assert session is not None and session.kind is SessionKind.DAILY
    again = await service.push(owed)  # composed again (a retry, a restart): same quiz
    assert again == push and await store.active_session(ALICE, ALICE) == session


async def test_a_push_does_not_interrupt_a_quiz_in_progress(
    service: DailyService, store: Store, clock: FrozenClock, library: Library
) -> None:
    await subscribe(service, [ALICE], "09:00")
    clock.advance(days=1, minutes=-5)
    await QuizService(library, store, clock=clock).start_quiz(ALICE, ALICE)
    clock.advance(minutes=5)
    [owed] = await service.due_subscriptions()
    busy = await service.push(owed)
    assert "Finish the quiz you're on" in text_of([busy])
    assert [b.data for row in busy.buttons for b in row] == [START_BUTTON]
    [started] = await service.start_for(alice())
    assert started.title == "📅 Your daily quiz"
    session = await store.active_session(ALICE, ALICE)
    assert session is not None and session.kind is SessionKind.DAILY


async def test_a_group_push_invites_each_student(
    service: DailyService, store: Store, clock: FrozenClock
) -> None:
    await service.daily(in_group(BOB), "09:00")
    clock.advance(days=1)
    [owed] = await service.due_subscriptions()
    assert owed.chat_kind is ChatKind.GROUP
    push = await service.push(owed)
    assert [b.data for row in push.buttons for b in row] == [START_BUTTON]
    [quiz] = await service.start_for(in_group(ALICE))
    assert quiz.title == "📅 Your daily quiz"
    assert (await store.active_session(GROUP, ALICE)) is not None


# ----- PostgreSQL: SKIP LOCKED -----------------------------------------------------------


async def test_a_locked_subscription_is_skipped_not_waited_for(
    database: Database, library: Library, clock: FrozenClock
) -> None:
    if database.schema is None:
        pytest.skip("SQLite has no row locks: BEGIN IMMEDIATE serialises its writers")
    store = await database.open()
    try:
        service = DailyService(library, store, clock=clock)
        await subscribe(service, [ALICE, BOB], "09:00")
        clock.advance(days=1)
        owed = await service.due_subscriptions()
        async with store._write() as conn:  # another process is claiming ALICE right now
            await conn.execute(
                sa.select(subscriptions.c.chat_id)
                .where(subscriptions.c.chat_id == ALICE)
                .with_for_update()
            )
            claimed = await asyncio.wait_for(service.claim(owed), timeout=5)
        assert [item.chat_id for item in claimed] == [BOB]
        assert [item.chat_id for item in await service.due_subscriptions()] == [ALICE]
    finally:
        await store.close()
