"""Which terms a card's text defines, read from the few set ways notes define them.

    Mitochondria: where aerobic respiration happens…           (a term, then a colon)
    Nerve cell (neurone): long axon…                            (…with another name)
    Magnification = size of image ÷ size of real object         (a term, then "=")
    Differentiation is the process by which a cell…             (a term, then "is a/the…")
    …small rings of DNA called plasmids                         ("called", "known as")

A term asked alone that no card is titled by ("mitochondria", "plasmids") gets the card that
defines it before a chooser of the cards that merely mention it (deck_index.DeckIndex
.name_lookup). Plain teacher decks, titles and bullets only, define most of their terms in
one of these ways.

The text is searched for the marks (":", " is ", "called ") with plain string searches and
only the few places found are read: an index of 10,000 cards reads 50,000 lines, and a
pattern tried at every line would cost more than the rest of the build's reading.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

# A defined phrase is a few words: a longer run before a colon is a sentence, not a term
# ("Total magnification of a light microscope = …").
MAX_DEFINED_WORDS = 3

# How many texts defined_phrases_of reads as one.
CHUNK_TEXTS = 200
# "Nucleus: …", "Nerve cell (neurone): …", "Magnification = …", "Groynes – …": the first of
# these marks in a line, within its first _HEAD_CHARS characters.
_HEAD_MARKS = (":", "=", " – ", " — ")
_HEAD_CHARS = 90
# "Differentiation is the process…", "A tissue is a group…", "Plasmids are small rings…"
_STATE_MARKS = (" is ", " are ", " means ", " refers to ")
_STATED_NEXT = frozenset("a an the one any when where how what called known".split())
# "…called plasmids", "…known as the Politburo": the name ends at a mark or a small word.
_CALL_MARKS = ("called ", "known as ", "termed ")
_NAME = rf"[^\W\d_][\w'’-]*(?:[ \t]+[^\W\d_][\w'’-]*){{0,{MAX_DEFINED_WORDS - 1}}}?"
_CALLED = re.compile(
    rf"\b(?:called|known\s+as|termed)\s+(?:(?:a|an|the)\s+)?(?P<term>{_NAME})"
    r"(?=[ \t]*(?:[,.;:()!?\n]|$)|[ \t]+(?:and|or|which|that|who|where|because|in|of|to|for"
    r"|with|by|is|are|was|were)\b)"
)
_BULLETS = " \t•·*-–—"
_ARTICLES = frozenset({"a", "an", "the"})
# A phrase led by a negation is a contrast, not a definition ("No nucleus: one chromosome…").
_NEGATIONS = frozenset({"no", "not", "non", "never"})
_WORD_CHARS = frozenset("'’-")
_MARK_CHARS = ":=–— \t"
_QUOTES = frozenset("\"“‘'")


def defined_phrases(text: str) -> list[str]:
    """The phrases a card's text defines, each as written ("Nerve cell", "neurone")."""
    return defined_phrases_of([text])[0]


def defined_phrases_of(texts: Sequence[str]) -> list[list[str]]:
    """defined_phrases of many texts, read CHUNK_TEXTS at a time as one (a few string
    searches over each chunk instead of a few per card; whole decks at once would hold a
    copy of all their text)."""
    return [
        phrases
        for first in range(0, len(texts), CHUNK_TEXTS)
        for phrases in _read_together(texts[first : first + CHUNK_TEXTS])
    ]


def _read_together(texts: Sequence[str]) -> list[list[str]]:
    joined = "\n".join(texts)
    starts = list(accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
    found: list[tuple[int, str]] = []  # (position, phrase), in the order read
    headed_lines: set[int] = set()
    for line_start, at in _first_marks(joined, _HEAD_MARKS, _HEAD_CHARS):
        if _quotation_follows(joined, at):
            continue  # 'Returns the ring: "You and I…"' leads in to a quotation
        if terms := _term(joined[line_start:at]):
            headed_lines.add(line_start)
            found.extend((at, term) for term in terms)
    for line_start, at in _first_marks(joined, _STATE_MARKS, _HEAD_CHARS):
        following = joined[at : at + 40].split(maxsplit=2)
        if line_start not in headed_lines and following[1:2] and following[1] in _STATED_NEXT:
            found.extend((at, term) for term in _term(joined[line_start:at]))
    for mark in _CALL_MARKS:
        at = joined.find(mark)
        while at >= 0:
            if called := _CALLED.match(joined, at):
                found.append((at, called.group("term")))
            at = joined.find(mark, at + 1)
    per_text: list[list[str]] = [[] for _ in texts]
    for at, phrase in found:
        if phrase.split()[0].lower() not in _NEGATIONS:
            per_text[bisect_right(starts, at) - 1].append(phrase)
    return per_text


def _first_marks(text: str, marks: tuple[str, ...], within: int) -> list[tuple[int, int]]:
    """(line start, position) of the first of `marks` in each line that has one within
    `within` characters of its start."""
    first: dict[int, int] = {}
    for mark in marks:
        at = text.find(mark)
        while at >= 0:
            line_start = text.rfind("\n", 0, at) + 1
            if at - line_start <= within and at < first.get(line_start, len(text)):
                first[line_start] = at
            at = text.find(mark, at + 1)
    return sorted(first.items())


def _quotation_follows(text: str, at: int) -> bool:
    """Whether the head mark at `at` is followed by a quotation: the head then says who
    says it or when ("Birling: 'unsinkable'", "Returns the ring: \"You and I…\""), it
    defines nothing."""
    rest = text[at : at + 8].lstrip(_MARK_CHARS)
    return rest[:1] in _QUOTES


def _term(head: str) -> list[str]:
    """The term a definition's head names, with another name for it in brackets: "Nerve
    cell (neurone)" -> ["Nerve cell", "neurone"]; [] when the head is not a few words."""
    head = head.strip().lstrip(_BULLETS)
    names = [head]
    if head.endswith(")") and "(" in head:
        head, _, other = head[:-1].partition("(")
        names = [head.strip(), other.strip()]
    words = names[0].split()
    if words and words[0].lower() in _ARTICLES:
        names[0] = " ".join(words[1:])
    if not all(_is_phrase(name) for name in names):
        return []
    return names


def _is_phrase(text: str) -> bool:
    """One to MAX_DEFINED_WORDS words, each starting with a letter."""
    words = text.split()
    return 1 <= len(words) <= MAX_DEFINED_WORDS and all(
        word[0].isalpha() and all(ch.isalnum() or ch in _WORD_CHARS for ch in word)
        for word in words
    )
