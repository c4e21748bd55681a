"""Readers for text exports: spreadsheet CSV/TSV and Quizlet's "Export" text.

CSV goes through the standard library's `csv` module, with `csv.Sniffer` choosing the
delimiter. Quizlet's export is not CSV (it never quotes, so a definition may hold any
character); it is split on the term and card separators chosen in Quizlet's dialog.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from tutor.importers.notes import ImportProblem, Note, Reading

DELIMITERS = ",;\t|"
SNIFF_CHARS = 65_536
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "'|'"}
TERM_HEADERS = frozenset(
    {"term", "terms", "front", "word", "question", "concept", "name", "keyword", "vocabulary"}
)
DEFINITION_HEADERS = frozenset(
    {"definition", "definitions", "back", "meaning", "answer", "description", "explanation"}
)
TOPIC_HEADERS = frozenset(
    {"topic", "category", "chapter", "section", "unit", "tag", "tags", "deck", "theme"}
)


def read_csv(text: str, name: str, encoding: str, *, delimiter: str | None = None) -> Reading:
    """Rows of term, definition and an optional topic; a header row is recognised by name.

    `delimiter` (a .tsv file's tab) skips the sniffing.
    """
    dialect = _sniff(text, name) if delimiter is None else _dialect(delimiter)
    rows = list(_rows(text, dialect, name))
    if not rows:
        raise ImportProblem([f"{name}: the file has no rows"])
    columns, has_header = _columns(rows[0][1])
    if has_header:
        rows = rows[1:]
    warnings: list[str] = []
    notes: list[Note] = []
    problems: list[str] = []
    wide = 0
    for line, cells in rows:
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        term, definition, topic = (
            cells[index] if index is not None and index < len(cells) else "" for index in columns
        )
        if not has_header and len(cells) > 3 and any(cells[3:]):
            wide += 1
        if problem := _missing(term, definition):
            problems.append(f"{name}:{line}: {problem}")
            continue
        notes.append(Note(term, definition, f"line {line}", topic))
    if problems:
        raise ImportProblem(problems)
    if wide:
        warnings.append(
            f"{wide} row(s) have more than 3 columns: only term, definition and "
            "topic (columns 1-3) were used"
        )
    delimiter = _DELIMITER_NAMES.get(dialect.delimiter, repr(dialect.delimiter))
    header = "a header row" if has_header else "no header row"
    topic_note = ", topic column" if columns[2] is not None else ""
    detected = f"CSV, {encoding}, {delimiter}-separated, {header}{topic_note}"
    return Reading(notes, detected, warnings)


def _sniff(text: str, name: str) -> type[csv.Dialect]:
    sample = text[:SNIFF_CHARS]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        pass
    # The sniffer wants consistent rows; a short file with one delimiter kind is enough.
    counts = {delimiter: sample.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    if counts[best] == 0:
        raise ImportProblem(
            [
                f"{name}:1: no term/definition separator found: each row needs a term and a "
                "definition separated by a comma, semicolon, tab or '|'"
            ]
        )
    return _dialect(best)


def _dialect(separator: str) -> type[csv.Dialect]:
    class Found(csv.excel):
        delimiter = separator

    return Found


def _rows(text: str, dialect: type[csv.Dialect], name: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for each record."""
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportProblem([f"{name}:{reader.line_num}: {error}"]) from None


def _columns(first: list[str]) -> tuple[tuple[int | None, int | None, int | None], bool]:
    """Indexes of the term, definition and topic columns, and whether `first` is a header."""
    names = [cell.strip().casefold() for cell in first]
    term = _find(names, TERM_HEADERS)
    definition = _find(names, DEFINITION_HEADERS)
    if term is None or definition is None:
        return (0, 1, 2), False
    return (term, definition, _find(names, TOPIC_HEADERS)), True


def looks_like_header(cells: list[str]) -> bool:
    """Whether a first row names a term and a definition column."""
    return _columns(cells)[1]


def _find(names: list[str], wanted: frozenset[str]) -> int | None:
    return next((index for index, name in enumerate(names) if name in wanted), None)


def _missing(term: str, definition: str) -> str:
    if not definition:
        return f"'{_clip(term)}' has no definition"
    if not term:
        return f"the definition '{_clip(definition)}' has no term"
    return ""


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unescape_separator(text: str) -> str:
    r"""Separators typed on a command line: '\t' and '\n' mean tab and newline."""
    return text.replace("\\t", "\t").replace("\\n", "\n")


def read_quizlet(
    text: str, name: str, encoding: str, *, term_sep: str = "\t", card_sep: str = "\n"
) -> Reading:
    """Quizlet's export: term `term_sep` definition, cards separated by `card_sep`."""
    if not term_sep or not card_sep or term_sep == card_sep:
        raise ImportProblem(
            [f"{name}: the term and card separators must be different and not empty"]
        )
    text = text.replace("\r\n", "\n")
    notes: list[Note] = []
    problems: list[str] = []
    offset = 0
    for record in text.split(card_sep):
        line = text.count("\n", 0, offset) + 1 + _leading_newlines(record)
        offset += len(record) + len(card_sep)
        if not record.strip():
            continue
        term, found, definition = record.partition(term_sep)
        term, definition = term.strip(), definition.strip()
        if not found:
            problems.append(
                f"{name}:{line}: no term separator ({_separator_name(term_sep)}) in "
                f"'{_clip(term)}': is the term separator right? (--term-sep)"
            )
            continue
        if problem := _missing(term, definition):
            problems.append(f"{name}:{line}: {problem}")
            continue
        notes.append(Note(term, definition, f"line {line}"))
    if problems:
        raise ImportProblem(problems)
    if not notes:
        raise ImportProblem([f"{name}: no cards found"])
    detected = (
        f"Quizlet export, {encoding}, term separator {_separator_name(term_sep)}, "
        f"card separator {_separator_name(card_sep)}"
    )
    return Reading(notes, detected)


def _leading_newlines(record: str) -> int:
    return len(record) - len(record.lstrip("\n"))


def _separator_name(separator: str) -> str:
    names = {"\t": "tab", "\n": "new line", "\n\n": "blank line", ",": "comma", ";": "semicolon"}
    return names.get(separator, repr(separator))
