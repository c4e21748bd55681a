"""Assemble and run the Telegram application (polling or webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
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

from tutor import heap
from tutor.commands import Place, commands_for
from tutor.config import Settings
from tutor.dashboard import Dashboard
from tutor.deckchoice import DeckChoice
from tutor.dialog import Dialog
from tutor.gaps import GapLog
from tutor.quizflow import QuizFlow
from tutor.telegram import handlers
from tutor.telegram.dashboard_handlers import (
    admin_check,
    register_dashboard_handlers,
    update_sink,
)
from tutor.telegram.deck_handlers import register_deck_handlers
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


GAP_PURGE_SECONDS = 24 * 60 * 60
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
        register_dashboard_handlers(application)
        register_exam_handlers(application)
        register_deck_handlers(application)
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
        flow = await open_quiz()
        application.bot_data["quiz"] = flow
        settings: Settings = application.bot_data["settings"]
        dialog: Dialog = application.bot_data["dialog"]
        gaps = GapLog(flow.store, retention_days=settings.gap_retention_days)
        application.bot_data["gaps"] = gaps
        application.bot_data["decks"] = DeckChoice(dialog, flow.store)
        application.bot_data["dashboard"] = Dashboard(
            flow.store,
            dialog.library,
            dialog.index,
            gaps,
            default_timezone=settings.default_timezone,
        )
        purged = await gaps.purge()
        if purged:
            logger.info("gap log: %d old questions deleted", purged)
        if application.job_queue is not None:
            application.job_queue.run_repeating(_purge_gaps, interval=GAP_PURGE_SECONDS)
        heap.settle()  # the database, Telegram and quiz modules are loaded now
    await application.bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    logger.info("bot @%s is ready", application.bot.username)


async def _post_shutdown(application: Application) -> None:
    """Writes the gap-log rows still waiting, then closes the database connections."""
    gaps = application.bot_data.get("gaps")
    if isinstance(gaps, GapLog):
        await gaps.flush()
    flow = application.bot_data.get("quiz")
    if isinstance(flow, QuizFlow):
        await flow.store.close()


async def _purge_gaps(context: Any) -> None:
    """Deletes gap-log questions past their retention period (daily)."""
    gaps = context.application.bot_data.get("gaps")
    if isinstance(gaps, GapLog):
        await gaps.purge()


def run(application: Application, settings: Settings) -> None:
    """Run until SIGINT/SIGTERM: long polling alone, or beside/behind the web server.

    With `TUTOR_WEBHOOK_URL` or `TUTOR_PUBLIC_URL` set, one Starlette app served by
    uvicorn in this process carries the webhook and the dashboard (python-telegram-bot's
    custom-webhook pattern); otherwise python-telegram-bot polls on its own.
    """
    if not settings.serves_web:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
        return
    asyncio.run(serve(application, settings))


def _server(config: Any) -> Any:
    """A uvicorn server (imported here: uvicorn is ~15 MiB, and polling bots never serve)."""
    import uvicorn

    class _Server(uvicorn.Server):
        """uvicorn's server, stopping on SIGINT/SIGTERM without re-raising the signal after.

        (uvicorn re-raises it so a lone server exits with the signal; here the bot still has
        to stop cleanly and the process to exit 0.)
        """

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.handle_exit, sig, None)
            try:
                yield
            finally:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)

    return _Server(config)


async def serve(application: Application, settings: Settings) -> None:
    """Start the bot (webhook or polling) and the web server; stop both on a signal.

    The webhook stays registered with Telegram on shutdown, on purpose: Telegram keeps
    the updates that arrive while the bot restarts (up to 24 hours) and delivers them
    once it is back, so a redeploy loses no student's message.
    """
    from tutor.web import WebSettings, create_app

    async with application:
        if application.post_init:
            await application.post_init(application)
        if settings.webhook_url:
            await application.bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        elif application.updater is not None:
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        await application.start()
        web = create_app(
            application.bot_data.get("dashboard") if settings.public_url else None,
            WebSettings(
                bot_token=settings.token,
                is_admin=admin_check(application.bot),
                webhook_path=urlparse(settings.webhook_url).path if settings.webhook_url else None,
                webhook_secret=settings.webhook_secret,
                on_update=update_sink(application),
            ),
        )
        import uvicorn

        config = uvicorn.Config(
            web,
            host=settings.webhook_listen,
            port=settings.webhook_port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        logger.info("web server on %s:%d", settings.webhook_listen, settings.webhook_port)
        try:
            await _server(config).serve()
        except SystemExit:  # uvicorn exits when it cannot bind
            logger.error(
                "could not listen on %s:%d: is the port in use? (TUTOR_WEBHOOK_PORT)",
                settings.webhook_listen,
                settings.webhook_port,
            )
            raise
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    if application.post_shutdown:
        await application.post_shutdown(application)
