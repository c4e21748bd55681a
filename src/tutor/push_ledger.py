"""The daily push's ledger: per-push claims and outcomes in `push_log`, group-committed.

The table belongs to `tutor.store`; this module keeps the push's own statements and the
way they are batched, because both exist for one guarantee: **a crash loses at most the
pushes in flight, and no push is ever sent twice**.

A push row moves through these states (`push_log.status`):

    (no row) --claim--> claimed --begin_send--> sending --settle--> sent | failed | blocked
                          |                        |
                 release, or stale:         stale (the process died):
                 deleted, sent again        "unknown", never sent again

- **claimed**: reserved by one process (`claimed_by`, a token per ledger), not yet handed
  to the HTTP client. Nothing can have reached Telegram, so a claim that goes stale
  (older than the claim lease: its process died or hung) is deleted and the push goes
  out on a later scan of any process.
- **sending**: `begin_send` flips claimed -> sending just before `send_message`, and
  only while the row is still this process's claim, so a process that lost its claim to
  a stale-claim sweep never sends. A push with nothing to compose (a group's
  invitation) is claimed straight as "sending": its request follows at once. From here
  the message may have reached the chat: Telegram's sendMessage has no idempotency key,
  so a row left "sending" by a dead process becomes "unknown" and is never resent.

The adapter claims pushes only for free send slots, so at a crash at most
`concurrency` of them can be claimed or sending and unsent. Sent-but-unsettled rows also
become "unknown"; those messages did arrive.

Writes are group-committed: every claim, begin_send, settle and release that callers
issue while a transaction is running is written together in the next one, so a fan-out
of 200 pushes a second costs a few dozen transactions a second, not 600. Callers of
`claim` and `begin_send` wait for their commit (they must know the answer); `settle`
and `release` are write-behind, lingering up to `SETTLE_LINGER` for company (a crash
before their commit only turns a sent push "unknown").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tutor.store import (
    PUSH_CLAIMED,
    PUSH_SENDING,
    PUSH_SENT,
    PUSH_UNKNOWN,
    ChatKind,
    Store,
    Subscription,
    chats,
    insert_ignoring,
    push_log,
    subscription_from_row,
    subscriptions,
)

logger = logging.getLogger(__name__)

SETTLE_LINGER = 0.1
"""Seconds outcomes and releases may wait for company before they are committed, unless
a claim or a send (which callers wait for) goes first."""

Key = tuple[int, date]
"""A push: (chat id, local date)."""
StillDue = Callable[[Subscription, ChatKind, datetime], date | None]
"""The local day a subscription owes at a time (re-checked under the claim's lock), or None."""


@dataclass(frozen=True, slots=True)
class StaleClaims:
    """What one re-examination of stale claims did."""

    released: int
    """Claims never handed to the HTTP client: deleted, so the push goes out again."""
    unknown: int
    """Pushes whose send may have reached the chat: marked "unknown", never resent."""


@dataclass(slots=True)
class _Batch:
    """Everything callers asked for since the last commit."""

    claims: list[tuple[Key, asyncio.Future[bool]]] = field(default_factory=list)
    sends: list[tuple[Key, asyncio.Future[bool]]] = field(default_factory=list)
    settles: list[tuple[Key, str, datetime]] = field(default_factory=list)
    releases: list[Key] = field(default_factory=list)
    done: list[asyncio.Future[None]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.claims or self.sends or self.settles or self.releases or self.done)


class PushLedger:
    """Claims and outcomes of daily pushes for one process (see the module notes)."""

    def __init__(
        self,
        store: Store,
        still_due: StillDue,
        *,
        owner: str | None = None,
        linger: float = SETTLE_LINGER,
    ) -> None:
        self.store = store
        self.linger = linger
        self.owner = owner or secrets.token_hex(8)
        """This ledger's claim token: a claim is released or sent only by its owner."""
        self._still_due = still_due
        self._pending = _Batch()
        self._writer: asyncio.Task[None] | None = None
        self._urgent = asyncio.Event()
        self._now: datetime | None = None
        self._sending_now: set[Key] = set()

    # ----- what callers ask ------------------------------------------------------------------
    async def claim(
        self, keys: Sequence[Key], now: datetime, *, sending: Collection[Key] = ()
    ) -> set[Key]:
        """Claim pushes (in the next group commit); the ones this process must send.

        Keys in `sending` are claimed straight as "sending": pushes with nothing to
        compose, whose request follows the claim at once (one write instead of two)."""
        self._sending_now.update(sending)
        futures = [(key, self._future(bool)) for key in keys]
        self._pending.claims.extend(futures)
        self._kick(now, urgent=True)
        results = await asyncio.gather(*(future for _key, future in futures))
        return {key for (key, _future), won in zip(futures, results, strict=True) if won}

    async def begin_send(self, key: Key, now: datetime) -> bool:
        """Mark a claim "sending"; False when it is no longer ours (do not send then)."""
        future = self._future(bool)
        self._pending.sends.append((key, future))
        self._kick(now, urgent=True)
        return await future

    def settle(self, key: Key, status: str, now: datetime) -> None:
        """Record an outcome in the next group commit (write-behind: see `flush`)."""
        self._pending.settles.append((key, status, now))
        self._kick(now)

    def release(self, key: Key, now: datetime) -> None:
        """Give back a claim that was certainly never sent (write-behind)."""
        self._pending.releases.append(key)
        self._kick(now)

    async def flush(self) -> None:
        """Wait until everything asked so far is committed."""
        if not self._pending and (self._writer is None or self._writer.done()):
            return
        future = self._future(type(None))
        self._pending.done.append(future)
        self._kick(self._now, urgent=True)
        await future

    async def reexamine(
        self, now: datetime, *, claim_lease: timedelta, send_lease: timedelta, days: Sequence[date]
    ) -> StaleClaims:
        """Release stale claims that were never sent; mark stale sends "unknown".

        Runs on every scan, in any process. A live owner's claim is safe from the
        release: its `begin_send` checks the row is still its claim.
        """
        recent = list(days)
        release = push_log.delete().where(
            push_log.c.status == PUSH_CLAIMED,
            push_log.c.claimed_by.is_not(None),
            push_log.c.created_at < now - claim_lease,
            push_log.c.local_date.in_(recent),
        )
        abandon = (
            push_log.update()
            .where(
                sa.or_(
                    push_log.c.status == PUSH_SENDING,
                    # claims from before per-push claims (no token) may have been sent
                    sa.and_(push_log.c.status == PUSH_CLAIMED, push_log.c.claimed_by.is_(None)),
                ),
                push_log.c.created_at < now - send_lease,
                push_log.c.local_date.in_(recent),
            )
            .values(status=PUSH_UNKNOWN)
        )
        async with self.store.write() as conn:
            released = (await conn.execute(release)).rowcount
            unknown = (await conn.execute(abandon)).rowcount
        return StaleClaims(int(released), int(unknown))

    # ----- the group commit --------------------------------------------------------------------
    @staticmethod
    def _future(_kind: type[Any]) -> asyncio.Future[Any]:
        return asyncio.get_running_loop().create_future()

    def _kick(self, now: datetime | None, *, urgent: bool = False) -> None:
        """Start the writer unless it runs (it takes whatever is pending when it loops)."""
        if now is not None:
            self._now = now
        if urgent:
            self._urgent.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_all())

    async def _write_all(self) -> None:
        """Commit what is pending until nothing is; outcomes alone wait up to `linger`
        for more to join them, woken early by a claim, a send or a flush."""
        await asyncio.sleep(0)  # let tasks made ready by the same event add their work
        while self._pending:
            if not self._urgent.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._urgent.wait(), self.linger)
            self._urgent.clear()
            batch, self._pending = self._pending, _Batch()
            try:
                await self._commit(batch)
            except Exception as error:
                logger.exception("daily push ledger: a write failed")
                _fail(batch, error)

    async def _commit(self, batch: _Batch) -> None:
        """One transaction: releases, outcomes, sends, then claims; then answer callers."""
        won: set[Key] = set()
        sending: set[Key] = set()
        async with self.store.write() as conn:
            if batch.releases:
                await conn.execute(_release_statement(), self._rows(batch.releases))
            if batch.settles:
                await conn.execute(_settle_statement(), self._settle_rows(batch.settles))
            if batch.sends:
                sending = await self._begin_sends(conn, [key for key, _ in batch.sends])
            if batch.claims:
                won = await self._claim(conn, dict(key for key, _ in batch.claims))
        for key, future in batch.claims:
            _answer(future, key in won)
        for key, future in batch.sends:
            _answer(future, key in sending)
        for future in batch.done:
            _answer(future, None)

    def _rows(self, keys: Sequence[Key]) -> list[dict[str, Any]]:
        return [{"b_chat": chat, "b_day": day, "b_owner": self.owner} for chat, day in keys]

    def _settle_rows(self, settles: Sequence[tuple[Key, str, datetime]]) -> list[dict[str, Any]]:
        return [
            {
                "b_chat": chat,
                "b_day": day,
                "b_owner": self.owner,
                "b_status": status,
                "b_sent": now if status == PUSH_SENT else None,
            }
            for (chat, day), status, now in settles
        ]

    async def _begin_sends(self, conn: AsyncConnection, keys: Sequence[Key]) -> set[Key]:
        statement = (
            push_log.update()
            .where(
                sa.tuple_(push_log.c.chat_id, push_log.c.local_date).in_(list(keys)),
                push_log.c.status == PUSH_CLAIMED,
                push_log.c.claimed_by == self.owner,
            )
            .values(status=PUSH_SENDING)
            .returning(push_log.c.chat_id, push_log.c.local_date)
        )
        return {(row.chat_id, row.local_date) for row in await conn.execute(statement)}

    async def _claim(self, conn: AsyncConnection, wanted: Mapping[int, date]) -> set[Key]:
        """Lock the subscriptions (`FOR UPDATE SKIP LOCKED` on PostgreSQL: two processes
        split a fan-out instead of queueing), re-check each is still due that day, and
        insert the claims; UNIQUE(chat_id, local_date) lets exactly one claimer win."""
        lock = (
            sa.select(subscriptions, chats.c.kind)
            .join(chats, chats.c.chat_id == subscriptions.c.chat_id)
            .where(subscriptions.c.chat_id.in_(list(wanted)), subscriptions.c.active.is_(sa.true()))
            .with_for_update(of=subscriptions, skip_locked=True)
        )
        now = self._now
        assert now is not None, "claim() sets the time"
        values = []
        for row in (await conn.execute(lock)).all():
            mapping = row._mapping
            day = self._still_due(subscription_from_row(mapping), ChatKind(mapping["kind"]), now)
            if day is not None and day == wanted[mapping["chat_id"]]:
                key = (mapping["chat_id"], day)
                values.append(
                    {
                        "chat_id": mapping["chat_id"],
                        "local_date": day,
                        "status": PUSH_SENDING if key in self._sending_now else PUSH_CLAIMED,
                        "created_at": now,
                        "claimed_by": self.owner,
                    }
                )
        self._sending_now.difference_update((chat, day) for chat, day in wanted.items())
        if not values:
            return set()
        insert = insert_ignoring(conn, push_log, values, ["chat_id", "local_date"])
        returning = insert.returning(push_log.c.chat_id, push_log.c.local_date)
        return {(row.chat_id, row.local_date) for row in await conn.execute(returning)}


def _release_statement() -> sa.Delete:
    """The owner gives back a claim; also one already "sending" whose every attempt
    certainly failed (flood waits), which only the owner can know."""
    return push_log.delete().where(
        push_log.c.chat_id == sa.bindparam("b_chat"),
        push_log.c.local_date == sa.bindparam("b_day"),
        sa.or_(push_log.c.status == PUSH_CLAIMED, push_log.c.status == PUSH_SENDING),
        push_log.c.claimed_by == sa.bindparam("b_owner"),
    )


def _settle_statement() -> sa.Update:
    """An outcome overwrites "sending", or "unknown" if a sweep got there first."""
    return (
        push_log.update()
        .where(
            push_log.c.chat_id == sa.bindparam("b_chat"),
            push_log.c.local_date == sa.bindparam("b_day"),
            push_log.c.claimed_by == sa.bindparam("b_owner"),
        )
        .values(status=sa.bindparam("b_status"), sent_at=sa.bindparam("b_sent"))
    )


def _answer(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _fail(batch: _Batch, error: Exception) -> None:
    """A failed transaction: callers waiting on it get the error; outcomes are lost (their
    rows stay "sending" and become "unknown": never resent)."""
    for _key, future in (*batch.claims, *batch.sends):
        if not future.done():
            future.set_exception(error)
    for future in batch.done:
        _answer(future, None)
