"""Lenient grading of typed answers.

A student's answer is compared with every accepted answer, word by word:

* normalised first: case, accents, punctuation, "the"/"a"/"in"..., "&"/"+"/","/"/" as
  "and", number words as digits ("fifteenth" -> "15th");
* words match despite typos (Damerau-Levenshtein distance, allowed edits growing with
  length), in any order; words with digits must match exactly (years!);
* an answer in several parts ("Kamenev and Zinoviev") is correct only when every part is
  there; some of the parts, or the right part plus wrong ones, is CLOSE;
* a surname alone counts for a person's full name ("Kirov" for "Sergei Kirov"), and a
  full name for a surname;
* acronyms count both ways ("SIOC" for "Socialism in One Country", "new economic policy"
  for "NEP").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein


class Verdict(StrEnum):
    CORRECT = "correct"
    CLOSE = "close"
    WRONG = "wrong"


@dataclass(frozen=True, slots=True)
class Grade:
    verdict: Verdict
    score: float
    """Similarity to `matched` from 0 to 1 (rapidfuzz token-sort ratio), for display."""
    matched: str
    """The accepted answer the response was judged against ("" if none were given)."""


MAX_RESPONSE_CHARS = 300
"""Longer input is not an answer (a pasted essay, spam); grading it would only cost time."""

MIN_COVERAGE_FOR_CLOSE = 0.5
"""A response naming at least half the words of an answer (and nothing contradicting it)
is CLOSE: "Sergei" for "Sergei Kirov", "Economic Policy" for "New Economic Policy"."""

TYPOS_BY_WORD_LENGTH = ((3, 0), (6, 1), (10, 2))
"""(longest word, edits allowed): none up to 3 letters, where one edit makes another word
("Red"/"Rod"); one up to 6 ("Kirow"); two up to 10 ("Zinovyev", "Bukarin")."""
MAX_TYPOS_PER_WORD = 3
"""For longer words ("colectivisaton")."""

MIN_ACRONYM_LETTERS = 3
"""Two-letter initials ("SK") match too many things by accident."""

MAX_NAME_WORDS = 3
"""A person's name as typed: surname, optionally given name and patronymic or initial."""

_STOP_WORDS = frozenset(
    {"the", "a", "an", "in", "of", "on", "at", "by", "to", "for", "it", "was", "is"}
)
_NEGATIONS = frozenset({"not", "no", "never", "anti", "non"})
_SEPARATOR = re.compile(r"\s*(?:&|\+|,|;|/|\band\b)\s*", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[^\w\s&+,;/]")
_APOSTROPHES = re.compile(r"['\u2019`]")
_HAS_DIGIT = re.compile(r"\d")
_DOTTED_ACRONYM = re.compile(r"\b(?:\w\.){2,}")

_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
).split()
_ORDINAL_WORDS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
    "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
    "twentieth"
).split()
_ORDINAL_SUFFIX = {1: "st", 2: "nd", 3: "rd"}
_WORD_TO_NUMBER = {word: str(n) for n, word in enumerate(_NUMBER_WORDS)} | {
    word: f"{n}{'th' if 4 <= n <= 20 else _ORDINAL_SUFFIX.get(n % 10, 'th')}"
    for n, word in enumerate(_ORDINAL_WORDS)
}

_GENERIC_NOUNS = frozenset(
    """
    act agreement alliance army bank bloc campaign church committee company conference
    congress constitution council crisis declaration deviation economy empire enrolment
    faction front government group law league movement opposition pact party plan
    policy programme program purge purges reform reforms republic revolution society
    state strike system terror testament treaty trial trials union war will
    """.split()
)
"""Last words of the names of things rather than people, so "Policy" alone is not taken
as the "surname" of "New Economic Policy"."""


@dataclass(frozen=True, slots=True)
class _Part:
    """One part of an answer ("Kamenev" of "Kamenev and Zinoviev"), as words."""

    words: tuple[str, ...]
    acronyms: frozenset[str]
    is_person: bool
    is_acronym: bool


@dataclass(frozen=True, slots=True)
class _Answer:
    text: str
    normalised: str
    parts: tuple[_Part, ...]
    whole: _Part


def grade_typed(response: str, accepted: Sequence[str]) -> Grade:
    """Grade `response` against every accepted answer and keep the best verdict."""
    answers = [answer for answer in map(_parse, accepted) if answer.whole.words]
    if not answers:
        return Grade(Verdict.WRONG, 0.0, "")
    said = _parse(response) if len(response) <= MAX_RESPONSE_CHARS else None
    if said is None or not said.whole.words:
        return Grade(Verdict.WRONG, 0.0, answers[0].text)
    grades = [
        Grade(_verdict(said, answer), _similarity(said, answer), answer.text) for answer in answers
    ]
    return max(grades, key=lambda grade: (_RANK[grade.verdict], grade.score))


_RANK = {Verdict.WRONG: 0, Verdict.CLOSE: 1, Verdict.CORRECT: 2}


def _similarity(said: _Answer, answer: _Answer) -> float:
    return fuzz.token_sort_ratio(said.normalised, answer.normalised) / 100


def _verdict(said: _Answer, answer: _Answer) -> Verdict:
    """Whole answer as one bag of words first (order-free), then part by part."""
    whole = _part_verdict(said.whole, answer.whole)
    if whole is Verdict.CORRECT:
        return whole
    by_parts = _verdict_by_parts(said.parts, answer.parts)
    return max(whole, by_parts, key=_RANK.__getitem__)


def _verdict_by_parts(said: Sequence[_Part], expected: Sequence[_Part]) -> Verdict:
    best = [max((_part_verdict(s, e) for s in said), key=_RANK.__getitem__) for e in expected]
    found = best.count(Verdict.CORRECT)
    if found == len(expected) and len(said) == len(expected):
        return Verdict.CORRECT
    if found or Verdict.CLOSE in best:
        return Verdict.CLOSE
    return Verdict.WRONG


def _part_verdict(said: _Part, expected: _Part) -> Verdict:
    if _is_name_match(said, expected) or _is_acronym_match(said, expected):
        return Verdict.CORRECT
    if _numbers_disagree(said.words, expected.words) or _negates(said.words, expected.words):
        return Verdict.WRONG
    matched, unmatched_said = _match_words(said.words, expected.words)
    if matched == len(expected.words):
        return Verdict.CLOSE if unmatched_said else Verdict.CORRECT
    if matched / len(expected.words) >= MIN_COVERAGE_FOR_CLOSE:
        return Verdict.CLOSE
    return Verdict.WRONG


def _match_words(said: Sequence[str], expected: Sequence[str]) -> tuple[int, int]:
    """Pair words one to one, exact pairs first: (expected words matched, said words left)."""
    left = list(said)
    matched = 0
    for word in sorted(expected, key=lambda w: w not in left):
        partner = next((s for s in left if _words_match(s, word)), None)
        if partner is not None:
            left.remove(partner)
            matched += 1
    return matched, len(left)


def _words_match(said: str, expected: str) -> bool:
    if said == expected:
        return True
    if _HAS_DIGIT.search(said) or _HAS_DIGIT.search(expected):
        return False
    allowed = _allowed_typos(len(expected))
    return DamerauLevenshtein.distance(said, expected, score_cutoff=allowed) <= allowed


def _allowed_typos(length: int) -> int:
    for longest, allowed in TYPOS_BY_WORD_LENGTH:
        if length <= longest:
            return allowed
    return MAX_TYPOS_PER_WORD


def _numbers_disagree(said: Sequence[str], expected: Sequence[str]) -> bool:
    """Years and other numbers must be exactly those of the answer: 1927 is not 1928."""
    said_numbers = sorted(w for w in said if _HAS_DIGIT.search(w))
    expected_numbers = sorted(w for w in expected if _HAS_DIGIT.search(w))
    return said_numbers != expected_numbers


def _negates(said: Sequence[str], expected: Sequence[str]) -> bool:
    """ "not Stalin" is not "Stalin", however many words it shares."""
    return any(w in _NEGATIONS and w not in expected for w in said)


def _is_name_match(said: _Part, expected: _Part) -> bool:
    """A surname for a full name, or a full name for a surname ("Lev Kamenev", "S. Kirov")."""
    if not expected.is_person or not 1 <= len(said.words) <= MAX_NAME_WORDS:
        return False
    if any(w in _NEGATIONS or _HAS_DIGIT.search(w) for w in said.words):
        return False
    *said_given, said_surname = said.words
    *given, surname = expected.words
    if not _words_match(said_surname, surname):
        return False
    if not given:
        return len(said_given) <= 1
    return all(any(_is_given_name(w, name) for name in given) for w in said_given)


def _is_given_name(said: str, given: str) -> bool:
    return _words_match(said, given) or (len(said) == 1 and given.startswith(said))


def _is_acronym_match(said: _Part, expected: _Part) -> bool:
    if len(said.words) == 1 and said.words[0] in expected.acronyms:
        return True
    return expected.is_acronym and expected.words[0] in said.acronyms


def _parse(text: str) -> _Answer:
    folded_parts = [chunk for chunk in _SEPARATOR.split(_fold(text)) if chunk.strip()]
    originals = _original_parts(text, len(folded_parts))
    parts = tuple(
        part
        for chunk, original in zip(folded_parts, originals, strict=True)
        if (part := _part(chunk, original)).words
    )
    if len(parts) == 1:
        whole = parts[0]
    else:
        words = tuple(word for part in parts for word in part.words)
        whole = _Part(words, frozenset(), is_person=False, is_acronym=False)
    return _Answer(text=text.strip(), normalised=" ".join(whole.words), parts=parts, whole=whole)


def _part(chunk: str, original: str) -> _Part:
    tokens = _PUNCTUATION.sub(" ", chunk).split()
    words = tuple(_WORD_TO_NUMBER.get(t, t) for t in tokens if t not in _STOP_WORDS)
    return _Part(
        words=words or tuple(tokens),
        acronyms=_acronyms(tokens),
        is_person=_looks_like_person(original),
        is_acronym=_looks_like_acronym(original),
    )


def _original_parts(text: str, count: int) -> list[str]:
    """The parts with their original capitals, to recognise names and acronyms."""
    pieces = [chunk for chunk in _SEPARATOR.split(_strip_accents(text)) if chunk.strip()]
    return pieces if len(pieces) == count else [""] * count


def _looks_like_person(original: str) -> bool:
    """ "Sergei Kirov", "Kamenev": one to three capitalised words, the last not "Policy"."""
    words = _PUNCTUATION.sub(" ", _APOSTROPHES.sub("", original)).split()
    if not 1 <= len(words) <= MAX_NAME_WORDS:
        return False
    capitalised = all(w[0].isupper() and w.isalpha() and not w.isupper() for w in words)
    return capitalised and words[-1].lower() not in _GENERIC_NOUNS


def _looks_like_acronym(original: str) -> bool:
    word = original.strip().replace(".", "")
    return len(word) >= MIN_ACRONYM_LETTERS and word.isalpha() and word.isupper()


def _acronyms(tokens: Sequence[str]) -> frozenset[str]:
    """Initials of all words and of the significant ones: "sioc" and "soc"."""
    significant = [t for t in tokens if t not in _STOP_WORDS]
    candidates = {"".join(t[0] for t in tokens), "".join(t[0] for t in significant)}
    return frozenset(c for c in candidates if len(c) >= MIN_ACRONYM_LETTERS and c.isalpha())


def _fold(text: str) -> str:
    folded = _APOSTROPHES.sub("", _strip_accents(text).casefold())
    folded = _DOTTED_ACRONYM.sub(lambda match: match.group(0).replace(".", ""), folded)
    return re.sub(r"[-\u2013\u2014_.]", " ", folded)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
