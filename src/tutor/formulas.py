"""Formulas as terms: "P = IV" typed by a student meets "P = V I" in a card, and "I = Q/t"
meets "Q = I t".

Notes write a formula with spaces between its letters ("P = V I", "E = Q V", "R = V ÷ I"),
students type it run together or rearranged ("P = IV", "Q = It", "V = IR"); read word by
word, the letters are lone letters (dropped) or a two-letter word another card happens to
write ("iv" in *Manganese(IV) oxide*). A formula that is a product or quotient of single
letters is read here as one term, the same for every way of writing it: each letter's power
with the formula as "left ÷ right = 1", signs chosen so the first letter's power is
positive. Both a card's title, aliases and body (cardterms) and a question (reading) add
these terms; a formula with a sum ("y = mx + c", "v = u + at") or a number ("I = 12 ÷ 4")
is left to be read word by word.
"""

from __future__ import annotations

import re
from collections import Counter

FORMULA_PREFIX = "formula"
# "P = IV": the letter before "=", standing alone (not "Ar =", "2x =", "O2 =").
_LEFT = re.compile(r"(?<![A-Za-z0-9_^.])([A-Za-z])\s*=(?!=)")
# The right side's first factor: one or two letters run together ("IV", "mc", "t"), and
# each later one a single letter after a space or a sign ("V I", "V ÷ I", "I² R").
_FIRST = re.compile(r"\s*+([A-Za-z]{1,2})(?![A-Za-z])(?:\s*+\^\s*+([23]))?")
_NEXT = re.compile(r"(\s*+[*·/]\s*+|\s++|)([A-Za-z])(?![A-Za-z])(?:\s*+\^\s*+([23]))?")
_TYPESET = str.maketrans({"×": "*", "÷": "/", "²": "^2", "³": "^3", "π": " ", "−": "-"})
# What may not follow a formula: a sign or a number (a sum, "y = mx + c"; a coefficient) or
# a bracket against it (a function, "y = f(x)"). Punctuation, a new line, "=" (a worked
# value), a word or a note in brackets ("y = kx (direct proportion)") may.
_NOT_END = re.compile(r"\s*+[-+\d]|\(")
# A formula needs this many letters, or a power ("A = πr²", "y = x²").
MIN_LETTERS = 3
MAX_FORMULAS = 20  # per text: a long card lists a few, a question one or two


def formula_terms(text: str) -> list[str]:
    """The terms of the formulas a text writes, in order, each once."""
    return read_formulas(text)[1]


def read_formulas(text: str) -> tuple[str, list[str]]:
    """The text with the formulas it writes blanked out (a question's "P = IV" is no word
    "iv"; a question is read once so, cards keep their words), and their terms, in order,
    each once."""
    if "=" not in text:
        return text, []
    written, text = text, text.translate(_TYPESET)
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for left in _LEFT.finditer(text):
        read = _formula_term(left[1], text, left.end())
        if read is None:
            continue
        term, end = read
        spans.append((left.start(), end))
        if term not in found:
            found.append(term)
            if len(found) >= MAX_FORMULAS:
                break
    if not spans:
        return written, []  # as written: "π" in "circumference = π × d" stays a word
    for start, end in reversed(spans):
        text = f"{text[:start]} {text[end:]}"
    return text, found


def is_formula_term(word: str) -> bool:
    """Whether an index term is a formula's (never read as a typo of another one)."""
    return word.startswith(FORMULA_PREFIX) and any(char.isdigit() for char in word)


def _formula_term(left: str, text: str, at: int) -> tuple[str, int] | None:
    """The term of the formula whose right side starts at `at` and where it ends, or None
    when it is not a product or quotient of single letters."""
    first = _FIRST.match(text, at)
    if first is None:
        return None
    powers: Counter[str] = Counter({left.casefold(): 1})
    *run, last = first[1].casefold()
    for letter in run:
        powers[letter] -= 1
    powers[last] -= int(first[2] or 1)
    at, dividing = first.end(), False
    while (factor := _NEXT.match(text, at)) is not None:
        sign, letter = factor[1].strip(), factor[2]
        if not sign and letter == "a":
            break  # "V = I R a …": the article, not a factor
        dividing = dividing or sign == "/"
        power = int(factor[3] or 1)
        powers[letter.casefold()] += power if dividing else -power
        at = factor.end()
    else:
        if _NOT_END.match(text, at):
            return None  # a sum, a number or a bracket follows: not a plain product
    term = _term_of(powers)
    return None if term is None else (term, at)


def _term_of(powers: Counter[str]) -> str | None:
    """The term of letters' powers, signed so the first letter's is positive; None when a
    letter cancels out ("I = it") or there are too few letters to be a formula."""
    if any(power == 0 for power in powers.values()):
        return None
    if len(powers) < MIN_LETTERS and all(abs(power) == 1 for power in powers.values()):
        return None
    letters = sorted(powers)
    sign = 1 if powers[letters[0]] > 0 else -1
    parts = []
    for letter in letters:
        power = sign * powers[letter]
        parts.append(f"{letter}{'p' if power > 0 else 'n'}{abs(power)}")
    return FORMULA_PREFIX + "".join(parts)
