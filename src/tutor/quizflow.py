"""The quiz conversation: commands and answers in, `Reply` messages out.

Written once for every adapter. Multiple-choice, true/false and chronology questions
are answered with inline buttons (the terminal shows them as numbered choices); typed
questions take the student's next text message. Buttons carry only the session id, the
question's position and an option index, all validated by the quiz service, so a stale,
forged or someone else's button gets a short notice.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from tutor.clock import Clock, local_date, utc_now
from tutor.exam import ExamService
from tutor.grading import Verdict
from tutor.model import Library, QuestionKind, Topic
from tutor.quiz import (
    AnswerResult,
    NothingReason,
    NothingToAsk,
    OrderProgress,
    PresentedQuestion,
    QuizService,
    QuizSummary,
    Rejected,
    Rejection,
    Started,
)
from tutor.quiz_arguments import NameMatcher, option_named, split_quiz_argument
from tutor.replies import STALE_BUTTON, Button, Reply, short
from tutor.store import ChatKind, SessionStatus, Store

MAX_COUNT = 20
TOPIC_CUTOFF = 70.0
QUIZ_FINISHED = "Quiz finished"
QUIZ_STOPPED = "Quiz stopped"
CARD_CUTOFF = 85.0
VERDICT_MARKS = {
    Verdict.CORRECT: "✅ Right!",
    Verdict.CLOSE: "🟡 Nearly!",
    Verdict.WRONG: "❌ Not quite.",
}
_QUIZ_BUTTON = re.compile(r"^(qa|qo|qs):(\d{1,12}):(\d{1,3}):(\d{1,2})$")
_FORGET_BUTTON = re.compile(r"^forget:(yes|no):(\d{1,15})$")
_START_BUTTON = re.compile(r"^quiz:([a-z0-9-]{1,50})$")
AS_CHAT_REFUSAL = (
    "You're posting as the group (anonymous admin), so I can't keep a quiz or progress "
    "for you. Message me privately, or turn off “Remain anonymous” in the group's "
    "admin settings."
)
REJECTION_NOTICES = {
    Rejection.STALE: "That question is finished. Send /quiz for a new one.",
    Rejection.FOREIGN: "That's someone else's quiz — send /quiz to start your own.",
    Rejection.INVALID: "That answer doesn't fit this question.",
}


@dataclass(frozen=True, slots=True)
class Who:
    """Who is talking, and where."""

    user_id: int
    chat_id: int
    first_name: str = ""
    username: str | None = None
    chat_kind: ChatKind = ChatKind.PRIVATE
    chat_title: str | None = None
    sender_chat_id: int | None = None
    """Set when the message was sent on behalf of a chat, not by a person (see below)."""

    @property
    def posts_as_chat(self) -> bool:
        """Sent as a chat: `user_id` is then a placeholder every such sender shares, so
        nothing personal (a quiz, progress, /forget) can be kept for it."""
        return self.sender_chat_id is not None

    @property
    def is_anonymous_admin(self) -> bool:
        """Sent as the group itself: only the group's admins can post that way."""
        return self.sender_chat_id is not None and self.sender_chat_id == self.chat_id


class QuizFlow:
    """Quizzes, reviews, progress and privacy commands over the quiz service."""

    def __init__(
        self,
        library: Library,
        store: Store,
        service: QuizService,
        *,
        default_timezone: str = "Europe/London",
        clock: Clock = utc_now,
    ) -> None:
        self.library = library
        self.store = store
        self.service = service
        self.default_timezone = default_timezone
        self._clock = clock
        self._names: tuple[NameMatcher, NameMatcher] | None = None
        self.exams = ExamService(
            library,
            store,
            find_topic=self._find_topic,
            clock=clock,
            default_timezone=default_timezone,
        )

    # ----- commands ---------------------------------------------------------------------
    async def quiz(self, who: Who, argument: str = "") -> list[Reply]:
        """`/quiz [topic] [n]`: a short quiz on everything, or on one topic."""
        parsed = self.parse_quiz_argument(argument)
        if isinstance(parsed, Reply):
            return [parsed]
        topic, count = parsed
        await self._remember(who)
        started = await self.service.start_quiz(
            who.chat_id, who.user_id, count=count, topic_id=topic.id if topic else None
        )
        replies = self._started(who, started, topic.title if topic else "")
        ignored = " ".join(split_quiz_argument(argument)[2])
        if ignored and isinstance(started, Started):
            note = f"(I ignored “{short(ignored, 60)}”: /quiz takes a topic, then a number.)"
            replies[0] = replace(replies[0], lines=(*replies[0].lines, note))
        return replies

    async def quiz_on_card(self, who: Who, card_id: str) -> list[Reply]:
        """ "Quiz me on this" under a card: its topic, its own questions first."""
        await self._remember(who)
        started = await self.service.start_quiz(who.chat_id, who.user_id, card_id=card_id)
        card = self.library.cards.get(card_id)
        topic = self.library.topics.get(card.topic_id) if card else None
        return self._started(who, started, topic.title if topic else "")

    async def review(self, who: Who) -> list[Reply]:
        """`/review`: the questions spaced repetition says are due."""
        await self._remember(who)
        return self._started(who, await self.service.start_review(who.chat_id, who.user_id), "")

    async def stop(self, who: Who) -> list[Reply]:
        summary = await self.service.stop(who.chat_id, who.user_id)
        if summary is None:
            return [Reply(lines=("No quiz is running. Send /quiz to start one.",))]
        return [self._summary_reply(summary)]

    async def stats(self, who: Who) -> list[Reply]:
        """`/stats`: totals, accuracy per topic, due today, streak, and a chart."""
        tz = await self._timezone(who)
        stats = await self.service.stats(who.user_id, tz)
        if stats.answered == 0:
            return [Reply(lines=("No answers yet — send /quiz to start, then come back here.",))]
        lines = [
            f"Answered: {stats.answered} · correct: {stats.correct} ({stats.accuracy:.0%})",
            f"Due for review today: {stats.due_today}"
            + (" — send /review" if stats.due_today else ""),
            f"Streak: {stats.streak_days} day{'s' if stats.streak_days != 1 else ''} in a row",
        ]
        if stats.topics:
            lines.append(
                "\n".join(
                    f"• {t.title}: {t.accuracy:.0%} of {t.answered}" for t in stats.topics[:8]
                )
            )
        from tutor.charts import render_progress  # matplotlib: loaded for the first picture only

        chart = await asyncio.to_thread(
            render_progress,
            [(day.day, day.answered) for day in stats.daily_counts],
            [(t.title, t.accuracy, t.answered) for t in stats.topics],
            title="Your progress",
            end=local_date(self._clock(), tz),
        )
        return [
            Reply(title="Your progress", lines=tuple(lines)),
            Reply(photo=chart, photo_name="progress.png"),
        ]

    async def timeline(self, argument: str = "") -> list[Reply]:
        """`/timeline [FROM] [TO]`: a picture of the deck's dated events."""
        from tutor.charts import parse_year_range, render_timeline  # as in `stats`

        events = self.library.events
        try:
            start, end = parse_year_range(argument.split(), events)
            picture = await asyncio.to_thread(
                render_timeline,
                events,
                title=self._timeline_title(),
                start_year=start,
                end_year=end,
            )
        except ValueError as error:
            return [
                Reply(lines=(str(error), "Usage: /timeline [FROM] [TO], e.g. /timeline 1924 1929"))
            ]
        caption = f"Timeline {start}–{end}" if start != end else f"Timeline {start}"
        return [Reply(title=caption, photo=picture, photo_name=f"timeline-{start}-{end}.png")]

    def forget(self, who: Who) -> list[Reply]:
        """`/forget`: ask before deleting anything; only the asker's press counts."""
        return [
            Reply(
                title="Delete everything I store about you?",
                lines=(
                    "Your quiz answers, progress, streak and daily-quiz setting will be "
                    "deleted for good. Note cards stay, of course.",
                ),
                buttons=(
                    (
                        Button("🗑 Yes, delete it all", f"forget:yes:{who.user_id}"),
                        Button("Keep my data", f"forget:no:{who.user_id}"),
                    ),
                ),
            )
        ]

    # ----- answers ----------------------------------------------------------------------
    async def typed(self, who: Who, text: str) -> list[Reply] | None:
        """A text message that answers the pending question; None if it does not.

        A typed question takes any text; a choice, true/false or order question takes
        the text of one of its options (an order question: of an item still to place).
        """
        if not text.strip():
            return None
        pending = await self.service.current_question(who.chat_id, who.user_id)
        if pending is None:
            return None
        return await self._answer_text(who, pending, text)

    async def on_text(self, who: Who, text: str, ask: Callable[[str], Reply]) -> list[Reply] | None:
        """A text message while a quiz may be waiting; None when none is.

        The text answers the pending question when it can (see `typed`); otherwise it is
        a question for `ask`, and the pending question is shown again below the answer,
        so the quiz is never stranded. One read of the store either way.
        """
        if not text.strip():
            return None
        pending = await self.service.current_question(who.chat_id, who.user_id)
        if pending is None:
            return None
        answered = await self._answer_text(who, pending, text)
        if answered is not None:
            return answered
        return [ask(text), self.reminder_reply(who, pending)]

    async def reminder(self, who: Who) -> Reply | None:
        """The pending question shown again (after another command), or None."""
        pending = await self.service.current_question(who.chat_id, who.user_id)
        return self.reminder_reply(who, pending) if pending is not None else None

    @staticmethod
    def shows_question(replies: Sequence[Reply]) -> bool:
        """Whether the replies include a quiz question (its stop button) or end a quiz."""
        return any(
            reply.title in (QUIZ_FINISHED, QUIZ_STOPPED)
            or any(button.data.startswith("qs:") for row in reply.buttons for button in row)
            for reply in replies
        )

    def reminder_reply(self, who: Who, pending: PresentedQuestion) -> Reply:
        shown = self.question_reply(who, pending)
        back = "↩️ Back to your quiz — answer below, or /stop to end it."
        return replace(shown, lines=(back, *shown.lines))

    async def _answer_text(
        self, who: Who, pending: PresentedQuestion, text: str
    ) -> list[Reply] | None:
        if pending.kind is QuestionKind.TYPED:
            result = await self.service.answer_typed(
                pending.session_id, who.user_id, text[:300], position=pending.position
            )
            return self._answered(who, result, edit=False)
        candidates = pending.remaining if pending.kind is QuestionKind.ORDER else None
        index = option_named(text, pending.options, candidates)
        if index is None:
            return None
        if pending.kind is not QuestionKind.ORDER:
            result = await self.service.answer_choice(
                pending.session_id, who.user_id, index, position=pending.position
            )
            return self._answered(who, result, edit=False)
        step = await self.service.answer_order_step(
            pending.session_id, who.user_id, index, position=pending.position
        )
        if isinstance(step, OrderProgress):
            return [self.question_reply(who, step.question)]
        return self._answered(who, step, edit=False)

    def owns_button(self, data: str | None) -> bool:
        data = data or ""
        return bool(
            _QUIZ_BUTTON.match(data) or _FORGET_BUTTON.match(data) or _START_BUTTON.match(data)
        )

    async def press(self, who: Who, data: str) -> list[Reply]:
        """A quiz button: an answer, a chronology step, stop, start or forget."""
        if match := _START_BUTTON.match(data):
            if match.group(1) not in self.library.cards:
                return [STALE_BUTTON]
            return await self.quiz_on_card(who, match.group(1))
        if match := _FORGET_BUTTON.match(data):
            if int(match.group(2)) != who.user_id:
                return [Reply(notice="Only the person who sent /forget can answer this.")]
            return await self._forget_answer(who, match.group(1) == "yes")
        match = _QUIZ_BUTTON.match(data)
        if match is None:
            return [Reply(notice=REJECTION_NOTICES[Rejection.STALE])]
        action, session_id, position, index = match.group(1), *map(int, match.groups()[1:])
        if action == "qs":
            return await self._stop_button(who, session_id)
        if action == "qo":
            step = await self.service.answer_order_step(
                session_id, who.user_id, index, position=position
            )
            if isinstance(step, OrderProgress):
                return [self.question_reply(who, step.question, edit=True)]
            return self._answered(who, step, edit=True)
        result = await self.service.answer_choice(session_id, who.user_id, index, position=position)
        return self._answered(who, result, edit=True)

    # ----- presenting -------------------------------------------------------------------
    def _started(self, who: Who, started: Started | NothingToAsk, topic_title: str) -> list[Reply]:
        if isinstance(started, NothingToAsk):
            return [self._nothing_reply(started)]
        intro = f"Quiz: {topic_title}" if topic_title else "Quiz time!"
        lines = [f"{started.question.total} questions. Tap an answer, or /stop to end early."]
        if started.replaced is not None:
            lines.insert(0, "(Your previous quiz was stopped.)")
        return [Reply(title=intro, lines=tuple(lines)), self.question_reply(who, started.question)]

    def question_reply(self, who: Who, question: PresentedQuestion, *, edit: bool = False) -> Reply:
        """A question with its answer buttons (shared with the daily push)."""
        heading = f"Question {question.position} of {question.total}"
        lines = [question.prompt]
        rows: list[tuple[Button, ...]] = []
        if question.kind is QuestionKind.TYPED:
            # In groups the bot only reads replies to its messages (privacy mode).
            lines.append(
                "✍️ Type your answer."
                if who.chat_kind is ChatKind.PRIVATE
                else "✍️ Reply to this message with your answer."
            )
        elif question.kind is QuestionKind.ORDER:
            lines.append("Tap the events in order, earliest first.")
            if question.placed:
                lines.append(
                    "\n".join(
                        f"{n}. {question.options[i]}"
                        for n, i in enumerate(question.placed, start=1)
                    )
                )
            rows = [(self._answer_button("qo", question, i),) for i in question.remaining]
        else:
            rows = [(self._answer_button("qa", question, i),) for i in range(len(question.options))]
        rows.append((Button("⏹ Stop quiz", f"qs:{question.session_id}:{question.position}:0"),))
        return Reply(title=heading, lines=tuple(lines), buttons=tuple(rows), edit=edit)

    @staticmethod
    def _answer_button(action: str, question: PresentedQuestion, index: int) -> Button:
        label = question.options[index]
        return Button(label, f"{action}:{question.session_id}:{question.position}:{index}")

    def _answered(self, who: Who, result: AnswerResult | Rejected, *, edit: bool) -> list[Reply]:
        if isinstance(result, Rejected):
            return [Reply(notice=REJECTION_NOTICES[result.reason])]
        card = self.library.cards.get(result.card_id)
        lines = [f"Your answer: {result.response}"]
        if result.verdict is not Verdict.CORRECT:
            right = (
                " → ".join(result.correct_order) if result.correct_order else result.correct_answer
            )
            lines.append(f"Answer: {right}")
        lines.append(result.explanation)
        buttons = (
            ((Button(f"📖 Read the card: {short(card.title)}", f"card:{card.id}"),),)
            if card
            else ()
        )
        replies = [
            Reply(
                title=VERDICT_MARKS[result.verdict], lines=tuple(lines), buttons=buttons, edit=edit
            )
        ]
        if result.next_question is not None:
            replies.append(self.question_reply(who, result.next_question))
        if result.summary is not None:
            replies.append(self._summary_reply(result.summary))
        return replies

    def _summary_reply(self, summary: QuizSummary) -> Reply:
        """The score of what was answered: "Score: 1/1, 4 skipped", never 0/5 for a stop."""
        if summary.answered == 0:
            return Reply(
                title=QUIZ_STOPPED,
                lines=(
                    "You stopped before answering any question, so there's no score.",
                    "Send /quiz to start again whenever you like.",
                ),
            )
        skipped = summary.total - summary.answered
        lines = [
            f"Score: {summary.correct}/{summary.answered}"
            + (f", {skipped} skipped" if skipped else "")
            + (f" ({summary.close} nearly right)" if summary.close else "")
        ]
        revisit = summary.topics_to_revisit
        lines.append("Topics to revisit:" if revisit else "Nothing to revisit — well done! 🎉")
        buttons = tuple((Button(f"📚 {t.title[:45]}", f"topic:{t.id}:0"),) for t in revisit[:4])
        lines.append("Come back tomorrow and send /review for what's due.")
        return Reply(title=QUIZ_FINISHED, lines=tuple(lines), buttons=buttons)

    def _nothing_reply(self, nothing: NothingToAsk) -> Reply:
        if nothing.reason is NothingReason.NOTHING_DUE:
            when = _when(nothing.next_due_at)
            text = "Nothing is due for review yet" + (
                f" — the next question is due {when}."
                if when
                else " — you haven't answered any questions yet. Send /quiz to start."
            )
            return Reply(lines=(text,))
        return Reply(lines=("I have no quiz questions on that yet. Try /quiz or /topics.",))

    async def _stop_button(self, who: Who, session_id: int) -> list[Reply]:
        session = await self.store.get_session(session_id)
        if session is not None and session.user_id != who.user_id:
            return [Reply(notice=REJECTION_NOTICES[Rejection.FOREIGN])]
        if (
            session is None
            or session.status is not SessionStatus.ACTIVE
            or session.chat_id != who.chat_id
        ):
            return [Reply(notice=REJECTION_NOTICES[Rejection.STALE])]
        return await self.stop(who)

    async def _forget_answer(self, who: Who, confirmed: bool) -> list[Reply]:
        if not confirmed:
            return [Reply(lines=("Okay — nothing was deleted.",), edit=True)]
        await self.store.forget_user(who.user_id)
        return [Reply(lines=("Done: everything I stored about you has been deleted.",), edit=True)]

    # ----- helpers ----------------------------------------------------------------------
    def parse_quiz_argument(self, argument: str) -> tuple[Topic | None, int] | Reply:
        """`[topic] [n]` -> (topic or None, count), or a Reply explaining what is wrong.

        Shared with group rounds and group settings.
        """
        words, count_word, _ignored = split_quiz_argument(argument)
        count = 5
        if count_word is not None:
            count = int(count_word)
            if not 1 <= count <= MAX_COUNT:
                return Reply(lines=(f"A quiz can have 1 to {MAX_COUNT} questions, e.g. /quiz 10.",))
        if not words:
            return None, count
        topic = self._find_topic(" ".join(words))
        if topic is None:
            names = ", ".join(t.title for t in list(self.library.topics.values())[:6])
            return Reply(
                lines=(f"I don't know the topic “{' '.join(words)[:60]}”. Try one of: {names}…",),
                buttons=((Button("📚 Browse topics", "topics::0"),),),
            )
        return topic, count

    def _find_topic(self, text: str) -> Topic | None:
        """The topic `text` names, by its title or id, else by one of its cards."""
        if self._names is None:
            topics = self.library.topics.values()
            cards = self.library.cards.values()
            self._names = (
                NameMatcher({t.id: f"{t.title} {t.id.replace('-', ' ')}" for t in topics}),
                NameMatcher({c.id: f"{c.title} {' '.join(c.aliases)}" for c in cards}),
            )
        topic_names, card_names = self._names
        topic_id = topic_names.best(text, TOPIC_CUTOFF)
        if topic_id is not None:
            return self.library.topics[topic_id]
        card_id = card_names.best(text, CARD_CUTOFF)
        return self.library.topics.get(self.library.cards[card_id].topic_id) if card_id else None

    def _timeline_title(self) -> str:
        decks = self.library.decks
        return decks[0].title if len(decks) == 1 else "Timeline"

    async def _remember(self, who: Who) -> None:
        now = self._clock()
        await self.store.upsert_user(
            who.user_id, first_name=who.first_name, username=who.username, now=now
        )
        await self.store.upsert_chat(who.chat_id, kind=who.chat_kind, title=who.chat_title, now=now)

    async def _timezone(self, who: Who) -> ZoneInfo:
        name = await self.store.time_zone_for(who.chat_id, who.user_id)
        return ZoneInfo(name or self.default_timezone)


def _when(at: datetime | None) -> str:
    return at.strftime("on %d %b at %H:%M UTC") if at else ""
