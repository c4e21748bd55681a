"""Fixtures for end-to-end tests against the Bot API emulator (see README.md)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from tutor.config import PROJECT_ROOT, Settings, load_settings
from tutor.content import find_deck_files, load_library
from tutor.dialog import Dialog
from tutor.model import Library
from tutor.quiz import QuizService
from tutor.quizflow import QuizFlow
from tutor.store import Store
from tutor.telegram.app import build_application

from .emulator import BotApiEmulator, running_application

BOT_PY = PROJECT_ROOT / "bot.py"
#: The card the tests ask about most; the test content gives it a quiz question.
FUNERAL_CARD = "lenins-funeral-trotsky"
QUIZ_SECTION = f"""
questions:
  - id: e2e-trotsky-at-funeral
    card: {FUNERAL_CARD}
    kind: truefalse
    prompt: "Trotsky was at Lenin's funeral in January 1924."
    answer: false
    explanation: "He was at Sukhumi and said Stalin had given him the wrong date."
"""


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A fresh emulator on a free 127.0.0.1 port; point the bot at ``emulator.base_url``."""
    async with BotApiEmulator() as emu:
        yield emu


@pytest.fixture(scope="session")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled decks; the funeral card gets a quiz question if the decks have none."""
    target = tmp_path_factory.mktemp("content")
    for deck in find_deck_files([PROJECT_ROOT / "content"]):
        shutil.copy(deck, target / deck.name)
    library = load_library([target])
    deck_file = target / "stalin.yaml"
    has_questions = re.search(r"^questions:", deck_file.read_text(encoding="utf-8"), re.M)
    if not library.questions_for_card(FUNERAL_CARD) and not has_questions:
        with deck_file.open("a", encoding="utf-8") as deck:
            deck.write(QUIZ_SECTION)
    return target


@pytest.fixture(scope="session")
def dialog(content_dir: Path) -> Dialog:
    return Dialog(load_library([content_dir]))


@pytest.fixture
def bot_settings(emulator: BotApiEmulator, content_dir: Path, tmp_path: Path) -> Settings:
    """Settings as the environment would give them, pointed at the emulator."""
    environ = {
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "TUTOR_CONTENT_DIR": str(content_dir),
        "TUTOR_DATA_DIR": str(tmp_path / "data"),
    }
    return load_settings(environ, env_file=None)


async def open_quiz_flow(settings: Settings, library: Library) -> QuizFlow:
    """The quiz flow over a database in the data folder, as bot.py opens it."""
    store = await Store.open(settings.database_url)
    service = QuizService(library, store)
    return QuizFlow(library, store, service, default_timezone=settings.default_timezone)


@pytest.fixture
async def bot(bot_settings: Settings, dialog: Dialog) -> AsyncIterator[Application]:
    """The bot as bot.py assembles it, long-polling the emulator as `run_polling` does."""
    application = build_application(
        bot_settings, dialog, open_quiz=lambda: open_quiz_flow(bot_settings, dialog.library)
    )
    async with running_application(application):
        yield application


# ----- bot.py in a subprocess ---------------------------------------------------------------


def bot_env(**settings: str) -> dict[str, str]:
    """This process's environment without any bot setting, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TUTOR_"))}
    env.update(settings, PYTHONUNBUFFERED="1")
    return env


class BotProcess:
    """`python bot.py` running in `cwd`; stdout and stderr are collected together."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self._output = bytearray()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, *args: str, env: dict[str, str], cwd: Path,
                    stdin: bytes | None = None) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(BOT_PY), *args, env=env, cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        if stdin is not None and process.stdin is not None:
            process.stdin.write(stdin)
            await process.stdin.drain()
            process.stdin.close()
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(65536):
            self._output += chunk

    @property
    def output(self) -> str:
        return self._output.decode("utf-8", "replace")

    async def wait(self, timeout: float = 15.0) -> int:
        """The exit code, once the process has ended and its output is read."""
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.wait_for(self._reader, timeout)
        return code

    async def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, as a service manager stops the bot; the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return await self.wait(timeout)

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        with contextlib.suppress(Exception):
            await self.wait(5.0)


async def run_bot(*args: str, env: dict[str, str], cwd: Path, stdin: bytes | None = None,
                  timeout: float = 15.0) -> tuple[int, str]:
    """Run bot.py to its end: (exit code, stdout and stderr)."""
    process = await BotProcess.start(*args, env=env, cwd=cwd, stdin=stdin)
    try:
        return await process.wait(timeout), process.output
    finally:
        await process.kill()


@pytest.fixture
async def bot_processes() -> AsyncIterator[list[BotProcess]]:
    """Bot processes a test starts go here; any still running at the end are killed."""
    processes: list[BotProcess] = []
    yield processes
    for process in processes:
        await process.kill()
