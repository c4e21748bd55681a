"""The bundled deck agrees with itself: every date a question or event states is on its card.

A question's prompt (unless it is a false statement), its correct answer(s) or items, and
its explanation, and an event's date and text, may only state dates that appear on the
card they point to or on that card's related cards. A full date needs the same day, month
and year there; a month and year the same month and year; a bare year that year.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tutor.content import displayed_words, load_library
from tutor.model import Library, QuestionKind

CONTENT = Path(__file__).resolve().parents[1] / "content"

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_YEAR = r"(1[89]\d\d)(?:\s*[–-]\s*(\d{4}|\d{2})(?!\d))?(?!\d|,\d|s\b)"
DATE = re.compile(
    rf"(?<![\d,])(?:(\d{{1,2}})(?:\s*[–-]\s*(\d{{1,2}}))?\s+)?(?:({_MONTH})\.?\s+)?{_YEAR}",
    re.IGNORECASE,
)
ISO = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")

Date = tuple[int, ...]


def dates_in(text: str) -> set[Date]:
    """Every date stated in `text`: (year,), (year, month) or (year, month, day)."""
    found: set[Date] = set()
    for day, day_to, month, year, year_to in DATE.findall(text):
        first = int(year)
        found.add((first,))
        if year_to:
            last = int(year_to) if len(year_to) == 4 else first // 100 * 100 + int(year_to)
            found.update((y,) for y in range(first, last + 1))
            continue
        if month:
            number = MONTHS[month.lower()]
            found.add((first, number))
            found.update((first, number, int(d)) for d in (day, day_to) if d)
    return found


def supported(claimed: Date, known: set[Date]) -> bool:
    """A claimed date is supported by itself or by a more precise date on the card."""
    return any(date[: len(claimed)] == claimed for date in known)


def card_dates(library: Library, card_id: str) -> set[Date]:
    card = library.cards[card_id]
    dates: set[Date] = set()
    for one in (card, *(library.cards[r] for r in card.related if r in library.cards)):
        dates |= dates_in(" ".join((one.title, one.body, one.misconception)))
    return dates


def question_texts(library: Library) -> list[tuple[str, str, str]]:
    """(question id, card id, text that must be true) for every question."""
    texts = []
    for question in library.questions.values():
        parts = [question.explanation]
        if question.kind is not QuestionKind.TRUE_FALSE or question.truth:
            parts.append(question.prompt)
        parts += [question.answer, *question.accepted, *question.items]
        texts.append((question.id, question.card_id, " ".join(parts)))
    return texts


def disagreements(library: Library) -> list[str]:
    """Every date in a question or event that its card (and related cards) do not state."""
    found = []
    for question_id, card_id, text in question_texts(library):
        known = card_dates(library, card_id)
        for date in sorted(dates_in(text)):
            if not supported(date, known):
                found.append(f"question {question_id}: {date} is not on card {card_id}")
    for deck in library.decks:
        for event in deck.events:
            known = card_dates(library, event.card_id)
            match = ISO.fullmatch(event.when)
            assert match is not None
            when = tuple(int(part) for part in match.groups() if part)
            for date in sorted({when} | dates_in(event.what)):
                if not supported(date, known):
                    where = f"event {event.when} '{event.what}'"
                    found.append(f"{where}: {date} not on {event.card_id}")
    return found


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([CONTENT])


def test_every_date_in_questions_and_events_is_on_its_card(library: Library) -> None:
    assert disagreements(library) == []


def test_date_extraction() -> None:
    assert dates_in("died on 21 January 1924; funeral 27 Jan 1924") == {
        (1924,),
        (1924, 1),
        (1924, 1, 21),
        (1924, 1, 27),
    }
    assert dates_in("read on 21–22 May 1924") == {(1924,), (1924, 5), (1924, 5, 21), (1924, 5, 22)}
    assert dates_in("Civil War 1918–21, the Terror of 1937-38") == {
        (1918,),
        (1919,),
        (1920,),
        (1921,),
        (1937,),
        (1938,),
    }
    assert dates_in("the 1920s, 340,000 members, 1,500 words") == set()


@pytest.mark.parametrize(
    ("original", "planted", "expected"),
    [
        (
            'explanation: "Lenin died on 21 January 1924; his funeral was on 27 January 1924."',
            'explanation: "Lenin died on 21 January 1924; his funeral was on 28 January 1924."',
            "question q-lenin-death-year: (1924, 1, 28) is not on card lenins-death",
        ),
        (
            '  - when: "1929-11"\n    what: "Bukharin expelled from the Politburo"',
            '  - when: "1929-10"\n    what: "Bukharin expelled from the Politburo"',
            "event 1929-10 'Bukharin expelled from the Politburo': (1929, 10) not on "
            "right-defeated-1929",
        ),
        (
            'explanation: "Molotov, a loyal Stalinist, replaced Rykov in December 1930;',
            'explanation: "Molotov, a loyal Stalinist, replaced Rykov in December 1931;',
            "question q-molotov-premier: (1931,) is not on card right-defeated-1929",
        ),
    ],
)
def test_a_planted_wrong_date_is_found(
    tmp_path: Path, original: str, planted: str, expected: str
) -> None:
    deck = tmp_path / "stalin.yaml"
    shutil.copy(CONTENT / "stalin.yaml", deck)
    text = deck.read_text(encoding="utf-8")
    assert text.count(original) == 1
    deck.write_text(text.replace(original, planted), encoding="utf-8")

    assert expected in disagreements(load_library([tmp_path]))


def test_every_card_fits_a_phone_screen(library: Library) -> None:
    too_long = {
        card.id: words
        for card in library.cards.values()
        if (words := displayed_words(card.title, card.body, card.misconception)) > 120
    }
    assert too_long == {}


def test_every_reference_cited_is_in_the_deck(library: Library) -> None:
    (deck,) = library.decks
    cited = {ref for card in deck.cards for ref in card.references}
    assert cited and cited <= set(deck.references)
