"""English word links from WordNet: word forms, derivations and everyday synonyms.

The table (data/wordnet-links.tsv.gz) is built from Princeton WordNet 3.0 by
scripts/build_wordnet.py and shipped with the package; it is read on first use, never
downloaded. Links are kept by stem, the way the index stores words, so "Germans" (stem
"german") meets "Germany" and "revolutionary" meets "revolution".
"""

from __future__ import annotations

import gzip
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


@lru_cache(maxsize=1)
def links_by_stem() -> dict[str, dict[str, float]]:
    """stem -> {linked stem: quality}, both ways for derivations."""
    data = resources.files("tutor.data").joinpath(TABLE).read_bytes()
    links: dict[str, dict[str, float]] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        word, kind, others = line.split("\t")
        quality = LINK_QUALITY[kind]
        source = stem(word)
        targets = links.setdefault(source, {})
        for other in others.split():
            target = stem(other)
            if target != source and quality > targets.get(target, 0.0):
                targets[target] = quality
    return links


def linked_stems(word_stem: str) -> Mapping[str, float]:
    """The stems WordNet links to `word_stem`, with the quality of each link."""
    return links_by_stem().get(word_stem, {})


@lru_cache(maxsize=1)
def english_stems() -> frozenset[str]:
    """The stems of every single-word WordNet lemma (data/wordnet-words.txt.gz)."""
    data = resources.files("tutor.data").joinpath(WORDS).read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def is_english(word: str) -> bool:
    """Whether a normalised word is real English (a WordNet lemma or a form of one): such a
    word means itself, it is not a typo of a similar deck word ("meiosis", "sonnet")."""
    return stem(word) in english_stems()
