"""Tests for the deck loader and validator, tutor.content."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tutor.content import (
    ContentError,
    Problem,
    check_deck_paths,
    check_paths,
    displayed_words,
    find_deck_files,
    load_library,
)
from tutor.model import QuestionKind

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parents[1]


@pytest.fixture
def in_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from tests/data so problem paths are short and relative, as a teacher sees them."""
    monkeypatch.chdir(DATA)


def problems_for(*paths: str) -> list[str]:
    library, problems = check_paths(Path(path) for path in paths)
    assert library is None
    return [str(problem) for problem in problems]


# --- Valid decks --------------------------------------------------------------------------


def test_valid_deck_loads_into_the_model(in_data: None) -> None:
    library = load_library([Path("valid")])

    deck = library.decks[0]
    assert (deck.id, deck.title, deck.subject) == ("atoms", "Atomic structure", "Chemistry")
    assert deck.path == "valid/atoms.yaml"
    assert deck.description == "Atoms, isotopes and the periodic table."
    assert deck.sources == {
        "spec": "AQA GCSE Chemistry specification, section 4.1",
        "notes": "Class notes",
    }
    assert [topic.id for topic in deck.topics] == ["atom-structure", "history-of-the-atom"]

    card = library.cards["subatomic-particles"]
    assert card.title == "Subatomic particles"
    assert card.topic_id == "atom-structure"
    assert card.deck_id == "atoms"
    assert card.body.splitlines() == [
        "• Protons: relative charge +1, relative mass 1",
        "• Neutrons: relative charge 0, relative mass 1",
        "• Electrons: relative charge -1, very small mass",
    ]
    assert card.aliases == ("particles in an atom",)
    assert card.keywords == ("proton", "neutron", "electron")
    assert card.related == ("ionic-bonding",)
    assert card.sources == ("spec", "notes")
    assert card.misconception.startswith("Electrons are not in the nucleus")
    assert library.topics["history-of-the-atom"].summary == ""
    assert [c.id for c in library.cards_in_topic("history-of-the-atom")] == ["plum-pudding"]


def test_event_dates_are_normalised(in_data: None) -> None:
    library = load_library([Path("valid")])

    assert [(event.when, event.card_id) for event in library.events] == [
        ("1897", "plum-pudding"),  # an unquoted year: YAML reads an int
        ("1911-03-07", "subatomic-particles"),  # an unquoted date: YAML reads a date
        ("1932-02", "subatomic-particles"),
    ]


def test_questions_of_every_kind_load(in_data: None) -> None:
    library = load_library([Path("valid")])
    questions = library.questions

    choice = questions["charge-of-proton"]
    assert choice.kind is QuestionKind.CHOICE
    assert choice.options == ("+1", "0", "-1")
    assert choice.answer == "+1"
    assert choice.truth is None
    truefalse = questions["electrons-in-nucleus"]
    assert (truefalse.kind, truefalse.truth, truefalse.answer) == (
        QuestionKind.TRUE_FALSE,
        False,
        "",
    )
    typed = questions["name-the-neutral-particle"]
    assert (typed.kind, typed.accepted) == (QuestionKind.TYPED, ("neutron", "the neutron"))
    order = questions["models-in-order"]
    assert order.kind is QuestionKind.ORDER
    assert order.items == ("Solid sphere", "Plum pudding", "Nuclear model")
    assert order.explanation == "Dalton, then Thomson,\nthen Rutherford."
    assert [q.id for q in library.questions_for_card("plum-pudding")] == ["models-in-order"]


def test_two_decks_load_side_by_side(in_data: None) -> None:
    library, problems = check_paths([Path("valid")])

    assert problems == []
    assert library is not None
    assert [deck.id for deck in library.decks] == ["atoms", "bonding"]
    assert library.cards["ionic-bonding"].deck_id == "bonding"
    assert library.cards["ionic-bonding"].related == ("subatomic-particles",)
    assert library.cards["ionic-bonding"].sources == (
        "Any text is fine when the deck has no sources mapping",
    )
    assert library.topics["ionic"].deck_id == "bonding"


def test_example_deck_in_docs_loads_cleanly() -> None:
    library, problems = check_paths([ROOT / "docs" / "example-deck.yaml"])

    assert problems == []
    assert library is not None
    (deck,) = library.decks
    assert deck.subject == "Biology"
    assert len(deck.topics) == 2
    assert 5 <= len(deck.cards) <= 6
    assert len(deck.events) == 2
    assert {q.kind for q in deck.questions} == set(QuestionKind)


# --- Broken decks: one fixture per kind of problem ----------------------------------------

BROKEN: list[tuple[str, list[str]]] = [
    # files and YAML
    ("empty", ["broken/empty.yaml:1: file is empty"]),
    (
        "top-level-list",
        [
            "broken/top-level-list.yaml:1: the top level must be a mapping with 'deck', "
            "'topics' and 'cards', not a list"
        ],
    ),
    (
        "syntax-error",
        ["broken/syntax-error.yaml:12: YAML syntax error: mapping values are not allowed here"],
    ),
    (
        "unclosed-quote",
        [
            "broken/unclosed-quote.yaml:14: YAML syntax error: found unexpected end of stream "
            "(while scanning a quoted scalar at line 10)"
        ],
    ),
    ("duplicate-key", ["broken/duplicate-key.yaml:12: duplicate key 'title'"]),
    # structure
    (
        "unknown-field",
        [
            "broken/unknown-field.yaml:8: unknown field 'sumary' in topic 'basics' (did you mean "
            "'summary'?)"
        ],
    ),
    (
        "unknown-field-no-suggestion",
        ["broken/unknown-field-no-suggestion.yaml:14: unknown field 'colour' in card 'alpha'"],
    ),
    (
        "unknown-section",
        [
            "broken/unknown-section.yaml:14: unknown field 'event' at the top level (did you mean "
            "'events'?)"
        ],
    ),
    (
        "no-header-id",
        [
            "broken/no-header-id.yaml:2: deck header: missing required field 'id'",
            "broken/no-header-id.yaml:4: unknown field 'descripton' in deck header "
            "(did you mean 'description'?)",
        ],
    ),
    ("missing-field", ["broken/missing-field.yaml:9: card 'alpha': missing required field 'body'"]),
    (
        "deck-header",
        [
            "broken/deck-header.yaml:2: deck 'deck-header': missing required field 'subject'",
            "broken/deck-header.yaml:5: deck 'deck-header': 'sources' entry 'notes' is empty",
        ],
    ),
    (
        "missing-section",
        [
            "broken/missing-section.yaml:1: missing required section 'cards'",
            "broken/missing-section.yaml:6: topic 'basics' has no cards",
        ],
    ),
    (
        "wrong-type-list",
        [
            "broken/wrong-type-list.yaml:14: card 'alpha': 'related' must be a list of card ids, "
            "not a string"
        ],
    ),
    (
        "wrong-type-number",
        [
            "broken/wrong-type-number.yaml:10: card 'alpha': 'title' must be text, not a number "
            "(put it in quotes)"
        ],
    ),
    (
        "wrong-type-bool-option",
        [
            f"broken/wrong-type-bool-option.yaml:19: question 'q': 'options' item {n} must be "
            "text, not true/false (YAML reads unquoted yes/no/on/off/true/false as true/false: "
            "put it in quotes)"
            for n in (1, 2)
        ],
    ),
    (
        "card-not-mapping",
        [
            "broken/card-not-mapping.yaml:6: topic 'basics' has no cards",
            "broken/card-not-mapping.yaml:9: card #1 must be a mapping of fields, not a string",
        ],
    ),
    # ids and references
    (
        "bad-slug",
        [
            "broken/bad-slug.yaml:9: card id 'Alpha_Card' must be a lower-case slug such as "
            "'alpha-card' (a-z, 0-9 and single hyphens)"
        ],
    ),
    (
        "duplicate-id",
        ["broken/duplicate-id.yaml:14: duplicate card id 'alpha' (also defined at line 9)"],
    ),
    (
        "dangling-related",
        [
            "broken/dangling-related.yaml:14: card 'alpha': related id 'beta' does not exist",
            "broken/dangling-related.yaml:14: card 'alpha': 'related' lists the card itself",
        ],
    ),
    (
        "dangling-topic",
        [
            "broken/dangling-topic.yaml:6: topic 'basics' has no cards",
            "broken/dangling-topic.yaml:11: card 'alpha': topic 'basic' does not exist in this "
            "deck "
            "(did you mean 'basics'?)",
        ],
    ),
    ("topic-without-cards", ["broken/topic-without-cards.yaml:8: topic 'extras' has no cards"]),
    (
        "dangling-source",
        [
            "broken/dangling-source.yaml:15: card 'alpha': source 'notse' is not in the deck's "
            "'sources' (did you mean 'notes'?)"
        ],
    ),
    (
        "dangling-event-card",
        [
            "broken/dangling-event-card.yaml:17: event 'Something happens': card 'beta' does not "
            "exist"
        ],
    ),
    (
        "dangling-question-card",
        ["broken/dangling-question-card.yaml:16: question 'q': card 'beta' does not exist"],
    ),
    # card text
    ("empty-body", ["broken/empty-body.yaml:12: card 'alpha': 'body' is empty"]),
    ("blank-title", ["broken/blank-title.yaml:10: card 'alpha': 'title' is empty"]),
    (
        "long-title",
        [
            "broken/long-title.yaml:10: card 'alpha': 'title' is too long: 121 characters (limit "
            "120)"
        ],
    ),
    (
        "long-body",
        [
            "broken/long-body.yaml:12: card 'alpha': 'body' is too long: 1501 characters (limit "
            "1500)"
        ],
    ),
    (
        "long-misconception",
        [
            "broken/long-misconception.yaml:14: card 'alpha': 'misconception' is too long: "
            "401 characters (limit 400)"
        ],
    ),
    (
        "long-rendered-card",
        [
            "broken/long-rendered-card.yaml:11: card 'alpha': the card is 4239 characters when "
            "shown (title, topic, body, misconception and sources); a Telegram message holds at "
            "most 4096"
        ],
    ),
    # events
    (
        "bad-event-date",
        [
            f"broken/bad-event-date.yaml:{line}: event '{what}': 'when' must be a date as YYYY, "
            f"YYYY-MM or YYYY-MM-DD, not '{when}'"
            for line, what, when in [
                (15, "Month thirteen", "1924-13-01"),
                (18, "Slashes", "1924/01/21"),
                (21, "Two digits", "24"),
                (24, "Not a leap year", "1923-02-29"),
            ]
        ],
    ),
    (
        "long-event",
        [
            f"broken/long-event.yaml:16: event '{'w' * 39}…': 'what' is too long: "
            "121 characters (limit 120)"
        ],
    ),
    # quiz questions
    (
        "quiz-long-prompt",
        [
            "broken/quiz-long-prompt.yaml:18: question 'q': 'prompt' is too long: 301 characters "
            "(limit 300)"
        ],
    ),
    (
        "quiz-one-option",
        [
            "broken/quiz-one-option.yaml:19: question 'q': 'options' must have at least 2 options "
            "(it has 1)"
        ],
    ),
    (
        "quiz-eleven-options",
        [
            "broken/quiz-eleven-options.yaml:19: question 'q': 'options' has 11 options; at most "
            "10 are allowed"
        ],
    ),
    (
        "quiz-long-option",
        [
            "broken/quiz-long-option.yaml:21: question 'q': 'options' item 2 is too long: "
            "101 characters (limit 100)"
        ],
    ),
    (
        "quiz-duplicate-options",
        ["broken/quiz-duplicate-options.yaml:22: question 'q': option 3 'paris' repeats option 1"],
    ),
    (
        "quiz-choice-no-options",
        [
            "broken/quiz-choice-no-options.yaml:15: question 'q': choice questions need 'options' "
            "(2 to 10 to pick from)"
        ],
    ),
    (
        "quiz-choice-no-answer",
        [
            "broken/quiz-choice-no-answer.yaml:15: question 'q': choice questions need an 'answer' "
            "(the correct option)"
        ],
    ),
    (
        "quiz-choice-wrong-answer",
        [
            "broken/quiz-choice-wrong-answer.yaml:20: question 'q': 'answer' 'paris' is not one of "
            "the options (did you mean 'Paris'?)"
        ],
    ),
    (
        "quiz-choice-answer-not-text",
        [
            "broken/quiz-choice-answer-not-text.yaml:20: question 'q': 'answer' must be the text "
            "of "
            "one option, not a list"
        ],
    ),
    (
        "quiz-truefalse-quoted",
        [
            "broken/quiz-truefalse-quoted.yaml:19: question 'q': 'answer' must be true or false "
            "(no quotes), not the text 'true'"
        ],
    ),
    (
        "quiz-truefalse-no-answer",
        [
            "broken/quiz-truefalse-no-answer.yaml:15: question 'q': truefalse questions need "
            "'answer: true' or 'answer: false'"
        ],
    ),
    (
        "quiz-typed-no-answers",
        [
            "broken/quiz-typed-no-answers.yaml:15: question 'q': typed questions need 'answers' "
            "(every accepted answer)"
        ],
    ),
    (
        "quiz-typed-empty-answers",
        [
            "broken/quiz-typed-empty-answers.yaml:19: question 'q': 'answers' must have at least "
            "1 accepted answer"
        ],
    ),
    (
        "quiz-typed-blank-answer",
        ["broken/quiz-typed-blank-answer.yaml:19: question 'q': 'answers' item 2 is empty"],
    ),
    (
        "quiz-order-no-items",
        [
            "broken/quiz-order-no-items.yaml:15: question 'q': order questions need 'items' "
            "(3 to 5, in the right order)"
        ],
    ),
    (
        "quiz-order-two-items",
        [
            "broken/quiz-order-two-items.yaml:19: question 'q': 'items' must have at least 3 "
            "items (it has 2)"
        ],
    ),
    (
        "quiz-order-six-items",
        [
            "broken/quiz-order-six-items.yaml:19: question 'q': 'items' has 6 items; at most 5 "
            "are allowed"
        ],
    ),
    (
        "quiz-order-duplicate-items",
        ["broken/quiz-order-duplicate-items.yaml:19: question 'q': item 3 'second' repeats item 2"],
    ),
    (
        "quiz-order-long-item",
        [
            "broken/quiz-order-long-item.yaml:19: question 'q': 'items' item 3 is too long: "
            "101 characters (limit 100)"
        ],
    ),
    (
        "quiz-no-explanation",
        ["broken/quiz-no-explanation.yaml:15: question 'q': missing required field 'explanation'"],
    ),
    (
        "quiz-long-explanation",
        [
            "broken/quiz-long-explanation.yaml:20: question 'q': 'explanation' is too long: "
            "201 characters (limit 200)"
        ],
    ),
    (
        "quiz-explanation-line-breaks",
        [
            "broken/quiz-explanation-line-breaks.yaml:20: question 'q': 'explanation' has 3 line "
            "breaks (Telegram allows at most 2)"
        ],
    ),
    (
        "quiz-field-not-for-kind",
        [
            "broken/quiz-field-not-for-kind.yaml:20: question 'q': 'options' is not used by typed "
            "questions",
            "broken/quiz-field-not-for-kind.yaml:21: question 'q': 'answer' is not used by typed "
            "questions (did you mean 'answers'?)",
        ],
    ),
    (
        "quiz-bad-kind",
        [
            "broken/quiz-bad-kind.yaml:17: question 'q': 'kind' must be one of choice, truefalse, "
            "typed, order, not 'choise' (did you mean 'choice'?)"
        ],
    ),
]


@pytest.mark.parametrize(("fixture", "expected"), BROKEN, ids=[name for name, _ in BROKEN])
def test_broken_deck_is_reported(in_data: None, fixture: str, expected: list[str]) -> None:
    assert problems_for(f"broken/{fixture}.yaml") == expected


def test_every_broken_fixture_is_tested() -> None:
    tested = {name for name, _ in BROKEN} | {"several-problems"}
    assert {path.stem for path in (DATA / "broken").glob("*.yaml")} == tested


def test_duplicate_ids_across_decks_name_the_other_file(in_data: None) -> None:
    assert problems_for("broken/across") == [
        "broken/across/b.yaml:2: duplicate deck id 'mini' (also defined at broken/across/a.yaml:2)",
        "broken/across/b.yaml:6: duplicate topic id 'basics' (also defined at "
        "broken/across/a.yaml:6)",
        "broken/across/b.yaml:9: duplicate card id 'alpha' (also defined at "
        "broken/across/a.yaml:9)",
    ]


def test_a_cards_topic_must_be_in_its_own_deck(in_data: None) -> None:
    assert problems_for("broken/topic-elsewhere") == [
        "broken/topic-elsewhere/b.yaml:11: card 'beta': topic 'basics' is in "
        "broken/topic-elsewhere/a.yaml; a card's topic must be in the card's own deck",
    ]


def test_a_file_with_several_problems_reports_them_all_at_once(in_data: None) -> None:
    """Including cross-reference problems of items that also have structural problems."""
    assert problems_for("broken/several-problems.yaml") == [
        f"broken/several-problems.yaml:{line}: {message}"
        for line, message in [
            (8, "unknown field 'sumary' in topic 'basics' (did you mean 'summary'?)"),
            (13, "card 'alpha': 'body' is empty"),
            (14, "card 'alpha': related id 'delta' does not exist"),
            (20, "card 'beta': related id 'gamma' does not exist"),
            (
                23,
                "event 'Bad date': 'when' must be a date as YYYY, YYYY-MM or YYYY-MM-DD, "
                "not '1924-13-01'",
            ),
            (32, "question 'q': 'answer' 'c' is not one of the options"),
            (35, "question 'typed-q': card 'epsilon' does not exist"),
            (39, "question 'typed-q': 'options' must have at least 2 options (it has 1)"),
            (39, "question 'typed-q': 'options' is not used by typed questions"),
        ]
    ]


def test_problems_are_sorted_by_path_then_line(in_data: None) -> None:
    problems = problems_for("broken/top-level-list.yaml", "broken/empty.yaml")

    assert [problem.split(": ")[0] for problem in problems] == [
        "broken/empty.yaml:1",
        "broken/top-level-list.yaml:1",
    ]


def test_a_missing_file_is_a_problem_with_unknown_line(in_data: None) -> None:
    assert problems_for("nowhere.yaml") == [
        "nowhere.yaml:0: cannot read file: No such file or directory"
    ]


def test_a_directory_without_decks_is_a_problem(tmp_path: Path) -> None:
    library, problems = check_paths([tmp_path])

    assert library is None
    assert problems == [Problem(str(tmp_path), 0, "no deck files (*.yaml, *.yml) here")]


# --- API details --------------------------------------------------------------------------


def test_load_library_raises_content_error_listing_every_problem(in_data: None) -> None:
    with pytest.raises(ContentError) as caught:
        load_library([Path("broken/dangling-related.yaml")])

    assert caught.value.problems == [
        Problem(
            "broken/dangling-related.yaml", 14, "card 'alpha': related id 'beta' does not exist"
        ),
        Problem(
            "broken/dangling-related.yaml", 14, "card 'alpha': 'related' lists the card itself"
        ),
    ]
    assert str(caught.value) == (
        "broken/dangling-related.yaml:14: card 'alpha': related id 'beta' does not exist\n"
        "broken/dangling-related.yaml:14: card 'alpha': 'related' lists the card itself"
    )


def test_problem_str() -> None:
    assert str(Problem("content/a.yaml", 42, "oops")) == "content/a.yaml:42: oops"


def test_find_deck_files(tmp_path: Path) -> None:
    for name in ["b.yml", "a.yaml", ".hidden.yaml", "_draft.yaml", "notes.txt", "sub/c.yaml"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    single = tmp_path / "notes.txt"

    found = find_deck_files([tmp_path, single, tmp_path / "a.yaml"])

    assert found == [tmp_path / "a.yaml", tmp_path / "b.yml", single]


def test_importing_content_does_not_import_telegram() -> None:
    code = "import sys, tutor.content; print('telegram' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# --- References and phone-sized cards -----------------------------------------------------

REFERENCED_DECK = """\
deck:
  id: refs
  title: Refs
  subject: History
  sources:
    notes: "Class notes"
  references:
    service-2004: "Robert Service, Stalin: A Biography (2004)"
topics:
  - id: t
    title: T
cards:
  - id: cited
    title: Cited
    topic: t
    body: "• A fact the reference supports."
    source: [notes]
    references: [service-2004]
  - id: miscited
    title: Miscited
    topic: t
    body: "• Another fact."
    source: [notes]
    references: [servce-2004]
  - id: wordy
    title: Wordy
    topic: t
    body: "{body}"
    source: [notes]
"""


def test_references_load_and_unknown_ones_are_reported(tmp_path: Path) -> None:
    deck = tmp_path / "refs.yaml"
    deck.write_text(REFERENCED_DECK.format(body="short"), encoding="utf-8")

    library, problems = check_paths([deck])

    assert library is None
    assert [p.message for p in problems] == [
        "card 'miscited': reference 'servce-2004' is not in the deck's 'references' "
        "(did you mean 'service-2004'?)"
    ]
    deck.write_text(
        REFERENCED_DECK.format(body="short").replace("[servce-2004]", "[service-2004]"),
        encoding="utf-8",
    )
    library = load_library([deck])
    assert library.decks[0].references == {
        "service-2004": "Robert Service, Stalin: A Biography (2004)"
    }
    assert library.cards["cited"].references == ("service-2004",)
    assert library.cards["wordy"].references == ()


def test_a_card_over_120_words_is_a_warning_not_a_problem(tmp_path: Path) -> None:
    deck = tmp_path / "refs.yaml"
    text = REFERENCED_DECK.replace("[servce-2004]", "[service-2004]")
    deck.write_text(text.format(body="word " * 119), encoding="utf-8")  # + 1 title word
    assert check_deck_paths([deck]).warnings == []

    deck.write_text(text.format(body="word " * 120), encoding="utf-8")
    result = check_deck_paths([deck])

    assert result.library is not None and result.problems == []
    assert [str(w) for w in result.warnings] == [
        f"{deck}:25: card 'wordy': the card is 121 words as shown (title, body and common "
        "mistake); keep it to 120 to fit a phone screen"
    ]


def test_displayed_words_ignore_bullets_and_dashes() -> None:
    assert displayed_words("Title here", "• one – two\n• three", "four") == 6
