"""Fixtures for end-to-end tests against the Bot API emulator (see README.md)."""

from collections.abc import AsyncIterator

import pytest

from .emulator import BotApiEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A fresh emulator on a free 127.0.0.1 port; point the bot at ``emulator.base_url``."""
    async with BotApiEmulator() as emu:
        yield emu
