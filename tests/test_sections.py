"""Numbered parts of a work as terms: "act 1 scene 7" meets the card titled "Act 1 Scenes
4–7" and no card that only writes a 1 or a 7."""

from __future__ import annotations

from functools import partial

import pytest
from notecards import best_id, deck_words, note_card

from tutor.answers import answer
from tutor.model import Card, Topic
from tutor.search import SearchIndex
from tutor.sections import as_typed, broader, is_section_term, read_sections, section_terms
from tutor.vocabulary import may_be_typo


def test_a_range_of_scenes_covers_every_scene_in_it() -> None:
    terms = section_terms("Plotting the murder (Act 1 Scenes 4–7)")
    for scene in (4, 5, 6, 7):
        assert f"sectionact1scene{scene}" in terms
        assert f"sectionscene{scene}" in terms
    assert "sectionact1" in terms
    assert "sectionact1scene3" not in terms and "sectionact1scene8" not in terms


@pytest.mark.parametrize(
    "written",
    [
        "act 1 scene 7",
        "Act 1, Scene 7",
        "act 1 - scene 7",
        "ACT I SCENE VII",
        "Act I, Scene vii",
        "act 1.7",
        "act one scene seven",
        "act 1 sc 7",
    ],
)
def test_every_way_of_writing_a_scene_is_one_term(written: str) -> None:
    prose, terms = read_sections(f"what happens in {written}?")
    assert terms == ["sectionact1scene7"]
    assert "1" not in prose and "7" not in prose.replace("?", "")


def test_lists_ranges_and_other_parts() -> None:
    assert read_sections("Act 2 Scenes 1 and 2")[1] == ["sectionact2scene1", "sectionact2scene2"]
    assert section_terms("Chapters 1-3") == [f"sectionchapter{n}" for n in (1, 2, 3)]
    assert section_terms("Stave One: Marley's ghost") == ["sectionstave1"]
    assert read_sections("what happens in scene 3")[1] == ["sectionscene3"]
    assert section_terms("(Act 3)") == ["sectionact3"]
    assert section_terms("Cliffhangers\nAct 2 ends with Eric's entrance") == ["sectionact2"]


@pytest.mark.parametrize(
    "text",
    [
        "Education Act 1944",  # a law, no act of a play
        "the porter scene",
        "how does she act i think",  # a pronoun, not Act I
        "the sections of the report",
        "an act of terror",
    ],
)
def test_words_that_name_no_numbered_part_stay_words(text: str) -> None:
    assert read_sections(text) == (text, [])
    assert section_terms(text) == []


def test_a_term_falls_back_to_its_act_then_to_the_words_typed() -> None:
    assert broader("sectionact1scene7") == "sectionact1"
    assert broader("sectionact1") is None and broader("sectionchapter3") is None
    assert as_typed("sectionact1scene7") == ("act", "1", "scene", "7")
    assert as_typed("sectionchapter12") == ("chapter", "12")
    assert is_section_term("sectionact1") and not is_section_term("section")
    assert not may_be_typo("sectionact1scene4")  # never a misspelt scene 5


play_card = partial(note_card, deck_id="rj")


def play_deck() -> SearchIndex:
    """A plain deck of another play, its scenes numbered in titles and a quotation's scene
    in a body; Act 2 Scene 2 is inside a range only."""
    cards = [
        play_card("prologue", "The Prologue and the brawl (Act 1 Scene 1)", "• The feud"),
        play_card("party", "The Capulet party (Act 1 Scenes 4–5)", "• Romeo meets Juliet"),
        play_card(
            "balcony",
            "The balcony and the wedding (Act 2 Scenes 1–6)",
            "• Romeo climbs into the Capulet orchard\n• Friar Laurence marries them",
        ),
        play_card("fight", "Mercutio and Tybalt die (Act 3 Scene 1)", "• Romeo is banished"),
        play_card(
            "juliet",
            "Juliet",
            '• "My only love sprung from my only hate" (Act 1 Scene 5)\n• Defies her father',
        ),
        play_card("tomb", "The tomb (Act 5 Scene 3)", "• Both lovers die in the tomb"),
    ]
    return SearchIndex(cards, {"t": Topic("t", "Romeo and Juliet", "rj")})


def test_a_scene_asked_by_number_gets_the_card_covering_it() -> None:
    """Act 2 Scene 2 is only inside "Scenes 1–6"; read as words "2" met nothing better
    than any card writing a 2. Act 1 Scene 5 is covered by the party card's range and
    quoted on *Juliet*: both are offered."""
    index = play_deck()
    for question in ("act 2 scene 2", "what happens in Act II Scene ii", "act 2.2"):
        assert best_id(index, question) == "balcony", question
    scene_five = answer(index, "act 1 scene 5")
    shown = {hit.card.id for hit in (scene_five.best, *scene_five.alternatives) if hit}
    assert {"party", "juliet"} <= shown
    assert "prologue" not in shown  # Act 1, but not Scene 5
    assert best_id(index, "act 5") == "tomb"


def test_a_scene_no_card_numbers_falls_back_to_its_act() -> None:
    """Act 3 Scene 4 is on no card: the Act 3 card answers, not "no note"."""
    assert best_id(play_deck(), "what happens in act 3 scene 4") == "fight"


def test_a_deck_numbering_no_parts_reads_the_words_as_before() -> None:
    """On a deck with no acts, "act 1" is the words "act" and "1"."""
    cards = [
        Card("act", "The Factory Act", "t", "h", "• Act 1 limited children's hours"),
        Card("unions", "Trade unions", "t", "h", "• Unions grew after 1871"),
    ]
    index = SearchIndex(cards, {"t": Topic("t", "Industrial Britain", "h")})
    assert "sectionact1" in deck_words(index, "act 1")  # the deck writes Act 1
    law = SearchIndex(cards[1:], {"t": Topic("t", "Industrial Britain", "h")})
    words = deck_words(law, "act 1 limits")
    assert "act" in words and "1" in words
