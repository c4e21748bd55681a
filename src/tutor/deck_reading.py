"""How one deck reads a question against its own words, once reading.meanings has read
what does not depend on the deck: "Mr Birling" as the man the titles name, shorthand
spelled out, a name's initials as the name, letters typed over and over typed once, slips
of function words, two deck words typed as one (or one typed as two), a numbered part as
the deck numbers them, and "stand for" after initials the deck defines.
"""

from __future__ import annotations

from collections.abc import Mapping

from tutor.deck_names import DeckNames
from tutor.lexicon import STOPWORDS
from tutor.people import People
from tutor.reading import meanings, scaffolding_typo, typed_words
from tutor.sections import as_typed, broader, is_section_term
from tutor.shorthand import SHORTHAND
from tutor.text import (
    ENGLISH_WORD_MIN_FREQUENCY,
    MAX_QUERY_CHARS,
    collapse_repeats,
    english_frequency,
    is_stopword,
    word_meaning,
)
from tutor.vocabulary import TYPO_QUALITY, Vocabulary, may_be_typo
from tutor.wordlinks import PHRASE_JOINER, is_english

# A word one slip from a deck word (a match this close) is that word, not a mistyped
# function word (_scaffolding_typed).
SLIP_QUALITY = TYPO_QUALITY[1]
# The shortest part of a word typed without its space (_unjoined: "redblood" is "red
# blood") or with one too many (_rejoined: "time line" is "timeline"), and how close a
# typo reading of a joined word must be to come first (one edit: "osmosiss" is a
# misspelt osmosis, not two words).
MIN_JOINED_PART = 3
JOINED_TYPO_QUALITY = 0.85
# "stand for" as wordlinks.join_phrases joins it (DeckReader._without_stand_for).
STAND_FOR = f"stand{PHRASE_JOINER}for"


class DeckReader:
    """Reads questions for one deck (deck_index.DeckIndex.question_words)."""

    def __init__(
        self,
        vocabulary: Vocabulary,
        people: People,
        initial_names: Mapping[str, tuple[str, ...]],
        phrases: Mapping[tuple[str, str], list[tuple[int, float]]],
        names: DeckNames,
    ) -> None:
        self._vocabulary = vocabulary
        self._people = people
        self._initial_names = initial_names
        self._phrases = phrases
        self._names = names

    def read(self, query: str) -> tuple[str, ...]:
        """The question's meaningful words: "Mr Birling" as the man of that surname the
        titles name (people.People), shorthand spelled out, initials of a name the
        deck writes read as the name ("mrc": military revolutionary committee), letters
        typed over and over ("sooo") typed once unless the deck has the word as it stands
        (_typed_once), two deck words typed as one read as two (_unjoined), and a numbered
        part ("act 1 scene 7") as the deck can read it (_section_words)."""
        words: list[str] = []
        for word in self._people.read(typed_words(query[: MAX_QUERY_CHARS * 2])):
            if is_section_term(word):
                words.extend(self._section_words(word))
                continue
            if not self._vocabulary.knows(word) and word not in SHORTHAND:
                word = self._scaffolding_typed(_typed_once(word))  # "wats" is not "wants"
            if word in SHORTHAND:
                words.extend(SHORTHAND[word].split())
            elif word in self._initial_names:
                words.extend(self._initial_names[word])
            else:
                words.extend(self._unjoined(word))
        return self._without_stand_for(meanings(self._rejoined(words)))

    def _scaffolding_typed(self, word: str) -> str:
        """A word the deck does not know read as the function or request word it is one
        slip from (reading.scaffolding_typo: "expain", "defintion"), unless it is as close
        a slip of a deck word: "waht", one slip from *what* and from the *wait* of a Biology
        card, stays the deck's word there."""
        meant = scaffolding_typo(word)
        if meant is None or self._vocabulary.knows(word):
            return word
        if any(m.quality >= SLIP_QUALITY for m in self._vocabulary.matches(word)):
            return word
        return meant

    def _rejoined(self, words: list[str]) -> tuple[str, ...]:
        """The words with two neighbours that a card writes as one word joined ("time
        line": timeline, "sleep walking": sleepwalking, "super natural": supernatural),
        each of at least MIN_JOINED_PART letters ("a b" is no "ab")."""
        joined: list[str] = []
        knows = self._vocabulary.knows
        at, last = 0, len(words) - 1
        while at <= last:
            word = words[at]
            if at < last and len(word) >= MIN_JOINED_PART:
                pair = word + words[at + 1]
                if len(pair) - len(word) >= MIN_JOINED_PART and pair.isalpha() and knows(pair):
                    joined.append(pair)
                    at += 2
                    continue
            joined.append(word)
            at += 1
        return tuple(joined)

    def _unjoined(self, word: str) -> tuple[str, ...]:
        """A word no card writes, typed as two of the deck's words with the space missed
        ("stemcells", "redblood cells"), as those two words; any other word as it is. Not
        common English, a number or a close typo of a deck word ("osmosiss"); a rarer
        English word only where a card writes its halves side by side ("seawall" for "sea
        wall", not "wavelength" for "wave" and "length"); of several ways to cut it, one
        whose halves a card writes side by side."""
        vocabulary = self._vocabulary
        if len(word) < 2 * MIN_JOINED_PART or vocabulary.knows(word) or not may_be_typo(word):
            return (word,)
        cuts = [
            (word[:at], word[at:])
            for at in range(MIN_JOINED_PART, len(word) - MIN_JOINED_PART + 1)
            if vocabulary.knows(word[:at])
            and vocabulary.knows(word[at:])
            and not is_stopword(word[:at])
            and not is_stopword(word[at:])
        ]
        if not cuts or any(m.quality >= JOINED_TYPO_QUALITY for m in vocabulary.matches(word)):
            return (word,)
        side_by_side = [cut for cut in cuts if self._written_together(*cut)]
        if is_english(word):  # "wavelength" is a word; "seawall" where a card writes "sea wall"
            return side_by_side[0] if side_by_side else (word,)
        return (side_by_side or cuts)[0]

    def _written_together(self, first: str, second: str) -> bool:
        """Whether some card writes a term of `first` just before one of `second`."""
        return any(
            (a, b) in self._phrases
            for a in self._vocabulary.exact_terms(first)
            for b in self._vocabulary.exact_terms(second)
        )

    def _section_words(self, term: str) -> tuple[str, ...]:
        """A numbered part the question names, as this deck can read it: its term when
        some card covers it, else its act's ("act 1 scene 7" on a deck numbering only
        acts), else the words as typed (a deck that numbers no parts)."""
        for candidate in (term, broader(term)):
            if candidate is not None and self._vocabulary.knows(candidate):
                return (candidate,)
        return as_typed(term)

    def _without_stand_for(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """ "what does LDR stand for": of initials that a title of the deck writes or a card
        defines, "stand for" asks what they mean, like "mean", and is dropped — read as
        *symbolise*, its first WordNet sense, it outweighed them and met the wrong card.
        It stays after an English word ("what does the inspector stand for": what he
        symbolises) and after initials the deck only mentions ("NKVD": no card says)."""
        if len(words) != 2 or STAND_FOR not in words:
            return words
        other = words[0] if words[1] == STAND_FOR else words[1]
        if english_frequency(other) >= ENGLISH_WORD_MIN_FREQUENCY:
            return words
        return (other,) if self._names.heads_or_defines(other) else words


def _typed_once(word: str) -> str:
    """A word with letters typed over and over, each typed once ("sooo" -> "so",
    "diffffusion" -> "difusion"); but a sound ("hmmm", "ahhh") that would shrink to a short
    word of meaning stays as typed: "hmmm" is not the initials HM, nor "ahhh" a unit."""
    once = collapse_repeats(word)
    if once != word and len(once) < 3 and word_meaning(once):
        return word
    if _doubled_function_word(once):
        return once[:-1]  # "hii", "heyy", "okk", "soo"
    return once


def _doubled_function_word(word: str) -> bool:
    """Whether a word is a function word with its last letter typed twice ("hii", "heyy",
    "pleasee"), and no English word itself ("bee" is not *be*, "off" is its own word)."""
    return (
        len(word) >= 3
        and word[-1] == word[-2]
        and word[:-1] in STOPWORDS
        and word not in STOPWORDS
        and not is_english(word)
    )
