"""Logging: secrets never reach a log line, and httpx (which logs the token) stays quiet."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest

from tutor.logs import FORMAT, REDACTED, RedactingFormatter, configure_logging, database_password

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "s3cret_webhook-Value"
DATABASE_URL = "postgresql+asyncpg://tutor:hunter2pw@db.internal/tutor"
SECRETS = (TOKEN, SECRET, DATABASE_URL)
NOISY = ("httpx", "httpcore", "apscheduler")


def record(
    msg: str, *args: object, exc_info: object = None, name: str = "tutor"
) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, exc_info)  # type: ignore[arg-type]


def formatted(rec: logging.LogRecord, secrets: tuple[str | None, ...] = SECRETS) -> str:
    return RedactingFormatter(FORMAT, secrets).format(rec)


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "AAHdqTcv" not in text
    assert "hunter2pw" not in text


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        (f"GET https://api.telegram.org/bot{TOKEN}/getUpdates", ()),
        ("GET https://api.telegram.org/bot%s/getUpdates", (TOKEN,)),
        ("webhook secret %r and db %s", (SECRET, DATABASE_URL)),
        ("%(url)s", ({"url": DATABASE_URL},)),
        ("settings: %s", ({"token": TOKEN, "secret": SECRET},)),
        (f"{TOKEN}{TOKEN} twice, and {SECRET} once", ()),
    ],
)
def test_secrets_are_removed_from_message_and_args(msg: str, args: tuple[object, ...]) -> None:
    text = formatted(record(msg, *args))
    assert_clean(text)
    assert REDACTED in text


def test_secrets_are_removed_from_tracebacks() -> None:
    try:
        raise RuntimeError(f"cannot reach https://api.telegram.org/bot{TOKEN}/ via {DATABASE_URL}")
    except RuntimeError:
        exc_info = sys.exc_info()
    text = formatted(record("request failed", exc_info=exc_info))
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError" in text
    assert_clean(text)
    assert text.count(REDACTED) >= 2


def test_secrets_are_removed_from_chained_exceptions_and_stack_info() -> None:
    try:
        try:
            raise ValueError(f"secret token {SECRET}")
        except ValueError as inner:
            raise KeyError(TOKEN) from inner
    except KeyError:
        exc_info = sys.exc_info()
    rec = record("boom", exc_info=exc_info)
    rec.stack_info = f"Stack (most recent call last):\n  locals: token={TOKEN}"
    text = formatted(rec)
    assert "ValueError" in text
    assert "KeyError" in text
    assert_clean(text)


def test_a_secret_inside_another_secret_leaves_nothing_of_either() -> None:
    password = "hunter2pw"
    text = formatted(record("connecting to %s", DATABASE_URL), (password, DATABASE_URL))
    assert text.endswith(f"connecting to {REDACTED}")
    assert "db.internal" not in text


def test_missing_secrets_are_ignored() -> None:
    text = formatted(record("nothing to hide: %s", "plain"), (None, "", None))
    assert text.endswith("nothing to hide: plain")


def test_the_format_is_otherwise_unchanged() -> None:
    text = formatted(record("hello %s", "world", name="tutor.dialog"))
    assert " ERROR tutor.dialog: hello world" in text


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes the root logger: put it back for the other tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    noisy_levels = {name: logging.getLogger(name).level for name in NOISY}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, noisy_level in noisy_levels.items():
        logging.getLogger(name).setLevel(noisy_level)


@pytest.mark.parametrize(
    ("level", "noisy_level"),
    [
        ("DEBUG", logging.WARNING),
        ("INFO", logging.WARNING),
        ("WARNING", logging.WARNING),
        ("ERROR", logging.ERROR),
    ],
)
@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_keeps_httpx_at_warning(level: str, noisy_level: int) -> None:
    configure_logging(level, secrets=[TOKEN])
    assert logging.getLogger().level == logging.getLevelName(level)
    for name in NOISY:
        assert logging.getLogger(name).getEffectiveLevel() == noisy_level
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)


@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_installs_one_redacting_handler() -> None:
    configure_logging("INFO", secrets=[TOKEN, None, SECRET])
    configure_logging("INFO", secrets=[TOKEN, None, SECRET])  # twice: still one handler
    handlers = logging.getLogger().handlers
    assert len(handlers) == 1
    stream = io.StringIO()
    handler = handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/x", TOKEN)
    logging.getLogger("httpx").warning("retrying https://api.telegram.org/bot%s/x", TOKEN)
    logging.getLogger("tutor").info("webhook secret is %s", SECRET)
    output = stream.getvalue()
    assert "HTTP Request" not in output  # httpx INFO is dropped
    assert "retrying https://api.telegram.org/bot[redacted]/x" in output
    assert f"webhook secret is {REDACTED}" in output
    assert TOKEN not in output
    assert SECRET not in output


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgresql+asyncpg://tutor:hunter2pw@db.internal/tutor", "hunter2pw"),
        ("postgresql+asyncpg://tutor:p%40ss%3Aword@db/tutor", "p@ss:word"),
        ("postgresql+asyncpg://tutor@db/tutor", None),
        ("sqlite+aiosqlite:///data/tutor.db", None),
        (None, None),
        ("", None),
    ],
)
def test_the_database_password_is_found_on_its_own(url: str | None, password: str | None) -> None:
    assert database_password(url) == password


def test_a_password_alone_in_a_driver_error_is_redacted() -> None:
    url = "postgresql+asyncpg://tutor:p%40ss%3Aword@db/tutor"
    message = 'password authentication failed for user "tutor" (password p@ss:word)'
    text = formatted(record("%s", message), (url, database_password(url)))
    assert "p@ss:word" not in text
    assert text.endswith(f"(password {REDACTED})")
