"""The terminal adapter: the same bot as on Telegram, typed at a prompt.

Questions and commands work as in a private chat; a reply's buttons are listed as
numbered choices (numbered on across the replies to one line), and typing the number
presses the button. Only the numbers just shown are buttons: any other number is a
question ("1927"). A notice or a picture leaves the earlier buttons pressable, as on
Telegram. While a quiz question waits, any other command or question is answered and
the question shown again, so the quiz is never stranded. Pictures (/stats, /timeline)
are written to the data folder and their path printed. A "Which did you mean?" lists
its cards as numbered choices under the same rule: typing a number opens that card
while the chooser is the last reply. `/deck` chooses the deck questions are matched in
(kept in the database, like a Telegram student's).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TextIO

from tutor.commands import Place
from tutor.deckchoice import DeckChoice
from tutor.dialog import Dialog
from tutor.gaps import GapLog, press_choice, press_feedback, with_feedback
from tutor.quizflow import QuizFlow, Who
from tutor.render import reply_plain
from tutor.replies import CHOICE_DATA, Button, Reply

PROMPT = "you> "
BANNER = (
    "Revision Tutor in the terminal — the same bot as on Telegram.\n"
    "Type a question, a command such as /topics, /quiz or /help, a number to press a "
    "button, or /quit to leave.\n"
)
GOODBYE = "Bye — good luck with your revision!"
CONSOLE_USER = Who(user_id=1, chat_id=1, first_name="")


class Console:
    def __init__(
        self,
        dialog: Dialog,
        quiz: QuizFlow | None = None,
        *,
        data_dir: Path = Path("data"),
        read: Callable[[str], str] = input,
        out: TextIO = sys.stdout,
        who: Who = CONSOLE_USER,
        dashboard_link: Callable[[], Awaitable[str]] | None = None,
        gaps: GapLog | None = None,
        decks: DeckChoice | None = None,
    ) -> None:
        self.dialog = dialog
        self.quiz = quiz
        self._data_dir = data_dir
        self._read = read
        self._out = out
        self._who = who
        self._buttons: list[Button] = []
        self._dashboard_link = dashboard_link
        self._gaps = gaps
        self._decks = decks

    async def run(self) -> int:
        """Reads lines until /quit or end of input."""
        self._print(BANNER)
        self.show_all([self.dialog.start(self._who.first_name)])
        while True:
            try:
                line = await asyncio.to_thread(self._read, PROMPT)
            except (EOFError, KeyboardInterrupt):
                self._print("\n" + GOODBYE)
                return 0
            if line.strip().lower() in ("/quit", "/exit", "quit", "exit"):
                self._print(GOODBYE)
                return 0
            self.show_all(await self.handle(line))

    async def handle(self, line: str) -> list[Reply]:
        """The replies to one typed line: a button number, a command or a question."""
        text = line.strip()
        if not text:
            return []
        if text.isascii() and text.isdigit() and 1 <= int(text) <= len(self._buttons):
            return await self._keep_quiz_in_view(await self.press(self._buttons[int(text) - 1]))
        if text.startswith("/"):
            return await self._keep_quiz_in_view(await self.command(text))
        if self.quiz is not None:
            ask = partial(self.dialog.ask, deck_id=await self._scope())
            replies = await self.quiz.on_text(self._who, text, ask)
            if replies is not None:
                return replies
        return [await self._ask(text)]

    async def _scope(self) -> str | None:
        """The deck this terminal's questions are matched in (None: every deck)."""
        return await self._decks.scope(self._who.chat_id) if self._decks is not None else None

    async def _ask(self, question: str) -> Reply:
        """The card for a question; with a gap log, logged and given the 👍 / 👎 pair."""
        reply = self.dialog.ask(question, deck_id=await self._scope())
        if self._gaps is None:
            return reply
        return await with_feedback(
            self._gaps, question, reply, self.dialog.index, self.dialog.library
        )

    async def _keep_quiz_in_view(self, replies: list[Reply]) -> list[Reply]:
        """The replies, then the waiting quiz question again if they moved away from it."""
        if self.quiz is None or self.quiz.shows_question(replies):
            return replies
        reminder = await self.quiz.reminder(self._who)
        return [*replies, reminder] if reminder is not None else replies

    async def command(self, text: str) -> list[Reply]:
        name, _, argument = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()
        simple: dict[str, Callable[[], Reply]] = {
            "start": lambda: self.dialog.start(self._who.first_name),
            "help": lambda: self.dialog.help(Place.CONSOLE),
            "topics": lambda: self.dialog.topics(0),
        }
        if name in simple:
            return [simple[name]()]
        if name == "card":
            return [self.dialog.card_by_name(argument, deck_id=await self._scope())]
        if name == "ask":
            return [await self._ask(argument)]
        if name == "deck":
            return [await self._deck(argument)]
        if name == "dashboard":
            return [await self._dashboard()]
        quiz_commands = self._quiz_commands(argument)
        if name in quiz_commands:
            return await quiz_commands[name]()
        return [self.dialog.unknown_command(name, Place.CONSOLE)]

    async def _deck(self, argument: str) -> Reply:
        if self._decks is None:
            return Reply(lines=("Choosing a deck needs the database; it is not open.",))
        return await self._decks.command(self._who, argument)

    async def _dashboard(self) -> Reply:
        """A one-time local link to the teachers' dashboard (the page a Mini App shows)."""
        if self._dashboard_link is None:
            return Reply(lines=("The dashboard needs the quiz database; it is not open.",))
        try:
            link = await self._dashboard_link()
        except OSError as error:
            return Reply(lines=(f"Could not start the dashboard: {error}.",))
        return Reply(
            title="Class dashboard",
            lines=(
                "Open this link in a browser on this computer (it works once, for 10 minutes):",
                link,
            ),
        )

    def _quiz_commands(self, argument: str) -> dict[str, Callable[[], Awaitable[list[Reply]]]]:
        quiz, who = self.quiz, self._who
        if quiz is None:
            return {}

        async def forget() -> list[Reply]:
            return quiz.forget(who)

        async def exam() -> list[Reply]:
            return [await quiz.exams.exam(who, argument, may_change=True)]

        return {
            "quiz": lambda: quiz.quiz(who, argument),
            "review": lambda: quiz.review(who),
            "stop": lambda: quiz.stop(who),
            "stats": lambda: quiz.stats(who),
            "timeline": lambda: quiz.timeline(argument),
            "forget": forget,
            "exam": exam,
        }

    async def press(self, button: Button) -> list[Reply]:
        if self._gaps is not None and button.data.startswith("fb:"):
            _recorded, notice = await press_feedback(self._gaps, button.data)
            return [Reply(notice=notice)]
        if CHOICE_DATA.match(button.data):
            return [await press_choice(self._gaps, self.dialog, button.data)]
        if self._decks is not None and self._decks.owns_button(button.data):
            return [await self._decks.press(self._who, button.data)]
        if self.quiz is not None and self.quiz.owns_button(button.data):
            return await self.quiz.press(self._who, button.data)
        return [self.dialog.press(button.data)]

    def show(self, reply: Reply) -> None:
        self.show_all([reply])

    def show_all(self, replies: Sequence[Reply]) -> None:
        """Prints the replies to one line, their buttons numbered on across all of them."""
        if not all(_is_notice_only(reply) or reply.photo is not None for reply in replies):
            self._buttons = []
        for reply in replies:
            first = len(self._buttons) + 1
            self._buttons += [button for row in reply.buttons for button in row]
            choices = "\n".join(
                f"  [{n}] {b.label}" for n, b in enumerate(self._buttons[first - 1 :], start=first)
            )
            self._print(
                f"\nbot> {self._text(reply)}" + (f"\n\n{choices}" if choices else "") + "\n"
            )

    def _text(self, reply: Reply) -> str:
        if _is_notice_only(reply):
            return reply.notice or "That button does nothing now."
        text = reply_plain(reply.title, reply.lines, reply.card, self.dialog.library)
        if reply.photo is not None:
            path = self._save_picture(reply)
            text = (text + "\n\n" if text else "") + f"🖼  Picture saved to {path}"
        return text

    def _save_picture(self, reply: Reply) -> Path:
        self._data_dir.mkdir(parents=True, exist_ok=True)
        path = self._data_dir / (reply.photo_name or "picture.png")
        path.write_bytes(reply.photo or b"")
        return path.resolve()

    def _print(self, text: str) -> None:
        print(text, file=self._out, flush=True)


def _is_notice_only(reply: Reply) -> bool:
    return not reply.lines and reply.card is None and not reply.title and reply.photo is None
