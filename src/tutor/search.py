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
import gc
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import process
from rapidfuzz.distance import OSA

from tutor.lexicon import SHORTHAND, SYNONYM_GROUPS
from tutor.model import Card, Topic
from tutor.text import (
    DECADE,
    ENGLISH_WORD_MIN_FREQUENCY,
    FIELD_BREAK,
    FIELD_MARKER,
    MAX_QUERY_CHARS,
    acronyms,
    acronyms_of_words,
    capital_uses,
    collapse_repeats,
    english_frequency,
    name_runs,
    noise_probes,
    normalise,
    plain_text,
    roman_numerals,
    specificity,
    spelling_variants,
    stem,
    unknown_specificity,
    word_meaning,
    word_term,
)
from tutor.wordlinks import (
    PHRASE_JOINER,
    english_stems,
    is_english,
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
# The `score_cutoff` that means "the cutoff calibrated for the deck of each card".
DECK_CUTOFF = "deck"

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
TYPO_QUALITY = (1.0, 0.85, 0.7, 0.6, 0.5)  # by edit distance 0, 1, 2, 3, 4
PREFIX_QUALITY = 0.6
# A question word that is itself English (wordlinks.is_english) is seldom a typo: when it is
# one letter off a deck word the match counts this share of a typo's.
REAL_WORD_TYPO_SCALE = 0.5
SYNONYM_QUALITY = 0.7
# A multi-word verb in a question ("get rid of") means its WordNet senses (wordlinks
# .PHRASE_QUALITY); its own words met alone in a card ("rid") count this share, so a card
# that happens to share the phrase's rare particle does not outrank the cards about the
# phrase's meaning.
PHRASE_PART_QUALITY = 0.8
# Two neighbouring question words found side by side in a card add this share of their
# weight again: "centralised control" is stronger evidence than the two words apart.
PHRASE_BONUS = 0.5
# Every question also carries weight no card can cover, this share of an unknown word's:
# a question of one everyday word ("thanks, that helped") then stays below the cutoff,
# while one rare word ("sverdlov") still clears it.
QUESTION_PRIOR_SHARE = 0.6
MAX_PREFIX_EXPANSIONS = 6
# A question of at most this many words, all names the deck uses, is a name lookup.
MAX_NAME_WORDS = 3
# How specialist a title word must be to count as a name when asked alone (text.specificity).
NAME_MIN_SPECIFICITY = 0.6
MIN_PREFIX_LENGTH = 3
# A word the deck writes with a capital mid-sentence at least this often (and more often
# than in lower case) is one of its proper names.
MIN_PROPER_USES = 2


@dataclass(frozen=True, slots=True)
class Hit:
    """A card and how well it answers the question (0–100)."""

    card: Card
    score: float


# The fields after the title and aliases, in the order _card_terms reads them.
_REST_FIELDS = ("keywords", "body", "misconception", "topic")


class _TermTable(dict[str, str]):
    """Word -> index term ("" for a function word), worked out once per distinct word
    while an index is built; its keys are then every word the cards use."""

    def __missing__(self, word: str) -> str:
        term = self[word] = word_term(word)
        return term


@dataclass(frozen=True, slots=True)
class _Match:
    """One way a question word meets the index: a term and how much that counts."""

    term: str
    quality: float


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
        self._surface_to_terms: dict[str, set[str]] = defaultdict(set)
        self._term_of = _TermTable()
        self._running_words: dict[str, Counter[str]] = defaultdict(Counter)
        analysed = [self._card_terms(card) for card in self.cards]
        fields_per_card = [fields for fields, _ in analysed]
        # Per card, the term sets of its title and of each alias: what the card is about.
        self._headings: list[tuple[frozenset[str], ...]] = [heads for _, heads in analysed]
        for word, term in self._term_of.items():
            if term:
                self._surface_to_terms[word_meaning(word)].add(term)
        self._postings, self._phrases = self._build_postings(
            fields_per_card, [card.deck_id for card in self.cards]
        )
        self._deck_of: tuple[str, ...] = tuple(card.deck_id for card in self.cards)
        self._decks: tuple[str, ...] = tuple(sorted(set(self._deck_of)))
        self._heading_words, self._capitalised, self._proper = self._name_terms()
        del self._term_of, self._running_words
        self._deck_sizes, self._deck_counts = self._deck_term_counts()
        self._shares: dict[tuple[str, str], float] = {}  # see _deck_share
        self._idf, self._unknown_idf = self._rarities()
        self._sorted_surface = sorted(self._surface_to_terms)
        self._surface_by_length: dict[int, list[str]] = defaultdict(list)
        for surface in self._sorted_surface:
            self._surface_by_length[len(surface)].append(surface)
        self._stems_by_length: dict[int, list[str]] = defaultdict(list)
        for term in self._postings:
            if not term.isdigit():
                self._stems_by_length[len(term)].append(term)
        self._synonyms = self._build_synonyms()
        linked_stems("")  # load the WordNet links now, not on the first question
        join_phrases(())  # and the multi-word verbs
        english_stems()
        self._word_cache: dict[str, tuple[_Match, ...]] = {}
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
        # A large index needs fewer probes for a stable percentile and each costs more.
        probes = noise_probes()[
            : max(MIN_PROBES, len(noise_probes()) * 300 // max(1, len(self.cards)))
        ]
        for probe in probes:
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

    # ----- building -------------------------------------------------------------------
    def _card_terms(self, card: Card) -> tuple[dict[str, list[str]], tuple[frozenset[str], ...]]:
        """The terms of each field, in order (acronyms of names count as aliases), and the
        term sets of the title and of each alias: what the card is about.

        Also records which surface words the index knows, for typo and prefix matching.
        """
        topic = self.topics.get(card.topic_id)
        headings = (card.title, *card.aliases)
        rest_texts = (
            " ".join(card.keywords),
            card.body,
            card.misconception,
            topic.title if topic else "",
        )
        rest = dict(zip(_REST_FIELDS, rest_texts, strict=True))
        # One normalise call per card, not per field: fields are joined by a marker word.
        segments = normalise(FIELD_BREAK.join((*headings, *rest.values())), limit=None)
        words_per_segment = [text.split() for text in segments.split(FIELD_MARKER)]
        term_of = self._term_of.__getitem__
        terms_per_segment = [list(filter(None, map(term_of, words))) for words in words_per_segment]
        count = len(headings)
        running = self._running_words[card.deck_id]  # body and common mistake, for _name_terms
        for field in ("body", "misconception"):
            running.update(words_per_segment[count + _REST_FIELDS.index(field)])
        analysed = {
            "title": terms_per_segment[0],
            "aliases": [term for terms in terms_per_segment[1:count] for term in terms],
            **dict(zip(rest, terms_per_segment[count:], strict=True)),
        }
        for words in words_per_segment[:count]:
            for acronym in sorted(acronyms_of_words(words)):
                self._surface_to_terms[acronym].add(acronym)
                analysed["aliases"].append(acronym)
        for name in name_runs(card.body):  # "Shoreline Management Plan" -> "smp"
            for acronym in sorted(acronyms(name)):
                self._surface_to_terms[acronym].add(acronym)
                analysed["body"].append(acronym)
        texts = {"title": card.title, "aliases": " ".join(card.aliases), "body": card.body}
        if roman_numerals("\n".join(texts.values())):  # most cards have none: one scan
            for field, text in texts.items():  # "Plan XVII" is also "plan 17"
                for number in roman_numerals(text):
                    self._surface_to_terms[number].add(number)
                    analysed[field].append(number)
        card_headings = tuple(frozenset(terms) for terms in terms_per_segment[:count] if terms)
        return analysed, card_headings

    def _name_terms(self) -> tuple[frozenset[str], frozenset[str], dict[str, frozenset[str]]]:
        """Terms the deck uses as names: (words of titles and aliases, words it writes with
        a capital inside a sentence: "the Right", "Kamenev", "NEP", and per deck its proper
        names: the words it writes with a capital mid-sentence at least twice and more often
        than in lower case).

        A proper name weighs as a specialist word whatever it means in everyday English:
        in a deck that writes "the Left" and "the Right", "why did the left lose" is about a
        faction, not a direction.
        """
        headings: set[str] = set()
        for card_headings in self._headings:
            for terms in card_headings:
                headings |= terms
        term_of = self._term_of
        capitalised: set[str] = set()
        proper: dict[str, frozenset[str]] = {}
        cards_of: dict[str, list[Card]] = defaultdict(list)
        for card in self.cards:
            cards_of[card.deck_id].append(card)
        for deck, cards in cards_of.items():
            inside: Counter[str] = Counter()
            every: Counter[str] = Counter()
            for card in cards:
                words_inside, words_capitalised = capital_uses(f"{card.body}\n{card.misconception}")
                inside.update(words_inside)
                every.update(words_capitalised)
            upper: Counter[str] = Counter()
            for word, count in inside.items():
                if term := term_of[word]:
                    capitalised.add(term)
                    upper[term] += count
            candidates = {term for term, count in upper.items() if count >= MIN_PROPER_USES}
            # Lower-case uses: all uses in the body and common mistakes, less the capitalised.
            lower: Counter[str] = Counter()
            for word, count in self._running_words[deck].items():
                if word.isalpha() and (term := term_of[word]) in candidates:
                    lower[term] += count
            for word, count in every.items():
                if (term := term_of[word]) in candidates:
                    lower[term] -= count
            proper[deck] = frozenset(t for t in candidates if upper[t] > lower[t])
        return frozenset(headings), frozenset(capitalised), proper

    def _is_name(self, word: str, term: str) -> bool:
        """A word the deck writes as a name, or a title word that is not everyday English
        ("osmosis", "purges"; not "name" or "how")."""
        if term in self._capitalised:
            return True
        return term in self._heading_words and specificity(word) >= NAME_MIN_SPECIFICITY

    @staticmethod
    def _build_postings(
        fields_per_card: Sequence[dict[str, list[str]]],
        decks: Sequence[str],
    ) -> tuple[dict[str, dict[int, float]], dict[tuple[str, str], dict[int, float]]]:
        """Term and neighbouring-term-pair postings: {card index: prominence in 0..1}.

        Prominence is the field-weighted frequency, saturated (BM25F-style); the body's
        weight is normalised by its length.
        """
        lengths: dict[str, list[int]] = defaultdict(list)
        for deck, fields in zip(decks, fields_per_card, strict=True):
            lengths[deck].append(len(fields["body"]))
        # Each deck's own average, so a deck's cards score alike alone or beside others.
        averages = {deck: max(1.0, sum(found) / len(found)) for deck, found in lengths.items()}
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        phrases: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
        for index, fields in enumerate(fields_per_card):
            average_body = averages[decks[index]]
            single: dict[str, float] = {}
            paired: dict[tuple[str, str], float] = {}
            for field, terms in fields.items():
                weight = FIELD_WEIGHTS[field]
                if field == "body":
                    length_ratio = len(terms) / average_body
                    weight /= (
                        1 - BODY_LENGTH_NORMALISATION + BODY_LENGTH_NORMALISATION * length_ratio
                    )
                for term in terms:
                    single[term] = single.get(term, 0.0) + weight
                if field not in ("aliases", "body"):
                    for pair in pairwise(terms):
                        paired[pair] = paired.get(pair, 0.0) + weight
            for term, frequency in single.items():
                postings[term][index] = frequency / (frequency + SATURATION)
            for pair, frequency in paired.items():
                phrases[pair][index] = frequency / (frequency + SATURATION)
        return dict(postings), dict(phrases)

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
            if word not in self._surface_to_terms:
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

    def _matches(self, word: str) -> tuple[_Match, ...]:
        cached = self._word_cache.get(word)
        if cached is None:
            cached = self._find_matches(word)
            if len(self._word_cache) < 100_000:
                self._word_cache[word] = cached
        return cached

    def _find_matches(self, word: str) -> tuple[_Match, ...]:
        if PHRASE_JOINER in word:
            return self._phrase_matches(word)
        found: dict[str, float] = {}
        direct = self._direct_matches(word)
        for term, quality in direct:
            found[term] = max(found.get(term, 0.0), quality)
        for term in self._synonyms.get(stem(word), ()):
            found.setdefault(term, SYNONYM_QUALITY)
        for base, quality in direct:
            for term in self._synonyms.get(base, ()):
                found.setdefault(term, SYNONYM_QUALITY * quality)
        for source in {stem(word), *(base for base, _ in direct)}:
            for term, quality in linked_stems(source).items():
                if term in self._postings and quality > found.get(term, 0.0):
                    found[term] = quality
        return tuple(_Match(term, quality) for term, quality in found.items())

    def _phrase_matches(self, lemma: str) -> tuple[_Match, ...]:
        """A multi-word verb: the words of its senses as written ("remove") or linked by
        WordNet or a synonym group ("removal", "dismiss"), and its own words ("rid") a little
        lower; no typo or truncation matching, these are dictionary words."""
        found: dict[str, float] = {}

        def add(term: str, quality: float) -> None:
            if term in self._postings and quality > found.get(term, 0.0):
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
        return tuple(_Match(term, quality) for term, quality in found.items())

    def _direct_matches(self, word: str) -> list[tuple[str, float]]:
        """Exact stem, else dropped final g ("keepin"), else typo, else truncation.

        Only a word that is not common English can be a typo or a truncation.
        """
        dropped_g = [word + "g"] if word.endswith("in") else []
        for candidate in (word, *dropped_g, *spelling_variants(word)):
            if stem(candidate) in self._postings:
                return [(stem(candidate), 1.0)]
        if DECADE.match(word):
            return self._decade_matches(word)
        if word.isdigit() or english_frequency(word) >= ENGLISH_WORD_MIN_FREQUENCY:
            return []
        typos = self._typo_matches(word)
        if typos:
            return typos
        return self._prefix_matches(word)

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
        if not found and len(word) >= 7:
            same_start = [s for s in self._with_prefix(word[:4]) if abs(len(s) - len(word)) <= 4]
            found = _closest(word, [same_start], max_edits + 1)
        if found:
            return [(term, quality) for s, quality in found for term in self._surface_to_terms[s]]
        word_stem = stem(word)
        stem_edits = min(max_edits, max(1, len(word_stem) // 4))
        return _closest(word_stem, self._stems_near(len(word_stem), stem_edits), stem_edits)

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

    def _weight(self, word: str, matches: Sequence[_Match], deck: str) -> float:
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
        weighted_matches: list[tuple[dict[str, float], tuple[_Match, ...]]] = []
        for word in words:
            matches = self._matches(word)
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
        self, first: Sequence[_Match], second: Sequence[_Match]
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
            scored = [
                (score, index)
                for index, score in scores.items()
                if score >= self.cutoffs.get(self._deck_of[index], MAX_SCORE_CUTOFF)
            ]
        else:
            cutoff = 0.0 if not isinstance(score_cutoff, float | int) else score_cutoff
            scored = [(score, index) for index, score in scores.items() if score >= cutoff]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        if score_cutoff == DECK_CUTOFF:
            scored = self._with_named_heading(query, scores, scored)
            if len(self._decks) > 1:
                scored = self._without_stray_hits(query, scored)
        return [Hit(self.cards[index], round(score, 2)) for score, index in scored[:limit]]

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
        terms = {m.term for word in words for m in self._matches(word) if m.quality >= 1.0}
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

    def _rests_on_deck_words(self, words: Sequence[str], card_index: int) -> bool:
        """Whether the card meets some question word through a term of its deck's own
        (see SURE_MARGIN): "osmosis" for a Biology card, not "form"."""
        deck = self._deck_of[card_index]
        for word in words:
            for match in self._matches(word):
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
            exact = [m.term for m in self._matches(word) if m.quality >= 1.0]
            named = [term for term in exact if self._is_name(word, term)]
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


def answer(index: SearchIndex, question: str, *, alternatives: int = 3) -> Answer:
    """The best card for a question plus those scoring within 80 % of it.

    When no card clears the cutoff the answer carries topic suggestions instead, so the
    student always has somewhere to go next and never gets a wrong card with confidence.
    """
    named = index.name_lookup(question, limit=alternatives)
    if named is not None:
        (best, *others), confident = named
        return Answer(question, best, tuple(others), (), confident=confident)
    hits = index.search(question, limit=alternatives + 1)
    if not hits:
        suggestions = tuple(index.suggest_topics(question))
        return Answer(question, None, (), suggestions)
    best, *others = hits
    close = tuple(hit for hit in others if hit.score >= CLOSE_SCORE_RATIO * best.score)
    return Answer(question, best, close, (), confident=not close)
