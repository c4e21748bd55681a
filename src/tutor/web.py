"""The bot's web server: the teachers' dashboard and (in webhook mode) Telegram's webhook.

One Starlette app served by uvicorn in the bot's own process and event loop, beside
long polling or as the webhook endpoint (python-telegram-bot's documented custom-webhook
pattern). No Telegram import: the Telegram adapter passes in how to check that a user
administers a chat and how to hand over an update.

Every dashboard request is authenticated with the Mini App's init data in an
`Authorization: tma <init data>` header (`tutor.initdata`), then authorised with a fresh
admin check of that user in that group: missing or bad init data is 401, a user who is
not an admin of the group 403, and neither gets any student data. In the terminal mode a
signed one-time link gives a local browser a session cookie instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tutor.clock import utc_now
from tutor.dashboard import Dashboard, GroupChoice
from tutor.dashboard_page import refusal_html, shell_html, view_html
from tutor.initdata import InitDataError, OneTimeTokens, validate

logger = logging.getLogger(__name__)

AdminCheck = Callable[[int, int], Awaitable[bool]]
"""(chat_id, user_id) -> whether the user administers the chat, asked of Telegram now."""
UpdateSink = Callable[[Mapping[str, Any]], Awaitable[None]]
"""Hands a webhook update (JSON object) to the bot; raises ValueError if it is not one."""

MAX_WEBHOOK_BYTES = 1 << 20
LOCAL_SESSION_COOKIE = "tutor_local"
LOCAL_SESSION_LIFETIME = timedelta(hours=8)
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@dataclass
class LocalAccess:
    """The terminal mode's access: one-time link tokens and the sessions they opened."""

    tokens: OneTimeTokens = field(default_factory=OneTimeTokens)
    sessions: dict[str, datetime] = field(default_factory=dict)

    def open_session(self, now: datetime) -> str:
        session = secrets.token_urlsafe(32)
        self.sessions[session] = now + LOCAL_SESSION_LIFETIME
        return session

    def valid(self, session: str | None, now: datetime) -> bool:
        expires = self.sessions.get(session or "")
        return expires is not None and expires > now


@dataclass
class WebSettings:
    bot_token: str | None
    """Signs Mini App init data; None in the terminal mode (no Telegram users)."""
    is_admin: AdminCheck | None = None
    webhook_path: str | None = None
    webhook_secret: str | None = None
    on_update: UpdateSink | None = None
    local: LocalAccess | None = None
    clock: Callable[[], datetime] = utc_now
    init_data_max_age: timedelta = timedelta(hours=1)
    local_chats: tuple[GroupChoice, ...] = ()
    """Chats offered to the local (terminal) viewer besides every group, e.g. the terminal's."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking: a Telegram user (checked per group) or the local terminal user."""

    user_id: int | None


def create_app(dashboard: Dashboard | None, settings: WebSettings) -> Starlette:
    routes = [Route("/healthz", _health)]
    if dashboard is not None:
        pages = _Pages(dashboard, settings)
        routes += [
            Route("/dashboard", pages.shell),
            Route("/dashboard/view", pages.view),
            Route("/dashboard/local", pages.local),
        ]
    if settings.webhook_path is not None and settings.on_update is not None:
        routes.append(
            Route(
                "/" + settings.webhook_path.strip("/"),
                _Webhook(settings).handle,
                methods=["POST"],
            )
        )
    return Starlette(routes=routes)


async def _health(_request: Request) -> Response:
    return PlainTextResponse("ok")


class _Pages:
    def __init__(self, dashboard: Dashboard, settings: WebSettings) -> None:
        self._dashboard = dashboard
        self._settings = settings

    async def shell(self, request: Request) -> Response:
        """The page; it holds no data until its script fetches the view with init data."""
        nonce = secrets.token_urlsafe(16)
        csp = SECURITY_HEADERS["Content-Security-Policy"].replace(
            "script-src 'none'", f"script-src 'nonce-{nonce}'"
        )
        headers = {**SECURITY_HEADERS, "Content-Security-Policy": csp}
        return HTMLResponse(shell_html(_chat_param(request), nonce), headers=headers)

    async def local(self, request: Request) -> Response:
        """Redeems a terminal link's one-time token for a session cookie."""
        local, now = self._settings.local, self._settings.clock()
        token = request.query_params.get("token", "")
        if local is None or not local.tokens.redeem(token, now):
            return _refused(401, "This link has expired or was used already: /dashboard again.")
        response = RedirectResponse("/dashboard", status_code=303, headers=SECURITY_HEADERS)
        response.set_cookie(
            LOCAL_SESSION_COOKIE,
            local.open_session(now),
            max_age=int(LOCAL_SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="strict",
        )
        return response

    async def view(self, request: Request) -> Response:
        """The class view for `?chat=`, for an authenticated admin of that group."""
        viewer = self._authenticate(request)
        if viewer is None:
            return _refused(401, "Open the dashboard from the bot's button in Telegram.")
        groups = await self._groups(viewer)
        chat_id = _chat_param(request)
        if chat_id is None and groups:
            chat_id = groups[0].chat_id
        if chat_id is None:
            return _refused(403, "Send /dashboard in your class group to open its dashboard.")
        if not await self._may_see(viewer, chat_id):
            logger.info("dashboard refused: user %s is not an admin of %s", viewer.user_id, chat_id)
            return _refused(403, "Only this group's admins can see its dashboard.")
        view = await self._dashboard.view(chat_id, self._settings.clock())
        if view is None:
            return _refused(404, "I don't know this group yet.")
        if all(group.chat_id != chat_id for group in groups):
            groups = [GroupChoice(chat_id, view.title), *groups]
        listed = next(group.title for group in groups if group.chat_id == chat_id)
        view = replace(view, title=listed)
        page = view_html(view, self._dashboard.library, groups)
        return HTMLResponse(page, headers=SECURITY_HEADERS)

    def _authenticate(self, request: Request) -> Viewer | None:
        now = self._settings.clock()
        local = self._settings.local
        if local is not None and local.valid(request.cookies.get(LOCAL_SESSION_COOKIE), now):
            return Viewer(user_id=None)
        scheme, _, init_data = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "tma" or self._settings.bot_token is None:
            return None
        try:
            user = validate(
                init_data.strip(),
                self._settings.bot_token,
                now=now,
                max_age=self._settings.init_data_max_age,
            )
        except InitDataError as error:
            logger.info("dashboard refused: %s", error)
            return None
        return Viewer(user_id=user.user_id)

    async def _may_see(self, viewer: Viewer, chat_id: int) -> bool:
        if viewer.user_id is None:
            return True
        check = self._settings.is_admin
        return check is not None and await check(chat_id, viewer.user_id)

    async def _groups(self, viewer: Viewer) -> list[GroupChoice]:
        """The viewer's groups for the switcher, each still checked with Telegram."""
        listed = await self._dashboard.teacher_groups(viewer.user_id)
        if viewer.user_id is None:
            return [*listed, *self._settings.local_chats]
        allowed = await asyncio.gather(*(self._may_see(viewer, g.chat_id) for g in listed))
        return [group for group, ok in zip(listed, allowed, strict=True) if ok]


def _chat_param(request: Request) -> int | None:
    raw = request.query_params.get("chat", "")
    body = raw.removeprefix("-")
    return int(raw) if body.isdigit() and len(body) <= 20 else None


def _refused(status: int, message: str) -> Response:
    return HTMLResponse(refusal_html(message), status_code=status, headers=SECURITY_HEADERS)


class _Webhook:
    """Telegram's webhook: checks the secret header, hands a valid update to the bot."""

    def __init__(self, settings: WebSettings) -> None:
        assert settings.on_update is not None
        self._secret = (settings.webhook_secret or "").encode()
        self._on_update = settings.on_update

    async def handle(self, request: Request) -> Response:
        sent = request.headers.get("x-telegram-bot-api-secret-token", "").encode()
        if not self._secret or not hmac.compare_digest(sent, self._secret):
            logger.warning("webhook: refused a request without the right secret")
            return Response(status_code=403)
        body = await _read_limited(request, MAX_WEBHOOK_BYTES)
        if body is None:
            logger.warning("webhook: refused a body over %d bytes", MAX_WEBHOOK_BYTES)
            return Response(status_code=413)
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            await self._on_update(data)
        except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            logger.warning("webhook: refused a body of %d bytes that is not an update", len(body))
            return Response(status_code=400)
        return Response(status_code=200)


async def _read_limited(request: Request, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class LocalDashboard:
    """The terminal mode's dashboard: a server on 127.0.0.1 started on the first `/dashboard`,
    which answers with a one-time link (valid 10 minutes) that opens a browser session."""

    def __init__(
        self,
        dashboard: Dashboard,
        port: int,
        *,
        local_chats: tuple[GroupChoice, ...] = (),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._access = LocalAccess()
        self._settings = WebSettings(
            bot_token=None, local=self._access, clock=clock, local_chats=local_chats
        )
        self._app = create_app(dashboard, self._settings)
        self._port = port
        self._server: Any = None
        self._task: asyncio.Task[None] | None = None

    async def link(self) -> str:
        """A fresh one-time link; OSError if the port cannot be opened."""
        if self._task is None or self._task.done():
            await self._start()
        token = self._access.tokens.issue(self._settings.clock())
        return f"http://127.0.0.1:{self._port}/dashboard/local?token={token}"

    async def close(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    async def _start(self) -> None:
        import uvicorn

        class Quiet(uvicorn.Server):
            def install_signal_handlers(self) -> None:  # uvicorn < 0.29
                return None

            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:  # the terminal keeps Ctrl-C
                yield

        config = uvicorn.Config(
            self._app, host="127.0.0.1", port=self._port, log_level="critical", lifespan="off"
        )
        self._server = Quiet(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                raise OSError(f"could not listen on 127.0.0.1:{self._port}")
            await asyncio.sleep(0.02)
