"""Reader for Anki packages (.apkg, .colpkg).

A package is a zip holding an SQLite collection plus numbered media files. Three
generations exist (Anki's `rslib/src/import_export/package/meta.rs`):

* ``collection.anki2`` (Anki 2.0, schema 11);
* ``collection.anki21`` (Anki 2.1, schema 11);
* ``collection.anki21b``: zstd-compressed, schema 18, with a ``meta`` file (protobuf
  ``PackageMetadata``; version 3 = latest) and a dummy ``collection.anki2`` saying
  "please update Anki" for old clients.

The newest collection present is read. Note types come from ``col.models`` (schema 11)
or the ``notetypes``/``fields`` tables (schema 18); decks likewise from ``col.decks`` or
the ``decks`` table. Notes' fields are the ``flds`` column split on U+001F.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import zstandard

from tutor.importers.htmltext import cloze_plain, cloze_questions, has_cloze, html_to_text
from tutor.importers.notes import ImportProblem, Note, Reading
from tutor.importers.tabular import TOPIC_HEADERS

COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
"""Newest first: a package may also hold an older dummy collection."""
PACKAGE_FILES = frozenset({*COLLECTIONS, "media", "meta"})
LATEST_VERSION = 3
"""`PackageMetadata.Version.LATEST` (Legacy1 = 1, Legacy2 = 2): the zstd collection."""
MAX_COLLECTION_BYTES = 500_000_000
FIELD_SEPARATOR = "\x1f"
IGNORED_TAGS = frozenset({"marked", "leech", "duplicate"})


@dataclass(frozen=True)
class _NoteType:
    name: str
    fields: tuple[str, ...]
    is_cloze: bool


def read_anki(path: Path, name: str) -> Reading:
    """Every note of the package as a Note; tags become topics."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ImportProblem([f"{name}: not an Anki package (not a zip file)"]) from None
    with archive, tempfile.TemporaryDirectory(prefix="tutor-anki-") as folder:
        members = set(archive.namelist())
        if "meta" in members and _package_version(archive.read("meta")) > LATEST_VERSION:
            raise ImportProblem(
                [
                    f"{name}: made by a newer Anki than this importer knows: export it again "
                    'with "Support older Anki versions" ticked'
                ]
            )
        chosen = next((member for member in COLLECTIONS if member in members), None)
        if chosen is None:
            raise ImportProblem(
                [
                    f"{name}: a zip file but not an Anki package (no collection.anki2, "
                    "collection.anki21 or collection.anki21b inside)"
                ]
            )
        database = Path(folder) / "collection.sqlite"
        _extract(archive, chosen, database, name)
        media_files = sum(1 for member in members if member not in PACKAGE_FILES)
        return _read_collection(database, name, chosen, media_files)


def _package_version(meta: bytes) -> int:
    """`PackageMetadata.version` (protobuf field 1, a varint); 0 if absent or unreadable."""
    if not meta.startswith(b"\x08"):
        return 0
    version, shift = 0, 0
    for byte in meta[1:6]:
        version |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return version
    return 0


def _extract(archive: zipfile.ZipFile, member: str, target: Path, name: str) -> None:
    info = archive.getinfo(member)
    if info.file_size > MAX_COLLECTION_BYTES:
        raise ImportProblem([f"{name}: the collection is too large ({info.file_size:,} bytes)"])
    try:
        with archive.open(member) as source, target.open("wb") as out:
            if member.endswith("b"):
                reader = zstandard.ZstdDecompressor().stream_reader(source)
                _copy_limited(reader, out, name)
            else:
                _copy_limited(source, out, name)
    except (zipfile.BadZipFile, zstandard.ZstdError, EOFError) as error:
        raise ImportProblem([f"{name}: {member} is damaged: {error}"]) from None


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _copy_limited(source: _Readable, out: BinaryIO, name: str) -> None:
    """Copy in chunks, refusing a zip bomb before it fills the disk."""
    total = 0
    while chunk := source.read(1 << 20):
        total += len(chunk)
        if total > MAX_COLLECTION_BYTES:
            raise ImportProblem([f"{name}: the collection is too large once decompressed"])
        out.write(chunk)


def _read_collection(database: Path, name: str, member: str, media_files: int) -> Reading:
    uri = f"{database.as_uri()}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            note_types = _note_types(connection)
            decks = _deck_names(connection)
            rows = connection.execute(
                "SELECT n.id, n.mid, n.tags, n.flds, (SELECT c.did FROM cards c "
                "WHERE c.nid = n.id ORDER BY c.ord LIMIT 1) FROM notes n ORDER BY n.id"
            ).fetchall()
    except sqlite3.DatabaseError as error:
        raise ImportProblem(
            [f"{name}: {member} is not a readable Anki collection: {error}"]
        ) from None
    notes: list[Note] = []
    problems: list[str] = []
    media_refs = 0
    used_decks: Counter[str] = Counter()
    for number, (_nid, mid, tags, fields, did) in enumerate(rows, start=1):
        deck = decks.get(did, "")
        used_decks[deck] += 1
        note, media = _note(number, note_types.get(mid), str(fields), str(tags), deck)
        media_refs += media
        if isinstance(note, str):
            problems.append(f"{name}: note {number}: {note}")
        else:
            notes.append(note)
    if problems:
        raise ImportProblem(problems)
    if not notes:
        raise ImportProblem([f"{name}: the Anki package has no notes"])
    warnings = []
    if media_files or media_refs:
        count = media_files or media_refs
        warnings.append(f"skipped {count} media file(s) (images, sounds): the bot shows text only")
    title = used_decks.most_common(1)[0][0].split("::")[-1] if used_decks else ""
    version = {"collection.anki21b": "Anki 2.1.50+ (zstd)", "collection.anki21": "Anki 2.1"}
    detected = f"Anki package, {version.get(member, 'Anki 2.0')} collection {member}"
    return Reading(notes, detected, warnings, title=title)


def _note_types(connection: sqlite3.Connection) -> dict[int, _NoteType]:
    tables = _tables(connection)
    if "notetypes" in tables and "fields" in tables:
        return _note_types_v18(connection)
    (models,) = connection.execute("SELECT models FROM col").fetchone()
    found: dict[int, _NoteType] = {}
    for key, model in json.loads(models or "{}").items():
        fields = tuple(field["name"] for field in sorted(model["flds"], key=lambda f: f["ord"]))
        found[int(key)] = _NoteType(model.get("name", ""), fields, model.get("type") == 1)
    return found


def _note_types_v18(connection: sqlite3.Connection) -> dict[int, _NoteType]:
    fields: dict[int, list[str]] = {}
    for ntid, name in connection.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(ntid, []).append(name)
    # The cloze flag sits in the protobuf config blob; the cloze markers in the text
    # tell us as much, so the name is enough here.
    return {
        ntid: _NoteType(name, tuple(fields.get(ntid, ())), "cloze" in name.casefold())
        for ntid, name in connection.execute("SELECT id, name FROM notetypes")
    }


def _deck_names(connection: sqlite3.Connection) -> dict[int, str]:
    if "decks" in _tables(connection):
        rows = connection.execute("SELECT id, name FROM decks").fetchall()
        return {did: str(name).replace(FIELD_SEPARATOR, "::") for did, name in rows}
    (decks,) = connection.execute("SELECT decks FROM col").fetchone()
    return {int(key): deck.get("name", "") for key, deck in json.loads(decks or "{}").items()}


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def _note(
    number: int, note_type: _NoteType | None, fields: str, tags: str, deck: str
) -> tuple[Note | str, int]:
    """The note, or a message saying why it cannot be used; and its media references."""
    texts: list[str] = []
    media = 0
    names = note_type.fields if note_type is not None else ()
    topic_field = ""
    for position, field in enumerate(fields.split(FIELD_SEPARATOR)):
        text, refs = html_to_text(field)
        media += refs
        if position > 0 and position < len(names) and names[position].casefold() in TOPIC_HEADERS:
            topic_field = text  # a "Topic" field (our own export has one) is not body text
        else:
            texts.append(text)
    topic = _topic(tags, deck) or topic_field
    where = f"note {number}"
    if (note_type is not None and note_type.is_cloze) or has_cloze(texts[0]):
        plain = cloze_plain(texts[0])
        extra = "\n".join(text for text in texts[1:] if text)
        if not plain:
            return "the cloze text is empty", media
        body = f"{plain}\n{extra}" if extra else plain
        return Note(plain, body, where, topic, cloze_questions(texts[0])), media
    term, rest = texts[0], [text for text in texts[1:] if text]
    if not term and not rest:
        return "every field is empty (an image-only note?)", media
    if not term:
        return f"the first field is empty (definition '{rest[0][:40]}')", media
    if not rest:
        return f"'{term[:40]}' has no back/definition field", media
    return Note(term, "\n".join(rest), where, topic), media


def _topic(tags: str, deck: str) -> str:
    """The note's first meaningful tag ("History::NEP" -> "History – NEP"), else its subdeck."""
    for tag in tags.split():
        if tag.casefold() not in IGNORED_TAGS:
            return " – ".join(part.replace("_", " ") for part in tag.split("::") if part)
    parts = deck.split("::")
    return parts[-1] if len(parts) > 1 else ""
