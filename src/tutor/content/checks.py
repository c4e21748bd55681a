"""Cross-references between decks, and the limits a card, event and question must keep."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from tutor.content.deckfile import DeckFile, Item, describe, did_you_mean, quote_hint
from tutor.content.fields import (
    CARD_WORD_LIMIT,
    EXPLANATION_LINE_BREAKS,
    KIND_FIELDS,
    MESSAGE_LIMIT,
    SECTIONS,
    SLUG,
    WHEN,
    CardSchema,
    EventSchema,
    QuestionSchema,
)
from tutor.content.problems import Loc

# --- Ids across all decks -----------------------------------------------------------------


@dataclass(frozen=True)
class _Definition:
    path: str
    line: int


class _Index:
    """Where each deck, topic, card and question id is first defined, across all decks.

    Built from the raw data, so an item with a structural problem still counts as
    defined and references to it do not produce a second, misleading problem.
    """

    def __init__(self) -> None:
        self.ids: dict[str, dict[str, _Definition]] = {
            noun: {} for noun in ("deck", "topic", "card", "question")
        }

    def add(self, file: DeckFile, noun: str, ident: str, loc: Loc) -> None:
        line = file.report.line(loc)
        if not SLUG.fullmatch(ident):
            file.report.at(
                line, f"{noun} id '{ident}' must be a lower-case slug{_slug_hint(ident)}"
            )
        first = self.ids[noun].get(ident)
        if first is None:
            self.ids[noun][ident] = _Definition(file.path, line)
            return
        where = f"line {first.line}" if first.path == file.path else f"{first.path}:{first.line}"
        file.report.at(line, f"duplicate {noun} id '{ident}' (also defined at {where})")

    def missing(self, noun: str, ident: str) -> str | None:
        """None if `ident` exists, else the message tail "does not exist (did you mean ...)"."""
        if ident in self.ids[noun]:
            return None
        return f"does not exist{did_you_mean(ident, self.ids[noun])}"


def _slug_hint(ident: str) -> str:
    slug = "-".join(re.findall(r"[a-z0-9]+", ident.lower()))
    example = f"'{slug}'" if slug else "'lenins-testament'"
    return f" such as {example} (a-z, 0-9 and single hyphens)"


def _raw_ids(file: DeckFile, section: str) -> Iterator[tuple[str, Loc]]:
    for index, item in enumerate(file.raw_items(section)):
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, str) and ident.strip():
            yield ident.strip(), (section, index, "id")


def build_index(files: list[DeckFile]) -> _Index:
    index = _Index()
    for file in files:
        header = file.data.get("deck")
        ident = header.get("id") if isinstance(header, dict) else None
        if isinstance(ident, str) and ident.strip():
            index.add(file, "deck", ident.strip(), ("deck", "id"))
        for section in ("topics", "cards", "questions"):
            for ident, loc in _raw_ids(file, section):
                index.add(file, SECTIONS[section][0], ident, loc)
    return index


# --- Cross-references and limits ----------------------------------------------------------


def check_file(file: DeckFile, index: _Index) -> None:
    topics = {ident for ident, _ in _raw_ids(file, "topics")}
    for card in file.cards:
        _check_card(file, index, card, topics)
    _check_topics_have_cards(file)
    for event in file.events:
        _check_event(file, index, event)
    for question in file.questions:
        _check_question(file, index, question)


def _check_card(file: DeckFile, index: _Index, item: Item[CardSchema], topics: set[str]) -> None:
    card, name, loc = item.model, file.name("cards", item.position), ("cards", item.position)
    if item.ok("topic"):
        _check_card_topic(file, index, item, topics)
    own_id = card.id if item.ok("id") else None
    for number, related in enumerate(card.related if item.ok("related") else ()):
        if related == own_id:
            file.report.add((*loc, "related", number), f"{name}: 'related' lists the card itself")
        elif missing := index.missing("card", related):
            file.report.add((*loc, "related", number), f"{name}: related id '{related}' {missing}")
    if item.ok("references"):
        _check_references(file, item)
    if item.ok("title", "body", "misconception"):
        _check_word_count(file, item)
    if not item.ok("source"):
        return
    sources = _deck_sources(file)
    if sources is not None:
        _check_sources(file, item, sources)
    references = _deck_references(file) or {}
    length = (
        _rendered_length(card, sources, references)
        if item.ok("title", "body", "misconception", "references")
        else 0
    )
    if length > MESSAGE_LIMIT:
        file.report.add(
            loc,
            f"{name}: the card is {length} characters when shown (title, topic, body, "
            f"misconception and sources); a Telegram message holds at most {MESSAGE_LIMIT}",
        )


def _deck_sources(file: DeckFile) -> dict[str, str] | None:
    """The deck's `sources`, or None if it has none (or they have problems)."""
    header = file.header
    return header.model.sources if header is not None and header.ok("sources") else None


def _deck_references(file: DeckFile) -> dict[str, str] | None:
    """The deck's `references`, or None if it has none (or they have problems)."""
    header = file.header
    return header.model.references if header is not None and header.ok("references") else None


def _check_references(file: DeckFile, item: Item[CardSchema]) -> None:
    """Every id in a card's `references` must be a key of the deck's `references` map."""
    header = file.header
    if header is not None and not header.ok("references"):
        return  # the map itself has problems, already reported
    known = _deck_references(file) or {}
    name = file.name("cards", item.position)
    for number, reference in enumerate(item.model.references):
        if reference not in known:
            detail = (
                f"is not in the deck's 'references'{did_you_mean(reference, known)}"
                if known
                else "needs a 'references' map in the deck header (id: \"Author, Title (Year)\")"
            )
            file.report.add(
                ("cards", item.position, "references", number),
                f"{name}: reference '{reference}' {detail}",
            )


def displayed_words(title: str, body: str, misconception: str = "") -> int:
    """Words a student reads on a card: its title, body and common mistake.

    A word is a run of non-space characters holding a letter or digit, so bullets and
    dashes standing alone do not count.
    """
    text = " ".join((title, body, misconception))
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


def _check_word_count(file: DeckFile, item: Item[CardSchema]) -> None:
    card = item.model
    words = displayed_words(card.title, card.body, card.misconception)
    if words > CARD_WORD_LIMIT:
        file.report.warn(
            ("cards", item.position),
            f"{file.name('cards', item.position)}: the card is {words} words as shown (title, "
            f"body and common mistake); keep it to {CARD_WORD_LIMIT} to fit a phone screen",
        )


def _check_card_topic(
    file: DeckFile, index: _Index, item: Item[CardSchema], topics: set[str]
) -> None:
    card, name = item.model, file.name("cards", item.position)
    if card.topic not in topics:
        elsewhere = index.ids["topic"].get(card.topic)
        detail = (
            f"is in {elsewhere.path}; a card's topic must be in the card's own deck"
            if elsewhere
            else f"does not exist in this deck{did_you_mean(card.topic, topics)}"
        )
        file.report.add(("cards", item.position, "topic"), f"{name}: topic '{card.topic}' {detail}")


def _check_sources(file: DeckFile, item: Item[CardSchema], known: dict[str, str]) -> None:
    """Without a `sources` mapping any non-empty source text is fine, so only called with one."""
    for number, source in enumerate(item.model.source):
        if source not in known:
            file.report.add(
                ("cards", item.position, "source", number),
                f"{file.name('cards', item.position)}: source '{source}' is not in the deck's "
                f"'sources'{did_you_mean(source, known)}",
            )


# The topic's title is shown under the card's; reserve room for a long one.
TOPIC_LINE_ALLOWANCE = 120


def _rendered_length(
    card: CardSchema, sources: dict[str, str] | None, references: dict[str, str]
) -> int:
    """Length of the card as the bot shows it, in UTF-16 code units as Telegram counts."""
    described = [(sources or {}).get(source, source) for source in card.source]
    parts = [card.title, "x" * TOPIC_LINE_ALLOWANCE, card.body]
    if card.misconception:
        parts.append(f"⚠️ Common mistake: {card.misconception}")
    parts.append(f"Source: {'; '.join(described)}")
    if card.references:
        cited = [references.get(reference, reference) for reference in card.references]
        parts.append(f"References: {'; '.join(cited)}")
    return len("\n\n".join(parts).encode("utf-16-le")) // 2


def _check_topics_have_cards(file: DeckFile) -> None:
    used = {
        card["topic"].strip()
        for card in file.raw_items("cards")
        if isinstance(card, dict) and isinstance(card.get("topic"), str)
    }
    for ident, loc in _raw_ids(file, "topics"):
        if ident not in used:
            file.report.add(loc[:2], f"topic '{ident}' has no cards")


def _check_event(file: DeckFile, index: _Index, item: Item[EventSchema]) -> None:
    event, name, loc = item.model, file.name("events", item.position), ("events", item.position)
    if item.ok("when") and not _valid_when(event.when):
        file.report.add(
            (*loc, "when"),
            f"{name}: 'when' must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not '{event.when}'",
        )
    if item.ok("card") and (missing := index.missing("card", event.card)):
        file.report.add((*loc, "card"), f"{name}: card '{event.card}' {missing}")


def _valid_when(text: str) -> bool:
    match = WHEN.fullmatch(text)
    if match is None:
        return False
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _check_question(file: DeckFile, index: _Index, item: Item[QuestionSchema]) -> None:
    question, loc = item.model, ("questions", item.position)
    name = file.name("questions", item.position)
    if item.ok("card") and (missing := index.missing("card", question.card)):
        file.report.add((*loc, "card"), f"{name}: card '{question.card}' {missing}")
    if item.ok("kind"):
        _check_kind_fields(file, item, name)
        _KIND_CHECKS[question.kind](file, item, name)
    breaks = question.explanation.count("\n") if item.ok("explanation") else 0
    if breaks > EXPLANATION_LINE_BREAKS:
        file.report.add(
            (*loc, "explanation"),
            f"{name}: 'explanation' has {breaks} line breaks "
            f"(Telegram allows at most {EXPLANATION_LINE_BREAKS})",
        )


def _check_kind_fields(file: DeckFile, item: Item[QuestionSchema], name: str) -> None:
    kind = item.model.kind
    wanted = KIND_FIELDS[kind]
    present = item.model.model_fields_set | item.invalid
    for field in ("options", "answer", "answers", "items"):
        if field in present and field not in wanted:
            file.report.add(
                ("questions", item.position, field),
                f"{name}: '{field}' is not used by {kind} questions{did_you_mean(field, wanted)}",
                key=True,
            )


def _check_choice(file: DeckFile, item: Item[QuestionSchema], name: str) -> None:
    question, loc = item.model, ("questions", item.position)
    options = question.options if item.ok("options") else []
    if options is None:
        file.report.add(loc, f"{name}: choice questions need 'options' (2 to 10 to pick from)")
    else:
        _check_distinct(file, (*loc, "options"), name, "option", options)
    answer = question.answer
    if answer is None:
        file.report.add(
            (*loc, "answer"), f"{name}: choice questions need an 'answer' (the correct option)"
        )
    elif not isinstance(answer, str):
        file.report.add(
            (*loc, "answer"),
            f"{name}: 'answer' must be the text of one option, not {describe(answer)}"
            f"{quote_hint(answer)}",
        )
    elif options:
        _check_choice_answer(file, loc, name, answer.strip(), options)


def _check_choice_answer(
    file: DeckFile, loc: Loc, name: str, answer: str, options: list[str]
) -> None:
    matches = options.count(answer)
    if matches == 1:
        return
    if matches == 0:
        detail = f"is not one of the options{did_you_mean(answer, options)}"
    else:
        detail = f"matches {matches} options"
    file.report.add((*loc, "answer"), f"{name}: 'answer' '{answer}' {detail}")


def _check_truefalse(file: DeckFile, item: Item[QuestionSchema], name: str) -> None:
    answer, loc = item.model.answer, ("questions", item.position, "answer")
    if answer is None:
        file.report.add(loc, f"{name}: truefalse questions need 'answer: true' or 'answer: false'")
    elif not isinstance(answer, bool):
        shown = f"the text '{answer}'" if isinstance(answer, str) else describe(answer)
        file.report.add(loc, f"{name}: 'answer' must be true or false (no quotes), not {shown}")


def _check_typed(file: DeckFile, item: Item[QuestionSchema], name: str) -> None:
    if item.ok("answers") and item.model.answers is None:
        file.report.add(
            ("questions", item.position),
            f"{name}: typed questions need 'answers' (every accepted answer)",
        )


def _check_order(file: DeckFile, item: Item[QuestionSchema], name: str) -> None:
    if not item.ok("items"):
        return
    loc = ("questions", item.position)
    if item.model.items is None:
        file.report.add(loc, f"{name}: order questions need 'items' (3 to 5, in the right order)")
    else:
        _check_distinct(file, (*loc, "items"), name, "item", item.model.items)


def _check_distinct(file: DeckFile, loc: Loc, name: str, noun: str, texts: list[str]) -> None:
    """Report entries that repeat an earlier one, ignoring case and runs of whitespace."""
    seen: dict[str, int] = {}
    for number, text in enumerate(texts):
        folded = " ".join(text.split()).casefold()
        if folded in seen:
            file.report.add(
                (*loc, number),
                f"{name}: {noun} {number + 1} '{text}' repeats {noun} {seen[folded] + 1}",
            )
        seen.setdefault(folded, number)


_KIND_CHECKS = {
    "choice": _check_choice,
    "truefalse": _check_truefalse,
    "typed": _check_typed,
    "order": _check_order,
}
