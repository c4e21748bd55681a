"""Logging set-up: secrets never reach a log line, students' text only at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks every secret, tracebacks included."""

    def __init__(self, fmt: str, secrets: Iterable[str | None]) -> None:
        super().__init__(fmt)
        # Longest first: a secret inside another (a password inside a URL) must not leave
        # the rest of the longer one behind.
        self._secrets = sorted((secret for secret in secrets if secret), key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure_logging(level: str, secrets: Iterable[str | None] = ()) -> None:
    """Log to stderr at `level`.

    httpx logs every request URL, which carries the bot token, at INFO: it stays at
    WARNING (or `level`, if higher), and the redacting formatter guards every line besides.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(FORMAT, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def database_password(url: str | None) -> str | None:
    """The password in a database URL, as typed and as the driver sees it, or None.

    A URL is redacted whole, but a driver's error may name the password alone (or the
    URL with the password decoded), so it is redacted on its own too.
    """
    if not url:
        return None
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None
