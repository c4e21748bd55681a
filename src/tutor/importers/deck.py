"""Imported notes to a deck: ids, topics, quiz questions, all within `tutor check`'s limits.

Ids are slugs of the term prefixed with the deck id, so re-importing the same file gives
the same ids (students keep their progress) and two imported decks never clash. Each
card gets a multiple-choice question (its definition among other cards' definitions
from the same topic, or from the whole deck when the topic is small) and a typed
question asking for the term; cloze notes get a typed question per deletion instead.
Text longer than a limit is cut at a word with an ellipsis and reported, never dropped.
"""

from __future__ import annotations

import random
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tutor.content.fields import (
    BODY_LIMIT,
    EXPLANATION_LIMIT,
    OPTION_LIMIT,
    PROMPT_LIMIT,
    TITLE_LIMIT,
)
from tutor.importers.notes import Note

SLUG_WORDS_LIMIT = 48
DISTRACTORS = 3
SOURCE_ID = "import"
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_PARENTHESES = re.compile(r"\s*\([^)]*\)\s*")


@dataclass
class DeckDraft:
    """The deck as YAML-ready data, and what was changed on the way."""

    data: dict[str, Any]
    merged: list[str] = field(default_factory=list)
    shortened: list[str] = field(default_factory=list)
    skipped_questions: list[str] = field(default_factory=list)

    @property
    def counts(self) -> tuple[int, int, int]:
        return len(self.data["topics"]), len(self.data["cards"]), len(self.data["questions"])


def slugify(text: str, limit: int = SLUG_WORDS_LIMIT) -> str:
    """'Lenin’s Testament (1922)' -> 'lenins-testament-1922'; accents folded to ASCII."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_SLUG.sub("-", ascii_text.lower().replace("'", "").replace("’", "")).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug


def shorten(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else cut at a word and ended with '…'."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    at_space = cut.rsplit(None, 1)[0] if " " in cut.strip() else cut
    if len(at_space) < limit // 2:  # one huge word: cut inside it
        at_space = cut
    return at_space.rstrip(" ,;:.-–") + "…"


def merge_duplicates(notes: Iterable[Note], name: str) -> tuple[list[Note], list[str]]:
    """One note per term (ignoring case and spacing); different definitions are joined."""
    kept: dict[str, Note] = {}
    messages: list[str] = []
    for note in notes:
        key = " ".join(note.term.split()).casefold()
        first = kept.get(key)
        if first is None:
            kept[key] = note
            continue
        definition = _merged_definition(first.definition, note.definition)
        kept[key] = Note(
            first.term,
            definition,
            first.where,
            first.topic or note.topic,
            first.clozes + note.clozes,
        )
        how = "definitions merged" if definition != first.definition else "kept the first"
        messages.append(
            f"{name}: {note.where}: duplicate term '{shorten(note.term, 40)}' "
            f"(first at {first.where}): {how}"
        )
    return list(kept.values()), messages


def _merged_definition(first: str, second: str) -> str:
    """Both definitions, unless one already says all the other does."""
    folded_first, folded_second = (" ".join(text.split()).casefold() for text in (first, second))
    if folded_second in folded_first:
        return first
    if folded_first in folded_second:
        return second
    return f"{first}\n{second}"


class _Builder:
    def __init__(self, deck_id: str, draft: DeckDraft) -> None:
        self.deck_id = deck_id
        self.draft = draft
        self.used_ids: set[str] = set()

    def fit(self, text: str, limit: int, what: str) -> str:
        short = shorten(text, limit)
        if short != text:
            self.draft.shortened.append(f"{what} ({len(text)} → {limit} characters)")
        return short

    def unique_id(self, base: str, fallback: str) -> str:
        stem = f"{self.deck_id}-{base}" if base else f"{self.deck_id}-{fallback}"
        ident, number = stem, 2
        while ident in self.used_ids:
            ident, number = f"{stem}-{number}", number + 1
        self.used_ids.add(ident)
        return ident


def build_deck(
    notes: list[Note], *, deck_id: str, title: str, subject: str, source: str
) -> DeckDraft:
    """The deck for `notes` (already merged), as data ready for `yaml.safe_dump`."""
    draft = DeckDraft(data={})
    builder = _Builder(deck_id, draft)
    topic_ids = _topic_ids(notes, deck_id, title)
    cards: list[dict[str, Any]] = []
    for number, note in enumerate(notes, start=1):
        card_id = builder.unique_id(slugify(note.term), f"card-{number}")
        cards.append(
            {
                "id": card_id,
                "title": builder.fit(note.term, TITLE_LIMIT, f"{note.where}: title"),
                "topic": topic_ids[note.topic],
                "body": builder.fit(note.definition, BODY_LIMIT, f"{note.where}: body"),
                "source": [SOURCE_ID],
            }
        )
    questions = _questions(notes, cards, builder)
    draft.data = {
        "deck": {
            "id": deck_id,
            "title": title,
            "subject": subject,
            "description": f"Imported from {source} with `tutor import`.",
            "sources": {SOURCE_ID: f"Imported from {source}"},
        },
        "topics": [{"id": ident, "title": topic or title} for topic, ident in topic_ids.items()],
        "cards": cards,
        "questions": questions,
    }
    return draft


def _topic_ids(notes: list[Note], deck_id: str, title: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    for note in notes:
        if note.topic not in ids:
            base = slugify(note.topic) or "general"
            ident, number = f"{deck_id}-topic-{base}", 2
            while ident in ids.values():
                ident, number = f"{deck_id}-topic-{base}-{number}", number + 1
            ids[note.topic] = ident
    return ids


def _questions(
    notes: list[Note], cards: list[dict[str, Any]], builder: _Builder
) -> list[dict[str, Any]]:
    by_topic: dict[str, list[int]] = {}
    for index, card in enumerate(cards):
        by_topic.setdefault(card["topic"], []).append(index)
    questions: list[dict[str, Any]] = []
    for index, (note, card) in enumerate(zip(notes, cards, strict=True)):
        neighbours = by_topic[card["topic"]]
        if note.clozes:
            choice = _cloze_choice(index, notes, cards, neighbours, builder)
            others = _cloze_questions(note, card, builder)
        else:
            choice = _definition_choice(index, notes, cards, neighbours, builder)
            others = [_typed_question(note, card, builder)]
        if choice is None:
            builder.draft.skipped_questions.append(
                f"{note.where}: no multiple-choice question (no other card to mix in)"
            )
        else:
            questions.append(choice)
        questions.extend(others)
    return questions


def _definition_choice(
    index: int,
    notes: list[Note],
    cards: list[dict[str, Any]],
    neighbours: list[int],
    builder: _Builder,
) -> dict[str, Any] | None:
    note, card = notes[index], cards[index]
    answer = builder.fit(_one_line(note.definition), OPTION_LIMIT, f"{note.where}: quiz option")
    plain = [i for i, other in enumerate(notes) if not other.clozes]
    pools = _pools(index, plain, neighbours, lambda i: _one_line(notes[i].definition))
    options = _options(answer, pools, card["id"])
    if options is None:
        return None
    term = shorten(_one_line(note.term), PROMPT_LIMIT - 40)
    prompt = term if term.endswith("?") else f"Which of these describes “{term}”?"
    return {
        "id": f"q-{card['id']}-choice",
        "card": card["id"],
        "kind": "choice",
        "prompt": prompt,
        "options": options,
        "answer": answer,
        "explanation": _explanation(note.term, note.definition),
    }


def _pools(
    index: int, eligible: list[int], neighbours: list[int], text: Callable[[int], str]
) -> list[list[str]]:
    """Distractor texts from the same topic, then (if too few) from the rest of the deck."""
    same_topic = set(neighbours)
    near = [text(i) for i in eligible if i != index and i in same_topic]
    if len(near) >= DISTRACTORS:
        return [near]
    return [near, [text(i) for i in eligible if i != index and i not in same_topic]]


def _options(answer: str, pools: list[list[str]], seed_text: str) -> list[str] | None:
    """The answer and up to DISTRACTORS distinct others, in a stable shuffled order.

    `pools` are tried in order (the same topic, then the whole deck), each shuffled.
    """
    rng = random.Random(zlib.crc32(seed_text.encode()))
    seen = {answer.casefold()}
    distractors: list[str] = []
    for pool in pools:
        candidates = [shorten(text, OPTION_LIMIT) for text in pool]
        rng.shuffle(candidates)
        for text in candidates:
            if text.casefold() not in seen and len(distractors) < DISTRACTORS:
                seen.add(text.casefold())
                distractors.append(text)
    if not distractors:
        return None
    options = [answer, *distractors]
    rng.shuffle(options)
    return options


def _typed_question(note: Note, card: dict[str, Any], builder: _Builder) -> dict[str, Any]:
    lead = "Which term is this?\n"
    definition = builder.fit(
        _one_line(note.definition), PROMPT_LIMIT - len(lead), f"{note.where}: typed prompt"
    )
    term = _one_line(note.term)
    answers = [term]
    if (bare := _PARENTHESES.sub(" ", term).strip()) and bare != term:
        answers.append(bare)
    return {
        "id": f"q-{card['id']}-typed",
        "card": card["id"],
        "kind": "typed",
        "prompt": lead + definition,
        "answers": answers,
        "explanation": _explanation(note.term, note.definition),
    }


def _cloze_questions(note: Note, card: dict[str, Any], builder: _Builder) -> list[dict[str, Any]]:
    questions = []
    lead = "Fill in the gap:\n"
    for number, cloze in enumerate(note.clozes, start=1):
        prompt = builder.fit(
            _one_line(cloze.prompt), PROMPT_LIMIT - len(lead), f"{note.where}: cloze prompt"
        )
        questions.append(
            {
                "id": f"q-{card['id']}-cloze-{number}",
                "card": card["id"],
                "kind": "typed",
                "prompt": lead + prompt,
                "answers": [cloze.answer],
                "explanation": shorten(_one_line(note.term), EXPLANATION_LIMIT),
            }
        )
    return questions


def _cloze_choice(
    index: int,
    notes: list[Note],
    cards: list[dict[str, Any]],
    neighbours: list[int],
    builder: _Builder,
) -> dict[str, Any] | None:
    """The first deletion as a multiple choice among other cloze notes' answers."""
    note, card = notes[index], cards[index]
    if not note.clozes:
        return None
    first = note.clozes[0]
    answer = builder.fit(_one_line(first.answer), OPTION_LIMIT, f"{note.where}: quiz option")
    cloze = [i for i, other in enumerate(notes) if other.clozes]
    pools = _pools(index, cloze, neighbours, lambda i: _one_line(notes[i].clozes[0].answer))
    options = _options(answer, pools, card["id"])
    if options is None:
        return None
    lead = "Which fills the gap?\n"
    prompt = shorten(_one_line(first.prompt), PROMPT_LIMIT - len(lead))
    return {
        "id": f"q-{card['id']}-choice",
        "card": card["id"],
        "kind": "choice",
        "prompt": lead + prompt,
        "options": options,
        "answer": answer,
        "explanation": shorten(_one_line(note.term), EXPLANATION_LIMIT),
    }


def _explanation(term: str, definition: str) -> str:
    return shorten(f"{_one_line(term)}: {_one_line(definition)}", EXPLANATION_LIMIT)


def _one_line(text: str) -> str:
    return " ".join(text.split())
