"""Reading text the way the matcher does: normalising, stemming, function words,
acronyms, and how common a word is in English.

Shared by the index (card text) and by questions, so both sides always agree.
"""

from __future__ import annotations

import gzip
import heapq
import html
import math
import random
import re
import string
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import snowballstemmer
import spellchecker

from tutor.lexicon import (
    CARDINALS,
    COUNTING_WORDS,
    IRREGULAR_FORMS,
    MARK_WORDS,
    ORDINALS,
    QUESTION_WORDS,
    SLIP_KEEPERS,
    SLIPS_AFTER_QUESTION_WORDS,
    STOP_VERBS,
    STOPWORDS,
    Phrases,
)
from tutor.shorthand import TEXTING_DIGITS

MAX_QUERY_CHARS = 400
# Two-letter initials ("tf", "wr") collide with everyday chat; teachers can still list a
# short acronym ("PR") as an alias.
MIN_ACRONYM_LENGTH = 3

# An English word this frequent in pyspellchecker's word list is taken as meant, not as a
# typo of a deck word: "marry" is not "carry", "awake" is not "aware".
ENGLISH_WORD_MIN_FREQUENCY = 5000
# log10(corpus size / word frequency) of an everyday and of a specialist word.
EVERYDAY_RARITY, SPECIALIST_RARITY, EVERYDAY_WEIGHT = 2.5, 5.5, 0.4
# The same scale for a word the deck never uses, shifted towards rarer words: a common
# English word no card uses ("prevent", "becoming") is mostly how a student phrases a
# question, a rare one ("photosynthesis", "trampoline") what it is about.
UNKNOWN_EVERYDAY_RARITY, UNKNOWN_SPECIALIST_RARITY = 2.5, 5.5

_stemmer = snowballstemmer.stemmer("english")
_APOSTROPHE_S = re.compile(r"['’`´]s\b")
_APOSTROPHES = re.compile(r"['’`´]")
_DIGIT_GROUPS = re.compile(r"(\d)[,.](\d{3})\b")
# Each byte that is not a lower-case ASCII letter or digit -> a space (see _words_only).
_WORD_BYTES = bytes(
    byte if chr(byte) in string.ascii_lowercase + string.digits else ord(" ") for byte in range(256)
)
# A power typed with a caret, as a superscript reads once decomposed: "x^2" is "x²" ("x2").
_CARET_POWER = re.compile(r"(?<=[a-z])\s*\^\s*(\d+)\b")
# The letters that stand for numbers when alone: not "a" or "i", which are words ("a
# squared number"); tutor.notation reads its unknowns with them too.
VARIABLE_LETTERS = "b-hj-z"
# A letter squared or cubed in words: "x squared" is "x²" too.
_POWER_WORD = re.compile(rf"\b([{VARIABLE_LETTERS}]) (squared|cubed)\b")
_POWER_DIGITS = {"squared": "2", "cubed": "3"}
_SPACED_PUNCTUATION = "•–—“”·"
_COMBINING_MARKS = re.compile(
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_REPEATS = re.compile(r"([a-z])\1{2,}")
# "Source A", "Figure 2": a lettered or numbered exhibit is one word, so the letter counts.
_EXHIBIT_WORDS = ("source", "fig", "table", "interpretation", "extract", "document", "map")
_EXHIBIT = re.compile(rf"\b({'|'.join(_EXHIBIT_WORDS)}|figure)\s+([a-z0-9])\b")
# A joined exhibit; "sources", "maps" are plurals (an exhibit S is too unlikely to matter).
_EXHIBIT_WORD = re.compile(rf"({'|'.join(_EXHIBIT_WORDS)}|figure)[a-rt-z0-9]")
DECADE = re.compile(r"^(\d{1,3})0s$")


class WordCounts:
    """English word frequencies in 3 MiB, where a dict of the 160,000 words takes 20:
    each word is kept only as its hash, in an open-addressing table beside its count.
    Two words sharing a 64-bit hash (odds about one in 10**9) would only lend one the
    other's frequency."""

    _ENTRY = re.compile(r'"([^"\\]+)":\s*(\d+)')
    _SLOTS = 1 << 18  # a power of two over 1.5x the words: short probe runs

    def __init__(self, lines: Iterable[str]) -> None:
        self._hashes = array("q", bytes(8 * self._SLOTS))  # 0: an empty slot
        self._counts = array("I", bytes(4 * self._SLOTS))  # counts < 2**32 (max ~7.6e7)
        self.total = self.size = 0
        for line in lines:  # the file's plain {"word": count, ...}, one entry a line
            match = self._ENTRY.search(line)
            if match is not None:
                self._put(match.group(1), int(match.group(2)))

    def _slot(self, word: str) -> tuple[int, int]:
        """The word's key and the slot that holds it, or the empty one where it would go."""
        key = hash(word) or 1
        mask = self._SLOTS - 1
        at = key & mask
        while self._hashes[at] not in (0, key):
            at = (at + 1) & mask
        return key, at

    def _put(self, word: str, count: int) -> None:
        if self.size >= self._SLOTS * 2 // 3:
            raise ValueError("the English word list outgrew its table")
        key, at = self._slot(word)
        if self._hashes[at] == 0:
            self.size += 1
        self._hashes[at], self._counts[at] = key, count
        self.total += count

    def get(self, word: str, default: int = 0) -> int:
        key, at = self._slot(word)
        return self._counts[at] if self._hashes[at] == key else default

    def __len__(self) -> int:
        return self.size


_ENGLISH_WORD_LIST = Path(spellchecker.__file__).parent / "resources" / "en.json.gz"


@lru_cache(maxsize=1)
def english_frequencies() -> WordCounts:
    """How often each English word occurs, from the word list pyspellchecker ships."""
    with gzip.open(_ENGLISH_WORD_LIST, "rt", encoding="utf-8") as file:
        return WordCounts(file)


def most_frequent_english_words(count: int) -> list[str]:
    """The `count` most frequent English words, most frequent first: read from the word
    list as a stream, since `WordCounts` keeps only hashes, not the words."""
    entries = WordCounts._ENTRY
    with gzip.open(_ENGLISH_WORD_LIST, "rt", encoding="utf-8") as file:
        found = (entries.search(line) for line in file)
        ranked = (
            (int(m.group(2)), -order, m.group(1))  # ties keep the list's order
            for order, m in enumerate(found)
            if m is not None
        )
        return [word for _, _, word in heapq.nlargest(count, ranked)]


_BRITISH_ENDINGS = (
    ("our", "or"),
    ("ours", "ors"),
    ("ise", "ize"),
    ("ised", "ized"),
    ("ising", "izing"),
    ("isation", "ization"),
    ("yse", "yze"),
    ("tre", "ter"),
    ("ogue", "og"),
    ("lled", "led"),
    ("lling", "ling"),
)


@lru_cache(maxsize=65536)
def english_frequency(word: str) -> int:
    """How common `word` is in English; British spellings count as their American twins
    (the shipped list is American: "favour" is as common as "favor")."""
    frequencies = english_frequencies()
    count = frequencies.get(word, 0)
    for british, american in _BRITISH_ENDINGS:
        if word.endswith(british):
            count = max(count, frequencies.get(word[: -len(british)] + american, 0))
    return count


@lru_cache(maxsize=1)
def _english_total() -> int:
    return english_frequencies().total


@lru_cache(maxsize=65536)
def specificity(word: str) -> float:
    """0.4 for everyday words ("take", "own") rising to 1 for specialist ones ("successor").

    A deck's own statistics cannot tell that "possible" says little about what a student
    wants even if only one card uses it; general English usage can.
    """
    return _rarity_weight(word, EVERYDAY_RARITY, SPECIALIST_RARITY)


@lru_cache(maxsize=65536)
def unknown_specificity(word: str) -> float:
    """specificity() for a word no card of the deck uses: weighs an unknown word by its
    English frequency on a scale shifted towards rarer words (UNKNOWN_*_RARITY)."""
    return _rarity_weight(word, UNKNOWN_EVERYDAY_RARITY, UNKNOWN_SPECIALIST_RARITY)


def _rarity_weight(word: str, everyday: float, specialist: float) -> float:
    """EVERYDAY_WEIGHT for a word at least as common as rarity `everyday` (log10 of the
    corpus size over its frequency), rising linearly to 1 at rarity `specialist`."""
    if word in CARDINALS or (word.isdigit() and len(word) <= 2):
        return EVERYDAY_WEIGHT  # "two biggest cities": small numbers are everyday words
    rarity = math.log10(_english_total() / (english_frequency(word) + 1))
    span = (rarity - everyday) / (specialist - everyday)
    return EVERYDAY_WEIGHT + (1 - EVERYDAY_WEIGHT) * min(1.0, max(0.0, span))


def collapse_repeats(word: str) -> str:
    """ "sooo" -> "so", "diffffusion" -> "difusion": letters typed three or more times.

    Used on a question word the deck does not know, never on card text, so Roman
    numerals ("Henry VIII") keep their letters.
    """
    return _REPEATS.sub(r"\1", word)


def normalise(text: str, *, limit: int | None = MAX_QUERY_CHARS * 10) -> str:
    """Lower-case ASCII words: accents, apostrophes, punctuation and emoji removed.

    `limit` cuts a student's text short; card text is read whole (limit=None).
    """
    text = (text if limit is None else text[:limit]).casefold()
    if not text.isascii():
        # Bullets, dashes and curly quotes are most of the non-ASCII in card text and mean a
        # space; once they are spaces, most cards skip the Unicode decomposition below.
        # (str.replace: str.translate is ten times slower on such text.)
        for mark in _SPACED_PUNCTUATION:
            text = text.replace(mark, " ")
    if not text.isascii():
        text = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))
    if "'" in text or not text.isascii() or "`" in text:
        text = _APOSTROPHES.sub("", _APOSTROPHE_S.sub("s", text))
    text = _DIGIT_GROUPS.sub(r"\1\2", text)
    if "^" in text:
        text = _CARET_POWER.sub(r"\1", text)
    text = _words_only(text)
    if "squared" in text or "cubed" in text:
        text = _POWER_WORD.sub(lambda found: found[1] + _POWER_DIGITS[found[2]], text)
    if any(word in text for word in _EXHIBIT_WORDS):
        text = _EXHIBIT.sub(r"\1\2", text)
    return text


def _words_only(text: str) -> str:
    """The runs of lower-case ASCII letters and digits, one space between them: everything
    else is a separator. A byte translation, about three times faster than a regular
    expression on card text (4-5 % of a large index's build); non-ASCII becomes "?" first."""
    return " ".join(text.encode("ascii", "replace").translate(_WORD_BYTES).decode("ascii").split())


def is_exhibit(word: str) -> bool:
    """Whether a normalised word is a lettered or numbered exhibit ("sourcea", "figure2")."""
    return _EXHIBIT_WORD.fullmatch(word) is not None


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


MEANING_CACHE: dict[str, str] = {}
FIELD_MARKER = "0fieldbreak0"
FIELD_BREAK = f" {FIELD_MARKER} "


def word_meaning(word: str) -> str:
    """The word as it is indexed ("took" -> "take", "tenth" -> "10th", "five" -> "5"); "" for a
    function word or a lone letter. Cached: the same few thousand words recur in every card."""
    meaning = MEANING_CACHE.get(word)
    if meaning is None:
        meaning = IRREGULAR_FORMS.get(word) or ORDINALS.get(word) or CARDINALS.get(word, word)
        if (len(meaning) < 2 and not meaning.isdigit()) or is_stopword(meaning):
            meaning = ""
        if len(MEANING_CACHE) < 200_000:
            MEANING_CACHE[word] = meaning
    return meaning


def word_term(word: str) -> str:
    """The index term of a normalised word ("" for a function word)."""
    meaning = MEANING_CACHE.get(word)
    if meaning is None:
        meaning = word_meaning(word)
    return stem(meaning) if meaning else ""


def spell_texting_digits(words: Sequence[str]) -> list[str]:
    """Normalised words with a digit texted for a word spelled out ("happened 2 bukharin"
    -> "happened to bukharin"), when it stands between two words and follows one that
    does not count things; a number elsewhere ("the 2 sides", "plan 4", algebra's
    "(x + 4)(x - 2)") stays a number."""
    spelled = list(words)
    for i in range(1, len(words) - 1):
        word = TEXTING_DIGITS.get(words[i])
        before, after = words[i - 1], words[i + 1]
        if (
            word
            and before.isalpha()
            and after.isalpha()
            and before not in COUNTING_WORDS
            and after not in MARK_WORDS  # "(4 marks)"
            and not (len(before) == 1 and len(after) == 1)  # "x + 4)(x", "a 2 b"
        ):
            spelled[i] = word
    return spelled


def phrase_positions(words: Sequence[str], phrases: Iterable[tuple[str, ...]]) -> set[int]:
    """The positions of the words that any of `phrases` (each a tuple of words) covers
    where it stands in `words`."""
    found: set[int] = set()
    if isinstance(phrases, Phrases):  # only the phrases each word opens
        opened = phrases.by_first_word
        for at, word in enumerate(words):
            for phrase in opened.get(word, ()):
                if tuple(words[at : at + len(phrase)]) == phrase:
                    found.update(range(at, at + len(phrase)))
        return found
    for phrase in phrases:
        for at in range(len(words) - len(phrase) + 1):
            if tuple(words[at : at + len(phrase)]) == phrase:
                found.update(range(at, at + len(phrase)))
    return found


def mend_slips(words: Sequence[str]) -> list[str]:
    """Normalised words with an English word typed for a function word read as it where
    the sentence shows it ("what dose osmosis mean" -> does; "what dose of x-rays" stays)."""
    mended = list(words)
    for i in range(1, len(words)):
        word = SLIPS_AFTER_QUESTION_WORDS.get(words[i])
        after = words[i + 1] if i + 1 < len(words) else ""
        if word and words[i - 1] in QUESTION_WORDS and after not in SLIP_KEEPERS:
            mended[i] = word
    return mended


@lru_cache(maxsize=65536)
def is_stopword(word: str) -> bool:
    """A function word, or a form of one ("explaining", "compared")."""
    return word in STOPWORDS or stem(word) in _stopword_stems()


@lru_cache(maxsize=1)
def _stopword_stems() -> frozenset[str]:
    return frozenset(stem(word) for word in STOP_VERBS)


def acronyms(phrase: str) -> set[str]:
    """Initials of a multi-word name: "Socialism in One Country" -> {"sioc", "soc"}."""
    return acronyms_of_words(normalise(phrase).split())


def acronyms_of_words(every_word: Sequence[str]) -> set[str]:
    """acronyms() of a name already split into normalised words (no second normalise)."""
    meaning_words = [word for word in every_word if word not in STOPWORDS]
    found = set()
    for words in (every_word, meaning_words):
        if len(words) >= 2:
            found.add("".join(word[0] for word in words))
    return {acronym for acronym in found if len(acronym) >= MIN_ACRONYM_LENGTH}


def spelling_variants(word: str) -> list[str]:
    """The British or American twin of a word: "labor" -> "labour", "organise" -> "organize"."""
    variants = []
    for british, american in _BRITISH_ENDINGS:
        if word.endswith(british):
            variants.append(word[: -len(british)] + american)
        elif word.endswith(american):
            variants.append(word[: -len(american)] + british)
    return variants


# ----- student text as text ----------------------------------------------------------------
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
# Link text holds no bracket and the address no parenthesis, so a message of brackets is
# read in one pass (with "[^\]]*" a 4,000-character run of "[" took 80 ms).
_MARKDOWN_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
_MARKDOWN_MARKERS = re.compile(r"(\*{1,3}|_{1,3}|~~|`{1,3}|^#{1,6}\s|^[ \t]*[-*+]\s)", re.MULTILINE)


def plain_text(text: str) -> str:
    """What a student pasted, read as text: quoted reply lines (`> ...`) dropped, HTML tags
    removed and entities decoded, Markdown links reduced to their words and emphasis, code and
    heading markers removed. "<b>trotsky</b> &amp; funeral" -> "trotsky & funeral"."""
    if ">" in text:
        unquoted = _QUOTED_LINE.sub("", text)
        text = unquoted if unquoted.strip() else text.lstrip(" \t>")
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "](" in text:
        text = _MARKDOWN_LINK.sub(r"\1", text)
    return _MARKDOWN_MARKERS.sub(" ", text)


# ----- numerals ------------------------------------------------------------------------------
_ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_UPPER_WORD = re.compile(r"\b[IVXLCDM]{2,}\b")


def roman_value(word: str) -> int | None:
    """The number a Roman numeral stands for ("xvii" -> 17), else None."""
    upper = word.upper()
    if not upper or not _ROMAN.match(upper):
        return None
    total = 0
    for letter, following in zip(upper, [*upper[1:], ""], strict=True):
        value = _ROMAN_VALUES[letter]
        total += -value if following and _ROMAN_VALUES[following] > value else value
    return total


def roman_numerals(text: str) -> list[str]:
    """The numbers of the Roman numerals written in capitals in card text ("Plan XVII" ->
    ["17"]); capitals only, so the words "mix" or "civil" are never read as numbers."""
    found = []
    for match in _UPPER_WORD.finditer(text):
        value = roman_value(match.group())
        if value:
            found.append(str(value))
    return found


# ----- general-English noise probes ----------------------------------------------------------
PROBE_COUNT = 1500
PROBE_WORD_RANKS = (100, 3000)
PROBE_SEED = 20261205


@lru_cache(maxsize=1)
def noise_probes() -> tuple[str, ...]:
    """Questions made of 1-4 random everyday English words (a fixed seed, so every index gets
    the same): what a deck scores on them is its own noise level, the scale its abstention
    threshold is read from (see deck_index.DeckIndex)."""
    ranked = most_frequent_english_words(2 * PROBE_WORD_RANKS[1])
    words = [w for w in ranked if w.isalpha() and len(w) > 2 and not is_stopword(w)]
    pool = words[PROBE_WORD_RANKS[0] : PROBE_WORD_RANKS[1]]
    rng = random.Random(PROBE_SEED)
    return tuple(" ".join(rng.sample(pool, rng.randint(1, 4))) for _ in range(PROBE_COUNT))


# Emoji (and the variation selector after some), which students type where a full stop
# would go ("what even is that 😂 my mate said…").
EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]+")
_SENTENCE_MARKS = '.!?:;•\n("“–—-'
_CAPITALISED_WORD = re.compile(r"\b[A-Z][A-Za-z’']*")


def capital_uses(text: str) -> tuple[list[str], list[str]]:
    """(words written with a capital inside a sentence: "Kamenev", "the Right", "NEP" —
    how a deck shows which of its words are names; every word written with a capital,
    sentence starts included: with a count of all its words, this tells how often a deck
    writes a word in lower case), as normalised words."""
    inside, every = [], []
    for match in _CAPITALISED_WORD.finditer(text):
        word = match.group()
        words = [word.lower()] if word.isascii() and word.isalpha() else normalise(word).split()
        every.extend(words)
        start = match.start()
        before = text[max(0, start - 3) : start]
        # A sentence starts here when only spaces come before the word, or a sentence
        # mark (a line break included) followed by spaces.
        stripped = before.rstrip()
        if stripped and stripped[-1] not in _SENTENCE_MARKS and "\n" not in before[len(stripped) :]:
            inside.extend(words[:1])
    return inside, every


_NAME_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:of\s+|the\s+|and\s+)?[A-Z][a-z]+)+")


def name_runs(text: str) -> list[str]:
    """Runs of two or more capitalised words ("Shoreline Management Plan", "Lev Kamenev"):
    the names whose initials a student may type."""
    return [match.group() for match in _NAME_RUN.finditer(text)]
