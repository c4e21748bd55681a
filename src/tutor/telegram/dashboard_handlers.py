"""Telegram side of the teachers' dashboard: `/dashboard`, the 👍/👎 buttons under cards,
and what the web server needs from Telegram (admin checks, webhook updates).

Telegram allows `web_app` buttons only in private chats, so `/dashboard` in a group
(admins only) sends the teacher a private message whose button opens the Mini App; if
the teacher has never started the bot, the group gets a `t.me` link that opens the
private chat with `/start dashboard_<group>`, which sends that button.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from tutor.clock import utc_now
from tutor.config import Settings
from tutor.dashboard import Dashboard
from tutor.quizflow import QuizFlow
from tutor.store import ChatKind
from tutor.telegram.admins import is_admin
from tutor.telegram.feedback import feedback_button

if TYPE_CHECKING:  # the web server (starlette) loads only when it runs
    from tutor.web import AdminCheck

logger = logging.getLogger(__name__)

DASHBOARD_GROUP = -4
START_PAYLOAD = re.compile(r"^dashboard_(-?\d{1,20})$")
NOT_SET_UP = (
    "The class dashboard is not switched on for this bot: whoever runs it sets "
    "TUTOR_PUBLIC_URL (see the README)."
)
ONLY_ADMINS = "Only this group's admins can open its dashboard."
POST_AS_YOURSELF = (
    "You're posting as the group, so I can't tell who you are: send /dashboard as "
    "yourself (turn off “Remain anonymous” for a moment) and I'll message you the button."
)
SENT_PRIVATELY = "📊 I've sent you the dashboard button in our private chat."
START_FIRST = "📊 Tap below to open our private chat; the dashboard button is waiting there."
OPEN_LABEL = "📊 Open the class dashboard"


def dashboard_of(context: ContextTypes.DEFAULT_TYPE) -> Dashboard | None:
    return cast(Dashboard | None, context.bot_data.get("dashboard"))


def settings_of(context: ContextTypes.DEFAULT_TYPE) -> Settings:
    return cast(Settings, context.bot_data["settings"])


def open_button(settings: Settings, chat_id: int | None) -> InlineKeyboardMarkup:
    url = settings.dashboard_url or ""
    if chat_id is not None:
        url += f"?chat={chat_id}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(OPEN_LABEL, web_app=WebAppInfo(url))]])


async def dashboard_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/dashboard`: in a group (admins), the Mini App button privately; in private, directly."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    settings, dashboard = settings_of(context), dashboard_of(context)
    if dashboard is None or settings.dashboard_url is None:
        await message.reply_text(NOT_SET_UP)
        return
    if message.sender_chat is not None and message.sender_chat.id == chat.id:
        await message.reply_text(POST_AS_YOURSELF)  # an anonymous admin: no private chat to use
        return
    if chat.type == ChatType.PRIVATE or user is None:
        markup = open_button(settings, None)
        await message.reply_text("Your classes' dashboard:", reply_markup=markup)
        return
    if not await is_admin(context.bot, chat.id, user.id):
        await message.reply_text(ONLY_ADMINS)
        return
    flow = cast(QuizFlow, context.bot_data["quiz"])
    now = utc_now()
    await flow.store.upsert_chat(chat.id, kind=ChatKind(chat.type), title=chat.title, now=now)
    await dashboard.remember_teacher(user.id, chat.id, now)
    try:
        await context.bot.send_message(
            user.id,
            f"Dashboard of <b>{_escape(chat.title or 'your class')}</b>:",
            reply_markup=open_button(settings, chat.id),
        )
    except (Forbidden, BadRequest):  # the teacher has not started the bot yet
        link = f"https://t.me/{context.bot.username}?start=dashboard_{chat.id}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open the private chat", url=link)]])
        await message.reply_text(START_FIRST, reply_markup=markup)
        return
    link = InlineKeyboardButton("Open the private chat", url=f"https://t.me/{context.bot.username}")
    await message.reply_text(SENT_PRIVATELY, reply_markup=InlineKeyboardMarkup([[link]]))


async def dashboard_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start dashboard_<group>` from the group's link: the Mini App button, for an admin."""
    settings, dashboard = settings_of(context), dashboard_of(context)
    match = START_PAYLOAD.match(" ".join(context.args or []))
    user = update.effective_user
    if match is None or user is None or dashboard is None or settings.dashboard_url is None:
        return
    chat_id = int(match.group(1))
    if not await is_admin(context.bot, chat_id, user.id):
        await update.effective_message.reply_text(ONLY_ADMINS)
        raise ApplicationHandlerStop
    await dashboard.remember_teacher(user.id, chat_id, utc_now())
    await update.effective_message.reply_text(
        "Your class dashboard:", reply_markup=open_button(settings, chat_id)
    )
    raise ApplicationHandlerStop


def admin_check(bot: Bot) -> AdminCheck:
    """The web server's admin check: asks Telegram now (getChatMember), every request."""

    async def check(chat_id: int, user_id: int) -> bool:
        return await is_admin(bot, chat_id, user_id)

    return check


def update_sink(application: Application) -> Any:
    """Hands a webhook update to the application; ValueError if Telegram's data is malformed."""

    async def put(data: Mapping[str, Any]) -> None:
        try:
            update = Update.de_json(dict(data), application.bot)
        except (TypeError, KeyError, AttributeError, ValueError) as error:
            raise ValueError("not an update") from error
        await application.update_queue.put(update)

    return put


def register_dashboard_handlers(application: Application) -> None:
    application.add_handler(
        CommandHandler("dashboard", dashboard_command, filters=filters.UpdateType.MESSAGE),
        group=DASHBOARD_GROUP,
    )
    application.add_handler(
        CommandHandler("start", dashboard_start, filters=filters.ChatType.PRIVATE),
        group=DASHBOARD_GROUP,
    )
    application.add_handler(
        CallbackQueryHandler(feedback_button, pattern=r"^fb:"), group=DASHBOARD_GROUP
    )


def _escape(text: str) -> str:
    import html

    return html.escape(text)
