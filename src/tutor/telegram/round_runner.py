"""Posts class-group quiz rounds on time: the JobQueue jobs that drive `GroupRounds`, and
sending to a group (a poll, a reply; a group that moved to a supergroup is followed).

Rounds: one JobQueue job per running round, named `group-round:<session id>`, re-armed
after every step with the delay `GroupRounds.step` works out from the database. So a
restart rebuilds nothing by hand: a one-off job shortly after start-up runs a step for
every round still active (`Store.active_group_sessions`), and each re-arms its own job.
The pace (one poll per open period plus a grace, one result message) keeps a round well
under Telegram's 20 messages a minute per group; the app's AIORateLimiter enforces it.
Rounds are driven by one process: a second process on the same database would post the
same polls twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from telegram import Bot, InputPollOption, Message
from telegram.constants import PollType
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ContextTypes,
)

from tutor.clock import Clock, utc_now
from tutor.config import Settings
from tutor.group_replies import (
    ROUND_RESULT_SIZE,
    names_wanted,
    result_reply,
)
from tutor.group_results import Ask, PollQuestion, RoundOver, RoundTiming, Wait
from tutor.groups import GroupRounds
from tutor.quizflow import QuizFlow
from tutor.render import reply_html, split_message
from tutor.replies import Reply
from tutor.store import ChatSettings
from tutor.telegram.handlers import keyboard

logger = logging.getLogger(__name__)

JOB_PREFIX = "group-round:"
RESUME_JOB = "group-rounds-resume"
MAX_STEPS = 4
"""Steps in one go: normally two (post a poll, then wait for it)."""
POSTING_WAIT = 10.0
"""Longest a poll answer waits for a poll still being posted (Telegram's reply to sendPoll)."""

App = Application[Any, Any, Any, Any, Any, Any]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GroupOptions:
    """How rounds run. Tests pass their own (short timings, a seed) through
    `build_application(..., group_options=GroupOptions(...))`."""

    timing: RoundTiming = field(default_factory=RoundTiming)
    clock: Clock = utc_now
    seed: int | None = None
    """Seeds the choice and order of questions (None: random)."""
    resume_after: float = 1.0
    """Seconds from start-up to resuming the rounds a restart interrupted."""
    retry_after: float = 5.0
    """Seconds before a step that failed (a network error, say) is tried again."""
    attempts: int = 5
    """Failed steps in a row before a round is left alone (an admin can /stop it)."""


def rounds_of(application: App) -> GroupRounds | None:
    """The app's `GroupRounds`, made on first use over the quiz flow's store (opened in
    post_init); None when the app has no quizzes."""
    rounds = application.bot_data.get("groups")
    if isinstance(rounds, GroupRounds):
        return rounds
    flow = application.bot_data.get("quiz")
    if not isinstance(flow, QuizFlow):
        return None
    options = options_of(application)
    settings = application.bot_data.get("settings")
    rounds = GroupRounds(
        flow.library,
        flow.store,
        default_open_period=settings.group_open_period
        if isinstance(settings, Settings)
        else ChatSettings().open_period_seconds,
        default_timezone=flow.default_timezone,
        timing=options.timing,
        clock=options.clock,
        rng=random.Random(options.seed) if options.seed is not None else None,
    )
    application.bot_data["groups"] = rounds
    return rounds


def options_of(application: App) -> GroupOptions:
    options = application.bot_data.get("group_options")
    return options if isinstance(options, GroupOptions) else GroupOptions()


def runner_of(application: App) -> RoundRunner:
    runner = application.bot_data["group_runner"]
    assert isinstance(runner, RoundRunner)
    return runner


class RoundRunner:
    """Posts each round's polls and result on time (see the module notes)."""

    def __init__(self, application: App, options: GroupOptions) -> None:
        self._application = application
        self._options = options
        self._locks: dict[int, asyncio.Lock] = {}
        self._failures: Counter[int] = Counter()
        self._posting = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def posted(self, timeout: float = POSTING_WAIT) -> None:
        """Wait until no poll is being posted, at most `timeout` seconds.

        Students see a poll as soon as Telegram has it, so an answer can arrive before
        its poll id is stored; the answer waits for that instead of being lost.
        """
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)

    async def run(self, session_id: int) -> None:
        """Do what the round needs now and arm its job for the next step.

        One step at a time per round: a /stop and the job never post over each other.
        """
        rounds = rounds_of(self._application)
        if rounds is None:
            return
        lock = self._locks.setdefault(session_id, asyncio.Lock())
        async with lock:
            try:
                done = await self._advance(rounds, session_id)
            except Exception:
                done = self._failed(session_id)
        if done:
            self._locks.pop(session_id, None)
            self._failures.pop(session_id, None)

    async def job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        job = context.job
        if job is not None and isinstance(job.data, int):
            await self.run(job.data)

    async def resume(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """After start-up: carry on with every round a restart interrupted."""
        rounds = rounds_of(self._application)
        if rounds is None:
            return
        sessions = await rounds.store.active_group_sessions()
        if sessions:
            logger.info("resuming %d group round(s)", len(sessions))
        for session in sessions:
            await self.run(session.id)

    async def stop(self, chat_id: int) -> bool:
        """End the chat's round now (an admin's /stop) and post its result."""
        rounds = rounds_of(self._application)
        session = await rounds.store.active_session(chat_id, None) if rounds else None
        if rounds is None or session is None:
            return False
        async with self._locks.setdefault(session.id, asyncio.Lock()):
            over = await rounds.stop(chat_id)
            self._disarm(session.id)
            if over is not None:
                await self._announce(rounds, over)
        self._locks.pop(session.id, None)
        return over is not None

    async def _advance(self, rounds: GroupRounds, session_id: int) -> bool:
        """Steps until the round waits or ends; True when it has ended."""
        for _step in range(MAX_STEPS):
            step = await rounds.step(session_id)
            if isinstance(step, Ask):
                if not await self._ask(rounds, step.poll):
                    return False
                continue
            if isinstance(step, Wait):
                self._arm(session_id, step.seconds)
                self._failures.pop(session_id, None)
                return False
            if isinstance(step, RoundOver):
                await self._announce(rounds, step)
            self._disarm(session_id)
            return True
        self._arm(session_id, self._options.retry_after)
        return False

    async def _ask(self, rounds: GroupRounds, poll: PollQuestion) -> bool:
        """Post the poll and record it; False when the round cannot go on right now."""
        self._posting += 1
        self._idle.clear()
        try:
            return await self._post_poll(rounds, poll)
        finally:
            self._posting -= 1
            if not self._posting:
                self._idle.set()

    async def _post_poll(self, rounds: GroupRounds, poll: PollQuestion) -> bool:
        """Claim the poll, then post it; another process that won the claim posts it."""
        if not await rounds.claim(poll):
            self._arm(poll.session_id, rounds.timing.claim_wait_seconds)
            return False
        bot = self._application.bot
        try:
            message = await _to_group(rounds, poll.chat_id, partial(_send_poll, bot, poll=poll))
        except RetryAfter as error:
            await rounds.unclaim(poll)
            self._arm(poll.session_id, _seconds(error.retry_after))
            return False
        except Forbidden as error:
            logger.info("group %s refuses the round's poll: %s", poll.chat_id, error.message)
            await rounds.bot_left(poll.chat_id, _refusal(error.message))
            return False
        except BadRequest as error:
            logger.warning(
                "group %s: poll of round %s refused: %s",
                poll.chat_id,
                poll.session_id,
                error.message,
            )
            over = await rounds.stop(poll.chat_id)
            if over is not None:
                await self._announce(rounds, over)
            return False
        if message.poll is None:
            raise RuntimeError(f"sendPoll to {poll.chat_id} returned no poll")
        await rounds.asked(poll, poll_id=message.poll.id, message_id=message.message_id)
        return True

    async def _announce(self, rounds: GroupRounds, over: RoundOver) -> None:
        """Close the poll still open (after a /stop) and post the round's leaderboard."""
        result, bot = over.result, self._application.bot
        if over.open_poll is not None:
            try:
                await bot.stop_poll(result.chat_id, over.open_poll.message_id)
            except TelegramError as error:
                logger.info("could not close the poll in %s: %s", result.chat_id, error)
        user_ids = [standing.user_id for standing in result.standings[:ROUND_RESULT_SIZE]]
        names = await full_names(bot, result.chat_id, names_wanted(result.display, user_ids))
        await post(rounds, bot, result.chat_id, result_reply(result, names))

    def _failed(self, session_id: int) -> bool:
        """Log a failed step; try again later, a few times. True when giving up."""
        self._failures[session_id] += 1
        failures = self._failures[session_id]
        if failures >= self._options.attempts:
            logger.exception("group round %s failed %d times; left alone", session_id, failures)
            self._disarm(session_id)
            return True
        logger.warning("group round %s: step failed; retrying", session_id, exc_info=True)
        self._arm(session_id, self._options.retry_after)
        return False

    def _arm(self, session_id: int, seconds: float) -> None:
        queue = self._application.job_queue
        if queue is None:
            return
        self._disarm(session_id)
        queue.run_once(
            self.job, when=max(seconds, 0.0), data=session_id, name=f"{JOB_PREFIX}{session_id}"
        )

    def _disarm(self, session_id: int) -> None:
        queue = self._application.job_queue
        if queue is None:
            return
        for job in queue.get_jobs_by_name(f"{JOB_PREFIX}{session_id}"):
            job.schedule_removal()


# ----- sending -------------------------------------------------------------------------------


async def _send_poll(bot: Bot, chat_id: int, poll: PollQuestion) -> Message:
    """A non-anonymous quiz poll, closed by Telegram on time. Plain text: the app's HTML
    default parse mode would otherwise apply to the question, options and explanation."""
    return await bot.send_poll(
        chat_id,
        poll.question,
        [InputPollOption(option, text_parse_mode=None) for option in poll.options],
        is_anonymous=False,
        type=PollType.QUIZ,
        correct_option_ids=[poll.correct_option],  # type: ignore[list-item]  # < 10 options
        explanation=poll.explanation or None,
        explanation_parse_mode=None,
        question_parse_mode=None,
        open_period=poll.open_period,
    )


async def _to_group(rounds: GroupRounds, chat_id: int, send: Callable[[int], Awaitable[T]]) -> T:
    """Send to a group; if it became a supergroup meanwhile, move its data and send there."""
    try:
        return await send(chat_id)
    except ChatMigrated as error:
        await rounds.chat_migrated(chat_id, error.new_chat_id)
        return await send(error.new_chat_id)


async def post(rounds: GroupRounds, bot: Bot, chat_id: int, reply: Reply) -> None:
    """Send a reply to a group outside any update (a job, a membership change)."""
    chunks = split_message(reply_html(reply.title, reply.lines, reply.card, rounds.library))
    for number, chunk in enumerate(chunks, start=1):
        markup = keyboard(reply) if number == len(chunks) else None
        try:
            await _to_group(
                rounds, chat_id, partial(bot.send_message, text=chunk, reply_markup=markup)
            )
        except Forbidden as error:
            logger.info("group %s refuses messages: %s", chat_id, error.message)
            return


async def full_names(bot: Bot, chat_id: int, user_ids: Sequence[int]) -> dict[int, str]:
    """Students' full names as Telegram has them now (the store keeps first names only)."""

    async def one(user_id: int) -> str | None:
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError:
            return None
        return member.user.full_name

    found = await asyncio.gather(*(one(user_id) for user_id in user_ids))
    return {user_id: name for user_id, name in zip(user_ids, found, strict=True) if name}


def _refusal(message: str) -> str:
    return "kicked" if "kicked" in message.lower() else "left"


def _seconds(value: int | float | timedelta) -> float:
    """A `retry_after` in seconds (PTB gives an int, or a timedelta with PTB_TIMEDELTA)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
