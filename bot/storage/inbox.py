"""The inbox: updates from a platform, stored before the platform is told they arrived.

Deduplication is by membership of the platform's update id (Telegram restarts its
numbering after a week of silence, so "greater than the last one" would drop real
updates); done rows older than :data:`KEEP` are purged so an old id can come back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.database import AlreadyDone, Database
from bot.storage.tables import InboundUpdate

KEEP = timedelta(days=2)
MAX_ATTEMPTS = 5
#: An update's life: ``pending`` (stored, not yet handled), ``answering`` (its effects
#: committed, its reply not yet known to be sent), ``done``; or ``failed`` after
#: :data:`MAX_ATTEMPTS`. An update left ``answering`` by a process that died is taken
#: again, finds its effects done and is answered again; so a crash between the commit
#: and the reply loses neither.
OPEN = ("pending", "answering")


@dataclass(frozen=True)
class Incoming:
    update_id: int
    chat_key: str
    payload: dict[str, Any]
    #: Its effects were committed and its answer may be lost: answer, do not redo.
    answering: bool = False


class Inbox:
    def __init__(self, db: Database, platform: str) -> None:
        self.db = db
        self.platform = platform

    async def store(self, updates: Sequence[Incoming], *, now: datetime) -> int:
        """Keep the updates not seen before, in one transaction; returns how many were new."""
        if not updates:
            return 0
        insert = pg_insert if not self.db.is_sqlite else sqlite_insert
        rows = [
            {"platform": self.platform, "update_id": u.update_id, "chat_key": u.chat_key,
             "payload": u.payload, "status": "pending", "attempts": 0, "received_at": now}
            for u in updates
        ]
        async with self.db.write() as s:
            connection = await s.connection()
            result = await connection.execute(
                insert(InboundUpdate).values(rows)
                .on_conflict_do_nothing(index_elements=["platform", "update_id"])
                .returning(col(InboundUpdate.update_id))
            )
            return len(result.fetchall())

    async def pending(self, *, now: datetime, limit: int = 200) -> list[Incoming]:
        """Updates to process, oldest first, leaving out every chat in which another
        process holds an update (so one chat's updates stay in order across processes)."""
        busy = (
            select(InboundUpdate.chat_key)
            .where(InboundUpdate.platform == self.platform)
            .where(col(InboundUpdate.status).in_(OPEN))
            .where(col(InboundUpdate.claimed_until) >= now)
        )
        async with self.db.read() as s:
            rows = await s.exec(
                select(InboundUpdate)
                .where(InboundUpdate.platform == self.platform)
                .where(col(InboundUpdate.status).in_(OPEN))
                .where(col(InboundUpdate.chat_key).not_in(busy))
                .order_by(col(InboundUpdate.id))
                .limit(limit)
            )
            return [Incoming(r.update_id, r.chat_key, r.payload, r.status == "answering")
                    for r in rows]

    async def claim(self, update_id: int, *, now: datetime, lease: timedelta) -> bool:
        """Take an update for this process for ``lease``; False if another process has
        it or it is done. A process that dies lets its claims lapse."""
        async with self.db.write() as s:
            result = await s.exec(
                update(InboundUpdate)
                .where(col(InboundUpdate.platform) == self.platform)
                .where(col(InboundUpdate.update_id) == update_id)
                .where(col(InboundUpdate.status).in_(OPEN))
                .where(col(InboundUpdate.claimed_until).is_(None)
                       | (col(InboundUpdate.claimed_until) < now))
                .values(claimed_until=now + lease)
            )
            return bool(result.rowcount == 1)

    async def renew(self, update_ids: Sequence[int], *, now: datetime, lease: timedelta) -> int:
        """Extend this process's claims that have not lapsed, so a long update keeps its
        chat while a short lease lets a dead process's chats go soon; returns how many.

        A claim that lapsed may have been taken by another process (there is no owner
        column), so only live claims are extended.
        """
        if not update_ids:
            return 0
        async with self.db.write() as s:
            result = await s.exec(
                update(InboundUpdate)
                .where(col(InboundUpdate.platform) == self.platform)
                .where(col(InboundUpdate.update_id).in_(list(update_ids)))
                .where(col(InboundUpdate.status).in_(OPEN))
                .where(col(InboundUpdate.claimed_until) >= now)
                .values(claimed_until=now + lease)
            )
            return int(result.rowcount)

    async def backlog(self, now: datetime) -> tuple[int, datetime | None]:
        """How many updates wait, and when the oldest of them arrived."""
        async with self.db.read() as s:
            count, oldest = (await s.exec(
                select(func.count(), func.min(InboundUpdate.received_at))
                .where(InboundUpdate.platform == self.platform,
                       col(InboundUpdate.status).in_(OPEN))
            )).one()
            return int(count), oldest

    async def mark_done(self, session: AsyncSession, update_id: int, *, now: datetime) -> None:
        """Inside the transaction of the update's effects: they are done, the reply is
        owed (``answering``); a second time raises AlreadyDone."""
        result = await session.exec(
            update(InboundUpdate)
            .where(col(InboundUpdate.platform) == self.platform)
            .where(col(InboundUpdate.update_id) == update_id)
            .where(col(InboundUpdate.status) == "pending")
            .values(status="answering", done_at=now)
        )
        if result.rowcount != 1:
            raise AlreadyDone(update_id)

    async def finish(self, update_id: int, *, now: datetime) -> None:
        """Mark an update done once it was answered (or changed nothing)."""
        async with self.db.write() as s:
            await s.exec(
                update(InboundUpdate)
                .where(col(InboundUpdate.platform) == self.platform)
                .where(col(InboundUpdate.update_id) == update_id)
                .where(col(InboundUpdate.status).in_(OPEN))
                .values(status="done", done_at=now)
            )

    async def failed_attempt(self, update_id: int) -> None:
        """Count a failed attempt; after :data:`MAX_ATTEMPTS` the update is set aside."""
        async with self.db.write() as s:
            row = (await s.exec(
                select(InboundUpdate).where(InboundUpdate.platform == self.platform,
                                            InboundUpdate.update_id == update_id)
            )).one()
            row.attempts += 1
            row.claimed_until = None  # free to retry at once
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
            s.add(row)

    async def purge(self, *, now: datetime) -> None:
        async with self.db.write() as s:
            await s.exec(
                delete(InboundUpdate)
                .where(col(InboundUpdate.platform) == self.platform)
                .where(col(InboundUpdate.status).not_in(OPEN))
                .where(col(InboundUpdate.received_at) < now - KEEP)
            )
