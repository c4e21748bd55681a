"""Load and validate YAML decks into the content model.

Every problem in every deck is collected and reported as ``file:line: message`` so a
teacher can fix a deck in one pass. Checking happens in three stages:

1. YAML parsing with the safe loader, keeping the line of every key and value and
   reporting duplicate mapping keys (which ``yaml.safe_load`` silently drops);
2. structure, with pydantic models validated one section item at a time, so one broken
   card does not hide the problems of the others;
3. cross-references and Telegram limits, on every field whose structure is valid.

The stages live in their own modules: ``deckfile`` (1 and 2; ``fields`` holds the pydantic
models and the limits, ``problems`` the reporter), ``checks`` (3) and ``build`` (the content
model of decks with no problems). This module is the public face: find, check and load.

The format is described in ``docs/deck-format.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tutor.content.build import build_deck
from tutor.content.checks import build_index, check_file, displayed_words
from tutor.content.deckfile import load_file
from tutor.content.problems import ContentError, Problem
from tutor.model import Library

__all__ = [
    "CheckResult",
    "ContentError",
    "Problem",
    "check_deck_paths",
    "check_paths",
    "displayed_words",
    "find_deck_files",
    "load_library",
]


def find_deck_files(paths: Iterable[Path]) -> list[Path]:
    """Expand `paths` into deck files.

    A file stands for itself; a directory gives its ``*.yaml`` and ``*.yml`` files, sorted
    and not recursively, skipping names starting with ``.`` or ``_`` (drafts, backups).
    A file named twice is listed once.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                child
                for child in sorted(path.iterdir())
                if child.suffix in (".yaml", ".yml")
                and child.is_file()
                and not child.name.startswith((".", "_"))
            )
        else:
            found.append(path)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


@dataclass(frozen=True)
class CheckResult:
    """What checking the decks found: the library (None if there are problems), the
    problems that stop it loading, and warnings (e.g. a card too long for a phone screen)."""

    library: Library | None
    problems: list[Problem]
    warnings: list[Problem]


def check_paths(paths: Iterable[Path]) -> tuple[Library | None, list[Problem]]:
    """Load every deck under `paths`, returning the library or every problem found.

    Problems are sorted by path and line; the library is None when there are any.
    """
    result = check_deck_paths(paths)
    return result.library, result.problems


def check_deck_paths(paths: Iterable[Path]) -> CheckResult:
    """Like :func:`check_paths`, also returning the warnings (sorted like the problems)."""
    paths = list(paths)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for path in paths:
        if path.is_dir() and not find_deck_files([path]):
            problems.append(Problem(str(path), 0, "no deck files (*.yaml, *.yml) here"))
    files = [
        file
        for path in find_deck_files(paths)
        if (file := load_file(path, problems, warnings)) is not None
    ]
    index = build_index(files)
    for file in files:
        check_file(file, index)
    warnings.sort(key=lambda problem: (problem.path, problem.line))
    if problems:
        problems.sort(key=lambda problem: (problem.path, problem.line))
        return CheckResult(None, problems, warnings)
    return CheckResult(Library.from_decks(tuple(build_deck(file) for file in files)), [], warnings)


def load_library(paths: Iterable[Path]) -> Library:
    """Load every deck under `paths`; raise :class:`ContentError` listing every problem."""
    library, problems = check_paths(paths)
    if library is None:
        raise ContentError(problems)
    return library
