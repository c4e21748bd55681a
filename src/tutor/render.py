"""Cards and replies as students read them: Telegram HTML and plain terminal text.

The one place that lays a card out. Both renderers walk the same parts (title, topic,
body, common mistake, source, references) so the bot and the terminal always show the same card;
the HTML one escapes every piece of content, so a `<`, `&` or `*` in a card or a
question can never break a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from tutor.model import Card, Library

TELEGRAM_TEXT_LIMIT = 4096
MISCONCEPTION_LABEL = "Common mistake:"
REFERENCES_LABEL = "References:"


@dataclass(frozen=True, slots=True)
class CardParts:
    title: str
    topic: str
    body: str
    misconception: str
    source: str
    references: str = ""


def card_parts(card: Card, library: Library) -> CardParts:
    """The pieces of a card; its topic line names the deck too when several are loaded."""
    topic = library.topics.get(card.topic_id)
    deck = next((d for d in library.decks if d.id == card.deck_id), None)
    names = [deck.sources.get(s, s) if deck else s for s in card.sources]
    cited = [deck.references.get(r, r) if deck else r for r in card.references]
    place = topic.title if topic else ""
    if deck is not None and len(library.decks) > 1:  # several decks: say which it is from
        place = f"{place} · {deck.title}" if place else deck.title
    return CardParts(
        title=card.title,
        topic=place,
        body=card.body.strip(),
        misconception=card.misconception.strip(),
        source="; ".join(names),
        references="; ".join(cited),
    )


def card_text(card: Card, library: Library) -> str:
    """The card as a student reads it, without the title (body, common mistake, source,
    references: the standard works a teacher cites for what the card adds or corrects)."""
    parts = card_parts(card, library)
    lines = [parts.body]
    if parts.misconception:
        lines.append(f"⚠️ {MISCONCEPTION_LABEL} {parts.misconception}")
    if parts.source:
        lines.append(f"Source: {parts.source}")
    if parts.references:
        lines.append(f"📖 {REFERENCES_LABEL} {parts.references}")
    return "\n\n".join(lines)


def card_plain(card: Card, library: Library) -> str:
    """The whole card for a terminal: title, topic, then `card_text`."""
    parts = card_parts(card, library)
    heading = f"{parts.title}\n({parts.topic})" if parts.topic else parts.title
    return f"{heading}\n\n{card_text(card, library)}"


def card_html(card: Card, library: Library) -> str:
    """The whole card in Telegram HTML, every piece of content escaped."""
    parts = card_parts(card, library)
    lines = [f"<b>{escape(parts.title)}</b>"]
    if parts.topic:
        lines[0] += f"\n<i>{escape(parts.topic)}</i>"
    lines.append(escape(parts.body))
    if parts.misconception:
        lines.append(f"⚠️ <b>{MISCONCEPTION_LABEL}</b> {escape(parts.misconception)}")
    if parts.source:
        lines.append(f"<i>Source: {escape(parts.source)}</i>")
    if parts.references:
        lines.append(f"📖 <i>{REFERENCES_LABEL} {escape(parts.references)}</i>")
    return "\n\n".join(lines)


def split_message(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split text into chunks of at most `limit` characters at paragraph, line or word ends.

    Characters are counted in UTF-16 code units, as Telegram counts them (an emoji such as
    📚 is two). A paragraph end in the second half of a chunk is preferred, then any line
    end, and only a line too long for a chunk of its own is cut between words (or, a single
    word longer than `limit`, anywhere); so an HTML tag that opens and closes on one line
    is never cut in half unless that line alone is over the limit.
    """
    chunks: list[str] = []
    rest = text
    while _utf16_length(rest) > limit:
        window = rest[:limit]
        window = window[: len(window) - max(0, _utf16_length(window) - limit)]
        cut = window.rfind("\n\n")
        if cut < len(window) // 2:
            cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = _hard_cut(window)
        if chunk := rest[:cut].rstrip():
            chunks.append(chunk)
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _hard_cut(window: str) -> int:
    """Where to cut a word that fills `window`: at its end, but never inside `&amp;` or a tag."""
    cut = max(len(window), 1)
    for opener, closer in (("&", ";"), ("<", ">")):
        start = window.rfind(opener)
        if start > 0 and start > window.rfind(closer):
            cut = min(cut, start)
    return cut


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def reply_html(
    title: str,
    lines: tuple[str, ...],
    card: Card | None,
    library: Library,
    choices: Sequence[Card] = (),
) -> str:
    """A dialog reply in Telegram HTML: bold title, escaped paragraphs, then the card.

    A "Which did you mean?" lists its choices with their topic (and deck, when several
    are loaded): a phone cuts long button labels, and the topic tells similar titles apart.
    """
    parts = [f"<b>{escape(title)}</b>"] if title else []
    parts += [escape(line) for line in lines]
    if choices:
        parts.append("\n".join(choice_html(choice, library) for choice in choices))
    if card is not None:
        parts.append(card_html(card, library))
    return "\n\n".join(parts)


def choice_html(card: Card, library: Library) -> str:
    """One line of a "Which did you mean?": • <b>title</b> — <i>topic · deck</i>."""
    parts = card_parts(card, library)
    where = f" — <i>{escape(parts.topic)}</i>" if parts.topic else ""
    return f"• <b>{escape(parts.title)}</b>{where}"


def reply_plain(title: str, lines: tuple[str, ...], card: Card | None, library: Library) -> str:
    """The same reply as plain terminal text."""
    parts = [title.upper()] if title else []
    parts += list(lines)
    if card is not None:
        parts.append(card_plain(card, library))
    return "\n\n".join(parts)
