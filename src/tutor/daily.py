"""The daily quiz: the /daily and /timezone conversation, claiming and settling pushes,
and what a push says. Adapter-neutral: no Telegram.

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

The time arithmetic (reading times and zones, due instants, daylight saving, what is
owed) is `tutor.daily_schedule`'s.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tutor.clock import Clock, local_date, parse_time_zone, start_of_local_day, utc_now
from tutor.daily_schedule import (
    Owed,
    Settled,
    is_time_zone,
    next_due,
    owed_from,
    parse_local_time,
    resolve_time_zone,
    scan_days,
    still_due,
)
from tutor.model import Library
from tutor.push_ledger import PushLedger, StaleClaims
from tutor.quiz import NothingToAsk, PresentedQuestion, QuizService, streak_days
from tutor.quizflow import QuizFlow, Who
from tutor.replies import Button, Reply
from tutor.store import (
    ChatKind,
    QuizSession,
    SessionKind,
    Store,
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

START_BUTTON = "daily:start"
ZONE_BUTTON_PREFIX = "daily:tz:"
DAILY_USAGE = (
    "Usage: /daily HH:MM for a short quiz every day at that time (e.g. /daily 18:30 or "
    "/daily 6:30pm), /daily off to stop, /daily to see your setting."
)
ZONE_USAGE = "Usage: /timezone Area/City, e.g. /timezone Europe/London or /timezone Asia/Kolkata."
ADMINS_ONLY = "Sorry — only this group's admins can change its daily quiz."

_OFF_WORDS = frozenset({"off", "stop", "none", "cancel", "unsubscribe"})


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
        self._ledger = PushLedger(store, still_due)

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
