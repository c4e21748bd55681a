"""Telegram side of the daily quiz: /daily, /timezone, their buttons, and the push job.

Job strategy: ONE repeating JobQueue job scans for due subscriptions every
`PushSettings.interval` seconds (30 by default) and, unless a fan-out is still running,
starts one. There is no job per subscriber: the schedule is derived from the database
on every scan, so a restart or redeploy has nothing to rebuild, changes to a time or a
zone need no rescheduling, DST needs no special case, and two processes stay correct
because every push is claimed in the database first (see `tutor.daily`). A push may be
up to one interval late; that is the price of that simplicity.

A fan-out sends with at most `concurrency` messages in flight (an asyncio.Semaphore far
below PTB's HTTP pool of 256, so handler replies still get a connection). Each push takes
a slot, then is claimed, composed, marked "sending", sent and settled (see
`tutor.push_ledger`): only pushes holding a slot are ever claimed without an outcome, so
a crash loses at most `concurrency` pushes and never sends one twice. The ledger
group-commits the claims and outcomes of all the slots, a few pushes per transaction.
Every scan (and every tick during a long fan-out) first re-examines stale claims: those
never sent are released and go out again; those that may have arrived become "unknown".
The app's `AIORateLimiter` keeps the overall pace (30 msg/s, 20/min per group) and honours
`RetryAfter` itself; what still escapes it is waited out here, as are timeouts and 5xx
(exponential backoff). `Forbidden` pauses the subscription, logged once, because a
paused subscription is not scanned again. `ChatMigrated` moves the group and resends.

Stopping: `Application.stop` waits for the fan-out, which notices at once
(`Application.running` turns False), sends nothing new, lets messages already in flight
finish, gives back the claims it has not sent, and waits for the ledger's last commit,
so the next process sends exactly the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from telegram import Bot, Message, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tutor.clock import Clock, utc_now
from tutor.daily import (
    ADMINS_ONLY,
    CLAIM_LEASE,
    START_BUTTON,
    ZONE_BUTTON_PREFIX,
    DailyService,
)
from tutor.daily_schedule import Owed, PushOutcome, Settled
from tutor.quizflow import QuizFlow, Who
from tutor.render import reply_html, split_message
from tutor.replies import Reply
from tutor.store import ChatKind
from tutor.telegram.admins import admin_of
from tutor.telegram.handlers import keyboard
from tutor.telegram.quiz_handlers import deliver, who_of

logger = logging.getLogger(__name__)

DAILY_GROUP = -2
"""Before the quiz (-1) and browsing (0) handlers, whose catch-all button handlers would
otherwise take the daily buttons."""
JOB_NAME = "daily-push-scan"
RELEASED = "released"
_BUTTON_PATTERN = r"^daily:(start|tz:[A-Za-z0-9_+\-/]{1,40})$"
_STOP_POLL_SECONDS = 0.2


class _Unsent(Enum):
    """Why `_deliver` sent nothing."""

    STOPPED = "stopped"
    """Certainly not sent (the app stopped first): give the claim back."""
    LOST = "lost"
    """The claim was swept away as stale before sending: not ours to record."""


@dataclass(frozen=True, slots=True)
class PushSettings:
    """How the push job runs. Tests and benchmarks pass their own (a fake clock, short
    intervals) through `build_application(..., daily_push=PushSettings(...))`."""

    interval: float = 30.0
    """Seconds between scans for due subscriptions."""
    first: float = 2.0
    """Seconds from start-up to the first scan."""
    concurrency: int = 16
    """Pushes in flight at once: 30 msg/s with up to half a second per request. More
    buys nothing under the rate limit and costs CPU (httpcore scans its pool for every
    request) and pool connections the handlers need."""
    claim_lease: float = CLAIM_LEASE.total_seconds()
    """Seconds after which a claim never handed to the HTTP client is released (its
    process died); benchmarks shorten it to see the released pushes go out."""
    attempts: int = 5
    """Tries per message through timeouts, 5xx and flood waits the rate limiter gave up on."""
    backoff: float = 1.0
    """Seconds before the first retry after a timeout or 5xx; doubled each time."""
    longest_wait: float = 60.0
    """The longest `retry_after` waited out here per attempt. The app's AIORateLimiter has
    already waited the full `retry_after` three times before giving the error up."""
    clock: Clock = utc_now


class DailyPusher:
    """The repeating scan and the fan-out it starts (see the module notes)."""

    def __init__(
        self, application: Application[Any, Any, Any, Any, Any, Any], settings: PushSettings
    ) -> None:
        self._application = application
        self._settings = settings
        self._fan_out_task: asyncio.Task[Counter[str]] | None = None
        self.totals: Counter[str] = Counter()
        """Outcomes since start-up: sent, failed, blocked, released."""
        self.scans = 0
        """Scans finished since start-up, fan-out included: something a test can wait on
        ("a scan that began after I moved the clock has finished") instead of sleeping."""

    @property
    def settings(self) -> PushSettings:
        return self._settings

    @property
    def busy(self) -> bool:
        return self._fan_out_task is not None and not self._fan_out_task.done()

    async def tick(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """The job: start a fan-out unless one is running (a long one spans many ticks,
        which still re-examine stale claims)."""
        if not self._application.running:
            return
        service = daily_service(self._application)
        if service is None:
            return
        if self.busy:
            await self.reexamine(service)
            return
        self._fan_out_task = self._application.create_task(self.run(service), name=JOB_NAME)

    async def run(self, service: DailyService) -> Counter[str]:
        """Scan once: re-examine stale claims, then push everything owed now; the
        outcomes, counted."""
        try:
            return await self._scan(service)
        finally:
            self.scans += 1

    async def _scan(self, service: DailyService) -> Counter[str]:
        await self.reexamine(service)
        owed = await service.due_subscriptions(self._settings.clock())
        if not owed or self._stopping():
            return Counter()
        started = asyncio.get_running_loop().time()
        tally = await self._fan_out(service, owed)
        self.totals.update(tally)
        logger.info(
            "daily push: %d owed, %s in %.1fs",
            len(owed),
            ", ".join(f"{count} {name}" for name, count in sorted(tally.items())) or "none claimed",
            asyncio.get_running_loop().time() - started,
        )
        return tally

    async def reexamine(self, service: DailyService) -> None:
        """Release stale claims that never went out; mark stale sends "unknown"; log it."""
        stale = await service.reexamine_claims(self._settings.clock())
        if stale.released or stale.unknown:
            logger.warning(
                "daily push: stale claims from a stopped process: %d released (never sent; "
                "they go out now), %d unknown (may have reached the chat; not resent)",
                stale.released,
                stale.unknown,
            )

    async def _fan_out(self, service: DailyService, owed: Sequence[Owed]) -> Counter[str]:
        """Claim pushes only for free send slots, a batch at a time, and send each at once.

        Only pushes holding a slot are claimed and unsettled, so a crash loses at most
        `concurrency`. Waiting until a quarter of the slots are free before claiming the
        next batch keeps the claims to a few per transaction (SQLite needs that to keep
        pace) while three quarters stay busy (slow requests need them).
        """
        tally: Counter[str] = Counter()
        slots = _Slots(self._settings.concurrency)
        refill = max(1, self._settings.concurrency // 4)
        position = 0
        try:
            async with asyncio.TaskGroup() as group:
                while position < len(owed) and not self._stopping():
                    free = await slots.wait_free(min(refill, len(owed) - position))
                    if self._stopping():
                        break
                    batch = owed[position : position + free]
                    position += len(batch)
                    for item in await service.claim(batch, self._settings.clock()):
                        slots.take()
                        group.create_task(self._push_one(service, item, slots, tally))
        finally:
            await service.flush()
        return tally

    async def _push_one(
        self, service: DailyService, owed: Owed, slots: _Slots, tally: Counter[str]
    ) -> None:
        """Compose, send and settle one claimed push, holding its send slot throughout."""
        try:
            settled = await self._deliver(service, owed)
            if settled is _Unsent.STOPPED:
                service.give_back(owed, self._settings.clock())
                tally[RELEASED] += 1
            elif isinstance(settled, Settled):
                service.settle(settled, self._settings.clock())
                tally[str(settled.outcome)] += 1
        finally:
            slots.give()

    async def _deliver(self, service: DailyService, owed: Owed) -> Settled | _Unsent:
        """Compose and send one push: how it ended, or why nothing was sent."""
        try:
            reply = await service.push(owed)
            if self._stopping():
                return _Unsent.STOPPED
            if service.composes(owed) and not await service.begin_send(
                owed, self._settings.clock()
            ):
                logger.warning("daily push to chat %s: claim expired before sending", owed.chat_id)
                return _Unsent.LOST
            return await self._send(service, owed, reply)
        except Exception:
            logger.exception("daily push to chat %s failed", owed.chat_id)
            return Settled(owed, PushOutcome.FAILED, owed.chat_id)

    async def _send(self, service: DailyService, owed: Owed, reply: Reply) -> Settled | _Unsent:
        """Send the push, in several messages if it is too long for one. Stopped before
        the first went: STOPPED if no attempt can have reached the chat (give it back),
        else "unknown"; stopped before a later one: failed."""
        chunks = split_message(reply_html(reply.title, reply.lines, reply.card, service.library))
        chat_id = owed.chat_id
        for number, chunk in enumerate(chunks, start=1):
            markup = keyboard(reply) if number == len(chunks) else None
            outcome, chat_id, maybe_arrived = await self._send_text(service, chat_id, chunk, markup)
            if outcome is None and number == 1:
                if maybe_arrived:
                    return Settled(owed, PushOutcome.UNKNOWN, chat_id)
                return _Unsent.STOPPED
            if outcome is not PushOutcome.SENT:
                return Settled(owed, outcome or PushOutcome.FAILED, chat_id)
        return Settled(owed, PushOutcome.SENT, chat_id)

    async def _send_text(
        self, service: DailyService, chat_id: int, text: str, markup: Any
    ) -> tuple[PushOutcome | None, int, bool]:
        """Send with retries: the outcome (None: stopped before it went), the chat id it
        went to (a group's new one after a migration), and whether a failed attempt may
        have reached the chat all the same (a timeout, a 5xx)."""
        bot = self._application.bot
        maybe_arrived = False
        for attempt in range(1, self._settings.attempts + 1):
            try:
                await bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
                )
                return PushOutcome.SENT, chat_id, maybe_arrived
            except ChatMigrated as error:
                await service.moved(chat_id, error.new_chat_id)
                chat_id, delay = error.new_chat_id, 0.0
            except RetryAfter as error:
                delay = min(_seconds(error.retry_after), self._settings.longest_wait)
            except Forbidden as error:
                await self._pause(service, chat_id, error)
                return PushOutcome.BLOCKED, chat_id, maybe_arrived
            except BadRequest as error:  # before NetworkError: PTB derives it from that
                logger.warning("daily push to chat %s refused: %s", chat_id, error.message)
                return PushOutcome.FAILED, chat_id, maybe_arrived
            except NetworkError as error:  # timeouts, 5xx, connection trouble
                maybe_arrived = True
                delay = self._settings.backoff * 2 ** (attempt - 1)
                logger.info("daily push to chat %s: %s (attempt %d)", chat_id, error, attempt)
            except TelegramError as error:
                logger.warning("daily push to chat %s failed: %s", chat_id, error.message)
                return PushOutcome.FAILED, chat_id, maybe_arrived
            if attempt < self._settings.attempts and not await self._wait(delay):
                return None, chat_id, maybe_arrived
        logger.warning(
            "daily push to chat %s: gave up after %d attempts", chat_id, self._settings.attempts
        )
        return PushOutcome.FAILED, chat_id, maybe_arrived

    async def _pause(self, service: DailyService, chat_id: int, error: Forbidden) -> None:
        """Stop pushing to a chat that refuses the bot. Logged here, once: a paused
        subscription is not scanned again until the chat subscribes anew."""
        reason = _refusal(error.message)
        await service.pause(chat_id, reason, self._settings.clock())
        logger.warning(
            "daily push: chat %s refuses messages (%s); subscription paused", chat_id, reason
        )

    async def _wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early if the app stops; False if it did."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (remaining := deadline - loop.time()) > 0:
            if self._stopping():
                return False
            await asyncio.sleep(min(remaining, _STOP_POLL_SECONDS))
        return not self._stopping()

    def _stopping(self) -> bool:
        return not self._application.running


class _Slots:
    """Send slots: how many pushes may be in flight, and a wait for enough to be free."""

    def __init__(self, size: int) -> None:
        self.free = size
        self._changed = asyncio.Event()

    async def wait_free(self, at_least: int) -> int:
        """Wait until at least `at_least` slots are free; how many are."""
        while self.free < at_least:
            self._changed.clear()
            await self._changed.wait()
        return self.free

    def take(self) -> None:
        self.free -= 1

    def give(self) -> None:
        self.free += 1
        self._changed.set()


def _seconds(value: int | float | timedelta) -> float:
    """A `retry_after` as seconds (PTB gives an int, or a timedelta with PTB_TIMEDELTA)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _refusal(message: str) -> str:
    """A short pause reason from a Forbidden description."""
    text = message.lower()
    for needle, reason in (
        ("kicked", "kicked"),
        ("not a member", "left"),
        ("deactivated", "deactivated"),
    ):
        if needle in text:
            return reason
    return "blocked"


# ----- handlers ---------------------------------------------------------------------------


def daily_service(application: Application[Any, Any, Any, Any, Any, Any]) -> DailyService | None:
    """The app's `DailyService`, made on first use over the quiz flow's store (opened in
    post_init); None when the app has no quizzes."""
    service = application.bot_data.get("daily")
    if isinstance(service, DailyService):
        return service
    flow = application.bot_data.get("quiz")
    if not isinstance(flow, QuizFlow):
        return None
    pusher = application.bot_data.get("daily_pusher")
    clock = pusher.settings.clock if isinstance(pusher, DailyPusher) else utc_now
    lease = pusher.settings.claim_lease if isinstance(pusher, DailyPusher) else None
    service = DailyService(
        flow.library,
        flow.store,
        default_timezone=flow.default_timezone,
        clock=clock,
        claim_lease=timedelta(seconds=lease) if lease is not None else CLAIM_LEASE,
    )
    application.bot_data["daily"] = service
    return service


async def may_change(bot: Bot, who: Who) -> bool:
    """Anyone may change a private chat's setting; in a group only its admins, as the
    Bot API says (getChatMember), not as the message claims."""
    if who.chat_kind is ChatKind.PRIVATE:
        return True
    return await admin_of(bot, who)


Action = Callable[[DailyService, Who, str], Awaitable[list[Reply]]]


async def _command(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> None:
    service = daily_service(context.application)
    message = update.effective_message
    if service is None or message is None:
        return
    who, argument = who_of(update), " ".join(context.args or [])
    if DailyService.changes_setting(argument) and not await may_change(context.bot, who):
        replies = [service.admins_only()]
    else:
        replies = await action(service, who, argument)
    await deliver(replies, context, message, update)


async def daily_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/daily [HH:MM | off]`: show, set or stop the daily quiz."""
    await _command(update, context, DailyService.daily)


async def timezone_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/timezone [Area/City]`: show or set the time zone."""
    await _command(update, context, DailyService.time_zone)


async def daily_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Start my daily quiz" and the "Did you mean …?" time-zone buttons."""
    query = update.callback_query
    service = daily_service(context.application)
    if query is None or service is None or not isinstance(query.message, Message):
        if query is not None:
            await query.answer()
        raise ApplicationHandlerStop
    who, data = who_of(update), query.data or ""
    if data == START_BUTTON:
        replies = await service.start_for(who)
    elif await may_change(context.bot, who):
        replies = [await service.set_time_zone(who, data.removeprefix(ZONE_BUTTON_PREFIX))]
    else:
        replies = [Reply(notice=ADMINS_ONLY)]
    await deliver(replies, context, query.message, update)
    raise ApplicationHandlerStop


def register_daily(
    application: Application[Any, Any, Any, Any, Any, Any], settings: PushSettings | None = None
) -> DailyPusher:
    """Add the /daily and /timezone handlers and the repeating push scan.

    `settings` default to `application.bot_data["daily_push"]`, else `PushSettings()`.
    """
    if application.job_queue is None:
        raise RuntimeError("the daily quiz needs python-telegram-bot[job-queue]")
    chosen = settings or application.bot_data.get("daily_push") or PushSettings()
    pusher = DailyPusher(application, chosen)
    application.bot_data["daily_pusher"] = pusher
    application.add_handler(CommandHandler("daily", daily_command), group=DAILY_GROUP)
    application.add_handler(CommandHandler("timezone", timezone_command), group=DAILY_GROUP)
    application.add_handler(
        CallbackQueryHandler(daily_button, pattern=_BUTTON_PATTERN), group=DAILY_GROUP
    )
    application.job_queue.run_repeating(
        pusher.tick,
        interval=chosen.interval,
        first=chosen.first,
        name=JOB_NAME,
        job_kwargs={"coalesce": True, "misfire_grace_time": None},
    )
    return pusher
