"""The one table of commands, and where each works.

Every adapter declares where it runs (`Place`): the terminal, a Telegram private chat or
a Telegram group. `/help`, Telegram's command menus and the reply to an unknown command
are all derived from this table, so an adapter never lists what it cannot do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

SUGGEST_CUTOFF = 60.0
"""How close (rapidfuzz ratio, 0–100) a typed command must be to one we know to be
suggested: "/quizz" → /quiz (89), "/foo" → nothing."""
MAX_COMMAND_CHARS = 32


class Place(StrEnum):
    CONSOLE = "console"
    PRIVATE = "private"
    GROUP = "group"


ALL = frozenset(Place)
TELEGRAM = frozenset({Place.PRIVATE, Place.GROUP})
ONE_TO_ONE = frozenset({Place.CONSOLE, Place.PRIVATE})


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    usage: str
    """What follows the command, e.g. "[topic] [n]" (empty: nothing)."""
    summary: str
    """One line for /help and Telegram's command menu."""
    where: frozenset[Place]
    group_summary: str = ""
    """The summary in a group, where the command does something else."""

    def summary_in(self, place: Place) -> str:
        return self.group_summary if place is Place.GROUP and self.group_summary else self.summary

    def line(self, place: Place) -> str:
        """The /help line: "/quiz [topic] [n] — a short quiz"."""
        usage = f" {self.usage}" if self.usage else ""
        return f"/{self.name}{usage} — {self.summary_in(place)}"

    def menu_text(self, place: Place) -> str:
        """Telegram's command menu entry: "A short quiz: /quiz [topic] [n]"."""
        summary = self.summary_in(place)
        text = summary[:1].upper() + summary[1:]
        return f"{text}: /{self.name} {self.usage}" if self.usage else text


COMMANDS: tuple[Command, ...] = (
    Command("start", "", "welcome and examples", ONE_TO_ONE),
    Command("topics", "", "browse every topic and card", ALL),
    Command("card", "WORDS", "open a card by a few words of its title", ALL),
    Command("ask", "QUESTION", "the note card that answers a question", ALL),
    Command("deck", "[name|any]", "which deck I match your questions in", ONE_TO_ONE),
    Command(
        "quiz",
        "[topic] [n]",
        "a short quiz",
        ALL,
        group_summary="a quiz round of polls for everyone",
    ),
    Command("review", "", "questions you're due to revise", ONE_TO_ONE),
    Command(
        "stop", "", "end the quiz and see your score", ALL, group_summary="end the round (admins)"
    ),
    Command(
        "exam",
        "DATE [topics]",
        "an exam countdown that plans your revision (/exam off to stop)",
        ALL,
        group_summary="the class exam countdown (admins set it)",
    ),
    Command("stats", "", "your progress", ONE_TO_ONE),
    Command("timeline", "[from] [to]", "a timeline picture", ALL),
    Command(
        "daily",
        "HH:MM",
        "a daily quiz at your time (/daily off to stop)",
        TELEGRAM,
        group_summary="the group's daily quiz (admins set it)",
    ),
    Command(
        "timezone",
        "Area/City",
        "your time zone",
        TELEGRAM,
        group_summary="the group's time zone (admins set it)",
    ),
    Command("leaderboard", "", "this week's scores and all time", frozenset({Place.GROUP})),
    Command("settings", "", "quiz round settings (admins change them)", frozenset({Place.GROUP})),
    Command("report", "", "the class report for teachers (admins)", frozenset({Place.GROUP})),
    Command(
        "dashboard",
        "",
        "your classes' dashboard (for teachers)",
        ALL,
        group_summary="the class dashboard for teachers (admins)",
    ),
    Command("forget", "", "delete everything I store about you", ONE_TO_ONE),
    Command("help", "", "what I can do", ALL),
    Command("quit", "", "leave", frozenset({Place.CONSOLE})),
)
BY_NAME = {command.name: command for command in COMMANDS}


def commands_for(place: Place) -> tuple[Command, ...]:
    """The commands that work in `place`, in table order."""
    return tuple(command for command in COMMANDS if place in command.where)


def is_known(name: str, place: Place) -> bool:
    command = BY_NAME.get(name)
    return command is not None and place in command.where


def unknown_command_text(name: str, place: Place) -> str:
    """What to say to `/name`, which does not work in `place`."""
    shown = f"/{name[:MAX_COMMAND_CHARS]}"
    command = BY_NAME.get(name)
    if command is not None:
        if command.where == {Place.GROUP}:
            return f"{shown} works in a class group — add me to your class's group to use it."
        if place is Place.CONSOLE:
            return f"{shown} works on Telegram, not in the terminal."
        return f"{shown} doesn't work here. Send /help to see what I can do."
    names = [command.name for command in commands_for(place)]
    best = process.extractOne(name.lower(), names, scorer=fuzz.ratio, score_cutoff=SUGGEST_CUTOFF)
    if best is not None:
        return f"I don't know {shown} — did you mean /{best[0]}?"
    return f"I don't know {shown}. Send /help to see what I can do."
