"""Find the note card that answers a student's question, or none.

The index is a small BM25F-style scorer built for questions typed on a phone:

* every card field is analysed into stems (title, aliases and keywords count more than
  the body; the topic title a little);
* each word of the question is matched exactly, or through a typo (rapidfuzz OSA
  distance against the index vocabulary), a truncation ("gen sec"), an acronym that the
  index derives from titles and aliases ("SIOC"), or an everyday synonym;
* words are weighted by rarity (IDF), and a word the index has never seen weighs as
  much as the rarest word: "who did stalin marry" is mostly about marrying, which no
  card covers, so it gets no card instead of a confident wrong one.

A card's score is the rarity-weighted share of the question it covers, scaled by how
prominently it covers each word (0–100, like rapidfuzz scores).
"""

from __future__ import annotations

import bisect
import gzip
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer
import spellchecker
from rapidfuzz import process
from rapidfuzz.distance import OSA

from tutor.lexicon import IRREGULAR_FORMS, ORDINALS, SHORTHAND, STOPWORDS, SYNONYM_GROUPS
from tutor.model import Card, Topic

DEFAULT_SCORE_CUTOFF = 30.0
MAX_QUERY_CHARS = 400

FIELD_WEIGHTS: Mapping[str, float] = {
    "title": 3.0,
    "aliases": 3.0,
    "keywords": 2.0,
    "body": 1.0,
    "misconception": 1.0,
    "topic": 0.5,
}
# Saturation: one title mention gives 3 / (3 + 1.2) = 0.71 of a word's weight, one body
# mention 0.45, so covering every word in the body alone still scores about 45.
SATURATION = 1.2
BODY_LENGTH_NORMALISATION = 0.5

# How much a looser match of a question word counts, relative to an exact one.
TYPO_QUALITY = (1.0, 0.85, 0.7, 0.6)  # by edit distance 0, 1, 2, 3
PREFIX_QUALITY = 0.6
SYNONYM_QUALITY = 0.7
# Two neighbouring question words found side by side in a card add this share of their
# weight again: "centralised control" is stronger evidence than the two words apart.
PHRASE_BONUS = 0.5
MAX_PREFIX_EXPANSIONS = 6
MIN_PREFIX_LENGTH = 3
# An English word this frequent in pyspellchecker's word list is taken as meant, not as a
# typo of a deck word: "marry" is not "carry", "awake" is not "aware".
ENGLISH_WORD_MIN_FREQUENCY = 1000
# log10(corpus size / word frequency) of an everyday and of a specialist word.
EVERYDAY_RARITY, SPECIALIST_RARITY, EVERYDAY_WEIGHT = 2.5, 5.5, 0.4

_stemmer = snowballstemmer.stemmer("english")
_APOSTROPHE_S = re.compile(r"['’`´]s\b")
_APOSTROPHES = re.compile(r"['’`´]")
_DIGIT_GROUPS = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")
# "Source A", "Figure 2": a lettered or numbered exhibit is one word, so the letter counts.
_EXHIBIT = re.compile(r"\b(source|figure|fig|table|interpretation|extract|document|map)\s+([a-z0-9])\b")
_DECADE = re.compile(r"^(\d{1,3})0s$")


@lru_cache(maxsize=1)
def english_frequencies() -> dict[str, int]:
    """How often each English word occurs, from the word list pyspellchecker ships."""
    path = Path(spellchecker.__file__).parent / "resources" / "en.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as file:
        frequencies: dict[str, int] = json.load(file)
    return frequencies


@lru_cache(maxsize=1)
def _english_total() -> int:
    return sum(english_frequencies().values())


@lru_cache(maxsize=65536)
def specificity(word: str) -> float:
    """0.4 for everyday words ("take", "own") rising to 1 for specialist ones ("successor").

    A deck's own statistics cannot tell that "possible" says little about what a student
    wants even if only one card uses it; general English usage can.
    """
    rarity = math.log10(_english_total() / (english_frequencies().get(word, 0) + 1))
    span = (rarity - EVERYDAY_RARITY) / (SPECIALIST_RARITY - EVERYDAY_RARITY)
    return EVERYDAY_WEIGHT + (1 - EVERYDAY_WEIGHT) * min(1.0, max(0.0, span))


@dataclass(frozen=True, slots=True)
class Hit:
    """A card and how well it answers the question (0–100)."""

    card: Card
    score: float


def normalise(text: str) -> str:
    """Lower-case ASCII words: accents, apostrophes, punctuation and emoji removed."""
    text = unicodedata.normalize("NFKD", text[:MAX_QUERY_CHARS * 10]).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHE_S.sub("s", text)
    text = _APOSTROPHES.sub("", text)
    text = _DIGIT_GROUPS.sub("", text)
    text = _NON_WORD.sub(" ", text)
    text = _REPEATS.sub(r"\1", text).strip()
    return _EXHIBIT.sub(r"\1\2", text)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def content_words(text: str) -> list[str]:
    """The words of `text` that carry meaning: ordinals as numbers, verbs regularised."""
    words = (IRREGULAR_FORMS.get(w, ORDINALS.get(w, w)) for w in normalise(text).split())
    return [word for word in words if word not in STOPWORDS and len(word) > 1]


def acronyms(phrase: str) -> set[str]:
    """Initials of a multi-word name: "Socialism in One Country" -> {"sioc", "soc"}."""
    every_word = normalise(phrase).split()
    meaning_words = [word for word in every_word if word not in STOPWORDS]
    found = set()
    for words in (every_word, meaning_words):
        if len(words) >= 2:
            found.add("".join(word[0] for word in words))
    return {acronym for acronym in found if len(acronym) >= 2}


def _adjacent_pairs(
    fields: dict[str, list[tuple[str, str]]],
) -> dict[str, list[tuple[str, str]]]:
    """Each field's neighbouring terms as two-word phrases ("wrong date")."""
    return {
        name: [(f"{a[0]} {b[0]}", f"{a[1]} {b[1]}") for a, b in zip(pairs, pairs[1:], strict=False)]
        for name, pairs in fields.items()
        if name != "aliases"
    }


@dataclass(frozen=True, slots=True)
class _Match:
    """One way a question word meets the index: a term and how much that counts."""

    term: str
    quality: float


class SearchIndex:
    """An immutable index over cards; build once, search many times (no I/O)."""

    def __init__(self, cards: Iterable[Card], topics: Mapping[str, Topic] | None = None) -> None:
        self.cards: tuple[Card, ...] = tuple(cards)
        self.topics: dict[str, Topic] = dict(topics or {})
        field_terms = [self._card_fields(card) for card in self.cards]
        self._postings = self._build_postings(field_terms)
        self._phrases = self._build_postings([_adjacent_pairs(fields) for fields in field_terms])
        card_count = len(self.cards)
        self._idf = {
            term: math.log(1 + (card_count - len(posting) + 0.5) / (len(posting) + 0.5))
            for term, posting in self._postings.items()
        }
        self._unknown_idf = math.log(1 + (card_count + 0.5) / 0.5)
        self._surface_to_terms = self._build_surface_vocabulary(field_terms)
        self._sorted_surface = sorted(self._surface_to_terms)
        self._surface_by_length: dict[int, list[str]] = defaultdict(list)
        for surface in self._sorted_surface:
            self._surface_by_length[len(surface)].append(surface)
        self._synonyms = self._build_synonyms()
        self._word_cache: dict[str, tuple[_Match, ...]] = {}

    # ----- building -------------------------------------------------------------------
    def _card_fields(self, card: Card) -> dict[str, list[tuple[str, str]]]:
        """(surface word, term) pairs per field; acronyms of names count as aliases."""
        topic = self.topics.get(card.topic_id)
        names = (card.title, *card.aliases)
        fields = {
            "title": card.title,
            "aliases": " ".join(card.aliases),
            "keywords": " ".join(card.keywords),
            "body": card.body,
            "misconception": card.misconception,
            "topic": topic.title if topic else "",
        }
        analysed = {name: [(w, stem(w)) for w in content_words(text)] for name, text in fields.items()}
        analysed["aliases"] += [(a, a) for name in names for a in sorted(acronyms(name))]
        return analysed

    def _build_postings(
        self, field_terms: Sequence[dict[str, list[tuple[str, str]]]]
    ) -> dict[str, dict[int, float]]:
        """term -> {card index: saturated, field-weighted frequency in 0..1}."""
        body_lengths = [len(fields["body"]) for fields in field_terms]
        average_body = max(1.0, sum(body_lengths) / max(1, len(body_lengths)))
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        for index, fields in enumerate(field_terms):
            weighted: Counter[str] = Counter()
            for field, pairs in fields.items():
                norm = 1.0
                if field == "body":
                    norm = 1 - BODY_LENGTH_NORMALISATION + BODY_LENGTH_NORMALISATION * (
                        len(pairs) / average_body
                    )
                for term, count in Counter(term for _, term in pairs).items():
                    weighted[term] += FIELD_WEIGHTS[field] * count / norm
            for term, frequency in weighted.items():
                postings[term][index] = frequency / (frequency + SATURATION)
        return dict(postings)

    @staticmethod
    def _build_surface_vocabulary(
        field_terms: Sequence[dict[str, list[tuple[str, str]]]],
    ) -> dict[str, frozenset[str]]:
        surface: dict[str, set[str]] = defaultdict(set)
        for fields in field_terms:
            for pairs in fields.values():
                for word, term in pairs:
                    surface[word].add(term)
        return {word: frozenset(terms) for word, terms in surface.items()}

    def _build_synonyms(self) -> dict[str, frozenset[str]]:
        """Question stem -> the stems of its everyday synonyms that the index knows."""
        synonyms: dict[str, set[str]] = defaultdict(set)
        for group in SYNONYM_GROUPS:
            stems = {stem(normalise(word)) for word in group}
            known = {s for s in stems if s in self._postings}
            for member in stems:
                synonyms[member] |= known - {member}
        return {key: frozenset(value) for key, value in synonyms.items() if value}

    # ----- reading a question -----------------------------------------------------------
    def _question_words(self, query: str) -> list[str]:
        words: list[str] = []
        for word in normalise(query[:MAX_QUERY_CHARS]).split():
            words.extend(SHORTHAND.get(word, word).split())
        return list(dict.fromkeys(content_words(" ".join(words))))

    def _matches(self, word: str) -> tuple[_Match, ...]:
        cached = self._word_cache.get(word)
        if cached is None:
            cached = self._find_matches(word)
            if len(self._word_cache) < 100_000:
                self._word_cache[word] = cached
        return cached

    def _find_matches(self, word: str) -> tuple[_Match, ...]:
        found: dict[str, float] = {}
        direct = self._direct_matches(word)
        for term, quality in direct:
            found[term] = max(found.get(term, 0.0), quality)
        for term in self._synonyms.get(stem(word), ()):
            found.setdefault(term, SYNONYM_QUALITY)
        for base, quality in direct:
            for term in self._synonyms.get(base, ()):
                found.setdefault(term, SYNONYM_QUALITY * quality)
        return tuple(_Match(term, quality) for term, quality in found.items())

    def _direct_matches(self, word: str) -> list[tuple[str, float]]:
        """Exact stem, else dropped final g ("keepin"), else typo, else truncation.

        Only a word that is not common English can be a typo or a truncation.
        """
        for candidate in (word, word + "g" if word.endswith("in") else None):
            if candidate and stem(candidate) in self._postings:
                return [(stem(candidate), 1.0)]
        if _DECADE.match(word):
            return self._decade_matches(word)
        if word.isdigit() or english_frequencies().get(word, 0) >= ENGLISH_WORD_MIN_FREQUENCY:
            return []
        typos = self._typo_matches(word)
        if typos:
            return typos
        return self._prefix_matches(word)

    def _typo_matches(self, word: str) -> list[tuple[str, float]]:
        max_edits = 0 if len(word) < 4 else 1 if len(word) < 6 else 2 if len(word) < 10 else 3
        if max_edits == 0:
            return []
        candidates = [
            surface
            for length in range(len(word) - max_edits, len(word) + max_edits + 1)
            for surface in self._surface_by_length.get(length, ())
        ]
        results = process.extract(
            word, candidates, scorer=OSA.distance, score_cutoff=max_edits, limit=None
        )
        if not results:
            return []
        best = min(distance for _, distance, _ in results)
        return [
            (term, TYPO_QUALITY[int(distance)])
            for surface, distance, _ in results
            if distance == best and not surface.isdigit()
            for term in self._surface_to_terms[surface]
        ]

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
        start = bisect.bisect_left(self._sorted_surface, word)
        stop = bisect.bisect_left(self._sorted_surface, word + "\x7f")
        surfaces = self._sorted_surface[start:stop]
        if not surfaces or len(surfaces) > MAX_PREFIX_EXPANSIONS:
            return []
        return [(term, PREFIX_QUALITY) for s in surfaces for term in self._surface_to_terms[s]]

    def _weight(self, word: str, matches: Sequence[_Match]) -> float:
        """How much a question word matters: the rarity of what it means, in the deck
        and in English."""
        if not matches:
            return self._unknown_idf * specificity(word)
        best_quality = max(match.quality for match in matches)
        rarity = max(self._idf[m.term] for m in matches if m.quality == best_quality)
        return rarity * specificity(word)

    # ----- scoring ------------------------------------------------------------------------
    def score_all(self, query: str) -> dict[int, float]:
        """Every card that shares anything with the question -> score 0–100."""
        words = self._question_words(query)
        total_weight = 0.0
        covered: dict[int, float] = defaultdict(float)
        weighted_matches: list[tuple[float, tuple[_Match, ...]]] = []
        for word in words:
            matches = self._matches(word)
            if not matches and len(word) <= 2:
                continue  # an unknown initial ("z n k") carries no meaning of its own
            weight = self._weight(word, matches)
            total_weight += weight
            weighted_matches.append((weight, matches))
            for card_index, value in self._best_per_card(matches, self._postings).items():
                covered[card_index] += weight * value
        for (weight_a, first), (weight_b, second) in zip(
            weighted_matches, weighted_matches[1:], strict=False
        ):
            pairs = tuple(
                _Match(f"{a.term} {b.term}", min(a.quality, b.quality))
                for a in first
                for b in second
            )
            bonus = PHRASE_BONUS * (weight_a + weight_b) / 2
            for card_index, value in self._best_per_card(pairs, self._phrases).items():
                covered[card_index] += bonus * value
        if total_weight == 0:
            return {}
        return {i: min(100.0, 100.0 * value / total_weight) for i, value in covered.items()}

    @staticmethod
    def _best_per_card(
        matches: Sequence[_Match], postings: Mapping[str, Mapping[int, float]]
    ) -> dict[int, float]:
        """card index -> the best quality x prominence among `matches` in that card."""
        best: dict[int, float] = {}
        for match in matches:
            for card_index, prominence in postings.get(match.term, {}).items():
                value = match.quality * prominence
                if value > best.get(card_index, 0.0):
                    best[card_index] = value
        return best

    def search(
        self, query: str, *, limit: int = 3, score_cutoff: float | None = DEFAULT_SCORE_CUTOFF
    ) -> list[Hit]:
        """The best cards for `query`, best first; empty when nothing fits well enough.

        Args:
            query: the question as the student typed it.
            limit: at most this many hits.
            score_cutoff: hits scoring below it are dropped (None keeps every hit).

        Returns:
            Hits sorted by score, ties broken by card order, so results are deterministic.
        """
        cutoff = 0.0 if score_cutoff is None else score_cutoff
        scored = [(score, index) for index, score in self.score_all(query).items() if score >= cutoff]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [Hit(self.cards[index], round(score, 2)) for score, index in scored[:limit]]

    def suggest_topics(self, query: str, *, limit: int = 3) -> list[Topic]:
        """Topics nearest to a question that found no card, filled up in deck order."""
        best_by_topic: dict[str, float] = {}
        for index, score in self.score_all(query).items():
            topic_id = self.cards[index].topic_id
            best_by_topic[topic_id] = max(score, best_by_topic.get(topic_id, 0.0))
        ranked = sorted(best_by_topic, key=lambda topic_id: -best_by_topic[topic_id])
        ranked += [topic_id for topic_id in self.topics if topic_id not in best_by_topic]
        return [self.topics[topic_id] for topic_id in ranked if topic_id in self.topics][:limit]


CLOSE_SCORE_RATIO = 0.8


@dataclass(frozen=True, slots=True)
class Answer:
    """What to show for a question: the best card and close alternatives, or topics."""

    question: str
    best: Hit | None
    alternatives: tuple[Hit, ...]
    suggested_topics: tuple[Topic, ...]


def answer(index: SearchIndex, question: str, *, alternatives: int = 3) -> Answer:
    """The best card for a question plus those scoring within 80 % of it.

    When no card clears the cutoff the answer carries topic suggestions instead, so the
    student always has somewhere to go next and never gets a wrong card with confidence.
    """
    hits = index.search(question, limit=alternatives + 1)
    if not hits:
        suggestions = tuple(index.suggest_topics(question))
        return Answer(question, None, (), suggestions)
    best, *others = hits
    close = tuple(hit for hit in others if hit.score >= CLOSE_SCORE_RATIO * best.score)
    return Answer(question, best, close, ())
