"""The shared dialog (issue 11): /help per place, unknown commands, /card, chit-chat."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from tutor.commands import COMMANDS, Place, commands_for, unknown_command_text
from tutor.content import load_library
from tutor.dialog import NEAREST_PREFIX, NO_NOTE, NO_NOTE_NEAREST, Dialog
from tutor.smalltalk import SmallTalk, recognise

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content"


@functools.cache
def dialog() -> Dialog:
    return Dialog(load_library([CONTENT_DIR]))


# ----- /help lists exactly what the place supports ------------------------------------------


@pytest.mark.parametrize("place", list(Place))
def test_help_lists_every_command_of_its_place_and_no_other(place: Place) -> None:
    listing = dialog().help(place).lines[1].splitlines()
    assert [line.split(" ", 1)[0] for line in listing] == [
        f"/{c.name}" for c in commands_for(place)
    ]
    for command in COMMANDS:
        if place not in command.where:
            assert not any(line.startswith(f"/{command.name} ") for line in listing)


def test_the_terminal_help_has_no_daily_or_timezone() -> None:
    text = "\n".join(dialog().help(Place.CONSOLE).lines)
    assert "/daily" not in text and "/timezone" not in text
    assert "/daily HH:MM" in "\n".join(dialog().help(Place.PRIVATE).lines)


def test_private_help_points_to_the_group_commands() -> None:
    last = dialog().help(Place.PRIVATE).lines[-1]
    assert last.startswith("In a class group:") and "/leaderboard" in last


# ----- unknown commands ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "place", "text"),
    [
        ("quizz", Place.PRIVATE, "I don't know /quizz — did you mean /quiz?"),
        ("timline", Place.CONSOLE, "I don't know /timline — did you mean /timeline?"),
        ("foo", Place.PRIVATE, "I don't know /foo. Send /help to see what I can do."),
        ("leaderboard", Place.PRIVATE, "/leaderboard works in a class group"),
        ("report", Place.PRIVATE, "/report works in a class group"),
        ("settings", Place.CONSOLE, "/settings works in a class group"),
        ("daily", Place.CONSOLE, "/daily works on Telegram, not in the terminal."),
    ],
)
def test_unknown_commands_get_the_closest_known_one(name: str, place: Place, text: str) -> None:
    assert unknown_command_text(name, place).startswith(text)
    assert dialog().unknown_command(name, place).lines[0].startswith(text)


def test_a_huge_unknown_command_is_cut_short() -> None:
    assert len(unknown_command_text("x" * 5000, Place.PRIVATE)) < 120


# ----- /card uses the matcher, titles first --------------------------------------------------


@pytest.mark.parametrize(
    ("words", "card_id"),
    [
        ("trotsky funeral", "lenins-funeral-trotsky"),
        ("nep", "nep"),
        ("NEP", "nep"),
        ("lenins death", "lenins-death"),
        ("trotsky and the nep", "trotsky-economic-views"),
    ],
)
def test_card_by_name_weighs_titles_then_matches_like_a_question(words: str, card_id: str) -> None:
    library = dialog().library
    assert card_id in library.cards, sorted(library.cards)
    reply = dialog().card_by_name(words)
    assert reply.card is not None and reply.card.id == card_id


def test_card_by_name_of_nothing_like_a_card_suggests_topics() -> None:
    reply = dialog().card_by_name("osmosis in plant cells")
    assert reply.card is None and reply.lines == (NO_NOTE,)


def test_card_usage_suggests_a_short_title() -> None:
    (usage,) = dialog().card_by_name("  ").lines
    assert usage.startswith("Usage: /card WORDS — a few words of a card's title, e.g. /card ")
    example = usage.rsplit("/card ", 1)[1]
    assert len(example) <= 20
    assert dialog().card_by_name(example).card is not None


# ----- chit-chat ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hi", SmallTalk.GREETING),
        ("Hiii!!", SmallTalk.GREETING),
        ("hello there 👋", SmallTalk.GREETING),
        ("good morning", SmallTalk.GREETING),
        ("thanks", SmallTalk.THANKS),
        ("Thank you so much!", SmallTalk.THANKS),
        ("who are you?", SmallTalk.IDENTITY),
        ("What can you do", SmallTalk.IDENTITY),
        ("ok", SmallTalk.ACKNOWLEDGEMENT),
        ("got it 👍", SmallTalk.ACKNOWLEDGEMENT),
        ("good night", SmallTalk.FAREWELL),
        ("ok byeee", SmallTalk.FAREWELL),
        ("gtg", SmallTalk.FAREWELL),
        ("whats ur name", SmallTalk.IDENTITY),
        ("who r u", SmallTalk.IDENTITY),
        ("are you a real person?", SmallTalk.IDENTITY),
        ("ur actually so useless", SmallTalk.COMPLAINT),
        ("thats not what i asked!!", SmallTalk.COMPLAINT),
        ("whats up", SmallTalk.GREETING),
        ("thank you so much", SmallTalk.THANKS),
        ("ty", SmallTalk.THANKS),
        ("tell me a joke", SmallTalk.PLAY),
        ("Tell me a joke pleaseee 😂", SmallTalk.PLAY),
        ("im sooo bored", SmallTalk.PLAY),
        ("im so bored of revising 😩", SmallTalk.PLAY),
        ("can we play a game", SmallTalk.PLAY),
        ("hmm", SmallTalk.ACKNOWLEDGEMENT),
        ("mmm", SmallTalk.ACKNOWLEDGEMENT),
        ("oh ok", SmallTalk.ACKNOWLEDGEMENT),
        ("hmmmm ok ok ok", SmallTalk.ACKNOWLEDGEMENT),
        ("ahh thanks", SmallTalk.THANKS),
        ("umm hi", SmallTalk.GREETING),
        ("bye bye", SmallTalk.FAREWELL),
        ("hmm why did trotsky lose", None),
        ("ok ok what was the nep", None),
        ("tell me a joke about stalin", None),
        ("why is the porter scene a joke", None),
        ("so", None),
        ("useless facts about trotsky", None),
        ("what is the name of stalins wife", None),
        ("lol", None),
        ("good night of the long knives", None),
        ("ok so why did trotsky lose", None),
        ("asdfgh", None),
        ("hi why did stalin win", None),
        ("thanks to the nep peasants could sell their grain", None),
        ("im so stressed 😭", SmallTalk.WORRY),
        ("im so stressed for my psych exam tmrw 😭😭", SmallTalk.WORRY),
        ("i'm really worried about my mocks next week, i havent revised anything", SmallTalk.WORRY),
        ("so nervous for my chemistry test tomorrow ngl", SmallTalk.WORRY),
        ("geog mock tomorrow and i havent revised anything lol im doomed", SmallTalk.WORRY),
        ("physics mock tomorrow and i feel sick 😭", SmallTalk.WORRY),
        ("im going to fail my exams", SmallTalk.WORRY),
        ("why do i feel sick after exercise", None),
        ("the doomed king", None),
        ("stressed about osmosis", None),  # a topic: a question
        ("how does stress affect health", None),
        ("why was austria so scared of serbia", None),
        ("the nervous system", None),
        ("im so bored of revising, test tomorrow", SmallTalk.PLAY),  # the situation left out
        ("omg i have an exam tomorrow and im so bored of revising", SmallTalk.PLAY),
        ("thanks, ive got a test on friday", SmallTalk.THANKS),
        ("exam tomorrow", None),
        ("thanks for the help", SmallTalk.THANKS),
        ("thank you so much for helping me revise", SmallTalk.THANKS),
        ("thanks that was really useful", SmallTalk.THANKS),
        ("thanks for the help with osmosis", None),  # a topic: a question
        ("im so stressed about gcses in general", SmallTalk.WORRY),  # a discourse marker
        ("hi by the way", SmallTalk.GREETING),
        ("by the way whats osmosis", None),
        ("can u help me revise? idk where to even start", SmallTalk.STUDY_HELP),
        ("can you help me make a revision timetable for the easter holidays", SmallTalk.STUDY_HELP),
        ("i keep procrastinating", SmallTalk.STUDY_HELP),
        ("how should i revise for my chemistry mock", SmallTalk.STUDY_HELP),
        ("what should i revise first?? exams in 3 weeks", SmallTalk.STUDY_HELP),
        ("help me revise osmosis", None),  # a topic: a question
        ("where do i start with the nep", None),
        ("why did the war start", None),
        ("what is a timetable", None),
        ("im so tired of revising lol", SmallTalk.PLAY),  # not "im so tired" + "of revising"
        ("im so tired", None),
        ("ok night x", SmallTalk.FAREWELL),
        ("thanks x", SmallTalk.THANKS),
        ("x", None),
        ("solve for x", None),
        ("good morning how are you", SmallTalk.GREETING),  # a greeting before another
        ("hi are you a real person or a bot lol", SmallTalk.IDENTITY),
        ("how are you doing today", SmallTalk.GREETING),
        ("whats ur favourite subject", SmallTalk.IDENTITY),
        ("who built this bot", SmallTalk.IDENTITY),
        ("thank you sooo much for the help earlier, ur a lifesaver", SmallTalk.THANKS),
        ("i think i'm gonna cry, got a 4 in my mock and i wanted a 7", SmallTalk.WORRY),
        ("hi how did trotsky lose", None),
        ("im so upset about trotsky", None),
        ("whats your favourite quote from macbeth", None),
        ("gn ttyl", SmallTalk.FAREWELL),  # two phrases: the second's kind
        ("thanks bye", SmallTalk.FAREWELL),
        ("anyone awake??", SmallTalk.GREETING),
        ("what can u help me with", SmallTalk.IDENTITY),
        ("thanks thats rly helpful", SmallTalk.THANKS),
        ("omg im so bored in this free period", SmallTalk.PLAY),
        ("maths is so boring i cant do this anymore 😩", SmallTalk.PLAY),
        ("im so stressed about mocks i cant even sleep properly", SmallTalk.WORRY),
        ("why is the porter scene so boring", None),
        ("bored of osmosis", None),
        ("hi why did the nep end", None),
        (
            "my history teacher gave us SO much homework this week its actually unfair",
            SmallTalk.GRUMBLE,
        ),
        ("my teacher gave me a detention for talking when it wasnt even me 🙄", SmallTalk.GRUMBLE),
        ("why did trotsky hate stalin", None),  # a grumble of the topic's people
        ("the treaty was unfair", None),
        ("i hate osmosis", None),
    ],
)
def test_recognise_small_talk(text: str, kind: SmallTalk | None) -> None:
    assert recognise(text) is kind


@pytest.mark.parametrize(
    "text",
    [
        "hi",
        "thanks",
        "who are you",
        "ok",
        "thats not what i asked",
        "tell me a joke",
        "im so stressed",
    ],
)
def test_small_talk_gets_a_friendly_reply_with_one_example(text: str) -> None:
    reply = dialog().ask(text)
    assert reply.card is None and reply.lines[0] != NO_NOTE
    examples = [example for deck in dialog().library.decks for example in deck.examples]
    assert reply.lines[-1].startswith("Try asking: ")
    assert reply.lines[-1].removeprefix("Try asking: ") in examples


def test_asking_how_to_revise_gets_a_plan_and_no_card() -> None:
    """ "help me revise" is about revising, not a topic: the reply names the commands that
    plan and test revision (asked of the matcher, "revision timetable" had met WW1's 'War
    by timetable')."""
    reply = dialog().ask("can u help me make a revision timetable? exams start in 3 weeks")
    assert reply.card is None and not reply.choices
    assert all(command in reply.lines[0] for command in ("/exam", "/topics", "/quiz"))


def test_a_goodbye_gets_a_goodbye_and_no_example() -> None:
    reply = dialog().ask("ok good night")
    assert reply.card is None and reply.lines[0].startswith("Bye for now!")
    assert len(reply.lines) == 1


def test_a_question_for_a_subject_no_deck_is_of_says_what_the_notes_are_for() -> None:
    """A question naming another school subject gets no card from the History deck, and
    the reply says which subjects the notes are for."""
    reply = dialog().ask("bio quiz friday, what is osmosis")
    assert reply.card is None
    assert reply.lines == (
        "Sorry — I don't have Biology notes here: mine are for History. "
        "Ask me about those, or browse them with /topics.",
    )
    assert dialog().ask("history test tomorrow, who was trotsky").card is not None


@pytest.fixture(scope="module")
def harness_with_bundled() -> Dialog:
    """The bundled History deck beside the harness's plain Biology deck."""
    biology = CONTENT_DIR.parent / "benchmarks" / "harness" / "decks" / "biology-cells.yaml"
    return Dialog(load_library([CONTENT_DIR, biology]))


def test_a_chat_on_one_deck_names_that_decks_subject_for_another(
    harness_with_bundled: Dialog,
) -> None:
    """In a chat set to the History deck of a library that also has Biology, a Biology
    question is told the notes here are for History (the chat's deck), not Biology."""
    history_deck = "stalin-rise"
    reply = harness_with_bundled.ask("bio quiz friday, what is osmosis", deck_id=history_deck)
    assert reply.card is None
    assert reply.lines[0].startswith(
        "Sorry — I don't have Biology notes here: mine are for History."
    )
    every_deck = harness_with_bundled.ask("bio quiz friday, what is osmosis")
    assert every_deck.lines == () or not every_deck.lines[0].startswith("Sorry")
    assert every_deck.card is not None or every_deck.title == "Which did you mean?"


@pytest.mark.parametrize("text", ["lol", "asdfgh", "qwerty uiop"])
def test_nonsense_keeps_the_no_note_reply(text: str) -> None:
    assert dialog().ask(text).lines == (NO_NOTE,)


def test_a_question_no_card_answers_offers_the_closest_notes_then_topics() -> None:
    """Nothing clears the threshold, but "Why Trotsky was unpopular" comes closest: it is
    offered as a closest note (📄, opening the card), never as the answer."""
    reply = dialog().ask("did literally everyone hate trotsky tho")
    assert reply.card is None
    assert reply.lines == (NO_NOTE_NEAREST,)
    labels = [row[0].label for row in reply.buttons]
    data = [row[0].data for row in reply.buttons]
    assert labels[0] == NEAREST_PREFIX + "Why Trotsky was unpopular"
    assert data[0] == "pick:trotsky-unpopular"  # a choice, so the gap log hears of it
    nearest = [d for d in data if d.startswith("pick:")]
    assert 1 <= len(nearest) <= 2
    assert data[len(nearest) :] and all(d.startswith("topic:") for d in data[len(nearest) :])
    opened = dialog().press(data[0])
    assert opened.card is not None and opened.card.id == "trotsky-unpopular"


def test_a_topic_title_asked_shows_the_topic() -> None:
    """ "sources and exam skills" is a topic's title: the reply is the topic, its cards
    as buttons, as if the topic button had been pressed."""
    reply = dialog().ask("sources and exam skills")
    assert reply.title == "Sources and exam skills"
    labels = [button.label for row in reply.buttons for button in row]
    assert "⬅️ All topics" in labels and len(labels) > 2
    assert NO_NOTE not in reply.lines and NO_NOTE_NEAREST not in reply.lines
