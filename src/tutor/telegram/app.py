"""Assemble and run the Telegram application (polling or webhook)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlparse

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from tutor.config import Settings
from tutor.dialog import Dialog
from tutor.telegram import handlers

logger = logging.getLogger(__name__)

PRIVATE_COMMANDS = [
    BotCommand("start", "Welcome and examples"),
    BotCommand("topics", "Browse topics and cards"),
    BotCommand("card", "Open a card by name"),
    BotCommand("help", "What I can do"),
]
GROUP_COMMANDS = [
    BotCommand("ask", "Ask a question: /ask QUESTION"),
    BotCommand("topics", "Browse topics and cards"),
    BotCommand("help", "What I can do"),
]
NON_TEXT = (
    filters.Sticker.ALL
    | filters.PHOTO
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.Document.ALL
    | filters.LOCATION
    | filters.CONTACT
    | filters.ANIMATION
    | filters.POLL
    | filters.Dice.ALL
)


def build_application(settings: Settings, dialog: Dialog, **bot_data: Any) -> Application:
    """The Application with every handler registered; nothing touches the network yet."""
    if settings.token is None:
        raise ValueError("a bot token is required to build the Telegram application")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
    )
    if settings.api_base_url:
        builder = builder.base_url(f"{settings.api_base_url}").base_file_url(
            settings.api_base_url.replace("/bot", "/file/bot")
        )
    application = builder.build()
    application.bot_data.update(dialog=dialog, settings=settings, **bot_data)
    register_handlers(application)
    return application


def register_handlers(application: Application) -> None:
    application.add_handler(CommandHandler("start", handlers.start))
    application.add_handler(CommandHandler("help", handlers.help_command))
    application.add_handler(CommandHandler("topics", handlers.topics))
    application.add_handler(CommandHandler("card", handlers.card_command))
    application.add_handler(CommandHandler("ask", handlers.ask_command))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.text_message))
    application.add_handler(MessageHandler(NON_TEXT & filters.ChatType.PRIVATE, handlers.not_text))
    application.add_error_handler(handlers.error_handler)


async def _post_init(application: Application) -> None:
    """Registers the command menus, so students see them next to the text box."""
    await application.bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    logger.info("bot @%s is ready", application.bot.username)


def run(application: Application, settings: Settings) -> None:
    """Run until SIGINT/SIGTERM: webhook when a URL is configured, else long polling."""
    if settings.webhook_url:
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.strip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
