"""`tutor import`: turn a teacher's Quizlet, Anki or spreadsheet export into a deck.

`import_deck` reads the file (the format is detected, or given), builds the deck and
writes it only once `tutor check` accepts it alongside the other decks of the target
folder: the YAML goes to a hidden temporary file that is renamed over the target at the
end, so a failed import leaves nothing behind and a running bot never sees half a deck.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tutor.content import check_paths, find_deck_files
from tutor.importers.anki import read_anki
from tutor.importers.deck import DeckDraft, build_deck, merge_duplicates, slugify
from tutor.importers.encoding import decode
from tutor.importers.notes import ImportProblem, Reading
from tutor.importers.tabular import (
    SNIFF_CHARS,
    looks_like_header,
    read_csv,
    read_quizlet,
    unescape_separator,
)

__all__ = ["FORMATS", "ImportOptions", "ImportProblem", "Imported", "import_deck"]

FORMATS = ("auto", "csv", "quizlet", "anki")
ANKI_SUFFIXES = (".apkg", ".colpkg")
ZIP_MAGIC = b"PK\x03\x04"
DEFAULT_SUBJECT = "General"


@dataclass(frozen=True)
class ImportOptions:
    out: Path | None = None
    """The deck file to write; default `<content_dir>/<file stem>.yaml`."""
    content_dir: Path = Path("content")
    title: str = ""
    subject: str = ""
    format: str = "auto"
    term_sep: str | None = None
    card_sep: str | None = None
    force: bool = False
    """Replace an existing deck file (a re-import keeps the same ids)."""


@dataclass
class Imported:
    path: Path
    detected: str
    topics: int
    cards: int
    questions: int
    warnings: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    shortened: list[str] = field(default_factory=list)


def import_deck(source: Path, options: ImportOptions) -> Imported:
    """Read `source`, build a deck and write it; ImportProblem lists everything wrong."""
    name = str(source)
    out = options.out or options.content_dir / f"{slugify(source.stem) or 'imported'}.yaml"
    _check_target(out, options.force)
    reading = read_file(source, options)
    notes, merged = merge_duplicates(reading.notes, name)
    deck_id = slugify(out.stem)
    if not deck_id:
        raise ImportProblem([f"{out}: the file name must contain letters or digits (the deck id)"])
    title = options.title.strip() or reading.title or _title_from(source.stem)
    draft = build_deck(
        notes,
        deck_id=deck_id,
        title=title,
        subject=options.subject.strip() or DEFAULT_SUBJECT,
        source=source.name,
    )
    _write_checked(draft, out)
    topics, cards, questions = draft.counts
    return Imported(
        path=out,
        detected=reading.detected,
        topics=topics,
        cards=cards,
        questions=questions,
        warnings=reading.warnings + draft.skipped_questions,
        merged=merged,
        shortened=draft.shortened,
    )


def read_file(source: Path, options: ImportOptions) -> Reading:
    """The notes of `source`, by its detected (or the given) format."""
    name = str(source)
    try:
        data = source.read_bytes()
    except IsADirectoryError:
        raise ImportProblem([f"{name}: is a folder, not a file"]) from None
    except OSError as error:
        raise ImportProblem([f"{name}: cannot read: {error.strerror or error}"]) from None
    if _is_anki(source, data, options):
        if not data:
            raise ImportProblem([f"{name}: the file is empty"])
        return read_anki(source, name)
    text, encoding = decode(data, name)
    if _is_quizlet(source, text, options):
        return read_quizlet(
            text,
            name,
            encoding,
            term_sep=unescape_separator(options.term_sep or "\t"),
            card_sep=unescape_separator(options.card_sep or "\n"),
        )
    # Tab-separated text (.tsv, Excel's "Unicode text") needs no sniffing; a .csv does.
    tabbed = source.suffix.lower() != ".csv" and "\t" in text[:SNIFF_CHARS]
    return read_csv(text, name, encoding, delimiter="\t" if tabbed else None)


def _is_anki(source: Path, data: bytes, options: ImportOptions) -> bool:
    if options.format != "auto":
        return options.format == "anki"
    return source.suffix.lower() in ANKI_SUFFIXES or data.startswith(ZIP_MAGIC)


def _is_quizlet(source: Path, text: str, options: ImportOptions) -> bool:
    """Quizlet's export, rather than spreadsheet text?

    Quizlet's default export (term TAB definition, a card a line) is never quoted, so it
    is read as Quizlet text and quotes stay as written; but a tab-separated file whose
    first row is a header, or whose rows have three columns, is a spreadsheet's.
    """
    if options.format != "auto":
        return options.format == "quizlet"
    if options.term_sep is not None or options.card_sep is not None:
        return True
    if source.suffix.lower() in (".csv", ".tsv") or "\t" not in text[:SNIFF_CHARS]:
        return False
    lines = [line for line in text[:SNIFF_CHARS].splitlines() if line.strip()]
    if not lines or looks_like_header(lines[0].split("\t")):
        return False
    three_columns = sum(line.count("\t") >= 2 for line in lines)
    return three_columns * 2 < len(lines)


class _DeckDumper(yaml.SafeDumper):
    """Safe YAML that writes multi-line text as a readable `|` block."""


def _text_block(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_DeckDumper.add_representer(str, _text_block)


def _title_from(stem: str) -> str:
    words = stem.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else "Imported deck"


def _check_target(out: Path, force: bool) -> None:
    if out.suffix not in (".yaml", ".yml"):
        raise ImportProblem([f"{out}: the deck file must end in .yaml"])
    if out.exists() and not force:
        raise ImportProblem(
            [f"{out}: already exists; use --force to replace it (the ids stay the same)"]
        )
    if not out.parent.is_dir():
        raise ImportProblem([f"{out.parent}: no such folder"])


def _write_checked(draft: DeckDraft, out: Path) -> None:
    """Write the deck next to `out`, check it with the folder's other decks, then rename."""
    text = yaml.dump(draft.data, Dumper=_DeckDumper, allow_unicode=True, sort_keys=False, width=100)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=".yaml", dir=out.parent)
    temp = Path(temporary)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        others = [path for path in find_deck_files([out.parent]) if path.resolve() != out.resolve()]
        _library, problems = check_paths([temp, *others])
        if problems:
            raise ImportProblem([str(problem).replace(str(temp), str(out)) for problem in problems])
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
