"""Issue 9, the student's side: "Which did you mean?" and several decks at once.

Over two small decks that are not the Stalin deck (tests/data/chooser: Plant transport and
Electrolysis): near ties become a chooser, pressing a choice shows its card (with 👍 / 👎
once the question is logged), and each chat's questions are matched within its deck —
a private chat's `/deck` choice is kept in the database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import START

from tutor.answers import Answer
from tutor.commands import Place, commands_for
from tutor.content import load_library
from tutor.deckchoice import GROUP_DECK_NOTICE, DeckChoice
from tutor.dialog import CHOOSER_TITLE, ONE_DECK_HINT, Dialog
from tutor.gaps import (
    FEEDBACK_GONE,
    THANKS_NOT_WANTED,
    GapKind,
    GapLog,
    group_gaps,
    press_choice,
    press_feedback,
    with_feedback,
)
from tutor.model import Library
from tutor.quizflow import Who
from tutor.render import card_plain, reply_html
from tutor.replies import STALE_BUTTON, Reply
from tutor.search import Hit
from tutor.store import ChatKind, Store

if TYPE_CHECKING:
    from conftest import Database

DECKS_DIR = Path(__file__).resolve().parent / "data" / "chooser"
STUDENT = Who(user_id=71, chat_id=71, first_name="Ann")
GROUP = Who(user_id=72, chat_id=-710, first_name="Bob", chat_kind=ChatKind.GROUP, chat_title="11B")
TIE = "what is osmosis"
OSMOSIS_CARDS = {"osmosis-roots", "osmosis-guard"}
SCOPED_QUESTIONS = ["what is osmosis", "membrane", "electrodes", "chloroplasts", "cells"]


@functools.cache
def library() -> Library:
    return load_library([DECKS_DIR])


@functools.cache
def dialog() -> Dialog:
    return Dialog(library())


@functools.cache
def one_deck_dialog() -> Dialog:
    return Dialog(load_library([DECKS_DIR / "plants.yaml"]))


def offered(reply: Reply) -> list[str]:
    """Every card id a reply shows or offers: its card, its choices, its card buttons."""
    ids = [reply.card.id] if reply.card else []
    ids += [card.id for card in reply.choices]
    ids += [
        button.data.split(":")[1]
        for row in reply.buttons
        for button in row
        if button.data.startswith(("card:", "pick:"))
    ]
    return ids


def hit(card_id: str, score: float) -> Hit:
    return Hit(library().cards[card_id], score)


# ----- the chooser ------------------------------------------------------------------------


def test_a_near_tie_asks_which_card_was_meant() -> None:
    reply = dialog().ask(TIE)

    assert reply.title == CHOOSER_TITLE and reply.card is None
    assert {card.id for card in reply.choices} == OSMOSIS_CARDS
    assert [b.data for row in reply.buttons for b in row] == [
        f"pick:{card.id}" for card in reply.choices
    ]
    assert [b.label for row in reply.buttons for b in row] == [c.title for c in reply.choices]


def test_a_confident_answer_is_a_card_and_a_guess_is_a_chooser() -> None:
    best, close = hit("osmosis-roots", 40.0), hit("osmosis-guard", 39.0)
    sure = dialog().answer_reply(Answer("q", best, (close,), (), confident=True))
    assert sure.card is not None and sure.card.id == "osmosis-roots" and not sure.choices
    assert "❓ Osmosis in guard cells" in [b.label for row in sure.buttons for b in row]

    unsure = dialog().answer_reply(Answer("q", best, (close,), (), confident=False))
    assert unsure.card is None
    assert [card.id for card in unsure.choices] == ["osmosis-roots", "osmosis-guard"]


def test_a_chooser_offers_at_most_three_cards_best_first() -> None:
    rivals = tuple(hit(card_id, 30.0) for card_id in ("osmosis-guard", "xylem", "phloem"))
    reply = dialog().answer_reply(
        Answer("q", hit("osmosis-roots", 31.0), rivals, (), confident=False)
    )
    assert [card.id for card in reply.choices] == ["osmosis-roots", "osmosis-guard", "xylem"]
    assert len(reply.buttons) == 3


def test_an_unsure_answer_without_rivals_is_just_the_card() -> None:
    reply = dialog().answer_reply(Answer("q", hit("xylem", 30.0), (), (), confident=False))
    assert reply.card is not None and reply.card.id == "xylem" and not reply.choices


def test_closest_notes_from_different_decks_name_their_deck() -> None:
    near = (hit("permeable-membrane", 12.0), hit("membrane-cell", 11.0))
    reply = dialog().answer_reply(Answer("q", None, (), (), nearest=near))
    cards = [b for row in reply.buttons for b in row if b.data.startswith("pick:")]
    assert [b.label for b in cards] == [
        "📄 Partially permeable membrane · Plant transport",
        "📄 Membrane cell · Electrolysis",
    ]
    one_deck = dialog().answer_reply(Answer("q", None, (), (), nearest=near[:1]))
    assert one_deck.buttons[0][0].label == "📄 Partially permeable membrane"


def test_choices_from_different_decks_name_their_deck() -> None:
    cards = [library().cards["permeable-membrane"], library().cards["membrane-cell"]]
    labels = [b.label for row in dialog().chooser(cards).buttons for b in row]
    assert labels == [
        "Partially permeable membrane · Plant transport",
        "Membrane cell · Electrolysis",
    ]
    same_deck = [b.label for row in dialog().chooser(cards[:1] * 2).buttons for b in row]
    assert same_deck == ["Partially permeable membrane"]


def test_the_chooser_in_html_lists_each_card_with_its_topic_and_deck() -> None:
    reply = dialog().ask(TIE)
    html = reply_html(reply.title, reply.lines, reply.card, library(), reply.choices)
    assert html.startswith(f"<b>{CHOOSER_TITLE}</b>")
    assert "• <b>Osmosis in root hairs</b> — <i>Water in plants · Plant transport</i>" in html


def test_pressing_a_choice_shows_that_card() -> None:
    shown = dialog().press("pick:osmosis-guard")
    assert shown.card is not None and shown.card.id == "osmosis-guard"
    assert shown == dialog().card_reply(library().cards["osmosis-guard"])


@pytest.mark.parametrize(
    "data",
    ["pick:no-such-card", "pick:", "pick:osmosis-guard:x", "pick:Osmosis-Guard", "pick:a:1:2"],
)
def test_a_forged_choice_gets_the_expired_notice(data: str) -> None:
    assert dialog().press(data) == STALE_BUTTON


def test_card_by_name_opens_the_best_card_even_when_close() -> None:
    reply = dialog().card_by_name("osmosis water")
    assert reply.card is not None and reply.card.id in OSMOSIS_CARDS


# ----- several decks ----------------------------------------------------------------------


def test_one_index_per_deck_beside_the_one_over_all() -> None:
    several = dialog()
    assert several.deck_ids == {"plants", "electrolysis"}
    plants = several.index_for("plants")
    assert {card.deck_id for card in plants.cards} == {"plants"}
    assert several.index_for("plants") is plants  # built once, on first use
    assert several.index_for(None) is several.index
    assert several.index_for("no-such-deck") is several.index
    assert len(several.index.cards) == len(library().cards)
    only = one_deck_dialog()
    assert only.index_for("plants") is only.index  # one deck: no second index


@pytest.mark.parametrize("question", SCOPED_QUESTIONS)
@pytest.mark.parametrize("deck_id", ["plants", "electrolysis"])
def test_a_question_is_matched_only_within_the_chosen_deck(question: str, deck_id: str) -> None:
    reply = dialog().ask(question, deck_id=deck_id)
    assert all(library().cards[card_id].deck_id == deck_id for card_id in offered(reply))


def test_the_same_word_finds_each_decks_own_card() -> None:
    chemistry = dialog().ask("membrane", deck_id="electrolysis")
    biology = dialog().ask("membrane", deck_id="plants")
    assert chemistry.card is not None and chemistry.card.id == "membrane-cell"
    assert biology.card is not None and biology.card.id == "permeable-membrane"
    anywhere = offered(dialog().ask("membrane"))
    assert anywhere and set(anywhere) <= {"membrane-cell", "permeable-membrane"}


def test_a_deck_no_longer_loaded_means_every_deck() -> None:
    assert dialog().index_for("gone") is dialog().index
    assert dialog().index_for(None) is dialog().index


def test_a_card_names_its_deck_only_when_several_are_loaded() -> None:
    card = library().cards["xylem"]
    assert "(Water in plants · Plant transport)" in card_plain(card, library())
    alone = one_deck_dialog().library
    assert "(Water in plants)\n" in card_plain(alone.cards["xylem"], alone)


@pytest.mark.parametrize(
    ("text", "deck_id"),
    [
        ("electrolysis", "electrolysis"),
        ("Plant transport", "plants"),
        ("plant", "plants"),
        ("PLANTS", "plants"),
        ("plant transprot", "plants"),
        ("zoology", None),
        ("", None),
    ],
)
def test_a_deck_is_named_by_id_title_part_or_near_spelling(text: str, deck_id: str | None) -> None:
    deck = dialog().find_deck(text)
    assert (deck.id if deck else None) == deck_id


def test_start_tells_a_student_with_several_decks_how_to_choose_one() -> None:
    assert ONE_DECK_HINT in dialog().start("Ann").lines
    assert ONE_DECK_HINT not in one_deck_dialog().start("Ann").lines
    assert "/deck" not in " ".join(one_deck_dialog().start("Ann").lines)


def test_deck_is_a_one_to_one_command() -> None:
    assert "deck" in {c.name for c in commands_for(Place.PRIVATE)}
    assert "deck" in {c.name for c in commands_for(Place.CONSOLE)}
    assert "deck" not in {c.name for c in commands_for(Place.GROUP)}
    assert any(
        line.startswith("/deck ") for line in dialog().help(Place.PRIVATE).lines[1].split("\n")
    )


# ----- the choice, kept in the database -----------------------------------------------------


async def test_deck_lists_the_decks_and_keeps_the_choice_across_a_restart(
    database: Database,
) -> None:
    async with await database.open() as store:
        await _choose_electrolysis(store)
    async with await database.open() as store:  # a restart: a new store and choice service
        decks = DeckChoice(dialog(), store)
        assert await decks.scope(STUDENT.chat_id) == "electrolysis"
        ticked = await decks.command(STUDENT, "")
        assert "✅ Electrolysis" in [b.label for row in ticked.buttons for b in row]
        await decks.command(STUDENT, "any")
        assert await decks.scope(STUDENT.chat_id) is None


async def _choose_electrolysis(store: Store) -> None:
    decks = DeckChoice(dialog(), store)
    listing = await decks.command(STUDENT, "")
    assert [b.data for row in listing.buttons for b in row] == [
        "deck:electrolysis",
        "deck:plants",
        "deck:",
    ]
    assert [b.label for row in listing.buttons for b in row][-1] == "✅ 🌐 Any deck"

    chosen = await decks.command(STUDENT, "electrolysis")
    assert chosen.lines == ("Done — I'll match your questions in Electrolysis. /deck any to undo.",)
    reply = await decks.ask(STUDENT, "membrane")
    assert reply.card is not None and reply.card.id == "membrane-cell"


async def test_a_deck_button_chooses_it_and_ticks_it_in_place(store: Store) -> None:
    decks = DeckChoice(dialog(), store)
    reply = await decks.press(STUDENT, "deck:plants")
    assert reply.edit and reply.lines[0].startswith("Done — I'll match your questions in Plant")
    assert "✅ Plant transport" in [b.label for row in reply.buttons for b in row]
    assert await decks.scope(STUDENT.chat_id) == "plants"
    back = await decks.press(STUDENT, "deck:")
    assert back.lines[0] == "Done — I'll match your questions in every deck."
    assert await decks.scope(STUDENT.chat_id) is None


@pytest.mark.parametrize("data", ["deck:no-such-deck", "deck:plants:x", "deck", "card:xylem"])
async def test_a_forged_deck_button_changes_nothing(store: Store, data: str) -> None:
    decks = DeckChoice(dialog(), store)
    assert await decks.press(STUDENT, data) == STALE_BUTTON
    assert await decks.scope(STUDENT.chat_id) is None


async def test_in_a_group_deck_only_points_to_the_settings(store: Store) -> None:
    decks = DeckChoice(dialog(), store)
    assert (await decks.command(GROUP, "plants")).lines == (GROUP_DECK_NOTICE,)
    assert (await decks.press(GROUP, "deck:plants")).notice == GROUP_DECK_NOTICE
    assert await decks.scope(GROUP.chat_id) is None


async def test_a_groups_questions_are_matched_in_its_deck_setting(store: Store) -> None:
    decks = DeckChoice(dialog(), store)
    await store.upsert_chat(GROUP.chat_id, kind=ChatKind.GROUP, title="11B", now=START)
    await store.update_chat_settings(GROUP.chat_id, deck_id="plants")
    reply = await decks.ask(GROUP, "membrane")
    assert reply.card is not None and reply.card.id == "permeable-membrane"


async def test_an_unknown_deck_is_named_with_the_choices(store: Store) -> None:
    decks = DeckChoice(dialog(), store)
    await decks.command(STUDENT, "plants")
    reply = await decks.command(STUDENT, "zoology")
    assert reply.lines[0] == (
        "I don't know the deck “zoology”. The decks: Electrolysis, Plant transport."
    )
    labels = [b.label for row in reply.buttons for b in row]
    assert labels == ["Electrolysis", "✅ Plant transport", "🌐 Any deck"]
    assert await decks.scope(STUDENT.chat_id) == "plants"  # unchanged


async def test_with_one_deck_there_is_nothing_to_choose(store: Store) -> None:
    decks = DeckChoice(one_deck_dialog(), store)
    reply = await decks.command(STUDENT, "plants")
    assert reply.lines[0].startswith("I have one deck: Plant transport.")
    assert await decks.scope(STUDENT.chat_id) is None


async def test_forget_deletes_the_deck_choice(store: Store) -> None:
    decks = DeckChoice(dialog(), store)
    await decks.command(STUDENT, "plants")
    await store.forget_user(STUDENT.user_id)
    assert await decks.scope(STUDENT.chat_id) is None


# ----- the chooser and the 👍 / 👎 pair -------------------------------------------------------


async def test_a_picked_choice_gets_the_feedback_pair_of_the_question(store: Store) -> None:
    gaps = GapLog(store)
    reply = await with_feedback(gaps, TIE, dialog().ask(TIE), dialog().index, library())
    data = [b.data for row in reply.buttons for b in row]
    assert all(d.startswith("pick:") and d.count(":") == 2 for d in data)
    gap_id = data[0].rsplit(":", 1)[1]
    assert len({d.rsplit(":", 1)[1] for d in data}) == 1

    second = data[1]
    card_id = second.split(":")[1]
    shown = await press_choice(gaps, dialog(), second)
    assert shown.card is not None and shown.card.id == card_id
    pair = [b.data for b in shown.buttons[-1]]
    assert pair == [f"fb:y:{gap_id}:{card_id}", f"fb:n:{gap_id}:{card_id}"]

    assert await press_feedback(gaps, pair[1]) == (
        True,
        "Thanks — I've passed your question on to the teachers (not your name).",
    )
    (gap,) = await gaps.recent()
    assert (gap.question, gap.card_id, gap.deck_id) == (TIE, card_id, "plants")

    again = await press_choice(gaps, dialog(), data[0])  # the question is settled: no pair
    assert again.card is not None and not any(
        b.data.startswith("fb:") for row in again.buttons for b in row
    )


async def test_a_choice_with_a_forged_question_id_shows_the_card_without_feedback(
    store: Store,
) -> None:
    gaps = GapLog(store)
    shown = await press_choice(gaps, dialog(), "pick:xylem:987654")
    assert shown.card is not None and shown.card.id == "xylem"
    assert not any(b.data.startswith("fb:") for row in shown.buttons for b in row)
    assert await press_choice(gaps, dialog(), "pick:nothing-here:1") == STALE_BUTTON
    assert await gaps.recent() == []


NEAR_MISS = "why do leaves have holes underneath"  # no card answers; Leaf structure comes closest


async def _near_miss_reply(gaps: GapLog) -> Reply:
    reply = await with_feedback(gaps, NEAR_MISS, dialog().ask(NEAR_MISS), dialog().index, library())
    assert reply.card is None and not reply.choices
    return reply


async def test_opening_a_closest_note_tells_the_teachers_which_card_was_wanted(
    store: Store,
) -> None:
    gaps = GapLog(store)
    reply = await _near_miss_reply(gaps)
    data = [b.data for row in reply.buttons for b in row]
    (note,) = [d for d in data if d.startswith("pick:")]
    gap_id = note.rsplit(":", 1)[1]
    assert note == f"pick:leaf-structure:{gap_id}"
    assert all(d.startswith("topic:") for d in data if d != note)  # topics carry no row id

    shown = await press_choice(gaps, dialog(), note)
    assert shown.card is not None and shown.card.id == "leaf-structure"
    pair = [b.data for b in shown.buttons[-1]]
    assert pair == [f"fb:y:{gap_id}:leaf-structure", f"fb:n:{gap_id}:leaf-structure"]
    assert await press_feedback(gaps, pair[0]) == (True, "Thanks! Glad it helped.")

    # Still a gap (no card answered the question by itself), now with the card it wanted:
    # the teachers are offered the question as that card's alias.
    (gap,) = await gaps.recent()
    assert (gap.kind, gap.card_id, gap.deck_id) == (GapKind.NO_CARD, "leaf-structure", "plants")
    (group,) = group_gaps([gap], dialog().index, library())
    assert (group.nearest_card_id, group.opened, group.not_wanted) == ("leaf-structure", 1, 0)
    assert group.yaml == f'# card leaf-structure\naliases: ["{NEAR_MISS}"]'

    again = await press_choice(gaps, dialog(), note)  # the first card opened counts
    assert again.card is not None and not any(
        b.data.startswith("fb:") for row in again.buttons for b in row
    )
    assert await press_feedback(gaps, f"fb:y:{gap_id}:xylem") == (False, FEEDBACK_GONE)


async def test_a_closest_note_marked_not_wanted_is_not_suggested(store: Store) -> None:
    gaps = GapLog(store)
    reply = await _near_miss_reply(gaps)
    (note,) = [b.data for row in reply.buttons for b in row if b.data.startswith("pick:")]
    shown = await press_choice(gaps, dialog(), note)
    assert await press_feedback(gaps, shown.buttons[-1][1].data) == (True, THANKS_NOT_WANTED)

    (gap,) = await gaps.recent()
    assert (gap.kind, gap.card_id) == (GapKind.NOT_WANTED, "leaf-structure")
    (group,) = group_gaps([gap], dialog().index, library())
    assert group.rejected_card_ids == ("leaf-structure",) and group.opened == 0
    assert group.nearest_card_id != "leaf-structure"
