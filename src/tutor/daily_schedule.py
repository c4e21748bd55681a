"""When a daily push is due: reading times and time zones as students type them, the UTC
instant of a local time on a local day, and which chats are owed today's push.

Pure functions and plain data (no store, no Telegram), shared by `tutor.daily` and the
push adapter.

Daylight saving: a local time that does not exist that day (the clocks jump over it)
fires at the first instant after the jump; a time that happens twice (the clocks go
back) fires at the first one. A day with no such instant at all (Samoa skipped
30 December 2011) has no push.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, available_timezones

from rapidfuzz import fuzz, process, utils

from tutor.clock import local_date, parse_time_zone
from tutor.store import ChatKind, Subscription

ZONE_SCORE_CUTOFF = 78.0
ZONE_SCORE_WINDOW = 8.0
"""Suggest zones scoring at least the cutoff and within the window of the best one."""
MAX_SUGGESTIONS = 3
_NAMED_TIMES = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}
_TIME = re.compile(r"([0-9]{1,2})(?:[:.h]?([0-9]{2}))?\s*(am|pm|a\.m\.|p\.m\.)?")
_ZONE_REGIONS = frozenset(
    ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian")
) | {"Pacific"}
_SECOND = timedelta(seconds=1)


class PushOutcome(StrEnum):
    """How a claimed push ended, as recorded in the push log."""

    SENT = "sent"
    FAILED = "failed"
    """A permanent error, or the retries ran out: not retried today."""
    BLOCKED = "blocked"
    """The chat refuses the bot; its subscription is paused."""
    UNKNOWN = "unknown"
    """Stopped while retrying a request that may have arrived (a timeout): not resent."""


# ----- reading times and zones ---------------------------------------------------------


def parse_local_time(text: str) -> str | None:
    """ "18:30", "6:30pm", "0930", "18.30", "7am", "noon" as "HH:MM"; None for anything else.

    A bare hour ("7") is refused: morning or evening is the student's to say.
    """
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in _NAMED_TIMES:
        return _NAMED_TIMES[cleaned]
    match = _TIME.fullmatch(cleaned)
    if match is None:
        return None
    hour_text, minute_text, half = match.groups()
    if minute_text is None and half is None:
        return None
    hour, minute = int(hour_text), int(minute_text or 0)
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    """A time zone as typed: the zone it names, or the zones it might have meant."""

    zone: str | None
    suggestions: tuple[str, ...] = ()


@functools.cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name, keyed by its lower-case form."""
    skipped = ("posix/", "right/")
    names = (n for n in available_timezones() if not n.startswith(skipped) and n != "Factory")
    return {name.lower(): name for name in names}


@functools.cache
def _zone_choices() -> tuple[dict[str, str], dict[str, str]]:
    """Regional zones as searchable text: the whole name, and the city alone."""
    regional = [n for n in _zone_names().values() if n.split("/")[0] in _ZONE_REGIONS]
    whole = {name: name.replace("/", " ").replace("_", " ") for name in regional}
    city = {name: name.rsplit("/", 1)[1].replace("_", " ") for name in regional}
    return whole, city


def is_time_zone(name: str) -> bool:
    """Whether `name` is exactly an IANA zone name (as stored, not as typed)."""
    return _zone_names().get(name.lower()) == name


def resolve_time_zone(text: str) -> ZoneMatch:
    """The IANA zone `text` names (in any letter case), else up to three likely meanings.

    "europe/londn" and "london" both suggest Europe/London. Only names from the zone
    database are returned, so a result is always safe to pass to `ZoneInfo`.
    """
    typed = "_".join(text.split())[:64]
    exact = _zone_names().get(typed.lower())
    if exact is not None:
        return ZoneMatch(exact)
    scores: dict[str, float] = {}
    for choices in _zone_choices() if typed else ():
        found = process.extract(
            typed.replace("_", " "),
            choices,
            scorer=fuzz.ratio,
            processor=utils.default_process,
            limit=MAX_SUGGESTIONS * 2,
            score_cutoff=ZONE_SCORE_CUTOFF,
        )
        for _text, score, name in found:
            scores[name] = max(scores.get(name, 0.0), score)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    best = ranked[0][1] if ranked else 0.0
    close = [name for name, score in ranked if score >= best - ZONE_SCORE_WINDOW]
    return ZoneMatch(None, tuple(close[:MAX_SUGGESTIONS]))


# ----- when a push is due --------------------------------------------------------------


def due_instant(local_time: str, tz: ZoneInfo, day: date) -> datetime | None:
    """The UTC instant of the push at `local_time` ("HH:MM") on local date `day` in `tz`.

    A time the clocks jump over fires when they land (01:30 on London's spring-forward
    day fires at 02:00 BST); a time that happens twice fires the first time. None when
    that instant would fall on another local date (a day skipped altogether).
    """
    return _due_instant(local_time, tz.key, day)


@functools.lru_cache(maxsize=4096)
def _due_instant(local_time: str, zone: str, day: date) -> datetime | None:
    """`due_instant`, cached: subscribers share a handful of (time, zone) pairs a day."""
    tz = ZoneInfo(zone)
    wall = datetime.combine(day, time.fromisoformat(local_time), tzinfo=tz)
    instant = wall.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None):
        instant = _end_of_gap(wall)
    return instant if local_date(instant, tz) == day else None


def _end_of_gap(wall: datetime) -> datetime:
    """The first instant after the forward jump that swallows the local time `wall`.

    Read with the offsets from before and after the jump, `wall` names two instants on
    either side of it; halving the span between them finds the jump to the second.
    """
    tz = wall.tzinfo
    first, second = wall.replace(fold=0).astimezone(UTC), wall.replace(fold=1).astimezone(UTC)
    low, high = min(first, second), max(first, second)
    before = low.astimezone(tz).utcoffset()
    while high - low > _SECOND:
        middle = low + (high - low) // _SECOND // 2 * _SECOND
        if middle.astimezone(tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high


def next_due(local_time: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The first push instant for `local_time` in `tz` strictly after `after`."""
    today = local_date(after, tz)
    for ahead in range(4):  # at most one day is ever skipped
        instant = due_instant(local_time, tz, today + timedelta(days=ahead))
        if instant is not None and instant > after:
            return instant
    raise LookupError(f"no {local_time} in {tz.key} in the days after {after.isoformat()}")


def owed_day(
    local_time: str, tz: ZoneInfo, now: datetime, since: datetime
) -> tuple[date, datetime] | None:
    """The local day (and its due instant) whose push is owed at `now`, if any.

    Today's push is owed once its time has come, unless that was before `since` (when
    the subscription was set): subscribing at 19:00 to an 18:30 quiz starts tomorrow.
    """
    today = local_date(now, tz)
    due = due_instant(local_time, tz, today)
    if due is None or due > now or due < since:
        return None
    return today, due


def scan_days(now: datetime) -> tuple[date, date, date]:
    """Every local date it can be somewhere at `now` (offsets run from -12 to +14 hours)."""
    today = now.astimezone(UTC).date()
    return today - timedelta(days=1), today, today + timedelta(days=1)


# ----- the push log ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Owed:
    """A daily push owed to a chat for one local day."""

    chat_id: int
    chat_kind: ChatKind
    local_date: date
    due_at: datetime
    time_zone: str


@dataclass(frozen=True, slots=True)
class Settled:
    """How one claimed push ended; `chat_id` is the group's new id after a migration."""

    owed: Owed
    outcome: PushOutcome
    chat_id: int


def still_due(subscription: Subscription, kind: ChatKind, now: datetime) -> date | None:
    """The local date whose push `subscription` is owed at `now` (the push ledger's re-check
    of a claim under its lock)."""
    owed = owed_from(subscription, kind, now)
    return owed.local_date if owed is not None else None


def owed_from(subscription: Subscription, kind: ChatKind, now: datetime) -> Owed | None:
    """The push `subscription` is owed at `now`, if any (a lost time zone counts as UTC)."""
    tz = parse_time_zone(subscription.time_zone) or ZoneInfo("UTC")
    owed = owed_day(subscription.local_time, tz, now, subscription.updated_at)
    if owed is None:
        return None
    day, due = owed
    return Owed(subscription.chat_id, kind, day, due, subscription.time_zone)
