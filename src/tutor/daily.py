"""The daily quiz: reading times and time zones, working out when a push is due, the
/daily and /timezone conversation, and what a push says. Adapter-neutral: no Telegram.

How a push is scheduled and delivered, and why:

- **One scan, no per-subscriber timers.** `DailyService.due_subscriptions(now)` reads every
  active subscription and works out in Python (SQLite has no time-zone database) which
  chats are owed today's push. Nothing about the schedule lives in memory, so a restart
  or a redeploy re-derives it from the database: nothing is lost and nothing doubles. A
  job per subscriber would have to be rebuilt at start-up, rescheduled on every change
  and across DST, and would still need the claim below to be safe with two processes.
- **At most once per chat and local day.** A push belongs to the local date on which
  its due instant falls. Just before sending, `claim` inserts (chat_id, local_date)
  into the push log, whose UNIQUE constraint lets exactly one claimer win, in this
  process or in any other sharing the database. On PostgreSQL the claim first locks the
  subscription rows with `FOR UPDATE SKIP LOCKED`, so two processes split a fan-out
  instead of queueing behind each other, and a subscription changed since the scan is
  re-checked under the lock. `begin_send` marks it "sending" just before the request;
  `settle` records "sent", "failed" or "blocked" right after.
- **After a crash: at most N lost, never a duplicate** (N = the adapter's send slots).
  Telegram's sendMessage has no idempotency key, so a push marked "sending" without an
  outcome may or may not have reached the chat: it becomes "unknown" and is never
  resent. A claim never marked "sending" certainly did not go out: once older than
  `CLAIM_LEASE` it is released and any process's next scan sends it. Stale claims are
  re-examined on every scan (`reexamine_claims`). The adapter claims a push only when
  a send slot is free for it, so at most N pushes are claimed and unsettled at once.
  The states and their batching are in `tutor.push_ledger`.
- **Catching up.** A push missed while no process ran is sent late the same local day;
  one owed on a day that has ended is skipped. A subscription set after today's time
  has passed starts tomorrow.

Daylight saving: a local time that does not exist that day (the clocks jump over it)
fires at the first instant after the jump; a time that happens twice (the clocks go
back) fires at the first one. A day with no such instant at all (Samoa skipped
30 December 2011) has no push.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, available_timezones

from rapidfuzz import fuzz, process, utils

from tutor.clock import Clock, local_date, parse_time_zone, start_of_local_day, utc_now
from tutor.dialog import Button, Reply
from tutor.model import Library
from tutor.push_ledger import PushLedger, StaleClaims
from tutor.quiz import NothingToAsk, PresentedQuestion, QuizService, streak_days
from tutor.quizflow import QuizFlow, Who
from tutor.store import (
    ChatKind,
    QuizSession,
    SessionKind,
    Store,
    Subscription,
)

DAILY_QUESTIONS = 5
BUSY_QUIZ = timedelta(minutes=30)
"""A quiz touched this recently is not replaced by the push: the student is in it."""
CLAIM_LEASE = timedelta(minutes=1)
"""A claim this old that was never handed to the HTTP client was left by a process that
died (or hangs): it is released and the push goes out again. A live process flips its
claims to "sending" within a second or two; if it is slower, it finds its claim gone
and does not send."""
SEND_LEASE = timedelta(minutes=10)
"""A push "sending" this long without an outcome was left by a process that died: it is
marked "unknown" and never resent. (A live sender that is still retrying overwrites the
mark with its outcome.)"""
STREAK_LOOKBACK_DAYS = 400
ZONE_SCORE_CUTOFF = 78.0
ZONE_SCORE_WINDOW = 8.0
"""Suggest zones scoring at least the cutoff and within the window of the best one."""
MAX_SUGGESTIONS = 3

START_BUTTON = "daily:start"
ZONE_BUTTON_PREFIX = "daily:tz:"
DAILY_USAGE = (
    "Usage: /daily HH:MM for a short quiz every day at that time (e.g. /daily 18:30 or "
    "/daily 6:30pm), /daily off to stop, /daily to see your setting."
)
ZONE_USAGE = "Usage: /timezone Area/City, e.g. /timezone Europe/London or /timezone Asia/Kolkata."
ADMINS_ONLY = "Sorry — only this group's admins can change its daily quiz."

_OFF_WORDS = frozenset({"off", "stop", "none", "cancel", "unsubscribe"})
_NAMED_TIMES = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}
_TIME = re.compile(r"([0-9]{1,2})(?:[:.h]?([0-9]{2}))?\s*(am|pm|a\.m\.|p\.m\.)?")
_ZONE_REGIONS = frozenset(
    ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian")
) | {"Pacific"}
_SECOND = timedelta(seconds=1)


class PushOutcome(StrEnum):
    """How a claimed push ended, as recorded in the push log."""

    SENT = "sent"
    FAILED = "failed"
    """A permanent error, or the retries ran out: not retried today."""
    BLOCKED = "blocked"
    """The chat refuses the bot; its subscription is paused."""
    UNKNOWN = "unknown"
    """Stopped while retrying a request that may have arrived (a timeout): not resent."""


# ----- reading times and zones ---------------------------------------------------------


def parse_local_time(text: str) -> str | None:
    """ "18:30", "6:30pm", "0930", "18.30", "7am", "noon" as "HH:MM"; None for anything else.

    A bare hour ("7") is refused: morning or evening is the student's to say.
    """
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in _NAMED_TIMES:
        return _NAMED_TIMES[cleaned]
    match = _TIME.fullmatch(cleaned)
    if match is None:
        return None
    hour_text, minute_text, half = match.groups()
    if minute_text is None and half is None:
        return None
    hour, minute = int(hour_text), int(minute_text or 0)
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    """A time zone as typed: the zone it names, or the zones it might have meant."""

    zone: str | None
    suggestions: tuple[str, ...] = ()


@functools.cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name, keyed by its lower-case form."""
    skipped = ("posix/", "right/")
    names = (n for n in available_timezones() if not n.startswith(skipped) and n != "Factory")
    return {name.lower(): name for name in names}


@functools.cache
def _zone_choices() -> tuple[dict[str, str], dict[str, str]]:
    """Regional zones as searchable text: the whole name, and the city alone."""
    regional = [n for n in _zone_names().values() if n.split("/")[0] in _ZONE_REGIONS]
    whole = {name: name.replace("/", " ").replace("_", " ") for name in regional}
    city = {name: name.rsplit("/", 1)[1].replace("_", " ") for name in regional}
    return whole, city


def is_time_zone(name: str) -> bool:
    """Whether `name` is exactly an IANA zone name (as stored, not as typed)."""
    return _zone_names().get(name.lower()) == name


def resolve_time_zone(text: str) -> ZoneMatch:
    """The IANA zone `text` names (in any letter case), else up to three likely meanings.

    "europe/londn" and "london" both suggest Europe/London. Only names from the zone
    database are returned, so a result is always safe to pass to `ZoneInfo`.
    """
    typed = "_".join(text.split())[:64]
    exact = _zone_names().get(typed.lower())
    if exact is not None:
        return ZoneMatch(exact)
    scores: dict[str, float] = {}
    for choices in _zone_choices() if typed else ():
        found = process.extract(
            typed.replace("_", " "),
            choices,
            scorer=fuzz.ratio,
            processor=utils.default_process,
            limit=MAX_SUGGESTIONS * 2,
            score_cutoff=ZONE_SCORE_CUTOFF,
        )
        for _text, score, name in found:
            scores[name] = max(scores.get(name, 0.0), score)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    best = ranked[0][1] if ranked else 0.0
    close = [name for name, score in ranked if score >= best - ZONE_SCORE_WINDOW]
    return ZoneMatch(None, tuple(close[:MAX_SUGGESTIONS]))


# ----- when a push is due --------------------------------------------------------------


def due_instant(local_time: str, tz: ZoneInfo, day: date) -> datetime | None:
    """The UTC instant of the push at `local_time` ("HH:MM") on local date `day` in `tz`.

    A time the clocks jump over fires when they land (01:30 on London's spring-forward
    day fires at 02:00 BST); a time that happens twice fires the first time. None when
    that instant would fall on another local date (a day skipped altogether).
    """
    return _due_instant(local_time, tz.key, day)


@functools.lru_cache(maxsize=4096)
def _due_instant(local_time: str, zone: str, day: date) -> datetime | None:
    """`due_instant`, cached: subscribers share a handful of (time, zone) pairs a day."""
    tz = ZoneInfo(zone)
    wall = datetime.combine(day, time.fromisoformat(local_time), tzinfo=tz)
    instant = wall.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None):
        instant = _end_of_gap(wall)
    return instant if local_date(instant, tz) == day else None


def _end_of_gap(wall: datetime) -> datetime:
    """The first instant after the forward jump that swallows the local time `wall`.

    Read with the offsets from before and after the jump, `wall` names two instants on
    either side of it; halving the span between them finds the jump to the second.
    """
    tz = wall.tzinfo
    first, second = wall.replace(fold=0).astimezone(UTC), wall.replace(fold=1).astimezone(UTC)
    low, high = min(first, second), max(first, second)
    before = low.astimezone(tz).utcoffset()
    while high - low > _SECOND:
        middle = low + (high - low) // _SECOND // 2 * _SECOND
        if middle.astimezone(tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high


def next_due(local_time: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The first push instant for `local_time` in `tz` strictly after `after`."""
    today = local_date(after, tz)
    for ahead in range(4):  # at most one day is ever skipped
        instant = due_instant(local_time, tz, today + timedelta(days=ahead))
        if instant is not None and instant > after:
            return instant
    raise LookupError(f"no {local_time} in {tz.key} in the days after {after.isoformat()}")


def owed_day(
    local_time: str, tz: ZoneInfo, now: datetime, since: datetime
) -> tuple[date, datetime] | None:
    """The local day (and its due instant) whose push is owed at `now`, if any.

    Today's push is owed once its time has come, unless that was before `since` (when
    the subscription was set): subscribing at 19:00 to an 18:30 quiz starts tomorrow.
    """
    today = local_date(now, tz)
    due = due_instant(local_time, tz, today)
    if due is None or due > now or due < since:
        return None
    return today, due


def scan_days(now: datetime) -> tuple[date, date, date]:
    """Every local date it can be somewhere at `now` (offsets run from -12 to +14 hours)."""
    today = now.astimezone(UTC).date()
    return today - timedelta(days=1), today, today + timedelta(days=1)


# ----- the push log ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Owed:
    """A daily push owed to a chat for one local day."""

    chat_id: int
    chat_kind: ChatKind
    local_date: date
    due_at: datetime
    time_zone: str


@dataclass(frozen=True, slots=True)
class Settled:
    """How one claimed push ended; `chat_id` is the group's new id after a migration."""

    owed: Owed
    outcome: PushOutcome
    chat_id: int


def _still_due(subscription: Subscription, kind: ChatKind, now: datetime) -> date | None:
    owed = owed_from(subscription, kind, now)
    return owed.local_date if owed is not None else None


def owed_from(subscription: Subscription, kind: ChatKind, now: datetime) -> Owed | None:
    """The push `subscription` is owed at `now`, if any (a lost time zone counts as UTC)."""
    tz = parse_time_zone(subscription.time_zone) or ZoneInfo("UTC")
    owed = owed_day(subscription.local_time, tz, now, subscription.updated_at)
    if owed is None:
        return None
    day, due = owed
    return Owed(subscription.chat_id, kind, day, due, subscription.time_zone)


# ----- the daily quiz itself --------------------------------------------------------------


class DailyService:
    """Subscriptions, time zones and the push, over the store and the quiz service."""

    def __init__(
        self,
        library: Library,
        store: Store,
        *,
        default_timezone: str = "Europe/London",
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        question_count: int = DAILY_QUESTIONS,
        claim_lease: timedelta = CLAIM_LEASE,
        send_lease: timedelta = SEND_LEASE,
    ) -> None:
        self.library = library
        self.store = store
        self.default_timezone = default_timezone
        self._clock = clock
        self._count = question_count
        self._quiz = QuizService(library, store, clock=clock, rng=rng)
        self._flow = QuizFlow(
            library, store, self._quiz, default_timezone=default_timezone, clock=clock
        )
        self._claim_lease, self._send_lease = claim_lease, send_lease
        self._ledger = PushLedger(store, _still_due)

    # ----- /daily ----------------------------------------------------------------------
    async def daily(self, who: Who, argument: str = "") -> list[Reply]:
        """`/daily` shows the setting, `/daily 18:30` subscribes, `/daily off` stops."""
        argument = argument.strip()
        if not argument:
            return [await self.show(who)]
        if argument.lower() in _OFF_WORDS:
            return [await self.unsubscribe(who)]
        local_time = parse_local_time(argument)
        if local_time is None:
            return [Reply(lines=(f"I couldn't read “{argument[:40]}” as a time.", DAILY_USAGE))]
        return [await self.subscribe(who, local_time)]

    async def show(self, who: Who) -> Reply:
        subscription = await self.store.get_subscription(who.chat_id)
        zone = await self._zone_name(who)
        if subscription is None or not subscription.active:
            return Reply(
                title="Daily quiz: off",
                lines=(
                    f"Send /daily 18:30 for a short quiz {self._where(who)} every day at 18:30 "
                    f"({zone} time — change it with /timezone).",
                ),
            )
        return Reply(
            title=f"Daily quiz: every day at {subscription.local_time}",
            lines=(
                f"Time zone: {subscription.time_zone}. Next one: "
                f"{self._when_next(subscription.local_time, subscription.time_zone)}.",
                "Send /daily HH:MM to change the time, /daily off to stop.",
            ),
        )

    async def subscribe(self, who: Who, local_time: str) -> Reply:
        """Subscribe the chat at `local_time` ("HH:MM") in the student's or group's zone."""
        await self._remember(who)
        zone = await self._zone_name(who)
        await self.store.set_subscription(
            who.chat_id, local_time=local_time, time_zone=zone, now=self._clock()
        )
        return Reply(
            title="Daily quiz: on",
            lines=(
                f"I'll send a short quiz {self._where(who)} every day at {local_time} ({zone}). "
                f"First one: {self._when_next(local_time, zone)}.",
                "Wrong time zone? Set it with /timezone. Send /daily off to stop.",
            ),
        )

    async def unsubscribe(self, who: Who) -> Reply:
        subscription = await self.store.get_subscription(who.chat_id)
        if subscription is None or not subscription.active:
            return Reply(lines=("The daily quiz is already off. Send /daily 18:30 to start it.",))
        await self.store.deactivate_subscription(who.chat_id, "unsubscribed", now=self._clock())
        return Reply(
            title="Daily quiz: off",
            lines=(f"Stopped. Send /daily {subscription.local_time} to start it again.",),
        )

    # ----- /timezone -------------------------------------------------------------------
    async def time_zone(self, who: Who, argument: str = "") -> list[Reply]:
        """`/timezone` shows the zone; `/timezone Europe/London` sets it (with suggestions)."""
        if not argument.strip():
            return [await self._show_zone(who)]
        match = resolve_time_zone(argument)
        if match.zone is not None:
            return [await self.set_time_zone(who, match.zone)]
        typed = argument.strip()[:40]
        if not match.suggestions:
            return [Reply(lines=(f"I don't know the time zone “{typed}”.", ZONE_USAGE))]
        return [
            Reply(
                lines=(
                    f"I don't know the time zone “{typed}”. Did you mean {_or(match.suggestions)}?",
                ),
                buttons=tuple(
                    (Button(name, ZONE_BUTTON_PREFIX + name),) for name in match.suggestions
                ),
            )
        ]

    async def set_time_zone(self, who: Who, zone: str) -> Reply:
        """Set the student's zone (the group's, in a group); a daily quiz keeps its local time."""
        if not is_time_zone(zone):
            return Reply(lines=(f"I don't know the time zone “{zone[:40]}”.", ZONE_USAGE))
        await self._remember(who)
        if who.chat_kind is ChatKind.PRIVATE:
            await self.store.set_user_time_zone(who.user_id, zone)
        else:
            await self.store.set_chat_time_zone(who.chat_id, zone)
        lines = [f"It's {self._clock().astimezone(ZoneInfo(zone)):%H:%M} there now."]
        subscription = await self.store.get_subscription(who.chat_id)
        if subscription is not None and subscription.active:
            await self.store.set_subscription(
                who.chat_id, local_time=subscription.local_time, time_zone=zone, now=self._clock()
            )
            lines.append(
                f"The daily quiz stays at {subscription.local_time} local time; next one: "
                f"{self._when_next(subscription.local_time, zone)}."
            )
        return Reply(title=f"Time zone: {zone}", lines=tuple(lines), edit=True)

    def admins_only(self) -> Reply:
        """The refusal for a group member who is not an admin."""
        return Reply(lines=(ADMINS_ONLY, "Anyone can see the setting with /daily."))

    @staticmethod
    def changes_setting(argument: str) -> bool:
        """Whether a /daily or /timezone argument would change something (not just show)."""
        return bool(argument.strip())

    # ----- the push ------------------------------------------------------------------------
    async def due_subscriptions(self, now: datetime | None = None) -> list[Owed]:
        """Pushes owed at `now` and not yet claimed, the longest overdue first."""
        now = now or self._clock()
        owed: list[Owed] = []
        for subscription, kind, logged in await self.store.subscriptions_with_pushes(
            scan_days(now)
        ):
            item = owed_from(subscription, kind, now)
            if item is not None and item.local_date not in logged:
                owed.append(item)
        return sorted(owed, key=lambda item: (item.due_at, item.chat_id))

    @property
    def ledger(self) -> PushLedger:
        return self._ledger

    async def claim(self, batch: Sequence[Owed], now: datetime | None = None) -> list[Owed]:
        """Claim `batch` (see `tutor.push_ledger`); returns the pushes this caller must send.

        Claim only what is about to be sent: what a crash can leave unresolved is what
        was claimed and not yet settled."""
        won = await self._ledger.claim(
            [(owed.chat_id, owed.local_date) for owed in batch],
            now or self._clock(),
            sending=[(o.chat_id, o.local_date) for o in batch if not self.composes(o)],
        )
        return [owed for owed in batch if (owed.chat_id, owed.local_date) in won]

    @staticmethod
    def composes(owed: Owed) -> bool:
        """Whether composing the push reads and writes the store (a student's quiz), so
        its claim is marked "sending" only after (`begin_send`). A group's invitation is
        fixed: its claim is its "sending" mark."""
        return owed.chat_kind is ChatKind.PRIVATE

    async def begin_send(self, owed: Owed, now: datetime | None = None) -> bool:
        """Just before the first request of a push: mark it "sending"; False if the claim
        is no longer ours (a stale-claim sweep released it), when it must not be sent."""
        return await self._ledger.begin_send((owed.chat_id, owed.local_date), now or self._clock())

    def settle(self, settled: Settled, now: datetime | None = None) -> None:
        """Record how a push ended, write-behind (`flush` waits for it)."""
        key = (settled.chat_id, settled.owed.local_date)
        self._ledger.settle(key, str(settled.outcome), now or self._clock())

    def give_back(self, owed: Owed, now: datetime | None = None) -> None:
        """Release a claim that was never sent (write-behind), so a later scan sends it."""
        self._ledger.release((owed.chat_id, owed.local_date), now or self._clock())

    async def finish(self, settled: Sequence[Settled], now: datetime | None = None) -> None:
        """Record outcomes and wait for them to be committed."""
        for item in settled:
            self.settle(item, now)
        await self.flush()

    async def release(self, owed: Sequence[Owed], now: datetime | None = None) -> None:
        """Give back claims that were not sent and wait for the commit."""
        for item in owed:
            self.give_back(item, now)
        await self.flush()

    async def flush(self) -> None:
        """Wait for every outcome and release asked for so far to be committed."""
        await self._ledger.flush()

    async def reexamine_claims(self, now: datetime | None = None) -> StaleClaims:
        """Release stale claims never sent; mark stale sends "unknown" (every scan)."""
        now = now or self._clock()
        return await self._ledger.reexamine(
            now, claim_lease=self._claim_lease, send_lease=self._send_lease, days=scan_days(now)
        )

    async def pause(self, chat_id: int, reason: str, now: datetime | None = None) -> None:
        """The chat refuses the bot ("blocked", "kicked"): stop pushing to it."""
        now = now or self._clock()
        await self.store.deactivate_subscription(chat_id, reason, now=now)
        await self.store.set_chat_paused(chat_id, reason, now=now)

    async def moved(self, old_id: int, new_id: int) -> None:
        """A group became supergroup `new_id`: its subscription and push log follow it."""
        await self.store.migrate_chat(old_id, new_id, now=self._clock())

    async def push(self, owed: Owed) -> Reply:
        """The push message: a student's quiz, or a group's invitation to start one."""
        if owed.chat_kind is not ChatKind.PRIVATE:
            return Reply(
                title="📅 Daily quiz",
                lines=(
                    "Time for today's quiz! Tap below for your own questions — the ones "
                    "you're due to revise come first.",
                ),
                buttons=((Button("🧠 Start my daily quiz", START_BUTTON),),),
            )
        tz = parse_time_zone(owed.time_zone) or ZoneInfo(self.default_timezone)
        student = Who(user_id=owed.chat_id, chat_id=owed.chat_id)
        return await self._daily_quiz(student, tz, owed.local_date)

    async def start_for(self, who: Who) -> list[Reply]:
        """ "Start my daily quiz" pressed: today's quiz for that student, in that chat."""
        await self._remember(who)
        tz = ZoneInfo(await self._zone_name(who))
        today = local_date(self._clock(), tz)
        return [await self._daily_quiz(who, tz, today, interrupt=True)]

    # ----- composing --------------------------------------------------------------------
    async def _daily_quiz(
        self, who: Who, tz: ZoneInfo, today: date, *, interrupt: bool = False
    ) -> Reply:
        """Today's daily quiz as one message: streak, intro and the first question.

        Composing is idempotent for the day: a daily quiz already started today is shown
        again rather than replaced. A quiz the student is busy with is not interrupted by
        the push; they get a button to start when they are ready.
        """
        chat_id, user_id = who.chat_id, who.user_id
        streak = await self._streak(user_id, tz, today)
        active = await self.store.active_session(chat_id, user_id)
        if active is not None and _started_today(active, tz, today):
            question = await self._quiz.current_question(chat_id, user_id)
            if question is not None:
                return self._quiz_message(who, streak, question)
        if active is not None and not interrupt and self._busy(active):
            return Reply(
                title="📅 Daily quiz",
                lines=(_streak_line(streak), "Finish the quiz you're on, then tap below."),
                buttons=((Button("🧠 Start my daily quiz", START_BUTTON),),),
            )
        started = await self._quiz.start_review(
            chat_id, user_id, count=self._count, kind=SessionKind.DAILY
        )
        if isinstance(started, NothingToAsk):
            started = await self._quiz.start_quiz(
                chat_id, user_id, count=self._count, kind=SessionKind.DAILY
            )
        if isinstance(started, NothingToAsk):
            return Reply(title="📅 Daily quiz", lines=("There are no quiz questions yet.",))
        return self._quiz_message(who, streak, started.question)

    def _quiz_message(self, who: Who, streak: int, question: PresentedQuestion) -> Reply:
        shown = self._flow.question_reply(who, question)
        intro = (
            f"{question.total} questions, the ones due for revision first. "
            "Tap an answer, or /stop to end early."
        )
        return Reply(
            title="📅 Your daily quiz",
            lines=(_streak_line(streak), intro, f"{shown.title}:", *shown.lines),
            buttons=shown.buttons,
        )

    async def _streak(self, user_id: int, tz: ZoneInfo, today: date) -> int:
        since = start_of_local_day(today - timedelta(days=STREAK_LOOKBACK_DAYS), tz)
        counts = await self.store.daily_answer_counts(user_id, tz, since=since)
        return streak_days(counts, today)

    def _busy(self, session: QuizSession) -> bool:
        return self._clock() - session.updated_at < BUSY_QUIZ

    # ----- helpers ----------------------------------------------------------------------
    async def _remember(self, who: Who) -> None:
        now = self._clock()
        await self.store.upsert_user(
            who.user_id, first_name=who.first_name, username=who.username, now=now
        )
        await self.store.upsert_chat(who.chat_id, kind=who.chat_kind, title=who.chat_title, now=now)

    async def _zone_name(self, who: Who) -> str:
        """The group's zone in a group; else the student's own, the chat's, or the default."""
        user_id = who.user_id if who.chat_kind is ChatKind.PRIVATE else None
        name = await self.store.time_zone_for(who.chat_id, user_id)
        return name if name and is_time_zone(name) else self.default_timezone

    async def _show_zone(self, who: Who) -> Reply:
        zone = await self._zone_name(who)
        whose = "Your" if who.chat_kind is ChatKind.PRIVATE else "This group's"
        return Reply(
            lines=(
                f"{whose} time zone is {zone} (it's "
                f"{self._clock().astimezone(ZoneInfo(zone)):%H:%M} there now).",
                ZONE_USAGE,
            )
        )

    def _when_next(self, local_time: str, zone: str) -> str:
        tz = parse_time_zone(zone) or ZoneInfo(self.default_timezone)
        now = self._clock()
        at = next_due(local_time, tz, now).astimezone(tz)
        days = (at.date() - local_date(now, tz)).days
        day = {0: "today", 1: "tomorrow"}.get(days, f"on {at:%a %d %b}")
        return f"{day} at {at:%H:%M}"

    @staticmethod
    def _where(who: Who) -> str:
        return "here" if who.chat_kind is ChatKind.PRIVATE else "in this group"


def _started_today(session: QuizSession, tz: ZoneInfo, today: date) -> bool:
    return session.kind is SessionKind.DAILY and local_date(session.started_at, tz) == today


def _streak_line(streak: int) -> str:
    if streak == 0:
        return "Start a streak today!"
    return f"🔥 {streak}-day streak — keep it going!"


def _or(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
