"""How a question word meets the words of a deck's index.

A word meets an index term exactly or as a word form (its stem, a dropped final g, a
British/American spelling), else, if it is not common English, as a typo (rapidfuzz OSA
distance against the deck's words, or a word spelt as it sounds: "scair" for "scare",
one edit further when the Metaphone keys agree) or a truncation ("gen sec"); a decade ("the 20s")
meets the years the index knows; everyday synonyms (lexicon.SYNONYM_GROUPS) and WordNet
links (wordlinks) add their terms at lower quality, and a multi-word verb ("get rid of")
meets the words of its senses. The scorer (deck_index.DeckIndex) weighs each match by
its quality.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import jellyfish
from rapidfuzz import process
from rapidfuzz.distance import OSA

from tutor.formulas import is_formula_term
from tutor.lexicon import SYNONYM_GROUPS
from tutor.sections import is_section_term
from tutor.text import (
    DECADE,
    ENGLISH_WORD_MIN_FREQUENCY,
    english_frequency,
    normalise,
    spelling_variants,
    stem,
)
from tutor.wordlinks import (
    PHRASE_JOINER,
    is_english,
    linked_stems,
    phrase_parts,
    phrase_senses,
)

# How much a looser match of a question word counts, relative to an exact one.
TYPO_QUALITY = (1.0, 0.85, 0.7, 0.6, 0.5)  # by edit distance 0, 1, 2, 3, 4
PREFIX_QUALITY = 0.6
# A misspelling that sounds like a deck word ("scair", "fotos") may be one edit further from
# it than a typo may; Metaphone keys shorter than this ("RT" for rite, right, rat, road) say
# too little to join words by.
MIN_SOUND_KEY = 3
# A question word that is itself English (wordlinks.is_english) is seldom a typo: when it is
# one letter off a deck word the match counts this share of a typo's.
REAL_WORD_TYPO_SCALE = 0.5
SYNONYM_QUALITY = 0.7
# A multi-word verb in a question ("get rid of") means its WordNet senses (wordlinks
# .PHRASE_QUALITY); its own words met alone in a card ("rid") count this share, so a card
# that happens to share the phrase's rare particle does not outrank the cards about the
# phrase's meaning.
PHRASE_PART_QUALITY = 0.8
MAX_PREFIX_EXPANSIONS = 6
MIN_PREFIX_LENGTH = 3
# A bound on the per-word cache: questions are short, but a flood of made-up words must not
# grow it without end.
MAX_CACHED_WORDS = 100_000


@dataclass(frozen=True, slots=True)
class Match:
    """One way a question word meets the index: a term and how much that counts."""

    term: str
    quality: float


class Vocabulary:
    """The words an index knows, and every way a question word meets them."""

    def __init__(
        self,
        surface_to_terms: Mapping[str, Collection[str]],
        terms: Collection[str],
        exact_only: Collection[str] = frozenset(),
    ) -> None:
        """
        Args:
            surface_to_terms: each word as the cards write it (normalised) -> its terms.
            terms: every term the index has postings for.
            exact_only: words met only as they stand, never as the target of a typo or a
                truncation (initials of names: cardterms.CardTerms.initialisms).
        """
        self._surface_to_terms = surface_to_terms
        self._terms = terms
        self._sorted_surface = sorted(s for s in surface_to_terms if s not in exact_only)
        self._surface_by_length: dict[int, list[str]] = defaultdict(list)
        for surface in self._sorted_surface:
            self._surface_by_length[len(surface)].append(surface)
        self._stems_by_length: dict[int, list[str]] = defaultdict(list)
        for term in terms:
            if not term.isdigit() and term not in exact_only:
                self._stems_by_length[len(term)].append(term)
        self._by_sound: dict[str, list[str]] = defaultdict(list)
        for surface in self._sorted_surface:
            if surface.isalpha():
                self._by_sound[jellyfish.metaphone(surface)].append(surface)
        self._synonyms = self._build_synonyms()
        self._cache: dict[tuple[str, bool], tuple[Match, ...]] = {}
        self._writes: dict[str, bool] = {}

    def knows(self, word: str) -> bool:
        """Whether some card writes this (normalised) word as it stands."""
        return word in self._surface_to_terms

    def matches(self, word: str, *, spelt_right: bool = False) -> tuple[Match, ...]:
        """Every term a question word meets, each with how much it counts (cached).

        `spelt_right`: the word is known to be spelt as meant (another deck of the library
        writes it), so it is never read as a typo or truncation of a word of this one.
        """
        if spelt_right and not self._could_be_typo(word):
            spelt_right = False  # the same matches either way: share one cache entry
        key = (word, spelt_right)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._find_matches(word, spelt_right)
            if len(self._cache) < MAX_CACHED_WORDS:
                self._cache[key] = cached
        return cached

    def _could_be_typo(self, word: str) -> bool:
        """Whether the word may be read as a typo or truncation here (_direct_matches)."""
        return may_be_typo(word) and not self.writes(word)

    def writes(self, word: str) -> bool:
        """Whether the index meets the word exactly or as a word form (not a typo)."""
        writes = self._writes.get(word)
        if writes is None:
            writes = self._exact_match(word) is not None
            if len(self._writes) < MAX_CACHED_WORDS:
                self._writes[word] = writes
        return writes

    def exact_terms(self, word: str) -> list[str]:
        """The terms a word meets exactly (as written or as a word form)."""
        if not self.writes(word):
            return []  # no exact term, and no typo search for one
        return [match.term for match in self.matches(word) if match.quality >= 1.0]

    def _find_matches(self, word: str, spelt_right: bool = False) -> tuple[Match, ...]:
        if PHRASE_JOINER in word:
            return self._phrase_matches(word)
        found: dict[str, float] = {}
        direct = self._direct_matches(word, typos=not spelt_right)
        for term, quality in direct:
            found[term] = max(found.get(term, 0.0), quality)
        for term in self._synonyms.get(stem(word), ()):
            found.setdefault(term, SYNONYM_QUALITY)
        for base, quality in direct:
            for term in self._synonyms.get(base, ()):
                found.setdefault(term, SYNONYM_QUALITY * quality)
        for source in {stem(word), *(base for base, _ in direct)}:
            for term, quality in linked_stems(source).items():
                if term in self._terms and quality > found.get(term, 0.0):
                    found[term] = quality
        return tuple(Match(term, quality) for term, quality in found.items())

    def _phrase_matches(self, lemma: str) -> tuple[Match, ...]:
        """A multi-word verb: the words of its senses as written ("remove") or linked by
        WordNet or a synonym group ("removal", "dismiss"), and its own words ("rid") a little
        lower; no typo or truncation matching, these are dictionary words."""
        found: dict[str, float] = {}

        def add(term: str, quality: float) -> None:
            if term in self._terms and quality > found.get(term, 0.0):
                found[term] = quality

        for part in phrase_parts(lemma):
            for match in self._find_matches(part):
                add(match.term, PHRASE_PART_QUALITY * match.quality)
        for sense, quality in phrase_senses(lemma):
            sense_stem = stem(sense)
            add(sense_stem, quality)
            for term in self._synonyms.get(sense_stem, ()):
                add(term, quality * SYNONYM_QUALITY)
            for term, link in linked_stems(sense_stem).items():
                add(term, quality * link)
        return tuple(Match(term, quality) for term, quality in found.items())

    def _direct_matches(self, word: str, *, typos: bool = True) -> list[tuple[str, float]]:
        """Exact stem, else dropped final g ("keepin"), else a decade's years, else typo,
        else truncation (these two only with `typos`).

        Only a word that is not common English can be a typo or a truncation.
        """
        exact = self._exact_match(word)
        if exact is not None:
            return [(exact, 1.0)]
        if DECADE.match(word):
            return self._decade_matches(word)
        if not typos or not may_be_typo(word):
            return []
        misspelt = self._typo_matches(word)
        if misspelt:
            return misspelt
        return self._prefix_matches(word)

    def _exact_match(self, word: str) -> str | None:
        """The term a word is as written: its stem, with a dropped final g ("keepin") or in
        the other spelling (British/American), if the index has it."""
        dropped_g = [word + "g"] if word.endswith("in") else []
        for candidate in (word, *dropped_g, *spelling_variants(word)):
            if stem(candidate) in self._terms:
                return stem(candidate)
        return None

    def _typo_matches(self, word: str) -> list[tuple[str, float]]:
        """Deck words within a few edits of `word`, the closest only.

        Typos keep a word's start, so one more edit is allowed when the first four
        letters agree ("orgbureau" -> "orgburo"); failing that the word's stem is
        compared with the index's stems ("consolodate" -> "consolid").
        """
        max_edits = 0 if len(word) < 4 else 1 if len(word) < 6 else 2 if len(word) < 10 else 3
        if max_edits == 0:
            return []
        if is_english(word):  # a real word that is one letter off a deck word, at most
            found = _closest(word, self._surfaces_near(len(word), 1), 1)
            return [
                (term, quality * REAL_WORD_TYPO_SCALE)
                for s, quality in found
                for term in self._surface_to_terms[s]
            ]
        found = _closest(word, self._surfaces_near(len(word), max_edits), max_edits)
        found = _with_sound_alikes(found, self._sound_alikes(word, max_edits + 1))
        if not found and len(word) >= 7:
            same_start = [s for s in self._with_prefix(word[:4]) if abs(len(s) - len(word)) <= 4]
            found = _closest(word, [same_start], max_edits + 1)
        if found:
            return [(term, quality) for s, quality in found for term in self._surface_to_terms[s]]
        word_stem = stem(word)
        stem_edits = min(max_edits, max(1, len(word_stem) // 4))
        return _closest(word_stem, self._stems_near(len(word_stem), stem_edits), stem_edits)

    def _sound_alikes(self, word: str, max_edits: int) -> list[str]:
        """Deck words that sound like `word` (same Metaphone key) within `max_edits`."""
        return [s for s in self._same_sound(word) if OSA.distance(word, s) <= max_edits]

    def sound_alike_terms(self, word: str) -> set[str]:
        """The terms of the deck words that sound like `word` (the same Metaphone key)."""
        return {term for s in self._same_sound(word) for term in self._surface_to_terms[s]}

    def _same_sound(self, word: str) -> Sequence[str]:
        """The deck words with `word`'s Metaphone key (none for a key too short to tell)."""
        key = jellyfish.metaphone(word) if word.isalpha() else ""
        return self._by_sound.get(key, ()) if len(key) >= MIN_SOUND_KEY else ()

    def _surfaces_near(self, length: int, spread: int) -> list[list[str]]:
        """The vocabulary's words of lengths within `spread` of `length`, by length: a word
        more than k letters longer or shorter is more than k edits away."""
        sizes = range(length - spread, length + spread + 1)
        return [self._surface_by_length[size] for size in sizes if size in self._surface_by_length]

    def _stems_near(self, length: int, spread: int) -> list[list[str]]:
        sizes = range(length - spread, length + spread + 1)
        return [self._stems_by_length[size] for size in sizes if size in self._stems_by_length]

    def _with_prefix(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self._sorted_surface, prefix)
        stop = bisect.bisect_left(self._sorted_surface, prefix + "\x7f")
        return self._sorted_surface[start:stop]

    def _decade_matches(self, word: str) -> list[tuple[str, float]]:
        """ "1920s" or "20s" -> the years of that decade the index knows."""
        prefix = word[:-2]
        years = [
            surface
            for surface in self._sorted_surface
            if len(surface) == 4 and surface.isdigit() and surface[:3].endswith(prefix)
        ]
        return [(year, PREFIX_QUALITY) for year in years]

    def _prefix_matches(self, word: str) -> list[tuple[str, float]]:
        if len(word) < MIN_PREFIX_LENGTH:
            return []
        surfaces = self._with_prefix(word)
        if not surfaces or len(surfaces) > MAX_PREFIX_EXPANSIONS:
            return []
        return [(term, PREFIX_QUALITY) for s in surfaces for term in self._surface_to_terms[s]]

    def _build_synonyms(self) -> dict[str, frozenset[str]]:
        """Question stem -> the stems of its everyday synonyms that the index knows."""
        synonyms: dict[str, set[str]] = defaultdict(set)
        for group in SYNONYM_GROUPS:
            stems = {stem(normalise(word)) for word in group}
            known = {s for s in stems if s in self._terms}
            for member in stems:
                synonyms[member] |= known - {member}
        return {key: frozenset(value) for key, value in synonyms.items() if value}


def may_be_typo(word: str) -> bool:
    """Whether a question word can be read as a typo or truncation of a deck word at all:
    not a number, a decade, a formula's term or common English ("marry" is never a misspelt
    "carry")."""
    return not (
        word.isdigit()
        or DECADE.match(word)
        or is_formula_term(word)
        or is_section_term(word)
        or english_frequency(word) >= ENGLISH_WORD_MIN_FREQUENCY
    )


def _with_sound_alikes(
    found: list[tuple[str, float]], sound_alikes: Sequence[str]
) -> list[tuple[str, float]]:
    """The closest typos and the sound-alikes, each sound-alike counting as one edit."""
    best = dict(found)
    for surface in sound_alikes:
        best[surface] = max(best.get(surface, 0.0), TYPO_QUALITY[1])
    return list(best.items())


def _closest(
    word: str, candidate_lists: Sequence[Sequence[str]], max_edits: int
) -> list[tuple[str, float]]:
    """The candidates nearest to `word` within `max_edits` (OSA distance), with quality."""
    results = [
        (choice, int(distance))
        for candidates in candidate_lists
        for choice, distance, _ in process.extract(
            word, candidates, scorer=OSA.distance, score_cutoff=max_edits, limit=None
        )
        if not choice.isdigit()
    ]
    if not results:
        return []
    best = min(distance for _, distance in results)
    return [(choice, TYPO_QUALITY[distance]) for choice, distance in results if distance == best]
