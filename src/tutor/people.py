"""The people a deck's titles name, for questions that call them "Mr" or "Mrs".

Notes title a character or a person by first name and surname ("Arthur Birling: first
impressions", "Sybil Birling: hypocrisy and blame"); students call them what the play
does: "Mr Birling", "Mrs Birling", "mrs b". Read as words, "mr" met nothing and "birling"
every Birling card alike, and the cards that quote the Inspector saying "Mr Birling" came
first. Here "Mr <surname>" is read as the man of that surname the titles name ("Mrs" and
"Miss" the woman), a man or a woman by the pronouns of the cards about them; of several,
the one the deck names first (notes introduce parents before children), for "Miss" the
one it names last. A single letter stands for a surname ("mrs b").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.model import Card
from tutor.text import normalise

HE, SHE = "he", "she"
HONORIFICS: dict[str, str] = {"mr": HE, "mister": HE, "mrs": SHE, "miss": SHE, "ms": SHE}
# "Miss Birling" is the daughter: of several women of a surname, the one named last.
LAST_NAMED = frozenset({"miss"})
_PRONOUNS = re.compile(r"\b(?:(he|him|his|himself)|(she|her|hers|herself))\b", re.IGNORECASE)
# A title's subject that names a person: two capitalised words, the second the surname.
_PERSON = re.compile(r"^([A-Z][a-z]+) ([A-Z][a-z]+)$")
# Pronouns a person's cards must use, and how many times more one than the other, for the
# person to count as a man or a woman.
MIN_PRONOUNS = 3
PRONOUN_MARGIN = 1.2


@dataclass(frozen=True, slots=True)
class Person:
    first: str  # normalised: "arthur"
    surname: str  # normalised: "birling"
    gender: str  # HE, SHE or "" when the cards do not say


@dataclass(frozen=True, slots=True)
class People:
    """The people a deck's titles name, in the order the deck first names them."""

    people: tuple[Person, ...]

    @classmethod
    def of(cls, cards: Sequence[Card]) -> People:
        """The people the cards' titles name, each with the pronouns their cards use."""
        pronouns: dict[tuple[str, str], Counter[str]] = {}
        for card in cards:
            named = _person_of(card.title)
            if named is None:
                continue
            counts = pronouns.setdefault(named, Counter())
            for he, _she in _PRONOUNS.findall(card.body):
                counts[HE if he else SHE] += 1
        return cls(
            tuple(
                Person(first, surname, _gender(counts))
                for (first, surname), counts in pronouns.items()
            )
        )

    def read(self, words: Sequence[str]) -> list[str]:
        """The words with "mr <surname>" ("mrs b") as the person's first name and surname
        ("arthur birling"); as they are when the deck titles no such person."""
        if not self.people:
            return list(words)
        read: list[str] = []
        at = 0
        while at < len(words):
            gender = HONORIFICS.get(words[at])
            person = None
            if gender and at + 1 < len(words):
                person = self._called(gender, words[at + 1], last=words[at] in LAST_NAMED)
            if person is None:
                read.append(words[at])
                at += 1
            else:
                read += [person.first, person.surname]
                at += 2
        return read

    def _called(self, gender: str, name: str, *, last: bool) -> Person | None:
        """The first person (or the `last`) of `gender` or of no known gender with that
        surname, or with a surname of that initial when `name` is one letter."""
        called = [
            person
            for person in self.people
            if (person.surname == name or (len(name) == 1 and person.surname[0] == name))
            and person.gender in (gender, "")
        ]
        if not called:
            return None
        return called[-1] if last else called[0]


def _person_of(title: str) -> tuple[str, str] | None:
    """(first name, surname), normalised, of a title whose subject is two capitalised words
    ("Arthur Birling: first impressions", "Gerald Croft"); None otherwise."""
    subject = title.partition(":")[0].strip()
    found = _PERSON.match(subject)
    if found is None:
        return None
    first, surname = normalise(found.group(1)), normalise(found.group(2))
    if first in HONORIFICS or not first or not surname:
        return None
    return first, surname


def _gender(counts: Counter[str]) -> str:
    """HE or SHE when the cards about a person use one set of pronouns clearly more."""
    he, she = counts[HE], counts[SHE]
    if he + she < MIN_PRONOUNS:
        return ""
    if he >= PRONOUN_MARGIN * she:
        return HE
    if she >= PRONOUN_MARGIN * he:
        return SHE
    return ""
