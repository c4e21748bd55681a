#!/usr/bin/env python3
"""Run Revision Tutor: on Telegram when TELEGRAM_BOT_TOKEN is set, else in the terminal.

The one place that assembles the running bot: settings -> content -> core -> adapter.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tutor import heap
from tutor.config import ConfigError, Settings, load_settings, settings_help
from tutor.content import ContentError, load_library
from tutor.dialog import Dialog
from tutor.logs import configure_logging, database_password
from tutor.model import Library

if TYPE_CHECKING:
    from tutor.quizflow import QuizFlow

# The database, quiz and adapter modules (SQLAlchemy, python-telegram-bot) are imported
# after the content is loaded and indexed: the memory that loading frees is then reused
# by those imports instead of adding to the process's peak (about 10 MiB less).

logger = logging.getLogger("tutor")
heap.skip_httpx_cli()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bot.py",
        description="Revision Tutor, a Telegram bot for revising with note cards and quizzes. "
        "With no TELEGRAM_BOT_TOKEN it runs the same bot in this terminal.",
        epilog=settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--console", action="store_true", help="run in the terminal even if a token is set"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"bot.py: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, secrets=secrets_of(settings))
    try:
        library = load_library([settings.content_dir])
    except ContentError as error:
        print(
            f"bot.py: the content has errors, fix them and start again:\n{error}", file=sys.stderr
        )
        return 1
    dialog = Dialog(library)
    heap.settle()
    if args.console or settings.token is None:
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
        return asyncio.run(run_console(settings, dialog))
    return run_telegram(settings, dialog)


def secrets_of(settings: Settings) -> list[str | None]:
    """What no log line may show: the token, its secret half alone, the webhook secret,
    the database URL and its password alone (a driver may print it without the URL)."""
    token_secret = settings.token.partition(":")[2] if settings.token else None
    return [
        settings.token,
        token_secret,
        settings.webhook_secret,
        settings.database_url,
        database_password(settings.database_url),
    ]


async def open_quiz_flow(settings: Settings, library: Library) -> QuizFlow:
    """Open the database (creating and migrating it) and the quiz flow over it."""
    from tutor.quiz import QuizService
    from tutor.quizflow import QuizFlow
    from tutor.store import Store

    store = await Store.open(settings.database_url)
    service = QuizService(library, store)
    return QuizFlow(library, store, service, default_timezone=settings.default_timezone)


async def run_console(settings: Settings, dialog: Dialog) -> int:
    from tutor.console import CONSOLE_USER, Console
    from tutor.dashboard import Dashboard, GroupChoice
    from tutor.deckchoice import DeckChoice
    from tutor.gaps import GapLog
    from tutor.web import LocalDashboard

    flow = await open_quiz_flow(settings, dialog.library)
    gaps = GapLog(flow.store, retention_days=settings.gap_retention_days)
    dashboard = Dashboard(
        flow.store, dialog.library, dialog.index, gaps, default_timezone=settings.default_timezone
    )
    local = LocalDashboard(
        dashboard,
        settings.webhook_port,
        local_chats=(GroupChoice(CONSOLE_USER.chat_id, "This terminal"),),
    )
    try:
        console = Console(
            dialog,
            flow,
            data_dir=settings.data_dir,
            dashboard_link=local.link,
            gaps=gaps,
            decks=DeckChoice(dialog, flow.store),
        )
        return await console.run()
    finally:
        await local.close()
        await gaps.flush()
        await flow.store.close()


def run_telegram(settings: Settings, dialog: Dialog) -> int:
    from telegram.error import InvalidToken, TelegramError

    from tutor.telegram.app import build_application, run

    logger.info(
        "starting with %d cards (%s)",
        len(dialog.library.cards),
        "webhook" if settings.uses_webhook else "long polling",
    )
    application = build_application(
        settings, dialog, open_quiz=lambda: open_quiz_flow(settings, dialog.library)
    )
    try:
        run(application, settings)
    except InvalidToken:
        logger.error("Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN with @BotFather")
        return 1
    except TelegramError as error:
        logger.error("could not start the bot: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
