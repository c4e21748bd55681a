"""Telegram Bot API emulator for end-to-end tests of the bot.

The bot (python-telegram-bot) talks to :class:`BotApiEmulator` over HTTP exactly as it talks to
api.telegram.org: ``POST /bot<TOKEN>/<method>``.  Tests play the users: they inject updates
(messages, button presses, poll answers, ...), read what the bot sent, and inject faults.

The control side exists twice with the same signatures, both built on :class:`ControlApi`:
in-process as methods of :class:`BotApiEmulator`, and over HTTP (``POST /_emu/<op>`` with JSON
keyword arguments) through :class:`EmulatorClient`, for a bot running in a subprocess.  Every
control method is a coroutine and returns plain JSON data, so tests read the same either way.

Standalone: ``python -m tests.e2e.emulator --port 8081``.  See README.md in this directory.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import copy
import html
import itertools
import json
import math
import re
import signal
import struct
import time
from abc import ABC, abstractmethod
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import ClientSession, web

if TYPE_CHECKING:
    from telegram.ext import Application, ApplicationBuilder

JSON = dict[str, Any]
DEFAULT_TOKEN = "123456789:AAEmulatorTestToken_for-end-to-end-tests"
DEFAULT_USER_ID = 1001
MediaKind = Literal["photo", "sticker", "voice", "document", "location"]
#: Methods that deliver a new message to a chat (flood-limited and counted as "delivered").
MESSAGE_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendPoll"})
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_FAULT_TEXT = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request",
    429: "Too Many Requests: retry after {retry}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_BOT_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)
_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query", "callback_game",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text", "pay",
)  # fmt: skip
_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
    "can_edit_stories", "can_delete_stories", "can_pin_messages", "can_manage_topics",
)  # fmt: skip
# Free-text parameters: everything else is JSON-decoded (PTB sends numbers and objects as JSON
# strings), but a message text of "42" must stay a string.
_TEXT_PARAMS = frozenset(
    "text caption question explanation description title name callback_query_id inline_query_id "
    "inline_message_id url next_offset parse_mode explanation_parse_mode question_parse_mode "
    "action emoji query language_code file_id secret_token custom_title".split()
)
_CONTENT_KINDS = (
    "photo", "sticker", "voice", "document", "location", "new_chat_members",
    "migrate_to_chat_id", "migrate_from_chat_id",
)  # fmt: skip


class EmulatorError(Exception):
    """A control operation was misused (unknown chat, no such button, closed poll, ...)."""


class ApiError(Exception):
    """An error answer of the Bot API; raised by method handlers."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _now() -> int:
    return int(time.time())


@dataclass(frozen=True)
class Call:
    """One Bot API request made by the bot, together with the emulator's answer."""

    seq: int
    method: str
    params: JSON
    time: float
    ok: bool
    result: Any = None
    error_code: int | None = None
    description: str | None = None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


@dataclass(frozen=True)
class Upload:
    data: bytes
    file_name: str | None
    mime_type: str | None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes | None
    file_name: str | None
    mime_type: str | None

    def describe(self) -> JSON:
        info: JSON = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.data is not None:
            info["file_size"] = len(self.data)
        return info


@dataclass
class Fault:
    """An injected failure or delay for the next ``count`` matching calls."""

    code: int | None
    count: int = 1
    method: str | None = None
    chat_id: int | str | None = None
    retry_after: int | None = None
    description: str | None = None
    delay: float = 0.0

    def matches(self, method: str, chat_id: Any) -> bool:
        # A fault for "any method" must not be swallowed by the bot's idle long polling.
        if self.method is None and method == "getUpdates":
            return False
        same_method = self.method is None or self.method.lower() == method.lower()
        return same_method and (self.chat_id is None or str(self.chat_id) == str(chat_id))

    def error(self) -> ApiError | None:
        if self.code is None:
            return None
        retry = self.retry_after if self.retry_after is not None else 1 if self.code == 429 else 0
        text = self.description or _FAULT_TEXT.get(self.code, "Injected error")
        return ApiError(self.code, text.format(retry=retry), {"retry_after": retry} if retry else None)


@dataclass
class FloodLimits:
    """Telegram-like send limits; the per-chat limit is a token bucket that allows short bursts."""

    global_per_second: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20


class _FloodControl:
    def __init__(self, limits: FloodLimits) -> None:
        self.limits = limits
        self.sent: deque[float] = deque()
        self.buckets: dict[int, tuple[float, float]] = {}
        self.group_sent: defaultdict[int, deque[float]] = defaultdict(deque)
        self.rejections: Counter[int] = Counter()

    def admit(self, chat_id: int, is_group: bool) -> None:
        """Record one message for ``chat_id`` or raise a 429 if a limit would be exceeded."""
        now, lim = time.monotonic(), self.limits
        _trim(self.sent, now - 1.0)
        waits = [self.sent[0] + 1.0 - now] if len(self.sent) >= lim.global_per_second else []
        tokens, last = self.buckets.get(chat_id, (float(lim.per_chat_burst), now))
        tokens = min(float(lim.per_chat_burst), tokens + (now - last) * lim.per_chat_per_second)
        if tokens < 1:
            waits.append((1 - tokens) / lim.per_chat_per_second)
        group = self.group_sent[chat_id]
        if is_group:
            _trim(group, now - 60.0)
            if len(group) >= lim.per_group_per_minute:
                waits.append(group[0] + 60.0 - now)
        if waits:
            self.rejections[chat_id] += 1
            retry = max(1, math.ceil(max(waits)))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self.sent.append(now)
        self.buckets[chat_id] = (tokens - 1, now)
        if is_group:
            group.append(now)


def _trim(stamps: deque[float], oldest: float) -> None:
    while stamps and stamps[0] <= oldest:
        stamps.popleft()


class Params:
    """Parameters of one Bot API request, decoded once, with typed accessors."""

    def __init__(self, raw: Mapping[str, Any], files: Mapping[str, Upload]) -> None:
        self.values: JSON = {k: v if k in _TEXT_PARAMS else _maybe_json(v) for k, v in raw.items()}
        self.files = dict(files)

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad(f"wrong parameter {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        return value is True or str(value).lower() in ("true", "1")

    def chat_id(self) -> int | str:
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise _bad("chat_id is empty")
        return value if isinstance(value, int) else str(value)

    def for_record(self) -> JSON:
        uploads = {
            key: {"upload": f.file_name, "size": len(f.data), "mime_type": f.mime_type}
            for key, f in self.files.items()
        }
        return {**self.values, **uploads}


def _maybe_json(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


# ---------------------------------------------------------------------------------------------
# Text formatting (parse_mode=HTML) — Telegram rejects malformed markup, so must we.

_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^<>]*)>")
_CHAR_REF = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _entities_error(detail: str) -> ApiError:
    return _bad(f"can't parse entities: {detail}")


def _tag_entity(name: str, attrs: str, byte_offset: int) -> JSON | None:
    values = {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
              for m in _ATTR.finditer(attrs)}  # fmt: skip
    kind = _HTML_TAGS[name]
    if name == "span" and values.get("class") != "tg-spoiler":
        raise _entities_error(f'Unsupported start tag "span" at byte offset {byte_offset}')
    if kind == "text_link":
        return {"type": kind, "url": values["href"]} if values.get("href") else None
    if kind == "custom_emoji":
        return {"type": kind, "custom_emoji_id": values.get("emoji-id", "")}
    if kind == "blockquote" and "expandable" in attrs:
        return {"type": "expandable_blockquote"}
    return {"type": kind}


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Turn Telegram-HTML into (plain text, entities) with UTF-16 offsets, as the Bot API does."""
    out: list[str] = []
    length = 0
    stack: list[tuple[str, int, JSON | None]] = []
    entities: list[JSON] = []
    i = 0
    while i < len(source):
        if source[i] == "<":
            offset = len(source[:i].encode())
            match = _TAG.match(source, i)
            if match is None:
                raise _entities_error(f'Unsupported start tag "" at byte offset {offset}')
            name = match.group(2).lower()
            if not match.group(1):
                if name not in _HTML_TAGS:
                    raise _entities_error(f'Unsupported start tag "{name}" at byte offset {offset}')
                stack.append((name, length, _tag_entity(name, match.group(3), offset)))
            elif not stack:
                raise _entities_error(f"Unexpected end tag at byte offset {offset}")
            else:
                open_name, start, entity = stack.pop()
                if open_name != name:
                    raise _entities_error(
                        f'Unmatched end tag at byte offset {offset}, expected "</{open_name}>", '
                        f'found "</{name}>"'
                    )
                if entity is not None and length > start:
                    entities.append({**entity, "offset": start, "length": length - start})
            i = match.end()
            continue
        char_ref = _CHAR_REF.match(source, i) if source[i] == "&" else None
        chunk = html.unescape(char_ref.group(0)) if char_ref else source[i]
        i = char_ref.end() if char_ref else i + 1
        out.append(chunk)
        length += _utf16_len(chunk)
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _format(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JSON]]:
    if isinstance(entities, list) and entities:
        return text, entities
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode in ("", "markdown", "markdownv2"):
        return text, []  # Markdown is stored verbatim: not parsed, not validated
    raise _bad("unsupported parse_mode")


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG/GIF; (0, 0) for JPEG/WebP; None if not an image at all."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8") or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return 0, 0
    return None


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    if sum(len(row) for row in rows) > 100:
        raise _bad("reply markup is too long")
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        if len([key for key in _BUTTON_ACTIONS if key in button]) != 1:
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        if "callback_data" in button and not 1 <= len(str(button["callback_data"]).encode()) <= 64:
            raise _bad("BUTTON_DATA_INVALID")


def _check_reply_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
        raise _bad("can't parse reply keyboard markup JSON object")


def _member(user: JSON, status: str) -> JSON:
    """A ChatMember object in the shape PTB requires for ``status``."""
    member: JSON = {"user": copy.deepcopy(user), "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(dict.fromkeys(_ADMIN_RIGHTS, True), can_be_edited=False, is_anonymous=False)
    elif status == "kicked":
        member["until_date"] = 0
    elif status not in ("member", "left"):
        raise EmulatorError(f"unsupported chat member status {status!r}")
    return member


def _without_reply(message: JSON) -> JSON:
    return copy.deepcopy({k: v for k, v in message.items() if k != "reply_to_message"})


def _update_kind(update: JSON) -> str:
    return next(key for key in update if key != "update_id")


def describe_message(message: JSON) -> str:
    """One line as a user sees a message, e.g. ``bot: Pick one [Yes | No]``."""
    sender = message.get("from") or {}
    who = "bot" if sender.get("is_bot") else str(sender.get("first_name", "?"))
    if "text" in message:
        body = str(message["text"])
    elif "poll" in message:
        poll = message["poll"]
        body = f"[poll] {poll['question']} ({' / '.join(o['text'] for o in poll['options'])})"
    else:
        body = f"[{next((k for k in _CONTENT_KINDS if k in message), 'service')}]"
        body += f" {message['caption']}" if message.get("caption") else ""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    buttons = " | ".join(str(button["text"]) for row in rows for button in row)
    return f"{who}: {body}" + (f" [{buttons}]" if buttons else "")


@dataclass
class ChatState:
    info: JSON
    next_message_id: int = 1
    messages: dict[int, JSON] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    admins: list[int] = field(default_factory=list)
    member_status: dict[int, str] = field(default_factory=dict)
    bot_status: str = "member"
    blocked: bool = False
    migrated_to: int | None = None
    reply_keyboard: JSON | None = None

    @property
    def id(self) -> int:
        return int(self.info["id"])

    @property
    def type(self) -> str:
        return str(self.info["type"])


class EmulatorState:
    """Everything the emulator knows; synchronous, no I/O.

    ``api_<method>`` implement Bot API methods; ``ctl_<op>`` are the control operations exposed
    through :class:`ControlApi` (arguments and results are JSON-compatible).
    """

    def __init__(
        self,
        tokens: Sequence[str],
        bot_username: str,
        bot_name: str,
        group_admins: Mapping[int, Sequence[int]],
        strict_chats: bool,
        flood_limits: FloodLimits | None,
    ) -> None:
        self.tokens = tuple(tokens)
        self.bot_id = int(self.tokens[0].split(":", 1)[0])
        self.bot_user: JSON = {
            "id": self.bot_id, "is_bot": True, "first_name": bot_name, "username": bot_username,
        }  # fmt: skip
        self.strict_chats = strict_chats
        self._initial = (dict(group_admins), flood_limits)
        # Survive reset(): a running bot keeps its offset, poller and allowed_updates.
        self.next_update_id = 1
        self.poll_generation = 0
        self.allowed_updates: frozenset[str] | None = None
        self.webhook: JSON = {"url": ""}
        self.on_change: Callable[[], None] = lambda: None
        self.ctl_reset()

    def ctl_reset(self) -> None:
        """Forget chats, messages, calls, faults and queued updates (configuration stays)."""
        group_admins, flood_limits = self._initial
        self.users: dict[int, JSON] = {}
        self.chats: dict[int, ChatState] = {}
        self.updates: list[JSON] = []
        self.calls: list[Call] = []
        self.mark = 0
        self.files: dict[str, StoredFile] = {}
        self.polls: dict[str, tuple[int, int]] = {}
        self.votes: dict[str, dict[int, list[int]]] = {}
        self.callback_answers: dict[str, JSON | None] = {}
        self.inline_answers: dict[str, JSON | None] = {}
        self.inline_messages: dict[str, JSON] = {}
        self.commands: dict[str, list[JSON]] = {}
        self.menu_buttons: dict[str, JSON] = {}
        self.faults: list[Fault] = []
        self.flood = _FloodControl(flood_limits) if flood_limits else None
        self.delivered: Counter[int] = Counter()
        self._ids = itertools.count(1)
        for chat_id, user_ids in group_admins.items():
            self.ctl_set_group_admins(chat_id, list(user_ids))

    # -- plumbing used by the HTTP layer ------------------------------------------------------

    def run_op(self, name: str, kwargs: Mapping[str, Any]) -> Any:
        if name not in CONTROL_OPS:
            raise EmulatorError(f"unknown control operation {name!r}")
        return getattr(self, f"ctl_{name}")(**kwargs)

    def dispatch(self, method: str, params: Params) -> Any:
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return handler(params)

    def record(self, method: str, params: JSON, started: float, body: JSON) -> None:
        call = Call(
            seq=len(self.calls) + 1, method=method, params=params, time=started, ok=body["ok"],
            result=body.get("result"), error_code=body.get("error_code"),
            description=body.get("description"),
        )  # fmt: skip
        self.calls.append(call)
        self.on_change()

    def take_fault(self, method: str, chat_id: Any) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, chat_id):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def confirm_updates(self, offset: int) -> None:
        """getUpdates' offset: drop confirmed updates (negative: keep only the last -offset)."""
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]

    def take_updates(self, limit: int) -> list[JSON]:
        """Pending updates the bot asked for; updates of other types are discarded, as Telegram does."""
        allowed = self.allowed_updates
        self.updates = [
            u for u in self.updates
            if (_update_kind(u) in allowed if allowed else _update_kind(u) not in _NOT_BY_DEFAULT)
        ]  # fmt: skip
        return copy.deepcopy(self.updates[:limit])

    def file_by_path(self, path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == path), None)

    # -- helpers -----------------------------------------------------------------------------

    def _next_id(self) -> int:
        return next(self._ids)

    def _user(self, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return self.bot_user
        return self.users.setdefault(
            user_id,
            {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"},
        )

    def _ensure_chat(self, chat_id: int, chat_type: str | None = None, title: str | None = None,
                     username: str | None = None) -> ChatState:  # fmt: skip
        chat = self.chats.get(chat_id)
        if chat is not None:
            return chat
        kind = chat_type or (
            "private" if chat_id > 0 else "supergroup" if chat_id < -(10**12) else "group"
        )
        info: JSON = {"id": chat_id, "type": kind}
        if kind == "private":
            user = self._user(chat_id)
            info.update({k: user[k] for k in ("first_name", "last_name", "username") if k in user})
        else:
            info["title"] = title or f"Group {abs(chat_id)}"
        if username:
            info["username"] = username
        chat = self.chats[chat_id] = ChatState(info)
        return chat

    def _chat(self, chat_id: int) -> ChatState:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise EmulatorError(f"unknown chat {chat_id}")
        return chat

    def _sender(self, chat: ChatState, user_id: int | None) -> JSON:
        if user_id is None:
            user_id = chat.id if chat.type == "private" else DEFAULT_USER_ID
        return self._user(user_id)

    def _live_message(self, chat: ChatState, message_id: int) -> JSON:
        message = chat.messages.get(message_id)
        if message is None or message_id in chat.deleted:
            raise EmulatorError(f"no message {message_id} in chat {chat.id}")
        return message

    def _new_message(self, chat: ChatState, sender: JSON, fields: JSON) -> JSON:
        message = {
            "message_id": chat.next_message_id, "from": copy.deepcopy(sender),
            "chat": copy.deepcopy(chat.info), "date": _now(), **fields,
        }  # fmt: skip
        chat.next_message_id += 1
        chat.messages[message["message_id"]] = message
        return message

    def _queue(self, kind: str, payload: JSON) -> JSON:
        update = {"update_id": self.next_update_id, kind: copy.deepcopy(payload)}
        self.next_update_id += 1
        self.updates.append(update)
        self.mark = len(self.calls)
        self.on_change()
        return copy.deepcopy(update)

    def _store_file(self, data: bytes | None, file_name: str | None, mime_type: str | None,
                    kind: str) -> StoredFile:  # fmt: skip
        n = self._next_id()
        stored = StoredFile(f"EMU-{kind}-{n}", f"U{n}", f"{kind}s/file_{n}", data, file_name,
                            mime_type)  # fmt: skip
        self.files[stored.file_id] = stored
        return stored

    # -- Bot API: chat resolution and shared message logic ----------------------------------------

    def _find_chat(self, ref: int | str) -> ChatState | None:
        if isinstance(ref, str) and ref.startswith("@"):
            return next((c for c in self.chats.values() if c.info.get("username") == ref[1:]), None)
        try:
            chat_id = int(ref)
        except ValueError:
            return None
        return self.chats.get(chat_id) or (None if self.strict_chats else self._ensure_chat(chat_id))

    def _known_chat(self, p: Params) -> ChatState:
        chat = self._find_chat(p.chat_id())
        if chat is None:
            raise _bad("chat not found")
        if chat.migrated_to is not None:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": chat.migrated_to})  # fmt: skip
        return chat

    def _writable_chat(self, p: Params) -> ChatState:
        chat = self._known_chat(p)
        if chat.type == "private":
            if chat.blocked or chat.bot_status == "kicked":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            return chat
        if chat.blocked or chat.bot_status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if chat.bot_status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return chat

    def _formatted(self, p: Params, key: str, *, limit: int, too_long: str, required: bool = True,
                   mode_key: str = "parse_mode", entities_key: str = "entities",
                   ) -> tuple[str, list[JSON]]:  # fmt: skip
        text, entities = _format(p.text(key) or "", p.text(mode_key), p.get(entities_key))
        if required and not text.strip():
            raise _bad("message text is empty")
        if len(text) > limit:
            raise _bad(too_long)
        return text, entities

    def _reply_target(self, chat: ChatState, p: Params) -> JSON | None:
        params = p.get("reply_parameters") or {}
        if not isinstance(params, dict):
            raise _bad("can't parse reply parameters JSON object")
        message_id = params.get("message_id", p.integer("reply_to_message_id"))
        if message_id is None:
            return None
        target = chat.messages.get(int(message_id))
        if target is None or int(message_id) in chat.deleted:
            if params.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply"):
                return None
            raise _bad("message to be replied not found")
        return _without_reply(target)

    def _bot_message(self, chat: ChatState, p: Params, fields: JSON) -> JSON:
        """Validate markup and reply, apply flood limits, then deliver a message from the bot."""
        markup = p.get("reply_markup") or None
        if markup is not None:
            _check_reply_markup(markup)
        reply = self._reply_target(chat, p)
        if self.flood is not None:
            self.flood.admit(chat.id, chat.type != "private")
        if markup is not None and "inline_keyboard" in markup:
            fields["reply_markup"] = markup
        elif markup is not None and ("keyboard" in markup or markup.get("remove_keyboard")):
            chat.reply_keyboard = markup if "keyboard" in markup else None
        if reply is not None:
            fields["reply_to_message"] = reply
        if p.flag("protect_content"):
            fields["has_protected_content"] = True
        message = self._new_message(chat, self.bot_user, fields)
        self.delivered[chat.id] += 1
        return copy.deepcopy(message)

    def _caption(self, p: Params, fields: JSON) -> JSON:
        caption, entities = self._formatted(
            p, "caption", limit=1024, too_long="message caption is too long", required=False,
            entities_key="caption_entities",
        )  # fmt: skip
        if caption:
            fields["caption"] = caption
        if entities:
            fields["caption_entities"] = entities
        return fields

    def _input_file(self, p: Params, name: str) -> StoredFile:
        """A file parameter: multipart upload (also attach://), known file_id or HTTP URL."""
        value = p.get(name)
        upload = p.files.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = p.files.get(value.removeprefix("attach://"))
        if upload is not None:
            return self._store_file(upload.data, upload.file_name, upload.mime_type, name)
        if value is None or value == "":
            raise _bad(f"there is no {name} in the request")
        if str(value) in self.files:
            return self.files[str(value)]
        if str(value).startswith(("http://", "https://")):
            return self._store_file(None, str(value).rsplit("/", 1)[-1], None, name)
        raise _bad("wrong file identifier/HTTP URL specified")

    def _editable(self, p: Params) -> tuple[ChatState | None, JSON]:
        inline_id = p.text("inline_message_id")
        if inline_id:
            return None, self.inline_messages.setdefault(inline_id, {})
        chat = self._writable_chat(p)
        message_id = p.integer("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message_id in chat.deleted:
            raise _bad("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise _bad("message can't be edited")
        return chat, message

    def _apply_edit(self, chat: ChatState | None, message: JSON, changes: JSON) -> Any:
        if chat is not None and all(message.get(k) == (v or None) for k, v in changes.items()):
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        for key, value in changes.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        if chat is None:
            return True
        message["edit_date"] = _now()
        return copy.deepcopy(message)

    def _inline_markup(self, p: Params) -> JSON | None:
        markup = p.get("reply_markup") or None
        if markup is not None and not (isinstance(markup, dict) and "inline_keyboard" in markup):
            raise _bad("inline keyboard expected")
        if markup is not None:
            _check_inline_keyboard(markup["inline_keyboard"])
        return markup

    # -- Bot API methods ----------------------------------------------------------------------

    def api_getMe(self, p: Params) -> JSON:
        return {
            **self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": True, "can_connect_to_business": False,
            "has_main_web_app": False,
        }  # fmt: skip

    def api_logOut(self, p: Params) -> bool:
        return True

    def api_close(self, p: Params) -> bool:
        return True

    def api_setWebhook(self, p: Params) -> bool:
        self.webhook = {"url": p.text("url") or ""}
        return True

    def api_deleteWebhook(self, p: Params) -> bool:
        self.webhook = {"url": ""}
        if p.flag("drop_pending_updates"):
            self.updates.clear()
        return True

    def api_getWebhookInfo(self, p: Params) -> JSON:
        return {**self.webhook, "has_custom_certificate": False,
                "pending_update_count": len(self.updates)}  # fmt: skip

    def _commands_key(self, p: Params) -> str:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps([scope, p.text("language_code") or ""], sort_keys=True)

    def api_setMyCommands(self, p: Params) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND.fullmatch(
                str(command.get("command", ""))
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(p)] = commands
        return True

    def api_getMyCommands(self, p: Params) -> list[JSON]:
        return self.commands.get(self._commands_key(p), [])

    def api_deleteMyCommands(self, p: Params) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    def api_setChatMenuButton(self, p: Params) -> bool:
        self.menu_buttons[str(p.get("chat_id") or "")] = p.get("menu_button") or {"type": "default"}
        return True

    def api_getChatMenuButton(self, p: Params) -> JSON:
        return self.menu_buttons.get(str(p.get("chat_id") or ""), {"type": "default"})

    def api_sendMessage(self, p: Params) -> JSON:
        chat = self._writable_chat(p)
        text, entities = self._formatted(p, "text", limit=4096, too_long="message is too long")
        fields: JSON = {"text": text}
        if entities:
            fields["entities"] = entities
        if isinstance(p.get("link_preview_options"), dict):
            fields["link_preview_options"] = p.get("link_preview_options")
        return self._bot_message(chat, p, fields)

    def api_editMessageText(self, p: Params) -> Any:
        chat, message = self._editable(p)
        text, entities = self._formatted(p, "text", limit=4096, too_long="message is too long")
        if chat is not None and "text" not in message:
            raise _bad("there is no text in the message to edit")
        changes = {"text": text, "entities": entities, "reply_markup": self._inline_markup(p)}
        return self._apply_edit(chat, message, changes)

    def api_editMessageReplyMarkup(self, p: Params) -> Any:
        chat, message = self._editable(p)
        return self._apply_edit(chat, message, {"reply_markup": self._inline_markup(p)})

    def api_deleteMessage(self, p: Params) -> bool:
        chat = self._known_chat(p)
        message_id = p.integer("message_id")
        if message_id not in chat.messages or message_id in chat.deleted:
            raise _bad("message to delete not found")
        chat.deleted.add(message_id)
        return True

    def api_answerCallbackQuery(self, p: Params) -> bool:
        query_id = p.text("callback_query_id") or ""
        if query_id not in self.callback_answers or self.callback_answers[query_id] is not None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        if len(p.text("text") or "") > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = {k: p.get(k) for k in ("text", "show_alert", "url")}
        return True

    def api_sendPoll(self, p: Params) -> JSON:
        chat = self._writable_chat(p)
        question, question_entities = self._formatted(
            p, "question", limit=300, too_long="poll question length must not exceed 300",
            mode_key="question_parse_mode", entities_key="question_entities",
        )  # fmt: skip
        options = self._poll_options(p)
        quiz = (p.text("type") or "regular") == "quiz"
        if p.text("type") not in (None, "regular", "quiz"):
            raise _bad("wrong poll type specified")
        poll: JSON = {
            "id": str(5_000_000_000 + self._next_id()), "question": question,
            "options": [{"text": text, "voter_count": 0, "persistent_id": str(i)}
                        for i, text in enumerate(options)],
            "total_voter_count": 0, "is_closed": p.flag("is_closed"),
            "is_anonymous": p.get("is_anonymous") is None or p.flag("is_anonymous"),
            "type": "quiz" if quiz else "regular",
            "allows_multiple_answers": p.flag("allows_multiple_answers") and not quiz,
            "allows_revoting": p.flag("allows_revoting") if "allows_revoting" in p.values
            else not quiz,
            "members_only": p.flag("members_only"),
        }  # fmt: skip
        if question_entities:
            poll["question_entities"] = question_entities
        if quiz:
            poll.update(self._quiz_fields(p, len(options)))
        open_period = p.integer("open_period")
        if open_period is not None:
            if not 5 <= open_period <= 2_628_000:
                raise _bad("wrong open_period specified")
            poll.update(open_period=open_period, close_date=_now() + open_period)
        message = self._bot_message(chat, p, {"poll": poll})
        self.polls[poll["id"]] = (chat.id, message["message_id"])
        return message

    def _poll_options(self, p: Params) -> list[str]:
        raw = p.get("options")
        if not isinstance(raw, list):
            raise _bad("can't parse options JSON object")
        options = [str(o.get("text", "")) if isinstance(o, dict) else str(o) for o in raw]
        # Bot API 10.0 allows a single option only when users may add more.
        if len(options) < (1 if p.flag("allow_adding_options") else 2):
            raise _bad("poll must have at least 2 option")
        if len(options) > 12:
            raise _bad("poll can't have more than 12 options")
        if any(not 1 <= len(text) <= 100 for text in options):
            raise _bad("poll options length must not exceed 100")
        return options

    def _quiz_fields(self, p: Params, option_count: int) -> JSON:
        correct = p.get("correct_option_ids")
        if correct is None and p.integer("correct_option_id") is not None:
            correct = [p.integer("correct_option_id")]
        if not correct:
            raise _bad("QUIZ_CORRECT_ANSWERS_EMPTY")
        if not isinstance(correct, list) or any(
            not isinstance(i, int) or not 0 <= i < option_count for i in correct
        ):
            raise _bad("QUIZ_CORRECT_ANSWER_INVALID")
        fields: JSON = {"correct_option_ids": correct}
        explanation, entities = self._formatted(
            p, "explanation", limit=200, too_long="explanation length must not exceed 200",
            required=False, mode_key="explanation_parse_mode", entities_key="explanation_entities",
        )  # fmt: skip
        if explanation:
            fields["explanation"] = explanation
        if entities:
            fields["explanation_entities"] = entities
        return fields

    def api_stopPoll(self, p: Params) -> JSON:
        chat = self._writable_chat(p)
        message = chat.messages.get(p.integer("message_id") or 0)
        if message is None or "poll" not in message or message["from"]["id"] != self.bot_id:
            raise _bad("message with poll to stop not found")
        if message["poll"]["is_closed"]:
            raise _bad("poll has already been closed")
        message["poll"]["is_closed"] = True
        markup = self._inline_markup(p)
        if markup:
            message["reply_markup"] = markup
        self._queue("poll", message["poll"])
        return copy.deepcopy(message["poll"])

    def api_sendPhoto(self, p: Params) -> JSON:
        chat = self._writable_chat(p)
        stored = self._input_file(p, "photo")
        size = _image_size(stored.data) if stored.data is not None else (0, 0)
        if size is None:
            raise _bad("IMAGE_PROCESS_FAILED")
        photo = {**stored.describe(), "width": size[0], "height": size[1]}
        return self._bot_message(chat, p, self._caption(p, {"photo": [photo]}))

    def api_sendDocument(self, p: Params) -> JSON:
        chat = self._writable_chat(p)
        stored = self._input_file(p, "document")
        document = {**stored.describe(), "file_name": stored.file_name or "document",
                    "mime_type": stored.mime_type or "application/octet-stream"}  # fmt: skip
        return self._bot_message(chat, p, self._caption(p, {"document": document}))

    def api_sendChatAction(self, p: Params) -> bool:
        self._writable_chat(p)
        if p.text("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def api_answerInlineQuery(self, p: Params) -> bool:
        query_id = p.text("inline_query_id") or ""
        if query_id not in self.inline_answers or self.inline_answers[query_id] is not None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        results = p.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse results JSON object")
        if len(results) > 50:
            raise _bad("RESULTS_TOO_MUCH")
        ids = [r.get("id") if isinstance(r, dict) else None for r in results]
        if any(not isinstance(r, dict) or not r.get("type") for r in results) or None in ids:
            raise _bad("can't parse InlineQueryResult JSON object")
        if len(set(ids)) != len(ids):
            raise _bad("RESULT_ID_DUPLICATE")
        keys = ("cache_time", "is_personal", "next_offset", "button")
        self.inline_answers[query_id] = {"results": results, **{k: p.get(k) for k in keys}}
        return True

    def api_getChat(self, p: Params) -> JSON:
        chat = self._known_chat(p)
        gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts",
                               "premium_subscription", "gifts_from_channels"), False)  # fmt: skip
        return {**chat.info, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": gifts}  # fmt: skip

    def _member_of(self, chat: ChatState, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return _member(self.bot_user, "member" if chat.type == "private" else chat.bot_status)
        if user_id not in self.users:
            raise _bad("user not found")
        if chat.admins and chat.admins[0] == user_id:
            return _member(self.users[user_id], "creator")
        status = "administrator" if user_id in chat.admins else "member"
        return _member(self.users[user_id], chat.member_status.get(user_id, status))

    def api_getChatMember(self, p: Params) -> JSON:
        return self._member_of(self._known_chat(p), p.integer("user_id") or 0)

    def api_getChatAdministrators(self, p: Params) -> list[JSON]:
        chat = self._known_chat(p)
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        admins = [self._member_of(chat, user_id) for user_id in chat.admins]
        if chat.bot_status == "administrator":
            admins.append(self._member_of(chat, self.bot_id))
        return admins

    def api_leaveChat(self, p: Params) -> bool:
        chat = self._known_chat(p)
        if chat.type == "private":
            raise _bad("chat member status can't be changed in private chats")
        chat.bot_status = "left"
        return True

    def api_getFile(self, p: Params) -> JSON:
        stored = self.files.get(p.text("file_id") or "")
        if stored is None:
            raise _bad("invalid file_id")
        return {**stored.describe(), "file_path": stored.file_path}

    # -- control: users, chats, incoming updates ----------------------------------------------

    def ctl_add_user(self, user_id: int, first_name: str | None = None, username: str | None = None,
                     last_name: str | None = None, language_code: str = "en") -> JSON:  # fmt: skip
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}",
                      "language_code": language_code}  # fmt: skip
        user.update({k: v for k, v in (("username", username), ("last_name", last_name)) if v})
        self.users[user_id] = user
        if user_id in self.chats:
            self.chats[user_id].info.update(
                {k: user[k] for k in ("first_name", "last_name", "username") if k in user}
            )
        return user

    def ctl_add_chat(self, chat_id: int, chat_type: str | None = None, title: str | None = None,
                     username: str | None = None) -> JSON:  # fmt: skip
        return self._ensure_chat(chat_id, chat_type, title, username).info

    def ctl_set_group_admins(self, chat_id: int, user_ids: list[int]) -> None:
        chat = self._ensure_chat(chat_id)
        chat.admins = list(user_ids)
        for user_id in user_ids:
            self._user(user_id)

    def ctl_send_message(self, chat_id: int, fields: JSON, user_id: int | None = None,
                         reply_to: int | None = None) -> JSON:  # fmt: skip
        chat = self._ensure_chat(chat_id)
        message = dict(fields)
        if reply_to is not None:
            message["reply_to_message"] = _without_reply(self._live_message(chat, reply_to))
        return self._queue("message", self._new_message(chat, self._sender(chat, user_id), message))

    def ctl_send_text(self, chat_id: int, text: str, user_id: int | None = None,
                      reply_to: int | None = None) -> JSON:  # fmt: skip
        fields: JSON = {"text": text}
        command = _COMMAND.match(text)
        if command:
            length = _utf16_len(command.group(0))
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.ctl_send_message(chat_id, fields, user_id, reply_to)

    def ctl_send_media(
        self, chat_id: int, kind: str, user_id: int | None = None, reply_to: int | None = None,
        data_b64: str | None = None, caption: str | None = None, file_name: str | None = None,
        mime_type: str | None = None, emoji: str | None = None, duration: int | None = None,
        latitude: float = 0.0, longitude: float = 0.0,
    ) -> JSON:  # fmt: skip
        if kind == "location":
            return self.ctl_send_message(
                chat_id, {"location": {"latitude": latitude, "longitude": longitude}}, user_id,
                reply_to,
            )  # fmt: skip
        if kind not in ("photo", "sticker", "voice", "document"):
            raise EmulatorError(f"unknown media kind {kind!r}")
        data = base64.b64decode(data_b64) if data_b64 else None
        base = self._store_file(data, file_name, mime_type, kind).describe()
        media: dict[str, Any] = {
            "photo": [{**base, "width": 320, "height": 320}],
            "sticker": {**base, "type": "regular", "width": 512, "height": 512,
                        "is_animated": False, "is_video": False, "emoji": emoji or "👍"},
            "voice": {**base, "duration": duration or 1, "mime_type": mime_type or "audio/ogg"},
            "document": {**base, "file_name": file_name or "file.bin",
                         "mime_type": mime_type or "application/octet-stream"},
        }  # fmt: skip
        if kind == "photo" and data and (size := _image_size(data)):
            media["photo"][0].update(width=size[0], height=size[1])
        fields: JSON = {kind: media[kind], **({"caption": caption} if caption else {})}
        return self.ctl_send_message(chat_id, fields, user_id, reply_to)

    def ctl_press_button(self, chat_id: int, message_id: int, text: str | None = None,
                         data: str | None = None, user_id: int | None = None) -> JSON:  # fmt: skip
        """A callback query for a bot message; ``data`` may be forged (not on any button)."""
        chat = self._chat(chat_id)
        message = self._live_message(chat, message_id)
        if data is None:
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            buttons = {b["text"]: b.get("callback_data") for row in rows for b in row}
            if buttons.get(text or "") is None:
                raise EmulatorError(f"no callback button {text!r}; buttons: {sorted(buttons)}")
            data = buttons[text or ""]
        query_id = str(4_000_000_000 + self._next_id())
        self.callback_answers[query_id] = None
        return self._queue("callback_query", {
            "id": query_id, "from": self._sender(chat, user_id), "message": message,
            "chat_instance": str(abs(chat_id) * 7919 + 1), "data": data,
        })  # fmt: skip

    def ctl_answer_poll(self, poll_id: str, option_ids: list[int], user_id: int | None = None,
                        ) -> JSON:  # fmt: skip
        """A user votes (empty ``option_ids`` retracts); queues poll_answer (if not anonymous) and poll."""
        if poll_id not in self.polls:
            raise EmulatorError(f"unknown poll {poll_id}")
        chat = self._chat(self.polls[poll_id][0])
        poll = chat.messages[self.polls[poll_id][1]]["poll"]
        closed = poll["is_closed"] or poll.get("close_date", math.inf) <= _now()
        if closed or any(not 0 <= i < len(poll["options"]) for i in option_ids):
            raise EmulatorError(f"poll {poll_id} is closed or option ids {option_ids} are invalid")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise EmulatorError("poll does not allow multiple answers")
        user = self._sender(chat, user_id)
        votes = self.votes.setdefault(poll_id, {})
        if votes.get(user["id"]) and not poll["allows_revoting"]:
            raise EmulatorError(f"user {user['id']} already voted and the poll forbids revoting")
        votes[user["id"]] = list(option_ids)
        for i, option in enumerate(poll["options"]):
            option["voter_count"] = sum(i in chosen for chosen in votes.values())
        poll["total_voter_count"] = sum(bool(chosen) for chosen in votes.values())
        answer = None
        if not poll["is_anonymous"]:
            answer = self._queue("poll_answer", {
                "poll_id": poll_id, "user": user, "option_ids": list(option_ids),
                "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in option_ids],
            })  # fmt: skip
        state = self._queue("poll", poll)
        return answer or state

    def ctl_inline_query(self, query: str, user_id: int | None = None, offset: str = "",
                         chat_type: str | None = None) -> JSON:  # fmt: skip
        query_id = str(6_000_000_000 + self._next_id())
        self.inline_answers[query_id] = None
        payload: JSON = {"id": query_id, "from": self._user(user_id or DEFAULT_USER_ID),
                         "query": query, "offset": offset}  # fmt: skip
        if chat_type:
            payload["chat_type"] = chat_type
        return self._queue("inline_query", payload)

    def ctl_chat_member_update(self, chat_id: int, user_id: int, old_status: str, new_status: str,
                               by_user_id: int | None = None) -> JSON:  # fmt: skip
        """``my_chat_member`` when ``user_id`` is the bot, else ``chat_member``."""
        chat = self._ensure_chat(chat_id)
        user = self._user(user_id)
        old, new = _member(user, old_status), _member(user, new_status)
        if user_id == self.bot_id:
            chat.bot_status = new_status
        else:
            chat.member_status[user_id] = new_status
        return self._queue("my_chat_member" if user_id == self.bot_id else "chat_member", {
            "chat": chat.info, "from": self._sender(chat, by_user_id), "date": _now(),
            "old_chat_member": old, "new_chat_member": new,
        })  # fmt: skip

    def ctl_add_bot_to_group(self, chat_id: int, title: str | None = None,
                             by_user_id: int | None = None, as_admin: bool = False,
                             ) -> list[JSON]:  # fmt: skip
        """The bot joins a group: a my_chat_member update and a new_chat_members message."""
        chat = self._ensure_chat(chat_id, title=title)
        if chat.type == "private":
            raise EmulatorError("bots cannot be added to private chats")
        old = chat.bot_status if chat.bot_status in ("left", "kicked") else "left"
        new = "administrator" if as_admin else "member"
        joined = self.ctl_chat_member_update(chat_id, self.bot_id, old, new, by_user_id)
        service = {"new_chat_members": [self.bot_user]}
        return [joined, self.ctl_send_message(chat_id, service, by_user_id)]

    def ctl_remove_bot_from_group(self, chat_id: int, by_user_id: int | None = None) -> JSON:
        chat = self._chat(chat_id)
        return self.ctl_chat_member_update(chat_id, self.bot_id, chat.bot_status, "kicked",
                                           by_user_id)  # fmt: skip

    def ctl_block_bot(self, user_id: int, blocked: bool = True) -> JSON:
        """The user blocks (or unblocks) the bot in their private chat."""
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        return self.ctl_chat_member_update(user_id, self.bot_id, old, new, user_id)

    def ctl_migrate_group(self, chat_id: int, new_chat_id: int | None = None,
                          user_id: int | None = None) -> list[JSON]:  # fmt: skip
        """Upgrade a group to a supergroup; later sends to the old id get 400 + migrate_to_chat_id."""
        old = self._chat(chat_id)
        if old.type != "group":
            raise EmulatorError(f"chat {chat_id} is not a basic group")
        new_id = new_chat_id or int(f"-100{abs(chat_id)}")
        new = self._ensure_chat(new_id, "supergroup", old.info.get("title"))
        new.admins, new.bot_status = list(old.admins), old.bot_status
        first = self.ctl_send_message(chat_id, {"migrate_to_chat_id": new_id}, user_id)
        old.migrated_to = new_id
        return [first, self.ctl_send_message(new_id, {"migrate_from_chat_id": chat_id}, user_id)]

    def ctl_inject_update(self, update: JSON) -> JSON:
        """Queue a raw update (``update_id`` is assigned by the emulator)."""
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1:
            raise EmulatorError("an update must have exactly one payload field")
        return self._queue(kinds[0], update[kinds[0]])

    # -- control: observation -------------------------------------------------------------------

    def ctl_calls(self, method: str | list[str] | None = None, chat_id: int | str | None = None,
                  since: int = 0, ok: bool | None = None) -> list[JSON]:  # fmt: skip
        methods = {m.lower() for m in ([method] if isinstance(method, str) else method or [])}
        return [
            asdict(call) for call in self.calls[since:]
            if (not methods or call.method.lower() in methods)
            and (chat_id is None or str(call.chat_id) == str(chat_id))
            and (ok is None or call.ok == ok)
        ]  # fmt: skip

    def ctl_mark(self) -> int:
        return self.mark

    def ctl_history(self, chat_id: int, include_deleted: bool = False) -> list[JSON]:
        chat = self._chat(chat_id)
        return [
            {**message, "_deleted": True} if message_id in chat.deleted else message
            for message_id, message in chat.messages.items()
            if include_deleted or message_id not in chat.deleted
        ]

    def ctl_message(self, chat_id: int, message_id: int) -> JSON | None:
        chat = self._chat(chat_id)
        return None if message_id in chat.deleted else chat.messages.get(message_id)

    def ctl_reply_keyboard(self, chat_id: int) -> JSON | None:
        return self._chat(chat_id).reply_keyboard

    def ctl_pending_updates(self) -> list[JSON]:
        return self.updates

    def ctl_file_bytes(self, file_id: str) -> str:
        stored = self.files.get(file_id)
        if stored is None or stored.data is None:
            raise EmulatorError(f"no stored bytes for file {file_id}")
        return base64.b64encode(stored.data).decode()

    def ctl_callback_answer(self, query_id: str) -> JSON | None:
        return self.callback_answers.get(query_id)

    def ctl_inline_answer(self, query_id: str) -> JSON | None:
        return self.inline_answers.get(query_id)

    def ctl_bot_commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        key = json.dumps([scope or {"type": "default"}, language_code], sort_keys=True)
        return self.commands.get(key, [])

    def ctl_stats(self) -> JSON:
        rejections = self.flood.rejections if self.flood else Counter[int]()
        return {
            "calls": len(self.calls), "pending_updates": len(self.updates),
            "delivered": {str(k): v for k, v in self.delivered.items()},
            "flood_rejections": sum(rejections.values()),
            "flood_rejections_by_chat": {str(k): v for k, v in rejections.items()},
        }  # fmt: skip

    def ctl_delivered_count(self, chat_id: int) -> int:
        return self.delivered[chat_id]

    # -- control: faults and limits -------------------------------------------------------------

    def ctl_fail_next(self, code: int | None = 429, count: int = 1, method: str | None = None,
                      chat_id: int | str | None = None, retry_after: int | None = None,
                      description: str | None = None, delay: float = 0.0) -> None:  # fmt: skip
        self.faults.append(Fault(code, count, method, chat_id, retry_after, description, delay))

    def ctl_clear_faults(self) -> None:
        self.faults.clear()

    def ctl_set_blocked(self, chat_id: int, blocked: bool = True) -> None:
        self._ensure_chat(chat_id).blocked = blocked

    def ctl_set_flood_limits(self, limits: JSON | None) -> None:
        self.flood = _FloodControl(FloodLimits(**limits)) if limits is not None else None
        self._initial = (self._initial[0], self.flood.limits if self.flood else None)


_API_NAMES = {name[4:].lower(): name[4:] for name in dir(EmulatorState) if name.startswith("api_")}
_API_NAMES["getupdates"] = "getUpdates"
CONTROL_OPS = frozenset(name[4:] for name in dir(EmulatorState) if name.startswith("ctl_"))


def canonical_method(name: str) -> str:
    """Telegram method names are case-insensitive; record them in their documented spelling."""
    return _API_NAMES.get(name.lower(), name)


# ---------------------------------------------------------------------------------------------
# Control API shared by the in-process emulator and the HTTP client.


class ControlApi(ABC):
    """What tests call.  Every method is a coroutine; data is plain JSON (dicts and lists)."""

    @abstractmethod
    async def _op(self, name: str, **kwargs: Any) -> Any: ...

    @abstractmethod
    async def _tick(self, timeout: float) -> None:
        """Sleep until something may have changed, at most ``timeout`` seconds."""

    async def add_user(self, user_id: int, first_name: str | None = None, *,
                       username: str | None = None, last_name: str | None = None,
                       language_code: str = "en") -> JSON:  # fmt: skip
        return await self._op("add_user", user_id=user_id, first_name=first_name,
                              username=username, last_name=last_name, language_code=language_code)  # fmt: skip

    async def add_chat(self, chat_id: int, chat_type: str | None = None, *,
                       title: str | None = None, username: str | None = None) -> JSON:  # fmt: skip
        """Make a chat known (chats are also created by injecting a message into them)."""
        return await self._op("add_chat", chat_id=chat_id, chat_type=chat_type, title=title,
                              username=username)  # fmt: skip

    async def set_group_admins(self, chat_id: int, user_ids: Sequence[int]) -> None:
        """The first id is the creator, the others administrators (for getChatMember & co)."""
        await self._op("set_group_admins", chat_id=chat_id, user_ids=list(user_ids))

    async def send_text(self, chat_id: int, text: str, *, user_id: int | None = None,
                        reply_to: int | None = None) -> JSON:  # fmt: skip
        """A user writes ``text`` (``/cmd`` and ``/cmd@bot`` get a bot_command entity)."""
        return await self._op("send_text", chat_id=chat_id, text=text, user_id=user_id,
                              reply_to=reply_to)  # fmt: skip

    async def send_media(self, chat_id: int, kind: MediaKind, *, user_id: int | None = None,
                         reply_to: int | None = None, data: bytes | None = None,
                         caption: str | None = None, file_name: str | None = None,
                         mime_type: str | None = None, emoji: str | None = None,
                         duration: int | None = None, latitude: float = 0.0,
                         longitude: float = 0.0) -> JSON:  # fmt: skip
        """A user sends a photo/sticker/voice/document (``data`` is downloadable) or location."""
        data_b64 = base64.b64encode(data).decode() if data is not None else None
        return await self._op(
            "send_media", chat_id=chat_id, kind=kind, user_id=user_id, reply_to=reply_to,
            data_b64=data_b64, caption=caption, file_name=file_name, mime_type=mime_type,
            emoji=emoji, duration=duration, latitude=latitude, longitude=longitude,
        )  # fmt: skip

    async def send_message(self, chat_id: int, fields: JSON, *, user_id: int | None = None,
                           reply_to: int | None = None) -> JSON:  # fmt: skip
        """A user message with arbitrary Message ``fields`` (id, chat, from, date are added)."""
        return await self._op("send_message", chat_id=chat_id, fields=fields, user_id=user_id,
                              reply_to=reply_to)  # fmt: skip

    async def press_button(self, chat_id: int, message_id: int, *, text: str | None = None,
                           data: str | None = None, user_id: int | None = None) -> JSON:  # fmt: skip
        """Press the button labelled ``text``, or send any callback ``data`` (forgeable)."""
        return await self._op("press_button", chat_id=chat_id, message_id=message_id, text=text,
                              data=data, user_id=user_id)  # fmt: skip

    async def answer_poll(self, poll_id: str, option_ids: Sequence[int], *,
                          user_id: int | None = None) -> JSON:  # fmt: skip
        return await self._op("answer_poll", poll_id=poll_id, option_ids=list(option_ids),
                              user_id=user_id)  # fmt: skip

    async def inline_query(self, query: str, *, user_id: int | None = None, offset: str = "",
                           chat_type: str | None = None) -> JSON:  # fmt: skip
        return await self._op("inline_query", query=query, user_id=user_id, offset=offset,
                              chat_type=chat_type)  # fmt: skip

    async def chat_member_update(self, chat_id: int, user_id: int, old_status: str,
                                 new_status: str, *, by_user_id: int | None = None) -> JSON:  # fmt: skip
        return await self._op("chat_member_update", chat_id=chat_id, user_id=user_id,
                              old_status=old_status, new_status=new_status, by_user_id=by_user_id)  # fmt: skip

    async def add_bot_to_group(self, chat_id: int, *, title: str | None = None,
                               by_user_id: int | None = None, as_admin: bool = False) -> list[JSON]:  # fmt: skip
        return await self._op("add_bot_to_group", chat_id=chat_id, title=title,
                              by_user_id=by_user_id, as_admin=as_admin)  # fmt: skip

    async def remove_bot_from_group(self, chat_id: int, *, by_user_id: int | None = None) -> JSON:
        return await self._op("remove_bot_from_group", chat_id=chat_id, by_user_id=by_user_id)

    async def block_bot(self, user_id: int, blocked: bool = True) -> JSON:
        return await self._op("block_bot", user_id=user_id, blocked=blocked)

    async def migrate_group(self, chat_id: int, new_chat_id: int | None = None, *,
                            user_id: int | None = None) -> list[JSON]:  # fmt: skip
        return await self._op("migrate_group", chat_id=chat_id, new_chat_id=new_chat_id,
                              user_id=user_id)  # fmt: skip

    async def inject_update(self, update: JSON) -> JSON:
        return await self._op("inject_update", update=update)

    async def calls(self, method: str | Sequence[str] | None = None, *,
                    chat_id: int | str | None = None, since: int = 0,
                    ok: bool | None = None) -> list[Call]:  # fmt: skip
        """Recorded Bot API calls (``since``: skip the first ``since`` calls)."""
        method_arg = method if method is None or isinstance(method, str) else list(method)
        found = await self._op("calls", method=method_arg, chat_id=chat_id, since=since, ok=ok)
        return [Call(**call) for call in found]

    async def history(self, chat_id: int, *, include_deleted: bool = False) -> list[JSON]:
        """The chat as its members see it: every message with its current text and markup."""
        return await self._op("history", chat_id=chat_id, include_deleted=include_deleted)

    async def transcript(self, chat_id: int) -> list[str]:
        return [describe_message(message) for message in await self.history(chat_id)]

    async def message(self, chat_id: int, message_id: int) -> JSON | None:
        return await self._op("message", chat_id=chat_id, message_id=message_id)

    async def reply_keyboard(self, chat_id: int) -> JSON | None:
        return await self._op("reply_keyboard", chat_id=chat_id)

    async def pending_updates(self) -> list[JSON]:
        return await self._op("pending_updates")

    async def file_bytes(self, file_id: str) -> bytes:
        return base64.b64decode(await self._op("file_bytes", file_id=file_id))

    async def callback_answer(self, query_id: str) -> JSON | None:
        return await self._op("callback_answer", query_id=query_id)

    async def inline_answer(self, query_id: str) -> JSON | None:
        return await self._op("inline_answer", query_id=query_id)

    async def bot_commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        return await self._op("bot_commands", scope=scope, language_code=language_code)

    async def stats(self) -> JSON:
        return await self._op("stats")

    async def delivered_count(self, chat_id: int) -> int:
        return await self._op("delivered_count", chat_id=chat_id)

    async def fail_next(self, code: int | None = 429, *, count: int = 1, method: str | None = None,
                        chat_id: int | str | None = None, retry_after: int | None = None,
                        description: str | None = None, delay: float = 0.0) -> None:  # fmt: skip
        """The next ``count`` matching calls fail with ``code`` (``None``: only delayed)."""
        await self._op("fail_next", code=code, count=count, method=method, chat_id=chat_id,
                       retry_after=retry_after, description=description, delay=delay)  # fmt: skip

    async def slow_next(self, delay: float, *, count: int = 1, method: str | None = None,
                        chat_id: int | str | None = None) -> None:  # fmt: skip
        await self.fail_next(None, count=count, method=method, chat_id=chat_id, delay=delay)

    async def clear_faults(self) -> None:
        await self._op("clear_faults")

    async def set_blocked(self, chat_id: int, blocked: bool = True) -> None:
        """Every send to the chat gets 403, without any update being queued."""
        await self._op("set_blocked", chat_id=chat_id, blocked=blocked)

    async def set_flood_limits(self, limits: FloodLimits | None) -> None:
        await self._op("set_flood_limits", limits=asdict(limits) if limits else None)

    async def reset(self) -> None:
        await self._op("reset")

    async def wait_for(self, method: str | Sequence[str] | None = None,
                       predicate: Callable[[Call], bool] | None = None, *,
                       chat_id: int | str | None = None, timeout: float = 5.0,
                       since: int | None = None, ok: bool | None = True) -> Call:  # fmt: skip
        """First matching call after ``since`` (default: made after the last injected update)."""
        seen = await self._op("mark") if since is None else since
        deadline = time.monotonic() + timeout
        while True:
            for call in await self.calls(method, chat_id=chat_id, since=seen, ok=ok):
                seen = call.seq
                if predicate is None or predicate(call):
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [(c.method, c.chat_id, c.ok) for c in (await self.calls())[-8:]]
                raise TimeoutError(f"no {method or 'call'} for chat {chat_id} in {timeout}s; "
                                   f"recent calls: {recent}")  # fmt: skip
            await self._tick(remaining)

    async def wait_for_message(self, chat_id: int, text_contains: str | None = None,
                               predicate: Callable[[JSON], bool] | None = None, *,
                               timeout: float = 5.0, since: int | None = None) -> JSON:  # fmt: skip
        """The next message the bot delivered to ``chat_id`` (as returned by the send method)."""

        def matches(call: Call) -> bool:
            message: JSON = call.result
            shown = message.get("text") or message.get("caption") or ""
            shown = shown or message.get("poll", {}).get("question", "")
            return (text_contains is None or text_contains in shown) and (
                predicate is None or predicate(message)
            )

        call = await self.wait_for(sorted(MESSAGE_METHODS), matches, chat_id=chat_id,
                                   timeout=timeout, since=since)  # fmt: skip
        return dict(call.result)

    async def assert_no_call(self, method: str | Sequence[str] | None = None, *,
                             chat_id: int | str | None = None, within: float = 0.3,
                             since: int | None = None) -> None:  # fmt: skip
        """Wait ``within`` seconds and fail if a matching successful call was made."""
        start = await self._op("mark") if since is None else since
        await asyncio.sleep(within)
        unexpected = await self.calls(method, chat_id=chat_id, since=start, ok=True)
        if unexpected:
            raise AssertionError(f"unexpected calls: {[(c.method, c.params) for c in unexpected]}")


class _Broadcast:
    """Wake all current waiters; a lock-free condition variable for a single event loop."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)


async def _read_params(request: web.Request) -> tuple[JSON, dict[str, Upload]]:
    """Query string plus a JSON, urlencoded or multipart body."""
    values: JSON = dict(request.query)
    files: dict[str, Upload] = {}
    if not request.can_read_body:
        return values, files
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise _bad("can't parse JSON request body") from None
        values.update(body if isinstance(body, dict) else {})
        return values, files
    for key, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            with value.file as handle:
                files[key] = Upload(handle.read(), value.filename, value.content_type)
        else:
            values[key] = value
    return values, files


class BotApiEmulator(ControlApi):
    """The emulator server (aiohttp, 127.0.0.1 only) with the in-process control API.

    ``async with BotApiEmulator() as emu:`` starts it; point the bot at ``emu.base_url``.
    """

    def __init__(
        self, token: str = DEFAULT_TOKEN, *, tokens: Sequence[str] = (), port: int = 0,
        bot_username: str = "emulator_test_bot", bot_name: str = "Emulator Bot",
        group_admins: Mapping[int, Sequence[int]] | None = None,
        flood_limits: FloodLimits | None = None, strict_chats: bool = True,
    ) -> None:  # fmt: skip
        self.token = token
        self.state = EmulatorState((token, *tokens), bot_username, bot_name, group_admins or {},
                                   strict_chats, flood_limits)  # fmt: skip
        self._changes = _Broadcast()
        self.state.on_change = self._changes.notify
        self._port = port
        self._runner: web.AppRunner | None = None
        self._closing = False

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """Root URL; the control API is under ``/_emu/``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """For PTB's ``base_url`` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot_id(self) -> int:
        return self.state.bot_id

    @property
    def bot_username(self) -> str:
        return str(self.state.bot_user["username"])

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/_emu/{op}", self._handle_control)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                                     shutdown_timeout=1.0)  # fmt: skip
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self._port).start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self._closing = True
        self._changes.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def application_builder(self) -> ApplicationBuilder:
        """A PTB ApplicationBuilder already pointed at this emulator."""
        from telegram.ext import ApplicationBuilder

        return (
            ApplicationBuilder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    async def _op(self, name: str, **kwargs: Any) -> Any:
        # The JSON round trip gives in-process callers exactly what the HTTP client gets, and
        # copies, so tests cannot mutate the emulator's state by accident.
        return json.loads(json.dumps(self.state.run_op(name, kwargs)))

    async def _tick(self, timeout: float) -> None:
        await self._changes.wait(timeout)

    async def _handle_api(self, request: web.Request) -> web.Response:
        started = time.time()
        method = canonical_method(request.match_info["method"])
        params = Params({}, {})
        try:
            params = Params(*await _read_params(request))
            if request.match_info["token"] not in self.state.tokens:
                raise ApiError(401, "Unauthorized")
            body: JSON = {"ok": True, "result": await self._execute(method, params)}
        except ApiError as error:
            body = error.body()
        self.state.record(method, params.for_record(), started, body)
        return web.json_response(body, status=200 if body["ok"] else body["error_code"])

    async def _execute(self, method: str, params: Params) -> Any:
        fault = self.state.take_fault(method, params.get("chat_id"))
        if fault is not None:
            await asyncio.sleep(fault.delay)
            error = fault.error()
            if error is not None:
                raise error
        if method == "getUpdates":
            return await self._get_updates(params)
        return self.state.dispatch(method, params)

    async def _get_updates(self, p: Params) -> list[JSON]:
        """Long polling: answer as soon as an update is pending, or after ``timeout`` seconds."""
        state = self.state
        if state.webhook["url"]:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")  # fmt: skip
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        deadline = time.monotonic() + max(p.integer("timeout", 0) or 0, 0)
        if isinstance(p.get("allowed_updates"), list):
            state.allowed_updates = frozenset(p.get("allowed_updates")) or None
        state.confirm_updates(p.integer("offset", 0) or 0)
        state.poll_generation += 1
        generation = state.poll_generation
        self._changes.notify()
        while True:
            updates = self.state.take_updates(limit)
            if updates or self._closing:
                return updates
            if generation != self.state.poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                    "that only one bot instance is running")  # fmt: skip
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            await self._changes.wait(remaining)

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self.state.file_by_path(request.match_info["path"])
        if request.match_info["token"] not in self.state.tokens or not stored or not stored.data:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _handle_control(self, request: web.Request) -> web.Response:
        try:
            kwargs = await request.json() if request.can_read_body else {}
            result = self.state.run_op(request.match_info["op"], kwargs)
        except (EmulatorError, TypeError, ValueError) as error:
            return web.json_response({"ok": False, "error": str(error)}, status=400)
        return web.json_response({"ok": True, "result": result})


class EmulatorClient(ControlApi):
    """Control API over HTTP, for an emulator in another process (``url``: its root URL)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: ClientSession | None = None

    async def __aenter__(self) -> EmulatorClient:
        self._session = ClientSession()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _op(self, name: str, **kwargs: Any) -> Any:
        if self._session is None:
            raise EmulatorError("use EmulatorClient as an async context manager")
        async with self._session.post(f"{self.url}/_emu/{name}", json=kwargs) as response:
            body = await response.json()
        if not body["ok"]:
            raise EmulatorError(body["error"])
        return body["result"]

    async def _tick(self, timeout: float) -> None:
        await asyncio.sleep(min(timeout, 0.05))


@contextlib.asynccontextmanager
async def running_application(app: Application[Any, Any, Any, Any, Any, Any],
                              allowed_updates: Sequence[str] | None = None,
                              ) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:  # fmt: skip
    """Run a PTB Application with polling (like ``run_polling``, minus signal handling).

    All update types are requested by default, so chat_member updates reach the bot.
    """
    from telegram import Update

    async with app:
        await app.start()
        if app.updater is None:
            raise RuntimeError("the Application has no Updater")
        await app.updater.start_polling(
            poll_interval=0.0, allowed_updates=list(allowed_updates or Update.ALL_TYPES)
        )
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def _serve(port: int, tokens: Sequence[str], bot_username: str, flood: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with BotApiEmulator(tokens[0], tokens=tokens[1:], port=port, bot_username=bot_username,
                              flood_limits=FloodLimits() if flood else None) as emu:  # fmt: skip
        print(f"Bot API emulator ready: base_url={emu.base_url} base_file_url={emu.base_file_url} "
              f"control={emu.url}/_emu/<op> token={emu.token}", flush=True)  # fmt: skip
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Telegram Bot API emulator (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", action="append", help="accepted bot token (repeatable)")
    parser.add_argument("--bot-username", default="emulator_test_bot")
    parser.add_argument("--flood-limits", action="store_true", help="enforce Telegram-like limits")
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.port, args.token or [DEFAULT_TOKEN], args.bot_username,
                       args.flood_limits))  # fmt: skip


if __name__ == "__main__":
    main()
