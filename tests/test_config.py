"""Settings: defaults, every parser, `.env` support and secret-free error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor import config
from tutor.config import SETTINGS, ConfigError, Settings, load_settings, settings_help

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "s3cret_webhook-Value-0123456789abcdef"
DATABASE_URL = "postgresql+asyncpg://tutor:hunter2pw@db.internal:5432/tutor"
ENV_NAMES = [setting.env for setting in SETTINGS]


def load(env_file: Path | None = None, **environ: str) -> Settings:
    """Settings from exactly `environ` (never the test runner's own environment)."""
    return load_settings(environ, env_file=env_file)


def config_error(**environ: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(**environ)
    return str(caught.value)


# --- Defaults -------------------------------------------------------------------------------


def test_an_empty_environment_gives_every_default() -> None:
    settings = load()
    assert settings.token is None
    assert settings.api_base_url is None
    assert settings.content_dir == config.PROJECT_ROOT / "content"
    assert settings.content_dir.is_dir()
    assert settings.data_dir == Path("data")
    assert settings.database_url == f"sqlite+aiosqlite:///{Path('data') / 'tutor.sqlite3'}"
    assert settings.log_level == "INFO"
    assert settings.default_timezone == "Europe/London"
    assert settings.webhook_url is None
    assert settings.webhook_secret is None
    assert settings.uses_webhook is False
    assert settings.webhook_listen == "0.0.0.0"
    assert settings.webhook_port == 8443
    assert settings.group_open_period == 30


def test_the_sqlite_database_lives_in_the_data_dir(tmp_path: Path) -> None:
    settings = load(TUTOR_DATA_DIR=str(tmp_path))
    assert settings.data_dir == tmp_path
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'tutor.sqlite3'}"


def test_the_content_dir_can_be_set(tmp_path: Path) -> None:
    assert load(TUTOR_CONTENT_DIR=str(tmp_path)).content_dir == tmp_path


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_value_means_the_default(blank: str) -> None:
    settings = load(**{name: blank for name in ENV_NAMES})
    assert settings == load()


def test_load_settings_reads_os_environ_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TUTOR_LOG_LEVEL", "debug")
    assert load_settings(env_file=tmp_path / "absent.env").log_level == "DEBUG"


# --- Every parser: valid values -----------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "raw", "field", "expected"),
    [
        ("TELEGRAM_BOT_TOKEN", TOKEN, "token", TOKEN),
        ("TELEGRAM_BOT_TOKEN", f"  {TOKEN}\n", "token", TOKEN),
        (
            "TELEGRAM_API_BASE_URL",
            "http://127.0.0.1:8081/bot",
            "api_base_url",
            "http://127.0.0.1:8081/bot",
        ),
        (
            "TELEGRAM_API_BASE_URL",
            "https://api.example.org/bot/",
            "api_base_url",
            "https://api.example.org/bot",
        ),
        ("TUTOR_CONTENT_DIR", "decks", "content_dir", Path("decks")),
        ("TUTOR_DATA_DIR", "/var/lib/tutor", "data_dir", Path("/var/lib/tutor")),
        (
            "TUTOR_DATABASE_URL",
            "sqlite+aiosqlite:///x.db",
            "database_url",
            "sqlite+aiosqlite:///x.db",
        ),
        ("TUTOR_DATABASE_URL", DATABASE_URL, "database_url", DATABASE_URL),
        (
            "TUTOR_DATABASE_URL",
            "postgresql://u:p@h/db",
            "database_url",
            "postgresql+asyncpg://u:p@h/db",
        ),
        # Only the scheme is rewritten, never a "postgresql://" later in the URL.
        (
            "TUTOR_DATABASE_URL",
            "sqlite+aiosqlite:///postgresql://x.db",
            "database_url",
            "sqlite+aiosqlite:///postgresql://x.db",
        ),
        ("TUTOR_LOG_LEVEL", "debug", "log_level", "DEBUG"),
        ("TUTOR_LOG_LEVEL", "Warning", "log_level", "WARNING"),
        ("TUTOR_LOG_LEVEL", "ERROR", "log_level", "ERROR"),
        ("TUTOR_DEFAULT_TIMEZONE", "UTC", "default_timezone", "UTC"),
        ("TUTOR_DEFAULT_TIMEZONE", "America/New_York", "default_timezone", "America/New_York"),
        ("TUTOR_WEBHOOK_LISTEN", "127.0.0.1", "webhook_listen", "127.0.0.1"),
        ("TUTOR_WEBHOOK_PORT", "1", "webhook_port", 1),
        ("TUTOR_WEBHOOK_PORT", "65535", "webhook_port", 65535),
        ("TUTOR_WEBHOOK_PORT", " 8080 ", "webhook_port", 8080),
        ("TUTOR_GROUP_OPEN_PERIOD", "5", "group_open_period", 5),
        ("TUTOR_GROUP_OPEN_PERIOD", "600", "group_open_period", 600),
    ],
)
def test_valid_values_are_parsed(env: str, raw: str, field: str, expected: object) -> None:
    assert getattr(load(**{env: raw}), field) == expected


def test_a_webhook_needs_an_https_url_and_a_secret() -> None:
    settings = load(TUTOR_WEBHOOK_URL="https://bot.example.org/hook/", TUTOR_WEBHOOK_SECRET=SECRET)
    assert settings.uses_webhook
    assert settings.webhook_url == "https://bot.example.org/hook"
    assert settings.webhook_secret == SECRET


def test_a_webhook_url_without_a_secret_is_refused() -> None:
    message = config_error(TUTOR_WEBHOOK_URL="https://bot.example.org/hook")
    assert "TUTOR_WEBHOOK_SECRET" in message
    assert "TUTOR_WEBHOOK_URL" in message


def test_a_secret_without_a_webhook_url_means_long_polling() -> None:
    settings = load(TUTOR_WEBHOOK_SECRET=SECRET)
    assert not settings.uses_webhook


# --- Every parser: invalid values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "raw"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_BOT_TOKEN", "123456789:short"),
        ("TELEGRAM_BOT_TOKEN", "12:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        ("TELEGRAM_BOT_TOKEN", f"{TOKEN} extra"),
        ("TELEGRAM_BOT_TOKEN", "١٢٣٤٥:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        ("TELEGRAM_API_BASE_URL", "ftp://example.org/bot"),
        ("TELEGRAM_API_BASE_URL", "localhost:8081"),
        ("TELEGRAM_API_BASE_URL", "http://"),
        ("TUTOR_DATABASE_URL", "mysql://root:pw@localhost/tutor"),
        ("TUTOR_DATABASE_URL", "sqlite:///tutor.db"),
        ("TUTOR_DATABASE_URL", "postgres://u:pw@host/db"),
        ("TUTOR_LOG_LEVEL", "TRACE"),
        ("TUTOR_LOG_LEVEL", "CRITICAL"),
        ("TUTOR_DEFAULT_TIMEZONE", "Mars/Olympus_Mons"),
        ("TUTOR_DEFAULT_TIMEZONE", "utc"),
        ("TUTOR_DEFAULT_TIMEZONE", "../etc/passwd"),
        ("TUTOR_DEFAULT_TIMEZONE", "/etc/localtime"),
        ("TUTOR_DEFAULT_TIMEZONE", "Europe"),  # a folder of zones, not a zone
        ("TUTOR_DEFAULT_TIMEZONE", "x" * 300),  # longer than a file name may be
        ("TUTOR_WEBHOOK_URL", "http://bot.example.org/hook"),
        ("TUTOR_WEBHOOK_URL", "bot.example.org/hook"),
        ("TUTOR_WEBHOOK_URL", "https://"),
        ("TUTOR_WEBHOOK_SECRET", "has spaces in it"),
        ("TUTOR_WEBHOOK_SECRET", "semi;colon"),
        ("TUTOR_WEBHOOK_SECRET", "x" * 257),
        ("TUTOR_WEBHOOK_PORT", "0"),
        ("TUTOR_WEBHOOK_PORT", "65536"),
        ("TUTOR_WEBHOOK_PORT", "-1"),
        ("TUTOR_WEBHOOK_PORT", "+80"),
        ("TUTOR_WEBHOOK_PORT", "http"),
        ("TUTOR_WEBHOOK_PORT", "84.43"),
        ("TUTOR_WEBHOOK_PORT", "²"),  # str.isdigit() says yes, int() says no
        ("TUTOR_WEBHOOK_PORT", "٣"),  # an Arabic-Indic three
        ("TUTOR_WEBHOOK_PORT", "9" * 5000),  # beyond int()'s digit limit
        ("TUTOR_GROUP_OPEN_PERIOD", "4"),
        ("TUTOR_GROUP_OPEN_PERIOD", "601"),
        ("TUTOR_GROUP_OPEN_PERIOD", "30s"),
        ("TUTOR_GROUP_OPEN_PERIOD", "30.0"),
        ("TUTOR_GROUP_OPEN_PERIOD", "٥٥"),
    ],
)
def test_invalid_values_raise_config_error_naming_the_variable(env: str, raw: str) -> None:
    message = config_error(**{env: raw})
    assert message.startswith(f"{env} "), message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("env", "raw", "private"),
    [
        ("TELEGRAM_BOT_TOKEN", "987654321:AAHdqTcvCH1vGW xfSeofSAs0K5PALDsaw", "AAHdqTcv"),
        ("TELEGRAM_BOT_TOKEN", "987654321:AAHdq", "987654321"),
        ("TUTOR_WEBHOOK_SECRET", "my secret passphrase!", "passphrase"),
        ("TUTOR_DATABASE_URL", "mysql://root:hunter2pw@localhost/tutor", "hunter2pw"),
        ("TUTOR_DATABASE_URL", "postgres://tutor:hunter2pw@db/tutor", "hunter2pw"),
    ],
)
def test_an_invalid_secret_never_appears_in_the_message(env: str, raw: str, private: str) -> None:
    message = config_error(**{env: raw})
    assert message.startswith(f"{env} ")
    assert raw not in message
    assert private not in message
    assert f"a value of {len(raw)} characters" in message


@pytest.mark.parametrize(
    ("env", "raw"),
    [
        ("TUTOR_WEBHOOK_URL", f"http://bot.example.org/{TOKEN}"),
        ("TELEGRAM_API_BASE_URL", f"ftp://api.example.org/bot{TOKEN}"),
        ("TUTOR_WEBHOOK_URL", f"http://bot.example.org/hook?secret={SECRET}"),
        ("TUTOR_WEBHOOK_PORT", f"{SECRET}"),
    ],
)
def test_a_secret_inside_another_bad_value_is_not_shown(env: str, raw: str) -> None:
    message = config_error(TELEGRAM_BOT_TOKEN=TOKEN, TUTOR_WEBHOOK_SECRET=SECRET, **{env: raw})
    assert message.startswith(f"{env} ")
    assert TOKEN not in message
    assert SECRET not in message
    assert "[redacted]" in message


def test_a_bad_ordinary_value_is_shown_to_help_fix_it() -> None:
    message = config_error(TUTOR_LOG_LEVEL="loud")
    assert "'loud'" in message
    assert "DEBUG, INFO, WARNING, ERROR" in message


# --- .env files ---------------------------------------------------------------------------


def write_env(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_values_come_from_a_dotenv_file(tmp_path: Path) -> None:
    env_file = write_env(
        tmp_path,
        f"# comment\nTELEGRAM_BOT_TOKEN={TOKEN}\nTUTOR_LOG_LEVEL=debug\n"
        f'TUTOR_DATABASE_URL="postgresql://u:p@h/db"\nexport TUTOR_WEBHOOK_PORT=9000\n',
    )
    settings = load(env_file)
    assert settings.token == TOKEN
    assert settings.log_level == "DEBUG"
    assert settings.database_url == "postgresql+asyncpg://u:p@h/db"
    assert settings.webhook_port == 9000


def test_the_environment_overrides_the_dotenv_file(tmp_path: Path) -> None:
    env_file = write_env(tmp_path, "TUTOR_LOG_LEVEL=DEBUG\nTUTOR_WEBHOOK_PORT=9000\n")
    settings = load(env_file, TUTOR_LOG_LEVEL="error")
    assert settings.log_level == "ERROR"
    assert settings.webhook_port == 9000


def test_a_bad_value_in_the_dotenv_file_is_reported(tmp_path: Path) -> None:
    env_file = write_env(tmp_path, f"TELEGRAM_BOT_TOKEN=oops-{TOKEN[-12:]}\n")
    with pytest.raises(ConfigError, match=r"^TELEGRAM_BOT_TOKEN ") as caught:
        load(env_file)
    assert TOKEN[-12:] not in str(caught.value)


def test_a_missing_dotenv_file_is_fine(tmp_path: Path) -> None:
    assert load(tmp_path / "nothing-here.env") == load()


def test_dotenv_is_read_from_the_working_directory_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_env(tmp_path, "TUTOR_GROUP_OPEN_PERIOD=45\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings({}).group_open_period == 45


# --- settings_help ------------------------------------------------------------------------


def test_settings_help_lists_every_variable_with_its_default() -> None:
    text = settings_help()
    for setting in SETTINGS:
        assert setting.env in text
        if setting.default:
            assert f"[default: {setting.default}]" in text
    assert ".env" in text


def test_every_setting_maps_to_a_settings_field() -> None:
    assert {setting.field for setting in SETTINGS} == set(Settings.__slots__)
    assert len(ENV_NAMES) == len(set(ENV_NAMES))


@pytest.mark.parametrize("secret", ["s", "a" * 31, "x" * 257, "a" * 31 + "!"])
def test_a_webhook_secret_needs_32_safe_characters_and_says_how_to_make_one(secret: str) -> None:
    message = config_error(
        TUTOR_WEBHOOK_URL="https://bot.example.org/hook", TUTOR_WEBHOOK_SECRET=secret
    )
    assert "TUTOR_WEBHOOK_SECRET must be 32-256 characters" in message
    assert "openssl rand -hex 32" in message
    assert len(secret) < 5 or secret not in message


def test_the_dashboard_needs_a_public_https_url() -> None:
    assert load().serves_web is False and load().dashboard_url is None
    settings = load(TUTOR_PUBLIC_URL="https://bot.example.org/")
    assert settings.serves_web and settings.dashboard_url == "https://bot.example.org/dashboard"
    assert "must be an https URL" in config_error(TUTOR_PUBLIC_URL="http://bot.example.org")
    assert load(TUTOR_GAP_RETENTION_DAYS="30").gap_retention_days == 30
    assert "1 to 90" in config_error(TUTOR_GAP_RETENTION_DAYS="365")
