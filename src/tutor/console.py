"""The terminal adapter: the same bot as on Telegram, typed at a prompt.

Questions and commands work as in a private chat; a reply's buttons are listed as
numbered choices, and typing the number presses the button.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from tutor.dialog import Button, Dialog, Reply
from tutor.render import reply_plain

PROMPT = "you> "
BANNER = (
    "Revision Tutor in the terminal — the same bot as on Telegram.\n"
    "Type a question, a command such as /topics or /help, a number to press a button, "
    "or /quit to leave.\n"
)


class Console:
    def __init__(
        self,
        dialog: Dialog,
        *,
        read: Callable[[str], str] = input,
        out: TextIO = sys.stdout,
        first_name: str = "",
    ) -> None:
        self.dialog = dialog
        self._read = read
        self._out = out
        self._first_name = first_name
        self._buttons: list[Button] = []

    async def run(self) -> int:
        """Reads lines until /quit or end of input."""
        self._print(BANNER)
        self.show(self.dialog.start(self._first_name))
        while True:
            try:
                line = await asyncio.to_thread(self._read, PROMPT)
            except (EOFError, KeyboardInterrupt):
                self._print("\nBye — good luck with your revision!")
                return 0
            if line.strip().lower() in ("/quit", "/exit", "quit", "exit"):
                self._print("Bye — good luck with your revision!")
                return 0
            self.show(self.handle(line))

    def handle(self, line: str) -> Reply:
        """The reply to one typed line: a button number, a command or a question."""
        text = line.strip()
        if text.isdigit() and self._buttons:
            number = int(text)
            if 1 <= number <= len(self._buttons):
                return self.press(self._buttons[number - 1])
            return Reply(lines=(f"Pick a number from 1 to {len(self._buttons)}.",))
        if text.startswith("/"):
            return self.command(text)
        return self.dialog.ask(text)

    def command(self, text: str) -> Reply:
        name, _, argument = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()
        commands: dict[str, Callable[[], Reply]] = {
            "start": lambda: self.dialog.start(self._first_name),
            "help": self.dialog.help,
            "topics": lambda: self.dialog.topics(0),
            "card": lambda: self.dialog.card_by_name(argument),
            "ask": lambda: self.dialog.ask(argument),
        }
        action = commands.get(name)
        if action is None:
            return Reply(lines=(f"I don't know /{name}. Send /help to see what I can do.",))
        return action()

    def press(self, button: Button) -> Reply:
        reply = self.dialog.press(button.data)
        if not reply.lines and reply.card is None and not reply.title:
            return Reply(lines=(reply.notice or "That button does nothing yet.",))
        return reply

    def show(self, reply: Reply) -> None:
        text = reply_plain(reply.title, reply.lines, reply.card, self.dialog.library)
        self._buttons = [button for row in reply.buttons for button in row]
        choices = "\n".join(f"  [{n}] {b.label}" for n, b in enumerate(self._buttons, start=1))
        self._print(f"\nbot> {text}" + (f"\n\n{choices}" if choices else "") + "\n")

    def _print(self, text: str) -> None:
        print(text, file=self._out, flush=True)
