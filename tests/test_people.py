"""Mr and Mrs: a question calling a person what the text does, the deck titling them by
first name and surname."""

from __future__ import annotations

from functools import partial

from notecards import best_id, note_card

from tutor.answers import answer
from tutor.model import Topic
from tutor.people import People
from tutor.search import SearchIndex

carol_card = partial(note_card, deck_id="carol")


CAROL = [
    carol_card(
        "scrooge",
        "Ebenezer Scrooge: at the start",
        "• A miser; he refuses to give to charity and his clerk is cold",
    ),
    carol_card(
        "bob",
        "Bob Cratchit: the loyal clerk",
        "• He works for Scrooge for fifteen shillings a week; he toasts his employer",
    ),
    carol_card(
        "emily",
        "Emily Cratchit: the mother",
        "• She refuses to toast Scrooge; her pudding is the pride of her family",
    ),
    carol_card(
        "martha",
        "Martha Cratchit: the daughter",
        "• She works long hours as a milliner's apprentice; her father hugs her",
    ),
    carol_card(
        "quotes",
        "Key quotations",
        '• "Mr Scrooge\'s health!" (Stave 3)\n• Mrs Cratchit calls him "odious, stingy, hard"',
    ),
    carol_card("fezziwig", "Fezziwig's party", "• A generous employer; his ball"),
]


def carol() -> SearchIndex:
    return SearchIndex(CAROL, {"t": Topic("t", "A Christmas Carol", "carol")})


def test_mr_and_mrs_are_the_man_and_the_woman_of_that_surname() -> None:
    people = People.of(CAROL)
    assert people.read(["mr", "cratchit", "toast"]) == ["bob", "cratchit", "toast"]
    assert people.read(["mrs", "cratchit"]) == ["emily", "cratchit"]
    assert people.read(["miss", "cratchit"]) == ["martha", "cratchit"]  # the daughter
    assert people.read(["mr", "s"]) == ["ebenezer", "scrooge"]  # an initial
    assert people.read(["mrs", "c", "pudding"]) == ["emily", "cratchit", "pudding"]
    assert people.read(["mr", "fezziwig"]) == ["mr", "fezziwig"]  # no title names him
    assert People.of([]).read(["mr", "cratchit"]) == ["mr", "cratchit"]


def test_a_question_calling_them_mrs_gets_the_cards_about_her() -> None:
    """ "mrs cratchit" met the quotation card that writes "Mrs Cratchit" before the card
    about her; now it is read as her name."""
    index = carol()
    for question, card_id in (
        ("mrs cratchit", "emily"),
        ("why does mrs cratchit refuse the toast", "emily"),
        ("mr cratchit", "bob"),
        ("miss cratchit job", "martha"),
    ):
        assert best_id(index, question) == card_id, question


def test_a_person_whose_cards_say_too_little_is_either() -> None:
    """Too few pronouns to tell: the person answers to Mr and Mrs alike."""
    cards = [carol_card("marley", "Jacob Marley", "• Dead seven years; chained")]
    people = People.of(cards)
    assert people.read(["mr", "marley"]) == ["jacob", "marley"]
    assert people.read(["mrs", "marley"]) == ["jacob", "marley"]


def test_a_surname_several_people_share_offers_one_card_of_each() -> None:
    """ "cratchit" names Bob's, Emily's and Martha's cards alike: the choice shows one
    card of each Cratchit, not two of Bob's."""
    cards = [
        *CAROL,
        carol_card("bob-2", "Bob Cratchit: Tiny Tim's father", "• The Cratchit family's hope"),
        carol_card("bob-3", "Bob Cratchit: at the end", "• Scrooge raises Cratchit's salary"),
    ]
    result = answer(SearchIndex(cards, {"t": Topic("t", "A Christmas Carol", "carol")}), "cratchit")
    shown = [hit.card.title.split(":")[0] for hit in (result.best, *result.alternatives) if hit]
    assert not result.confident
    assert sorted(shown) == ["Bob Cratchit", "Emily Cratchit", "Martha Cratchit"]
