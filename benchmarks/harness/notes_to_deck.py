#!/usr/bin/env python3
"""Turn a teacher's Markdown revision notes into a *plain* deck YAML.

A plain deck carries only what is in the notes: the deck, its topics and one card per
section, with the section's bullets as the card body.  It deliberately has no keywords,
aliases, misconceptions, related cards, events or questions, so a matcher benchmarked on
it gets no help beyond the teacher's own wording.

Notes format (strict)::

    # <Unit title>
    Subject: <Subject>                  (optional; or pass --subject)
    <!-- any HTML comment, e.g. sources; may span lines -->

    ## <Topic title>

    ### <Section title>                 (one card)
    - bullet sentence or fragment
    - another bullet
      continuation lines indented under a bullet are joined to it

Usage::

    python benchmarks/harness/notes_to_deck.py NOTES.md OUT.yaml [--subject S]
        [--avoid DECK.yaml ...]

Ids are slugs (``[a-z0-9]+(-[a-z0-9]+)*``): the deck id comes from the notes file name,
topic and card ids from their titles.  Ids are made unique within the deck by adding
``-2``, ``-3``...; an id that is already used by another deck (by default every
``content/*.yaml`` of the repository, or the files given with ``--avoid``) is prefixed
with the deck id.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_TITLE = 120
MAX_BODY = 1500
BULLET = "• "
REPO_ROOT = Path(__file__).resolve().parents[2]


class NotesError(Exception):
    """A problem in the notes file, reported as ``file:line: message``."""


@dataclass
class Section:
    title: str
    line: int
    bullets: list[str] = field(default_factory=list)


@dataclass
class Topic:
    title: str
    line: int
    sections: list[Section] = field(default_factory=list)


@dataclass
class Notes:
    title: str
    subject: str | None
    topics: list[Topic]


def slugify(text: str) -> str:
    """Lower-case ASCII slug of ``text``: runs of other characters become one hyphen."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = ascii_text.replace("'", "").replace("’", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "item"


def parse_notes(path: Path) -> Notes:
    """Parse a notes file into its title, subject and topics/sections/bullets."""
    lines = path.read_text(encoding="utf-8").splitlines()
    where = lambda n: f"{path}:{n}"  # noqa: E731 - tiny local formatter
    if not lines or not lines[0].startswith("# "):
        raise NotesError(f"{where(1)}: line 1 must be '# <Unit title>'")
    title = lines[0][2:].strip()
    subject: str | None = None
    topics: list[Topic] = []
    in_comment = False
    last_bullet_section: Section | None = None

    for number, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip()
        stripped = line.strip()
        if in_comment:
            in_comment = "-->" not in stripped
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        if not stripped:
            last_bullet_section = None  # a blank line ends any bullet continuation
            continue
        if line.startswith("Subject:") and not topics:
            subject = line.split(":", 1)[1].strip() or None
        elif line.startswith("### "):
            if not topics:
                raise NotesError(f"{where(number)}: section before any '## ' topic")
            section = Section(title=line[4:].strip(), line=number)
            topics[-1].sections.append(section)
            last_bullet_section = section
        elif line.startswith("## "):
            topics.append(Topic(title=line[3:].strip(), line=number))
            last_bullet_section = None
        elif line.startswith("# "):
            raise NotesError(f"{where(number)}: only one '# ' title is allowed")
        elif line.startswith("- "):
            if not topics or not topics[-1].sections:
                raise NotesError(f"{where(number)}: bullet outside a '### ' section")
            topics[-1].sections[-1].bullets.append(line[2:].strip())
            last_bullet_section = topics[-1].sections[-1]
        elif raw.startswith((" ", "\t")) and last_bullet_section and last_bullet_section.bullets:
            last_bullet_section.bullets[-1] += " " + stripped
        else:
            raise NotesError(f"{where(number)}: unexpected line {stripped[:40]!r}")

    if not topics:
        raise NotesError(f"{where(1)}: no '## ' topics")
    for topic in topics:
        if not topic.sections:
            raise NotesError(f"{where(topic.line)}: topic {topic.title!r} has no sections")
        for section in topic.sections:
            if not section.bullets:
                raise NotesError(f"{where(section.line)}: section {section.title!r} has no bullets")
    return Notes(title=title, subject=subject, topics=topics)


def collect_ids(value: Any) -> set[str]:
    """Every string stored under an ``id`` key anywhere in a loaded YAML document."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" and isinstance(item, str):
                found.add(item)
            else:
                found |= collect_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= collect_ids(item)
    return found


def ids_in_decks(paths: Iterable[Path]) -> set[str]:
    """Ids already used by the given deck files (files that do not exist are skipped)."""
    used: set[str] = set()
    for path in paths:
        if path.is_file():
            used |= collect_ids(yaml.safe_load(path.read_text(encoding="utf-8")))
    return used


class IdAllocator:
    """Hands out slug ids unique within this deck and not clashing with other decks."""

    def __init__(self, deck_id: str, foreign: set[str]) -> None:
        self.deck_id = deck_id
        self.foreign = foreign
        self.taken: set[str] = {deck_id}

    def allocate(self, title: str) -> str:
        base = slugify(title)
        if base in self.foreign:
            base = f"{self.deck_id}-{base}"
        candidate, n = base, 1
        while candidate in self.taken or candidate in self.foreign:
            n += 1
            candidate = f"{base}-{n}"
        self.taken.add(candidate)
        return candidate


def build_deck(
    notes: Notes, notes_path: Path, subject: str | None, foreign: set[str]
) -> dict[str, Any]:
    """Build the plain deck mapping (deck, topics, cards) from parsed notes."""
    deck_id = slugify(notes_path.stem)
    if deck_id in foreign:
        raise NotesError(f"{notes_path}: deck id {deck_id!r} is already used by another deck")
    final_subject = subject or notes.subject
    if not final_subject:
        raise NotesError(f"{notes_path}: no 'Subject:' line and no --subject given")
    ids = IdAllocator(deck_id, foreign)
    topics: list[dict[str, Any]] = []
    cards: list[dict[str, Any]] = []
    for topic in notes.topics:
        topic_id = ids.allocate(topic.title)
        topics.append({"id": topic_id, "title": topic.title})
        for section in topic.sections:
            where = f"{notes_path}:{section.line}"
            if len(section.title) > MAX_TITLE:
                raise NotesError(f"{where}: section title longer than {MAX_TITLE} characters")
            body = "\n".join(BULLET + bullet for bullet in section.bullets) + "\n"
            if len(body) > MAX_BODY:
                raise NotesError(f"{where}: body is {len(body)} characters (max {MAX_BODY})")
            cards.append(
                {
                    "id": ids.allocate(section.title),
                    "title": section.title,
                    "topic": topic_id,
                    "body": body,
                    "source": ["notes"],
                }
            )
    for value in [deck_id, *(t["id"] for t in topics), *(c["id"] for c in cards)]:
        assert SLUG_RE.match(value), value
    return {
        "deck": {
            "id": deck_id,
            "title": notes.title,
            "subject": final_subject,
            "sources": {"notes": f"{notes_path.name} (teacher's notes)"},
        },
        "topics": topics,
        "cards": cards,
    }


class _DeckDumper(yaml.SafeDumper):
    """SafeDumper that writes multi-line strings (card bodies) as literal ``|`` blocks."""


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_DeckDumper.add_representer(str, _str_representer)


def dump_deck(deck: dict[str, Any]) -> str:
    """Serialise the deck as YAML, keeping key order and Unicode."""
    return yaml.dump(deck, Dumper=_DeckDumper, sort_keys=False, allow_unicode=True, width=1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notes", type=Path, help="notes Markdown file")
    parser.add_argument("out", type=Path, help="deck YAML file to write")
    parser.add_argument("--subject", help="subject (overrides the notes' 'Subject:' line)")
    parser.add_argument(
        "--avoid",
        type=Path,
        action="append",
        default=None,
        help="deck file whose ids must not be reused (repeatable; default: content/*.yaml)",
    )
    args = parser.parse_args(argv)
    avoid = args.avoid if args.avoid is not None else sorted((REPO_ROOT / "content").glob("*.y*ml"))
    avoid = [p for p in avoid if p.resolve() != args.out.resolve()]
    try:
        notes = parse_notes(args.notes)
        deck = build_deck(notes, args.notes, args.subject, ids_in_decks(avoid))
    except NotesError as error:
        print(error, file=sys.stderr)
        return 1
    text = dump_deck(deck)
    assert yaml.safe_load(text) == deck, "YAML round trip changed the deck"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(deck['topics'])} topics, {len(deck['cards'])} cards")
    return 0


if __name__ == "__main__":
    sys.exit(main())
