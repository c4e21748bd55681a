"""A class group's settings: what teachers (group admins) change with `/settings` or its buttons.

Questions per round, time per question, how names show on leaderboards, and which topic or
deck the rounds draw from, stored as the chat's `ChatSettings`. The adapter checks that the
sender is an admin before `change` or `press`; anyone may `show`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from tutor.model import Library
from tutor.quizflow import QuizFlow, Who
from tutor.replies import Button, Reply
from tutor.store import (
    MAX_OPEN_PERIOD_SECONDS,
    MAX_QUESTIONS_PER_ROUND,
    MIN_OPEN_PERIOD_SECONDS,
    MIN_QUESTIONS_PER_ROUND,
    ChatSettings,
    NameDisplay,
    Store,
)

SETTINGS_BUTTON_PREFIX = "gs:"

QUESTION_CHOICES = (3, 5, 10)

OPEN_PERIOD_CHOICES = (15, 30, 60)

NAME_LABELS = {
    NameDisplay.FIRST: "first names",
    NameDisplay.FULL: "full names",
    NameDisplay.ANONYMOUS: "no names (anonymous class)",
}

_NAME_WORDS = {
    "first": NameDisplay.FIRST,
    "firstname": NameDisplay.FIRST,
    "full": NameDisplay.FULL,
    "fullname": NameDisplay.FULL,
    "anonymous": NameDisplay.ANONYMOUS,
    "anon": NameDisplay.ANONYMOUS,
    "hidden": NameDisplay.ANONYMOUS,
    "hide": NameDisplay.ANONYMOUS,
    "none": NameDisplay.ANONYMOUS,
}

_ANY_WORDS = frozenset({"any", "all", "none", "off", "everything"})

SETTINGS_USAGE = (
    "Admins change them with the buttons, or: /settings questions 10 · /settings open 45 · "
    "/settings names first|full|anonymous · /settings topic NAME (or any) · "
    "/settings deck NAME (or any)."
)

ADMINS_ONLY = "Sorry — only this group's admins can change its settings."


class SettingKey(StrEnum):
    QUESTIONS = "questions"
    OPEN = "open"
    NAMES = "names"
    TOPIC = "topic"
    DECK = "deck"


_KEY_WORDS = {
    "questions": SettingKey.QUESTIONS,
    "question": SettingKey.QUESTIONS,
    "count": SettingKey.QUESTIONS,
    "q": SettingKey.QUESTIONS,
    "n": SettingKey.QUESTIONS,
    "open": SettingKey.OPEN,
    "time": SettingKey.OPEN,
    "timer": SettingKey.OPEN,
    "seconds": SettingKey.OPEN,
    "o": SettingKey.OPEN,
    "names": SettingKey.NAMES,
    "name": SettingKey.NAMES,
    "topic": SettingKey.TOPIC,
    "deck": SettingKey.DECK,
}

_BUTTON_KEYS = {"q": SettingKey.QUESTIONS, "o": SettingKey.OPEN, "n": SettingKey.NAMES}

_QUESTIONS = (MIN_QUESTIONS_PER_ROUND, MAX_QUESTIONS_PER_ROUND)

_OPEN = (MIN_OPEN_PERIOD_SECONDS, MAX_OPEN_PERIOD_SECONDS)


class GroupSettings:
    """Shows and changes one group's settings; `remember` stores the admin and the group
    before a change (GroupRounds.remember)."""

    def __init__(
        self,
        library: Library,
        store: Store,
        flow: QuizFlow,
        remember: Callable[[Who], Awaitable[None]],
    ) -> None:
        self.library = library
        self.store = store
        self._flow = flow
        self._remember = remember

    async def show(self, chat_id: int, *, edit: bool = False, saved: str = "") -> Reply:
        settings = await self.store.chat_settings(chat_id)
        lines = [saved] if saved else []
        lines += [
            f"Questions per round: {settings.questions_per_round}",
            f"Time per question: {settings.open_period_seconds} seconds",
            f"Names on leaderboards: {NAME_LABELS[settings.name_display]}",
            f"Questions from: {self._source_label(settings)}",
            "Daily group quiz: admins set its time with /daily HH:MM.",
            SETTINGS_USAGE,
        ]
        return Reply(
            title="⚙️ Group settings",
            lines=tuple(lines),
            buttons=_settings_buttons(settings),
            edit=edit,
        )

    async def change(self, who: Who, argument: str) -> Reply:
        """`/settings KEY VALUE` from an admin (the adapter checks that first)."""
        key_word, _, value = argument.strip().partition(" ")
        key = _KEY_WORDS.get(key_word.lower())
        if key is None:
            return Reply(lines=(f"I don't know the setting “{key_word[:30]}”.", SETTINGS_USAGE))
        changes = self._parse_value(key, value.strip())
        if isinstance(changes, Reply):
            return changes
        await self._remember(who)
        await self.store.update_chat_settings(who.chat_id, **changes)
        return await self.show(who.chat_id, saved="✅ Saved.")

    async def press(self, who: Who, data: str) -> Reply:
        """A settings button from an admin: change the setting, edit the message in place."""
        key, _, value = data.removeprefix(SETTINGS_BUTTON_PREFIX).partition(":")
        setting = _BUTTON_KEYS.get(key)
        changes = self._parse_value(setting, value) if setting else None
        if changes is None or isinstance(changes, Reply):
            return Reply(notice="That button has expired. Send /settings again.")
        await self._remember(who)
        await self.store.update_chat_settings(who.chat_id, **changes)
        return await self.show(who.chat_id, edit=True, saved="✅ Saved.")

    def _parse_value(self, key: SettingKey, value: str) -> dict[str, Any] | Reply:
        """The `ChatSettings` change a typed value asks for, or what is wrong with it."""
        match key:
            case SettingKey.QUESTIONS:
                number = _whole_number(value)
                if not MIN_QUESTIONS_PER_ROUND <= number <= MAX_QUESTIONS_PER_ROUND:
                    return Reply(lines=(_range_text("Questions per round", "", *_QUESTIONS),))
                return {"questions_per_round": number}
            case SettingKey.OPEN:
                number = _whole_number(value.lower().removesuffix("s").strip())
                if not MIN_OPEN_PERIOD_SECONDS <= number <= MAX_OPEN_PERIOD_SECONDS:
                    return Reply(lines=(_range_text("Time per question", " seconds", *_OPEN),))
                return {"open_period_seconds": number}
            case SettingKey.NAMES:
                display = _NAME_WORDS.get(value.lower())
                if display is None:
                    return Reply(lines=("Names can be: first, full or anonymous.",))
                return {"name_display": display}
            case SettingKey.TOPIC:
                return self._topic_change(value)
            case SettingKey.DECK:
                return self._deck_change(value)

    def _topic_change(self, value: str) -> dict[str, Any] | Reply:
        if value.lower() in _ANY_WORDS:
            return {"topic_id": None}
        if not value:
            return Reply(lines=("Usage: /settings topic NAME, or /settings topic any.",))
        parsed = self._flow.parse_quiz_argument(value)
        if isinstance(parsed, Reply):
            return parsed
        topic = parsed[0]
        if topic is None:
            return Reply(lines=("Usage: /settings topic NAME, or /settings topic any.",))
        return {"topic_id": topic.id, "deck_id": topic.deck_id}

    def _deck_change(self, value: str) -> dict[str, Any] | Reply:
        if value.lower() in _ANY_WORDS:
            return {"deck_id": None}
        wanted = value.lower()
        deck = next(
            (d for d in self.library.decks if wanted in (d.id.lower(), d.title.lower())), None
        ) or next((d for d in self.library.decks if wanted and wanted in d.title.lower()), None)
        if deck is None:
            names = ", ".join(d.id for d in self.library.decks)
            return Reply(lines=(f"I don't know the deck “{value[:40]}”. Decks: {names}.",))
        return {"deck_id": deck.id, "topic_id": None}

    def deck_title(self, deck_id: str | None) -> str:
        deck = next((d for d in self.library.decks if d.id == deck_id), None)
        return deck.title if deck else ""

    def _source_label(self, settings: ChatSettings) -> str:
        topic = self.library.topics.get(settings.topic_id or "")
        if topic is not None:
            return f"the topic “{topic.title}”"
        deck_title = self.deck_title(settings.deck_id)
        return f"the deck “{deck_title}”" if deck_title else "every topic"


def _settings_buttons(settings: ChatSettings) -> tuple[tuple[Button, ...], ...]:
    def mark(label: str, chosen: bool) -> str:
        return f"✓ {label}" if chosen else label

    questions = tuple(
        Button(mark(f"{n} questions", n == settings.questions_per_round), f"gs:q:{n}")
        for n in QUESTION_CHOICES
    )
    periods = tuple(
        Button(mark(f"{n} s", n == settings.open_period_seconds), f"gs:o:{n}")
        for n in OPEN_PERIOD_CHOICES
    )
    names = tuple(
        Button(mark(label, display is settings.name_display), f"gs:n:{display.value}")
        for display, label in (
            (NameDisplay.FIRST, "First names"),
            (NameDisplay.FULL, "Full names"),
            (NameDisplay.ANONYMOUS, "No names"),
        )
    )
    return (questions, periods, names)


def _range_text(name: str, unit: str, low: int, high: int) -> str:
    return f"{name} can be {low} to {high}{unit}."


def _whole_number(text: str) -> int:
    """`text` as a small whole number, or -1."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else -1
