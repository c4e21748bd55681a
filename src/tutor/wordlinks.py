"""English word links from WordNet: word forms, derivations and everyday synonyms.

The table (data/wordnet-links.tsv.gz) is built from Princeton WordNet 3.0 by
scripts/build_wordnet.py and shipped with the package; it is read on first use, never
downloaded. Links are kept by stem, the way the index stores words, so "Germans" (stem
"german") meets "Germany" and "revolutionary" meets "revolution".
"""

from __future__ import annotations

import gzip
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

from tutor.text import stem

# How much a linked word counts against an exact match (1.0). An irregular form is the
# same word; a derivation or pertainym is the same idea in another part of speech; a
# synonym of an everyday word is looser still.
LINK_QUALITY: Mapping[str, float] = {"form": 0.9, "derived": 0.7, "synonym": 0.5}
TABLE = "wordnet-links.tsv.gz"
WORDS = "wordnet-words.txt.gz"


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


def is_english(word: str) -> bool:
    """Whether a normalised word is real English (a WordNet lemma or a form of one): such a
    word means itself, it is not a typo of a similar deck word ("meiosis", "sonnet")."""
    return stem(word) in english_stems()
