"""Time for the core: injectable clocks and local-day arithmetic.

Core logic never calls `datetime.now()`; it asks a `Clock` (any zero-argument callable
returning a timezone-aware UTC datetime), so tests and replays control time exactly.
Instants are UTC everywhere; a student's time zone only matters when we ask "which day?".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def as_utc(at: datetime) -> datetime:
    """`at` converted to UTC; naive datetimes are refused because their meaning is a guess."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: pass a timezone-aware time")
    return at.astimezone(UTC)


class FrozenClock:
    """A clock that moves only when told to, for deterministic tests and replays."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def __call__(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        """Move forward by `delta` or by `timedelta(**units)`; returns the new time."""
        step = delta if delta is not None else timedelta(**units)
        if step < timedelta(0):
            raise ValueError("a clock does not run backwards")
        self._now += step
        return self._now

    def set(self, at: datetime) -> None:
        self._now = as_utc(at)


def parse_time_zone(name: str) -> ZoneInfo | None:
    """The IANA zone called `name` ("Europe/London"), or None when there is no such zone."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_date(at: datetime, tz: ZoneInfo) -> date:
    """The calendar day it is at instant `at` in time zone `tz`."""
    return as_utc(at).astimezone(tz).date()


def start_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which `day` begins in `tz`."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which `day` ends in `tz` (the start of the next day)."""
    return start_of_local_day(day + timedelta(days=1), tz)
