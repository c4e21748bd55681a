"""English word links from WordNet: word forms, derivations, everyday synonyms, the
attribute an adjective is a value of ("hot" -> temperature), and the senses of multi-word
verbs ("get rid of" -> remove, "take over" -> seize).

The table (data/wordnet-links.tsv.gz) is built from Princeton WordNet 3.0 by
scripts/build_wordnet.py and shipped with the package; it is read on first use, never
downloaded. Links are kept by stem, the way the index stores words, so "Germans" (stem
"german") meets "Germany" and "revolutionary" meets "revolution".
"""

from __future__ import annotations

import gzip
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources

from tutor.lexicon import IRREGULAR_FORMS
from tutor.text import is_stopword, stem

# How much a linked word counts against an exact match (1.0). An irregular form is the
# same word; a derivation or pertainym is the same idea in another part of speech; a
# synonym of an everyday word is looser still; an adjective's attribute ("smaller" ->
# size, "too hot" -> temperature) names what the student asks about, not the same idea
# (0.3: 0.5 lost tune questions, 0.2 gained fewer; docs/matcher-history.md). An informal
# term ("dad", "mum", "mate") means what it is a term for, as a derivation does.
LINK_QUALITY: Mapping[str, float] = {
    "form": 0.9,
    "derived": 0.7,
    "synonym": 0.5,
    "attribute": 0.3,
    "informal": 0.7,
}
# How much a word of a multi-word verb's most frequent sense, and of its next senses,
# counts for the phrase ("get rid of" is "remove", and less often "eliminate").
PHRASE_QUALITY: Mapping[str, float] = {"phrase": 0.9, "phrase2": 0.7}
# A question's multi-word verb is written as its WordNet lemma, words joined by this.
PHRASE_JOINER = "_"
TABLE = "wordnet-links.tsv.gz"
WORDS = "wordnet-words.txt.gz"
COMPOUNDS = "wordnet-compounds.txt.gz"


class _Links:
    """stem -> {linked stem: quality} in about 2 MiB, where dicts of dicts take 9: the
    source stems are kept only as sorted 64-bit hashes (as `text.WordCounts` keeps
    English words), each pointing at its targets in one shared string, parsed on lookup
    (the index caches what a question word matches, so each stem is parsed rarely)."""

    def __init__(self, links: dict[str, dict[str, float]]) -> None:
        entries = sorted((hash(source), source) for source in links)
        self._hashes = array("q", (key for key, _ in entries))
        self._starts = array("I")
        parts: list[str] = []
        length = 0
        for _, source in entries:
            self._starts.append(length)
            part = " ".join(f"{target}={quality}" for target, quality in links[source].items())
            parts.append(part)
            length += len(part)
        self._starts.append(length)
        self._targets = "".join(parts)

    def get(self, word_stem: str) -> dict[str, float]:
        key = hash(word_stem)
        at = bisect_left(self._hashes, key)
        if at == len(self._hashes) or self._hashes[at] != key:
            return {}
        found = self._targets[self._starts[at] : self._starts[at + 1]]
        return {
            target: float(quality)
            for target, quality in (item.split("=") for item in found.split())
        }


class _StemSet:
    """A frozen set of stems kept as sorted 64-bit hashes: 0.5 MiB instead of 5."""

    def __init__(self, stems: set[str]) -> None:
        self._hashes = array("q", sorted(hash(item) for item in stems))

    def __contains__(self, item: object) -> bool:
        key = hash(item)
        at = bisect_left(self._hashes, key)
        return at < len(self._hashes) and self._hashes[at] == key


def _stem_uncached(word: str) -> str:
    """`stem` without filling its cache with the whole table's words."""
    return stem.__wrapped__(word)


@lru_cache(maxsize=1)
def links_by_stem() -> _Links:
    """stem -> {linked stem: quality}, both ways for derivations."""
    data = resources.files("tutor.data").joinpath(TABLE).read_bytes()
    links: dict[str, dict[str, float]] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        word, kind, others = line.split("\t")
        if kind in PHRASE_QUALITY:
            continue
        quality = LINK_QUALITY[kind]
        source = _stem_uncached(word)
        targets = links.setdefault(source, {})
        for other in others.split():
            target = _stem_uncached(other)
            if target != source and quality > targets.get(target, 0.0):
                targets[target] = quality
    return _Links(links)


def linked_stems(word_stem: str) -> Mapping[str, float]:
    """The stems WordNet links to `word_stem`, with the quality of each link."""
    return links_by_stem().get(word_stem)


@lru_cache(maxsize=1)
def english_stems() -> _StemSet:
    """The stems of every single-word WordNet lemma (data/wordnet-words.txt.gz)."""
    data = resources.files("tutor.data").joinpath(WORDS).read_bytes()
    return _StemSet(set(gzip.decompress(data).decode("utf-8").split()))


@lru_cache(maxsize=1)
def noun_compounds() -> _StemSet:
    """WordNet's two-word nouns as "stem stem" (data/wordnet-compounds.txt.gz)."""
    data = resources.files("tutor.data").joinpath(COMPOUNDS).read_bytes()
    return _StemSet(set(gzip.decompress(data).decode("utf-8").splitlines()))


def is_compound(first: str, second: str) -> bool:
    """Whether two normalised words, in this order, are a noun of their own in WordNet
    ("food chain", "oxbow lakes", "good night"): a card that has only one of them is not
    about what they name together."""
    return f"{stem(first)} {stem(second)}" in noun_compounds()


def is_english(word: str) -> bool:
    """Whether a normalised word is real English (a WordNet lemma or a form of one): such a
    word means itself, it is not a typo of a similar deck word ("meiosis", "sonnet")."""
    return stem(word) in english_stems()


def _phrase_key(words: Iterable[str]) -> str:
    """How a run of words is looked up: each word's stem, irregular verbs regularised, so
    "got rid of", "getting rid of" and "get rid of" meet."""
    return " ".join(stem(IRREGULAR_FORMS.get(word, word)) for word in words)


@lru_cache(maxsize=1)
def _phrase_table() -> tuple[dict[str, str], dict[str, tuple[tuple[str, float], ...]], int]:
    """(key -> lemma, lemma -> its sense words with quality, most words in a phrase): the
    multi-word verbs that have at least one word that is not a function word ("get rid
    of", "take over"; not "think of" or "give up", which would put meaning into question
    scaffolding). A few hundred entries."""
    data = resources.files("tutor.data").joinpath(TABLE).read_bytes()
    keys: dict[str, str] = {}
    senses: dict[str, list[tuple[str, float]]] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        lemma, kind, others = line.split("\t")
        quality = PHRASE_QUALITY.get(kind)
        if quality is None:
            continue
        parts = lemma.split(PHRASE_JOINER)
        if all(is_stopword(part) for part in parts):
            continue
        keys[_phrase_key(parts)] = lemma
        senses.setdefault(lemma, []).extend((word, quality) for word in others.split())
    longest = max((len(key.split()) for key in keys), default=0)
    return keys, {lemma: tuple(found) for lemma, found in senses.items()}, longest


def join_phrases(words: Sequence[str]) -> list[str]:
    """Normalised words with each multi-word verb WordNet knows written as one word, its
    lemma: ["how", "did", "stalin", "get", "rid", "of", "bukharin"] -> [..., "stalin",
    "get_rid_of", "bukharin"]. The longest phrase starting at a word wins."""
    keys, _, longest = _phrase_table()
    joined: list[str] = []
    at = 0
    while at < len(words):
        for size in range(min(longest, len(words) - at), 1, -1):
            lemma = keys.get(_phrase_key(words[at : at + size]))
            if lemma is not None:
                joined.append(lemma)
                at += size
                break
        else:
            joined.append(words[at])
            at += 1
    return joined


def phrase_senses(lemma: str) -> tuple[tuple[str, float], ...]:
    """The single words a multi-word verb means, most frequent sense first, with quality."""
    return _phrase_table()[1].get(lemma, ())


def phrase_parts(lemma: str) -> list[str]:
    """The words of a multi-word verb that carry meaning ("get_rid_of" -> ["rid"])."""
    return [part for part in lemma.split(PHRASE_JOINER) if not is_stopword(part)]
