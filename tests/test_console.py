"""The terminal adapter over the real bundled content and a SQLite store, with scripted input.

`Console.handle` + `Console.show_all` is exactly what one turn of `Console.run` does, so
most tests drive single turns and read what was printed; `run` itself is tested with a
scripted `read` that raises EOFError at the end, as `input()` does.
"""

from __future__ import annotations

import functools
import io
import random
import re
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tutor.clock import FrozenClock
from tutor.console import BANNER, GOODBYE, PROMPT, Console
from tutor.content import load_library
from tutor.deckchoice import DeckChoice
from tutor.dialog import Dialog
from tutor.gaps import GapLog
from tutor.model import Library, QuestionKind
from tutor.quiz import QuizService
from tutor.quizflow import QuizFlow
from tutor.store import Store, sqlite_url

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SEED = 4
"""With this seed `/quiz 2` asks a choice question, then a typed one (the test adapts if
the content changes, and the typed path is covered deterministically elsewhere)."""
_CHOICE_LINE = re.compile(r"^  \[(\d+)\] (.*)$", re.MULTILINE)


@functools.cache
def library() -> Library:
    return load_library([CONTENT_DIR])


@functools.cache
def dialog() -> Dialog:
    return Dialog(library())


def script(lines: Iterable[str]) -> Callable[[str], str]:
    """A `read` like input(): the next scripted line, then EOFError."""
    queue = iter(lines)
    prompts: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(queue)
        except StopIteration:
            raise EOFError from None

    read.prompts = prompts  # type: ignore[attr-defined]
    return read


@dataclass
class Terminal:
    console: Console
    out: io.StringIO
    flow: QuizFlow
    data_dir: Path

    async def say(self, line: str) -> str:
        """One turn, as `run` does it: what the console printed for `line`."""
        start = len(self.out.getvalue())
        self.console.show_all(await self.console.handle(line))
        return self.out.getvalue()[start:]

    def number(self, printed: str, label: str) -> str:
        """The number printed next to the choice whose label starts with `label`."""
        for number, shown in _CHOICE_LINE.findall(printed):
            if shown.startswith(label):
                return number
        raise AssertionError(f"no choice {label!r} in:\n{printed}")


@pytest.fixture
async def terminal(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Terminal]:
    store = await Store.open(sqlite_url(tmp_path / "tutor.sqlite3"))
    service = QuizService(library(), store, clock=clock, rng=random.Random(SEED))
    flow = QuizFlow(library(), store, service, clock=clock)
    out = io.StringIO()
    data_dir = tmp_path / "data"
    console = Console(dialog(), flow, data_dir=data_dir, read=script([]), out=out)
    yield Terminal(console, out, flow, data_dir)
    await store.close()


def choices(printed: str) -> list[tuple[int, str]]:
    return [(int(number), label) for number, label in _CHOICE_LINE.findall(printed)]


# ----- questions and browsing ------------------------------------------------------------


async def test_a_question_with_typos_prints_the_card_and_numbered_buttons(
    terminal: Terminal,
) -> None:
    printed = await terminal.say("why did stalin win teh power strugle")
    assert printed.startswith("\nbot> ")
    listed = choices(printed)
    assert listed[0] == (1, "🧠 Quiz me on this")
    assert [n for n, _ in listed] == list(range(1, len(listed) + 1))
    assert any(label.startswith(("➡️ ", "❓ ")) for _, label in listed)
    card = dialog().ask("why did stalin win teh power strugle").card
    assert card is not None
    assert f"{card.title}\n({library().topics[card.topic_id].title})" in printed


async def test_pressing_a_number_follows_a_related_card(terminal: Terminal) -> None:
    printed = await terminal.say("/card Lenin's death")
    related = [(n, label) for n, label in choices(printed) if label.startswith(("➡️", "❓"))]
    assert related, printed
    number, label = related[0]
    followed = await terminal.say(str(number))
    title = label.split(" ", 1)[1].removesuffix("…")
    assert title in followed
    assert "🧠 Quiz me on this" in followed


async def test_topics_then_a_number_then_a_card(terminal: Terminal) -> None:
    printed = await terminal.say("/topics")
    assert "PICK A TOPIC:" in printed.upper() and "TOPICS" in printed
    first_topic = next(iter(library().topics.values()))
    topic_page = await terminal.say(terminal.number(printed, first_topic.title[:20]))
    assert first_topic.title.upper() in topic_page
    first_card = library().cards_in_topic(first_topic.id)[0]
    card_page = await terminal.say(terminal.number(topic_page, first_card.title[:20]))
    assert f"{first_card.title}\n({first_topic.title})" in card_page


async def test_a_number_that_is_no_button_is_a_question(terminal: Terminal) -> None:
    """Issue 11, item 1: after a card, "1927" asks about 1927; it presses nothing."""
    listed = choices(await terminal.say("when did lenin die"))
    assert 0 < len(listed) < 1927
    printed = await terminal.say("1927")
    assert "Pick a number" not in printed
    expected = dialog().ask("1927")  # a card, or a "Which did you mean?" between cards
    assert (expected.card.title if expected.card else expected.title.upper()) in printed
    # The numbers just shown are buttons again: the second opens its card.
    second = choices(printed)[1][1].removeprefix("➡️ ").removeprefix("❓ ").removesuffix("…")
    assert second in await terminal.say("2")


async def test_an_unknown_command_and_a_blank_line(terminal: Terminal) -> None:
    printed = await terminal.say("/frobnicate now")
    assert "I don't know /frobnicate. Send /help to see what I can do." in printed
    assert await terminal.say("   ") == ""


# ----- quizzes -----------------------------------------------------------------------------


async def test_quiz_answered_by_numbers_and_by_typing(terminal: Terminal) -> None:
    printed = await terminal.say("/quiz 2")
    assert "QUIZ TIME!" in printed and "QUESTION 1 OF 2" in printed
    kinds: list[QuestionKind] = []
    for _ in range(2):
        pending = await terminal.flow.service.current_question(1, 1)
        assert pending is not None
        question = library().questions[pending.question_id]
        kinds.append(question.kind)
        assert question.prompt in printed
        if question.kind is QuestionKind.TYPED:
            assert "✍️ Type your answer." in printed
            printed = await terminal.say(question.accepted[0])
        elif question.kind is QuestionKind.ORDER:
            for item in question.items:
                printed = await terminal.say(terminal.number(printed, item))
        else:
            right = question.answer or ("True" if question.truth else "False")
            printed = await terminal.say(terminal.number(printed, right))
        assert "✅ RIGHT!" in printed
        assert "[1] 📖 Read the card: " in printed
    assert QuestionKind.TYPED in kinds and len(set(kinds)) == 2, f"seed {SEED} now gives {kinds}"
    assert "QUIZ FINISHED" in printed and "Score: 2/2" in printed


async def test_year_digits_are_a_typed_answer_when_no_button_has_that_number(
    terminal: Terminal,
) -> None:
    card = await terminal.say("/card Lenin's death")
    assert "Lenin's death (21 January 1924)" in card
    printed = await terminal.say(terminal.number(card, "🧠 Quiz me on this"))
    assert "Lenin died at Gorki" in printed and "✍️ Type your answer." in printed
    listed = choices(printed)
    assert [label for _, label in listed] == ["⏹ Stop quiz"]
    printed = await terminal.say("1927")
    assert "❌ NOT QUITE." in printed
    assert "Your answer: 1927" in printed and "Answer: 1924" in printed
    assert "QUESTION 2 OF" in printed
    # The verdict's button and the next question's are numbered on, never twice [1].
    listed = choices(printed)
    assert [n for n, _ in listed] == list(range(1, len(listed) + 1))
    assert listed[0][1].startswith("📖 Read the card: Lenin's death")
    assert listed[-1][1] == "⏹ Stop quiz"
    stopped = await terminal.say(str(listed[-1][0]))
    assert "QUIZ FINISHED" in stopped and "Score: 0/" in stopped


async def test_a_stale_quiz_button_prints_a_notice_and_keeps_the_buttons(
    terminal: Terminal,
) -> None:
    await terminal.say("/card Lenin's death")
    await terminal.say("1")  # Quiz me on this
    await terminal.say("/quiz 1")  # replaces that quiz; Stop is [1] now
    old_stop = terminal.console._buttons[-1]
    await terminal.say("/stop")
    (notice,) = await terminal.console.press(old_stop)
    assert notice.notice == "That question is finished. Send /quiz for a new one."


# ----- pictures, privacy, leaving ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name"),
    [("/timeline", "timeline-1917-1940.png"), ("/timeline 1924 1929", "timeline-1924-1929.png")],
)
async def test_timeline_writes_a_png_into_the_data_dir(
    terminal: Terminal, line: str, name: str
) -> None:
    printed = await terminal.say(line)
    path = terminal.data_dir / name
    assert f"🖼  Picture saved to {path.resolve()}" in printed
    assert path.read_bytes().startswith(PNG_MAGIC)


async def test_a_bad_timeline_range_is_explained(terminal: Terminal) -> None:
    printed = await terminal.say("/timeline 1800 1810")
    assert "1800–1810 is outside the timeline" in printed
    assert not terminal.data_dir.exists()


async def test_a_reversed_timeline_range_is_swapped(terminal: Terminal) -> None:
    printed = await terminal.say("/timeline 1929 1924")
    assert "TIMELINE 1924–1929" in printed
    assert (terminal.data_dir / "timeline-1924-1929.png").read_bytes().startswith(PNG_MAGIC)


async def test_forget_by_numbers(terminal: Terminal) -> None:
    await terminal.say("/quiz 1")
    await terminal.say("/stop")
    asked = await terminal.say("/forget")
    kept = await terminal.say(terminal.number(asked, "Keep my data"))
    assert "Okay — nothing was deleted." in kept
    assert (await terminal.flow.store.export_user(1))["quiz_sessions"]
    asked = await terminal.say("/forget")
    done = await terminal.say(terminal.number(asked, "🗑 Yes"))
    assert "Done: everything I stored about you has been deleted." in done
    assert (await terminal.flow.store.export_user(1))["quiz_sessions"] == []


async def run(tmp_path: Path, lines: list[str]) -> tuple[int, str, list[str]]:
    store = await Store.open(sqlite_url(tmp_path / "run.sqlite3"))
    service = QuizService(library(), store, rng=random.Random(SEED))
    flow = QuizFlow(library(), store, service)
    out = io.StringIO()
    read = script(lines)
    try:
        code = await Console(dialog(), flow, data_dir=tmp_path, read=read, out=out).run()
    finally:
        await store.close()
    return code, out.getvalue(), read.prompts  # type: ignore[attr-defined]


async def test_quit_ends_with_exit_code_0(tmp_path: Path) -> None:
    code, printed, prompts = await run(tmp_path, ["/help", "/quit", "never read"])
    assert code == 0
    assert printed.startswith(BANNER)
    assert "HOW TO USE ME" in printed
    assert printed.rstrip().endswith(GOODBYE)
    assert prompts == [PROMPT, PROMPT]


async def test_end_of_input_ends_with_exit_code_0(tmp_path: Path) -> None:
    code, printed, prompts = await run(tmp_path, ["/quiz 1", "", "/stop"])
    assert code == 0
    assert "QUIZ TIME!" in printed and "QUIZ STOPPED" in printed
    assert printed.rstrip().endswith(GOODBYE)
    assert len(prompts) == 4


# ----- issue 11: the first hour ------------------------------------------------------------


async def choice_question_pending(terminal: Terminal) -> tuple[str, str]:
    """Start `/quiz 2` (a choice question first, with SEED): (printed, the right option)."""
    printed = await terminal.say("/quiz 2")
    pending = await terminal.flow.service.current_question(1, 1)
    assert pending is not None
    question = library().questions[pending.question_id]
    assert question.kind in (QuestionKind.CHOICE, QuestionKind.TRUE_FALSE), SEED
    right = question.answer or ("True" if question.truth else "False")
    return printed, right


@pytest.mark.parametrize("command", ["/stats", "/topics", "/card nep", "/help", "/timeline"])
async def test_another_command_during_a_quiz_shows_the_question_again(
    terminal: Terminal, command: str
) -> None:
    """Item 2: the pending question comes back under the command's reply; its numbers work."""
    _, right = await choice_question_pending(terminal)
    printed = await terminal.say(command)
    assert "↩️ Back to your quiz — answer below, or /stop to end it." in printed
    assert "QUESTION 1 OF 2" in printed
    answered = await terminal.say(terminal.number(printed, right))
    assert "✅ RIGHT!" in answered and "QUESTION 2 OF 2" in answered


async def test_reading_the_card_during_a_quiz_keeps_the_quiz(terminal: Terminal) -> None:
    printed, right = await choice_question_pending(terminal)
    answered = await terminal.say(terminal.number(printed, right))
    card = await terminal.say(terminal.number(answered, "📖 Read the card"))
    assert "↩️ Back to your quiz" in card and "QUESTION 2 OF 2" in card
    assert card.index("QUESTION 2 OF 2") > card.index("🧠 Quiz me on this")


async def test_typing_an_options_words_answers_the_question(terminal: Terminal) -> None:
    _, right = await choice_question_pending(terminal)
    printed = await terminal.say(right.lower())
    assert "✅ RIGHT!" in printed and f"Your answer: {right}" in printed


async def test_a_question_during_a_quiz_gets_its_card_then_the_quiz(terminal: Terminal) -> None:
    _, right = await choice_question_pending(terminal)
    printed = await terminal.say("why did trotsky miss lenins funeral")
    assert "Trotsky misses Lenin's funeral" in printed
    assert "↩️ Back to your quiz" in printed
    assert "✅ RIGHT!" in await terminal.say(terminal.number(printed, right))


async def test_help_in_the_terminal_lists_only_what_the_terminal_does(terminal: Terminal) -> None:
    """Item 4: every command /help lists is answered; /daily is not listed and says why."""
    printed = await terminal.say("/help")
    listed = re.findall(r"^(/[a-z]+)", printed, re.MULTILINE)
    assert "/quiz" in listed and "/daily" not in listed and "/timezone" not in listed
    for command in listed:
        if command == "/quit":
            continue
        reply = await terminal.say(command)
        assert "I don't know" not in reply and "works on Telegram" not in reply, command
        await terminal.say("/stop")
    assert "/daily works on Telegram, not in the terminal." in await terminal.say("/daily 18:00")


async def test_an_unknown_command_suggests_the_closest(terminal: Terminal) -> None:
    assert "I don't know /quizz — did you mean /quiz?" in await terminal.say("/quizz 5")
    assert "/leaderboard works in a class group" in await terminal.say("/leaderboard")


# ----- "Which did you mean?" and /deck (issue 9), on two decks that are not the Stalin deck --

TWO_DECKS = Path(__file__).resolve().parent / "data" / "chooser"


@functools.cache
def two_deck_dialog() -> Dialog:
    return Dialog(load_library([TWO_DECKS]))


def two_deck_terminal(store: Store, clock: FrozenClock, tmp_path: Path) -> Terminal:
    """A terminal over the two test decks, with the gap log and the deck choice, as bot.py."""
    dialog_ = two_deck_dialog()
    service = QuizService(dialog_.library, store, clock=clock, rng=random.Random(SEED))
    flow = QuizFlow(dialog_.library, store, service, clock=clock)
    out = io.StringIO()
    console = Console(
        dialog_,
        flow,
        data_dir=tmp_path / "data",
        read=script([]),
        out=out,
        gaps=GapLog(store, clock=clock),
        decks=DeckChoice(dialog_, store, clock=clock),
    )
    return Terminal(console, out, flow, tmp_path / "data")


@pytest.fixture
async def two_decks(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Terminal]:
    store = await Store.open(sqlite_url(tmp_path / "tutor.sqlite3"))
    yield two_deck_terminal(store, clock, tmp_path)
    await store.close()


async def test_a_near_tie_lists_numbered_choices_and_a_number_opens_that_card(
    two_decks: Terminal,
) -> None:
    printed = await two_decks.say("what is osmosis")
    assert printed.startswith("\nbot> WHICH DID YOU MEAN?\n")
    listed = choices(printed)
    assert sorted(label for _, label in listed) == [
        "Osmosis in guard cells",
        "Osmosis in root hairs",
    ]

    number, title = listed[1]
    card = await two_decks.say(str(number))
    assert f"{title}\n(Water in plants · Plant transport)" in card
    assert [label for _, label in choices(card)][-2:] == ["👍", "👎 Not what I asked"]


async def test_a_closest_note_opens_by_number_with_the_feedback_pair(two_decks: Terminal) -> None:
    printed = await two_decks.say("why do leaves have holes underneath")  # no card answers
    assert "These notes come closest" in printed
    number, label = choices(printed)[0]
    assert label == "📄 Leaf structure"
    card = await two_decks.say(str(number))
    assert "Leaf structure\n(" in card
    assert [label for _, label in choices(card)][-2:] == ["👍", "👎 Not what I asked"]


async def test_a_chooser_number_is_a_choice_only_while_it_is_the_last_reply(
    two_decks: Terminal,
) -> None:
    await two_decks.say("what is osmosis")
    after = await two_decks.say("chloroplasts")  # another question: its buttons replace them
    assert "Chloroplasts\n(" in after
    assert len(choices(after)) == 2  # 👍 and 👎 only
    printed = await two_decks.say("3")  # no button 3 any more: a question
    assert "Osmosis in" not in printed and "Pick a number" not in printed


async def test_deck_in_the_terminal_chooses_by_number_and_is_remembered(
    two_decks: Terminal, tmp_path: Path, clock: FrozenClock
) -> None:
    listing = await two_decks.say("/deck")
    assert "Your questions are matched in every deck." in listing
    done = await two_decks.say(two_decks.number(listing, "Electrolysis"))
    assert "Done — I'll match your questions in Electrolysis." in done
    assert "Membrane cell\n(Electrolysis basics · Electrolysis)" in await two_decks.say("membrane")

    store = await Store.open(sqlite_url(tmp_path / "tutor.sqlite3"))
    try:  # the next session, on the same database
        again = two_deck_terminal(store, clock, tmp_path)
        assert "Membrane cell\n(" in await again.say("membrane")
        assert "match your questions in every deck" in await again.say("/deck any")
        assert "Partially permeable membrane" in await again.say("/deck plants") + (
            await again.say("membrane")
        )
    finally:
        await store.close()


async def test_deck_with_an_unknown_name_lists_the_decks(two_decks: Terminal) -> None:
    printed = await two_decks.say("/deck zoology")
    assert "I don't know the deck “zoology”. The decks: Electrolysis, Plant transport." in printed
    assert [label for _, label in choices(printed)] == [
        "Electrolysis",
        "Plant transport",
        "✅ 🌐 Any deck",
    ]
