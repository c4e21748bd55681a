"""One deck's index: how well each of its cards answers a question (0–100), and its threshold.

A small BM25F-style scorer built for questions typed on a phone:

* every card field is analysed into stems (cardterms: title, aliases and keywords count
  more than the body; the topic title a little);
* each word of the question is matched exactly, or through a typo (rapidfuzz OSA
  distance against the deck's vocabulary), a truncation ("gen sec"), an acronym that the
  index derives from titles and aliases ("SIOC"), an everyday synonym or a WordNet link
  (vocabulary);
* words are weighted by rarity in the deck (IDF), and a word the deck has never seen weighs
  as much as its rarest word: "who did stalin marry" is mostly about marrying, which no
  card covers, so it gets no card instead of a confident wrong one.

A card's score is the rarity-weighted share of the question it covers, scaled by how
prominently it covers each word. The deck's threshold is read from its own scores on
everyday-English probes (_calibrate). Everything here sees one deck only, so a deck scores,
reads typos and calibrates the same whatever else is loaded (save the words the library
tells it are spelt right: `spelt_right`); search.SearchIndex combines the decks of a
library and decides what to answer.
"""

from __future__ import annotations

import copy
import gc
import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Generic, TypeVar

from tutor.cardterms import COMMAND_STEMS, analyse_cards
from tutor.deck_names import DeckNames
from tutor.deck_reading import DeckReader
from tutor.model import Card, Topic
from tutor.people import People
from tutor.reading import asks_why, scaffolding_words, typed_words
from tutor.text import (
    english_frequency,
    noise_probes,
    specificity,
    stem,
    unknown_specificity,
)
from tutor.vocabulary import Match, Vocabulary
from tutor.wordlinks import (
    PHRASE_JOINER,
    english_stems,
    is_compound,
    join_phrases,
    linked_stems,
    noun_compounds,
    phrase_parts,
    phrase_senses,
)

# A deck's abstention threshold is read from its own noise level: the score its best card
# gets for questions of random everyday English words (text.noise_probes). The threshold is
# a share of this high percentile of those scores, kept within the bounds below; a
# keyword-rich deck is noisier than a plain one and so needs a higher score to answer.
NOISE_PERCENTILE = 0.95
NOISE_SCALE = 0.93
MIN_SCORE_CUTOFF = 15.0
MAX_SCORE_CUTOFF = 40.0
# Two neighbouring question words found side by side in a card add this share of their
# weight again: "centralised control" is stronger evidence than the two words apart.
PHRASE_BONUS = 0.5
# A card meeting one word of a compound noun the question names ("food chain") and no form
# of the other gets this share of that word's weight: it meets a word, not the compound.
COMPOUND_PART_SHARE = 0.5
# A question asking why scores a card whose title gives reasons ("Why the Right lost",
# "Causes of the war") this much higher: of two cards meeting its words, the one about the
# reasons answers a why-question.
REASON_TITLE_BONUS = 0.2
# Likewise a question writing an exam's command word ("Evaluate Murdock's study") scores a
# card whose title writes a form of it (*Murdock (1962): evaluation*) this much higher.
COMMAND_TITLE_BONUS = 0.2
# Every question also carries weight no card can cover, this share of an unknown word's:
# a question of one everyday word ("thanks, that helped") then stays below the cutoff,
# while one rare word ("sverdlov") still clears it.
QUESTION_PRIOR_SHARE = 0.6
# A question names a card's heading when its words, matched exactly, cover at least
# HEADING_MIN_TERMS words and at least half of the card's title or of one alias.
HEADING_MIN_TERMS = 2


_Value = TypeVar("_Value")
_Key = TypeVar("_Key", bound=Hashable)


class LastQuestion(Generic[_Value]):
    """What was worked out for the last question, kept for the next call with the same one:
    one answer reads its question several times (name lookup, scoring, the deck-word rule).

    The computation is passed on each call, never kept, so an index holding one is not tied
    into a reference cycle (as lru_cache on a bound method would tie it).
    """

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: tuple[Hashable, _Value] | None = None

    def get(self, query: _Key, compute: Callable[[_Key], _Value]) -> _Value:
        last = self._last  # read once: the pair stays consistent
        if last is None or last[0] != query:
            last = self._last = (query, compute(query))
        return last[1]


@dataclass(frozen=True, slots=True)
class Hit:
    """A card and how well it answers the question (0–100)."""

    card: Card
    score: float


@dataclass(frozen=True, slots=True)
class NameHits:
    """A name lookup's cards, best first; `about` as deck_names.NamedCards.about."""

    hits: list[Hit]
    confident: bool
    about: float


class DeckIndex:
    """An immutable index over one deck's cards; build once, score many times (no I/O).

    Card positions (`cards`) are the deck's own; search.SearchIndex maps them to a library's.
    """

    def __init__(
        self, cards: Iterable[Card], topics: Mapping[str, Topic] | None, probe_count: int
    ) -> None:
        """
        Args:
            cards: the deck's cards.
            topics: topics by id (those of the cards are read as a low-weight field).
            probe_count: how many noise probes calibrate the threshold (a prefix of
                text.noise_probes; the caller bounds it by the size of the whole library).
        """
        # Building allocates millions of small objects that all live as long as the index:
        # the garbage collector's passes over them find nothing and cost a sixth of the build.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._build(cards, topics, probe_count)
        finally:
            if collecting:
                gc.enable()

    def _build(
        self, cards: Iterable[Card], topics: Mapping[str, Topic] | None, probe_count: int
    ) -> None:
        self.cards: tuple[Card, ...] = tuple(cards)
        self.deck_id = self.cards[0].deck_id if self.cards else ""
        terms = analyse_cards(self.cards, dict(topics or {}))
        self._postings, self._phrases = terms.postings, terms.phrases
        self._headings = terms.headings
        self._proper = terms.proper.get(self.deck_id, frozenset())
        self._reason_cards = terms.reason_cards
        self._command_titles = terms.command_titles
        size = len(self.cards)
        self._idf = {
            term: math.log(1 + (size - len(cards) + 0.5) / (len(cards) + 0.5))
            for term, cards in self._postings.items()
        }
        self._unknown_idf = math.log(1 + (size + 0.5) / 0.5)
        self._vocabulary = Vocabulary(terms.surface_to_terms, self._postings, terms.initialisms)
        self._names = DeckNames(terms, self._vocabulary)
        self._reader = DeckReader(
            self._vocabulary, People.of(self.cards), terms.initial_names, terms.phrases, self._names
        )
        linked_stems("")  # load the WordNet links now, not on the first question
        join_phrases(())  # and the multi-word verbs
        english_stems()
        noun_compounds()
        self._last_words: LastQuestion[tuple[str, ...]] = LastQuestion()
        self._last_scores: LastQuestion[Mapping[int, float]] = LastQuestion()
        self._last_exact_terms: LastQuestion[frozenset[str]] = LastQuestion()
        english_frequency("")  # load the shared word list now, not on the first question
        scaffolding_words()  # and the words a slip is read as (reading.scaffolding_typo)
        self.probe_count = probe_count
        self.cutoff: float = self._calibrate(probe_count)

    def recalibrated(self, probe_count: int) -> DeckIndex:
        """The same index calibrated on `probe_count` probes (its tables shared, not
        rebuilt): a deck calibrated on fewer probes inside a large library gets its own
        threshold back when a chat uses it alone."""
        if probe_count == self.probe_count:
            return self
        again = copy.copy(self)
        again.probe_count = probe_count
        again.cutoff = again._calibrate(probe_count)
        return again

    def _calibrate(self, probe_count: int) -> float:
        """The deck's abstention threshold, from its best scores on everyday-English probes."""
        tops = sorted(
            max(self.score_all(probe).values(), default=0.0)
            for probe in noise_probes()[:probe_count]
        )
        if not tops:
            return MAX_SCORE_CUTOFF
        noise = tops[int(NOISE_PERCENTILE * (len(tops) - 1))]
        return min(MAX_SCORE_CUTOFF, max(MIN_SCORE_CUTOFF, NOISE_SCALE * noise))

    # ----- reading a question -----------------------------------------------------------
    def question_words(self, query: str) -> tuple[str, ...]:
        """The question's meaningful words (the last question's are kept)."""
        return self._last_words.get(query, self._reader.read)

    def _weight(self, word: str, matches: Sequence[Match]) -> float:
        """How much a question word matters to the deck: the rarity of what it means, in
        the deck and in English."""
        idf = self._idf
        known = [match for match in matches if match.term in idf]
        if PHRASE_JOINER in word:
            weight = _phrase_specificity(word)
        elif not known:
            return self._unknown_idf * unknown_specificity(word)
        else:
            weight = specificity(word)
        if not known:
            return self._unknown_idf * weight
        best_quality = max(match.quality for match in known)
        best = [m.term for m in known if m.quality == best_quality]
        rarity = max(idf[term] for term in best)
        if best_quality >= 1.0 and any(term in self._proper for term in best):
            return rarity  # a name of this deck ("the Left"), however everyday the word
        return rarity * weight

    # ----- scoring ------------------------------------------------------------------------
    def score_all(
        self, query: str, spelt_right: frozenset[str] = frozenset()
    ) -> Mapping[int, float]:
        """Every card that shares anything with the question -> score 0–100 (read-only:
        the last question's scores are kept for the next call).

        `spelt_right`: question words another deck of the library writes as they stand,
        never read here as typos of this deck's words (search.SearchIndex).
        """
        return self._last_scores.get((query, spelt_right), self._score)

    def writes(self, word: str) -> bool:
        """Whether the deck writes a question word as it stands (or as a form of it)."""
        return self._vocabulary.writes(word)

    def _score(self, key: tuple[str, frozenset[str]]) -> dict[int, float]:
        query, spelt_right = key
        total = QUESTION_PRIOR_SHARE * self._unknown_idf
        covered: dict[int, float] = defaultdict(float)
        weighted_matches: list[tuple[float, tuple[Match, ...]]] = []
        shares: list[tuple[str, dict[int, float]]] = []  # each word's share of each card
        for word in self.question_words(query):
            matches = self._vocabulary.matches(word, spelt_right=word in spelt_right)
            if not matches and len(word) <= 2 and word.isalpha():
                continue  # an unknown initial ("z n k") means nothing alone; a number does
            weight = self._weight(word, matches)
            total += weight
            weighted_matches.append((weight, matches))
            share = {
                card_index: weight * value
                for card_index, value in _best_per_card(matches, self._postings).items()
            }
            for card_index, value in share.items():
                covered[card_index] += value
            shares.append((word, share))
        for card_index, value in _half_compound_shares(shares).items():
            covered[card_index] -= (1 - COMPOUND_PART_SHARE) * value
        for (weight_a, first), (weight_b, second) in pairwise(weighted_matches):
            bonus = PHRASE_BONUS * (weight_a + weight_b) / 2
            for card_index, value in self._best_phrase_per_card(first, second).items():
                covered[card_index] += bonus * value
        if total <= 0:
            return {}
        if self._reason_cards and asks_why(query):
            for card_index in self._reason_cards.intersection(covered):
                covered[card_index] *= 1 + REASON_TITLE_BONUS
        if self._command_titles:
            for card_index in self._command_titled(query).intersection(covered):
                covered[card_index] *= 1 + COMMAND_TITLE_BONUS
        return {i: min(100.0, 100.0 * value / total) for i, value in covered.items()}

    def _command_titled(self, query: str) -> set[int]:
        """The cards whose title writes a form of an exam command word the question types
        ("Evaluate the multi-store model": *The multi-store model: evaluation*)."""
        found: set[int] = set()
        for word in typed_words(query):
            if (word_stem := stem(word)) in COMMAND_STEMS:
                found |= self._command_titles.get(word_stem, frozenset())
        return found

    def _best_phrase_per_card(
        self, first: Sequence[Match], second: Sequence[Match]
    ) -> dict[int, float]:
        best: dict[int, float] = {}
        for a in first:
            for b in second:
                posting = self._phrases.get((a.term, b.term))
                if posting is None:
                    continue
                quality = min(a.quality, b.quality)
                for card_index, prominence in posting:
                    value = quality * prominence
                    if value > best.get(card_index, 0.0):
                        best[card_index] = value
        return best

    def term_count(self, term: str) -> int:
        """How many of the deck's cards use a term."""
        return len(self._postings.get(term, ()))

    # ----- what a question says about one card ----------------------------------------------
    def names_heading(self, query: str, card_index: int) -> bool:
        """Whether the question's words, matched exactly, cover at least HEADING_MIN_TERMS
        words and at least half of the card's title or one of its aliases."""
        terms = self.exact_question_terms(query)
        return any(
            len(heading & terms) >= max(HEADING_MIN_TERMS, len(heading) / 2)
            for heading in self._headings[card_index]
        )

    def names_whole_title(self, query: str, card_index: int) -> bool:
        """Whether the question's words, matched exactly, meet every word of the card's
        title (its first heading): "mitosis vs meiosis" names *Meiosis* whole."""
        headings = self._headings[card_index]
        return bool(headings) and headings[0] <= self.exact_question_terms(query)

    def vocabulary_terms(self, word: str) -> list[str]:
        """The deck's terms a word meets exactly."""
        return self._vocabulary.exact_terms(word)

    def exact_question_terms(self, query: str) -> frozenset[str]:
        """The terms the question's words meet exactly (the last question's are kept)."""
        return self._last_exact_terms.get(query, self._exact_terms_of)

    def _exact_terms_of(self, query: str) -> frozenset[str]:
        exact_terms = self._vocabulary.exact_terms
        return frozenset(term for word in self.question_words(query) for term in exact_terms(word))

    def terms_met(
        self,
        query: str,
        card_index: int,
        min_quality: float,
        spelt_right: frozenset[str] = frozenset(),
    ) -> set[str]:
        """The card's terms that some question word meets at `min_quality` or better."""
        met = set()
        for word in self.question_words(query):
            for match in self._vocabulary.matches(word, spelt_right=word in spelt_right):
                if match.quality >= min_quality and card_index in self._postings.get(
                    match.term, ()
                ):
                    met.add(match.term)
        return met

    # ----- names --------------------------------------------------------------------------
    def request_words_named(self, query: str) -> frozenset[str]:
        """The question's words that may ask for notes but that this deck uses as names
        ("germany plan": *plan*, where the deck has *The Schlieffen Plan*)."""
        return frozenset(w for w in self.question_words(query) if self._names.names_request_word(w))

    def name_lookup(
        self,
        query: str,
        *,
        limit: int = 3,
        spelt_right: frozenset[str] = frozenset(),
        named_elsewhere: frozenset[str] = frozenset(),
    ) -> NameHits | None:
        """The cards about a name or term asked alone ("kamenev", "who was X", "the right"):
        deck_names.DeckNames.lookup. None when the question is not just a name the deck uses.
        `named_elsewhere`: the question's words that may ask for notes but that another
        loaded deck uses as names (request_words_named), kept as words of the name here too.
        """
        named = self._names.lookup(
            self.question_words(query),
            lambda: self.score_all(query, spelt_right),
            limit=limit,
            spelt_right=spelt_right,
            named_elsewhere=named_elsewhere,
        )
        if named is None:
            return None
        scores = self.score_all(query, spelt_right)
        hits = [Hit(self.cards[i], round(scores.get(i, 0.0), 2)) for i in named.card_indexes]
        return NameHits(hits, named.confident, named.about)


def _half_compound_shares(shares: Sequence[tuple[str, Mapping[int, float]]]) -> dict[int, float]:
    """card index -> what it got for one word of a compound noun the question names
    (wordlinks.is_compound: "food chain", "oxbow lake") while it meets no form of the other:
    *The Great Chain of Being* meets "chain", not the food chain."""
    halves: dict[int, float] = defaultdict(float)
    for (first, first_share), (second, second_share) in pairwise(shares):
        if not is_compound(first, second):
            continue
        for one, other in ((first_share, second_share), (second_share, first_share)):
            for card_index, value in one.items():
                if card_index not in other:
                    halves[card_index] += value
    return halves


def _best_per_card(
    matches: Sequence[Match], postings: Mapping[str, Mapping[int, float]]
) -> dict[int, float]:
    """card index -> the best quality x prominence among `matches` in that card."""
    best: dict[int, float] = {}
    for match in matches:
        for card_index, prominence in postings.get(match.term, {}).items():
            value = match.quality * prominence
            if value > best.get(card_index, 0.0):
                best[card_index] = value
    return best


def _phrase_specificity(lemma: str) -> float:
    """How specialist a multi-word verb is: as its most frequent sense's first word
    ("get rid of" as "remove"), else as its rarest own word."""
    senses = phrase_senses(lemma)
    if senses:
        return specificity(senses[0][0])
    return max(specificity(part) for part in phrase_parts(lemma))
