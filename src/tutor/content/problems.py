"""Problems found in deck files, and the reporter that places each on its line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Loc = tuple[Any, ...]


@dataclass(frozen=True)
class Problem:
    """One problem in a deck file; `line` is 1-based, 0 only when it is unknown."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised by :func:`load_library` when the decks have problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


# --- Reporting ----------------------------------------------------------------------------


class Reporter:
    """Collects the problems of one file."""

    def __init__(
        self, path: str, problems: list[Problem], warnings: list[Problem] | None = None
    ) -> None:
        self.path = path
        self._problems = problems
        self._warnings = problems if warnings is None else warnings
        self.lines: dict[Loc, int] = {}
        self.key_lines: dict[Loc, int] = {}

    def at(self, line: int, message: str) -> None:
        self._problems.append(Problem(self.path, line, message))

    def line(self, loc: Loc, *, key: bool = False) -> int:
        """The line of the value at `loc`, or of its nearest enclosing value if it is absent."""
        if key and loc in self.key_lines:
            return self.key_lines[loc]
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1

    def add(self, loc: Loc, message: str, *, key: bool = False) -> None:
        self.at(self.line(loc, key=key), message)

    def warn(self, loc: Loc, message: str) -> None:
        """Something a teacher should look at that does not stop the deck from loading."""
        self._warnings.append(Problem(self.path, self.line(loc), message))
