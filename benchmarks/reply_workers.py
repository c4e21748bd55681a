"""The two bots `bench_reply.py` compares, each run as `python reply_workers.py MODE`.

Nothing is imported at the top beyond the standard library, so each process's memory is
its bot's own.

- `echo API_URL TOKEN`: python-telegram-bot's echo example, nothing more.
- `tutor CHECKOUT`: that checkout's `bot.py main()` as production runs it (settings from
  the environment), with one change: no AIORateLimiter, so neither bot is held to
  Telegram's 30 messages/s and the comparison is of CPU per reply.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any


def run_echo_bot(api_url: str, token: str) -> None:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await message.reply_text(message.text)

    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.run_polling()


class _WithoutRateLimiter(importlib.abc.MetaPathFinder):
    """Drops the AIORateLimiter from `tutor.telegram.app` when bot.py imports it, so the
    bot imports its modules in its own order (content first), as in production."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> ModuleSpec | None:
        if name != "tutor.telegram.app":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            module.AIORateLimiter = lambda **_options: None

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def run_tutor(checkout: Path) -> int:
    sys.path.insert(0, str(checkout))
    sys.meta_path.insert(0, _WithoutRateLimiter())
    import bot  # the checkout's bot.py

    return int(bot.main([]))


if __name__ == "__main__":
    mode, *arguments = sys.argv[1:]
    if mode == "echo":
        run_echo_bot(*arguments)
    elif mode == "tutor":
        sys.exit(run_tutor(Path(arguments[0])))
    else:
        sys.exit(f"unknown mode {mode!r}: echo or tutor")
