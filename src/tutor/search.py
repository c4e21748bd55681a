"""Find the note card that answers a student's question, or none.

A SearchIndex is a library's index: one deck_index.DeckIndex per deck, each of which
scores the deck's cards, reads typos against the deck's own words and calibrates the deck's
threshold exactly as it would loaded alone, except that a question word another deck writes
as it stands is never a typo (_spelling); this module decides what to answer from
their scores. A card answers when it clears its deck's threshold, or falls a little short but the
question names its title (the heading rule); with several decks loaded a narrow answer must
also rest on a word of its deck's own (the deck-word rule), and a name asked alone gets the
card about it (name_lookup). answers.answer turns that into what a student sees.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence

from tutor.deck_index import MAX_SCORE_CUTOFF, DeckIndex, Hit, LastQuestion
from tutor.headings import Headings
from tutor.model import Card, Library, Topic
from tutor.subjects import deck_subjects, fits
from tutor.text import noise_probes
from tutor.vocabulary import may_be_typo

__all__ = [
    "DECK_CUTOFF",
    "Hit",
    "SearchIndex",
]

# How many noise probes calibrate a deck (deck_index, _probe_count): all of them for a deck
# of up to PROBE_DECK_CARDS cards, fewer for a larger one (a stable percentile from fewer
# probes). A library of more than PROBE_BUDGET_CARDS cards or PROBE_BUDGET_DECKS decks uses
# fewer still (never under MIN_PROBES), keeping the start-up time in bounds: each deck
# reads every probe. Within both budgets a deck's threshold is the one it has alone.
MIN_PROBES = 100
PROBE_DECK_CARDS = 300
PROBE_BUDGET_CARDS = 1000
PROBE_BUDGET_DECKS = 8
# In an index of several decks, an answer scoring under this multiple of its deck's
# threshold must also rest on a word of that deck's own: one that at least DECK_WORD_SHARE
# of the word's use (per card, across the loaded decks) is in that deck, met at a match
# quality of DECK_WORD_MIN_QUALITY or more (an exact word, a form, a one- or two-edit
# typo). Every deck lets a few everyday questions through; with five decks loaded those
# add up, and what gets through is mostly another subject's question answered on a word
# like "form" or "calculate" by a deck that happens to use it.
SURE_MARGIN = 1.3
DECK_WORD_SHARE = 0.5
DECK_WORD_MIN_QUALITY = 0.7
# A question that names a card's title or alias (deck_index.HEADING_MIN_TERMS of its words
# and at least half of them, exactly) gets that card when it is the best-scoring card and
# scores at least HEADING_FLOOR of its deck's threshold: "wait so trotsky just didnt turn up
# to the funeral fr" asks about "Trotsky's absence from the funeral" however many chatty
# words dilute its score.
HEADING_FLOOR = 0.6
# When no card clears its threshold, the cards scoring at least NEAR_SHARE of it (at most
# MAX_NEAREST) are offered as the closest notes, never as the answer: on the tune sets half
# of the in-scope questions that got no card had the right card among them.
NEAR_SHARE = 0.6
MAX_NEAREST = 2
# How closely a card must meet another word of a question for its deck to claim a request
# word it uses as a name (SearchIndex._request_words_contested): a word form or better.
MEETS_BESIDE_QUALITY = 0.7
# The `score_cutoff` that means "the cutoff calibrated for the deck of each card".
DECK_CUTOFF = "deck"
# How many of a deck's best-scoring cards titles_named looks at.
TITLE_CANDIDATES = 10


class SearchIndex:
    """An immutable index over the cards of one or more decks; build once, search many
    times (no I/O). Card positions are those of `cards` as given."""

    def __init__(
        self,
        cards: Iterable[Card],
        topics: Mapping[str, Topic] | None = None,
        subjects: Mapping[str, str] | None = None,
    ) -> None:
        """`subjects`: each deck's subject as the deck writes it (`Deck.subject`), so a
        question naming a school subject is answered by decks of it (subjects.py); a deck
        not in it fits every question."""
        ordered = tuple(cards)
        positions: dict[str, list[int]] = {}
        for position, card in enumerate(ordered):
            positions.setdefault(card.deck_id, []).append(position)
        parts = {
            deck: DeckIndex(
                [ordered[i] for i in mine],
                topics,
                _probe_count(len(mine), len(ordered), len(positions)),
            )
            for deck, mine in sorted(positions.items())
        }
        named = subjects or {}
        of_deck = {deck: deck_subjects(named.get(deck, "")) for deck in parts}
        self._assemble(ordered, topics, parts, positions, of_deck)

    @classmethod
    def of_library(cls, library: Library) -> SearchIndex:
        """An index of every deck of a library, each with its subject."""
        subjects = {deck.id: deck.subject for deck in library.decks}
        return cls(library.cards.values(), library.topics, subjects)

    def _assemble(
        self,
        cards: tuple[Card, ...],
        topics: Mapping[str, Topic] | None,
        parts: dict[str, DeckIndex],
        positions: Mapping[str, Sequence[int]],
        subjects: Mapping[str, frozenset[str]],
    ) -> None:
        self.cards = cards
        self._subjects = {deck: subjects.get(deck, frozenset()) for deck in parts}
        self._of_subjects: dict[frozenset[str], SearchIndex | None] = {}
        self.topics: dict[str, Topic] = dict(topics or {})
        self._parts = parts
        self._decks: tuple[str, ...] = tuple(sorted(parts))
        self._deck_of: tuple[str, ...] = tuple(card.deck_id for card in cards)
        # A deck's card position -> the library's, and back.
        self._positions = {deck: tuple(mine) for deck, mine in positions.items()}
        self._local = [0] * len(cards)
        for mine in self._positions.values():
            for local, position in enumerate(mine):
                self._local[position] = local
        self._in_order = len(parts) == 1  # one deck: its positions are the library's
        self.cutoffs: dict[str, float] = {deck: part.cutoff for deck, part in parts.items()}
        self._shares: dict[tuple[str, str], float] = {}  # see _deck_share
        self._last_scores: LastQuestion[Mapping[int, float]] = LastQuestion()
        self._last_spelling: LastQuestion[dict[str, frozenset[str]]] = LastQuestion()
        self._headings = Headings(cards, self.topics, parts)

    @property
    def deck_ids(self) -> tuple[str, ...]:
        return self._decks

    @property
    def subjects(self) -> frozenset[str]:
        """The school subjects of this index's decks (subjects.deck_subjects), as known."""
        return frozenset().union(*self._subjects.values())

    def of_deck(self, deck_id: str) -> SearchIndex:
        """An index of one of this index's decks, sharing its already built deck index.

        Within the probe budgets the deck's threshold is already the one it has alone;
        past them (a large library calibrates each deck on fewer probes) it is calibrated
        again, alone, so a chat that chose the deck gets the same threshold either way.
        """
        part = self._parts[deck_id]
        return self._narrowed(
            {deck_id: part.recalibrated(_probe_count(len(part.cards), len(part.cards), 1))}
        )

    def of_subjects(self, named: frozenset[str]) -> SearchIndex | None:
        """This index narrowed to the decks a question naming the school subjects `named`
        is meant for (itself when every deck is), or None when no deck is: "for physics, how
        do i work out kinetic energy" is for no deck of Chemistry or History."""
        if named not in self._of_subjects:
            fitting = [deck for deck in self._decks if fits(self._subjects[deck], named)]
            if len(fitting) == len(self._decks):
                narrowed: SearchIndex | None = self
            elif not fitting:
                narrowed = None
            elif len(fitting) == 1:
                narrowed = self.of_deck(fitting[0])
            else:
                narrowed = self._narrowed({deck: self._parts[deck] for deck in fitting})
            self._of_subjects[named] = narrowed
        return self._of_subjects[named]

    def _narrowed(self, parts: dict[str, DeckIndex]) -> SearchIndex:
        """An index of some of this index's decks, with these built deck indexes (their
        cards in this index's order, their topics and subjects)."""
        cards = tuple(card for card in self.cards if card.deck_id in parts)
        positions: dict[str, list[int]] = {deck: [] for deck in parts}
        for position, card in enumerate(cards):
            positions[card.deck_id].append(position)
        topics = {key: topic for key, topic in self.topics.items() if topic.deck_id in parts}
        index = SearchIndex.__new__(SearchIndex)
        index._assemble(cards, topics, dict(sorted(parts.items())), positions, self._subjects)
        return index

    # ----- scoring ------------------------------------------------------------------------
    def score_all(self, query: str) -> Mapping[int, float]:
        """Every card that shares anything with the question -> score 0–100 (read-only:
        the last question's scores are kept for the next call)."""
        return self._last_scores.get(query, self._score)

    def _score(self, query: str) -> Mapping[int, float]:
        if self._in_order:
            return next(iter(self._parts.values())).score_all(query)
        scores: dict[int, float] = {}
        spelling = self._spelling(query)
        for deck, part in self._parts.items():
            mine = self._positions[deck]
            for local, score in part.score_all(query, spelling[deck]).items():
                scores[mine[local]] = score
        return scores

    def _spelling(self, query: str) -> Mapping[str, frozenset[str]]:
        """Deck -> the question words that deck does not write but another deck does: spelt
        as the student meant them, so never read as typos of its words ("Dunne" is a name
        in the literature deck, not a misspelt "dune" for the geography deck). Empty for a
        one-deck index."""
        if self._in_order:
            return {}
        return self._last_spelling.get(query, self._find_written_elsewhere)

    def _find_written_elsewhere(self, query: str) -> dict[str, frozenset[str]]:
        """Deck -> its question words that it does not write and some other deck does
        (each deck reads the question with its own words; each word is looked up once,
        and only a word that could be read as a typo at all: not common English)."""
        words = {deck: part.question_words(query) for deck, part in self._parts.items()}
        writers: dict[str, set[str]] = {}
        for deck_words in words.values():
            for word in deck_words:
                if word in writers:
                    continue
                if may_be_typo(word):
                    writers[word] = {d for d, part in self._parts.items() if part.writes(word)}
                else:
                    writers[word] = set()  # never read as a typo: nothing to decide
        return {
            deck: frozenset(
                word for word in deck_words if writers[word] and deck not in writers[word]
            )
            for deck, deck_words in words.items()
        }

    def _part_of(self, index: int) -> tuple[DeckIndex, int]:
        """The deck index of a card (by library position) and its position there."""
        return self._parts[self._deck_of[index]], self._local[index]

    def search(
        self, query: str, *, limit: int = 3, score_cutoff: float | str | None = DECK_CUTOFF
    ) -> list[Hit]:
        """The best cards for `query`, best first; empty when nothing fits well enough.

        Args:
            query: the question as the student typed it.
            limit: at most this many hits.
            score_cutoff: hits scoring below it are dropped: a number, None (keep every
                hit) or DECK_CUTOFF (each card's deck's calibrated threshold).

        Returns:
            Hits sorted by score, ties broken by card order, so results are deterministic.
        """
        scores = self.score_all(query)
        if score_cutoff == DECK_CUTOFF:
            scored = self._over_thresholds(scores)
        else:
            cutoff = 0.0 if not isinstance(score_cutoff, float | int) else score_cutoff
            scored = [(score, index) for index, score in scores.items() if score >= cutoff]
            scored.sort(key=_best_first)
        if score_cutoff == DECK_CUTOFF:
            scored = self._with_named_heading(query, scores, scored)
            if len(self._decks) > 1:
                scored = self._without_stray_hits(query, scored)
        return [Hit(self.cards[index], round(score, 2)) for score, index in scored[:limit]]

    def _over_thresholds(
        self, scores: Mapping[int, float], share: float = 1.0
    ) -> list[tuple[float, int]]:
        """(score, card index) of the cards scoring at least `share` of their deck's
        threshold, best first, ties in card order."""
        cutoffs, deck_of = self.cutoffs, self._deck_of
        scored = [
            (score, index)
            for index, score in scores.items()
            if score >= share * cutoffs.get(deck_of[index], MAX_SCORE_CUTOFF)
        ]
        scored.sort(key=_best_first)
        return scored

    def _with_named_heading(
        self, query: str, scores: Mapping[int, float], scored: list[tuple[float, int]]
    ) -> list[tuple[float, int]]:
        """The hits over threshold, led by the best-scoring card if it fell short of its
        threshold but the question names its title or alias (HEADING_FLOOR)."""
        if not scores:
            return scored
        best_index = min(scores, key=lambda index: (-scores[index], index))
        if scored and scored[0][1] == best_index:
            return scored
        best_score = scores[best_index]
        if best_score < HEADING_FLOOR * self.cutoffs[self._deck_of[best_index]]:
            return scored
        part, local = self._part_of(best_index)
        if not part.names_heading(query, local):
            return scored
        return [(best_score, best_index), *scored]

    def _without_stray_hits(
        self, query: str, scored: list[tuple[float, int]]
    ) -> list[tuple[float, int]]:
        """In an index of several decks, of the hits (best first), those that are sure
        (SURE_MARGIN) or rest on a word of their deck's own. When the best hit is neither,
        the question looks like one meant for no deck and only sure hits are kept: the next
        card down, from a deck that happens to share a word, is no better an answer."""

        if not scored:
            return scored
        if not self._kept_beside_others(query, *scored[0]):
            return [pair for pair in scored if self._sure(*pair)]
        return [scored[0], *(pair for pair in scored[1:] if self._kept_beside_others(query, *pair))]

    def _sure(self, score: float, card_index: int) -> bool:
        """Whether a hit scores SURE_MARGIN times its deck's threshold or more."""
        return score >= SURE_MARGIN * self.cutoffs[self._deck_of[card_index]]

    def _kept_beside_others(self, query: str, score: float, card_index: int) -> bool:
        """The deck-word rule for one hit: sure, or resting on a word of its deck's own."""
        return self._sure(score, card_index) or self._rests_on_deck_words(query, card_index)

    def _rests_on_deck_words(self, query: str, card_index: int) -> bool:
        """Whether the card meets some question word through a term of its deck's own
        (see SURE_MARGIN): "osmosis" for a Biology card, not "form"."""
        part, local = self._part_of(card_index)
        deck = part.deck_id
        return any(
            self._deck_share(term, deck) >= DECK_WORD_SHARE
            for term in part.terms_met(
                query, local, DECK_WORD_MIN_QUALITY, self._spelling(query).get(deck, frozenset())
            )
        )

    def _deck_share(self, term: str, deck: str) -> float:
        """The share of a term's use that is in one deck: its rate per card in that deck
        over the sum of its rates in every deck (1.0 for a word only that deck uses)."""
        key = (term, deck)
        share = self._shares.get(key)
        if share is None:
            rates = {
                name: part.term_count(term) / len(part.cards) for name, part in self._parts.items()
            }
            total = sum(rates.values())
            share = rates[deck] / total if total else 0.0
            if len(self._shares) < 100_000:
                self._shares[key] = share
        return share

    def name_lookup(self, query: str, *, limit: int = 3) -> tuple[list[Hit], bool] | None:
        """The cards about a name or term asked alone ("kamenev", "who was X", "the right";
        deck_index.DeckIndex.name_lookup), as (hits, confident); None when it does not apply.

        With several decks, the decks whose cards are most nearly about the name answer
        (a deck with a card titled by it before one that only mentions it); when more than
        one deck does, the student is asked which, each deck's best card a choice. When
        the cards only mention the name, every deck offers its best card: one that
        mentions the name, or, when that deck does not write the word as a name
        ("Germany" only at the start of its bullets), its best card over its threshold
        that the deck-word rule keeps (_kept_beside_others).
        """
        spelling = self._spelling(query)
        named_elsewhere = self._request_words_contested(query)
        found = [
            named
            for deck, part in self._parts.items()
            if (
                named := part.name_lookup(
                    query,
                    limit=limit,
                    spelt_right=spelling.get(deck, frozenset()),
                    named_elsewhere=named_elsewhere,
                )
            )
            is not None
        ]
        if not found:
            return None
        best_about = max(named.about for named in found)
        answering = [named for named in found if named.about == best_about]
        firsts = {named.hits[0].card.deck_id: named.hits[0] for named in answering}
        if best_about == 0.0:
            for score, index in self._over_thresholds(self.score_all(query)):
                deck = self._deck_of[index]
                if deck not in firsts and self._kept_beside_others(query, score, index):
                    firsts[deck] = Hit(self.cards[index], round(score, 2))
        if len(firsts) == 1:
            return answering[0].hits, answering[0].confident
        return sorted(firsts.values(), key=lambda hit: -hit.score)[:limit], False

    def _request_words_contested(self, query: str) -> frozenset[str]:
        """The question's words that may ask for notes but that a loaded deck uses as names
        and answers the question with (a card over its threshold meeting more of it): a
        word of the name in every deck then. "germany plan" is History's (*The Schlieffen
        Plan* names plans), not a Geography deck's *Germany* with *plan* dropped; while
        "mitocondria function" stays Biology's, though PE names functions: its *Functions
        of the skeleton* meets only *function*."""
        if len(self._parts) == 1:
            return frozenset()
        named = {
            deck: words
            for deck, part in self._parts.items()
            if (words := part.request_words_named(query))
        }
        if not named:
            return frozenset()
        contested: set[str] = set()
        for _, index in self._over_thresholds(self.score_all(query)):
            words = named.get(self._deck_of[index])
            if words and self._meets_beside(query, index, words):
                contested |= words
        return frozenset(contested)

    def _meets_beside(self, query: str, index: int, words: frozenset[str]) -> bool:
        """Whether the card meets a word of the question other than `words` (PE's
        *Functions of the skeleton* meets "mitocondria function" on *function* alone)."""
        part = self._parts[self._deck_of[index]]
        own = {term for word in words for term in part.vocabulary_terms(word)}
        return bool(part.terms_met(query, self._local[index], MEETS_BESIDE_QUALITY) - own)

    def titles_named(self, query: str, deck_id: str, *, limit: int) -> list[Hit]:
        """A deck's cards whose every title word the question names exactly ("mitosis vs
        meiosis": *Meiosis*), best score first, over threshold or not, among the deck's
        TITLE_CANDIDATES best-scoring cards."""
        part = self._parts[deck_id]
        if len(part.question_words(query)) < 2:
            return []  # one word names one title at most: the answer's own
        positions = self._positions[deck_id]
        scores = part.score_all(query, self._spelling(query).get(deck_id, frozenset()))
        ranked = heapq.nsmallest(
            TITLE_CANDIDATES, scores, key=lambda local: (-scores[local], local)
        )
        named = [local for local in ranked if part.names_whole_title(query, local)]
        return [
            Hit(self.cards[positions[local]], round(scores[local], 2)) for local in named[:limit]
        ]

    def is_near(self, hit: Hit) -> bool:
        """Whether a hit reaches the closest notes' bar, NEAR_SHARE of its card's deck's
        threshold (the comparison `_over_thresholds` makes inline on the hot path; with
        several decks `nearest` also asks for a word of the deck's own)."""
        return hit.score >= NEAR_SHARE * self.cutoffs.get(hit.card.deck_id, MAX_SCORE_CUTOFF)

    def nearest(self, query: str, *, limit: int = MAX_NEAREST) -> list[Hit]:
        """For a question no card answers: the best cards that score at least NEAR_SHARE
        of their deck's threshold, best first (shown as the closest notes, not an answer).
        With several decks loaded, only cards that meet the question on a word of their
        deck's own (as a narrow answer must): "henry viii" is near no deck's card."""
        near = self._over_thresholds(self.score_all(query), NEAR_SHARE)
        if len(self._decks) > 1:
            near = [pair for pair in near if self._rests_on_deck_words(query, pair[1])]
        return [Hit(self.cards[index], round(score, 2)) for score, index in near[:limit]]

    def topic_named(self, query: str) -> Topic | None:
        """The one topic of the index's decks whose title the question is, word for word
        but for function words ("plot summary", "the birling family"), when no card's title
        or alias is (a card titled "Context" answers "context" itself); else None."""
        return self._headings.topic_named(query)

    def titled_exactly(self, query: str) -> list[Hit]:
        """The cards whose title or alias the question is, word for word but for "a", "an"
        and "the" (headings.Headings.cards_titled), best score first; empty when it is no
        card's."""
        positions = self._headings.cards_titled(query)
        if not positions:
            return []
        scores = self.score_all(query)
        ranked = sorted(positions, key=lambda position: (-scores.get(position, 0.0), position))
        return [
            Hit(self.cards[position], round(scores.get(position, 0.0), 2)) for position in ranked
        ]

    def suggest_topics(self, query: str, *, limit: int = 3) -> list[Topic]:
        """Topics nearest to a question that found no card, filled up in deck order."""
        best_by_topic: dict[str, float] = {}
        for index, score in self.score_all(query).items():
            topic_id = self.cards[index].topic_id
            best_by_topic[topic_id] = max(score, best_by_topic.get(topic_id, 0.0))
        ranked = sorted(best_by_topic, key=lambda topic_id: -best_by_topic[topic_id])
        ranked += [topic_id for topic_id in self.topics if topic_id not in best_by_topic]
        return [self.topics[topic_id] for topic_id in ranked if topic_id in self.topics][:limit]


def _probe_count(deck_cards: int, library_cards: int, library_decks: int) -> int:
    """How many noise probes calibrate a deck (PROBE_DECK_CARDS and the budgets)."""
    available = len(noise_probes())
    by_deck = available * PROBE_DECK_CARDS // max(1, deck_cards)
    by_cards = available * PROBE_BUDGET_CARDS // max(1, library_cards)
    by_decks = available * PROBE_BUDGET_DECKS // max(1, library_decks)
    return min(available, max(MIN_PROBES, min(by_deck, by_cards, by_decks)))


def _best_first(pair: tuple[float, int]) -> tuple[float, int]:
    """Sort key of (score, card index) pairs: best score first, ties in card order."""
    return -pair[0], pair[1]
