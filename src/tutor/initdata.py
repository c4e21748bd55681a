"""Telegram Mini App init data: validated exactly as Telegram documents it.

"Validating data received via the Mini App" (core.telegram.org/bots/webapps):
the data-check-string is every received field except `hash`, as `key=value` with the
value URL-decoded, sorted by key and joined with line feeds; the secret key is
HMAC-SHA-256 of the bot token keyed with the string "WebAppData"; the data is genuine when
HMAC-SHA-256 of the data-check-string under that secret key, in hex, equals `hash`
(compared in constant time). `auth_date` must also be recent, so a copied init data
stops working: Telegram signs it when the Mini App opens.

Also here: the signed one-time tokens of the terminal mode's local dashboard link.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

MAX_INIT_DATA_CHARS = 4096
DEFAULT_MAX_AGE = timedelta(hours=1)
CLOCK_SKEW = timedelta(minutes=5)
"""An auth_date this far in the future is still accepted (the two clocks may differ)."""


class InitDataError(ValueError):
    """The init data is missing, malformed, forged, altered or too old."""


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """Who opened the Mini App, as Telegram vouches for it."""

    user_id: int
    first_name: str
    auth_date: datetime


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The `hash` Telegram would put on these fields (tests and the emulator use it)."""
    digest = hmac.new(secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256)
    return digest.hexdigest()


def validate(
    init_data: str, bot_token: str, *, now: datetime, max_age: timedelta = DEFAULT_MAX_AGE
) -> WebAppUser:
    """The user of genuine, fresh init data; `InitDataError` says why otherwise."""
    if not init_data or len(init_data) > MAX_INIT_DATA_CHARS:
        raise InitDataError("no init data" if not init_data else "init data too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("init data is not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field appears twice")
    received = fields.get("hash", "")
    if not hmac.compare_digest(sign(fields, bot_token).encode(), received.encode()):
        raise InitDataError("the hash does not match")
    return _user(fields, now, max_age)


def _user(fields: dict[str, str], now: datetime, max_age: timedelta) -> WebAppUser:
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
        user = json.loads(fields["user"])
        user_id, first_name = int(user["id"]), str(user.get("first_name", ""))
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        raise InitDataError("auth_date or user is missing or malformed") from None
    if auth_date > now + CLOCK_SKEW:
        raise InitDataError("auth_date is in the future")
    if now - auth_date > max_age:
        raise InitDataError("the init data has expired; open the dashboard again")
    return WebAppUser(user_id=user_id, first_name=first_name, auth_date=auth_date)


class OneTimeTokens:
    """Signed, expiring tokens that work once: the terminal mode's local dashboard link."""

    def __init__(self, key: bytes | None = None, *, lifetime: timedelta = timedelta(minutes=10)):
        self._key = key or secrets.token_bytes(32)
        self._lifetime = lifetime
        self._used: set[str] = set()

    def issue(self, now: datetime) -> str:
        nonce = secrets.token_urlsafe(16)
        expires = int((now + self._lifetime).timestamp())
        body = f"{nonce}.{expires}"
        return f"{body}.{self._mac(body)}"

    def redeem(self, token: str, now: datetime) -> bool:
        """True once for a token this object issued that has not expired."""
        nonce, _, rest = token.partition(".")
        expires, _, mac = rest.partition(".")
        body = f"{nonce}.{expires}"
        if not hmac.compare_digest(self._mac(body).encode(), mac.encode()):
            return False
        if not expires.isdigit() or int(expires) < now.timestamp() or nonce in self._used:
            return False
        self._used.add(nonce)
        return True

    def _mac(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
