"""Formulas as terms: one term for every way of writing a product or quotient of letters."""

from __future__ import annotations

from functools import partial

import pytest
from notecards import best_id, note_card

from tutor.formulas import formula_terms, is_formula_term, read_formulas
from tutor.model import Topic
from tutor.search import SearchIndex
from tutor.vocabulary import may_be_typo


@pytest.mark.parametrize(
    "written",
    ["P = IV", "P = V I", "p=iv", "P = I × V.", "V = P ÷ I", "I = P/V", "what is P=IV?"],
)
def test_every_way_of_writing_a_formula_is_one_term(written: str) -> None:
    assert formula_terms(written) == formula_terms("P = V I")


def test_different_formulas_differ() -> None:
    """Direct and inverse proportion, a square and a product: each its own term."""
    terms = [formula_terms(text)[0] for text in ("y = kx", "y = k/x", "P = I² R", "V = I R")]
    assert len(set(terms)) == 4
    assert formula_terms("P = I^2 R") == formula_terms("P = I²R")
    assert formula_terms("E = mc^2") != formula_terms("E = mc")


def test_a_text_writes_several_formulas() -> None:
    terms = formula_terms("Q = I t gives E = V I t; so I = Q ÷ t")
    assert terms == [formula_terms("Q = It")[0], formula_terms("E = V I t")[0]]


@pytest.mark.parametrize(
    "text",
    [
        "y = mx + c",  # a sum: read word by word
        "v = u + at",
        "I = 12 ÷ 4 = 3 A",  # numbers: a worked value
        "x = 5",
        "2Mg + O2 = 2MgO",  # a chemical equation
        "Ar = (35 × 75 + 37 × 25) ÷ 100",  # a two-letter name on the left
        "I = the current",  # prose
        "I = it",  # a letter that cancels out
        "x = y",  # too few letters to be a formula
        "f(x) = 3x",
        "if a == b",
    ],
)
def test_sums_numbers_and_prose_are_not_formulas(text: str) -> None:
    assert formula_terms(text) == []


def test_a_question_reads_a_formula_in_place_of_its_letters() -> None:
    """ "P = IV" is no word "iv"; a text with no formula is left as written."""
    prose, terms = read_formulas("what is P = IV?")
    assert "iv" not in prose.casefold().split() and terms == formula_terms("P = V I")
    assert read_formulas("circumference = π × d") == ("circumference = π × d", [])


def test_the_article_after_a_formula_is_not_a_factor() -> None:
    assert formula_terms("V = I R a single component") == formula_terms("V = IR")


def test_a_formula_term_is_never_a_typo_of_another() -> None:
    """ "P = IR" is not "P = IV" misspelt, however close their terms are as strings."""
    (term,) = formula_terms("P = IR")
    assert is_formula_term(term)
    assert not may_be_typo(term)


card = partial(note_card, deck_id="phys")


PHYSICS = [
    card(
        "power",
        "Electrical power",
        "• Power is the rate of energy transfer, P = V I\n• Measured in watts",
    ),
    card(
        "charge",
        "Charge and current",
        "• Charge is current multiplied by time: Q = I t\n• Charge is measured in coulombs",
    ),
    card(
        "catalysts",
        "Transition metals as catalysts",
        "• Manganese(IV) oxide speeds up the decomposition of hydrogen peroxide",
    ),
    card("resistance", "Resistance", "• Resistance opposes current\n• R = V ÷ I"),
]


@pytest.fixture(scope="module")
def physics() -> SearchIndex:
    return SearchIndex(PHYSICS, {"t": Topic("t", "Electricity", "phys")})


@pytest.mark.parametrize(
    ("typed", "card_id"),
    [
        ("P = IV", "power"),  # not the card that writes "(IV)"
        ("what is p=iv", "power"),
        ("I = Q/t", "charge"),  # rearranged
        ("V = IR", "resistance"),
    ],
)
def test_a_typed_formula_gets_the_card_that_writes_it(
    physics: SearchIndex, typed: str, card_id: str
) -> None:
    assert best_id(physics, typed) == card_id, typed
