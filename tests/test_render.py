"""Rendering: escaped Telegram HTML, plain text, and splitting long messages."""

from __future__ import annotations

import html
import re

import pytest

from tutor.model import Card, Deck, Library, Topic
from tutor.render import (
    MISCONCEPTION_LABEL,
    TELEGRAM_TEXT_LIMIT,
    card_html,
    card_parts,
    card_plain,
    card_text,
    reply_html,
    reply_plain,
    split_message,
)

HOSTILE_TITLE = "Why <b>bold</b> & </i>broken<i> tags > matter"
HOSTILE_BODY = "• 1 < 2 && 3 > 2\n• <script>alert('x')</script> &amp; &lt;not an entity&gt;"
HOSTILE_MISCONCEPTION = 'The "<i>" tag & the <a href="x">link</a> are safe'
HOSTILE_TOPIC = "Topics <& Things>"
HOSTILE_SOURCE = "Notes: 'A < B' & <u>C</u> > D"
HOSTILE_PIECES = (HOSTILE_TITLE, HOSTILE_BODY, HOSTILE_MISCONCEPTION, HOSTILE_TOPIC, HOSTILE_SOURCE)


def make_library(
    *,
    title: str = "Trotsky misses Lenin's funeral",
    body: str = "  Trotsky was at Sukhumi.\n\nHe missed the funeral.  ",
    misconception: str = "He was not abroad.",
    topic: str = "Lenin's death",
    sources: tuple[str, ...] = ("notes", "unknown-src"),
    source_names: dict[str, str] | None = None,
) -> tuple[Card, Library]:
    card = Card(
        id="funeral",
        title=title,
        topic_id="death",
        deck_id="stalin",
        body=body,
        sources=sources,
        misconception=misconception,
    )
    deck = Deck(
        id="stalin",
        title="Stalin",
        subject="History",
        path="stalin.yaml",
        sources={"notes": "Class notes (2021)"} if source_names is None else source_names,
        topics=(Topic("death", topic, "stalin"),),
        cards=(card,),
    )
    return card, Library.from_decks((deck,))


def hostile() -> tuple[Card, Library]:
    return make_library(
        title=HOSTILE_TITLE,
        body=HOSTILE_BODY,
        misconception=HOSTILE_MISCONCEPTION,
        topic=HOSTILE_TOPIC,
        sources=("src",),
        source_names={"src": HOSTILE_SOURCE},
    )


TAG = re.compile(r"<(/?)([^<>]*)>")
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")


def assert_telegram_html(text: str) -> None:
    """Valid for parse_mode=HTML: only balanced <b>/<i>, no stray `<`, `>` or `&`."""
    stack: list[str] = []
    for match in TAG.finditer(text):
        closing, name = match.groups()
        assert name in ("b", "i"), f"unexpected tag {match.group(0)!r}"
        if closing:
            assert stack and stack.pop() == name, f"unbalanced {match.group(0)!r}"
        else:
            stack.append(name)
    assert not stack, f"unclosed {stack}"
    bare = TAG.sub("", text)
    assert "<" not in bare
    assert ">" not in bare
    assert "&" not in ENTITY.sub("", bare), "a bare & or an unknown entity"


def visible(text: str) -> str:
    """What Telegram shows for an HTML message."""
    return html.unescape(TAG.sub("", text))


# --- card_html ----------------------------------------------------------------------------


def test_card_html_escapes_every_piece_of_content() -> None:
    card, library = hostile()
    text = card_html(card, library)
    assert_telegram_html(text)
    shown = visible(text)
    for piece in HOSTILE_PIECES:
        assert piece in shown
    assert "<script>" not in text
    assert "&amp;amp;" in text  # the body's literal "&amp;" stays literal


def test_card_html_layout() -> None:
    card, library = make_library()
    text = card_html(card, library)
    assert_telegram_html(text)
    assert text == (
        "<b>Trotsky misses Lenin&#x27;s funeral</b>\n<i>Lenin&#x27;s death</i>\n\n"
        "Trotsky was at Sukhumi.\n\nHe missed the funeral.\n\n"
        f"⚠️ <b>{MISCONCEPTION_LABEL}</b> He was not abroad.\n\n"
        "<i>Source: Class notes (2021); unknown-src</i>"
    )


def test_card_html_leaves_out_empty_parts() -> None:
    card, library = make_library(misconception="  ", sources=())
    library = Library.from_decks(
        (Deck("stalin", "Stalin", "History", "stalin.yaml", cards=(card,)),)
    )  # no topics at all
    text = card_html(card, library)
    assert (
        text == "<b>Trotsky misses Lenin&#x27;s funeral</b>\n\nTrotsky was at Sukhumi.\n\n"
        "He missed the funeral."
    )
    assert_telegram_html(text)


# --- card_plain / card_text ---------------------------------------------------------------


def test_card_text_has_body_common_mistake_and_source_names() -> None:
    card, library = make_library()
    assert card_text(card, library) == (
        "Trotsky was at Sukhumi.\n\nHe missed the funeral.\n\n"
        "⚠️ Common mistake: He was not abroad.\n\n"
        "Source: Class notes (2021); unknown-src"
    )


def test_card_plain_adds_title_and_topic() -> None:
    card, library = make_library()
    assert card_plain(card, library) == (
        "Trotsky misses Lenin's funeral\n(Lenin's death)\n\n" + card_text(card, library)
    )


def test_plain_text_is_not_escaped() -> None:
    card, library = hostile()
    text = card_plain(card, library)
    for piece in HOSTILE_PIECES:
        assert piece in text


def test_source_ids_stand_for_themselves_when_the_deck_is_unknown() -> None:
    card, _ = make_library()
    library = Library.from_decks(())
    parts = card_parts(card, library)
    assert parts.source == "notes; unknown-src"
    assert parts.topic == ""
    assert card_plain(card, library).startswith("Trotsky misses Lenin's funeral\n\nTrotsky")


def test_no_misconception_no_common_mistake_line() -> None:
    card, library = make_library(misconception="", sources=())
    text = card_text(card, library)
    assert "Common mistake" not in text
    assert "Source" not in text
    assert text == "Trotsky was at Sukhumi.\n\nHe missed the funeral."


# --- reply_html / reply_plain -------------------------------------------------------------


def test_reply_html_escapes_title_and_lines_and_appends_the_card() -> None:
    card, library = hostile()
    text = reply_html("Results for <you> & me", ("1 < 2", "a > b & c"), card, library)
    assert_telegram_html(text)
    assert text.startswith(
        "<b>Results for &lt;you&gt; &amp; me</b>\n\n1 &lt; 2\n\na &gt; b &amp; c\n\n<b>"
    )
    assert text.endswith(card_html(card, library))


def test_reply_html_without_title_or_card() -> None:
    _, library = make_library()
    assert reply_html("", ("one", "two"), None, library) == "one\n\ntwo"
    assert reply_html("Hi", (), None, library) == "<b>Hi</b>"


def test_reply_plain() -> None:
    card, library = make_library()
    text = reply_plain("Did you mean", ("<not escaped> & fine",), card, library)
    assert text == "DID YOU MEAN\n\n<not escaped> & fine\n\n" + card_plain(card, library)
    assert reply_plain("", ("just a line",), None, library) == "just a line"


# --- split_message ------------------------------------------------------------------------


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def assert_nothing_lost(text: str, chunks: list[str]) -> None:
    """The chunks are the text, in order, less only whitespace at the cuts."""
    position = 0
    for chunk in chunks:
        found = text.find(chunk, position)
        assert found >= 0, f"chunk not found in order: {chunk[:40]!r}"
        assert text[position:found].strip() == "", "text dropped between chunks"
        position = found + len(chunk)
    assert text[position:].strip() == "", "text dropped at the end"


def assert_well_split(text: str, chunks: list[str], limit: int) -> None:
    assert chunks
    assert all(chunk.strip() for chunk in chunks), "an empty chunk"
    assert all(utf16(chunk) <= limit for chunk in chunks)
    assert_nothing_lost(text, chunks)


def test_short_text_is_one_chunk_and_empty_text_none() -> None:
    assert split_message("hello") == ["hello"]
    assert split_message("x" * TELEGRAM_TEXT_LIMIT) == ["x" * TELEGRAM_TEXT_LIMIT]
    assert split_message("") == []


def test_paragraph_ends_are_preferred() -> None:
    text = "A" * 60 + "\n\n" + "B" * 20 + "\n" + "C" * 40
    chunks = split_message(text, 100)
    assert chunks == ["A" * 60, "B" * 20 + "\n" + "C" * 40]


def test_line_ends_come_next() -> None:
    text = "\n".join(f"line {n:02d} " + "x" * 20 for n in range(20))
    chunks = split_message(text, 100)
    assert_well_split(text, chunks, 100)
    lines = text.split("\n")
    for chunk in chunks:
        assert all(line in lines for line in chunk.split("\n")), "a line was cut"


def test_a_long_line_is_cut_between_words() -> None:
    words = [f"word{n}" for n in range(400)]
    text = " ".join(words)
    chunks = split_message(text, 100)
    assert_well_split(text, chunks, 100)
    assert [word for chunk in chunks for word in chunk.split(" ")] == words
    assert all(len(chunk) > 80 for chunk in chunks[:-1]), "chunks should be well filled"


def test_a_single_huge_word_is_hard_cut() -> None:
    text = "start " + "x" * 250 + " end"
    chunks = split_message(text, 100)
    assert chunks == ["start", "x" * 100, "x" * 100, "x" * 50 + " end"]
    assert split_message("y" * 250, 100) == ["y" * 100, "y" * 100, "y" * 50]


def test_a_hard_cut_never_splits_an_html_entity_or_tag() -> None:
    text = html.escape("&" * 250) + "<b>" + "z" * 120 + "</b>"
    chunks = split_message(text, 98)
    assert "".join(chunks) == text
    assert all(chunk.count("&") == chunk.count("&amp;") for chunk in chunks)
    assert all(chunk.count("<") == chunk.count(">") for chunk in chunks)
    assert all(len(chunk) <= 98 for chunk in chunks)


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    text = "📚 " * 3000
    chunks = split_message(text)
    assert_well_split(text, chunks, TELEGRAM_TEXT_LIMIT)
    assert len(chunks) == 3


def test_leading_whitespace_never_makes_an_empty_chunk() -> None:
    text = " " * 80 + "word " * 40
    chunks = split_message(text, 50)
    assert_well_split(text, chunks, 50)


def tagged_lines(count: int, width: int) -> str:
    return "\n".join(
        f"<{tag}>line {n} {'&amp; ' * (width // 6)}</{tag}>"
        for n, tag in zip(range(count), "bi" * count, strict=False)
    )


def a_long_reply() -> str:
    card, library = hostile()
    lines = tuple(f"Paragraph {n}: {'<word> & ' * 8}".strip() for n in range(12))
    return reply_html("Title <with> & things", lines, card, library)


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        pytest.param(tagged_lines(30, 40), 100, id="many-short-tagged-lines"),
        pytest.param(tagged_lines(30, 80), 100, id="lines-just-under-the-limit"),
        pytest.param(
            "x" * 40 + "\n<i>" + "word " * 16 + "</i>\n" + "y" * 40,
            100,
            id="short-line-then-long-tagged-line",
        ),
        pytest.param(
            "<b>" + "t" * 30 + "</b>\n\n" + "plain words " * 30,
            100,
            id="tagged-heading-then-plain-paragraph",
        ),
        pytest.param(a_long_reply(), 200, id="reply-with-card-200"),
        pytest.param(a_long_reply(), 300, id="reply-with-card-300"),
        pytest.param(("<b>" + "x" * 4000 + "</b>\n") * 3, TELEGRAM_TEXT_LIMIT, id="telegram-limit"),
    ],
)
def test_tags_on_one_line_are_never_cut(text: str, limit: int) -> None:
    chunks = split_message(text, limit)
    assert_well_split(text, chunks, limit)
    for chunk in chunks:
        assert_telegram_html(chunk)
    original_lines = set(text.split("\n"))
    for chunk in chunks:
        for line in chunk.split("\n"):
            if "<" in line:
                assert line in original_lines, f"a tagged line was cut: {line!r}"


@pytest.mark.parametrize("limit", [20, 64, 100, 333, 1000])
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Lorem ipsum dolor sit amet.\n" * 200, id="lines"),
        pytest.param("Lorem ipsum dolor sit amet. " * 200, id="words"),
        pytest.param(("A paragraph of text. " * 10 + "\n\n") * 30, id="paragraphs"),
        pytest.param("ab" * 3000, id="one-word"),
        pytest.param("  \n\n  mixed \t whitespace\n" * 150, id="whitespace"),
        pytest.param("Ünïcödé — ✓ 😀 𝔘 " * 200, id="unicode"),
    ],
)
def test_split_message_keeps_every_chunk_within_the_limit(text: str, limit: int) -> None:
    assert_well_split(text, split_message(text, limit), limit)


def test_references_are_shown_after_the_source_and_escaped() -> None:
    card = Card(
        id="c",
        title="T",
        topic_id="death",
        deck_id="stalin",
        body="Body",
        sources=("notes",),
        references=("service", "missing"),
    )
    deck = Deck(
        id="stalin",
        title="Stalin",
        subject="History",
        path="stalin.yaml",
        sources={"notes": "Class notes"},
        references={"service": "Service, Stalin <A Biography> & more (2004)"},
        topics=(Topic("death", "Death", "stalin"),),
        cards=(card,),
    )
    library = Library.from_decks((deck,))

    assert card_text(card, library).endswith(
        "Source: Class notes\n\n📖 References: Service, Stalin <A Biography> & more (2004); missing"
    )
    assert card_html(card, library).endswith(
        "<i>Source: Class notes</i>\n\n📖 <i>References: Service, Stalin &lt;A Biography&gt; "
        "&amp; more (2004); missing</i>"
    )


def test_a_card_without_references_shows_no_references_line() -> None:
    card, library = make_library()
    assert "References" not in card_html(card, library)
    assert "References" not in card_plain(card, library)
