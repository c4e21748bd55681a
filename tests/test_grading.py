"""Lenient typed-answer grading: typos, order, parts, names, numbers and acronyms."""

from __future__ import annotations

import pytest

from tutor.grading import MAX_RESPONSE_CHARS, Grade, Verdict, grade_typed

CORRECT, CLOSE, WRONG = Verdict.CORRECT, Verdict.CLOSE, Verdict.WRONG

CASES = [
    # exact and normalised
    ("Kirov", ["Kirov", "Sergei Kirov"], CORRECT),
    ("  KIROV!! ", ["Kirov"], CORRECT),
    ("It was Kirov.", ["Kirov"], CORRECT),
    ("the Politburo", ["Politburo"], CORRECT),
    ("Lenin's testament", ["Lenin's Testament"], CORRECT),
    ("Lenins Testament", ["Lenin\u2019s Testament"], CORRECT),
    ("Göring", ["Goering", "Göring"], CORRECT),
    ("Goring", ["Göring"], CORRECT),
    ("five-year plan", ["Five Year Plan"], CORRECT),
    # typos
    ("Kirow", ["Sergei Kirov"], CORRECT),
    ("Trotksy", ["Leon Trotsky"], CORRECT),
    ("Zinovyev", ["Zinoviev"], CORRECT),
    ("Bucharin", ["Nikolai Bukharin"], CORRECT),
    ("collectivization", ["Collectivisation"], CORRECT),
    ("Stalin", ["Lenin"], WRONG),
    ("Rykov", ["Kirov"], WRONG),
    # word order and separators
    ("kamenev and zinoviev", ["Zinoviev, Kamenev"], CORRECT),
    ("Zinoviev Kamenev", ["Kamenev and Zinoviev"], CORRECT),
    ("Zinoviev & Kamenev", ["Kamenev and Zinoviev"], CORRECT),
    ("zinoviev + kamenev", ["Kamenev and Zinoviev"], CORRECT),
    ("Lev Kamenev and Grigory Zinoviev", ["Kamenev and Zinoviev"], CORRECT),
    ("peace land and bread", ["Peace, Land and Bread"], CORRECT),
    # partial and padded multi-part answers
    ("Molotov", ["Molotov and Kirov"], CLOSE),
    ("Kamenev", ["Kamenev, Zinoviev and Trotsky"], CLOSE),
    ("Trotsky, Kamenev and Zinoviev", ["Kamenev and Zinoviev"], CLOSE),
    ("Kirov and Molotov", ["Sergei Kirov"], CLOSE),
    ("Molotov Kirov", ["Sergei Kirov"], CLOSE),
    ("economic policy", ["New Economic Policy"], CLOSE),
    ("Bukharin", ["Molotov and Kirov"], WRONG),
    # people: surname alone, full name for a surname, no made-up surnames of things
    ("kirov", ["Sergei Kirov"], CORRECT),
    ("S Kirov", ["Sergei Kirov"], CORRECT),
    ("Sergei", ["Sergei Kirov"], CLOSE),
    ("Leon Trotsky", ["Trotsky"], CORRECT),
    ("Policy", ["New Economic Policy"], WRONG),
    ("not Stalin", ["Stalin"], WRONG),
    # numbers and years are exact
    ("1927", ["1927"], CORRECT),
    ("in 1927", ["1927"], CORRECT),
    ("1928", ["1927"], WRONG),
    ("1920s", ["1927"], WRONG),
    ("1927", ["1920s"], WRONG),
    ("December 1927", ["December 1927"], CORRECT),
    ("Decmber 1927", ["December 1927"], CORRECT),
    ("December 1928", ["December 1927"], WRONG),
    ("15th Party Congress", ["Fifteenth Party Congress"], CORRECT),
    ("14th Party Congress", ["Fifteenth Party Congress"], WRONG),
    # acronyms, both ways
    ("SIOC", ["Socialism in One Country"], CORRECT),
    ("s.i.o.c.", ["Socialism in One Country"], CORRECT),
    ("socialism in 1 country", ["Socialism in One Country"], CORRECT),
    ("NEP", ["New Economic Policy"], CORRECT),
    ("new economic policy", ["NEP"], CORRECT),
    ("USSR", ["Union of Soviet Socialist Republics"], CORRECT),
    ("NEC", ["New Economic Policy"], WRONG),
    # empty, garbage, huge
    ("", ["Kirov"], WRONG),
    ("   ", ["Kirov"], WRONG),
    ("!!!???", ["Kirov"], WRONG),
    ("🙂🙂🙂", ["Kirov"], WRONG),
    ("and and and", ["Kamenev and Zinoviev"], WRONG),
    ("asdfghjkl", ["Kirov"], WRONG),
    ("Kirov " * 100, ["Kirov"], WRONG),
]


@pytest.mark.parametrize(("response", "accepted", "verdict"), CASES, ids=lambda v: repr(v)[:40])
def test_grading(response: str, accepted: list[str], verdict: Verdict) -> None:
    assert grade_typed(response, accepted).verdict is verdict


def test_grade_names_the_best_accepted_answer() -> None:
    grade = grade_typed("Sergei Kirov", ["Kirov", "Sergei Kirov"])
    assert grade == Grade(CORRECT, 1.0, "Sergei Kirov")
    assert grade_typed("Kirov", ["Sergei Kirov", "Kirov"]).matched == "Kirov"


def test_score_is_a_similarity_between_zero_and_one() -> None:
    assert grade_typed("Kirov", ["Kirov"]).score == 1.0
    assert 0.0 < grade_typed("Kirow", ["Kirov"]).score < 1.0
    assert grade_typed("", ["Kirov"]).score == 0.0


def test_no_accepted_answers_is_wrong_not_an_error() -> None:
    assert grade_typed("Kirov", []) == Grade(WRONG, 0.0, "")
    assert grade_typed("Kirov", ["", "  ", "!!"]) == Grade(WRONG, 0.0, "")


def test_huge_input_is_wrong_without_work() -> None:
    huge = "Kirov " * MAX_RESPONSE_CHARS
    assert grade_typed(huge, ["Kirov"]) == Grade(WRONG, 0.0, "Kirov")


@pytest.mark.parametrize(
    "garbage",
    ["\x00\x01", "&&&", ",,,", "/", "+", "-", "'", "ǅ", "ﬁ", "\u200b", "a" * 299, "1" * 299],
)
def test_odd_input_never_raises(garbage: str) -> None:
    grade = grade_typed(garbage, ["Kirov", "1927", "NEP", "Kamenev and Zinoviev"])
    assert grade.verdict is WRONG
