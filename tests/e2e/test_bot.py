"""End-to-end tests of the Telegram bot: browsing, asking, groups, inline mode, failures.

The real Application (`build_application`) long-polls the Bot API emulator over HTTP; the
tests play the students and assert on what they see. The last tests run `bot.py` itself in
a subprocess: logs without the token, start-up errors, the terminal and webhook modes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram.ext import Application

from tutor.config import PROJECT_ROOT, SETTINGS, Settings
from tutor.dialog import Dialog
from tutor.render import TELEGRAM_TEXT_LIMIT
from tutor.replies import Button, Reply
from tutor.telegram.app import build_application

from .emulator import BotApiEmulator, parse_html
from .process import BotProcess, bot_env, run_bot

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

JSON = dict[str, Any]
USER = 5001
OTHER_USER = 5002
BLOCKED_USER = 5003
GROUP = -4001
TYPO_QUESTION = "why did trotksy miss lenins funeral"
WEBHOOK_SECRET = "s3cret-webhook-0123456789abcdef-XYZ"
FUNERAL_CARD = "lenins-funeral-trotsky"
FUNERAL_TITLE = "Trotsky misses Lenin's funeral"
NOT_TEXT_HINT = "I can only read text"
NO_MATCH = "I don't have a note on that"
EXPIRED = "That button has expired"
SUBPROCESS_TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
TOKEN_SECRET = SUBPROCESS_TOKEN.partition(":")[2]


def labels(message: JSON) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [button["text"] for row in rows for button in row]


def button_data(message: JSON) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return {button["text"]: button["callback_data"] for row in rows for button in row}


def card_buttons(message: JSON) -> list[str]:
    """The labels of the buttons that open a card."""
    return [label for label, data in button_data(message).items() if data.startswith("card:")]


def styled(message: JSON, kind: str) -> list[str]:
    """The pieces of the text the user sees in `kind` (bold, italic, ...)."""
    text = message["text"].encode("utf-16-le")
    return [
        text[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.get("entities", [])
        if e["type"] == kind
    ]


def unshortened(label: str) -> str:
    """A button label without its emoji prefix and the ellipsis of a shortened title."""
    return re.sub(r"^\W+\s", "", label).removesuffix("…")


async def assert_all_sends_ok(emulator: BotApiEmulator) -> None:
    """Every message the bot tried to send or edit was accepted (its HTML parsed)."""
    failed = await emulator.calls(["sendMessage", "editMessageText"], ok=False)
    assert failed == [], [(call.method, call.description) for call in failed]


async def ask(
    emulator: BotApiEmulator, chat_id: int, text: str, expect: str | None = None, **kwargs: Any
) -> JSON:
    """Send `text` as a user and return the bot's next message (containing `expect`)."""
    await emulator.send_text(chat_id, text, **kwargs)
    return await emulator.wait_for_message(chat_id, expect)


async def press(emulator: BotApiEmulator, chat_id: int, message: JSON, label: str) -> str:
    """Press the button `label` under `message`; the callback query id."""
    update = await emulator.press_button(chat_id, message["message_id"], text=label)
    return str(update["callback_query"]["id"])


async def edited(emulator: BotApiEmulator, chat_id: int, message: JSON) -> JSON:
    """The message after the bot's next edit of it."""
    await emulator.wait_for(
        "editMessageText",
        lambda call: call.params["message_id"] == message["message_id"],
        chat_id=chat_id,
    )
    current = await emulator.message(chat_id, message["message_id"])
    assert current is not None
    return current


# ----- 1. /start ----------------------------------------------------------------------------


async def test_start_welcomes_with_examples_and_the_command_menus_are_registered(
    emulator: BotApiEmulator, bot: Application
) -> None:
    welcome = await ask(emulator, USER, "/start")

    assert welcome["text"].startswith("Hi User5001! I'm your revision tutor.")
    assert "For example:" in welcome["text"]
    assert len(re.findall(r"^• \S", welcome["text"], re.M)) >= 2
    assert labels(welcome) == ["📚 Browse topics"]
    private = await emulator.bot_commands({"type": "all_private_chats"})
    group = await emulator.bot_commands({"type": "all_group_chats"})
    assert {"start", "topics", "card", "help"} <= {c["command"] for c in private}
    assert {"ask", "topics", "help"} <= {c["command"] for c in group}
    await assert_all_sends_ok(emulator)


# ----- 2-4. questions and cards -------------------------------------------------------------


@pytest.mark.parametrize("question", [TYPO_QUESTION, "trotsky funral wrong date"])
async def test_a_question_with_typos_gets_the_right_card_with_buttons(
    emulator: BotApiEmulator, bot: Application, question: str
) -> None:
    card = await ask(emulator, USER, question)

    assert card["text"].startswith(f"{FUNERAL_TITLE}\n")
    assert styled(card, "bold")[0] == FUNERAL_TITLE
    assert "Common mistake:" in card["text"]
    assert button_data(card)["🧠 Quiz me on this"] == f"quiz:{FUNERAL_CARD}"
    related = card_buttons(card)
    assert 1 <= len(related) <= 3
    assert all(label.startswith(("➡️ ", "❓ ")) for label in related)
    assert "reply_to_message" not in card  # no quoting in a private chat
    await assert_all_sends_ok(emulator)


async def test_a_vague_question_offers_did_you_mean_cards(
    emulator: BotApiEmulator, bot: Application
) -> None:
    reply = await ask(emulator, USER, "why did stalin win")

    # Two close cards: asked which (issue 9), or the best with the other as ❓ did-you-mean.
    if styled(reply, "bold")[0] == "Which did you mean?":
        assert any(label.startswith("Why did Stalin win") for label in labels(reply))
        assert any(label.startswith("Why Stalin won") for label in labels(reply))
        assert all(data.startswith("pick:") for data in button_data(reply).values())
    else:
        assert styled(reply, "bold")[0].startswith("Why did Stalin win")
        assert any(label.startswith("❓ Why Stalin won") for label in labels(reply))


async def test_a_question_without_an_answer_says_so_and_offers_topics(
    emulator: BotApiEmulator, bot: Application, dialog: Dialog
) -> None:
    reply = await ask(emulator, USER, "what is osmosis")

    assert NO_MATCH in reply["text"]
    card_titles = {card.title for card in dialog.library.cards.values()}
    assert not set(styled(reply, "bold")) & card_titles
    topic_titles = {topic.title for topic in dialog.library.topics.values()}
    assert labels(reply) and all(unshortened(label) in str(topic_titles) for label in labels(reply))
    assert all(data.startswith("topic:") for data in button_data(reply).values())


async def test_a_near_miss_offers_the_closest_note_which_opens_the_card(
    emulator: BotApiEmulator, bot: Application
) -> None:
    reply = await ask(emulator, USER, "did literally everyone hate trotsky tho")

    assert NO_MATCH in reply["text"] and "come closest" in reply["text"]
    assert not styled(reply, "bold")  # no card is shown as the answer
    # Closest notes are choices tied to the question's gap-log row (pick:<card>:<row>).
    closest = [label for label, data in button_data(reply).items() if data.startswith("pick:")]
    assert closest[0] == "📄 Why Trotsky was unpopular"
    assert all(label.startswith("📄 ") for label in closest)
    assert all(button_data(reply)[label].count(":") == 2 for label in closest)
    assert any(data.startswith("topic:") for data in button_data(reply).values())

    query_id = await press(emulator, USER, reply, closest[0])
    card = await emulator.wait_for_message(USER, "Why Trotsky was unpopular")
    assert styled(card, "bold")[0] == "Why Trotsky was unpopular"
    assert {"👍", "👎 Not what I asked"} <= set(labels(card))  # the teachers hear of it
    assert await emulator.callback_answer(query_id) is not None
    await assert_all_sends_ok(emulator)


async def test_quiz_me_on_this_starts_a_quiz_on_the_card(
    emulator: BotApiEmulator, bot: Application, dialog: Dialog
) -> None:
    card = await ask(emulator, USER, TYPO_QUESTION)
    library = dialog.library
    topic = library.cards[FUNERAL_CARD].topic_id
    prompts = [
        q.prompt for q in library.questions.values() if library.cards[q.card_id].topic_id == topic
    ]

    query_id = await press(emulator, USER, card, "🧠 Quiz me on this")

    def asks_a_question(message: JSON) -> bool:
        shown = message.get("text") or message.get("poll", {}).get("question", "")
        return any(prompt in shown for prompt in prompts)

    await emulator.wait_for_message(USER, predicate=asks_a_question)

    answer = await emulator.callback_answer(query_id)
    assert answer is not None and not (answer["text"] or "").startswith(EXPIRED)
    await assert_all_sends_ok(emulator)


async def test_a_related_card_button_sends_that_card_and_answers_the_press(
    emulator: BotApiEmulator, bot: Application
) -> None:
    card = await ask(emulator, USER, TYPO_QUESTION)
    label = next(label for label in labels(card) if label.startswith("➡️ "))

    query_id = await press(emulator, USER, card, label)
    related = await emulator.wait_for_message(USER, unshortened(label))

    assert related["message_id"] != card["message_id"]
    assert styled(related, "bold")[0].startswith(unshortened(label))
    assert await emulator.callback_answer(query_id) is not None
    assert (await emulator.message(USER, card["message_id"])) == card  # left as it was


# ----- 5. /topics ---------------------------------------------------------------------------


async def test_topics_navigation_edits_in_place_pages_and_opens_cards(
    emulator: BotApiEmulator, bot: Application, dialog: Dialog
) -> None:
    library = dialog.library
    listing = await ask(emulator, USER, "/topics")
    assert listing["text"].startswith("Topics\n")
    assert "Page 1 of 2" in listing["text"]
    assert "Next ▶️" in labels(listing)

    await press(emulator, USER, listing, "Next ▶️")
    page_two = await edited(emulator, USER, listing)
    assert "Page 2 of 2" in page_two["text"]
    assert "◀️ Previous" in labels(page_two)
    await press(emulator, USER, page_two, "◀️ Previous")
    listing = await edited(emulator, USER, page_two)

    trotsky = library.topics["trotsky"]
    cards = [card.title for card in library.cards_in_topic(trotsky.id)]
    assert len(cards) > 8
    query_id = await press(emulator, USER, listing, trotsky.title)
    topic = await edited(emulator, USER, listing)
    assert await emulator.callback_answer(query_id) is not None
    assert styled(topic, "bold") == [trotsky.title]
    first_page = card_buttons(topic)
    assert len(first_page) == 8
    assert labels(topic)[-2:] == ["Next ▶️", "⬅️ All topics"]

    await press(emulator, USER, topic, "Next ▶️")
    topic = await edited(emulator, USER, topic)
    second_page = card_buttons(topic)
    assert "◀️ Previous" in labels(topic)
    assert len(first_page) + len(second_page) == len(cards)
    assert [unshortened(label) for label in first_page + second_page] == [
        title if len(title) <= 40 else unshortened(title[:39].rstrip() + "…") for title in cards
    ]

    await press(emulator, USER, topic, second_page[0])
    card = await emulator.wait_for_message(USER, unshortened(second_page[0]))
    assert card["message_id"] != topic["message_id"]

    await press(emulator, USER, topic, "⬅️ All topics")
    back = await edited(emulator, USER, topic)
    assert back["text"].startswith("Topics\n")
    assert (await emulator.transcript(USER))[0] == "User5001: /topics"
    assert len(await emulator.history(USER)) == 3  # /topics, the edited list, one card
    await assert_all_sends_ok(emulator)


# ----- 6. groups ----------------------------------------------------------------------------


async def test_in_a_group_the_bot_answers_only_when_asked(
    emulator: BotApiEmulator, bot: Application
) -> None:
    await emulator.add_bot_to_group(GROUP, title="Year 11 History")
    introduction = await emulator.wait_for_message(GROUP)
    chatter = await emulator.send_text(GROUP, "anyone revising tonight?", user_id=OTHER_USER)

    asked = await emulator.send_text(GROUP, "/ask why did stalin win", user_id=USER)
    answer = await emulator.wait_for_message(GROUP, "Why did Stalin win")
    assert answer["reply_to_message"]["message_id"] == asked["message"]["message_id"]

    named = f"/ask@{emulator.bot_username} {TYPO_QUESTION}"
    card = await ask(emulator, GROUP, named, FUNERAL_TITLE, user_id=USER)
    assert styled(card, "bold")[0] == FUNERAL_TITLE

    await emulator.send_text(
        GROUP, "lenins testament", user_id=USER, reply_to=chatter["message"]["message_id"]
    )
    follow_up = await ask(
        emulator,
        GROUP,
        "lenins testament",
        "Lenin's Testament",
        user_id=OTHER_USER,
        reply_to=card["message_id"],
    )
    assert follow_up["reply_to_message"]["from"]["id"] == OTHER_USER

    usage = await ask(emulator, GROUP, "/ask", user_id=USER)
    assert usage["text"].startswith("Usage: /ask QUESTION")

    # Updates are handled in order: by now the chatter and the reply to a student's
    # message would have been answered, had the bot answered them.
    replies = await emulator.calls("sendMessage", chat_id=GROUP)
    assert [call.result["message_id"] for call in replies] == [
        introduction["message_id"],
        answer["message_id"],
        card["message_id"],
        follow_up["message_id"],
        usage["message_id"],
    ]
    await assert_all_sends_ok(emulator)


# ----- 7. inline mode -----------------------------------------------------------------------


async def test_an_inline_query_is_answered_with_card_articles(
    emulator: BotApiEmulator, bot: Application
) -> None:
    query = await emulator.inline_query("trotsky funeral", user_id=USER)
    await emulator.wait_for("answerInlineQuery")
    answer = await emulator.inline_answer(query["inline_query"]["id"])

    assert answer is not None
    results = answer["results"]
    assert results and results[0]["type"] == "article"
    assert results[0]["title"] == FUNERAL_TITLE
    assert results[0]["description"]
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML"
    text, entities = parse_html(content["message_text"])
    assert text.startswith(FUNERAL_TITLE)
    assert entities[0]["type"] == "bold"


async def test_a_card_shared_through_inline_mode_is_not_taken_for_a_question(
    emulator: BotApiEmulator, bot: Application
) -> None:
    bot_user = {
        "id": emulator.bot_id,
        "is_bot": True,
        "first_name": "Emulator Bot",
        "username": emulator.bot_username,
    }
    await emulator.send_message(
        USER, {"text": f"{FUNERAL_TITLE}\n\nWhen Lenin died…", "via_bot": bot_user}
    )

    reply = await ask(emulator, USER, "lenins testament", "Lenin's Testament")

    assert [call.result for call in await emulator.calls("sendMessage")] == [reply]


async def test_an_empty_inline_query_gets_no_results(
    emulator: BotApiEmulator, bot: Application
) -> None:
    query = await emulator.inline_query("", user_id=USER)
    call = await emulator.wait_for("answerInlineQuery")

    assert call.ok
    answer = await emulator.inline_answer(query["inline_query"]["id"])
    assert answer is not None and answer["results"] == []


# ----- 8. not text --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location", "document"])
async def test_media_gets_a_friendly_text_only_hint(
    emulator: BotApiEmulator, bot: Application, kind: Any
) -> None:
    await emulator.send_media(USER, kind, data=b"not really media" if kind != "location" else None)

    hint = await emulator.wait_for_message(USER)
    assert hint["text"].startswith(NOT_TEXT_HINT)
    assert "/topics" in hint["text"]


# ----- 9. forged buttons --------------------------------------------------------------------


async def test_forged_buttons_get_a_short_notice_and_the_bot_keeps_working(
    emulator: BotApiEmulator, bot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    listing = await ask(emulator, USER, "/topics")

    for forged in ("card:does-not-exist", "x" * 64, "topic:../../etc", "topics:x:9999"):
        update = await emulator.press_button(USER, listing["message_id"], data=forged)
        await emulator.wait_for("answerCallbackQuery")
        notice = await emulator.callback_answer(update["callback_query"]["id"])
        assert notice is not None and notice["text"].startswith(EXPIRED), forged
        assert len(notice["text"]) <= 200

    card = await ask(emulator, USER, TYPO_QUESTION)
    assert styled(card, "bold")[0] == FUNERAL_TITLE
    assert (await emulator.message(USER, listing["message_id"])) == listing
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []
    assert await emulator.calls("editMessageText") == []


# ----- 10. HTML in what students type --------------------------------------------------------


async def test_html_in_questions_and_names_is_shown_as_typed(
    emulator: BotApiEmulator, bot: Application
) -> None:
    await emulator.add_user(OTHER_USER, first_name="<b>Ann</b> & <script>")
    welcome = await ask(emulator, OTHER_USER, "/start")
    assert welcome["text"].startswith("Hi <b>Ann</b> & <script>! I'm your revision tutor.")

    reply = await ask(emulator, USER, "<b>stalin</b> & <script> *trotsky*")
    assert "<" not in reply["text"].replace("<b>Ann</b>", "")
    card = await ask(emulator, USER, "/card <i>lenin's testament</i> &amp;")
    assert card["text"]
    await emulator.add_bot_to_group(GROUP)
    await ask(emulator, GROUP, "/ask <b>trotsky</b> & </i>funeral", FUNERAL_TITLE)
    await assert_all_sends_ok(emulator)


# ----- 11. long and odd input, long replies ---------------------------------------------------


async def test_a_very_long_message_gets_a_sensible_reply(
    emulator: BotApiEmulator, bot: Application
) -> None:
    long_question = ("why did trotsky miss lenins funeral " * 300)[:10_000]

    card = await ask(emulator, USER, long_question)

    assert styled(card, "bold")[0] == FUNERAL_TITLE
    await assert_all_sends_ok(emulator)


async def test_binary_looking_text_gets_a_sensible_reply(
    emulator: BotApiEmulator, bot: Application
) -> None:
    noise = "\x00\x01\x1b[31m\ufffd\ufeff\u202e" + bytes(range(32, 256)).decode("latin-1")

    reply = await ask(emulator, USER, noise)

    assert NO_MATCH in reply["text"]
    assert await ask(emulator, USER, TYPO_QUESTION, FUNERAL_TITLE)
    await assert_all_sends_ok(emulator)


async def test_a_reply_over_the_telegram_limit_is_split_keyboard_last(
    emulator: BotApiEmulator, bot: Application, dialog: Dialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    paragraphs = tuple(f"Point {n}: Q&A <notes> " + "revise " * 60 for n in range(30))
    long_help = Reply(
        title="How to use me",
        lines=paragraphs,
        buttons=((Button("📚 Browse topics", "topics::0"),),),
    )
    monkeypatch.setattr(dialog, "help", lambda place: long_help)

    await emulator.send_text(USER, "/help")
    await emulator.wait_for_message(USER, "Point 29:")

    sent = [call.result for call in await emulator.calls("sendMessage", chat_id=USER)]
    assert len(sent) >= 3
    assert all(len(message["text"]) <= TELEGRAM_TEXT_LIMIT for message in sent)
    assert [labels(message) for message in sent] == [[]] * (len(sent) - 1) + [["📚 Browse topics"]]
    shown = "\n".join(message["text"] for message in sent)
    assert all(f"Point {n}: Q&A <notes> revise" in shown for n in range(30))
    await assert_all_sends_ok(emulator)


# ----- 12. Telegram errors ------------------------------------------------------------------


async def test_telegram_errors_are_logged_with_the_update_id_and_the_bot_carries_on(
    emulator: BotApiEmulator, bot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await emulator.set_blocked(BLOCKED_USER)
    blocked = await emulator.send_text(BLOCKED_USER, TYPO_QUESTION)
    await emulator.wait_for("sendMessage", chat_id=BLOCKED_USER, ok=False)

    await emulator.fail_next(502, method="sendMessage", chat_id=USER)
    failed = await emulator.send_text(USER, TYPO_QUESTION)
    apology = await emulator.wait_for_message(USER, "Sorry — something went wrong")

    card = await ask(emulator, USER, "lenins testament", "Lenin's Testament")
    assert styled(card, "bold")[0].startswith("Lenin's Testament")
    logged = {record.getMessage(): record.levelno for record in caplog.records}
    assert any(f"update {blocked['update_id']}" in m for m in logged), logged
    assert any(
        f"update {failed['update_id']}" in m and level == logging.ERROR
        for m, level in logged.items()
    ), logged
    assert len(await emulator.calls("sendMessage", chat_id=BLOCKED_USER)) == 1  # no retries
    assert [m["text"] for m in await emulator.history(USER) if m["from"]["is_bot"]] == [
        apology["text"],
        card["text"],
    ]


async def test_flood_control_is_waited_out_and_the_message_arrives_once(
    emulator: BotApiEmulator, bot: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    await emulator.fail_next(429, method="sendMessage", chat_id=USER, retry_after=1)

    card = await ask(emulator, USER, TYPO_QUESTION, FUNERAL_TITLE)

    sends = await emulator.calls("sendMessage", chat_id=USER)
    assert [(call.ok, call.error_code) for call in sends] == [(False, 429), (True, None)]
    assert sends[1].time - sends[0].time >= 1.0
    assert await emulator.delivered_count(USER) == 1
    assert styled(card, "bold")[0] == FUNERAL_TITLE


# ----- 13-16. bot.py in a subprocess ---------------------------------------------------------


async def wait_until_ready(emulator: BotApiEmulator, bot: BotProcess, method: str) -> None:
    """Wait for the bot's first `method` call; on time-out, show what the bot printed."""
    try:
        await emulator.wait_for(method, since=0, timeout=15)
    except TimeoutError:
        pytest.fail(f"bot.py made no {method} call; it printed:\n{bot.output}")


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_the_token_never_reaches_the_logs_and_sigterm_stops_cleanly(
    level: str, content_dir: Path, tmp_path: Path, bot_processes: list[BotProcess]
) -> None:
    async with BotApiEmulator(SUBPROCESS_TOKEN) as emulator:
        env = bot_env(
            TELEGRAM_BOT_TOKEN=SUBPROCESS_TOKEN,
            TELEGRAM_API_BASE_URL=emulator.base_url,
            TUTOR_LOG_LEVEL=level,
            TUTOR_DATA_DIR=str(tmp_path / "data"),
            TUTOR_CONTENT_DIR=str(content_dir),
        )
        bot = await BotProcess.start(env=env, cwd=tmp_path)
        bot_processes.append(bot)
        await wait_until_ready(emulator, bot, "setMyCommands")

        assert (await ask(emulator, USER, "/start"))["text"].startswith("Hi User5001!")
        card = await ask(emulator, USER, TYPO_QUESTION, FUNERAL_TITLE)
        label = next(label for label in labels(card) if label.startswith("➡️ "))
        await press(emulator, USER, card, label)
        await emulator.wait_for_message(USER, unshortened(label))
        code = await bot.terminate()

    output = bot.output
    assert code == 0, output
    assert "is ready" in output
    assert SUBPROCESS_TOKEN not in output and TOKEN_SECRET not in output
    assert (TYPO_QUESTION in output) == (level == "DEBUG")
    assert "Traceback" not in output


async def test_a_token_telegram_rejects_stops_start_up_without_showing_it(tmp_path: Path) -> None:
    async with BotApiEmulator() as emulator:  # accepts only its own token
        env = bot_env(
            TELEGRAM_BOT_TOKEN=SUBPROCESS_TOKEN,
            TELEGRAM_API_BASE_URL=emulator.base_url,
            TUTOR_DATA_DIR=str(tmp_path / "data"),
        )
        code, output = await run_bot(env=env, cwd=tmp_path)

    assert code == 1, output
    assert "Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN" in output
    assert TOKEN_SECRET not in output


async def test_help_lists_every_setting(tmp_path: Path) -> None:
    code, output = await run_bot("--help", env=bot_env(), cwd=tmp_path)

    assert code == 0
    assert [s.env for s in SETTINGS if s.env not in output] == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TUTOR_WEBHOOK_PORT", "abc"),
        ("TELEGRAM_BOT_TOKEN", "123:not-a-token"),
        ("TELEGRAM_API_BASE_URL", "127.0.0.1:8081/bot"),
        ("TUTOR_LOG_LEVEL", "LOUD"),
    ],
)
async def test_a_malformed_setting_stops_start_up_with_one_line(
    name: str, value: str, tmp_path: Path
) -> None:
    env = bot_env(
        TELEGRAM_BOT_TOKEN=SUBPROCESS_TOKEN,
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
        TUTOR_DATA_DIR=str(tmp_path),
    )
    env[name] = value

    code, output = await run_bot(env=env, cwd=tmp_path)

    assert code == 2, output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], output
    assert TOKEN_SECRET not in output


async def test_invalid_content_stops_start_up_with_file_and_line(tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    decks.mkdir()
    shutil.copy(PROJECT_ROOT / "tests/data/broken/several-problems.yaml", decks)
    env = bot_env(TUTOR_CONTENT_DIR=str(decks), TUTOR_DATA_DIR=str(tmp_path / "data"))

    code, output = await run_bot(env=env, cwd=tmp_path)

    assert code == 1, output
    problems = [line for line in output.splitlines() if re.match(r"\S+\.yaml:\d+: \S", line)]
    assert len(problems) >= 3, output
    assert all(line.startswith(str(decks / "several-problems.yaml")) for line in problems)
    assert "Traceback" not in output


async def test_without_a_token_the_bot_runs_in_the_terminal(
    content_dir: Path, dialog: Dialog, tmp_path: Path
) -> None:
    env = bot_env(TUTOR_CONTENT_DIR=str(content_dir), TUTOR_DATA_DIR=str(tmp_path / "data"))
    typed = b"why did trotsky miss lenins funeral\n1\n/topics\n/quit\n"

    code, output = await run_bot(env=env, cwd=tmp_path, stdin=typed)

    assert code == 0, output
    card_at = output.index(f"bot> {FUNERAL_TITLE}\n")
    choices = re.findall(r"^  \[(\d+)\] (.+)$", output[card_at:].split("bot>")[1], re.M)
    assert choices[0] == ("1", "🧠 Quiz me on this")
    assert [number for number, _ in choices] == [str(n) for n in range(1, len(choices) + 1)]
    library = dialog.library
    topic = library.cards[FUNERAL_CARD].topic_id
    prompts = [
        q.prompt for q in library.questions.values() if library.cards[q.card_id].topic_id == topic
    ]
    after_press = output[card_at:].split("bot>", 2)[2]
    assert any(prompt in after_press for prompt in prompts), after_press
    assert "bot> TOPICS" in output
    assert "[1] Background and Lenin's death" in output
    assert output.rstrip().endswith("Bye — good luck with your revision!")


def test_files_come_from_the_file_path_of_a_self_hosted_api_server(
    bot_settings: Settings, dialog: Dialog
) -> None:
    settings = replace(bot_settings, api_base_url="http://botapi.internal:8081/bot")

    application = build_application(settings, dialog)

    assert application.bot.base_url == f"http://botapi.internal:8081/bot{settings.token}"
    assert application.bot.base_file_url == f"http://botapi.internal:8081/file/bot{settings.token}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def post_update(url: str, update: JSON, secret: str | None) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=5)
        ) as response,
    ):
        return response.status


async def test_webhook_mode_registers_the_webhook_and_serves_updates_with_the_secret(
    content_dir: Path, tmp_path: Path, bot_processes: list[BotProcess]
) -> None:
    port = free_port()
    async with BotApiEmulator(SUBPROCESS_TOKEN) as emulator:
        env = bot_env(
            TELEGRAM_BOT_TOKEN=SUBPROCESS_TOKEN,
            TELEGRAM_API_BASE_URL=emulator.base_url,
            TUTOR_WEBHOOK_URL="https://example.invalid/telegram",
            TUTOR_WEBHOOK_SECRET=WEBHOOK_SECRET,
            TUTOR_WEBHOOK_PORT=str(port),
            TUTOR_WEBHOOK_LISTEN="127.0.0.1",
            TUTOR_DATA_DIR=str(tmp_path / "data"),
            TUTOR_CONTENT_DIR=str(content_dir),
        )
        bot = await BotProcess.start(env=env, cwd=tmp_path)
        bot_processes.append(bot)
        await wait_until_ready(emulator, bot, "setWebhook")
        registered = (await emulator.calls("setWebhook"))[0].params
        assert registered["url"] == "https://example.invalid/telegram"
        assert registered["secret_token"] == WEBHOOK_SECRET

        update = await emulator.send_text(USER, TYPO_QUESTION)  # queued, never polled
        url = f"http://127.0.0.1:{port}/telegram"
        status = await post_when_listening(url, update, None)
        assert status == 403
        assert await post_update(url, update, "wrong") == 403
        assert await post_update(url, update, WEBHOOK_SECRET) == 200
        card = await emulator.wait_for_message(USER, FUNERAL_TITLE, timeout=10)
        assert styled(card, "bold")[0] == FUNERAL_TITLE
        student_text = "my private revision note " * 2000
        assert await post_raw(url, b"\xff not json {", WEBHOOK_SECRET) == 400
        assert await post_raw(url, student_text.encode(), WEBHOOK_SECRET) == 400
        not_an_update = json.dumps({"text": student_text}).encode()
        assert await post_raw(url, not_an_update, WEBHOOK_SECRET) == 400
        assert await post_raw(url, b'{"update_id": 7, "message": 5}', WEBHOOK_SECRET) == 400
        assert await emulator.calls("getUpdates") == []
        code = await bot.terminate()

    assert code == 0, bot.output
    assert WEBHOOK_SECRET not in bot.output and TOKEN_SECRET not in bot.output
    assert "private revision note" not in bot.output
    refusals = [line for line in bot.output.splitlines() if "is not an update" in line]
    assert len(refusals) == 4, bot.output
    assert "CRITICAL" not in bot.output
    assert await emulator.calls("deleteWebhook") == []  # stays registered: see README


async def test_long_polling_serves_the_dashboard_beside_it(
    content_dir: Path, tmp_path: Path, bot_processes: list[BotProcess]
) -> None:
    port = free_port()
    async with BotApiEmulator(SUBPROCESS_TOKEN) as emulator:
        env = bot_env(
            TELEGRAM_BOT_TOKEN=SUBPROCESS_TOKEN,
            TELEGRAM_API_BASE_URL=emulator.base_url,
            TUTOR_PUBLIC_URL="https://dash.example.invalid",
            TUTOR_WEBHOOK_PORT=str(port),
            TUTOR_WEBHOOK_LISTEN="127.0.0.1",
            TUTOR_DATA_DIR=str(tmp_path / "data"),
            TUTOR_CONTENT_DIR=str(content_dir),
        )
        bot = await BotProcess.start(env=env, cwd=tmp_path)
        bot_processes.append(bot)
        # start_polling deletes any webhook and then long-polls; the emulator records a
        # getUpdates call only when it returns (after its timeout when nothing is pending),
        # so the readiness sign is deleteWebhook: the update sent next is kept until fetched.
        await wait_until_ready(emulator, bot, "deleteWebhook")
        await emulator.send_text(USER, TYPO_QUESTION)
        await emulator.wait_for_message(USER, FUNERAL_TITLE, timeout=10)
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            deadline = asyncio.get_running_loop().time() + 10
            while True:
                try:
                    async with session.get(f"{base}/dashboard?chat=-5") as page:
                        assert page.status == 200
                        assert "tgWebAppData" in await page.text()
                    break
                except aiohttp.ClientConnectionError:
                    assert asyncio.get_running_loop().time() < deadline
                    await asyncio.sleep(0.05)
            async with session.get(f"{base}/dashboard/view?chat=-5") as view:
                assert view.status == 401
            async with session.post(f"{base}/telegram", data=b"{}") as hook:
                assert hook.status in (404, 405)  # no webhook route in polling mode
        code = await bot.terminate()
    assert code == 0, bot.output
    assert await emulator.calls("setWebhook") == []


async def post_raw(url: str, body: bytes, secret: str) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=5)
        ) as response,
    ):
        return response.status


async def post_when_listening(url: str, update: JSON, secret: str | None) -> int:
    """POST once the webhook server accepts connections (it starts after setWebhook)."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        try:
            return await post_update(url, update, secret)
        except aiohttp.ClientConnectionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)
