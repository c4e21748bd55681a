"""Settings: the one place that reads the environment (and an optional `.env` file).

Every setting is declared once in `SETTINGS` with its default and help text; `--help`
of `bot.py` and `tutor` prints that table, and a missing or malformed value stops
start-up with one line naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_TOKEN_PATTERN = re.compile(r"[0-9]{3,}:[A-Za-z0-9_-]{20,}")
_NUMBER_PATTERN = re.compile(r"[0-9]{1,6}")
SECRET_VARIABLES = ("TELEGRAM_BOT_TOKEN", "TUTOR_WEBHOOK_SECRET", "TUTOR_DATABASE_URL")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _default_content_dir() -> str:
    bundled = PROJECT_ROOT / "content"
    return str(bundled if bundled.is_dir() else Path.cwd() / "content")


def _parse_token(value: str) -> str:
    if not _TOKEN_PATTERN.fullmatch(value):
        raise ValueError("must look like 123456789:AA... (the token @BotFather gives you)")
    return value


def _parse_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def _parse_https_url(value: str) -> str:
    if urlparse(value).scheme != "https":
        raise ValueError("must be an https URL (Telegram only calls webhooks over HTTPS)")
    return _parse_url(value)


def _parse_database_url(value: str) -> str:
    if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://", "postgresql://")):
        raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
    if value.startswith("postgresql://"):
        return "postgresql+asyncpg://" + value.removeprefix("postgresql://")
    return value


def _whole_number(value: str) -> int:
    """`value` as a small non-negative int, or -1 (no `²`, `٣` or 5000-digit surprises)."""
    return int(value) if _NUMBER_PATTERN.fullmatch(value) else -1


def _parse_port(value: str) -> int:
    port = _whole_number(value)
    if not 1 <= port <= 65535:
        raise ValueError("must be a port number from 1 to 65535")
    return port


def _parse_level(value: str) -> str:
    if value.upper() not in LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
    return value.upper()


def _parse_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" is a folder: OSError
        raise ValueError("must be an IANA time zone name such as Europe/London") from None
    return value


def _parse_secret(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{32,256}", value):
        raise ValueError(
            "must be 32-256 characters of A-Z, a-z, 0-9, _ and - "
            "(make one with: openssl rand -hex 32)"
        )
    return value


def _parse_retention_days(value: str) -> int:
    days = _whole_number(value)
    if not 1 <= days <= 90:
        raise ValueError("must be a whole number of days from 1 to 90")
    return days


def _parse_seconds(value: str) -> int:
    seconds = _whole_number(value)
    if not 5 <= seconds <= 600:
        raise ValueError("must be a whole number of seconds from 5 to 600")
    return seconds


@dataclass(frozen=True, slots=True)
class Setting:
    env: str
    field: str
    default: str | None
    parse: Callable[[str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "TELEGRAM_BOT_TOKEN",
        "token",
        None,
        _parse_token,
        "Bot token from @BotFather. Without it the bot runs in the terminal.",
    ),
    Setting(
        "TELEGRAM_API_BASE_URL",
        "api_base_url",
        None,
        _parse_url,
        "Bot API server, e.g. http://127.0.0.1:8081/bot for a self-hosted one "
        "(default: Telegram's).",
    ),
    Setting(
        "TUTOR_CONTENT_DIR",
        "content_dir",
        None,
        str,
        "Folder of YAML decks (default: the bundled content/).",
    ),
    Setting(
        "TUTOR_DATA_DIR",
        "data_dir",
        "data",
        str,
        "Folder for the SQLite database and generated files.",
    ),
    Setting(
        "TUTOR_DATABASE_URL",
        "database_url",
        None,
        _parse_database_url,
        "Database URL, e.g. postgresql+asyncpg://user:pw@host/db "
        "(default: SQLite in TUTOR_DATA_DIR).",
    ),
    Setting(
        "TUTOR_LOG_LEVEL",
        "log_level",
        "INFO",
        _parse_level,
        "DEBUG, INFO, WARNING or ERROR. Only DEBUG logs students' message text.",
    ),
    Setting(
        "TUTOR_DEFAULT_TIMEZONE",
        "default_timezone",
        "Europe/London",
        _parse_timezone,
        "IANA time zone for students who have not set one.",
    ),
    Setting(
        "TUTOR_WEBHOOK_URL",
        "webhook_url",
        None,
        _parse_https_url,
        "Public HTTPS URL Telegram posts updates to; set it to use a webhook "
        "instead of long polling.",
    ),
    Setting(
        "TUTOR_WEBHOOK_SECRET",
        "webhook_secret",
        None,
        _parse_secret,
        "Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (required with a webhook; "
        "at least 32 characters: openssl rand -hex 32).",
    ),
    Setting(
        "TUTOR_WEBHOOK_LISTEN",
        "webhook_listen",
        "0.0.0.0",
        str,
        "Address the bot's web server (webhook and dashboard) binds to.",
    ),
    Setting(
        "TUTOR_WEBHOOK_PORT",
        "webhook_port",
        "8443",
        _parse_port,
        "Port the bot's web server (webhook and dashboard) listens on.",
    ),
    Setting(
        "TUTOR_PUBLIC_URL",
        "public_url",
        None,
        _parse_https_url,
        "Public HTTPS address of the bot's web server, e.g. https://bot.example.org; "
        "set it to serve the teachers' dashboard (a Telegram Mini App) at /dashboard.",
    ),
    Setting(
        "TUTOR_GAP_RETENTION_DAYS",
        "gap_retention_days",
        "90",
        _parse_retention_days,
        "Days the dashboard keeps questions the notes could not answer (1-90).",
    ),
    Setting(
        "TUTOR_GROUP_OPEN_PERIOD",
        "group_open_period",
        "30",
        _parse_seconds,
        "Default seconds a group quiz poll stays open (5-600).",
    ),
)


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None
    api_base_url: str | None
    content_dir: Path
    data_dir: Path
    database_url: str
    log_level: str
    default_timezone: str
    webhook_url: str | None
    webhook_secret: str | None
    webhook_listen: str
    webhook_port: int
    group_open_period: int
    public_url: str | None = None
    gap_retention_days: int = 90

    @property
    def uses_webhook(self) -> bool:
        return self.webhook_url is not None

    @property
    def serves_web(self) -> bool:
        """Whether the bot runs its web server (for the webhook, the dashboard or both)."""
        return self.webhook_url is not None or self.public_url is not None

    @property
    def dashboard_url(self) -> str | None:
        return f"{self.public_url}/dashboard" if self.public_url else None


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Settings from `environ` (default: os.environ) over an optional `.env` file."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    parsed: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = values.get(setting.env, "").strip() or setting.default
        if raw is None:
            parsed[setting.field] = None
            continue
        try:
            parsed[setting.field] = setting.parse(raw)
        except ValueError as error:
            shown = _shown(setting, raw, values)
            raise ConfigError(f"{setting.env} {error} (got {shown})") from None
    return _assemble(parsed)


def _shown(setting: Setting, raw: str, values: Mapping[str, str]) -> str:
    """A bad value as it may be printed: secrets never appear in an error message.

    Nor inside another value: a webhook URL often carries the bot token in its path.
    """
    if setting.env in SECRET_VARIABLES:
        return f"a value of {len(raw)} characters"
    for env in SECRET_VARIABLES:
        if secret := values.get(env, "").strip():
            raw = raw.replace(secret, "[redacted]")
    return repr(raw)


def _assemble(parsed: dict[str, Any]) -> Settings:
    if parsed["webhook_url"] and not parsed["webhook_secret"]:
        raise ConfigError("TUTOR_WEBHOOK_SECRET is required when TUTOR_WEBHOOK_URL is set")
    data_dir = Path(parsed["data_dir"])
    parsed["data_dir"] = data_dir
    parsed["content_dir"] = Path(parsed["content_dir"] or _default_content_dir())
    if not parsed["database_url"]:
        parsed["database_url"] = f"sqlite+aiosqlite:///{data_dir / 'tutor.sqlite3'}"
    return Settings(**parsed)


def settings_help() -> str:
    """The environment variables, for `--help`."""
    lines = ["environment variables (also read from a .env file):"]
    for setting in SETTINGS:
        default = f" [default: {setting.default}]" if setting.default else ""
        lines.append(f"  {setting.env}\n      {setting.help}{default}")
    return "\n".join(lines)
