"""Pasted maths read as the words its topic is named by (tutor.notation), and what that
does on a plain Maths deck the code knows nothing about."""

from __future__ import annotations

import pytest

from tutor.answers import answer
from tutor.config import PROJECT_ROOT
from tutor.content import load_library
from tutor.model import Library
from tutor.notation import notation_words
from tutor.reading import typed_words
from tutor.search import SearchIndex

HARNESS_DECKS = PROJECT_ROOT / "benchmarks" / "harness" / "decks"


@pytest.mark.parametrize(
    ("task", "words"),
    [
        ("Expand (2x + 1)(x - 5)", ["double", "brackets"]),
        ("expand (a+1)(a+2)(a+3)", ["triple", "brackets"]),
        ("multiply out 4(3y − 2)", ["single", "bracket"]),
        ("what is 27^(2/3)", ["fractional", "indices"]),
        ("125 to the power of 1/3", ["fractional", "indices"]),
        ("5^-2 as a fraction", ["negative", "indices"]),
        ("why is 7⁰ one", ["zero", "index"]),
        ("simplify p^7 × p^4", ["index", "laws"]),
        ("simplify 12a^6 ÷ 4a^2", ["index", "laws"]),
        ("(k^3)^4", ["powers", "of"]),
        ("write x² - 6x + 1 as (x - 3)² - 8", ["completing", "the", "square"]),
        ("solve 4 - 3t > 10", ["inequality"]),
        ("list the integers with -1 < n <= 4", ["double", "inequality"]),
        ("find g^-1(x) when g(x) = 3x + 2", ["inverse", "function"]),
        ("work out fg(x)", ["composite", "function"]),
        ("sketch f(x - 2)", ["translation", "graph"]),
        ("what does -f(x) look like", ["reflection", "graph"]),
        ("next two terms of 3, 8, 13, 18", ["sequence", "linear", "arithmetic"]),
        ("nth term of 3, 6, 11, 18, 27", ["sequence", "quadratic"]),
        ("5, 15, 45, 135 next term", ["sequence", "geometric"]),
        ("2, 3, 5, 8, 13 what comes next", ["sequence", "fibonacci"]),
        ("solve 6y + 4 = 2y - 8", ["equation", "unknowns", "both", "sides"]),
        ("how do i solve 5t - 1 = 3t + 9 for t??", ["equation", "unknowns", "both", "sides"]),
        ("solve 2x + 3 = 7", ["solving", "linear", "equation"]),
        ("how do i solve 3x - 7 = 11 pls", ["solving", "linear", "equation"]),
        ("14 = 2(x + 3)", ["equation", "brackets"]),  # the kind it is, most specific first
        ("x/2 + 1 = 4", ["equation", "fractions"]),
        ("x^2 - 7x + 12 = 0", ["quadratic", "equation"]),
        ("solve x^2 + 3x = 10", ["quadratic", "equation"]),  # set to a number, not zero
        ("sketch y = x^2 - 4x + 3", ["quadratic", "graph"]),  # a graph, not an equation
        ("y = x^3 - 2x", ["cubic", "graph"]),
        ("expand (x+3)^2", ["double", "brackets"]),  # a squared sum, alone
        ("simplify 3a + 2b - a + 4b", ["collecting", "like", "terms"]),
        ("rearrange v = u + at for t", ["changing", "the", "subject"]),
        ("Rearrange P = IV to find I", ["changing", "the", "subject"]),
        ("5x + 3y - 2x and 4y??", ["collecting", "like", "terms"]),
        ("solve 3x + 2y = 16 and x - y = 2", ["simultaneous", "equations"]),
        # Typed without spaces: "y" and "3x" stay apart ("y3x" would read as an element).
        ("y=3x+2 and y=x^2 where do they meet", ["simultaneous", "equations"]),
    ],
)
def test_a_pasted_task_is_read_as_its_topic(task: str, words: list[str]) -> None:
    assert notation_words(task) == words


@pytest.mark.parametrize(
    "text",
    [
        "how does photosynthesis work (6 marks)",  # prose in brackets
        "trotsky (the leader) and stalin",
        "i <3 algebra",  # a heart, not "less than"
        "2H2 + O2 -> 2H2O",  # a reaction's arrow
        "2Mg + O2 = 2MgO",  # elements with a digit after them are not unknowns
        "V = IR",  # a formula: its letters are read as they are
        "y = x^1 + 2",  # a line written with its power of x: no quadratic or cubic graph
        "what do m and c mean in y = mx + c",  # single letters in words are not unknowns
        "prove (n + 1)² - (n - 1)² = 4n",  # a difference of squares, not a completed square
        "sketch y = sin x and y = cos x",  # one unknown between them: not simultaneous
        "why does f(x+3) look different",  # a function's bracket is not an expansion
        "15y^8 ÷ 3y^2",  # a quotient of powers, not a fractional index
        "question 3(a)(ii) explain why the treaty failed",  # an exam question's parts
        "Q4 (c)(i)(ii)",
        "what does x = x + 1 do in python",  # an assignment, not an equation
        "so x = 5 is the answer?",  # an answer, not a task
        "if V = 12 what is I",  # a value given, not an equation to solve
        "2 x 3 = 6",  # x as times
        "a + b + c",  # no like terms
        "stalin - trotsky - stalin",
        "rearrange x = 5 for a laugh",  # the article, not a letter to solve for
        "draw y = 3x + 1",  # a line: its letters are read as they are
        "which element is 2,8,8,2",  # an electronic structure, not a quadratic sequence
        "is 4, 9, 1, 7 a pattern",  # no rule
        "what happened in 1924, 1925, 1926, 1927",  # years
        "0, 0, 0, 0",  # no rule worth a name
    ],
)
def test_prose_formulas_and_other_subjects_say_nothing(text: str) -> None:
    unwanted = {"double", "single", "completing", "inequality", "unknowns", "simultaneous"}
    unwanted |= {"linear", "solving", "equation", "quadratic", "cubic", "like", "subject"}
    unwanted |= {"sequence"}
    unwanted |= {"fractional", "indices"} if "15y" in text else set()
    assert unwanted.isdisjoint(notation_words(text))


def test_the_words_are_added_to_the_question_as_typed() -> None:
    words = typed_words("Expand (x + 4)(x − 2)")
    assert words[:4] == ("expand", "x", "4", "x")
    assert words[-2:] == ("double", "brackets")
    assert typed_words("how do plants lose water") == ("how", "do", "plants", "lose", "water")


@pytest.fixture(scope="module")
def maths() -> SearchIndex:
    library: Library = load_library([HARNESS_DECKS])
    cards = [card for card in library.cards.values() if card.deck_id == "maths-algebra"]
    return SearchIndex(cards, library.topics)


@pytest.mark.parametrize(
    ("task", "title"),
    [
        ("Expand and simplify (3x - 2)(x + 5)", "Expanding double brackets"),
        ("Solve 7n + 3 = 4n - 9", "Equations with unknowns on both sides"),
        ("Solve 5x - 4 = 21", "Solving linear equations: the balance method"),
        ("Solve 3(y - 2) = 18", "Equations with brackets"),
        ("Simplify 6p - 2q + p + 5q", "Collecting like terms"),
        ("rearrange v = u + at for t", "Changing the subject of a formula"),
        ("Expand (x - 4)^2", "Expanding double brackets"),
        ("Solve x^2 + 2x = 15", "Solving quadratic equations by factorising"),
        ("Work out 8^(2/3)", "Fractional indices"),
        ("Express x^2 - 10x + 4 in the form (x - a)^2 - b", "Completing the square"),
        ("Find h^-1(x) if h(x) = 4x - 1", "Inverse functions"),
    ],
)
def test_a_pasted_task_gets_its_topics_card(maths: SearchIndex, task: str, title: str) -> None:
    """Before, the task's numbers and letters met whichever worked example shared them
    ("Expand and simplify (x + 4)(x − 2)" got *Expanding a single bracket*)."""
    result = answer(maths, task)
    assert result.best is not None and result.best.card.title == title


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "text",
    [
        "1" * 380 + "! = x",  # a plain "\d+" token tried every split of the digits
        "(" + "a" * 399,
        "(" + "x+1" * 133,
        "3(" + "x-" * 199,
        "x^" * 200,
        "(x+1)(" * 66,
        "1," * 200 + "x=",
        "x = " * 100,
        "-1 < " * 80,
        "f(" * 200,
        "2x + " * 80 + "= 1",  # a sum of terms whose end is an equation's
        "x - " * 100 + "(",
    ],
)
def test_no_message_makes_the_reading_backtrack(text: str) -> None:
    """A hang guard, not a speed target: each pattern is linear in what it reads, so a
    400-character message of digits, brackets or operators is read at once (before the
    possessive quantifiers, 24 digits and "! = x" took 12 s, 30 would take hours)."""
    notation_words(text)
    typed_words(text)


def test_another_subjects_numbers_are_not_read_as_maths() -> None:
    """With every harness deck loaded, an electronic structure stays Chemistry's: read as a
    quadratic sequence, "2,8,8,2" went to the Maths deck's sequence cards."""
    library = load_library([HARNESS_DECKS])
    index = SearchIndex(list(library.cards.values()), library.topics)
    result = answer(index, "2,8,8,2 which element")
    assert result.best is not None
    assert result.best.card.deck_id == "chemistry-atomic-structure"
