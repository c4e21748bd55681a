"""What a set of cards says, read as index terms, once when an index is built.

Each card's fields (title, aliases, keywords, body, common mistake, topic title) become
terms (text.word_term), with acronyms of its names and the digits of its Roman numerals
added; term and neighbouring-term-pair postings weigh each term by its field and how often
it appears (BM25F-style saturation); and each deck's names are noted: the words of titles
and aliases, the words it writes with a capital mid-sentence, and its proper names.
deck_index.DeckIndex scores questions against the result (one analysis per deck).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from tutor.definitions import defined_phrases_of
from tutor.formulas import formula_terms
from tutor.lexicon import EXAM_COMMAND_WORDS, REASON_TITLE_WORDS
from tutor.model import Card, Topic
from tutor.sections import section_terms
from tutor.text import (
    ENGLISH_WORD_MIN_FREQUENCY,
    FIELD_BREAK,
    FIELD_MARKER,
    acronyms_of_words,
    capital_uses,
    english_frequency,
    name_runs,
    normalise,
    roman_numerals,
    stem,
    word_meaning,
    word_term,
)
from tutor.wordlinks import is_english

FIELD_WEIGHTS: Mapping[str, float] = {
    "title": 3.0,
    "aliases": 3.0,
    "keywords": 2.0,
    "body": 1.0,
    "misconception": 1.0,
    "topic": 0.5,
    "body_formulas": 1.0,  # formulas.formula_terms of the body, weighed as the body
}
# Saturation: one title mention gives 3 / (3 + 1.2) = 0.71 of a word's weight, one body
# mention 0.45, so covering every word in the body alone still scores about 45.
SATURATION = 1.2
BODY_LENGTH_NORMALISATION = 0.5
# A word the deck writes with a capital mid-sentence at least this often (and more often
# than in lower case) is one of its proper names.
MIN_PROPER_USES = 2
# The longest name a body writes with capitals that is looked up as one (written_names).
MAX_WRITTEN_NAME_WORDS = 3
# A phrase that heads a bullet on more cards of a deck than this is a label, not a term.
MAX_DEFINING_CARDS = 2


@dataclass(frozen=True, slots=True)
class CardTerms:
    """What the cards of an index say, as terms; card positions are indexes into `cards`."""

    # term -> {card index: prominence 0..1}; neighbouring-term pair -> [(card index, prominence)].
    postings: dict[str, dict[int, float]]
    phrases: dict[tuple[str, str], list[tuple[int, float]]]
    # Per card, the term sets of its title and of each alias, then of its title's subjects
    # ("Halogens: why reactivity decreases" is about halogens): what the card is about.
    headings: list[tuple[frozenset[str], ...]]
    # Per card, how many of its headings are its title and aliases (the rest are subjects).
    own_headings: list[int]
    # Per card, the term sets of the items its title lists ("Props and symbols: the ring,
    # the photograph and the phone"): the card is partly about each.
    title_items: list[tuple[frozenset[str], ...]]
    # Per card, the term sets of the phrases its body defines ("Mitochondria: where…").
    definitions: list[tuple[frozenset[str], ...]]
    # Each word the cards write (normalised) -> its terms, for typo and prefix matching.
    surface_to_terms: dict[str, tuple[str, ...]]
    # Initials of names ("smp", "ytr") that no card writes as a word: a student types them
    # exactly or not at all, so no typo or truncation is read as one.
    initialisms: frozenset[str]
    # Initials of one name a card's body writes -> that name's words ("mrc" -> military
    # revolutionary committee): a question reads them as the name (a name written once in
    # a body weighs far less as one initialism than as its words).
    initial_names: dict[str, tuple[str, ...]]
    # Names: words of titles and aliases; words written with a capital inside a sentence
    # ("the Right", "Kamenev", "NEP"); per deck, its proper names (MIN_PROPER_USES).
    heading_words: frozenset[str]
    capitalised: frozenset[str]
    proper: dict[str, frozenset[str]]
    # Every term some card defines.
    defined_words: frozenset[str]
    # The cards whose title gives reasons ("Why the Right lost", "Causes of the war").
    reason_cards: frozenset[int]
    # The stem of each exam command word a title writes ("The multi-store model:
    # evaluation") -> the cards whose title writes it.
    command_titles: dict[str, frozenset[int]]
    # The terms of each name of two or three words a card's body writes with capitals
    # ("Red Square", "War Commissariat") -> the cards that write it.
    written_names: dict[frozenset[str], tuple[int, ...]]


def analyse_cards(cards: Sequence[Card], topics: Mapping[str, Topic]) -> CardTerms:
    """Read every card once into terms, postings and names."""
    return _Analysis(cards, topics).result()


# The fields after the title and aliases, in the order _card_terms reads them.
_REST_FIELDS = ("keywords", "body", "misconception", "topic")
# The stems of an exam's command words ("evaluate", "outline", "compare"): scaffolding in
# a question, but a title that writes one ("The multi-store model: evaluation") is met by a
# question writing a form of it.
COMMAND_STEMS = frozenset(stem(word) for word in EXAM_COMMAND_WORDS)
# A title's subject is what comes before its colon, when that is this many words or fewer:
# "Gerald Croft: the affair with Daisy Renton" is about Gerald Croft.
MAX_SUBJECT_WORDS = 4


def subject_words(card: Card) -> list[list[str]]:
    """The normalised words of each subject a title names before its colon, a slash
    between names giving two ("Eva Smith/Daisy Renton: her life and character"): notes
    title several cards "Subject: aspect", and each of them is about that subject."""
    head, colon, aspect = card.title.partition(":")
    if not colon or not aspect.strip():
        return []
    subjects = [normalise(part).split() for part in head.split("/")]
    return [words for words in subjects if 0 < len(words) <= MAX_SUBJECT_WORDS]


_LIST_SEPARATOR = re.compile(r",|&|\band\b")
_BRACKETED = re.compile(r"\([^)]*\)")


def title_items(card: Card) -> list[list[str]]:
    """The normalised words of each item a title lists, after its colon when it has one
    ("Props and symbols: the ring, the photograph and the phone"; "Caves, arches, stacks
    and stumps"), each of at most MAX_SUBJECT_WORDS words; none for a title that lists
    nothing. Bracketed dates and notes are not items."""
    head, colon, aspect = card.title.partition(":")
    parts = _LIST_SEPARATOR.split(_BRACKETED.sub(" ", aspect if colon else head))
    if len(parts) < 2:
        return []
    items = (normalise(part).split() for part in parts)
    return [words for words in items if 0 < len(words) <= MAX_SUBJECT_WORDS]


class _TermTable(dict[str, str]):
    """Word -> index term ("" for a function word), worked out once per distinct word
    while an index is built; its keys are then every word the cards use."""

    def __missing__(self, word: str) -> str:
        term = self[word] = word_term(word)
        return term


class _Analysis:
    """The working state of one analyse_cards call (each distinct word's term is worked
    out once; words counted per deck for its proper names)."""

    def __init__(self, cards: Sequence[Card], topics: Mapping[str, Topic]) -> None:
        self.cards = cards
        self.topics = topics
        self._surface_to_terms: dict[str, set[str]] = defaultdict(set)
        self._term_of = _TermTable()
        self._running_words: dict[str, Counter[str]] = defaultdict(Counter)
        self._initialisms: set[str] = set()
        self._names_of_initials: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        self._reason_cards: list[int] = []
        self._command_titles: dict[str, set[int]] = defaultdict(set)
        self._own_headings: list[int] = []
        self._written_names: dict[frozenset[str], list[int]] = defaultdict(list)

    def result(self) -> CardTerms:
        analysed = [self._card_terms(at, card) for at, card in enumerate(self.cards)]
        headings = [heads for _, heads, _ in analysed]
        for word, term in self._term_of.items():
            if term:
                self._surface_to_terms[word_meaning(word)].add(term)
        postings, phrases = self._build_postings(
            [fields for fields, _, _ in analysed], [card.deck_id for card in self.cards]
        )
        heading_words, capitalised, proper = self._name_terms(headings)
        definitions = self._definitions_per_card()
        return CardTerms(
            postings=postings,
            phrases=phrases,
            headings=headings,
            own_headings=self._own_headings,
            title_items=[items for _, _, items in analysed],
            definitions=definitions,
            # Tuples, sorted: most words have one term, and a 1-tuple is a quarter of a set
            # (a school with many decks keeps one such table per deck).
            surface_to_terms={
                word: tuple(sorted(terms)) for word, terms in self._surface_to_terms.items()
            },
            initialisms=frozenset(self._initialisms.difference(self._term_of)),
            initial_names=self._initial_names(),
            heading_words=heading_words,
            capitalised=capitalised,
            proper=proper,
            defined_words=frozenset(t for terms in definitions for one in terms for t in one),
            reason_cards=frozenset(self._reason_cards),
            command_titles={word: frozenset(cards) for word, cards in self._command_titles.items()},
            written_names={name: tuple(cards) for name, cards in self._written_names.items()},
        )

    def _initial_names(self) -> dict[str, tuple[str, ...]]:
        """Initials that stand for one name only, that no card writes as a word and that are
        no English word ("cop" for *cult of personality* stays a police officer)."""
        return {
            acronym: next(iter(names))
            for acronym, names in self._names_of_initials.items()
            if len(names) == 1 and acronym not in self._term_of and not is_english(acronym)
        }

    def _definitions_per_card(self) -> list[tuple[frozenset[str], ...]]:
        """Per card, the term sets of the phrases its body defines (definitions.py), less
        labels: a phrase "defined" on more than MAX_DEFINING_CARDS cards of a deck heads a
        bullet on each ("Fate: exiled 1929", "Fate: shot 1937"), it defines nothing."""
        term_of = self._term_of
        per_card = []
        for phrases in defined_phrases_of([card.body for card in self.cards]):
            found = (
                frozenset(filter(None, (term_of[word] for word in normalise(phrase).split())))
                for phrase in phrases
            )
            per_card.append(tuple(dict.fromkeys(terms for terms in found if terms)))
        uses = Counter(
            (card.deck_id, terms)
            for card, defined in zip(self.cards, per_card, strict=True)
            for terms in defined
        )
        return [
            tuple(terms for terms in defined if uses[card.deck_id, terms] <= MAX_DEFINING_CARDS)
            for card, defined in zip(self.cards, per_card, strict=True)
        ]

    def _card_terms(
        self, at: int, card: Card
    ) -> tuple[dict[str, list[str]], tuple[frozenset[str], ...], tuple[frozenset[str], ...]]:
        """The terms of each field, in order (acronyms of names count as aliases), and the
        term sets of the title and of each alias: what the card is about.

        Also records which surface words the index knows, for typo and prefix matching, and
        whether the title gives reasons (card `at`).
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
        if REASON_TITLE_WORDS.intersection(words_per_segment[0]):
            self._reason_cards.append(at)
        for word in words_per_segment[0]:
            if (word_stem := stem(word)) in COMMAND_STEMS:
                self._command_titles[word_stem].add(at)
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
            "body_formulas": [],
        }
        for words in words_per_segment[:count]:
            for acronym in sorted(_initials_of(words)):
                self._surface_to_terms[acronym].add(acronym)
                self._initialisms.add(acronym)
                analysed["aliases"].append(acronym)
        runs = name_runs(card.body)
        body_words = set(words_per_segment[count + _REST_FIELDS.index("body")]) if runs else set()
        for name in runs:  # "Shoreline Management Plan" -> "smp"
            name_words = tuple(normalise(name).split())
            if self._is_written_name(name_words, body_words):
                name_terms = frozenset(filter(None, map(term_of, name_words)))
                written = self._written_names[name_terms]
                if len(name_terms) > 1 and at not in written:
                    written.append(at)
            for acronym in sorted(_initials_of(name_words)):
                self._surface_to_terms[acronym].add(acronym)
                self._initialisms.add(acronym)
                analysed["body"].append(acronym)
                if "and" not in name_words:  # "Zinoviev and Kamenev" is two names
                    self._names_of_initials[acronym].add(name_words)
        texts = {"title": card.title, "aliases": " ".join(card.aliases), "body": card.body}
        if roman_numerals("\n".join(texts.values())):  # most cards have none: one scan
            for field, text in texts.items():  # "Plan XVII" is also "plan 17"
                for number in roman_numerals(text):
                    self._surface_to_terms[number].add(number)
                    analysed[field].append(number)
        if section_terms("\n".join(texts.values())):  # most cards number no parts
            for field, text in texts.items():  # "Act 1 Scenes 4–7" covers Act 1 Scene 5
                for term in section_terms(text):
                    self._surface_to_terms[term].add(term)
                    analysed["body_formulas" if field == "body" else field].append(term)
        # "P = V I" is also "P = IV" and "V = P ÷ I": a formula counts in the field that
        # writes it, a body's in a field of its own weighed as the body but not making it
        # longer, so the body's words keep their weight.
        for field, text in texts.items():
            formulas = formula_terms(text)
            analysed["body_formulas" if field == "body" else field].extend(formulas)
            for formula in formulas:
                self._surface_to_terms[formula].add(formula)
        card_headings = tuple(frozenset(terms) for terms in terms_per_segment[:count] if terms)
        self._own_headings.append(len(card_headings))

        def term_sets(word_lists: list[list[str]]) -> Iterable[frozenset[str]]:
            return (frozenset(filter(None, map(term_of, words))) for words in word_lists)

        subjects = term_sets(subject_words(card))
        card_headings += tuple(h for h in subjects if h and h not in card_headings)
        items = tuple(h for h in term_sets(title_items(card)) if h and h not in card_headings)
        return analysed, card_headings, items

    @staticmethod
    def _is_written_name(name_words: Sequence[str], body_words: set[str]) -> bool:
        """Whether a run of capitalised words is one name of a few words, each a word the
        body writes (a run cut at a letter the pattern does not know, "Dimitrijevi", is
        not)."""
        return (
            len(name_words) <= MAX_WRITTEN_NAME_WORDS
            and "and" not in name_words
            and all(word in body_words for word in name_words)
        )

    def _name_terms(
        self, headings_per_card: Sequence[tuple[frozenset[str], ...]]
    ) -> tuple[frozenset[str], frozenset[str], dict[str, frozenset[str]]]:
        """Terms the deck uses as names: (words of titles and aliases, words it writes with
        a capital inside a sentence: "the Right", "Kamenev", "NEP", and per deck its proper
        names: the words it writes with a capital mid-sentence at least twice and more often
        than in lower case).

        A proper name weighs as a specialist word whatever it means in everyday English:
        in a deck that writes "the Left" and "the Right", "why did the left lose" is about a
        faction, not a direction.
        """
        headings: set[str] = set()
        for card_headings in headings_per_card:
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

    @staticmethod
    def _build_postings(
        fields_per_card: Sequence[dict[str, list[str]]],
        decks: Sequence[str],
    ) -> tuple[dict[str, dict[int, float]], dict[tuple[str, str], list[tuple[int, float]]]]:
        """Term postings, {card index: prominence in 0..1}, and neighbouring-term-pair
        postings, [(card index, prominence)].

        Prominence is the field-weighted frequency, saturated (BM25F-style); the body's
        weight is normalised by its length.
        """
        lengths: dict[str, list[int]] = defaultdict(list)
        for deck, fields in zip(decks, fields_per_card, strict=True):
            lengths[deck].append(len(fields["body"]))
        # Each deck's own average, so a deck's cards score alike alone or beside others.
        averages = {deck: max(1.0, sum(found) / len(found)) for deck, found in lengths.items()}
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        # Most pairs are on one card: a list of (card, prominence) is a third smaller than a
        # dict, and pairs are only ever read whole.
        phrases: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
        for index, fields in enumerate(fields_per_card):
            average_body = averages[decks[index]]
            single: dict[str, float] = {}
            paired: dict[tuple[str, str], float] = {}
            length_ratio = len(fields["body"]) / average_body
            body_length = 1 - BODY_LENGTH_NORMALISATION + BODY_LENGTH_NORMALISATION * length_ratio
            for field, terms in fields.items():
                weight = FIELD_WEIGHTS[field]
                if field in ("body", "body_formulas"):
                    weight /= body_length
                for term in terms:
                    single[term] = single.get(term, 0.0) + weight
                if field not in ("aliases", "body", "body_formulas"):
                    for pair in pairwise(terms):
                        paired[pair] = paired.get(pair, 0.0) + weight
            for term, frequency in single.items():
                postings[term][index] = frequency / (frequency + SATURATION)
            for pair, frequency in paired.items():
                phrases[pair].append((index, frequency / (frequency + SATURATION)))
        return dict(postings), dict(phrases)


def _initials_of(words: Sequence[str]) -> set[str]:
    """The initials of a title, an alias or a name a body writes that can stand for it:
    not a common English word ("fat" is no alias of *Factors affecting transpiration*,
    nor "gas" of *Why God allows suffering*: "how do u test for fat" asks about fat)."""
    return {
        acronym
        for acronym in acronyms_of_words(words)
        if english_frequency(acronym) < ENGLISH_WORD_MIN_FREQUENCY
    }
