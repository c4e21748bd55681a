"""The Bot API wire format: request parameters, error answers, Telegram-HTML, validation.

Pure helpers shared by :mod:`.state` and :mod:`.emulator`; shapes and error texts follow
https://core.telegram.org/bots/api as parsed by python-telegram-bot 22.8.
"""

from __future__ import annotations

import copy
import html
import json
import math
import re
import struct
import time
from collections import Counter, defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]
DEFAULT_TOKEN = "123456789:AAEmulatorTestToken_for-end-to-end-tests"
DEFAULT_USER_ID = 1001
#: Methods that deliver a new message to a chat (flood-limited and counted as "delivered").
MESSAGE_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendPoll"})
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_FAULT_TEXT = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request",
    429: "Too Many Requests: retry after {retry}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
EDIT_FAILURES = {
    "not_found": "Bad Request: message to edit not found",
    "too_old": "Bad Request: message can't be edited",
    "not_modified": f"Bad Request: {NOT_MODIFIED}",
}
"""Telegram's own texts for an editMessageText that cannot happen: the message was deleted,
is older than 48 hours, or would not change."""
COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "callback_game",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "pay",
)
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)
# Free-text parameters: everything else is JSON-decoded (PTB sends numbers and objects as JSON
# strings), but a message text of "42" must stay a string.
_TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "question",
        "explanation",
        "description",
        "title",
        "name",
        "url",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "next_offset",
        "parse_mode",
        "explanation_parse_mode",
        "question_parse_mode",
        "action",
        "emoji",
        "query",
        "language_code",
        "file_id",
        "secret_token",
        "custom_title",
    }
)
_CONTENT_KINDS = (
    "photo",
    "sticker",
    "voice",
    "document",
    "location",
    "new_chat_members",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
)


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


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def unix_now() -> int:
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
        parameters = {"retry_after": retry} if retry else None
        return ApiError(self.code, text.format(retry=retry), parameters)


@dataclass
class FloodLimits:
    """Telegram-like send limits; the per-chat limit is a token bucket that allows short bursts."""

    global_per_second: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20


class FloodControl:
    """Sliding windows for the global and per-group limits, a token bucket per chat."""

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
            raise bad_request(f"wrong parameter {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        return value is True or str(value).lower() in ("true", "1")

    def chat_id(self) -> int | str:
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
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
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _entities_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _tag_entity(name: str, attrs: str, byte_offset: int) -> JSON | None:
    values = {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in _ATTR.finditer(attrs)
    }
    kind = _HTML_TAGS[name]
    if name == "span" and values.get("class") != "tg-spoiler":
        raise _entities_error(f'Unsupported start tag "span" at byte offset {byte_offset}')
    if kind == "text_link":
        return {"type": kind, "url": values["href"]} if values.get("href") else None
    if kind == "custom_emoji":
        return {"type": kind, "custom_emoji_id": values.get("emoji-id", "")}
    if kind == "date_time":
        entity: JSON = {"type": kind, "unix_time": int(values.get("unix", "0") or 0)}
        return entity | ({"date_time_format": values["format"]} if "format" in values else {})
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
        length += utf16_len(chunk)
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def format_text(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JSON]]:
    if isinstance(entities, list) and entities:
        return text, entities
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode in ("", "markdown", "markdownv2"):
        return text, []  # Markdown is stored verbatim: not parsed, not validated
    raise bad_request("unsupported parse_mode")


def image_size(data: bytes) -> tuple[int, int] | None:
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


def check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" must be an Array of Arrays')
    if sum(len(row) for row in rows) > 100:
        raise bad_request("reply markup is too long")
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request('can\'t parse inline keyboard button: Field "text" must be a String')
        if len([key for key in _BUTTON_ACTIONS if key in button]) != 1:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        if "callback_data" in button and not 1 <= len(str(button["callback_data"]).encode()) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")


def check_reply_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" must be an Array of Arrays')
    elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object")


def chat_member(user: JSON, status: str) -> JSON:
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


def without_reply(message: JSON) -> JSON:
    return copy.deepcopy({k: v for k, v in message.items() if k != "reply_to_message"})


def update_kind(update: JSON) -> str:
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
