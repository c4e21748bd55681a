"""Fixtures for end-to-end tests against the Bot API emulator (see README.md)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from tutor.config import PROJECT_ROOT, Settings
from tutor.content import find_deck_files, load_library
from tutor.dialog import Dialog
from tutor.model import Library
from tutor.quiz import QuizService
from tutor.quizflow import QuizFlow
from tutor.store import Store
from tutor.telegram.app import build_application

from .botsetup import emulator_settings
from .emulator import BotApiEmulator, running_application
from .process import BotProcess


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A fresh emulator on a free 127.0.0.1 port; point the bot at ``emulator.base_url``."""
    async with BotApiEmulator() as emu:
        yield emu


@pytest.fixture(scope="session")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled decks: the bot in the tests and in subprocesses reads the same."""
    target = tmp_path_factory.mktemp("content")
    for deck in find_deck_files([PROJECT_ROOT / "content"]):
        shutil.copy(deck, target / deck.name)
    return target


@pytest.fixture(scope="session")
def dialog(content_dir: Path) -> Dialog:
    return Dialog(load_library([content_dir]))


@pytest.fixture
def bot_settings(emulator: BotApiEmulator, content_dir: Path, tmp_path: Path) -> Settings:
    """Settings as the environment would give them, pointed at the emulator."""
    return emulator_settings(emulator, content_dir, tmp_path / "data")


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


@pytest.fixture
async def bot_processes() -> AsyncIterator[list[BotProcess]]:
    """Bot processes a test starts go here; any still running at the end are killed."""
    processes: list[BotProcess] = []
    yield processes
    for process in processes:
        await process.kill()
