"""The quiz conversation (QuizFlow) over a real SQLite store, a frozen clock and a seeded rng.

Questions come in a random (seeded) order, so the tests read which question is shown and
answer it by kind, the way a student reads the screen, rather than relying on the order.
"""

from __future__ import annotations

import functools
import io
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from tutor.clock import FrozenClock
from tutor.content import load_library
from tutor.dialog import Dialog
from tutor.model import Card, Deck, Event, Library, Question, QuestionKind, Topic
from tutor.quiz import PresentedQuestion, QuizService
from tutor.quiz_arguments import split_quiz_argument
from tutor.quizflow import QuizFlow, Who
from tutor.replies import Button, Reply
from tutor.store import ChatKind, Store, sqlite_url

DECK = "stalin-mini"
ANN = Who(user_id=101, chat_id=101, first_name="Ann")
BOB = Who(user_id=202, chat_id=202, first_name="Bob")
GROUP = -500
ANN_IN_GROUP = Who(101, GROUP, "Ann", chat_kind=ChatKind.GROUP, chat_title="Class 10B")
BOB_IN_GROUP = Who(202, GROUP, "Bob", chat_kind=ChatKind.GROUP, chat_title="Class 10B")
CONTENT_DIR = Path(__file__).resolve().parents[1] / "content"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

TOPICS = (
    Topic("nep-debate", "The NEP and the industrialisation debate", DECK),
    Topic("defeat-of-left", "Defeat of the Left 1924–27", DECK),
    Topic("trotsky", "Trotsky", DECK),
)
CARDS = (
    Card(
        "nep",
        "The New Economic Policy (NEP)",
        "nep-debate",
        DECK,
        "• Lenin, 1921",
        related=("united-opposition",),
    ),
    Card(
        "united-opposition",
        "The United Opposition (1926–27)",
        "defeat-of-left",
        DECK,
        "• Trotsky, Zinoviev and Kamenev",
    ),
    Card("trotsky-exile", "Trotsky's exile (1929)", "trotsky", DECK, "• Alma-Ata, then abroad"),
)
CHOICE = Question(
    "q-choice",
    QuestionKind.CHOICE,
    "Who introduced the NEP in 1921?",
    "nep",
    DECK,
    explanation="Lenin brought it in after the Kronstadt rising.",
    options=("Lenin", "Stalin", "Trotsky", "Bukharin"),
    answer="Lenin",
)
TRUE_FALSE = Question(
    "q-truefalse",
    QuestionKind.TRUE_FALSE,
    "The NEP let peasants sell their surplus grain.",
    "nep",
    DECK,
    explanation="That was the point of the tax in kind.",
    truth=True,
)
TYPED = Question(
    "q-typed",
    QuestionKind.TYPED,
    "Who replaced Zinoviev as party boss in Leningrad?",
    "united-opposition",
    DECK,
    explanation="Kirov took over Leningrad in 1926.",
    accepted=("Sergei Kirov", "Kirov"),
)
ORDER = Question(
    "q-order",
    QuestionKind.ORDER,
    "Put these in order, earliest first.",
    "united-opposition",
    DECK,
    explanation="1924, 1925, 1926, 1927.",
    items=(
        "Lenin dies",
        "Trotsky loses the War Commissariat",
        "United Opposition formed",
        "Trotsky expelled from the party",
    ),
)
EVENTS = (
    Event("1921-03", "The NEP is introduced", "nep", DECK),
    Event("1924-01-21", "Lenin dies", "nep", DECK),
    Event("1926", "The United Opposition is formed", "united-opposition", DECK),
    Event("1927-11", "Trotsky is expelled from the party", "united-opposition", DECK),
    Event("1929", "Trotsky is exiled", "trotsky-exile", DECK),
)
LIBRARY = Library.from_decks(
    (
        Deck(
            DECK,
            "Stalin's rise (mini)",
            "History",
            "mini.yaml",
            topics=TOPICS,
            cards=CARDS,
            events=EVENTS,
            questions=(CHOICE, TRUE_FALSE, TYPED, ORDER),
        ),
    )
)


@dataclass
class Bot:
    """One QuizFlow over a database file, as the adapters assemble it."""

    flow: QuizFlow
    store: Store
    clock: FrozenClock
    dialog: Dialog

    async def current(self, who: Who = ANN) -> PresentedQuestion:
        question = await self.flow.service.current_question(who.chat_id, who.user_id)
        assert question is not None, "no question is pending"
        return question


async def open_bot(path: Path, clock: FrozenClock, seed: int = 1) -> Bot:
    store = await Store.open(sqlite_url(path))
    service = QuizService(LIBRARY, store, clock=clock, rng=random.Random(seed))
    return Bot(QuizFlow(LIBRARY, store, service, clock=clock), store, clock, Dialog(LIBRARY))


@pytest.fixture
async def bot(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Bot]:
    opened = await open_bot(tmp_path / "tutor.sqlite3", clock)
    yield opened
    await opened.store.close()


# ----- helpers -------------------------------------------------------------------------


@functools.cache
def real_library() -> Library:
    return load_library([CONTENT_DIR])


def button(reply: Reply, label: str) -> Button:
    """The button whose label starts with `label`."""
    found = [b for row in reply.buttons for b in row if b.label.startswith(label)]
    assert found, f"no button {label!r} in {[b.label for row in reply.buttons for b in row]}"
    return found[0]


def datas(reply: Reply) -> list[str]:
    return [b.data for row in reply.buttons for b in row]


def is_notice_only(replies: list[Reply], contains: str = "") -> bool:
    return (
        len(replies) == 1
        and bool(replies[0].notice)
        and contains in replies[0].notice
        and not (replies[0].title or replies[0].lines or replies[0].buttons or replies[0].photo)
    )


def right_label(question: PresentedQuestion) -> str:
    asked = LIBRARY.questions[question.question_id]
    if asked.kind is QuestionKind.TRUE_FALSE:
        return "True" if asked.truth else "False"
    return asked.answer


async def answer_right(bot: Bot, question: Reply, who: Who = ANN) -> list[Reply]:
    """Answer the shown question correctly, by pressing its buttons or typing."""
    pending = await bot.current(who)
    asked = LIBRARY.questions[pending.question_id]
    if asked.kind is QuestionKind.TYPED:
        replies = await bot.flow.typed(who, asked.accepted[0])
        assert replies is not None
        return replies
    if asked.kind is QuestionKind.ORDER:
        shown = question
        for item in asked.items:
            replies = await bot.flow.press(who, button(shown, item).data)
            shown = replies[0]
        return replies
    return await bot.flow.press(who, button(question, right_label(pending)).data)


async def answer_all(bot: Bot, question: Reply, who: Who = ANN) -> list[Reply]:
    """Answer every remaining question correctly; the last batch of replies."""
    while True:
        replies = await answer_right(bot, question, who)
        if replies[-1].title == "Quiz finished":
            return replies
        question = replies[-1]


# ----- a whole quiz --------------------------------------------------------------------


async def test_a_whole_quiz_answers_every_kind_with_verdicts_and_a_summary(bot: Bot) -> None:
    intro, question = await bot.flow.quiz(ANN, "")
    assert intro.title == "Quiz time!"
    assert intro.lines == ("4 questions. Tap an answer, or /stop to end early.",)
    assert question.title == "Question 1 of 4" and not question.edit
    assert datas(question)[-1] == f"qs:{(await bot.current()).session_id}:1:0"

    seen: dict[QuestionKind, Reply] = {}
    replies: list[Reply] = []
    for number in range(1, 5):
        assert question.title == f"Question {number} of 4"
        pending = await bot.current()
        kind = pending.kind
        if kind is QuestionKind.CHOICE:  # right
            assert [b.label for b in [row[0] for row in question.buttons]][:-1] == list(
                pending.options
            )
            assert sorted(pending.options) == sorted(CHOICE.options)
            replies = await bot.flow.press(ANN, button(question, "Lenin").data)
        elif kind is QuestionKind.TRUE_FALSE:  # wrong
            assert [b.label for row in question.buttons for b in row][:2] == ["True", "False"]
            replies = await bot.flow.press(ANN, button(question, "False").data)
        elif kind is QuestionKind.TYPED:  # nearly right
            assert "✍️ Type your answer." in question.lines
            assert datas(question) == [f"qs:{pending.session_id}:{number}:0"]
            assert await bot.flow.press(ANN, f"qa:{pending.session_id}:{number}:0") != []
            typed = await bot.flow.typed(ANN, "Sergei")
            assert typed is not None
            replies = typed
        else:  # wrong: the items tapped latest first, one step at a time
            assert "Tap the events in order, earliest first." in question.lines
            shown = question
            for step, item in enumerate(reversed(ORDER.items), start=1):
                replies = await bot.flow.press(ANN, button(shown, item).data)
                if step < len(ORDER.items):
                    (shown,) = replies
                    assert shown.edit and shown.title == f"Question {number} of 4"
                    assert f"{step}. {item}" in shown.lines[-1]
                    # remaining items (the last one too) + stop
                    assert len(shown.buttons) == len(ORDER.items) - step + 1
                    assert all(not b.label.startswith(item) for row in shown.buttons for b in row)
        seen[kind] = replies[0]
        if number < 4:
            assert len(replies) == 2
            question = replies[1]
            assert not question.edit
    assert set(seen) == set(QuestionKind)

    right = seen[QuestionKind.CHOICE]
    assert right.title == "✅ Right!" and right.edit
    assert right.lines == ("Your answer: Lenin", CHOICE.explanation)
    assert button(right, "📖 Read the card: The New Economic Policy").data == "card:nep"

    wrong = seen[QuestionKind.TRUE_FALSE]
    assert wrong.title == "❌ Not quite." and wrong.edit
    assert wrong.lines == ("Your answer: False", "Answer: True", TRUE_FALSE.explanation)

    close = seen[QuestionKind.TYPED]
    assert close.title == "🟡 Nearly!" and not close.edit
    assert close.lines == ("Your answer: Sergei", "Answer: Sergei Kirov", TYPED.explanation)
    assert datas(close) == ["card:united-opposition"]

    order = seen[QuestionKind.ORDER]
    assert order.title == "❌ Not quite." and order.edit
    assert order.lines == (
        "Your answer: " + " → ".join(reversed(ORDER.items)),
        "Answer: " + " → ".join(ORDER.items),
        ORDER.explanation,
    )

    summary = replies[-1]
    assert summary.title == "Quiz finished"
    assert summary.lines[0] == "Score: 1/4 (1 nearly right)"
    assert "Topics to revisit:" in summary.lines
    assert datas(summary) == ["topic:defeat-of-left:0", "topic:nep-debate:0"]
    assert summary.buttons[0][0].label == "📚 Defeat of the Left 1924–27"
    assert await bot.flow.service.current_question(ANN.chat_id, ANN.user_id) is None
    assert await bot.flow.typed(ANN, "Kirov") is None, "no typed question is pending any more"

    # The buttons under the verdicts and the summary are the browsing dialog's.
    assert not bot.flow.owns_button("card:nep")
    assert bot.dialog.press("card:nep").card == LIBRARY.cards["nep"]
    assert bot.dialog.press("topic:defeat-of-left:0").title == "Defeat of the Left 1924–27"


async def test_all_right_says_well_done_and_lists_nothing_to_revisit(bot: Bot) -> None:
    _, question = await bot.flow.quiz(ANN, "4")
    summary = (await answer_all(bot, question))[-1]
    assert summary.lines[0] == "Score: 4/4"
    assert "Nothing to revisit — well done! 🎉" in summary.lines
    assert summary.buttons == ()


async def test_a_typed_question_in_a_group_asks_for_a_reply(bot: Bot) -> None:
    """Bots in groups only see replies to their messages (privacy mode)."""
    _, question = await bot.flow.quiz_on_card(ANN_IN_GROUP, "united-opposition")
    private = await bot.flow.quiz_on_card(ANN, "united-opposition")
    assert "✍️ Reply to this message with your answer." in question.lines
    assert "✍️ Type your answer." in private[1].lines


async def test_a_typed_answer_is_cut_to_300_characters_and_blank_text_is_no_answer(
    bot: Bot,
) -> None:
    started = await bot.flow.quiz_on_card(ANN, "united-opposition")
    question = started[1]
    if (await bot.current()).kind is not QuestionKind.TYPED:
        question = (await answer_right(bot, question))[1]
    assert await bot.flow.typed(ANN, "   ") is None
    assert (await bot.current()).kind is QuestionKind.TYPED, "blank text answered nothing"
    replies = await bot.flow.typed(ANN, "x" * 5000)
    assert replies is not None
    assert replies[0].lines[0] == "Your answer: " + "x" * 300


# ----- /quiz arguments -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "title", "total"),
    [
        ("", "Quiz time!", 4),
        ("2", "Quiz time!", 2),
        ("nep", "Quiz: The NEP and the industrialisation debate", 2),
        ("nep 10", "Quiz: The NEP and the industrialisation debate", 2),
        ("NEP debate 1", "Quiz: The NEP and the industrialisation debate", 1),
        ("the left", "Quiz: Defeat of the Left 1924–27", 2),
        ("defaet of the lft", "Quiz: Defeat of the Left 1924–27", 2),
        ("left 1924", "Quiz: Defeat of the Left 1924–27", 2),
        ("  united   opposition  ", "Quiz: Defeat of the Left 1924–27", 2),
        ("20", "Quiz time!", 4),
    ],
)
async def test_quiz_argument_names_a_topic_by_fuzzy_name_and_a_count(
    bot: Bot, argument: str, title: str, total: int
) -> None:
    intro, question = await bot.flow.quiz(ANN, argument)
    assert intro.title == title
    assert question.title == f"Question 1 of {total}"
    if title != "Quiz time!":
        topic = title.removeprefix("Quiz: ")
        pending = await bot.current()
        card = LIBRARY.cards[pending.card_id]
        assert LIBRARY.topics[card.topic_id].title == topic


@pytest.mark.parametrize("argument", ["0", "99", "-3", "nep 0", "nep 21"])
async def test_a_count_out_of_range_is_explained(bot: Bot, argument: str) -> None:
    (reply,) = await bot.flow.quiz(ANN, argument)
    assert reply.lines == ("A quiz can have 1 to 20 questions, e.g. /quiz 10.",)
    assert await bot.flow.service.current_question(ANN.chat_id, ANN.user_id) is None


@pytest.mark.parametrize("argument", ["unknowntopicxyz", "xyz 3", "the", "?!", "²"])
async def test_an_unknown_topic_is_explained_with_a_browse_button(bot: Bot, argument: str) -> None:
    (reply,) = await bot.flow.quiz(ANN, argument)
    assert reply.lines[0].startswith("I don't know the topic “")
    assert "The NEP and the industrialisation debate" in reply.lines[0]
    assert datas(reply) == ["topics::0"]
    assert not bot.flow.owns_button("topics::0")
    assert bot.dialog.press("topics::0").title == "Topics"
    assert await bot.flow.service.current_question(ANN.chat_id, ANN.user_id) is None


@pytest.mark.parametrize(
    ("argument", "topic_id", "count"),
    [
        ("nep", "nep-debate", 5),
        ("nep 10", "nep-debate", 10),
        ("trotksy 3", "trotsky", 3),
        ("the left", "defeat-of-left", 5),
        ("right", "defeat-of-right", 5),
        ("purges", "consolidation", 5),
        ("economy 1928", "economy-1928", 5),
        ("murder of kirov", "consolidation", 5),
        ("why stalin won 7", "why-stalin-won", 7),
    ],
)
def test_topic_names_match_the_real_content(argument: str, topic_id: str, count: int) -> None:
    flow = QuizFlow(real_library(), None, None)  # type: ignore[arg-type]  # parsing needs no store
    parsed = flow.parse_quiz_argument(argument)
    assert not isinstance(parsed, Reply), parsed.lines
    topic, parsed_count = parsed
    assert topic is not None and topic.id == topic_id
    assert parsed_count == count


async def test_a_new_quiz_replaces_the_running_one(bot: Bot) -> None:
    _, old = await bot.flow.quiz(ANN, "")
    intro, _ = await bot.flow.quiz(ANN, "nep")
    assert intro.lines[0] == "(Your previous quiz was stopped.)"
    assert is_notice_only(await bot.flow.press(ANN, datas(old)[0]), "That question is finished")


# ----- "Quiz me on this" -------------------------------------------------------------------


async def test_quiz_me_on_this_asks_the_cards_own_questions_first(bot: Bot) -> None:
    card = bot.dialog.card_reply(LIBRARY.cards["united-opposition"])
    data = button(card, "🧠 Quiz me on this").data
    assert data == "quiz:united-opposition" and bot.flow.owns_button(data)
    intro, question = await bot.flow.press(ANN, data)
    assert intro.title == "Quiz: Defeat of the Left 1924–27"
    assert question.title == "Question 1 of 2"
    first = await bot.current()
    assert first.card_id == "united-opposition"
    assert LIBRARY.questions[first.question_id].kind in (QuestionKind.TYPED, QuestionKind.ORDER)
    summary = (await answer_all(bot, question))[-1]
    assert summary.lines[0] == "Score: 2/2"


async def test_quiz_me_on_this_for_a_topic_without_questions_says_so(bot: Bot) -> None:
    (reply,) = await bot.flow.press(ANN, "quiz:trotsky-exile")
    assert reply.lines == ("I have no quiz questions on that yet. Try /quiz or /topics.",)


async def test_quiz_me_on_an_unknown_card_is_a_notice(bot: Bot) -> None:
    assert bot.flow.owns_button("quiz:no-such-card")
    assert is_notice_only(await bot.flow.press(ANN, "quiz:no-such-card"), "expired")


# ----- stale, foreign and forged buttons ------------------------------------------------------


async def test_another_users_answer_button_gets_a_notice(bot: Bot) -> None:
    _, question = await bot.flow.quiz(ANN_IN_GROUP, "")
    _, bobs = await bot.flow.quiz(BOB_IN_GROUP, "")
    for data in datas(question):
        assert is_notice_only(await bot.flow.press(BOB_IN_GROUP, data), "someone else's quiz")
    assert (await bot.current(ANN_IN_GROUP)).position == 1
    assert (await bot.current(BOB_IN_GROUP)).position == 1
    # Both quizzes go on independently; Bob's typed answers don't touch Ann's quiz.
    if (await bot.current(BOB_IN_GROUP)).kind is QuestionKind.TYPED:
        assert "✍️ Reply to this message with your answer." in bobs.lines
    await answer_right(bot, bobs, BOB_IN_GROUP)
    assert (await bot.current(BOB_IN_GROUP)).position == 2
    assert (await bot.current(ANN_IN_GROUP)).position == 1


async def test_an_answered_questions_buttons_are_stale(bot: Bot) -> None:
    _, question = await bot.flow.quiz(ANN, "")
    answered = await answer_right(bot, question)
    *answers, stop = datas(question)
    for data in answers:
        replies = await bot.flow.press(ANN, data)
        assert is_notice_only(replies, "That question is finished"), (data, replies)
    assert (await bot.current()).position == 2
    assert len(answered) == 2
    # An answered question's stop button (still shown under a typed one) stops its quiz.
    (summary,) = await bot.flow.press(ANN, stop)
    assert summary.lines[0] == "Score: 1/1, 3 skipped"


@pytest.mark.parametrize(
    "data",
    [
        "qa:999999:1:0",
        "qo:999999:1:0",
        "qs:999999:1:0",
        "qa:0:0:0",
        "qa:999999999999:999:99",
        "quiz:x",
        "forget:maybe",
        "qa:1:1:",
        "qa:-1:1:0",
        "qa:1:1:0:extra",
        "",
    ],
)
async def test_forged_buttons_never_raise(bot: Bot, data: str) -> None:
    await bot.flow.quiz(ANN, "")
    # Adapters only pass the data `owns_button` accepts, but press is safe with anything.
    assert is_notice_only(await bot.flow.press(ANN, data))
    assert (await bot.current()).position == 1


async def test_an_option_out_of_range_or_of_the_wrong_kind_is_a_notice(bot: Bot) -> None:
    await bot.flow.quiz(ANN, "")
    pending = await bot.current()
    sid, pos = pending.session_id, pending.position
    assert is_notice_only(await bot.flow.press(ANN, f"qa:{sid}:{pos}:9"), "doesn't fit")
    assert is_notice_only(await bot.flow.press(ANN, f"qa:{sid}:{pos + 1}:0"), "finished")
    wrong_kind = "qa" if pending.kind is QuestionKind.ORDER else "qo"
    assert is_notice_only(await bot.flow.press(ANN, f"{wrong_kind}:{sid}:{pos}:0"), "doesn't fit")
    assert (await bot.current()).position == 1


# ----- /stop -------------------------------------------------------------------------------


async def test_stop_without_a_quiz(bot: Bot) -> None:
    (reply,) = await bot.flow.stop(ANN)
    assert reply.lines == ("No quiz is running. Send /quiz to start one.",)


async def test_stop_ends_the_quiz_with_a_partial_score(bot: Bot) -> None:
    _, question = await bot.flow.quiz(ANN, "")
    await answer_right(bot, question)
    (summary,) = await bot.flow.stop(ANN)
    assert summary.title == "Quiz finished"
    # Issue 11, item 5: what was answered is scored; the rest were skipped, not wrong.
    assert summary.lines[0] == "Score: 1/1, 3 skipped"
    assert "Nothing to revisit — well done! 🎉" in summary.lines
    assert await bot.flow.service.current_question(ANN.chat_id, ANN.user_id) is None
    assert (await bot.flow.stop(ANN))[0].lines[0].startswith("No quiz is running")


async def test_the_stop_button_ends_only_its_own_quiz(bot: Bot) -> None:
    _, first = await bot.flow.quiz(ANN, "")
    stop_first = button(first, "⏹ Stop quiz").data
    assert is_notice_only(await bot.flow.press(BOB, stop_first), "someone else's quiz")
    (summary,) = await bot.flow.press(ANN, stop_first)
    assert summary.title == "Quiz stopped"
    assert summary.lines[0] == "You stopped before answering any question, so there's no score."
    assert not any("0/" in line for line in summary.lines)
    _, second = await bot.flow.quiz(ANN, "")
    assert is_notice_only(await bot.flow.press(ANN, stop_first), "That question is finished")
    assert await bot.flow.service.current_question(ANN.chat_id, ANN.user_id) is not None
    (summary,) = await bot.flow.press(ANN, button(second, "⏹ Stop quiz").data)
    assert summary.title == "Quiz stopped"


# ----- /review -----------------------------------------------------------------------------


async def test_review_with_nothing_answered(bot: Bot) -> None:
    (reply,) = await bot.flow.review(ANN)
    assert reply.lines == (
        "Nothing is due for review yet — you haven't answered any questions yet. "
        "Send /quiz to start.",
    )


async def test_review_asks_what_fell_due(bot: Bot) -> None:
    _, question = await bot.flow.quiz(ANN, "")
    await answer_all(bot, question)
    (reply,) = await bot.flow.review(ANN)
    assert reply.lines[0].startswith("Nothing is due for review yet — the next question is due on ")
    assert reply.lines[0].endswith(" UTC.")

    bot.clock.advance(days=60)
    intro, question = await bot.flow.review(ANN)
    assert intro.title == "Quiz time!"
    assert question.title == "Question 1 of 4"
    summary = (await answer_all(bot, question))[-1]
    assert summary.lines[0] == "Score: 4/4"
    assert (await bot.flow.review(ANN))[0].lines[0].startswith("Nothing is due")


# ----- /stats, /timeline ---------------------------------------------------------------------


def assert_png(data: bytes | None) -> tuple[int, int]:
    assert data is not None and data.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
        return image.size


async def test_stats_without_answers_gives_a_hint(bot: Bot) -> None:
    (reply,) = await bot.flow.stats(ANN)
    assert reply.lines == ("No answers yet — send /quiz to start, then come back here.",)
    assert reply.photo is None


async def test_stats_with_answers_gives_figures_and_a_chart(bot: Bot) -> None:
    _, question = await bot.flow.quiz(ANN, "")
    answered = await answer_right(bot, question)
    await bot.flow.press(ANN, datas(answered[1])[0])  # the first option: right or wrong
    text, picture = await bot.flow.stats(ANN)
    assert text.title == "Your progress"
    assert text.lines[0].startswith("Answered: 2 · correct: ")
    assert text.lines[1].startswith("Due for review today: ")
    assert text.lines[2] == "Streak: 1 day in a row"
    assert "• " in text.lines[3] and " of " in text.lines[3]
    assert picture.photo_name == "progress.png" and not picture.lines
    width, height = assert_png(picture.photo)
    assert width > 100 and height > 100

    bot.clock.advance(days=1)
    _, question = await bot.flow.quiz(ANN, "1")
    await answer_right(bot, question)
    text, _ = await bot.flow.stats(ANN)
    assert text.lines[0].startswith("Answered: 3 · ")
    assert text.lines[2] == "Streak: 2 days in a row"


@pytest.mark.parametrize(
    ("argument", "caption"),
    [
        ("", "Timeline 1921–1929"),
        ("1924 1929", "Timeline 1924–1929"),
        ("1924-1927", "Timeline 1924–1927"),
        ("1926", "Timeline 1926"),
        ("1900 2000", "Timeline 1921–1929"),
        ("1929 1924", "Timeline 1924–1929"),
    ],
)
async def test_timeline_draws_the_range(bot: Bot, argument: str, caption: str) -> None:
    (reply,) = await bot.flow.timeline(argument)
    assert reply.title == caption
    assert reply.photo_name.startswith("timeline-") and reply.photo_name.endswith(".png")
    assert_png(reply.photo)


@pytest.mark.parametrize(
    ("argument", "error"),
    [
        ("1950", "1950 is outside the timeline, which covers 1921–1929."),
        ("abc", "I couldn't read “abc” as years."),
    ],
)
async def test_timeline_explains_a_bad_range(bot: Bot, argument: str, error: str) -> None:
    (reply,) = await bot.flow.timeline(argument)
    assert reply.photo is None
    assert reply.lines[0].startswith(error)
    assert reply.lines[1] == "Usage: /timeline [FROM] [TO], e.g. /timeline 1924 1929"


# ----- /forget -------------------------------------------------------------------------------


async def answered_something(bot: Bot, who: Who = ANN) -> None:
    _, question = await bot.flow.quiz(who, "")
    await answer_right(bot, question, who)


async def test_forget_asks_then_deletes_everything(bot: Bot) -> None:
    await answered_something(bot)
    await answered_something(bot, BOB)
    (ask,) = bot.flow.forget(ANN)
    assert ask.title == "Delete everything I store about you?"
    assert datas(ask) == [f"forget:yes:{ANN.user_id}", f"forget:no:{ANN.user_id}"]
    assert all(bot.flow.owns_button(data) for data in datas(ask))
    (refused,) = await bot.flow.press(BOB, button(ask, "🗑 Yes").data)
    assert refused.notice == "Only the person who sent /forget can answer this."
    assert (await bot.store.export_user(BOB.user_id))["answers"] != []

    (done,) = await bot.flow.press(ANN, button(ask, "🗑 Yes").data)
    assert done.edit and done.lines == ("Done: everything I stored about you has been deleted.",)
    exported = await bot.store.export_user(ANN.user_id)
    for table in ("users", "chats", "quiz_sessions", "answers", "memory", "subscriptions"):
        assert exported[table] == [], table
    assert (await bot.flow.stats(ANN))[0].lines[0].startswith("No answers yet")
    assert (await bot.store.export_user(BOB.user_id))["answers"] != [], "Bob's data stays"


async def test_forget_no_keeps_the_data(bot: Bot) -> None:
    await answered_something(bot)
    before = await bot.store.export_user(ANN.user_id)
    (kept,) = await bot.flow.press(ANN, f"forget:no:{ANN.user_id}")
    assert kept.edit and kept.lines == ("Okay — nothing was deleted.",)
    after = await bot.store.export_user(ANN.user_id)
    assert after == before and len(after["answers"]) == 1


# ----- restart -------------------------------------------------------------------------------


async def test_a_restart_mid_quiz_carries_on_with_the_same_quiz(
    tmp_path: Path, clock: FrozenClock
) -> None:
    path = tmp_path / "tutor.sqlite3"
    first = await open_bot(path, clock)
    _, question = await first.flow.quiz(ANN, "")
    replies = await answer_right(first, question)
    pending = await first.current()
    await first.store.close()

    clock.advance(minutes=5)
    second = await open_bot(path, clock, seed=99)  # a new process: new service, new rng
    try:
        assert await second.current() == pending
        replies = await answer_right(second, replies[1])
        assert replies[0].title == "✅ Right!"
        assert replies[1].title == "Question 3 of 4"
        summary = (await answer_all(second, replies[1]))[-1]
        assert summary.lines[0] == "Score: 4/4"
        assert len((await second.store.export_user(ANN.user_id))["answers"]) == 4
    finally:
        await second.store.close()


async def test_after_a_restart_old_buttons_are_still_checked(
    tmp_path: Path, clock: FrozenClock
) -> None:
    path = tmp_path / "tutor.sqlite3"
    first = await open_bot(path, clock)
    _, question = await first.flow.quiz(ANN, "")
    await answer_right(first, question)
    await first.store.close()
    second = await open_bot(path, clock, seed=5)
    try:
        assert is_notice_only(await second.flow.press(ANN, datas(question)[0]), "finished")
        assert is_notice_only(await second.flow.press(BOB, datas(question)[0]), "someone else")
        assert (await second.current()).position == 2
    finally:
        await second.store.close()


def test_callback_data_fits_telegrams_64_bytes() -> None:
    longest = f"qa:{10**12 - 1}:20:9"
    assert len(longest.encode()) <= 64
    assert QuizFlow(LIBRARY, None, None).owns_button(longest)  # type: ignore[arg-type]
    for card in LIBRARY.cards:
        assert len(f"quiz:{card}".encode()) <= 64


# ----- issue 11: a quiz is never stranded ----------------------------------------------------


async def test_typing_an_options_text_answers_a_choice_question(bot: Bot) -> None:
    await bot.flow.quiz(ANN, "nep 1")
    pending = await bot.current()
    assert pending.kind in (QuestionKind.CHOICE, QuestionKind.TRUE_FALSE)
    replies = await bot.flow.typed(ANN, f"  {right_label(pending).upper()} ")
    assert replies is not None
    assert replies[0].title == "✅ Right!" and not replies[0].edit
    assert replies[-1].title == "Quiz finished" and replies[-1].lines[0] == "Score: 1/1"


async def test_text_that_is_no_option_leaves_the_choice_question_waiting(bot: Bot) -> None:
    await bot.flow.quiz(ANN, "nep 1")
    assert await bot.flow.typed(ANN, "what was the nep") is None
    assert (await bot.current()).position == 1


async def test_a_question_asked_during_a_quiz_shows_the_quiz_again(bot: Bot) -> None:
    _, question = await bot.flow.quiz(ANN, "nep 2")
    answer_card, reminder = await bot.flow.on_text(ANN, "the united opposition", bot.dialog.ask)
    assert answer_card == bot.dialog.ask("the united opposition")
    assert answer_card.card is not None and answer_card.card.id == "united-opposition"
    assert reminder.title == question.title == "Question 1 of 2"
    assert reminder.lines[0] == "↩️ Back to your quiz — answer below, or /stop to end it."
    assert reminder.lines[1:] == question.lines and datas(reminder) == datas(question)
    # Its buttons answer the question still waiting.
    pending = await bot.current()
    verdict, _following = await bot.flow.press(ANN, button(reminder, right_label(pending)).data)
    assert verdict.title == "✅ Right!"


async def test_on_text_without_a_quiz_leaves_the_text_to_the_matcher(bot: Bot) -> None:
    assert await bot.flow.on_text(ANN, "the united opposition", bot.dialog.ask) is None
    assert await bot.flow.reminder(ANN) is None


async def test_a_quiz_started_after_plain_questions_is_seen_by_the_next_message(
    bot: Bot,
) -> None:
    """Plain questions leave "no quiz pending" cached; starting a quiz must clear it."""
    for _ in range(3):
        assert await bot.flow.on_text(ANN, "the united opposition", bot.dialog.ask) is None
    _, question = await bot.flow.quiz(ANN, "nep 2")
    replies = await bot.flow.on_text(ANN, "the united opposition", bot.dialog.ask)
    assert replies is not None and replies[-1].title == question.title
    await bot.flow.stop(ANN)
    assert await bot.flow.on_text(ANN, "the united opposition", bot.dialog.ask) is None


async def test_the_reminder_after_another_command_is_the_waiting_question(bot: Bot) -> None:
    _, question = await bot.flow.quiz(ANN, "nep 2")
    reminder = await bot.flow.reminder(ANN)
    assert reminder is not None and datas(reminder) == datas(question)
    assert not QuizFlow.shows_question([bot.dialog.topics(0)])
    assert QuizFlow.shows_question([question])


async def test_order_items_can_be_typed_and_the_last_is_never_placed_for_you(bot: Bot) -> None:
    await bot.flow.quiz(ANN, "defeat of the left 2")
    if (await bot.current()).kind is QuestionKind.TYPED:
        await bot.flow.typed(ANN, "Kirov")
    assert (await bot.current()).kind is QuestionKind.ORDER
    for step, item in enumerate(ORDER.items, start=1):
        replies = await bot.flow.typed(ANN, item.lower())
        assert replies is not None
        if step < len(ORDER.items):
            (progress,) = replies
            assert f"{step}. {item}" in progress.lines[-1]
            assert (await bot.current()).placed, "still waiting for the remaining items"
    assert replies[0].title == "✅ Right!"


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("nep 3 extra junk", (["nep"], "3", ["extra", "junk"])),
        ("3 nep", (["nep"], "3", [])),
        ("economy 1928 4", (["economy", "1928"], "4", [])),
        ("economy 1928", (["economy", "1928"], None, [])),
        ("", ([], None, [])),
    ],
)
def test_split_quiz_argument(argument: str, expected: tuple[object, ...]) -> None:
    assert split_quiz_argument(argument) == expected


async def test_quiz_says_which_words_it_ignored(bot: Bot) -> None:
    intro, question = await bot.flow.quiz(ANN, "nep 2 extra junk")
    assert intro.title == "Quiz: The NEP and the industrialisation debate"
    assert intro.lines[-1] == "(I ignored “extra junk”: /quiz takes a topic, then a number.)"
    assert question.title == "Question 1 of 2"
