"""What the bot says, as values every adapter shows: a `Reply` (title, lines, a card,
buttons) and its `Button`s, with the helpers that build buttons within Telegram's limits.

`tutor.dialog` and the other conversation rules (quizzes, groups, the daily push, the gap
log) return these; the Telegram adapter renders a `Reply` as an HTML message with an
inline keyboard, the terminal prints it with the buttons as numbered choices.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from tutor.model import Card

PAGE_SIZE = 8
CALLBACK_LIMIT_BYTES = 64
CHOICE_DATA = re.compile(r"^pick:([a-z0-9-]{1,50})(?::(\d{1,18}))?$")
"""A "Which did you mean?" choice or a closest note:
pick:<card id>[:<gap-log row id of the question>]."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A message: an optional bold title, plain paragraphs, an optional card, buttons.

    `notice` is a short pop-up for a button press (Telegram's answerCallbackQuery).
    `edit` says the reply should replace the message whose button was pressed.
    `photo` is a PNG to send (with the title and lines as its caption); the terminal
    writes it to `photo_name` in the data folder instead.
    """

    title: str = ""
    lines: tuple[str, ...] = ()
    card: Card | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    notice: str = ""
    edit: bool = False
    photo: bytes | None = None
    photo_name: str = ""
    choices: tuple[Card, ...] = ()
    """The cards of a "Which did you mean?" (its buttons are their `pick:` buttons)."""


STALE_BUTTON = Reply(notice="That button has expired. Send /topics to browse again.")


def button(label: str, action: str, key: str = "", page: int | None = None) -> Button:
    data = f"{action}:{key}" + (f":{page}" if page is not None else "")
    if len(data.encode()) > CALLBACK_LIMIT_BYTES:
        raise ValueError(f"callback data over {CALLBACK_LIMIT_BYTES} bytes: {data!r}")
    return Button(label, data)


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def choice_button(card: Card, deck_title: str = "") -> Button:
    """A chooser's button for `card` (the gap log adds the question's row id to it)."""
    return button(card_label(card, deck_title, 56), "pick", card.id)


def card_label(card: Card, deck_title: str = "", limit: int = 40) -> str:
    """A button's name for a card: its title, shortened, and its deck's when given."""
    return short(card.title, limit) + (f" · {short(deck_title, 24)}" if deck_title else "")


def page_of(items: Sequence[T], page: int) -> tuple[int, int, Sequence[T]]:
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(0, page), pages - 1)
    return page, pages, items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]


def pager(action: str, key: str, page: int, pages: int) -> list[tuple[Button, ...]]:
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(button("◀️ Previous", action, key, page - 1))
    if page < pages - 1:
        row.append(button("Next ▶️", action, key, page + 1))
    return [tuple(row)]
