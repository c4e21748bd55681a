"""Tests of the Bot API emulator itself: wire format, PTB compatibility, control API, faults."""

from __future__ import annotations

import asyncio
import json
import re
import struct
import sys
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    ChatFullInfo,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Poll,
    Update,
    User,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    PollAnswerHandler,
)

from .emulator import (
    DEFAULT_TOKEN,
    BotApiEmulator,
    EmulatorClient,
    EmulatorError,
    FloodLimits,
    parse_html,
    running_application,
)

USER = 5001
OTHER_USER = 5002
GROUP = -4001
KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Yes", "callback_data": "yes"}, {"text": "No", "callback_data": "no"}]
    ]
}


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    rows = b"".join(b"\x00" + b"\x00\x80\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = tiny_png()


class RawApi:
    """Calls the emulator like any HTTP client would, returning (status, body)."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def __call__(self, method: str, **params: Any) -> tuple[int, Any]:
        async with self.session.post(f"{self.url}/{method}", json=params) as response:
            return response.status, await response.json()

    async def form(self, method: str, data: Any) -> tuple[int, Any]:
        async with self.session.post(f"{self.url}/{method}", data=data) as response:
            return response.status, await response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]

    async def error(self, method: str, **params: Any) -> str:
        status, body = await self(method, **params)
        assert not body["ok"] and status == body["error_code"], body
        return f"{status} {body['description']}"


@pytest.fixture
async def api(emulator: BotApiEmulator) -> AsyncIterator[RawApi]:
    async with aiohttp.ClientSession() as session:
        yield RawApi(session, f"{emulator.base_url}{emulator.token}")


async def test_get_me_is_a_valid_ptb_user_and_methods_are_case_insensitive(
    emulator: BotApiEmulator, api: RawApi
) -> None:
    me = User.de_json(await api.ok("getMe"), None)
    assert me.is_bot and me.username == emulator.bot_username and me.id == emulator.bot_id
    assert me.can_read_all_group_messages is False and me.supports_inline_queries is True
    async with api.session.get(f"{api.url}/GETME") as response:
        assert (await response.json())["result"]["id"] == emulator.bot_id
    assert [c.method for c in await emulator.calls()] == ["getMe", "getMe"]


async def test_unknown_method_and_wrong_token(emulator: BotApiEmulator, api: RawApi) -> None:
    status, body = await api("sendTeleportation", chat_id=1)
    assert (status, body) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    await emulator.add_chat(USER)
    bad_reply = {"message_id": "not a number"}
    status, body = await api("sendMessage", chat_id=USER, text="x", reply_parameters=bad_reply)
    assert status == 500 and "emulator failed" in body["description"]
    call = (await emulator.calls("sendTeleportation"))[0]
    assert call.params == {"chat_id": 1} and not call.ok and call.error_code == 404
    async with api.session.post(f"{emulator.base_url}1:wrong/getMe") as response:
        assert response.status == 401 and (await response.json())["description"] == "Unauthorized"


def test_parse_html_entities_use_utf16_offsets() -> None:
    text, entities = parse_html(
        '😀 <b>bold <i>both</i></b> &lt;3 <a href="https://e.x/?a=1&amp;b">l</a> '
        '<tg-time unix="1700000000" format="wDT">then</tg-time>'
    )
    assert text == "😀 bold both <3 l then"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "text_link", "url": "https://e.x/?a=1&b", "offset": 16, "length": 1},
        {
            "type": "date_time",
            "unix_time": 1700000000,
            "date_time_format": "wDT",
            "offset": 18,
            "length": 4,
        },
    ]
    message = Message.de_json(
        {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "text": text,
            "entities": entities,
        },
        None,
    )
    assert message.text_html.startswith("😀 <b>bold <i>both</i></b> &lt;3")


async def test_send_message_formats_markup_and_replies(
    emulator: BotApiEmulator, api: RawApi
) -> None:
    not_found = await api.error("sendMessage", chat_id=USER, text="hi")
    assert not_found == "400 Bad Request: chat not found"
    await emulator.send_text(USER, "hello")
    sent = await api.ok(
        "sendMessage",
        chat_id=USER,
        text="<b>Hi</b> &amp; bye",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
        reply_parameters={"message_id": 1},
        link_preview_options={"is_disabled": True},
    )
    message = Message.de_json(sent, None)
    assert message.text == "Hi & bye" and message.text_html == "<b>Hi</b> &amp; bye"
    assert message.reply_to_message and message.reply_to_message.text == "hello"
    assert message.reply_markup and message.reply_markup.inline_keyboard[0][1].callback_data == "no"
    assert message.from_user and message.from_user.is_bot and message.chat.type == "private"
    assert message.message_id == 2 and message.link_preview_options
    # PTB's wire format: form fields whose objects (and numbers) are JSON strings.
    status, body = await api.form(
        "sendMessage",
        {
            "chat_id": str(USER),
            "text": "42",
            "reply_to_message_id": "1",
            "reply_markup": json.dumps({"keyboard": [["A", "B"]], "resize_keyboard": True}),
        },
    )
    assert status == 200 and body["result"]["text"] == "42" and "reply_markup" not in body["result"]
    assert await emulator.reply_keyboard(USER) == {
        "keyboard": [["A", "B"]],
        "resize_keyboard": True,
    }
    assert (await emulator.calls("sendMessage"))[-1].params["chat_id"] == USER
    assert await emulator.delivered_count(USER) == 2


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"text": ""}, "message text is empty"),
        ({"text": "x" * 4097}, "message is too long"),
        ({"text": "1 < 2", "parse_mode": "HTML"}, "can't parse entities: Unsupported start tag"),
        ({"text": "<b>bold", "parse_mode": "HTML"}, "Can't find end tag"),
        ({"text": "<b>x</i>", "parse_mode": "HTML"}, "Unmatched end tag"),
        ({"text": "</b>", "parse_mode": "HTML"}, "Unexpected end tag"),
        ({"text": "<blink>x</blink>", "parse_mode": "HTML"}, 'Unsupported start tag "blink"'),
        ({"text": "x", "parse_mode": "Klingon"}, "unsupported parse_mode"),
        (
            {
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "d" * 65}]]},
            },
            "BUTTON_DATA_INVALID",
        ),
        ({"text": "x", "reply_markup": {"inline_keyboard": [{"text": "A"}]}}, "Array of Arrays"),
        (
            {"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "A"}]]}},
            "Text buttons are unallowed",
        ),
        ({"text": "x", "reply_parameters": {"message_id": 99}}, "message to be replied not found"),
    ],
)
async def test_send_message_is_validated_like_telegram(
    emulator: BotApiEmulator, api: RawApi, params: dict[str, Any], error: str
) -> None:
    await emulator.add_chat(USER)
    description = await api.error("sendMessage", chat_id=USER, **params)
    assert description.startswith("400 Bad Request: ") and error in description


async def test_long_polling_offset_limit_and_allowed_updates(
    emulator: BotApiEmulator, api: RawApi
) -> None:
    assert await api.ok("getUpdates", timeout=0) == []
    started = time.monotonic()
    polls = emulator.state.poll_generation
    waiting = asyncio.create_task(api.ok("getUpdates", timeout=5))
    while emulator.state.poll_generation == polls:  # until the request waits in the long poll
        assert time.monotonic() - started < 1
        await asyncio.sleep(0.005)
    injected = await emulator.send_text(USER, "wake up")
    assert await waiting == [injected] and time.monotonic() - started < 1
    started = time.monotonic()
    assert await api.ok("getUpdates", offset=injected["update_id"] + 1, timeout=1) == []
    assert 0.9 < time.monotonic() - started < 2
    await emulator.chat_member_update(GROUP, USER, "left", "member")
    second = await emulator.send_text(USER, "two")
    third = await emulator.send_text(USER, "three")
    assert await api.ok("getUpdates", limit=1) == [second]  # chat_member is not sent by default
    await emulator.chat_member_update(GROUP, USER, "member", "left")
    updates = await api.ok("getUpdates", offset=third["update_id"], allowed_updates=["chat_member"])
    assert [u["update_id"] for u in updates] == [third["update_id"] + 1]
    assert (await emulator.stats())["pending_updates"] == 1


async def test_every_injected_update_parses_with_ptb(emulator: BotApiEmulator, api: RawApi) -> None:
    await emulator.add_user(USER, "Ann", username="ann")
    await emulator.send_text(USER, "/start payload")
    await emulator.add_bot_to_group(GROUP, title="Study group", by_user_id=USER)
    await emulator.send_text(GROUP, f"/quiz@{emulator.bot_username}", user_id=OTHER_USER)
    for kind in ("sticker", "photo", "voice", "document", "location"):
        await emulator.send_media(USER, kind, data=PNG, caption="c", latitude=1.5, longitude=2.5)
    sent = await api.ok(
        "sendPoll",
        chat_id=USER,
        question="Q?",
        options=["a", "b"],
        is_anonymous=False,
        reply_markup=KEYBOARD,
    )
    await emulator.send_text(USER, "a reply", reply_to=sent["message_id"])
    await emulator.press_button(USER, sent["message_id"], data="forged")
    await emulator.answer_poll(sent["poll"]["id"], [1])
    await emulator.inline_query("cards", user_id=USER, chat_type="sender")
    await emulator.chat_member_update(GROUP, OTHER_USER, "member", "kicked")
    await emulator.remove_bot_from_group(GROUP, by_user_id=USER)
    await emulator.add_chat(-4002, title="Old group")
    old, new = await emulator.migrate_group(-4002)
    await emulator.block_bot(USER)

    raw = await api.ok("getUpdates", allowed_updates=Update.ALL_TYPES)
    # Any: this test checks the runtime shapes PTB parses, attribute by attribute.
    updates: list[Any] = [Update.de_json(u, None) for u in raw]
    kinds = [next(k for k in u if k != "update_id") for u in raw]
    assert kinds == [
        "message",
        "my_chat_member",
        "message",
        "message",
        *["message"] * 5,
        "message",
        "callback_query",
        "poll_answer",
        "poll",
        "inline_query",
        "chat_member",
        "my_chat_member",
        "message",
        "message",
        "my_chat_member",
    ]
    start, joined, service, command = updates[:4]
    assert start.message.text == "/start payload" and start.message.from_user.username == "ann"
    assert start.message.entities[0].type == "bot_command" and start.message.entities[0].length == 6
    assert joined.my_chat_member.new_chat_member.status == "member"
    assert service.message.new_chat_members[0].id == emulator.bot_id
    assert command.message.entities[0].length == len(f"/quiz@{emulator.bot_username}")
    media = [u.message for u in updates[4:9]]
    assert media[0].sticker.emoji == "👍"
    assert (media[1].photo[0].width, media[1].photo[0].height) == (3, 2)
    assert media[2].voice.to_dict()["duration"] == 1 and media[3].document.file_size == len(PNG)
    assert media[4].location.latitude == 1.5
    reply, callback, answer, poll, inline = updates[9:14]
    assert reply.message.reply_to_message.poll.question == "Q?"
    assert callback.callback_query.data == "forged" and callback.callback_query.chat_instance
    assert callback.callback_query.message.message_id == sent["message_id"]
    assert answer.poll_answer.option_ids == (1,)
    assert answer.poll_answer.option_persistent_ids == ("1",)
    assert poll.poll.options[1].voter_count == 1 and inline.inline_query.query == "cards"
    assert updates[14].chat_member.new_chat_member.until_date is not None
    assert updates[15].my_chat_member.new_chat_member.status == "kicked"
    assert updates[16].message.migrate_to_chat_id == new["message"]["chat"]["id"] == -1004002
    assert updates[17].message.migrate_from_chat_id == -4002 == old["message"]["chat"]["id"]
    assert updates[18].my_chat_member.chat.type == "private"


async def test_buttons_edits_deletes_and_history(emulator: BotApiEmulator, api: RawApi) -> None:
    await emulator.send_text(USER, "/menu")
    menu = await api.ok("sendMessage", chat_id=USER, text="Pick", reply_markup=KEYBOARD)
    press = await emulator.press_button(USER, menu["message_id"], text="No")
    query_id = press["callback_query"]["id"]
    assert press["callback_query"]["data"] == "no"
    with pytest.raises(EmulatorError, match="no callback button"):
        await emulator.press_button(USER, menu["message_id"], text="Maybe")
    assert await api.ok("answerCallbackQuery", callback_query_id=query_id, text="Noted") is True
    assert "query is too old" in await api.error("answerCallbackQuery", callback_query_id=query_id)
    assert await emulator.callback_answer(query_id) == {
        "text": "Noted",
        "show_alert": None,
        "url": None,
    }
    edited = await api.ok(
        "editMessageText",
        chat_id=USER,
        message_id=menu["message_id"],
        text="Picked: no",
        reply_markup=KEYBOARD,
    )
    assert Message.de_json(edited, None).edit_date is not None
    assert "message is not modified" in await api.error(
        "editMessageText",
        chat_id=USER,
        message_id=menu["message_id"],
        text="Picked: no",
        reply_markup=KEYBOARD,
    )
    assert "reply_markup" not in await api.ok(
        "editMessageReplyMarkup", chat_id=USER, message_id=menu["message_id"]
    )
    assert "message can't be edited" in await api.error(
        "editMessageText", chat_id=USER, message_id=1, text="hijack"
    )
    assert await api.ok("editMessageText", inline_message_id="abc", text="inline") is True
    bye = await api.ok("sendMessage", chat_id=USER, text="bye")
    assert await api.ok("deleteMessage", chat_id=USER, message_id=bye["message_id"]) is True
    again = await api.error("deleteMessage", chat_id=USER, message_id=bye["message_id"])
    assert "message to delete not found" in again
    assert await emulator.transcript(USER) == ["User5001: /menu", "bot: Picked: no"]
    history = await emulator.history(USER, include_deleted=True)
    assert [m.get("_deleted", False) for m in history] == [False, False, True]


async def test_polls_and_quizzes(emulator: BotApiEmulator, api: RawApi) -> None:
    await emulator.add_chat(USER)
    quiz = await api.ok(
        "sendPoll",
        chat_id=USER,
        question="2+2?",
        options=[{"text": "3"}, {"text": "4"}],
        type="quiz",
        correct_option_ids=[1],
        is_anonymous=False,
        open_period=60,
        explanation="<i>Count</i>",
        explanation_parse_mode="HTML",
    )
    poll = Poll.de_json(quiz["poll"], None)
    assert poll.type == "quiz" and poll.correct_option_ids == (1,) and not poll.allows_revoting
    assert poll.explanation == "Count" and poll.explanation_entities[0].type == "italic"
    assert [o.persistent_id for o in poll.options] == ["0", "1"]
    assert quiz["poll"]["open_period"] == 60
    regular = await api.ok(
        "sendPoll",
        chat_id=USER,
        question="Pick",
        options=["a", "b", "c"],
        allows_multiple_answers=True,
    )
    assert regular["poll"]["is_anonymous"] and regular["poll"]["allows_revoting"]
    legacy = await api.ok(
        "sendPoll", chat_id=USER, question="Q", options=["a", "b"], type="quiz", correct_option_id=0
    )
    assert legacy["poll"]["correct_option_ids"] == [0]

    await emulator.answer_poll(quiz["poll"]["id"], [0], user_id=USER)
    with pytest.raises(EmulatorError, match="revoting"):
        await emulator.answer_poll(quiz["poll"]["id"], [1], user_id=USER)
    update = await emulator.answer_poll(regular["poll"]["id"], [0, 2], user_id=OTHER_USER)
    assert update["poll"]["options"][2]["voter_count"] == 1  # anonymous: no poll_answer
    stopped = await api.ok("stopPoll", chat_id=USER, message_id=regular["message_id"])
    assert stopped["is_closed"] and stopped["total_voter_count"] == 1
    assert "already been closed" in await api.error(
        "stopPoll", chat_id=USER, message_id=regular["message_id"]
    )
    with pytest.raises(EmulatorError, match="closed"):
        await emulator.answer_poll(regular["poll"]["id"], [1])

    bad: dict[str, Any] = {"question": "Q", "options": ["a", "b"]}
    changes: list[tuple[dict[str, Any], str]] = [
        ({"options": ["a"]}, "at least 2"),
        ({"options": list("abcdefghijklm")}, "more than 12"),
        ({"question": " "}, "non-empty"),
        ({"question": "q" * 301}, "must not exceed 300"),
        ({"options": ["a", "b" * 101]}, "100"),
        ({"type": "quiz"}, "QUIZ_CORRECT_ANSWERS_EMPTY"),
        ({"type": "quiz", "correct_option_ids": [2]}, "QUIZ_CORRECT_ANSWER_INVALID"),
        ({"type": "quiz", "correct_option_ids": [0], "explanation": "e" * 201}, "200"),
    ]
    for change, error in changes:
        assert error in await api.error("sendPoll", chat_id=USER, **{**bad, **change})


async def test_files_upload_download_and_commands(emulator: BotApiEmulator, api: RawApi) -> None:
    await emulator.add_chat(USER)
    form = aiohttp.FormData({"chat_id": str(USER), "caption": "<b>chart</b>", "parse_mode": "HTML"})
    form.add_field("photo", PNG, filename="chart.png", content_type="image/png")
    status, body = await api.form("sendPhoto", form)
    photo = Message.de_json(body["result"], None).photo[-1]
    assert status == 200 and (photo.width, photo.height) == (3, 2)
    assert body["result"]["caption"] == "chart" and await emulator.file_bytes(photo.file_id) == PNG
    upload = (await emulator.calls("sendPhoto"))[0].params["photo"]
    assert upload == {"upload": "chart.png", "size": len(PNG), "mime_type": "image/png"}
    assert await api.ok("sendPhoto", chat_id=USER, photo=photo.file_id)
    file_info = await api.ok("getFile", file_id=photo.file_id)
    async with api.session.get(
        f"{emulator.base_file_url}{emulator.token}/{file_info['file_path']}"
    ) as response:
        assert await response.read() == PNG
    form = aiohttp.FormData({"chat_id": str(USER)})
    form.add_field("photo", b"not an image", filename="x.png")
    assert (await api.form("sendPhoto", form))[1]["description"].endswith("IMAGE_PROCESS_FAILED")
    form = aiohttp.FormData({"chat_id": str(USER)})
    form.add_field("document", b"a,b\n", filename="deck.csv", content_type="text/csv")
    document = (await api.form("sendDocument", form))[1]["result"]["document"]
    assert document["file_name"] == "deck.csv" and document["mime_type"] == "text/csv"
    assert await api.ok("sendChatAction", chat_id=USER, action="typing") is True
    assert "wrong parameter action" in await api.error("sendChatAction", chat_id=USER, action="x")

    commands = [{"command": "start", "description": "Start"}]
    assert await api.ok("setMyCommands", commands=commands) is True
    assert await api.ok("getMyCommands") == commands == await emulator.bot_commands()
    assert "BOT_COMMAND_INVALID" in await api.error(
        "setMyCommands", commands=[{"command": "Bad-Cmd", "description": "x"}]
    )
    assert await api.ok("deleteMyCommands") is True and await api.ok("getMyCommands") == []
    assert await api.ok("setChatMenuButton", menu_button={"type": "commands"}) is True
    assert await api.ok("setWebhook", url="https://example.org/hook") is True
    assert (await api.ok("getWebhookInfo"))["url"] == "https://example.org/hook"
    assert "webhook is active" in await api.error("getUpdates")
    assert await api.ok("deleteWebhook", drop_pending_updates=True) is True


async def test_fault_injection_and_blocking(emulator: BotApiEmulator, api: RawApi) -> None:
    await emulator.add_chat(USER)
    await emulator.add_chat(OTHER_USER)
    await emulator.fail_next(429, method="sendmessage", retry_after=7)
    status, body = await api("sendMessage", chat_id=USER, text="a")
    assert (status, body["description"], body["parameters"]) == (
        429,
        "Too Many Requests: retry after 7",
        {"retry_after": 7},
    )
    await api.ok("sendMessage", chat_id=USER, text="a")
    await emulator.fail_next(403, chat_id=OTHER_USER, count=2)
    await api.ok("sendMessage", chat_id=USER, text="unaffected")
    for _ in range(2):
        assert await api.error("sendMessage", chat_id=OTHER_USER, text="b") == (
            "403 Forbidden: bot was blocked by the user"
        )
    await api.ok("sendMessage", chat_id=OTHER_USER, text="b")
    await emulator.fail_next(502)
    await emulator.fail_next(500, description="Internal Server Error: try later")
    assert await api.error("getMe") == "502 Bad Gateway"
    assert await api.error("getMe") == "500 Internal Server Error: try later"
    await emulator.slow_next(0.3, method="getMe")
    started = time.monotonic()
    await api.ok("getMe")
    assert time.monotonic() - started >= 0.3
    await emulator.set_blocked(USER)
    for _ in range(2):
        assert "403 Forbidden" in await api.error("sendPhoto", chat_id=USER, photo=PNG.hex())
    await emulator.set_blocked(USER, blocked=False)
    await emulator.block_bot(OTHER_USER)
    assert "blocked by the user" in await api.error("sendMessage", chat_id=OTHER_USER, text="x")
    assert await emulator.delivered_count(USER) == 2


async def test_flood_limits(emulator: BotApiEmulator, api: RawApi) -> None:
    await emulator.add_chat(USER)
    await emulator.add_chat(GROUP)
    await api.ok("sendMessage", chat_id=USER, text="before limits")
    await emulator.set_flood_limits(FloodLimits(per_chat_burst=2, per_group_per_minute=3))
    for text in ("1", "2"):
        await api.ok("sendMessage", chat_id=USER, text=text)
    status, body = await api("sendMessage", chat_id=USER, text="3")
    assert status == 429 and body["parameters"]["retry_after"] >= 1
    await emulator.set_flood_limits(
        FloodLimits(per_chat_per_second=100, per_chat_burst=100, per_group_per_minute=3)
    )
    results = [(await api("sendMessage", chat_id=GROUP, text=str(i)))[0] for i in range(5)]
    assert results == [200, 200, 200, 429, 429]
    stats = await emulator.stats()
    assert stats["flood_rejections"] == 2 and stats["delivered"] == {str(USER): 3, str(GROUP): 3}
    await emulator.set_flood_limits(None)
    await api.ok("sendMessage", chat_id=GROUP, text="unlimited")


async def test_chat_members_admins_and_migration(emulator: BotApiEmulator, api: RawApi) -> None:
    await emulator.set_group_admins(GROUP, [10, 11])
    await emulator.add_bot_to_group(GROUP, as_admin=True)
    await emulator.add_user(12, "Member")
    owner = ChatMember.de_json(await api.ok("getChatMember", chat_id=GROUP, user_id=10), None)
    admin = ChatMember.de_json(await api.ok("getChatMember", chat_id=GROUP, user_id=11), None)
    member = ChatMember.de_json(await api.ok("getChatMember", chat_id=GROUP, user_id=12), None)
    assert isinstance(owner, ChatMemberOwner) and isinstance(admin, ChatMemberAdministrator)
    assert member.status == "member"
    admins = await api.ok("getChatAdministrators", chat_id=GROUP)
    assert [(a["user"]["id"], a["status"]) for a in admins] == [
        (10, "creator"),
        (11, "administrator"),
        (emulator.bot_id, "administrator"),
    ]
    assert "user not found" in await api.error("getChatMember", chat_id=GROUP, user_id=99)
    info = ChatFullInfo.de_json(await api.ok("getChat", chat_id=GROUP), None)
    assert info.type == "group" and info.title == f"Group {abs(GROUP)}"
    await emulator.add_chat(USER)
    assert "no administrators" in await api.error("getChatAdministrators", chat_id=USER)
    _, new = await emulator.migrate_group(GROUP)
    new_id = new["message"]["chat"]["id"]
    status, body = await api("sendMessage", chat_id=GROUP, text="x")
    assert status == 400 and body["parameters"] == {"migrate_to_chat_id": new_id}
    assert await api.ok("getChatMember", chat_id=new_id, user_id=10)
    assert await api.ok("leaveChat", chat_id=new_id) is True
    assert await api.error("sendMessage", chat_id=new_id, text="x") == (
        "403 Forbidden: bot is not a member of the supergroup chat"
    )


async def test_ptb_bot_maps_emulator_errors_to_its_exceptions(
    emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without it PTB 22.8 warns (an error here) whenever it builds a RetryAfter.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    await emulator.add_chat(USER)
    await emulator.add_chat(GROUP)
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        await emulator.fail_next(429, retry_after=2)
        with pytest.raises(RetryAfter):
            await bot.send_message(USER, "x")
        await emulator.set_blocked(USER)
        with pytest.raises(Forbidden):
            await bot.send_message(USER, "x")
        with pytest.raises(BadRequest, match="parse entities"):
            await bot.send_message(GROUP, "<b>x", parse_mode="HTML")
        await emulator.migrate_group(GROUP)
        with pytest.raises(ChatMigrated):
            await bot.send_message(GROUP, "x")


async def test_http_control_client(emulator: BotApiEmulator, api: RawApi) -> None:
    async with EmulatorClient(emulator.url) as client:
        update = await client.send_text(USER, "/start")
        assert update["message"]["text"] == "/start"
        waiter = asyncio.create_task(client.wait_for_message(USER, "welcome"))
        await api.ok("sendMessage", chat_id=USER, text="not this one")
        await api.ok("sendMessage", chat_id=USER, text="welcome!")
        assert (await waiter)["text"] == "welcome!"
        assert [c.params["text"] for c in await client.calls("sendMessage", chat_id=USER)] == [
            "not this one",
            "welcome!",
        ]
        with pytest.raises(TimeoutError, match="recent calls"):
            await client.wait_for("sendPoll", timeout=0.1)
        with pytest.raises(EmulatorError, match="unknown chat"):
            await client.history(424242)
        with pytest.raises(EmulatorError, match="unknown control operation"):
            await client._op("explode")
        await client.reset()
        assert await client.calls() == [] and await emulator.pending_updates() == []


async def test_real_ptb_application(emulator: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message
        buttons = [InlineKeyboardButton(t, callback_data=t.lower()) for t in ("Yes", "No")]
        keyboard = InlineKeyboardMarkup([buttons])
        await update.message.reply_text(
            "Hi <b>there</b>! Ready?", parse_mode="HTML", reply_markup=keyboard
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query
        await query.answer("Got it")
        await query.edit_message_text(f"You said {query.data}")

    async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat
        await context.bot.send_poll(
            update.effective_chat.id,
            "2 + 2 = ?",
            ["3", "4"],
            type=Poll.QUIZ,
            correct_option_ids=[1],
            is_anonymous=False,
        )

    async def answered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = update.poll_answer
        assert answer and answer.user
        await context.bot.send_message(answer.user.id, f"You picked {answer.option_ids[0]}")

    async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.inline_query
        article = InlineQueryResultArticle("card-1", "Card", InputTextMessageContent("card text"))
        await update.inline_query.answer([article], cache_time=0)

    async def chart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message
        await update.message.reply_photo(PNG, caption="chart")

    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message
        await update.message.reply_text("pong")

    app = emulator.application_builder().build()
    app.add_handlers(
        [
            CommandHandler("start", start),
            CommandHandler("quiz", quiz),
            CommandHandler("chart", chart),
            CommandHandler("ping", ping),
            CallbackQueryHandler(pressed),
            PollAnswerHandler(answered),
            InlineQueryHandler(inline),
        ]
    )
    async with running_application(app):
        await emulator.send_text(USER, "/start")
        greeting = await emulator.wait_for_message(USER, "Ready?")
        assert greeting["entities"] == [{"type": "bold", "offset": 3, "length": 5}]
        await emulator.press_button(USER, greeting["message_id"], text="Yes")
        await emulator.wait_for("editMessageText")
        assert await emulator.transcript(USER) == ["User5001: /start", "bot: You said yes"]
        assert (await emulator.calls("answerCallbackQuery"))[0].params["text"] == "Got it"

        await emulator.send_text(USER, "/quiz")
        poll = (await emulator.wait_for_message(USER, "2 + 2"))["poll"]
        assert poll["correct_option_ids"] == [1] and poll["type"] == "quiz"
        await emulator.answer_poll(poll["id"], [1])
        assert (await emulator.wait_for_message(USER))["text"] == "You picked 1"

        query = await emulator.inline_query("card", user_id=USER)
        await emulator.wait_for("answerInlineQuery")
        answer = await emulator.inline_answer(query["inline_query"]["id"])
        assert answer and answer["results"][0]["id"] == "card-1"

        await emulator.add_bot_to_group(GROUP)
        await emulator.send_text(GROUP, f"/start@{emulator.bot_username}", user_id=USER)
        assert "Ready?" in (await emulator.wait_for_message(GROUP))["text"]
        await emulator.send_text(USER, "/chart")
        photo = (await emulator.wait_for_message(USER, "chart"))["photo"][-1]
        assert await emulator.file_bytes(photo["file_id"]) == PNG
        since = len(await emulator.calls())
        await emulator.send_text(GROUP, "/start@some_other_bot")
        await emulator.assert_no_call_before_reply(
            "sendMessage", chat_id=GROUP, since=since, probe="/ping", probe_reply="pong"
        )
    assert (await emulator.stats())["delivered"] == {str(USER): 4, str(GROUP): 2}  # 1 + "pong"


async def test_standalone_server_process() -> None:
    root = Path(__file__).resolve().parents[2]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.emulator",
        "--port",
        "0",
        cwd=root,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        url = re.search(r"control=(\S+)/_emu", line)
        assert url, line
        async with (
            EmulatorClient(url.group(1)) as client,
            Bot(DEFAULT_TOKEN, base_url=f"{url.group(1)}/bot") as bot,
        ):
            await client.send_text(USER, "hello")
            updates = await bot.get_updates(timeout=2)
            assert updates[0].message and updates[0].message.text == "hello"
            await bot.send_message(USER, "hi back")
            assert (await client.wait_for_message(USER, "back"))["from"]["is_bot"]
    finally:
        process.terminate()
        await process.communicate()
    assert process.returncode == 0
