"""`tutor export-deck --anki`: a deck as an Anki package, made with `genanki`.

One Anki note per card (front: the title; back: the body, the misconception and the
sources), tagged with the card's topic so Anki's browser groups them like the bot does.
The note type, deck and note ids are derived from our ids, so exporting again and
re-importing into Anki updates the notes instead of duplicating them.
"""

from __future__ import annotations

import html
import os
import tempfile
import zlib
from pathlib import Path

import genanki

from tutor.model import Card, Deck, Library

_CSS = ".card { font-family: sans-serif; font-size: 20px; text-align: left; }"
_TEMPLATE = {
    "name": "Card",
    "qfmt": "<h3>{{Title}}</h3><small>{{Topic}}</small>",
    "afmt": "{{FrontSide}}<hr id=answer>{{Body}}",
}


def _anki_id(text: str) -> int:
    """A stable positive id in Anki's range (genanki wants 32-bit-ish positive ints)."""
    return (1 << 30) + zlib.crc32(text.encode())


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _back(card: Card, deck: Deck) -> str:
    parts = [_html(card.body)]
    if card.misconception:
        parts.append(f"<i>⚠️ Common mistake: {_html(card.misconception)}</i>")
    sources = "; ".join(deck.sources.get(source, source) for source in card.sources)
    if sources:
        parts.append(f"<small>Source: {_html(sources)}</small>")
    return "<br><br>".join(parts)


def _tag(text: str) -> str:
    return "_".join(text.split()) or "untagged"


def anki_package(deck: Deck, library: Library) -> genanki.Package:
    model = genanki.Model(
        _anki_id(f"revision-tutor-model-{deck.id}"),
        "Revision Tutor card",
        fields=[{"name": "Title"}, {"name": "Topic"}, {"name": "Body"}],
        templates=[_TEMPLATE],
        css=_CSS,
    )
    anki_deck = genanki.Deck(_anki_id(f"revision-tutor-deck-{deck.id}"), deck.title)
    for card in deck.cards:
        topic = library.topics[card.topic_id]
        anki_deck.add_note(
            genanki.Note(
                model=model,
                fields=[_html(card.title), _html(topic.title), _back(card, deck)],
                tags=[_tag(topic.title)],
                guid=genanki.guid_for(deck.id, card.id),
            )
        )
    return genanki.Package(anki_deck)


def export_anki(deck: Deck, library: Library, out: Path) -> int:
    """Write `deck` to `out` (.apkg) through a temporary file; the number of notes."""
    handle, temporary = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=".apkg", dir=out.parent)
    os.close(handle)
    temp = Path(temporary)
    try:
        anki_package(deck, library).write_to_file(str(temp))
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    return len(deck.cards)
