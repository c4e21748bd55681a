"""Telegram Bot API emulator for end-to-end tests of the bot.

The bot (python-telegram-bot) talks to :class:`BotApiEmulator` over HTTP exactly as it talks to
api.telegram.org: ``POST /bot<TOKEN>/<method>``.  Tests play the users: they inject updates
(messages, button presses, poll answers, ...), read what the bot sent, and inject faults.

The control side exists twice with the same signatures, both built on :class:`ControlApi`:
in-process as methods of :class:`BotApiEmulator`, and over HTTP (``POST /_emu/<op>`` with JSON
keyword arguments) through :class:`EmulatorClient`, for a bot running in a subprocess.  Every
control method is a coroutine and returns plain JSON data, so tests read the same either way.
Bot API semantics live in :mod:`.bot_api`.

Standalone: ``python -m tests.e2e.emulator --port 8081``.  See README.md in this directory.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import inspect
import json
import signal
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Concatenate, Literal, ParamSpec, TypeVar

from aiohttp import ClientSession, web

from .state import EmulatorState, canonical_method
from .wire import (
    DEFAULT_TOKEN,
    DEFAULT_USER_ID,
    EDIT_FAILURES,
    JSON,
    MESSAGE_METHODS,
    ApiError,
    Call,
    EmulatorError,
    FloodLimits,
    Params,
    Upload,
    describe_message,
    parse_html,
)

if TYPE_CHECKING:
    from telegram.ext import Application, ApplicationBuilder

__all__ = [
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "ApiError",
    "BotApiEmulator",
    "Call",
    "ControlApi",
    "EmulatorClient",
    "EmulatorError",
    "FloodLimits",
    "describe_message",
    "parse_html",
    "running_application",
]

MediaKind = Literal["photo", "sticker", "voice", "document", "location"]

P = ParamSpec("P")
R = TypeVar("R")


def _remote(
    impl: Callable[Concatenate[EmulatorState, P], R],
) -> Callable[Concatenate[ControlApi, P], Coroutine[Any, Any, R]]:
    """A ControlApi coroutine method with the signature and docstring of ``ctl_<op>``."""
    name = impl.__name__.removeprefix("ctl_")
    signature = inspect.signature(impl)

    async def operation(api: ControlApi, /, *args: P.args, **kwargs: P.kwargs) -> R:
        arguments = signature.bind(None, *args, **kwargs).arguments
        arguments.pop("self")
        result: R = await api._op(name, **arguments)
        return result

    operation.__name__ = operation.__qualname__ = name
    operation.__doc__ = impl.__doc__
    return operation


PROBE = "/forget"
PROBE_REPLY = "Delete everything I store about you?"
"""A probe with exactly one reply in any chat, quiz or not (it only asks; nothing changes
until a button is pressed), so nothing the bot does for it can come after that reply."""


class ControlApi(ABC):
    """What tests call.  Every method is a coroutine; data is plain JSON (dicts and lists)."""

    @abstractmethod
    async def _op(self, name: str, **kwargs: Any) -> Any: ...

    @abstractmethod
    async def _tick(self, timeout: float) -> None:
        """Sleep until something may have changed, at most ``timeout`` seconds."""

    add_user = _remote(EmulatorState.ctl_add_user)
    add_chat = _remote(EmulatorState.ctl_add_chat)
    set_group_admins = _remote(EmulatorState.ctl_set_group_admins)
    send_text = _remote(EmulatorState.ctl_send_text)
    send_message = _remote(EmulatorState.ctl_send_message)
    send_as_chat = _remote(EmulatorState.ctl_send_as_chat)
    press_button = _remote(EmulatorState.ctl_press_button)
    answer_poll = _remote(EmulatorState.ctl_answer_poll)
    inline_query = _remote(EmulatorState.ctl_inline_query)
    chat_member_update = _remote(EmulatorState.ctl_chat_member_update)
    add_bot_to_group = _remote(EmulatorState.ctl_add_bot_to_group)
    remove_bot_from_group = _remote(EmulatorState.ctl_remove_bot_from_group)
    block_bot = _remote(EmulatorState.ctl_block_bot)
    migrate_group = _remote(EmulatorState.ctl_migrate_group)
    inject_update = _remote(EmulatorState.ctl_inject_update)
    history = _remote(EmulatorState.ctl_history)
    message = _remote(EmulatorState.ctl_message)
    reply_keyboard = _remote(EmulatorState.ctl_reply_keyboard)
    pending_updates = _remote(EmulatorState.ctl_pending_updates)
    callback_answer = _remote(EmulatorState.ctl_callback_answer)
    inline_answer = _remote(EmulatorState.ctl_inline_answer)
    bot_commands = _remote(EmulatorState.ctl_bot_commands)
    stats = _remote(EmulatorState.ctl_stats)
    delivered_count = _remote(EmulatorState.ctl_delivered_count)
    fail_next = _remote(EmulatorState.ctl_fail_next)
    clear_faults = _remote(EmulatorState.ctl_clear_faults)
    set_blocked = _remote(EmulatorState.ctl_set_blocked)
    reset = _remote(EmulatorState.ctl_reset)

    async def send_media(
        self,
        chat_id: int,
        kind: MediaKind,
        *,
        user_id: int | None = None,
        reply_to: int | None = None,
        data: bytes | None = None,
        caption: str | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        emoji: str | None = None,
        duration: int | None = None,
        latitude: float = 0.0,
        longitude: float = 0.0,
    ) -> JSON:
        """A user sends a photo/sticker/voice/document (``data`` is downloadable) or location."""
        result: JSON = await self._op(
            "send_media",
            chat_id=chat_id,
            kind=kind,
            user_id=user_id,
            reply_to=reply_to,
            data_b64=base64.b64encode(data).decode() if data is not None else None,
            caption=caption,
            file_name=file_name,
            mime_type=mime_type,
            emoji=emoji,
            duration=duration,
            latitude=latitude,
            longitude=longitude,
        )
        return result

    async def calls(
        self,
        method: str | Sequence[str] | None = None,
        *,
        chat_id: int | str | None = None,
        since: int = 0,
        ok: bool | None = None,
    ) -> list[Call]:
        """Recorded Bot API calls, oldest first (``since``: skip the first ``since`` calls)."""
        method_arg = method if method is None or isinstance(method, str) else list(method)
        found = await self._op("calls", method=method_arg, chat_id=chat_id, since=since, ok=ok)
        return [Call(**call) for call in found]

    async def transcript(self, chat_id: int) -> list[str]:
        """The chat as lines like ``bot: Pick one [Yes | No]`` (see :func:`describe_message`)."""
        return [describe_message(message) for message in await self.history(chat_id)]

    async def file_bytes(self, file_id: str) -> bytes:
        return base64.b64decode(await self._op("file_bytes", file_id=file_id))

    async def slow_next(
        self,
        delay: float,
        *,
        count: int = 1,
        method: str | None = None,
        chat_id: int | str | None = None,
    ) -> None:
        """Delay the next ``count`` matching calls by ``delay`` seconds, then answer normally."""
        await self.fail_next(None, count, method, chat_id, delay=delay)

    async def fail_next_edit(
        self,
        reason: Literal["not_found", "too_old", "not_modified"],
        *,
        count: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``count`` editMessageText calls fail as Telegram does when the
        message was deleted (``not_found``), is over 48 hours old (``too_old``) or would
        not change (``not_modified``): 400 with Telegram's own description."""
        await self.fail_next(
            400, count, "editMessageText", chat_id, description=EDIT_FAILURES[reason]
        )

    async def set_flood_limits(self, limits: FloodLimits | None) -> None:
        """Enforce ``limits`` on message delivery (``None``: no limits, the default)."""
        await self._op("set_flood_limits", limits=asdict(limits) if limits else None)

    async def wait_for(
        self,
        method: str | Sequence[str] | None = None,
        predicate: Callable[[Call], bool] | None = None,
        *,
        chat_id: int | str | None = None,
        timeout: float = 5.0,
        since: int | None = None,
        ok: bool | None = True,
    ) -> Call:
        """First matching call after ``since`` (default: made after the last injected update)."""
        seen: int = await self._op("mark") if since is None else since
        deadline = time.monotonic() + timeout
        while True:
            for call in await self.calls(method, chat_id=chat_id, since=seen, ok=ok):
                seen = call.seq
                if predicate is None or predicate(call):
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [(c.method, c.chat_id, c.ok) for c in (await self.calls())[-8:]]
                raise TimeoutError(
                    f"no {method or 'call'} for chat {chat_id} in {timeout}s; "
                    f"recent calls: {recent}"
                )
            await self._tick(remaining)

    async def wait_for_message(
        self,
        chat_id: int,
        text_contains: str | None = None,
        predicate: Callable[[JSON], bool] | None = None,
        *,
        timeout: float = 5.0,
        since: int | None = None,
    ) -> JSON:
        """The next message the bot delivered to ``chat_id`` (as returned by the send method)."""

        def matches(call: Call) -> bool:
            message: JSON = call.result
            shown = message.get("text") or message.get("caption") or ""
            shown = shown or message.get("poll", {}).get("question", "")
            return (text_contains is None or text_contains in shown) and (
                predicate is None or predicate(message)
            )

        call = await self.wait_for(
            sorted(MESSAGE_METHODS), matches, chat_id=chat_id, timeout=timeout, since=since
        )
        return dict(call.result)

    async def assert_no_call_before_reply(
        self,
        method: str | Sequence[str],
        *,
        chat_id: int,
        since: int,
        user_id: int | None = None,
        probe: str = PROBE,
        probe_reply: str = PROBE_REPLY,
    ) -> None:
        """Fail if the bot made a matching call after `since`, judged without a fixed sleep.

        A `probe` message is sent to the chat and its reply awaited: the bot handles updates
        one at a time, in order, so once the probe is answered every earlier update has been
        handled, and a matching call other than the probe's reply is a failure, however slow
        the bot was. (A sleep-then-look check passes whenever the bot is slow.)
        """
        unexpected = await self.calls_before_reply(
            method,
            chat_id=chat_id,
            since=since,
            user_id=user_id,
            probe=probe,
            probe_reply=probe_reply,
        )
        if unexpected:
            raise AssertionError(f"unexpected calls: {[(c.method, c.params) for c in unexpected]}")

    async def calls_before_reply(
        self,
        method: str | Sequence[str],
        *,
        chat_id: int,
        since: int,
        user_id: int | None = None,
        probe: str = PROBE,
        probe_reply: str = PROBE_REPLY,
    ) -> list[Call]:
        """The matching calls the bot made after `since`, up to its reply to a `probe` sent now.

        The bot handles updates one at a time, in order: once the probe is answered,
        everything sent before it has been handled, so no fixed sleep is needed.
        """
        await self.handled(chat_id, user_id=user_id, probe=probe, probe_reply=probe_reply)
        methods = [method] if isinstance(method, str) else list(method)
        made = await self.calls([*methods, "sendMessage"], chat_id=chat_id, since=since, ok=True)
        replies = [i for i, c in enumerate(made) if probe_reply in str(c.params.get("text", ""))]
        made = made[: replies[-1]]  # the probe's one reply: nothing of the bot's comes after it
        return [call for call in made if call.method in methods]

    async def handled(
        self,
        chat_id: int,
        *,
        user_id: int | None = None,
        probe: str = PROBE,
        probe_reply: str = PROBE_REPLY,
        timeout: float = 5.0,
    ) -> JSON:
        """Wait until the bot has handled every update injected so far; the probe's reply.

        Sends `probe` to the chat and waits for its reply (a message containing
        `probe_reply`): the bot handles updates one at a time, in order, so by then every
        earlier update has been handled, error handler included. This is the event to wait
        for before concluding that the bot did not do something.
        """
        await self.send_text(chat_id, probe, user_id=user_id)
        return await self.wait_for_message(chat_id, probe_reply, timeout=timeout)


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
            raise ApiError(400, "Bad Request: can't parse JSON request body") from None
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
        self,
        token: str = DEFAULT_TOKEN,
        *,
        tokens: Sequence[str] = (),
        port: int = 0,
        bot_username: str = "emulator_test_bot",
        bot_name: str = "Emulator Bot",
        group_admins: Mapping[int, Sequence[int]] | None = None,
        flood_limits: FloodLimits | None = None,
        strict_chats: bool = True,
    ) -> None:
        self.token = token
        self.state = EmulatorState(
            (token, *tokens), bot_username, bot_name, group_admins or {}, strict_chats, flood_limits
        )
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
        self._closing = False
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/_emu/{op}", self._handle_control)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
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

    def application_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
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
        except Exception as error:  # an emulator bug or input it cannot handle: keep it visible
            body = ApiError(500, f"Internal Server Error: emulator failed: {error!r}").body()
        self.state.record(method, params.for_record(), started, body)
        return web.json_response(body, status=200 if body["ok"] else body["error_code"])

    async def _execute(self, method: str, params: Params) -> Any:
        fault = self.state.take_fault(method, params.get("chat_id"))
        if fault is not None:
            await asyncio.sleep(fault.delay)  # the fault itself: a slow answer (`slow_next`)
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
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        deadline = time.monotonic() + max(p.integer("timeout", 0) or 0, 0)
        if isinstance(p.get("allowed_updates"), list):
            state.allowed_updates = frozenset(p.get("allowed_updates")) or None
        state.confirm_updates(p.integer("offset", 0) or 0)
        state.poll_generation += 1
        generation = state.poll_generation
        self._changes.notify()
        while True:
            updates = state.take_updates(limit)
            if updates or self._closing:
                return updates
            if generation != state.poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure "
                    "that only one bot instance is running",
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            await self._changes.wait(remaining)

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self.state.file_by_path(request.match_info["path"])
        if request.match_info["token"] not in self.state.tokens or not stored or not stored.data:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.data, content_type=content_type)

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
        # Over HTTP there is no change notification to await: poll, waiting for the event.
        await asyncio.sleep(min(timeout, 0.05))


@contextlib.asynccontextmanager
async def running_application(
    app: Application[Any, Any, Any, Any, Any, Any],
    allowed_updates: Sequence[str] | None = None,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Run a PTB Application with polling (like ``run_polling``, minus signal handling).

    The same order as ``run_polling``, hooks included: initialize, ``post_init``, polling,
    start; then stop polling, stop, ``post_stop``, shutdown, ``post_shutdown``.
    All update types are requested by default, so chat_member updates reach the bot.
    """
    from telegram import Update

    if app.updater is None:
        raise RuntimeError("the Application has no Updater")
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.updater.start_polling(
            poll_interval=0.0, allowed_updates=list(allowed_updates or Update.ALL_TYPES)
        )
        await app.start()
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


async def _serve(port: int, tokens: Sequence[str], bot_username: str, flood: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with BotApiEmulator(
        tokens[0],
        tokens=tokens[1:],
        port=port,
        bot_username=bot_username,
        flood_limits=FloodLimits() if flood else None,
    ) as emu:
        print(
            f"Bot API emulator ready: base_url={emu.base_url} base_file_url={emu.base_file_url} "
            f"control={emu.url}/_emu/<op> token={emu.token}",
            flush=True,
        )
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Telegram Bot API emulator (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", action="append", help="accepted bot token (repeatable)")
    parser.add_argument("--bot-username", default="emulator_test_bot")
    parser.add_argument("--flood-limits", action="store_true", help="enforce Telegram-like limits")
    args = parser.parse_args(argv)
    asyncio.run(
        _serve(args.port, args.token or [DEFAULT_TOKEN], args.bot_username, args.flood_limits)
    )


if __name__ == "__main__":
    main()
