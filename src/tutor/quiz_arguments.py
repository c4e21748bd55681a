"""Reading what students type around a quiz: `/quiz [topic] [n]`, a topic or card named
with typos, and a typed option ("true", an order item) instead of a button tap.

Every reader bounds its input first (`MAX_*_CHARS`), so a long message costs no more
than a short one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz, process, utils

MAX_ARGUMENT_CHARS = 100
"""A topic name and a count fit easily; anything longer is cut before matching."""
MAX_NAME_CHARS = 60
MAX_NAME_WORDS = 6
"""A topic or card name is matched on at most this much of what was typed."""
OPTION_CUTOFF = 90.0
"""Typed text this close (rapidfuzz ratio) to one option, and to no other, chooses it."""
MAX_OPTION_CHARS = 120
"""Options are at most 100 characters (deck validation); longer text is no option."""
_NAME_STOP_WORDS = frozenset({"the", "a", "an", "and", "of", "in", "on", "to", "for", "s"})
"""Left out when matching names: WRatio scores any shared word ("of") 85 or more."""


def split_quiz_argument(argument: str) -> tuple[list[str], str | None, list[str]]:
    """`[topic] [n]` as typed -> (topic words, the count as typed or None, ignored words).

    The count is the first number that is not a year in a name ("economy 1928"); words
    after it are ignored ("/quiz nep 3 extra junk"), unless nothing came before it, when
    they name the topic ("/quiz 3 nep").
    """
    # Bounded before any matching: a 4,000-character argument would otherwise be scored
    # word by word against every card while every other update waits.
    words = argument[:MAX_ARGUMENT_CHARS].split()
    for position, word in enumerate(words):
        if _is_count(word) and not (position > 0 and len(word) == 4):
            before, after = words[:position], words[position + 1 :]
            return (before, word, after) if before else (after, word, [])
    return words, None, []


class NameMatcher:
    """Which of many names a short text names, with typos allowed.

    A name scores the better of two figures: WRatio of the whole text against it, and
    its weakest query word's best `ratio` against any of its words (WRatio scales a short
    query's partial match down: "nep" scores 60 against "the nep and the
    industrialisation debate"). Ties go to the higher whole-text score, then to the
    earlier name. Both figures are computed for all names at once with `process.cdist`,
    each query word against the vocabulary only once, so a 10,000-card library costs
    milliseconds, not seconds.
    """

    def __init__(self, names: Mapping[str, str]) -> None:
        self._keys = list(names)
        self._names = [_name_words(name) for name in names.values()]
        vocabulary: dict[str, int] = {}
        flat: list[int] = []
        starts: list[int] = []
        for name in self._names:
            starts.append(len(flat))
            flat.extend(vocabulary.setdefault(word, len(vocabulary)) for word in name.split())
            if len(flat) == starts[-1]:
                flat.append(vocabulary.setdefault("", len(vocabulary)))
        self._vocabulary = list(vocabulary)
        import numpy as np  # ~16 MiB: loaded by the first name looked up, not at start-up

        self._word_of_name = np.array(flat, dtype=np.intp)
        self._first_word = np.array(starts, dtype=np.intp)

    def best(self, text: str, cutoff: float) -> str | None:
        """The key of the name `text` names best, if it scores at least `cutoff`."""
        import numpy as np

        words = _name_words(text[:MAX_NAME_CHARS]).split()[:MAX_NAME_WORDS]
        if not words or not self._keys:
            return None
        query = " ".join(words)
        # Whole-text scores below the cutoff are not needed exactly, which lets rapidfuzz
        # skip most of the work; the few names that reach it are scored again for ties.
        whole = process.cdist([query], self._names, scorer=fuzz.WRatio, score_cutoff=cutoff)[0]
        by_word = np.full(len(self._keys), np.inf)
        for word in words:
            per_word = process.cdist([word], self._vocabulary, scorer=fuzz.ratio)[0]
            by_word = np.minimum(
                by_word, np.maximum.reduceat(per_word[self._word_of_name], self._first_word)
            )
        score = np.maximum(whole, by_word)
        reached = np.flatnonzero(score >= cutoff)
        if not reached.size:
            return None
        tie_break = process.cdist([query], [self._names[i] for i in reached], scorer=fuzz.WRatio)
        return self._keys[reached[np.lexsort((-tie_break[0], -score[reached]))[0]]]


def _name_words(text: str) -> str:
    words = utils.default_process(text).split()
    return " ".join(word for word in words if word not in _NAME_STOP_WORDS)


def _is_count(word: str) -> bool:
    """A whole number as typed: ASCII digits, maybe negative (so "0" and "-3" get told off)."""
    digits = word.removeprefix("-")
    return digits.isascii() and digits.isdigit() and len(digits) <= 6


def option_named(
    text: str, options: Sequence[str], candidates: Sequence[int] | None = None
) -> int | None:
    """The index of the option `text` spells (a typo allowed), if exactly one fits.

    `candidates` narrows the options (an order question's items still to place).
    """
    typed = utils.default_process(text[:MAX_OPTION_CHARS])
    if not typed:
        return None
    indexes = range(len(options)) if candidates is None else candidates
    scores = {i: fuzz.ratio(typed, utils.default_process(options[i])) for i in indexes}
    exact = [i for i, score in scores.items() if score == 100]
    if exact:
        return exact[0]
    close = [i for i, score in scores.items() if score >= OPTION_CUTOFF]
    return close[0] if len(close) == 1 else None
