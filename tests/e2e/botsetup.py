"""Building the bot's settings and a test deck for end-to-end tests."""

from __future__ import annotations

from pathlib import Path

from tutor.config import Settings, load_settings
from tutor.content import load_library
from tutor.model import Library

from .emulator import BotApiEmulator


def emulator_settings(
    emulator: BotApiEmulator, content_dir: Path, data_dir: Path, **extra_env: str
) -> Settings:
    """Settings as the environment would give them, pointed at the emulator."""
    environ = {
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "TUTOR_CONTENT_DIR": str(content_dir),
        "TUTOR_DATA_DIR": str(data_dir),
        **extra_env,
    }
    return load_settings(environ, env_file=None)


def deck_library(content_dir: Path, file_name: str, deck_yaml: str) -> Library:
    """Write one deck into `content_dir` and load it."""
    content_dir.mkdir(exist_ok=True)
    (content_dir / file_name).write_text(deck_yaml, encoding="utf-8")
    return load_library([content_dir])
