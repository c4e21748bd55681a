"""Class groups: quiz rounds as Telegram quiz polls, leaderboards and class reports.

A group's settings are in `group_settings`, what the bot says in groups in `group_replies`.

Adapter-neutral (no Telegram import): methods take plain data and return `Reply` objects
or small dataclasses saying what the adapter must do next.

How a round runs:

- `/quiz [topic] [n]` in a group creates a `SessionKind.GROUP` session (no `user_id`)
  whose `position` is the question being asked. `step(session_id)` reads only the
  database and answers `Ask` (post this poll, then report it with `asked`), `Wait`
  (call again in so many seconds), `RoundOver` (post the result) or None (nothing to
  do). Nothing about a round lives in memory, so after a restart the adapter calls
  `step` for every `Store.active_group_sessions()` and the round carries on; a round
  left waiting longer than `RoundTiming.abandon_after` is closed with its scores.
- Each posted poll is stored (`group_polls`: poll id -> round, position, question, the
  options as shown), so a student's `poll_answer` is graded from the database alone.
- Several bot processes on one database never post a poll twice: the adapter `claim`s
  (round, position) in `round_poll_claims` just before `send_poll`, and only the winner
  posts. The others' `step` answers `Wait` until the poll is recorded; a claim older
  than `RoundTiming.poll_claim_lease` with no poll recorded (its process died while
  posting) moves the round on to the next question instead.
- Pacing: a question stays open for the group's open period (5-600 s) and the next one
  is posted `RoundTiming.grace_seconds` after it closes (late answers still arrive).
  A round sends an intro, one poll per question and one result message: at the 5 s
  minimum and the default 2 s grace that is at most 9 polls plus 2 messages in any
  minute, under Telegram's 20 messages per minute per group. Nothing is sent per answer
  or per question result: a closed quiz poll already shows the answer and explanation.
- Only choice and true/false questions suit a quiz poll (one tap, one right option);
  typed and chronology questions stay in private quizzes, as do questions over Telegram's
  poll limits (prompt 300 characters, option 100, 2-10 options). An explanation over 200
  characters is shortened.
- Every answer also feeds the student's own spaced repetition, through the quiz
  service's own memory step (`QuizService.memory_after`), in the same transaction
  as the answer (`Store.record_group_answer`).
- The leaderboard ranks by correct answers, then speed: the summed response time of the
  correct answers, measured from when the poll was posted to when the answer reached us
  (Telegram does not timestamp poll answers).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from tutor.clock import Clock, local_date, start_of_local_day, utc_now
from tutor.grading import Verdict
from tutor.group_replies import introduction, plural_s, round_intro, running_reply
from tutor.group_results import (
    Ask,
    Leaderboard,
    PollQuestion,
    RoundOver,
    RoundResult,
    RoundStarted,
    RoundTiming,
    Standing,
    Step,
    Wait,
)
from tutor.group_settings import GroupSettings
from tutor.model import Library, Question, QuestionKind, Topic
from tutor.quiz import MAX_RESPONSE_MS, TRUE_FALSE_OPTIONS, WEAK_TOPIC_ACCURACY, QuizService
from tutor.quizflow import QuizFlow, Who
from tutor.replies import Reply
from tutor.srs import Srs
from tutor.store import (
    Answer,
    ChatKind,
    ChatSettings,
    GroupPoll,
    NewSession,
    QuizSession,
    SessionKind,
    SessionStatus,
    Store,
    TopicAccuracy,
)

POLL_QUESTION_LIMIT = 300
POLL_OPTION_LIMIT = 100
POLL_MAX_OPTIONS = 10
POLL_EXPLANATION_LIMIT = 200
_NUMBER_PREFIX = "20/20 · "
"""Poll questions start with "n/total · "; prompts leave room for the longest."""
POLL_KINDS = frozenset({QuestionKind.CHOICE, QuestionKind.TRUE_FALSE})


class _Again(Enum):
    """Another writer moved the round on first: look again."""

    AGAIN = "again"


_AGAIN = _Again.AGAIN


class GroupRounds:
    """Group rounds, leaderboards and reports over the store; `settings` holds the group's
    settings (group_settings.GroupSettings)."""

    def __init__(
        self,
        library: Library,
        store: Store,
        *,
        default_open_period: int = ChatSettings().open_period_seconds,
        default_timezone: str = "Europe/London",
        timing: RoundTiming | None = None,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        srs: Srs | None = None,
    ) -> None:
        self.library = library
        self.store = store
        self.timing = timing or RoundTiming()
        self.default_open_period = default_open_period
        self.default_timezone = default_timezone
        self._clock = clock
        self._rng = rng or random.Random()
        self._quiz = QuizService(library, store, clock=clock, rng=self._rng, srs=srs)
        self._flow = QuizFlow(
            library, store, self._quiz, default_timezone=default_timezone, clock=clock
        )
        self.settings = GroupSettings(library, store, self._flow, self.remember)

    # ----- starting and stopping ----------------------------------------------------------
    async def start(self, who: Who, argument: str = "") -> RoundStarted | Reply:
        """`/quiz [topic] [n]` in a group: a new round, or why there is none."""
        running = await self.store.active_session(who.chat_id, None)
        if running is not None:
            return running_reply(running)
        parsed = self._flow.parse_quiz_argument(argument)
        if isinstance(parsed, Reply):
            return parsed
        await self.remember(who)
        settings = await self.store.chat_settings(who.chat_id)
        named, count = parsed
        topic = named or self.library.topics.get(settings.topic_id or "")
        if not _count_given(argument, count):
            count = settings.questions_per_round
        fitting, left_out = self._pool(topic, None if named else settings.deck_id)
        if not fitting:
            return Reply(lines=(_NO_POLL_QUESTIONS,))
        picked = self._rng.sample(fitting, min(count, len(fitting)))
        title = topic.title if topic else self.settings.deck_title(settings.deck_id)
        state = {"title": title, "open_period": settings.open_period_seconds}
        new = NewSession(who.chat_id, None, SessionKind.GROUP, tuple(picked), state, self._clock())
        session, _ = await self.store.start_session(new)
        return RoundStarted(session.id, round_intro(title, len(picked), state, left_out, count))

    async def stop(self, chat_id: int) -> RoundOver | None:
        """End the chat's round now (an admin's /stop); None if none is running."""
        for _attempt in range(3):
            session = await self.store.active_session(chat_id, None)
            if session is None:
                return None
            polls = await self.store.group_polls(session.id)
            over = await self._finish(session, SessionStatus.STOPPED)
            if over is not None:
                open_poll = next((p for p in polls if p.position == session.position), None)
                return replace(over, open_poll=open_poll)
        return None

    async def running(self, chat_id: int) -> bool:
        return await self.store.active_session(chat_id, None) is not None

    # ----- driving a round ---------------------------------------------------------------
    async def step(self, session_id: int) -> Step:
        """What the round needs next (see the module notes); safe to call at any time."""
        for _attempt in range(4):
            session = await self.store.get_session(session_id)
            if session is None or session.kind is not SessionKind.GROUP:
                return None
            if session.status is not SessionStatus.ACTIVE:
                return None
            decided = await self._decide(session)
            if decided is not _AGAIN:
                return decided
        return None

    async def claim(self, poll: PollQuestion) -> bool:
        """Claim the posting of `poll`, just before sending it: True for exactly one
        process sharing the database; the others wait for it (`step` says `Wait`)."""
        return await self.store.claim_round_poll(poll.session_id, poll.position, now=self._clock())

    async def unclaim(self, poll: PollQuestion) -> None:
        """Give back the claim of a poll Telegram certainly did not take (a flood wait)."""
        await self.store.release_round_poll(poll.session_id, poll.position)

    async def asked(self, poll: PollQuestion, *, poll_id: str, message_id: int) -> None:
        """The adapter posted `poll` as Telegram poll `poll_id` in message `message_id`."""
        await self.store.add_group_poll(
            GroupPoll(
                poll_id=poll_id,
                session_id=poll.session_id,
                position=poll.position,
                question_id=poll.question_id,
                option_order=poll.option_order,
                message_id=message_id,
                sent_at=self._clock(),
            )
        )

    async def answer(
        self,
        poll_id: str,
        option_ids: Sequence[int],
        *,
        user_id: int,
        first_name: str,
        username: str | None = None,
    ) -> bool:
        """A student answered a round poll: record it once and update their memory.

        False for polls that are not ours, ended rounds, retracted or repeated answers.
        """
        poll = await self.store.group_poll(poll_id)
        question = self.library.questions.get(poll.question_id) if poll else None
        if poll is None or question is None or len(option_ids) != 1:
            return False
        if not 0 <= option_ids[0] < len(poll.option_order):
            return False
        session = await self.store.get_session(poll.session_id)
        if session is None or session.status is not SessionStatus.ACTIVE:
            return False
        now = self._clock()
        right = option_ids[0] == _correct_option(question, poll.option_order)
        verdict = Verdict.CORRECT if right else Verdict.WRONG
        elapsed = int((now - poll.sent_at).total_seconds() * 1000)
        response_ms = max(0, min(MAX_RESPONSE_MS, elapsed))
        await self.store.upsert_user(user_id, first_name=first_name, username=username, now=now)
        answer = Answer(
            session_id=session.id,
            user_id=user_id,
            chat_id=session.chat_id,
            question_id=question.id,
            card_id=question.card_id,
            topic_id=self._quiz.topic_of(question),
            verdict=verdict,
            correct=right,
            response_ms=response_ms,
            answered_at=now,
            source=SessionKind.GROUP,
            choice=_options(question)[poll.option_order[option_ids[0]]],
        )
        memory = await self._quiz.memory_after(user_id, question, verdict, response_ms, now)
        return await self.store.record_group_answer(answer, memory)

    # ----- group life ----------------------------------------------------------------------
    async def remember(self, who: Who) -> None:
        """Store the student and the group; a group new to us gets the default open period.

        A message sent as a chat has no student behind it to store (see `Who`)."""
        if not who.posts_as_chat:
            await self.store.upsert_user(
                who.user_id, first_name=who.first_name, username=who.username, now=self._clock()
            )
        await self.remember_chat(who.chat_id, who.chat_kind, who.chat_title)

    async def remember_chat(self, chat_id: int, kind: ChatKind, title: str | None) -> None:
        known = await self.store.get_chat(chat_id)
        await self.store.upsert_chat(chat_id, kind=kind, title=title, now=self._clock())
        if known is None:
            await self.store.update_chat_settings(
                chat_id, open_period_seconds=self.default_open_period
            )

    async def bot_joined(self, chat_id: int, kind: ChatKind, title: str | None) -> Reply:
        """The bot was added to a group: remember it (resumed if paused) and introduce itself."""
        await self.remember_chat(chat_id, kind, title)
        await self.store.set_chat_paused(chat_id, None, now=self._clock())
        return introduction()

    async def bot_left(self, chat_id: int, reason: str) -> None:
        """The bot was removed ("kicked", "left"): pause the chat, its daily quiz and round."""
        now = self._clock()
        if await self.store.get_chat(chat_id) is None:
            return
        await self.store.set_chat_paused(chat_id, reason, now=now)
        await self.store.deactivate_subscription(chat_id, reason, now=now)
        session = await self.store.active_session(chat_id, None)
        if session is not None:
            await self._finish(session, SessionStatus.STOPPED)

    async def chat_migrated(self, old_id: int, new_id: int) -> bool:
        """The group became supergroup `new_id`; True if its data moved now (not before)."""
        old = await self.store.get_chat(old_id)
        if old is None or old.migrated_to == new_id:
            return False
        return await self.store.migrate_chat(old_id, new_id, now=self._clock())

    # ----- leaderboards and reports -----------------------------------------------------
    async def leaderboard(self, chat_id: int) -> Leaderboard:
        """This week's (since Monday 00:00 in the group's time zone) and all-time scores."""
        tz = ZoneInfo(await self.store.time_zone_for(chat_id, None) or self.default_timezone)
        today = local_date(self._clock(), tz)
        monday = start_of_local_day(today - timedelta(days=today.weekday()), tz)
        settings = await self.store.chat_settings(chat_id)
        return Leaderboard(
            week=tuple(await self.store.group_scores(chat_id, since=monday)),
            all_time=tuple(await self.store.group_scores(chat_id)),
            display=settings.name_display,
        )

    async def report(self, chat_id: int, title: str | None) -> Reply:
        """The class's accuracy per topic (weakest first) and its weakest topics."""
        heading = f"📊 Class report: {title}" if title else "📊 Class report"
        by_topic = await self.store.group_topic_accuracy(chat_id)
        if not by_topic:
            return Reply(
                title=heading, lines=("No quiz rounds answered yet — start one with /quiz.",)
            )
        students = len(await self.store.group_scores(chat_id))
        answered = sum(item.answered for item in by_topic.values())
        correct = sum(item.correct for item in by_topic.values())
        ranked = sorted(by_topic.values(), key=lambda item: (item.accuracy, item.topic_id))
        lines = [
            f"{students} student{plural_s(students)} · {answered} answers · "
            f"{correct / answered:.0%} correct in quiz rounds",
            "By topic, weakest first:\n"
            + "\n".join(
                f"• {self._topic_title(t)}: {t.accuracy:.0%} of {t.answered}" for t in ranked
            ),
        ]
        lines.extend(self._weakest_lines(ranked))
        return Reply(title=heading, lines=tuple(lines))

    # ----- settings ------------------------------------------------------------------------

    # ----- round internals -----------------------------------------------------------------
    async def _decide(self, session: QuizSession) -> Step | _Again:
        """One look at an active round: ask its question, wait, or move on."""
        now = self._clock()
        polls = {poll.position: poll for poll in await self.store.group_polls(session.id)}
        current = polls.get(session.position)
        if current is None:
            if now - session.updated_at > self.timing.abandon_after:
                return await self._finish(session, SessionStatus.STOPPED) or _AGAIN
            claimed_at = await self.store.round_poll_claimed_at(session.id, session.position)
            if claimed_at is not None:  # another process is posting it, or died doing so
                if now - claimed_at < self.timing.poll_claim_lease:
                    return Wait(self.timing.claim_wait_seconds)
                return await self._move_to(
                    session, self._next_position(session, session.position + 1)
                )
            poll = self._poll_question(session)
            if poll is None:  # the question left the content since the round started
                return await self._move_to(session, self._next_position(session, session.position))
            return Ask(poll)
        moves_on = current.sent_at + self._question_time(session)
        if now < moves_on:
            return Wait((moves_on - now).total_seconds())
        if now - moves_on > self.timing.abandon_after:
            return await self._finish(session, SessionStatus.STOPPED) or _AGAIN
        return await self._move_to(session, self._next_position(session, session.position + 1))

    async def _move_to(self, session: QuizSession, position: int) -> RoundOver | _Again:
        """Move to `position` (then look again, to ask it), or finish after the last one."""
        if position >= len(session.question_ids):
            return await self._finish(session, SessionStatus.FINISHED) or _AGAIN
        await self.store.save_session(
            session,
            position=position,
            state=session.state,
            status=SessionStatus.ACTIVE,
            now=self._clock(),
        )
        return _AGAIN

    async def _finish(self, session: QuizSession, status: SessionStatus) -> RoundOver | None:
        saved = await self.store.save_session(
            session,
            position=session.position,
            state=session.state,
            status=status,
            now=self._clock(),
        )
        if not saved:
            return None
        asked = len(await self.store.group_polls(session.id))
        return RoundOver(await self._result(session, status, asked))

    async def _result(self, session: QuizSession, status: SessionStatus, asked: int) -> RoundResult:
        answers = await self.store.session_answers(session.id)
        standings = []
        for user_id in dict.fromkeys(answer.user_id for answer in answers):
            theirs = [answer for answer in answers if answer.user_id == user_id]
            user = await self.store.get_user(user_id)
            standings.append(
                Standing(
                    user_id=user_id,
                    first_name=user.first_name if user else "",
                    correct=sum(answer.correct for answer in theirs),
                    answered=len(theirs),
                    time_ms=sum(_ms(answer) for answer in theirs if answer.correct),
                )
            )
        standings.sort(key=lambda s: (-s.correct, s.time_ms, s.user_id))
        settings = await self.store.chat_settings(session.chat_id)
        return RoundResult(
            session_id=session.id,
            chat_id=session.chat_id,
            status=status,
            title=str(session.state.get("title", "")),
            asked=asked,
            total=len(session.question_ids),
            standings=tuple(standings),
            display=settings.name_display,
        )

    def _question_time(self, session: QuizSession) -> timedelta:
        seconds = self.timing.question_seconds or float(session.state["open_period"])
        return timedelta(seconds=seconds + self.timing.grace_seconds)

    def _next_position(self, session: QuizSession, start: int) -> int:
        """The first position from `start` whose question still exists and fits a poll."""
        position = start
        while position < len(session.question_ids):
            question = self.library.questions.get(session.question_ids[position])
            if question is not None and fits_poll(question):
                return position
            position += 1
        return position

    def _poll_question(self, session: QuizSession) -> PollQuestion | None:
        question = self.library.questions.get(session.current_question_id or "")
        if question is None or not fits_poll(question):
            return None
        order = _option_order(question, self._rng)
        shown = _options(question)
        total = len(session.question_ids)
        return PollQuestion(
            session_id=session.id,
            chat_id=session.chat_id,
            position=session.position,
            total=total,
            question_id=question.id,
            question=f"{session.position + 1}/{total} · {question.prompt}",
            options=tuple(shown[i] for i in order),
            option_order=order,
            correct_option=_correct_option(question, order),
            explanation=_shorten(question.explanation, POLL_EXPLANATION_LIMIT),
            open_period=int(session.state["open_period"]),
        )

    def _pool(self, topic: Topic | None, deck_id: str | None) -> tuple[list[str], int]:
        """Question ids for a round (poll-friendly ones) and how many others were left out."""
        candidates = [
            q
            for q in self.library.questions.values()
            if (topic is None or self._quiz.topic_of(q) == topic.id)
            and (deck_id is None or q.deck_id == deck_id)
        ]
        fitting = [q.id for q in candidates if fits_poll(q)]
        return fitting, len(candidates) - len(fitting)

    # ----- wording helpers ---------------------------------------------------------------
    def _topic_title(self, item: TopicAccuracy) -> str:
        topic = self.library.topics.get(item.topic_id)
        return topic.title if topic else item.topic_id or "Other"

    def _weakest_lines(self, ranked: Sequence[TopicAccuracy]) -> list[str]:
        weak = [item for item in ranked if item.accuracy < WEAK_TOPIC_ACCURACY][:3]
        if not weak:
            return ["No weak topics: every topic is at 80% or better. 🎉"]
        names = ", ".join(f"{self._topic_title(item)} ({item.accuracy:.0%})" for item in weak)
        return [
            f"Weakest topics: {names}.",
            f"Focus the next rounds on one with /settings topic {weak[0].topic_id}.",
        ]


_NO_POLL_QUESTIONS = (
    "I have no questions on that which fit a quiz poll (typed and chronology questions "
    "are for private quizzes). Try another topic, or /quiz for everything."
)


# ----- polls ---------------------------------------------------------------------------------


def fits_poll(question: Question) -> bool:
    """Whether a question can be a Telegram quiz poll (kind and Telegram's limits)."""
    if question.kind not in POLL_KINDS:
        return False
    if not 1 <= len(question.prompt) <= POLL_QUESTION_LIMIT - len(_NUMBER_PREFIX):
        return False
    if question.kind is QuestionKind.TRUE_FALSE:
        return question.truth is not None
    return (
        2 <= len(question.options) <= POLL_MAX_OPTIONS
        and all(1 <= len(option) <= POLL_OPTION_LIMIT for option in question.options)
        and question.answer in question.options
    )


def _options(question: Question) -> tuple[str, ...]:
    return question.options if question.kind is QuestionKind.CHOICE else TRUE_FALSE_OPTIONS


def _option_order(question: Question, rng: random.Random) -> tuple[int, ...]:
    """Choice options shuffled; True stays before False."""
    order = list(range(len(_options(question))))
    if question.kind is QuestionKind.CHOICE:
        rng.shuffle(order)
    return tuple(order)


def _correct_option(question: Question, order: Sequence[int]) -> int:
    """The poll option (an index into the shown options) that is right."""
    if question.kind is QuestionKind.TRUE_FALSE:
        return order.index(0 if question.truth else 1)
    return order.index(question.options.index(question.answer))


def _ms(answer: Answer) -> int:
    return MAX_RESPONSE_MS if answer.response_ms is None else answer.response_ms


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ----- replies -------------------------------------------------------------------------------


def _count_given(argument: str, count: int) -> bool:
    """Whether `/quiz` named a count (else the group's questions-per-round setting)."""
    words = argument.split()
    last = words[-1] if words else ""
    return last.isascii() and last.isdigit() and int(last) == count
