"""Names and terms asked alone ("kamenev", "who was X", "the right"): one deck's cards about them.

A question that is only a name or term the deck uses gets the card that is about it (its
title or an alias is the name), else the card that defines it, else a short choice of the
cards that mention it most — never "no note" for a name the deck writes on many cards.
deck_index.DeckIndex reads the question and scores the cards; this module decides which
cards are about the name. Everything here sees one deck only.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from tutor.cardterms import CardTerms
from tutor.lexicon import REQUEST_WORDS, REQUEST_WORDS_UNLESS_NAMED
from tutor.text import specificity
from tutor.vocabulary import Vocabulary
from tutor.wordlinks import is_compound

# A question of at most this many words, all names the deck uses, is a name lookup.
MAX_NAME_WORDS = 3
# How specialist a title word must be to count as a name when asked alone (text.specificity).
NAME_MIN_SPECIFICITY = 0.6
# A name asked alone may be misspelt ("bukarin"): a typo this close (one edit, or spelt as it
# sounds; vocabulary.TYPO_QUALITY) still names the one deck word it is that close to.
NAME_TYPO_QUALITY = 0.85
# An item a title lists ("Props and symbols: the ring, the photograph and the phone") is
# this share of a heading: the card is about the ring unless another card is titled by it
# ("bukharin" stays the card about Bukharin, not the one listing "Bukharin, Tomsky and
# Rykov").
NAME_ITEM_SHARE = 0.5
# A card that defines a name ranks as this nearly "about" it (NamedCards.about): under any
# card titled by it, over the cards that only mention it.
DEFINES_NAME = 0.1
# A card is about a name when the name is at least this share of its title's or an alias's
# words: "The Schlieffen Plan" is about Schlieffen, "Required practical: effect of pH on
# amylase" is not about amylase (the cards that mention it are offered instead).
NAME_ABOUT_MIN_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class NamedCards:
    """A name lookup's cards (indexes into the deck's cards), best first; `about` is how
    nearly the best card's title or alias is the name itself (1.0: it is the name;
    DEFINES_NAME: no card is titled by it but one defines it; 0.0: the cards only mention
    it)."""

    card_indexes: list[int]
    confident: bool
    about: float


class DeckNames:
    """Which of one deck's cards are about a name: read from the deck's titles, aliases,
    the items its titles list and the phrases its cards define (cardterms.CardTerms)."""

    def __init__(self, terms: CardTerms, vocabulary: Vocabulary) -> None:
        self._postings = terms.postings
        self._headings = terms.headings
        self._own_headings = terms.own_headings
        self._title_items = terms.title_items
        self._definitions = terms.definitions
        self._heading_words, self._capitalised = terms.heading_words, terms.capitalised
        self._defined_words = terms.defined_words
        self._defined_pairs = frozenset(
            defined for card in terms.definitions for defined in card if len(defined) == 2
        )
        self._vocabulary = vocabulary
        self._written_names = terms.written_names
        self._whole_headings = frozenset(h for card in terms.headings for h in card)

    def lookup(
        self,
        words: Sequence[str],
        scores: Callable[[], Mapping[int, float]],
        *,
        limit: int,
        spelt_right: frozenset[str],
        named_elsewhere: frozenset[str] = frozenset(),
    ) -> NamedCards | None:
        """The cards about the name the question's meaningful `words` make up.

        Applies only when every word but those that only ask for the name's notes
        (lexicon.REQUEST_WORDS: "nep summary") is a name the deck uses (a word of a title,
        an alias or a phrase a card defines, or one it writes with a capital mid-sentence),
        or the two words are one noun a card defines ("free will"), and some card mentions
        them all. Returns the cards whose title or alias is most nearly the
        name itself (an item a title lists counting half, NAME_ITEM_SHARE; confident when
        one card stands out; when that title only names a kind of it, "Plant tissues" for
        "tissue", and another card defines the name itself, the student is asked which,
        the defining card last), else the card that defines it ("Mitochondria: where
        aerobic respiration happens"; several that do: not confident, the student is asked
        which), else the cards that mention a one-word name most, or that write a name of
        several words with capitals ("Red Square"; not confident). None when
        it does not apply. `scores` (the cards' scores for the question) is called only
        then; ties among equally named cards go to the higher score.
        """
        # A request word asked alone is what is asked about ("key", the acronym "MAIN").
        named = [
            word for word in words if word in named_elsewhere or not self._requests(word)
        ] or words
        terms = self._name_of(named, spelt_right)
        if not terms:
            return None
        mentioning = set.intersection(*(set(self._postings[term]) for term in terms))
        if not mentioning:
            return None
        card_scores = scores()

        def best_first(card_index: int) -> tuple[float, int]:
            return -card_scores.get(card_index, 0.0), card_index

        def defining_cards(among: Iterable[int]) -> list[int]:
            return sorted((i for i in among if self._defines(i, terms)), key=best_first)

        about = self._cards_about(terms, mentioning, card_scores)
        if about:
            best_share = about[0][0]
            rivals = [row for row in about if row[0] == best_share]
            titled = [row for row in rivals if self._titled(row[2], terms, best_share)]
            if titled and len(titled) < len(rivals):  # *The halogens*, not *Halogens: …*
                about = [*titled, *(row for row in about if row not in titled)]
                rivals = titled
            chosen = [i for _, _, i in (rivals if len(rivals) > 1 else about)]
            if len(rivals) > 1:
                chosen = self._one_per_subject(chosen, terms)
            definers = defining_cards(mentioning - set(chosen)) if best_share < 1.0 else []
            if definers:  # "Plant tissues", or "A tissue is a group of cells…"?
                return NamedCards([*chosen[: limit - 1], definers[0]], False, best_share)
            return NamedCards(
                self._definer_kept(chosen, limit, terms), len(rivals) == 1, best_share
            )
        defining = defining_cards(mentioning)
        if len(defining) == 1:  # the card defining it, and the best that mention it
            others = heapq.nsmallest(limit - 1, mentioning - {defining[0]}, key=best_first)
            return NamedCards(defining + others, True, DEFINES_NAME)
        if defining:  # several: the student picks
            return NamedCards(defining[:limit], False, DEFINES_NAME)
        if len(terms) > 1:  # a name of several words: only one a body writes as a name
            writing = self._written_names.get(frozenset(terms), ())
            if not writing:
                return None
            titled = self._titled_by_a_word(terms, card_scores)  # "King Duncan": *Duncan*
            others = heapq.nsmallest(limit, set(writing) - set(titled), key=best_first)
            return NamedCards([*titled, *others][:limit], False, 0.0)
        return NamedCards(heapq.nsmallest(limit, mentioning, key=best_first), False, 0.0)

    def _titled(self, card_index: int, terms: set[str], share: float) -> bool:
        """Whether the card's title or an alias (not only its title's subject) is the name
        to `share`: "the halogens notes" asks for *The halogens* before the cards whose
        subject is halogens (*Halogens: why reactivity decreases*)."""
        own = self._headings[card_index][: self._own_headings[card_index]]
        return any(terms <= heading and len(terms) / len(heading) == share for heading in own)

    def _one_per_subject(self, chosen: list[int], terms: set[str]) -> list[int]:
        """Cards equally about a name, the best of each subject first: "birling" names
        *Arthur Birling: …*, *Sybil Birling: …* and *Sheila Birling: …* cards alike, and a
        choice of one card per Birling beats three about Arthur. A card's subject is its
        smallest heading holding the name."""
        firsts: list[int] = []
        seen: set[frozenset[str]] = set()
        for card_index in chosen:
            holding = [h for h in self._headings[card_index] if terms <= h]
            subject = min(holding, key=len) if holding else frozenset()
            if subject not in seen:
                seen.add(subject)
                firsts.append(card_index)
        return [*firsts, *(i for i in chosen if i not in firsts)]

    def _titled_by_a_word(self, terms: set[str], scores: Mapping[int, float]) -> list[int]:
        """The cards titled by one word of a name of several ("King Duncan": the card
        titled *Duncan*, which need not write "King"), best first."""
        titled = {
            card_index
            for term in terms
            for share, _, card_index in self._cards_about({term}, self._postings[term], scores)
            if share >= 1.0
        }
        return sorted(titled, key=lambda i: (-scores.get(i, 0.0), i))

    def _definer_kept(self, chosen: list[int], limit: int, terms: set[str]) -> list[int]:
        """The first `limit` cards about the name; when their scores leave out every card
        about it that also defines it, the best such card takes the last place
        ("antagonist": *Agonists, antagonists and fixators*, which lists and defines it,
        beside the three *Antagonistic pairs: …* cards titled by a form of it)."""
        shown = chosen[:limit]
        if any(self._defines(i, terms) for i in shown):
            return shown
        definer = next((i for i in chosen[limit:] if self._defines(i, terms)), None)
        return shown if definer is None else [*shown[: limit - 1], definer]

    def names_request_word(self, word: str) -> bool:
        """Whether the deck uses a word that may ask for notes as a name ("plan": *The
        Schlieffen Plan*; lexicon.REQUEST_WORDS_UNLESS_NAMED)."""
        return word in REQUEST_WORDS_UNLESS_NAMED and not self._requests(word)

    def _requests(self, word: str) -> bool:
        """A word that only asks for a name's notes (lexicon.REQUEST_WORDS), or that may
        (lexicon.REQUEST_WORDS_UNLESS_NAMED) and the deck does not use as a name."""
        if word in REQUEST_WORDS:
            return True
        if word not in REQUEST_WORDS_UNLESS_NAMED:
            return False
        return not any(self._is_name(word, term) for term in self._vocabulary.exact_terms(word))

    def _name_of(self, words: Sequence[str], spelt_right: frozenset[str]) -> set[str]:
        """The terms of the name the words make up; empty when some word is not a name the
        deck uses, or there are too many words for a name."""
        if not 1 <= len(words) <= MAX_NAME_WORDS:
            return set()
        terms = set()
        for word in words:
            found = self._name_terms(word, word in spelt_right)
            named = [term for term in found if self._is_name(word, term)]
            if not named:
                return self._whole_heading(words) or self._defined_compound(words)
            terms.add(named[0])
        return terms

    def _whole_heading(self, words: Sequence[str]) -> set[str]:
        """The terms of a whole title or alias the words make up, each word met exactly:
        everyday words are no name alone, but "hell" is the card *Hell* and "macbeth at the
        end" the card *Macbeth at the end* ("hell notes" asks for it as "nep notes" does)."""
        terms = set()
        for word in words:
            heading = [t for t in self._vocabulary.exact_terms(word) if t in self._heading_words]
            if not heading:
                return set()
            terms.add(heading[0])
        return terms if frozenset(terms) in self._whole_headings else set()

    def _defined_compound(self, words: Sequence[str]) -> set[str]:
        """The terms of two everyday words that are one noun ("free will": a WordNet
        compound) which a card defines ("Free will: moral evil comes from…"); empty
        otherwise. Neither word is a name alone, the two together are a term of the deck."""
        if len(words) != 2 or not is_compound(*words):
            return set()
        found = [self._vocabulary.exact_terms(word) for word in words]
        if not all(found):
            return set()
        terms = {found[0][0], found[1][0]}
        return terms if frozenset(terms) in self._defined_pairs else set()

    def _cards_about(
        self, terms: set[str], mentioning: Iterable[int], scores: Mapping[int, float]
    ) -> list[tuple[float, float, int]]:
        """(share of a heading the name is, score, card index) of each card about the name,
        most nearly the name first."""
        about = []
        for card_index in mentioning:
            shares = [len(terms) / len(h) for h in self._headings[card_index] if terms <= h]
            shares += [
                NAME_ITEM_SHARE * len(terms) / len(item)
                for item in self._title_items[card_index]
                if terms <= item
            ]
            if shares and max(shares) >= NAME_ABOUT_MIN_SHARE:
                about.append((max(shares), scores.get(card_index, 0.0), card_index))
        about.sort(key=lambda row: (-row[0], -row[1], row[2]))
        return about

    def _name_terms(self, word: str, spelt_right: bool) -> list[str]:
        """The terms a word asked as a name means: those it meets exactly, else the deck
        word it is a close misspelling of ("bukarin", "triumvarate"; a one-edit or
        sound-alike typo) — of several that close, one that also sounds like it
        ("christms": *Christmas*, not *Christ's*, one letter off too), then the one the most
        cards use ("kamanev": Kamenev, not the alias Kameneff)."""
        exact = self._vocabulary.exact_terms(word)
        if exact:
            return exact
        matches = self._vocabulary.matches(word, spelt_right=spelt_right)
        close = [m.term for m in matches if m.quality >= NAME_TYPO_QUALITY]
        if len(close) < 2:
            return close
        sounding = self._vocabulary.sound_alike_terms(word)
        return sorted(
            close,
            key=lambda term: (term not in sounding, -len(self._postings.get(term, ())), term),
        )[:1]

    def _defines(self, card_index: int, terms: set[str]) -> bool:
        """Whether the card defines the name: a phrase its body defines ("Mitochondria:",
        "…called plasmids") holds the name's terms, and they are at least half of it."""
        return any(
            terms <= defined and len(terms) * 2 >= len(defined)
            for defined in self._definitions[card_index]
        )

    def heads_or_defines(self, word: str) -> bool:
        """Whether a title or alias of the deck writes the word, or a card defines it
        ("NIC": *Network interface controller (NIC)*; "LDR": a bullet "LDR: a rectangle
        with two arrows…")."""
        return any(
            term in self._heading_words or term in self._defined_words
            for term in self._vocabulary.exact_terms(word)
        )

    def _is_name(self, word: str, term: str) -> bool:
        """A word the deck writes as a name, or a word of a title or of a phrase a card
        defines that is not everyday English ("osmosis", "purges", "mitochondria"; not
        "name" or "how")."""
        if term in self._capitalised:
            return True
        named = term in self._heading_words or term in self._defined_words
        return named and specificity(word) >= NAME_MIN_SPECIFICITY
