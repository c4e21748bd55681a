"""What the bot says: every reply, written once and shown by each adapter.

The Telegram adapter turns a `Reply` into an HTML message with an inline keyboard; the
terminal adapter prints it with the buttons as numbered choices. Button presses come
back as `Button.data` strings (Telegram callback data: card ids only, at most 64 bytes),
which `Dialog.press` validates, so a forged or stale button gets a short notice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from rapidfuzz import fuzz, process, utils

from tutor.model import Card, Library, Topic
from tutor.search import Answer, SearchIndex, answer

PAGE_SIZE = 8
MAX_QUESTION_CHARS = 300
CALLBACK_LIMIT_BYTES = 64
CARD_NAME_CUTOFF = 75.0

T = TypeVar("T")
_CALLBACK = re.compile(r"^(card|topics|topic|quiz|deck):([a-z0-9-]{0,50})(?::(\d{1,3}))?$")


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


STALE_BUTTON = Reply(notice="That button has expired. Send /topics to browse again.")


def _button(label: str, action: str, key: str = "", page: int | None = None) -> Button:
    data = f"{action}:{key}" + (f":{page}" if page is not None else "")
    if len(data.encode()) > CALLBACK_LIMIT_BYTES:
        raise ValueError(f"callback data over {CALLBACK_LIMIT_BYTES} bytes: {data!r}")
    return Button(label, data)


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Dialog:
    """The conversation rules shared by the Telegram bot and the terminal."""

    def __init__(self, library: Library, index: SearchIndex | None = None) -> None:
        self.library = library
        self.index = index or SearchIndex(library.cards.values(), library.topics)
        self._titles = {card.id: card.title for card in library.cards.values()}

    # ----- commands -----------------------------------------------------------------
    def start(self, first_name: str = "") -> Reply:
        greeting = f"Hi {first_name}!" if first_name else "Hi!"
        decks = ", ".join(deck.title for deck in self.library.decks)
        examples = [f"• {example}" for example in self._examples()]
        return Reply(
            title=f"{greeting} I'm your revision tutor.",
            lines=(
                f"I have note cards on: {decks}.",
                "Type a question the way you'd ask a friend — typos are fine. For example:",
                "\n".join(examples),
                "Or browse with /topics, test yourself with /quiz, and see /help for the rest.",
            ),
            buttons=((_button("📚 Browse topics", "topics", page=0),),),
        )

    def help(self) -> Reply:
        return Reply(
            title="How to use me",
            lines=(
                "Just type a question, e.g. the name of an event or a person — I reply with "
                "the note card that answers it.",
                "/topics — browse every topic and card\n"
                "/card NAME — open a card by its title\n"
                "/quiz [topic] [n] — a short quiz\n"
                "/review — questions you're due to revise\n"
                "/exam DATE [topics] — an exam countdown that plans your revision\n"
                "/stats — your progress\n"
                "/timeline [from] [to] — a timeline picture\n"
                "/daily HH:MM — a daily quiz at your time (/timezone to set yours)\n"
                "/forget — delete everything I store about you",
                "In a group: /ask QUESTION, /quiz for a class round of quiz polls, "
                "/leaderboard; teachers (group admins) have /settings, /report, /daily and /exam. "
                "In any chat, type my @username and a few words to share a card.",
            ),
        )

    def ask(self, question: str) -> Reply:
        question = question.strip()[:MAX_QUESTION_CHARS]
        if not question:
            return Reply(lines=("Send me a question, e.g. the name of an event or a person.",))
        return self.answer_reply(answer(self.index, question))

    def answer_reply(self, result: Answer) -> Reply:
        if result.best is None:
            return Reply(
                lines=("Sorry — I don't have a note on that. Try other words, or pick a topic:",),
                buttons=tuple(
                    (_button(short(topic.title), "topic", topic.id, 0),)
                    for topic in result.suggested_topics
                ),
            )
        others = [hit.card for hit in result.alternatives]
        return self.card_reply(result.best.card, did_you_mean=others)

    def card_reply(
        self, card: Card, *, did_you_mean: Sequence[Card] = (), edit: bool = False
    ) -> Reply:
        rows: list[tuple[Button, ...]] = []
        if self.library.questions_for_card(card.id) or self._topic_has_questions(card.topic_id):
            rows.append((_button("🧠 Quiz me on this", "quiz", card.id),))
        shown = list(dict.fromkeys([*did_you_mean, *self._related(card)]))
        for other in [c for c in shown if c.id != card.id][:3]:
            prefix = "❓ " if other in did_you_mean else "➡️ "
            rows.append((_button(prefix + short(other.title), "card", other.id),))
        return Reply(card=card, buttons=tuple(rows), edit=edit)

    def card_by_name(self, name: str) -> Reply:
        name = name.strip()[:MAX_QUESTION_CHARS]
        if not name:
            return Reply(
                lines=(
                    "Usage: /card NAME — for example /card "
                    + next(iter(self._titles.values()), "…").lower(),
                )
            )
        best = process.extractOne(
            name,
            self._titles,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            score_cutoff=CARD_NAME_CUTOFF,
        )
        if best is not None:
            return self.card_reply(self.library.cards[best[2]])
        return self.ask(name)

    def topics(self, page: int = 0, *, edit: bool = False) -> Reply:
        topics = list(self.library.topics.values())
        page, pages, shown = _page(topics, page)
        rows = [(_button(short(t.title), "topic", t.id, 0),) for t in shown]
        rows += _pager("topics", "", page, pages)
        return Reply(
            title="Topics",
            lines=(f"Page {page + 1} of {pages}. Pick a topic:" if pages > 1 else "Pick a topic:",),
            buttons=tuple(rows),
            edit=edit,
        )

    def topic(self, topic: Topic, page: int = 0, *, edit: bool = False) -> Reply:
        cards = self.library.cards_in_topic(topic.id)
        page, pages, shown = _page(cards, page)
        rows = [(_button(short(card.title), "card", card.id),) for card in shown]
        rows += _pager("topic", topic.id, page, pages)
        rows.append((_button("⬅️ All topics", "topics", page=0),))
        lines = (topic.summary,) if topic.summary else ()
        if pages > 1:
            lines += (f"Page {page + 1} of {pages}.",)
        return Reply(title=topic.title, lines=lines, buttons=tuple(rows), edit=edit)

    # ----- buttons ------------------------------------------------------------------
    def parse_button(self, data: str | None) -> tuple[str, str, int] | None:
        """(action, key, page) for valid button data naming something that exists."""
        match = _CALLBACK.match(data or "")
        if match is None:
            return None
        action, key, page = match.group(1), match.group(2), int(match.group(3) or 0)
        exists = {
            "card": key in self.library.cards,
            "quiz": key in self.library.cards,
            "topic": key in self.library.topics,
            "topics": True,
            "deck": any(deck.id == key for deck in self.library.decks),
        }[action]
        return (action, key, page) if exists else None

    def press(self, data: str | None) -> Reply:
        """The reply to a pressed browsing button; quiz buttons are the quiz flow's."""
        parsed = self.parse_button(data)
        if parsed is None:
            return STALE_BUTTON
        action, key, page = parsed
        if action == "card":
            return self.card_reply(self.library.cards[key])
        if action == "topic":
            return self.topic(self.library.topics[key], page, edit=True)
        if action == "topics":
            return self.topics(page, edit=True)
        return STALE_BUTTON

    # ----- helpers ------------------------------------------------------------------
    def _related(self, card: Card) -> list[Card]:
        return [self.library.cards[i] for i in card.related if i in self.library.cards]

    def _topic_has_questions(self, topic_id: str) -> bool:
        return any(
            self.library.cards[q.card_id].topic_id == topic_id
            for q in self.library.questions.values()
            if q.card_id in self.library.cards
        )

    def _examples(self) -> list[str]:
        """The decks' example questions, else the titles of the first cards of topics."""
        written = [example for deck in self.library.decks for example in deck.examples]
        if written:
            return written[:4]
        firsts = [self.library.cards_in_topic(topic_id) for topic_id in self.library.topics]
        return [cards[0].title.lower() for cards in firsts if cards][:3]


def _page(items: Sequence[T], page: int) -> tuple[int, int, Sequence[T]]:
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(0, page), pages - 1)
    return page, pages, items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]


def _pager(action: str, key: str, page: int, pages: int) -> list[tuple[Button, ...]]:
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(_button("◀️ Previous", action, key, page - 1))
    if page < pages - 1:
        row.append(_button("Next ▶️", action, key, page + 1))
    return [tuple(row)]
