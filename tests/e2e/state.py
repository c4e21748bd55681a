"""What the emulator knows: users, chats, messages, updates, calls, faults.

:class:`EmulatorState` is synchronous and does no I/O.  ``api_<method>`` implement the Bot API
methods on decoded :class:`~.wire.Params`; ``ctl_<op>`` are the control operations that
:mod:`.emulator` exposes to tests in-process and over HTTP (JSON-compatible in and out).
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .wire import (
    BOT_COMMAND_RE,
    CHAT_ACTIONS,
    COMMAND_RE,
    DEFAULT_USER_ID,
    JSON,
    NOT_BY_DEFAULT,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    Call,
    EmulatorError,
    Fault,
    FloodControl,
    FloodLimits,
    Params,
    StoredFile,
    bad_request,
    chat_member,
    check_inline_keyboard,
    check_reply_markup,
    format_text,
    image_size,
    unix_now,
    update_kind,
    utf16_len,
    without_reply,
)

ANONYMOUS_ADMIN: JSON = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
"""The placeholder sender of every message an anonymous admin posts as the group."""
CHANNEL_BOT: JSON = {
    "id": 136817688,
    "is_bot": True,
    "first_name": "Channel",
    "username": "Channel_Bot",
}
"""The placeholder sender of messages posted as a channel."""


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
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
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
        self.flood = FloodControl(flood_limits) if flood_limits else None
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
            seq=len(self.calls) + 1,
            method=method,
            params=params,
            time=started,
            ok=body["ok"],
            result=body.get("result"),
            error_code=body.get("error_code"),
            description=body.get("description"),
        )
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
        """Pending updates the bot asked for; other types are discarded, as Telegram does."""
        allowed = self.allowed_updates
        self.updates = [
            u
            for u in self.updates
            if (update_kind(u) in allowed if allowed else update_kind(u) not in NOT_BY_DEFAULT)
        ]
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

    def _ensure_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        title: str | None = None,
        username: str | None = None,
    ) -> ChatState:
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
            "message_id": chat.next_message_id,
            "from": copy.deepcopy(sender),
            "chat": copy.deepcopy(chat.info),
            "date": unix_now(),
            **fields,
        }
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

    def _store_file(
        self, data: bytes | None, file_name: str | None, mime_type: str | None, kind: str
    ) -> StoredFile:
        n = self._next_id()
        stored = StoredFile(
            f"EMU-{kind}-{n}", f"U{n}", f"{kind}s/file_{n}", data, file_name, mime_type
        )
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
        if chat_id in self.chats or not self.strict_chats:
            return self._ensure_chat(chat_id)
        return None

    def _known_chat(self, p: Params) -> ChatState:
        chat = self._find_chat(p.chat_id())
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
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

    def _formatted(
        self,
        p: Params,
        key: str,
        *,
        limit: int,
        too_long: str,
        empty: str | None = "message text is empty",
        mode_key: str = "parse_mode",
        entities_key: str = "entities",
    ) -> tuple[str, list[JSON]]:
        """Text parameter ``key`` after parse_mode; ``empty=None`` makes it optional."""
        text, entities = format_text(p.text(key) or "", p.text(mode_key), p.get(entities_key))
        if empty is not None and not text.strip():
            raise bad_request(empty)
        if len(text) > limit:
            raise bad_request(too_long)
        return text, entities

    def _reply_target(self, chat: ChatState, p: Params) -> JSON | None:
        params = p.get("reply_parameters") or {}
        if not isinstance(params, dict):
            raise bad_request("can't parse reply parameters JSON object")
        message_id = params.get("message_id", p.integer("reply_to_message_id"))
        if message_id is None:
            return None
        target = chat.messages.get(int(message_id))
        if target is None or int(message_id) in chat.deleted:
            if params.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return without_reply(target)

    def _bot_message(self, chat: ChatState, p: Params, fields: JSON) -> JSON:
        """Validate markup and reply, apply flood limits, then deliver a message from the bot."""
        markup = p.get("reply_markup") or None
        if markup is not None:
            check_reply_markup(markup)
            rows = markup.get("inline_keyboard") or []
            if chat.type != "private" and any("web_app" in b for row in rows for b in row):
                raise bad_request("BUTTON_TYPE_INVALID")  # web_app buttons: private chats only
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
            p,
            "caption",
            limit=1024,
            too_long="message caption is too long",
            empty=None,
            entities_key="caption_entities",
        )
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
            raise bad_request(f"there is no {name} in the request")
        if str(value) in self.files:
            return self.files[str(value)]
        if str(value).startswith(("http://", "https://")):
            return self._store_file(None, str(value).rsplit("/", 1)[-1], None, name)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _editable(self, p: Params) -> tuple[ChatState | None, JSON]:
        inline_id = p.text("inline_message_id")
        if inline_id:
            return None, self.inline_messages.setdefault(inline_id, {})
        chat = self._writable_chat(p)
        message_id = p.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message_id in chat.deleted:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return chat, message

    def _apply_edit(self, chat: ChatState | None, message: JSON, changes: JSON) -> Any:
        if chat is not None and all(message.get(k) == (v or None) for k, v in changes.items()):
            raise bad_request(NOT_MODIFIED)
        for key, value in changes.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        if chat is None:
            return True
        message["edit_date"] = unix_now()
        return copy.deepcopy(message)

    def _inline_markup(self, p: Params) -> JSON | None:
        markup = p.get("reply_markup") or None
        if markup is not None and not (isinstance(markup, dict) and "inline_keyboard" in markup):
            raise bad_request("inline keyboard expected")
        if markup is not None:
            check_inline_keyboard(markup["inline_keyboard"])
        return markup

    # -- Bot API methods ----------------------------------------------------------------------

    def api_getMe(self, p: Params) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

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
        return {
            **self.webhook,
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    def _commands_key(self, p: Params) -> str:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps([scope, p.text("language_code") or ""], sort_keys=True)

    def api_setMyCommands(self, p: Params) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not BOT_COMMAND_RE.fullmatch(
                str(command.get("command", ""))
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
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
            raise bad_request("there is no text in the message to edit")
        changes = {"text": text, "entities": entities, "reply_markup": self._inline_markup(p)}
        return self._apply_edit(chat, message, changes)

    def api_editMessageReplyMarkup(self, p: Params) -> Any:
        chat, message = self._editable(p)
        return self._apply_edit(chat, message, {"reply_markup": self._inline_markup(p)})

    def api_deleteMessage(self, p: Params) -> bool:
        chat = self._known_chat(p)
        message_id = p.integer("message_id")
        if message_id not in chat.messages or message_id in chat.deleted:
            raise bad_request("message to delete not found")
        chat.deleted.add(message_id)
        return True

    def api_answerCallbackQuery(self, p: Params) -> bool:
        query_id = p.text("callback_query_id") or ""
        if query_id not in self.callback_answers or self.callback_answers[query_id] is not None:
            raise bad_request(QUERY_TOO_OLD)
        if len(p.text("text") or "") > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = {k: p.get(k) for k in ("text", "show_alert", "url")}
        return True

    def api_sendPoll(self, p: Params) -> JSON:
        chat = self._writable_chat(p)
        question, question_entities = self._formatted(
            p,
            "question",
            limit=300,
            too_long="poll question length must not exceed 300",
            empty="poll question must be non-empty",
            mode_key="question_parse_mode",
            entities_key="question_entities",
        )
        options = self._poll_options(p)
        quiz = (p.text("type") or "regular") == "quiz"
        if p.text("type") not in (None, "regular", "quiz"):
            raise bad_request("wrong poll type specified")
        poll: JSON = {
            "id": str(5_000_000_000 + self._next_id()),
            "question": question,
            "options": [
                {"text": text, "voter_count": 0, "persistent_id": str(i)}
                for i, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": p.flag("is_closed"),
            "is_anonymous": p.get("is_anonymous") is None or p.flag("is_anonymous"),
            "type": "quiz" if quiz else "regular",
            "allows_multiple_answers": p.flag("allows_multiple_answers") and not quiz,
            "allows_revoting": p.flag("allows_revoting")
            if "allows_revoting" in p.values
            else not quiz,
            "members_only": p.flag("members_only"),
        }
        if question_entities:
            poll["question_entities"] = question_entities
        if quiz:
            poll.update(self._quiz_fields(p, len(options)))
        open_period = p.integer("open_period")
        if open_period is not None:
            if not 5 <= open_period <= 2_628_000:
                raise bad_request("wrong open_period specified")
            poll.update(open_period=open_period, close_date=unix_now() + open_period)
        message = self._bot_message(chat, p, {"poll": poll})
        self.polls[poll["id"]] = (chat.id, message["message_id"])
        return message

    def _poll_options(self, p: Params) -> list[str]:
        raw = p.get("options")
        if not isinstance(raw, list):
            raise bad_request("can't parse options JSON object")
        options = [str(o.get("text", "")) if isinstance(o, dict) else str(o) for o in raw]
        # Bot API 10.0 allows a single option only when users may add more.
        if len(options) < (1 if p.flag("allow_adding_options") else 2):
            raise bad_request("poll must have at least 2 option")
        if len(options) > 12:
            raise bad_request("poll can't have more than 12 options")
        if any(not 1 <= len(text) <= 100 for text in options):
            raise bad_request("poll options length must not exceed 100")
        return options

    def _quiz_fields(self, p: Params, option_count: int) -> JSON:
        correct = p.get("correct_option_ids")
        if correct is None and p.integer("correct_option_id") is not None:
            correct = [p.integer("correct_option_id")]
        if not correct:
            raise bad_request("QUIZ_CORRECT_ANSWERS_EMPTY")
        if not isinstance(correct, list) or any(
            not isinstance(i, int) or not 0 <= i < option_count for i in correct
        ):
            raise bad_request("QUIZ_CORRECT_ANSWER_INVALID")
        fields: JSON = {"correct_option_ids": correct}
        explanation, entities = self._formatted(
            p,
            "explanation",
            limit=200,
            too_long="explanation length must not exceed 200",
            empty=None,
            mode_key="explanation_parse_mode",
            entities_key="explanation_entities",
        )
        if explanation:
            fields["explanation"] = explanation
        if entities:
            fields["explanation_entities"] = entities
        return fields

    def api_stopPoll(self, p: Params) -> JSON:
        chat = self._writable_chat(p)
        message = chat.messages.get(p.integer("message_id") or 0)
        if message is None or "poll" not in message or message["from"]["id"] != self.bot_id:
            raise bad_request("message with poll to stop not found")
        if message["poll"]["is_closed"]:
            raise bad_request("poll has already been closed")
        message["poll"]["is_closed"] = True
        markup = self._inline_markup(p)
        if markup:
            message["reply_markup"] = markup
        self._queue("poll", message["poll"])
        return copy.deepcopy(message["poll"])

    def api_sendPhoto(self, p: Params) -> JSON:
        chat = self._writable_chat(p)
        stored = self._input_file(p, "photo")
        size = image_size(stored.data) if stored.data is not None else (0, 0)
        if size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        photo = {**stored.describe(), "width": size[0], "height": size[1]}
        return self._bot_message(chat, p, self._caption(p, {"photo": [photo]}))

    def api_sendDocument(self, p: Params) -> JSON:
        chat = self._writable_chat(p)
        stored = self._input_file(p, "document")
        document = {
            **stored.describe(),
            "file_name": stored.file_name or "document",
            "mime_type": stored.mime_type or "application/octet-stream",
        }
        return self._bot_message(chat, p, self._caption(p, {"document": document}))

    def api_sendChatAction(self, p: Params) -> bool:
        self._writable_chat(p)
        if p.text("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def api_answerInlineQuery(self, p: Params) -> bool:
        query_id = p.text("inline_query_id") or ""
        if query_id not in self.inline_answers or self.inline_answers[query_id] is not None:
            raise bad_request(QUERY_TOO_OLD)
        results = p.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse results JSON object")
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [r.get("id") if isinstance(r, dict) else None for r in results]
        if any(not isinstance(r, dict) or not r.get("type") for r in results) or None in ids:
            raise bad_request("can't parse InlineQueryResult JSON object")
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        keys = ("cache_time", "is_personal", "next_offset", "button")
        self.inline_answers[query_id] = {"results": results, **{k: p.get(k) for k in keys}}
        return True

    def api_getChat(self, p: Params) -> JSON:
        chat = self._known_chat(p)
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return {
            **chat.info,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def _member_of(self, chat: ChatState, user_id: int) -> JSON:
        if user_id == self.bot_id:
            status = "member" if chat.type == "private" else chat.bot_status
            return chat_member(self.bot_user, status)
        if user_id not in self.users:
            raise bad_request("user not found")
        if chat.admins and chat.admins[0] == user_id:
            return chat_member(self.users[user_id], "creator")
        status = "administrator" if user_id in chat.admins else "member"
        return chat_member(self.users[user_id], chat.member_status.get(user_id, status))

    def api_getChatMember(self, p: Params) -> JSON:
        return self._member_of(self._known_chat(p), p.integer("user_id") or 0)

    def api_getChatAdministrators(self, p: Params) -> list[JSON]:
        chat = self._known_chat(p)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        admins = [self._member_of(chat, user_id) for user_id in chat.admins]
        if chat.bot_status == "administrator":
            admins.append(self._member_of(chat, self.bot_id))
        return admins

    def api_leaveChat(self, p: Params) -> bool:
        chat = self._known_chat(p)
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        chat.bot_status = "left"
        return True

    def api_getFile(self, p: Params) -> JSON:
        stored = self.files.get(p.text("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        return {**stored.describe(), "file_path": stored.file_path}

    # -- control: users, chats, incoming updates ----------------------------------------------

    def ctl_add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str = "en",
    ) -> JSON:
        """Register (or rename) a user; unknown user ids are created as ``User<id>``."""
        user: JSON = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or f"User{user_id}",
            "language_code": language_code,
        }
        user.update({k: v for k, v in (("username", username), ("last_name", last_name)) if v})
        self.users[user_id] = user
        if user_id in self.chats:
            self.chats[user_id].info.update(
                {k: user[k] for k in ("first_name", "last_name", "username") if k in user}
            )
        return user

    def ctl_add_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        title: str | None = None,
        username: str | None = None,
    ) -> JSON:
        """Make a chat known (the Bot API answers "chat not found" for unknown chats).

        The type defaults from the id: > 0 private, <= -10**12 supergroup, else group.
        """
        return self._ensure_chat(chat_id, chat_type, title, username).info

    def ctl_set_group_admins(self, chat_id: int, user_ids: list[int]) -> None:
        """The first id is the creator, the others administrators (for getChatMember & co)."""
        chat = self._ensure_chat(chat_id)
        chat.admins = list(user_ids)
        for user_id in user_ids:
            self._user(user_id)

    def ctl_send_message(
        self, chat_id: int, fields: JSON, user_id: int | None = None, reply_to: int | None = None
    ) -> JSON:
        """A user message with arbitrary Message ``fields`` (id, chat, from, date are added).

        ``user_id`` defaults to the private chat's user, or DEFAULT_USER_ID in groups.
        """
        chat = self._ensure_chat(chat_id)
        if chat.type != "private" and chat.bot_status in ("left", "kicked"):
            raise EmulatorError(f"the bot is not in chat {chat_id}; use add_bot_to_group")
        message = dict(fields)
        if reply_to is not None:
            message["reply_to_message"] = without_reply(self._live_message(chat, reply_to))
        return self._queue("message", self._new_message(chat, self._sender(chat, user_id), message))

    def ctl_send_text(
        self, chat_id: int, text: str, user_id: int | None = None, reply_to: int | None = None
    ) -> JSON:
        """A user writes ``text``; ``/cmd`` and ``/cmd@bot`` get a bot_command entity."""
        fields: JSON = {"text": text}
        command = COMMAND_RE.match(text)
        if command:
            length = utf16_len(command.group(0))
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.ctl_send_message(chat_id, fields, user_id, reply_to)

    def ctl_send_as_chat(self, chat_id: int, text: str, sender_chat_id: int | None = None) -> JSON:
        """A message sent on behalf of a chat, as Telegram delivers it.

        An anonymous group admin ("Remain anonymous") posts as the group itself: `from` is
        the placeholder GroupAnonymousBot and `sender_chat` the group. With another
        `sender_chat_id` (a channel), `from` is Telegram's channel placeholder instead.
        """
        sender_chat = self._chat(sender_chat_id) if sender_chat_id is not None else None
        placeholder = ANONYMOUS_ADMIN if sender_chat is None else CHANNEL_BOT
        chat = self._ensure_chat(chat_id)
        fields: JSON = {"text": text, "sender_chat": copy.deepcopy((sender_chat or chat).info)}
        command = COMMAND_RE.match(text)
        if command:
            length = utf16_len(command.group(0))
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self.users.setdefault(placeholder["id"], dict(placeholder))
        return self._queue("message", self._new_message(chat, placeholder, fields))

    def ctl_send_media(
        self,
        chat_id: int,
        kind: str,
        user_id: int | None = None,
        reply_to: int | None = None,
        data_b64: str | None = None,
        caption: str | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        emoji: str | None = None,
        duration: int | None = None,
        latitude: float = 0.0,
        longitude: float = 0.0,
    ) -> JSON:
        if kind == "location":
            return self.ctl_send_message(
                chat_id,
                {"location": {"latitude": latitude, "longitude": longitude}},
                user_id,
                reply_to,
            )
        if kind not in ("photo", "sticker", "voice", "document"):
            raise EmulatorError(f"unknown media kind {kind!r}")
        data = base64.b64decode(data_b64) if data_b64 else None
        base = self._store_file(data, file_name, mime_type, kind).describe()
        media: dict[str, Any] = {
            "photo": [{**base, "width": 320, "height": 320}],
            "sticker": {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji or "👍",
            },
            "voice": {**base, "duration": duration or 1, "mime_type": mime_type or "audio/ogg"},
            "document": {
                **base,
                "file_name": file_name or "file.bin",
                "mime_type": mime_type or "application/octet-stream",
            },
        }
        if kind == "photo" and data and (size := image_size(data)):
            media["photo"][0].update(width=size[0], height=size[1])
        fields: JSON = {kind: media[kind], **({"caption": caption} if caption else {})}
        return self.ctl_send_message(chat_id, fields, user_id, reply_to)

    def ctl_press_button(
        self,
        chat_id: int,
        message_id: int,
        text: str | None = None,
        data: str | None = None,
        user_id: int | None = None,
    ) -> JSON:
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
        return self._queue(
            "callback_query",
            {
                "id": query_id,
                "from": self._sender(chat, user_id),
                "message": message,
                "chat_instance": str(abs(chat_id) * 7919 + 1),
                "data": data,
            },
        )

    def ctl_answer_poll(
        self,
        poll_id: str,
        option_ids: list[int],
        user_id: int | None = None,
    ) -> JSON:
        """A user votes (``[]`` retracts): queues poll_answer (unless anonymous) and poll."""
        if poll_id not in self.polls:
            raise EmulatorError(f"unknown poll {poll_id}")
        chat = self._chat(self.polls[poll_id][0])
        poll = chat.messages[self.polls[poll_id][1]]["poll"]
        closed = poll["is_closed"] or poll.get("close_date", math.inf) <= unix_now()
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
            answer = self._queue(
                "poll_answer",
                {
                    "poll_id": poll_id,
                    "user": user,
                    "option_ids": list(option_ids),
                    "option_persistent_ids": [
                        poll["options"][i]["persistent_id"] for i in option_ids
                    ],
                },
            )
        state = self._queue("poll", poll)
        return answer or state

    def ctl_inline_query(
        self, query: str, user_id: int | None = None, offset: str = "", chat_type: str | None = None
    ) -> JSON:
        """An inline query; the bot's answerInlineQuery is kept for :meth:`ctl_inline_answer`."""
        query_id = str(6_000_000_000 + self._next_id())
        self.inline_answers[query_id] = None
        payload: JSON = {
            "id": query_id,
            "from": self._user(user_id or DEFAULT_USER_ID),
            "query": query,
            "offset": offset,
        }
        if chat_type:
            payload["chat_type"] = chat_type
        return self._queue("inline_query", payload)

    def ctl_chat_member_update(
        self,
        chat_id: int,
        user_id: int,
        old_status: str,
        new_status: str,
        by_user_id: int | None = None,
    ) -> JSON:
        """``my_chat_member`` when ``user_id`` is the bot, else ``chat_member``."""
        chat = self._ensure_chat(chat_id)
        user = self._user(user_id)
        old, new = chat_member(user, old_status), chat_member(user, new_status)
        if user_id == self.bot_id:
            chat.bot_status = new_status
        else:
            chat.member_status[user_id] = new_status
        return self._queue(
            "my_chat_member" if user_id == self.bot_id else "chat_member",
            {
                "chat": chat.info,
                "from": self._sender(chat, by_user_id),
                "date": unix_now(),
                "old_chat_member": old,
                "new_chat_member": new,
            },
        )

    def ctl_add_bot_to_group(
        self,
        chat_id: int,
        title: str | None = None,
        by_user_id: int | None = None,
        as_admin: bool = False,
    ) -> list[JSON]:
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
        """The bot is kicked: a my_chat_member update; later sends get 403."""
        chat = self._chat(chat_id)
        return self.ctl_chat_member_update(
            chat_id, self.bot_id, chat.bot_status, "kicked", by_user_id
        )

    def ctl_block_bot(self, user_id: int, blocked: bool = True) -> JSON:
        """The user blocks (or unblocks) the bot in their private chat."""
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        return self.ctl_chat_member_update(user_id, self.bot_id, old, new, user_id)

    def ctl_migrate_group(
        self, chat_id: int, new_chat_id: int | None = None, user_id: int | None = None
    ) -> list[JSON]:
        """Upgrade a group to a supergroup; sends to the old id get 400 + migrate_to_chat_id."""
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

    def ctl_calls(
        self,
        method: str | list[str] | None = None,
        chat_id: int | str | None = None,
        since: int = 0,
        ok: bool | None = None,
    ) -> list[JSON]:
        methods = {m.lower() for m in ([method] if isinstance(method, str) else method or [])}
        return [
            asdict(call)
            for call in self.calls[since:]
            if (not methods or call.method.lower() in methods)
            and (chat_id is None or str(call.chat_id) == str(chat_id))
            and (ok is None or call.ok == ok)
        ]

    def ctl_mark(self) -> int:
        return self.mark

    def ctl_history(self, chat_id: int, include_deleted: bool = False) -> list[JSON]:
        """The chat as its members see it: every message with its current text and markup.

        Deleted messages are left out, or marked ``"_deleted": true`` with ``include_deleted``.
        """
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
        """The custom reply keyboard the user currently sees in the chat, if any."""
        return self._chat(chat_id).reply_keyboard

    def ctl_pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot (via getUpdates' offset)."""
        return self.updates

    def ctl_file_bytes(self, file_id: str) -> str:
        stored = self.files.get(file_id)
        if stored is None or stored.data is None:
            raise EmulatorError(f"no stored bytes for file {file_id}")
        return base64.b64encode(stored.data).decode()

    def ctl_callback_answer(self, query_id: str) -> JSON | None:
        """The bot's answerCallbackQuery (text, show_alert, url), or None if unanswered."""
        return self.callback_answers.get(query_id)

    def ctl_inline_answer(self, query_id: str) -> JSON | None:
        """The bot's answerInlineQuery (results, cache_time, ...), or None if unanswered."""
        return self.inline_answers.get(query_id)

    def ctl_bot_commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        key = json.dumps([scope or {"type": "default"}, language_code], sort_keys=True)
        return self.commands.get(key, [])

    def ctl_stats(self) -> JSON:
        """Counters: calls, pending updates, delivered messages and flood 429s per chat."""
        rejections = self.flood.rejections if self.flood else Counter[int]()
        return {
            "calls": len(self.calls),
            "pending_updates": len(self.updates),
            "delivered": {str(k): v for k, v in self.delivered.items()},
            "flood_rejections": sum(rejections.values()),
            "flood_rejections_by_chat": {str(k): v for k, v in rejections.items()},
        }

    def ctl_delivered_count(self, chat_id: int) -> int:
        """Messages the bot successfully sent to the chat (deleted ones included)."""
        return self.delivered[chat_id]

    # -- control: faults and limits -------------------------------------------------------------

    def ctl_fail_next(
        self,
        code: int | None = 429,
        count: int = 1,
        method: str | None = None,
        chat_id: int | str | None = None,
        retry_after: int | None = None,
        description: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """The next ``count`` matching calls wait ``delay`` s, then fail with ``code``.

        ``code=None`` only delays.  Faults without ``method`` never hit getUpdates.
        """
        self.faults.append(Fault(code, count, method, chat_id, retry_after, description, delay))

    def ctl_clear_faults(self) -> None:
        self.faults.clear()

    def ctl_set_blocked(self, chat_id: int, blocked: bool = True) -> None:
        """Every send to the chat gets 403, without any update being queued."""
        self._ensure_chat(chat_id).blocked = blocked

    def ctl_set_flood_limits(self, limits: JSON | None) -> None:
        self.flood = FloodControl(FloodLimits(**limits)) if limits is not None else None
        self._initial = (self._initial[0], self.flood.limits if self.flood else None)


_API_NAMES = {name[4:].lower(): name[4:] for name in dir(EmulatorState) if name.startswith("api_")}
_API_NAMES["getupdates"] = "getUpdates"
CONTROL_OPS = frozenset(name[4:] for name in dir(EmulatorState) if name.startswith("ctl_"))


def canonical_method(name: str) -> str:
    """Telegram method names are case-insensitive; record them in their documented spelling."""
    return _API_NAMES.get(name.lower(), name)


# ---------------------------------------------------------------------------------------------
# Control API shared by the in-process emulator and the HTTP client.
