"""Assemble and run the Telegram application (polling or webhook)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
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

from tutor.commands import Place, commands_for
from tutor.config import Settings
from tutor.dialog import Dialog
from tutor.quizflow import QuizFlow
from tutor.telegram import handlers
from tutor.telegram.exam_handlers import register_exam_handlers
from tutor.telegram.group_handlers import register_group_handlers
from tutor.telegram.push import register_daily
from tutor.telegram.quiz_handlers import register_quiz_handlers

logger = logging.getLogger(__name__)

AFTER_GROUP = 1
"""After the browsing handlers (0): the reply to a private command nothing handled."""


def command_menu(place: Place) -> list[BotCommand]:
    """Telegram's command menu for a kind of chat, from the one commands table."""
    return [
        BotCommand(command.name, command.menu_text(place)[:256]) for command in commands_for(place)
    ]


PRIVATE_COMMANDS = command_menu(Place.PRIVATE)
GROUP_COMMANDS = command_menu(Place.GROUP)
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


QuizOpener = Callable[[], Awaitable[QuizFlow]]


def build_application(
    settings: Settings, dialog: Dialog, open_quiz: QuizOpener | None = None, **bot_data: Any
) -> Application:
    """The Application with every handler registered; nothing touches the network yet.

    `open_quiz` opens the database and the quiz flow once the event loop runs (in
    post_init); without it the bot answers questions but has no quizzes.
    """
    if settings.token is None:
        raise ValueError("a bot token is required to build the Telegram application")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url).base_file_url(
            file_base_url(settings.api_base_url)
        )
    application = builder.build()
    application.bot_data.update(dialog=dialog, settings=settings, open_quiz=open_quiz, **bot_data)
    register_handlers(application)
    if open_quiz is not None:
        register_quiz_handlers(application)
        register_daily(application)
        register_group_handlers(application)
        register_exam_handlers(application)
    return application


def file_base_url(api_base_url: str) -> str:
    """Where files are downloaded from: `http://host:8081/bot` -> `http://host:8081/file/bot`."""
    root, _, last = api_base_url.rpartition("/")
    return f"{root}/file/{last}"


def register_handlers(application: Application) -> None:
    application.add_handler(CommandHandler("start", handlers.start))
    application.add_handler(CommandHandler("help", handlers.help_command))
    application.add_handler(CommandHandler("topics", handlers.topics))
    application.add_handler(CommandHandler("card", handlers.card_command))
    application.add_handler(CommandHandler("ask", handlers.ask_command))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    # A card the student shared through inline mode comes back as their message: not a question.
    questions = filters.TEXT & ~filters.COMMAND & ~filters.VIA_BOT
    application.add_handler(MessageHandler(questions, handlers.text_message))
    application.add_handler(MessageHandler(NON_TEXT & filters.ChatType.PRIVATE, handlers.not_text))
    private_commands = filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(
        MessageHandler(private_commands, handlers.unknown_command), group=AFTER_GROUP
    )
    application.add_error_handler(handlers.error_handler)


async def _post_init(application: Application) -> None:
    """Opens the quiz database and registers the command menus students see."""
    open_quiz = application.bot_data.get("open_quiz")
    if open_quiz is not None:
        application.bot_data["quiz"] = await open_quiz()
    await application.bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    logger.info("bot @%s is ready", application.bot.username)


async def _post_shutdown(application: Application) -> None:
    """Closes the database connections."""
    flow = application.bot_data.get("quiz")
    if isinstance(flow, QuizFlow):
        await flow.store.close()


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
