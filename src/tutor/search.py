"""Find the note card that answers a student's question, or none.

The index is a small BM25F-style scorer built for questions typed on a phone:

* every card field is analysed into stems (cardterms: title, aliases and keywords count
  more than the body; the topic title a little);
* each word of the question is matched exactly, or through a typo (rapidfuzz OSA
  distance against the index vocabulary), a truncation ("gen sec"), an acronym that the
  index derives from titles and aliases ("SIOC"), an everyday synonym or a WordNet link
  (vocabulary);
* words are weighted by rarity (IDF), and a word the index has never seen weighs as
  much as the rarest word: "who did stalin marry" is mostly about marrying, which no
  card covers, so it gets no card instead of a confident wrong one.

A card's score is the rarity-weighted share of the question it covers, scaled by how
prominently it covers each word (0–100, like rapidfuzz scores). Each deck answers from its
own threshold, read from its scores on everyday-English probes (_calibrate).
"""

from __future__ import annotations

import gc
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from tutor.cardterms import analyse_cards
from tutor.lexicon import SHORTHAND
from tutor.model import Card, Topic
from tutor.text import (
    MAX_QUERY_CHARS,
    collapse_repeats,
    english_frequency,
    noise_probes,
    normalise,
    plain_text,
    specificity,
    unknown_specificity,
    word_meaning,
)
from tutor.vocabulary import Match, Vocabulary
from tutor.wordlinks import (
    PHRASE_JOINER,
    english_stems,
    join_phrases,
    linked_stems,
    phrase_parts,
    phrase_senses,
)

# A deck's abstention threshold is read from its own noise level: the score its best card
# gets for questions of random everyday English words (text.noise_probes). The threshold is
# a share of this high percentile of those scores, kept within the bounds below; a
# keyword-rich deck is noisier than a plain one and so needs a higher score to answer.
NOISE_PERCENTILE = 0.95
NOISE_SCALE = 0.93
MIN_PROBES = 100
# Every probe calibrates a deck of up to PROBE_DECK_CARDS cards, fewer a larger one (a
# stable percentile from fewer probes); an index of more than PROBE_BUDGET_CARDS cards in
# all uses fewer still, keeping the build time in bounds (SearchIndex._probe_count).
PROBE_DECK_CARDS = 300
PROBE_BUDGET_CARDS = 1000
MIN_SCORE_CUTOFF = 15.0
MAX_SCORE_CUTOFF = 40.0
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
# A question that names a card's title or alias (at least HEADING_MIN_TERMS of its words and
# at least half of them, exactly) gets that card when it is the best-scoring card and scores
# at least HEADING_FLOOR of its deck's threshold: "wait so trotsky just didnt turn up to the
# funeral fr" asks about "Trotsky's absence from the funeral" however many chatty words
# dilute its score.
HEADING_MIN_TERMS = 2
HEADING_FLOOR = 0.6
# When no card clears its threshold, the cards scoring at least NEAR_SHARE of it (at most
# MAX_NEAREST) are offered as the closest notes, never as the answer: on the tune sets half
# of the in-scope questions that got no card had the right card among them.
NEAR_SHARE = 0.6
MAX_NEAREST = 2
# The `score_cutoff` that means "the cutoff calibrated for the deck of each card".
DECK_CUTOFF = "deck"

# Two neighbouring question words found side by side in a card add this share of their
# weight again: "centralised control" is stronger evidence than the two words apart.
PHRASE_BONUS = 0.5
# Every question also carries weight no card can cover, this share of an unknown word's:
# a question of one everyday word ("thanks, that helped") then stays below the cutoff,
# while one rare word ("sverdlov") still clears it.
QUESTION_PRIOR_SHARE = 0.6
# A question of at most this many words, all names the deck uses, is a name lookup.
MAX_NAME_WORDS = 3
# How specialist a title word must be to count as a name when asked alone (text.specificity).
NAME_MIN_SPECIFICITY = 0.6


@dataclass(frozen=True, slots=True)
class Hit:
    """A card and how well it answers the question (0–100)."""

    card: Card
    score: float


class SearchIndex:
    """An immutable index over cards; build once, search many times (no I/O)."""

    def __init__(self, cards: Iterable[Card], topics: Mapping[str, Topic] | None = None) -> None:
        # Building allocates millions of small objects that all live as long as the index:
        # the garbage collector's passes over them find nothing and cost a sixth of the build.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._build(cards, topics)
        finally:
            if collecting:
                gc.enable()

    def _build(self, cards: Iterable[Card], topics: Mapping[str, Topic] | None) -> None:
        self.cards: tuple[Card, ...] = tuple(cards)
        self.topics: dict[str, Topic] = dict(topics or {})
        self._deck_of: tuple[str, ...] = tuple(card.deck_id for card in self.cards)
        self._decks: tuple[str, ...] = tuple(sorted(set(self._deck_of)))
        terms = analyse_cards(self.cards, self.topics)
        self._postings, self._phrases = terms.postings, terms.phrases
        self._headings = terms.headings
        self._heading_words, self._capitalised = terms.heading_words, terms.capitalised
        self._proper = terms.proper
        self._deck_sizes, self._deck_counts = self._deck_term_counts()
        self._shares: dict[tuple[str, str], float] = {}  # see _deck_share
        self._idf, self._unknown_idf = self._rarities()
        self._vocabulary = Vocabulary(terms.surface_to_terms, self._postings)
        linked_stems("")  # load the WordNet links now, not on the first question
        join_phrases(())  # and the multi-word verbs
        english_stems()
        # One answer reads its question three or four times (name lookup, scoring, the
        # deck-word rule): the last question's words and scores are kept (plain slots, not
        # lru_cache on bound methods, which would tie the index into a reference cycle).
        self._last_words: tuple[str, tuple[str, ...]] | None = None
        self._last_scores: tuple[str, Mapping[int, float]] | None = None
        english_frequency("")  # load the shared word list now, not on the first question
        self.cutoffs: dict[str, float] = self._calibrate()

    def _deck_term_counts(self) -> tuple[Counter[str], dict[str, dict[str, int]]]:
        """Cards per deck, and per deck how many of its cards use each term."""
        sizes = Counter(self._deck_of)
        counts: dict[str, dict[str, int]] = {deck: {} for deck in sizes}
        if len(sizes) == 1:
            counts[self._decks[0]] = {term: len(cards) for term, cards in self._postings.items()}
            return sizes, counts
        for term, posting in self._postings.items():
            for deck, count in Counter(self._deck_of[i] for i in posting).items():
                counts[deck][term] = count
        return sizes, counts

    def _rarities(self) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
        """Per deck: each term's IDF among that deck's cards, and an unknown word's.

        A word is weighed by its rarity in the deck of the card being scored, so each
        deck's cards score as they would in an index of that deck alone: loading other
        decks beside it neither makes its cards answer chat nor costs it its own questions.
        """
        sizes, counts = self._deck_sizes, self._deck_counts
        idf = {
            deck: {
                term: math.log(1 + (sizes[deck] - count + 0.5) / (count + 0.5))
                for term, count in terms.items()
            }
            for deck, terms in counts.items()
        }
        unknown = {deck: math.log(1 + (size + 0.5) / 0.5) for deck, size in sizes.items()}
        return idf, unknown

    def _calibrate(self) -> dict[str, float]:
        """Each deck's abstention threshold, from its best scores on everyday-English probes.

        With several decks in one index each deck gets its own, measured on its own cards,
        so a plain deck beside a keyword-rich one keeps its lower threshold.
        """
        decks = self._decks
        tops: dict[str, list[float]] = {deck: [] for deck in decks}
        for probe in noise_probes()[: self._probe_count()]:
            best: dict[str, float] = {}
            for card_index, score in self.score_all(probe).items():
                deck = self._deck_of[card_index]
                best[deck] = max(score, best.get(deck, 0.0))
            for deck in decks:
                tops[deck].append(best.get(deck, 0.0))
        cutoffs = {}
        for deck, scores in tops.items():
            ordered = sorted(scores)
            noise = ordered[int(NOISE_PERCENTILE * (len(ordered) - 1))]
            cutoffs[deck] = min(MAX_SCORE_CUTOFF, max(MIN_SCORE_CUTOFF, NOISE_SCALE * noise))
        return cutoffs

    def _probe_count(self) -> int:
        """How many noise probes calibrate the thresholds (a prefix of text.noise_probes).

        A large deck needs fewer probes for a stable percentile, and each probe costs more
        in a large index. The count follows the largest deck, not the whole index, so a
        deck's threshold is the same whether it is loaded alone or beside others (the same
        probes give the same scores); only an index far past PROBE_BUDGET_CARDS in all
        uses fewer.
        """
        available = len(noise_probes())
        largest_deck = max(self._deck_sizes.values(), default=1)
        by_deck = available * PROBE_DECK_CARDS // largest_deck
        by_index = available * PROBE_BUDGET_CARDS // max(1, len(self.cards))
        return max(MIN_PROBES, min(by_deck, by_index))

    # ----- names --------------------------------------------------------------------------
    def _is_name(self, word: str, term: str) -> bool:
        """A word the deck writes as a name, or a title word that is not everyday English
        ("osmosis", "purges"; not "name" or "how")."""
        if term in self._capitalised:
            return True
        return term in self._heading_words and specificity(word) >= NAME_MIN_SPECIFICITY

    # ----- reading a question -----------------------------------------------------------
    def _question_words(self, query: str) -> tuple[str, ...]:
        """The question's meaningful words (the last question's are kept)."""
        last = self._last_words
        if last is None or last[0] != query:
            last = self._last_words = (query, self._read_question(query))
        return last[1]

    def _read_question(self, query: str) -> tuple[str, ...]:
        """The question's meaningful words: shorthand spelled out, and letters typed over
        and over ("sooo") typed once unless the deck has the word as it stands."""
        words: list[str] = []
        for word in normalise(plain_text(query[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS]).split():
            if not self._vocabulary.knows(word):
                word = collapse_repeats(word)
            words.extend(SHORTHAND.get(word, word).split())
        meanings = []
        for word in join_phrases(words):
            if PHRASE_JOINER in word:
                if phrase_parts(word):
                    meanings.append(word)
                continue
            if meaning := word_meaning(word):  # the word is normalised already
                meanings.append(meaning)
        return tuple(dict.fromkeys(meanings))

    def _weight(self, word: str, matches: Sequence[Match], deck: str) -> float:
        """How much a question word matters to a deck's cards: the rarity of what it means,
        in that deck and in English."""
        idf = self._idf[deck]
        known = [match for match in matches if match.term in idf]
        if PHRASE_JOINER in word:
            weight = _phrase_specificity(word)
        elif not known:
            return self._unknown_idf[deck] * unknown_specificity(word)
        else:
            weight = specificity(word)
        if not known:
            return self._unknown_idf[deck] * weight
        best_quality = max(match.quality for match in known)
        best = [m.term for m in known if m.quality == best_quality]
        rarity = max(idf[term] for term in best)
        if best_quality >= 1.0 and any(term in self._proper.get(deck, ()) for term in best):
            return rarity  # a name of this deck ("the Left"), however everyday the word
        return rarity * weight

    # ----- scoring ------------------------------------------------------------------------
    def score_all(self, query: str) -> Mapping[int, float]:
        """Every card that shares anything with the question -> score 0–100 (read-only:
        the last question's scores are kept for the next call)."""
        last = self._last_scores
        if last is None or last[0] != query:
            last = self._last_scores = (query, self._score(query))
        return last[1]

    def _score(self, query: str) -> dict[int, float]:
        words = self._question_words(query)
        decks = self._decks
        deck_of = self._deck_of
        totals = {deck: QUESTION_PRIOR_SHARE * self._unknown_idf[deck] for deck in decks}
        covered: dict[int, float] = defaultdict(float)
        weighted_matches: list[tuple[dict[str, float], tuple[Match, ...]]] = []
        for word in words:
            matches = self._vocabulary.matches(word)
            if not matches and len(word) <= 2:
                continue  # an unknown initial ("z n k") carries no meaning of its own
            weights = {deck: self._weight(word, matches, deck) for deck in decks}
            for deck in decks:
                totals[deck] += weights[deck]
            weighted_matches.append((weights, matches))
            for card_index, value in self._best_per_card(matches, self._postings).items():
                covered[card_index] += weights[deck_of[card_index]] * value
        for (weights_a, first), (weights_b, second) in pairwise(weighted_matches):
            for card_index, value in self._best_phrase_per_card(first, second).items():
                deck = deck_of[card_index]
                bonus = PHRASE_BONUS * (weights_a[deck] + weights_b[deck]) / 2
                covered[card_index] += bonus * value
        return {
            i: min(100.0, 100.0 * value / totals[deck_of[i]])
            for i, value in covered.items()
            if totals[deck_of[i]] > 0
        }

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
                for card_index, prominence in posting.items():
                    value = quality * prominence
                    if value > best.get(card_index, 0.0):
                        best[card_index] = value
        return best

    @staticmethod
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
        threshold but the question names its title or alias (HEADING_MIN_TERMS)."""
        if not scores:
            return scored
        best_index = min(scores, key=lambda index: (-scores[index], index))
        if scored and scored[0][1] == best_index:
            return scored
        best_score = scores[best_index]
        if best_score < HEADING_FLOOR * self.cutoffs[self._deck_of[best_index]]:
            return scored
        if not self._names_heading(self._question_words(query), best_index):
            return scored
        return [(best_score, best_index), *scored]

    def _names_heading(self, words: Sequence[str], card_index: int) -> bool:
        """Whether the question's words, matched exactly, cover at least HEADING_MIN_TERMS
        words and at least half of one of the card's title or alias."""
        terms = {term for word in words for term in self._exact_terms(word)}
        return any(
            len(heading & terms) >= max(HEADING_MIN_TERMS, len(heading) / 2)
            for heading in self._headings[card_index]
        )

    def _without_stray_hits(
        self, query: str, scored: list[tuple[float, int]]
    ) -> list[tuple[float, int]]:
        """In an index of several decks, of the hits (best first), those that are sure
        (SURE_MARGIN) or rest on a word of their deck's own. When the best hit is neither,
        the question looks like one meant for no deck and only sure hits are kept: the next
        card down, from a deck that happens to share a word, is no better an answer."""
        words = self._question_words(query)

        def sure(score: float, index: int) -> bool:
            return score >= SURE_MARGIN * self.cutoffs[self._deck_of[index]]

        def kept(score: float, index: int) -> bool:
            return sure(score, index) or self._rests_on_deck_words(words, index)

        if not scored:
            return scored
        if not kept(*scored[0]):
            return [pair for pair in scored if sure(*pair)]
        return [scored[0], *(pair for pair in scored[1:] if kept(*pair))]

    def _exact_terms(self, word: str) -> list[str]:
        """The terms a question word meets exactly (as written or as a word form)."""
        return [match.term for match in self._vocabulary.matches(word) if match.quality >= 1.0]

    def _rests_on_deck_words(self, words: Sequence[str], card_index: int) -> bool:
        """Whether the card meets some question word through a term of its deck's own
        (see SURE_MARGIN): "osmosis" for a Biology card, not "form"."""
        deck = self._deck_of[card_index]
        for word in words:
            for match in self._vocabulary.matches(word):
                if (
                    match.quality >= DECK_WORD_MIN_QUALITY
                    and card_index in self._postings.get(match.term, ())
                    and self._deck_share(match.term, deck) >= DECK_WORD_SHARE
                ):
                    return True
        return False

    def _deck_share(self, term: str, deck: str) -> float:
        """The share of a term's use that is in one deck: its rate per card in that deck
        over the sum of its rates in every deck (1.0 for a word only that deck uses)."""
        key = (term, deck)
        share = self._shares.get(key)
        if share is None:
            rates = {
                name: counts.get(term, 0) / self._deck_sizes[name]
                for name, counts in self._deck_counts.items()
            }
            total = sum(rates.values())
            share = rates[deck] / total if total else 0.0
            if len(self._shares) < 100_000:
                self._shares[key] = share
        return share

    def name_lookup(self, query: str, *, limit: int = 3) -> tuple[list[Hit], bool] | None:
        """The cards about a name or term asked alone ("kamenev", "who was X", "the right").

        Applies only when every meaningful word of the question is a name the deck uses
        (a word of a title or alias, or one it writes with a capital mid-sentence) and some
        card mentions them all; several words must appear together in a title or alias.
        Returns (hits, confident): the cards whose title or alias is most nearly the name
        itself (confident when one card stands out), else the cards that mention it most
        (not confident: the student is asked which one). None when it does not apply.
        """
        words = self._question_words(query)
        if not 1 <= len(words) <= MAX_NAME_WORDS:
            return None
        terms = set()
        for word in words:
            named = [term for term in self._exact_terms(word) if self._is_name(word, term)]
            if not named:
                return None
            terms.add(named[0])
        mentioning = set.intersection(*(set(self._postings[term]) for term in terms))
        if not mentioning:
            return None
        scores = self.score_all(query)
        about = []
        for card_index in mentioning:
            shares = [len(terms) / len(h) for h in self._headings[card_index] if terms <= h]
            if shares:
                about.append((max(shares), scores.get(card_index, 0.0), card_index))
        if about:
            about.sort(key=lambda row: (-row[0], -row[1], row[2]))
            best_share = about[0][0]
            rivals = [row for row in about if row[0] == best_share]
            chosen = rivals if len(rivals) > 1 else about
            hits = [Hit(self.cards[i], round(score, 2)) for _, score, i in chosen[:limit]]
            return hits, len(rivals) == 1
        if len(terms) > 1:
            return None
        ranked = sorted(mentioning, key=lambda i: (-scores.get(i, 0.0), i))
        return [Hit(self.cards[i], round(scores.get(i, 0.0), 2)) for i in ranked[:limit]], False

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
            words = self._question_words(query)
            near = [pair for pair in near if self._rests_on_deck_words(words, pair[1])]
        return [Hit(self.cards[index], round(score, 2)) for score, index in near[:limit]]

    def suggest_topics(self, query: str, *, limit: int = 3) -> list[Topic]:
        """Topics nearest to a question that found no card, filled up in deck order."""
        best_by_topic: dict[str, float] = {}
        for index, score in self.score_all(query).items():
            topic_id = self.cards[index].topic_id
            best_by_topic[topic_id] = max(score, best_by_topic.get(topic_id, 0.0))
        ranked = sorted(best_by_topic, key=lambda topic_id: -best_by_topic[topic_id])
        ranked += [topic_id for topic_id in self.topics if topic_id not in best_by_topic]
        return [self.topics[topic_id] for topic_id in ranked if topic_id in self.topics][:limit]


def _phrase_specificity(lemma: str) -> float:
    """How specialist a multi-word verb is: as its most frequent sense's first word
    ("get rid of" as "remove"), else as its rarest own word."""
    senses = phrase_senses(lemma)
    if senses:
        return specificity(senses[0][0])
    return max(specificity(part) for part in phrase_parts(lemma))


def _best_first(pair: tuple[float, int]) -> tuple[float, int]:
    """Sort key of (score, card index) pairs: best score first, ties in card order."""
    return -pair[0], pair[1]


CLOSE_SCORE_RATIO = 0.8


@dataclass(frozen=True, slots=True)
class Answer:
    """What to show for a question: the best card and close alternatives, or topics."""

    question: str
    best: Hit | None
    alternatives: tuple[Hit, ...]
    suggested_topics: tuple[Topic, ...]
    # False when the best card is only a guess among close rivals: adapters then ask
    # "Which did you mean?" with the best card and its alternatives as choices.
    confident: bool = True
    # When there is no best card: the cards that came closest (SearchIndex.nearest),
    # offered as "the closest notes I have", never as the answer.
    nearest: tuple[Hit, ...] = ()


def answer(index: SearchIndex, question: str, *, alternatives: int = 3) -> Answer:
    """The best card for a question plus those scoring within 80 % of it.

    When no card clears the cutoff the answer carries topic suggestions and the cards that
    came closest instead, so the student always has somewhere to go next and never gets a
    wrong card with confidence.
    """
    named = index.name_lookup(question, limit=alternatives)
    if named is not None:
        (best, *others), confident = named
        return Answer(question, best, tuple(others), (), confident=confident)
    hits = index.search(question, limit=alternatives + 1)
    if not hits:
        suggestions = tuple(index.suggest_topics(question))
        return Answer(question, None, (), suggestions, nearest=tuple(index.nearest(question)))
    best, *others = hits
    close = tuple(hit for hit in others if hit.score >= CLOSE_SCORE_RATIO * best.score)
    return Answer(question, best, close, (), confident=not close)
