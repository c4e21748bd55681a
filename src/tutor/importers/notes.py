"""What every importer produces: plain notes (term, definition, topic) plus a report.

The readers (:mod:`.tabular`, :mod:`.anki`) only parse; :mod:`.deck` turns notes into a
deck. Keeping this boundary means a new format is one reader and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Cloze:
    """One typed question made from a cloze deletion: the prompt with a gap, its answer."""

    prompt: str
    answer: str


@dataclass(frozen=True, slots=True)
class Note:
    """One card's worth of imported material.

    `where` says where it came from in words a teacher can find ("line 12", "note 7").
    `clozes` is set for Anki cloze notes, whose questions are the deletions.
    """

    term: str
    definition: str
    where: str
    topic: str = ""
    clozes: tuple[Cloze, ...] = ()


@dataclass
class ImportProblem(Exception):
    """The input cannot be imported; `problems` lists every reason, each with its place."""

    problems: list[str]

    def __str__(self) -> str:
        return "\n".join(self.problems)


@dataclass
class Reading:
    """What a reader found: the notes, what it detected, and warnings for the teacher."""

    notes: list[Note]
    detected: str
    """e.g. "CSV, UTF-8 with BOM, delimiter ';', header row"."""
    warnings: list[str] = field(default_factory=list)
    title: str = ""
    """A title the file itself suggests (an Anki deck name), if any."""
