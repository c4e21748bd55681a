"""The numbered parts of a work that a card or a question names: "Act 1 Scenes 4–7",
"act 1 scene 7", "Chapter 3", "Stave 2".

A play's cards title their scenes ("Plotting the murder (Act 1 Scenes 4–7)") and students
ask by number ("act 1 scene 7 macbeth changes his mind"). Read as words, the numbers met
every card that writes a 1 or a 7 ("act 1 scene 5" got *Key quotations*, "act 3 scene 2"
the Act 4 card titled "Scenes 2–3"), and a range's inside ("Scenes 4–7" holds 5 and 6)
met nothing. Here each part a reference covers becomes one term of its own: "section"
then the kind and number, a scene also with its act ("sectionact1scene5", and
"sectionact1", "sectionscene5"), so a question's reference meets exactly the cards whose
text covers it, as a rare word of the deck.

A question's reference is its most specific term; a deck that has no such term reads the
act a scene belongs to (broader), else the words as typed (as_typed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tutor.lexicon import CARDINALS
from tutor.text import roman_value

PREFIX = "section"
# Parts a work is numbered in. Scenes belong to acts; the others stand alone.
_STANDALONE = {"chapter": "chapter", "chapters": "chapter", "stave": "stave", "staves": "stave"}
# The highest number each kind of part reaches: "Education Act 1944" names no act.
_MOST = {"act": 10, "scene": 30, "chapter": 80, "stave": 10}
# A range longer than this ("Chapters 1–80") is read as its ends only.
MAX_RANGE = 30
# Numbers a student spells out for a part, up to "twelve" (the general English table).
MOST_SPELT = 12
_NUMBER_WORDS = {word: int(n) for word, n in CARDINALS.items() if int(n) <= MOST_SPELT}
_NUMBER = r"(?:\d{1,4}|[ivxlc]{1,6}|" + "|".join(_NUMBER_WORDS) + r")"
_RANGE_MARK = r"\s*(?:-|–|—|to)\s*"
_LIST_MARK = r"\s*(?:,|&|\+|and)\s*"
_NUMBERS = rf"{_NUMBER}(?:(?:{_RANGE_MARK}|{_LIST_MARK}){_NUMBER}\b)*"
_REFERENCE = re.compile(
    rf"\bacts?\s+(?P<act>{_NUMBER})(?:\.(?P<dotted>\d{{1,2}}))?\b"
    rf"(?:\s*[,:;\-–—]?\s*(?:scenes?|sc\.?)\s+(?P<scenes>{_NUMBERS})\b)?"
    rf"|\bscenes?\s+(?P<lone_scenes>{_NUMBERS})\b"
    rf"|\b(?P<kind>chapters?|staves?)\s+(?P<parts>{_NUMBERS})\b",
    re.IGNORECASE,
)
# Roman numerals that are also words when typed in lower case, read as an act's number
# only with a scene after them ("act i scene iii").
_LONE_LETTERS = frozenset({"i", "v", "x"})
# Substrings every reference has one of (the text is looked at lower-cased, after a space).
_CUES = (
    " act ",
    " acts ",
    "(act ",
    "\nact ",
    "\nacts ",
    "scene",
    " sc ",
    " sc.",
    "chapter",
    "stave",
)
_PART_NUMBER = re.compile(_NUMBER, re.IGNORECASE)
_RANGE = re.compile(rf"({_NUMBER}){_RANGE_MARK}({_NUMBER})$", re.IGNORECASE)
_TERM = re.compile(rf"^{PREFIX}(?:act(\d+)(?:(scene)(\d+))?|(scene|chapter|stave)(\d+))$")


def section_terms(text: str) -> list[str]:
    """Every term of every part the text's references cover, each once, in order: a card's
    "Act 1 Scenes 4–7" is act 1, and scenes 4, 5, 6 and 7 of it, each also as a scene."""
    if not _has_cue(text):
        return []
    terms: dict[str, None] = {}
    for match in _REFERENCE.finditer(text):
        for covered in _covered_terms(match):
            terms.update(dict.fromkeys(covered))
    return list(terms)


def read_sections(text: str) -> tuple[str, list[str]]:
    """A question's text without its references, and the most specific term of each part
    they name ("act 1 scene 7" -> "sectionact1scene7")."""
    if not _has_cue(text):
        return text, []
    terms: dict[str, None] = {}

    def taken(match: re.Match[str]) -> str:
        covered = list(_covered_terms(match))
        if not covered:
            return match.group(0)  # "Act 1944": no act, left as words
        terms.update(dict.fromkeys(part[0] for part in covered))
        return " "

    return _REFERENCE.sub(taken, text), list(terms)


def is_section_term(word: str) -> bool:
    """Whether a word is a term this module makes (never read as a typo of another)."""
    return word.startswith(PREFIX) and _TERM.match(word) is not None


def broader(term: str) -> str | None:
    """The act a scene's term belongs to ("sectionact1scene7" -> "sectionact1"); None for
    any other term."""
    found = _TERM.match(term)
    if found is None or not found.group(2):
        return None
    return f"{PREFIX}act{found.group(1)}"


def as_typed(term: str) -> tuple[str, ...]:
    """A section term as the words a student types for it ("sectionact1scene7" -> "act",
    "1", "scene", "7"): what a deck that numbers no such part reads instead."""
    found = _TERM.match(term)
    if found is None:
        return (term,)
    act, scene, scene_number, kind, number = found.groups()
    if act:
        return ("act", act, scene, scene_number) if scene else ("act", act)
    return (kind, number)


def _has_cue(text: str) -> bool:
    """Whether the text has a word every reference starts with (most texts number no
    parts: a few scans in C, before any regular expression)."""
    lowered = f" {text.lower()}"
    return any(cue in lowered for cue in _CUES)


def _covered_terms(match: re.Match[str]) -> Iterator[list[str]]:
    """Per part a reference names, its terms, most specific first; none when a number is
    out of its kind's range."""
    if match.group("kind"):
        kind = _STANDALONE[match.group("kind").lower()]
        for part in _numbers(match.group("parts"), _MOST[kind]):
            yield [f"{PREFIX}{kind}{part}"]
        return
    if match.group("lone_scenes"):
        for scene in _numbers(match.group("lone_scenes"), _MOST["scene"]):
            yield [f"{PREFIX}scene{scene}"]
        return
    act = _number(match.group("act"))
    if act is None or not 1 <= act <= _MOST["act"]:
        return
    scenes = match.group("dotted") or match.group("scenes")
    if not scenes and match.group("act") in _LONE_LETTERS:
        return  # "how does she act i think": a pronoun, not Act I
    if not scenes:
        yield [f"{PREFIX}act{act}"]
        return
    for scene in _numbers(scenes, _MOST["scene"]):
        yield [f"{PREFIX}act{act}scene{scene}", f"{PREFIX}act{act}", f"{PREFIX}scene{scene}"]


def _numbers(text: str, most: int) -> list[int]:
    """The numbers a list of parts names ("4–7", "1 and 2", "iii to v"), ranges filled in,
    each from 1 to `most`."""
    found: list[int] = []
    for item in re.split(_LIST_MARK, text, flags=re.IGNORECASE):
        ends = _RANGE.match(item.strip())
        if ends:
            first, last = _number(ends.group(1)), _number(ends.group(2))
            if first is not None and last is not None and 0 < last - first < MAX_RANGE:
                found.extend(range(first, last + 1))
                continue
        found.extend(
            value for part in _PART_NUMBER.findall(item) if (value := _number(part)) is not None
        )
    return [number for number in dict.fromkeys(found) if 1 <= number <= most]


def _number(text: str) -> int | None:
    """A part's number written as digits, a Roman numeral or a word ("7", "vii", "seven")."""
    lowered = text.lower()
    if lowered.isdigit():
        return int(lowered)
    if lowered in _NUMBER_WORDS:
        return _NUMBER_WORDS[lowered]
    return roman_value(text.upper())
