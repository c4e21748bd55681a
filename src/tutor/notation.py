"""What a pasted maths task says in words: "(x + 4)(x − 2)" is a product of double
brackets, "3x − 7 = 2x + 5" an equation with unknowns on both sides.

A student pastes the task, not its topic ("Expand and simplify (x + 4)(x − 2)"), and
normalising keeps only its letters and numbers, which meet whichever worked example shares
them. The words read here are the ones any algebra course names its topics with (the GCSE
specifications' terms: brackets, indices, inequalities, simultaneous equations, inverse
and composite functions, translations); they are added to the question, and a deck whose
cards never use them is not affected. Nothing here knows a particular deck.
"""

from __future__ import annotations

import re
from itertools import pairwise

from tutor.text import VARIABLE_LETTERS

# Typeset maths typed as plain characters, so one pattern reads both.
_TYPESET = str.maketrans(
    {
        "−": "-",
        "–": "-",
        "×": "*",
        "÷": "/",
        "≤": "<",
        "≥": ">",
        "²": "^2",
        "³": "^3",
        "⁰": "^0",
        "½": "1/2",
    }
)
_SUPERSCRIPT_MINUS_ONE = re.compile(r"⁻\s*¹")
_ARROW = re.compile(r"-+>|=+>|<-+|<=>|→|⇌")
# A variable: one letter standing alone (text.VARIABLE_LETTERS: not "a" or "i").
_VARIABLE = rf"(?<![a-z])[{VARIABLE_LETTERS}](?![a-z])"

# Every pattern below is linear in what it scans: possessive quantifiers (*+, ++) and
# lookaheads where a letter or sign must be somewhere inside, so that no text can make
# them try its splits one by one ("1111…1! = x" took seconds with a plain "\d+" token).

# Brackets multiplied out hold a sum or difference: "(x + 4)(x - 2)", not an exam
# question's parts "3(a)(ii)".
_SUM = r"\((?=[^()]*[a-z])(?=[^()]*[+-])[0-9a-z.+\-*/^ ]*+\)"
_PRODUCT_OF_BRACKETS = re.compile(rf"{_SUM}\s*\*?\s*\(")
_THREE_BRACKETS = re.compile(rf"{_SUM}\s*\*?\s*{_SUM}\s*\*?\s*{_SUM}")
# A coefficient written against its bracket: "3(x + 2)", "x(x - 5)", "-2(4 - y)" (not a
# function's "f(x + 3)", nor prose in brackets).
_ONE_BRACKET = re.compile(
    r"(?<![a-z0-9])(?:\d++[a-z]?|[a-eijk-z]|-)\((?=[^()]*[a-z])(?=[^()]*[+-])[^()]*+\)(?!\s*[(^])"
)
_FRACTIONAL_POWER = re.compile(
    r"\^\s*\(\s*-?\s*\d+\s*/\s*\d+\s*\)|\^-?\d+/\d+\b|power of -?\s*\d+\s*/\s*\d+"
)
_NEGATIVE_POWER = re.compile(r"\^\s*\(?\s*-\s*\d|power of (minus|negative|-)\s*\d")
_ZERO_POWER = re.compile(r"\^\s*0(?!\d)|power of (0|zero)\b")
_POWER_OF_POWER = re.compile(r"\(\s*\d*[a-z]\s*\^\s*-?\d+\s*\)\s*\^")
_POWERS_COMBINED = re.compile(r"[a-z]\s*\^\s*-?\d+\s*[*/]\s*\d*\s*[a-z]\s*\^\s*-?\d+")
# A bracketed sum squared on its own, "(x + 3)^2" (double brackets when expanded), not a
# completed square's "(x - 3)^2 - 8" nor one of a difference of squares.
_SQUARED_SUM = re.compile(rf"(?<![-+]\s)(?<![-+]){_SUM}\s*\^\s*2(?!\s*[-+=])")
# "(x + p)^2 + q", the completed square, not the difference "(n + 3)^2 - (n - 3)^2".
_COMPLETED_SQUARE = re.compile(
    rf"\(\s*{_VARIABLE}\s*[+-]\s*[0-9a-z/.]+\s*\)\s*\^\s*2\s*[+-]\s*(\d|[a-z](?![a-z(]))"
)
# An unknown and a number either side of "<" or ">", a few maths characters apart.
_NEAR = r"[0-9+\-*/^(). ]{0,15}"
_INEQUALITY = re.compile(rf"{_VARIABLE}{_NEAR}[<>]=?\s*-?\s*\d|\d\s*[<>]=?{_NEAR}{_VARIABLE}")
_DOUBLE_INEQUALITY = re.compile(rf"(?<![\d.])-?\d++\s*[<>]=?\s*{_VARIABLE}\s*[<>]=?\s*-?\d")
_INVERSE_MARK = r"(?:\^\s*\(?\s*-\s*1\s*\)?|-1)"  # the "^-1" of f^-1(x)
_INVERSE_FUNCTION = re.compile(rf"\b[fgh]\s*{_INVERSE_MARK}\s*\(\s*x\s*\)")
_COMPOSITE_FUNCTION = re.compile(r"\b[fgh][fgh]\s*\(\s*x\s*\)|\b[fgh]\s*\(\s*[fgh]\s*\(")
_FUNCTION_OF_X = re.compile(rf"\b[fgh]{{1,2}}\s*{_INVERSE_MARK}?\s*\(\s*x\s*\)")
_MOVED_GRAPH = re.compile(r"\b[fg]\s*\(\s*x\s*[+-]\s*\d+\s*\)|\b[fg]\s*\(\s*x\s*\)\s*[+-]\s*\d")
_REFLECTED_GRAPH = re.compile(r"-\s*[fg]\s*\(\s*x\s*\)|\b[fg]\s*\(\s*-\s*x\s*\)")
# The run of maths tokens (numbers with their letters, single letters, operators and
# brackets) that ends a text, and the one that starts it.
_MATHS_TOKEN = r"(?>\s*(?:\d++(?:\.\d++)?[a-z]{0,3}+(?![a-z])|(?<![a-z])[a-z](?![a-z])|[-+*/^().]))"
# An equation's side is read this far from its "=" (a school task's sides are short).
MAX_SIDE_CHARS = 80
_MATHS_BEFORE = re.compile(rf"{_MATHS_TOKEN}*+\s*$")
_MATHS_AFTER = re.compile(rf"{_MATHS_TOKEN}*+")
# A sum of terms in letters with no brackets or powers ("3a + 2b - a + 4b"): an expression to
# simplify, whose like terms are collected when a letter's term comes twice. It opens with a
# coefficient or a variable letter (not the article "a"); after a sign any letter is a term.
_FIRST_TERM = rf"(?:\d++[a-z]|{_VARIABLE})(?![\w(^])"
_NEXT_TERM = r"\s*+[+-]\s*+\d*+[a-z](?![\w(^])"
_SUM_OF_TERMS = re.compile(rf"(?<![\w^)]){_FIRST_TERM}(?:{_NEXT_TERM}){{2,}}+(?!\s*[(^=<>])")
_SEQUENCE = re.compile(r"(?<![\d.])-?\d++(?:\.\d++)?(?:\s*,\s*-?\d++(?:\.\d++)?){3,}")


def _equation_sides(text: str) -> tuple[str, str] | None:
    """The two sides of the one equation in a task, or None when there is not exactly one."""
    if text.count("=") != 1 or re.search(r"[<>!]=|=[<>]", text):
        return None
    left, right = text.split("=")
    return left, right


def _variables(side: str) -> set[str]:
    """The unknowns of one side; a letter with a digit after it is a chemical formula's
    element ("2H2 + O2 = 2H2O"), not an unknown."""
    return set(re.findall(rf"{_VARIABLE}(?!\d)", side))


def _maths_beside(left: str, right: str) -> tuple[str, str]:
    """Only the maths next to "=": "how do i solve 3x - 7" has a question before the
    equation, "wat do m and c mean in y" words whose single letters are not unknowns."""
    return (
        _MATHS_BEFORE.search(left[-MAX_SIDE_CHARS:])[0],
        _MATHS_AFTER.match(right[:MAX_SIDE_CHARS])[0],
    )


def _simultaneous(text: str) -> bool:
    """Whether a task gives two equations in the same unknowns ("2x + y = 7, x - y = 2")."""
    equations = [part for part in re.split(r",|;|\band\b|\n", text) if part.count("=") == 1]
    unknowns = [_variables(" ".join(_maths_beside(*equation.split("=")))) for equation in equations]
    if len(unknowns) < 2:
        return False
    # They share an unknown and have two between them ("y = sin x, y = cos x" has one).
    return bool(set.intersection(*unknowns)) and len(set.union(*unknowns)) >= 2


def _equation_words(text: str) -> list[str]:
    """An equation's kind: the same unknown on both sides, a quadratic set to zero or to a
    number, or a linear equation in one unknown (_linear_equation_words). A formula ("V =
    IR", "y = 4x - 2") says nothing in words: its letters are read as they are.
    `text` has its functions ("f(x)") taken out already (notation_words).
    """
    if _simultaneous(text):
        return ["simultaneous", "equations"]
    sides = _equation_sides(text)
    if sides is None:
        return []
    left, right = _maths_beside(*sides)
    task_side = _unknown_side(left, right)
    squared = re.search(rf"{_VARIABLE}\s*\^\s*2", left + " " + right)
    if squared and (re.fullmatch(r"\s*0\s*", right) or task_side):
        return ["quadratic", "equation"]
    if graph := _graph_words(left, right):
        return graph
    on_both_sides = _variables(left) & _variables(right)
    # A letter alone on the left is a formula or a program's assignment ("x = x + 1").
    assigned = re.fullmatch(r"\s*[a-z]\s*", left) is not None
    if on_both_sides and not assigned and "^" not in left + right:
        return ["equation", "unknowns", "both", "sides"]
    return _linear_equation_words(task_side)


def _graph_words(left: str, right: str) -> list[str]:
    """A graph's kind from its equation "y = …" in x: its highest power of x, 2 or 3
    ("sketch y = x^2 - 4x + 3": a quadratic graph); none for a line or anything else."""
    if re.fullmatch(r"\s*y\s*", left) is None:
        return []
    powers = {int(power) for power in re.findall(r"(?<![a-z])x\s*\^\s*(\d)", right)}
    if not powers <= {1, 2, 3} or max(powers, default=1) == 1:
        return []  # no power of x past 1 ("y = x^1 + 2" is a line), or past 3
    return ["quadratic", "graph"] if max(powers) == 2 else ["cubic", "graph"]


def _unknown_side(left: str, right: str) -> str | None:
    """The side holding the one unknown of a task set equal to a number ("x^2 + 3x = 10",
    "14 = 2(x + 3)"), or None: a formula's or a graph's letter alone ("y = x^2 + 3", "V =
    12", an answer "x = 5") or unknowns on both sides."""
    if _variables(right) and not _variables(left):
        left, right = right, left
    if len(_variables(left)) != 1 or _variables(right):
        return None
    if not re.fullmatch(r"\s*-?\d+(?:\.\d+)?\s*", right):
        return None
    return None if re.fullmatch(r"\s*-?\s*[a-z]\s*", left) else left


def _linear_equation_words(side: str | None) -> list[str]:
    """A linear equation in one unknown set equal to a number, given the side holding the
    unknown (_unknown_side): a task to solve ("2x + 3 = 7"), named by its brackets ("14 =
    2(x + 3)") or fractions ("x/2 + 1 = 4") when it has them; not "2 x 3 = 6" (x as
    times)."""
    if side is None or "^" in side or not re.search(r"\d", side):
        return []
    if re.search(rf"\d\s+{_VARIABLE}\s+\d", side):
        return []
    if "(" in side:  # the most specific kind, as for unknowns on both sides
        return ["equation", "brackets"]
    if "/" in side:
        return ["equation", "fractions"]
    return ["solving", "linear", "equation"]


# What each pattern reads, in groups that name one thing each: the first reading of a group
# that matches is kept ("(a)(b)(c)" is triple brackets, not double too).
_Readings = tuple[tuple[tuple[re.Pattern[str], tuple[str, ...]], ...], ...]
_READINGS: _Readings = (
    (
        (_THREE_BRACKETS, ("triple", "brackets")),
        (_PRODUCT_OF_BRACKETS, ("double", "brackets")),
        (_SQUARED_SUM, ("double", "brackets")),
    ),
    ((_FRACTIONAL_POWER, ("fractional", "indices")),),
    ((_NEGATIVE_POWER, ("negative", "indices")),),
    ((_ZERO_POWER, ("zero", "index")),),
    ((_POWER_OF_POWER, ("powers", "of", "powers")),),
    ((_POWERS_COMBINED, ("index", "laws")),),
    ((_COMPLETED_SQUARE, ("completing", "the", "square")),),
    ((_DOUBLE_INEQUALITY, ("double", "inequality")), (_INEQUALITY, ("inequality",))),
)
# Read before "f(x)" is taken out of the text (the readings above must not see it).
_FUNCTION_READINGS: _Readings = (
    (
        (_INVERSE_FUNCTION, ("inverse", "function")),
        (_COMPOSITE_FUNCTION, ("composite", "function")),
    ),
    ((_MOVED_GRAPH, ("translation", "graph")),),
    ((_REFLECTED_GRAPH, ("reflection", "graph")),),
)
_HEART = re.compile(r"\s<3(?![\d.])")
# "Rearrange v = u + at for t" (or "to find t", "in terms of t"; not "for a …"): a formula's
# subject changed.
_REARRANGE_FOR = re.compile(
    r"\brearrang(?:e|es|ed|ing)\b[^=]{0,40}=[^=]{1,60}?"
    r"\b(?:for|to find|in terms of)\s+(?!a\b)[a-z]\b"
)


def notation_words(text: str) -> list[str]:
    """Words naming what the maths a student typed or pasted is ("double brackets",
    "fractional indices", "inequality"), each once, in the order found; none for prose."""
    text = _SUPERSCRIPT_MINUS_ONE.sub("^-1", text.casefold()).translate(_TYPESET)
    text = _ARROW.sub(" ", text.replace("**", "^"))  # "->" is a reaction, not "greater than"
    if not re.search(r"[=<>()^/*]|\d\s*,", text):
        return _like_terms_words(text)  # no other operator: prose, read as it is
    found = _first_readings(text, _FUNCTION_READINGS)
    text = _HEART.sub(" ", _FUNCTION_OF_X.sub(" ", text))  # f^-1(x) is no negative power
    found += _first_readings(text, _READINGS)
    if not found and _ONE_BRACKET.search(text) and not _equation_sides(text):
        found += ["single", "bracket"]  # "3(x + 2)" alone; in an equation, the equation's
    found += _sequence_words(text) + _equation_words(text) + _like_terms_words(text)
    if _REARRANGE_FOR.search(text):
        found += ["changing", "the", "subject"]
    return list(dict.fromkeys(found))


def _like_terms_words(text: str) -> list[str]:
    """An expression of three terms or more where some letter's term comes twice ("simplify
    3a + 2b - a + 4b", "5x + 3y - 2x"): like terms to collect. Not an equation's side or an
    inequality's (read as those), nor a sum of different letters ("a + b + c")."""
    for found in _SUM_OF_TERMS.finditer(text):
        letters = re.findall(r"[a-z]", found[0])
        if len(set(letters)) < len(letters):
            return ["collecting", "like", "terms"]
    return []


def _sequence_words(text: str) -> list[str]:
    """A list of four or more numbers whose terms follow a rule, with the rule's kind: a
    common difference (linear, arithmetic), a common ratio (geometric), each term the sum of
    the two before it (Fibonacci), or, over five terms or more, a common second difference
    (quadratic). A list that follows none is not read as a sequence: an electronic structure
    "2,8,8,1" is Chemistry's, and four numbers have some quadratic through them ("2,8,8,2");
    nor is a list of years ("1924, 1925, 1926, 1927")."""
    found = _SEQUENCE.search(text)
    if found is None:
        return []
    terms = [float(term) for term in found[0].split(",")]
    if all(term.is_integer() and 1000 <= term <= 2100 for term in terms):
        return []
    steps = [after - before for before, after in pairwise(terms)]
    second_steps = [after - before for before, after in pairwise(steps)]
    if len(set(steps)) == 1 and steps[0]:
        return ["sequence", "linear", "arithmetic"]
    ratios = {after / before for before, after in pairwise(terms)} if 0 not in terms else set()
    if len(ratios) == 1 and ratios != {1.0}:
        return ["sequence", "geometric"]
    if len(terms) >= 5 and len(set(second_steps)) == 1 and second_steps[0]:
        return ["sequence", "quadratic"]
    if terms[-1] > terms[0] and all(
        terms[at] == terms[at - 1] + terms[at - 2] for at in range(2, len(terms))
    ):
        return ["sequence", "fibonacci"]
    return []


def _first_readings(text: str, groups: _Readings) -> list[str]:
    """The words of the first pattern of each group that matches `text`."""
    found: list[str] = []
    for group in groups:
        found += next((list(words) for pattern, words in group if pattern.search(text)), [])
    return found
