"""Daily-quiz subscriptions and the push log's claims."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa

from tutor.store.base import StoreBase
from tutor.store.records import Subscription, _check_local_time, subscription_from_row
from tutor.store.schema import PUSH_CLAIMED, ChatKind, chats, push_log, subscriptions
from tutor.store.sql import _upsert


class PushStore(StoreBase):
    """Daily-quiz subscriptions and the push log's claims."""

    async def set_subscription(
        self, chat_id: int, *, local_time: str, time_zone: str, now: datetime
    ) -> Subscription:
        """Subscribe a chat to the daily quiz at `local_time` ("HH:MM") in `time_zone`."""
        _check_local_time(local_time)
        values = {
            "chat_id": chat_id,
            "local_time": local_time,
            "time_zone": time_zone,
            "active": True,
            "paused_reason": None,
            "created_at": now,
            "updated_at": now,
        }
        changed = ["local_time", "time_zone", "active", "paused_reason", "updated_at"]
        async with self._write() as conn:
            await conn.execute(_upsert(conn, subscriptions, values, ["chat_id"], changed))
        subscription = await self.get_subscription(chat_id)
        assert subscription is not None
        return subscription

    async def get_subscription(self, chat_id: int) -> Subscription | None:
        async with self._read() as conn:
            row = (
                await conn.execute(subscriptions.select().where(subscriptions.c.chat_id == chat_id))
            ).first()
        return Subscription(**row._mapping) if row else None

    async def deactivate_subscription(self, chat_id: int, reason: str, *, now: datetime) -> None:
        """Stop pushing to a chat, keeping its chosen time (e.g. reason "unsubscribed")."""
        async with self._write() as conn:
            await conn.execute(
                subscriptions.update()
                .where(subscriptions.c.chat_id == chat_id)
                .values(active=False, paused_reason=reason, updated_at=now)
            )

    async def claim_push(self, chat_id: int, day: date, *, now: datetime) -> bool:
        """Claim the daily push of `day` for a chat; True for exactly one caller."""
        values = {
            "chat_id": chat_id,
            "local_date": day,
            "status": PUSH_CLAIMED,
            "created_at": now,
        }
        async with self._write() as conn:
            result = await conn.execute(
                _upsert(conn, push_log, values, ["chat_id", "local_date"], [])
            )
        return result.rowcount == 1

    async def mark_push(self, chat_id: int, day: date, status: str, *, now: datetime) -> None:
        """Record how a claimed push ended ("sent", "failed", ...)."""
        async with self._write() as conn:
            await conn.execute(
                push_log.update()
                .where(push_log.c.chat_id == chat_id, push_log.c.local_date == day)
                .values(status=status, sent_at=now if status == "sent" else None)
            )

    async def subscriptions_with_pushes(
        self, days: Sequence[date]
    ) -> list[tuple[Subscription, ChatKind, set[date]]]:
        """Active subscriptions of unpaused chats, each with the `days` already logged."""
        query = (
            sa.select(subscriptions, chats.c.kind, push_log.c.local_date.label("logged"))
            .join(chats, chats.c.chat_id == subscriptions.c.chat_id)
            .outerjoin(
                push_log,
                sa.and_(
                    push_log.c.chat_id == subscriptions.c.chat_id,
                    push_log.c.local_date.in_(list(days)),
                ),
            )
            .where(
                subscriptions.c.active.is_(sa.true()),
                chats.c.paused.is_(sa.false()),
                chats.c.migrated_to.is_(None),
            )
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        found: dict[int, tuple[Subscription, ChatKind, set[date]]] = {}
        for row in rows:
            mapping = row._mapping
            entry = found.setdefault(
                mapping["chat_id"],
                (subscription_from_row(mapping), ChatKind(mapping["kind"]), set()),
            )
            if mapping["logged"] is not None:
                entry[2].add(mapping["logged"])
        return list(found.values())
