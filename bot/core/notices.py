"""Notifications written to the outbox in the same transaction as the change.

A notice is a kind and JSON parameters; each face renders it in the reader's language
when it delivers, and only after the change has committed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.audit import jsonable
from bot.core.channels import notice_platform
from bot.core.context import UseCases
from bot.core.enums import Audience, Role
from bot.storage.backlog import addressed_to
from bot.storage.tables import (
    ChatLink,
    Member,
    Membership,
    Mesa,
    MesaSession,
    OutboxDelivery,
    OutboxMessage,
)


def notify(
    session: AsyncSession,
    *,
    at: datetime,
    mesa_id: int,
    audience: Audience,
    kind: str,
    params: dict[str, Any],
    member_id: int | None = None,
    source: str = "",
    platform: str | None = None,
) -> None:
    """Queue a notice. ``source`` is where the change came from (a face's chat and
    message), so a face can spare that chat the news it has just been answered. A
    private notice is addressed to one platform as it is inserted (see
    :mod:`bot.core.channels`), unless ``platform`` names it (a notice that must reach
    an account other than the one just used)."""
    if (audience is Audience.MEMBER) != (member_id is not None):
        raise ValueError("a member notice needs a member, a chat notice none")
    message = OutboxMessage(
        mesa_id=mesa_id,
        audience=audience.value,
        member_id=member_id,
        kind=kind,
        params=jsonable(params),
        source=source[:200],
        created_at=at,
    )
    if platform is not None:
        message.platform = platform
    elif member_id is not None:  # a SQL expression: evaluated by the INSERT at flush
        message.platform = notice_platform(member_id)
    session.add(message)


async def notify_team_or_coordinators(
    session: AsyncSession, *, at: datetime, mesa_id: int, kind: str, params: dict[str, Any],
    source: str = "",
) -> None:
    """Queue a notice the team must act on (a role waiting for approval) for the team's
    chat; while the mesa has no team chat linked on any platform, each coordinator gets
    it privately instead, so nobody waits on a request no one was told of."""
    linked = (await session.exec(select(ChatLink.id).where(
        ChatLink.mesa_id == mesa_id, ChatLink.purpose == Audience.TEAM.value))).first()
    if linked is not None:
        notify(session, at=at, mesa_id=mesa_id, audience=Audience.TEAM, kind=kind,
               params=params, source=source)
        return
    coordinators = (await session.exec(select(Membership.member_id).where(
        Membership.mesa_id == mesa_id, Membership.role == Role.COORDINATOR.value,
        col(Membership.active).is_(True), col(Membership.removed_at).is_(None)))).all()
    for member_id in coordinators:
        notify(session, at=at, mesa_id=mesa_id, audience=Audience.MEMBER, member_id=member_id,
               kind=kind, params=params, source=source)


async def notify_once(
    session: AsyncSession,
    *,
    key: str,
    at: datetime,
    mesa_id: int,
    audience: Audience,
    kind: str,
    params: dict[str, Any],
    member_id: int | None = None,
    source: str = "scheduler",
) -> bool:
    """Queue a notice unless one with ``key`` was queued before; True when this call
    queued it. What the scheduler sends is remembered only by these keys, so looking at
    the same moment twice, or from two processes, queues it once."""
    if (audience is Audience.MEMBER) != (member_id is not None):
        raise ValueError("a member notice needs a member, a chat notice none")
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    connection = await session.connection()
    result = await connection.execute(
        insert(OutboxMessage).values(
            mesa_id=mesa_id, audience=audience.value, member_id=member_id, kind=kind,
            params=jsonable(params), source=source[:200], created_at=at, dedupe_key=key,
            platform=notice_platform(member_id) if member_id is not None else None,
        ).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    return bool(result.rowcount)


#: Notices older than this are not delivered any more: news that stale misleads. A notice
#: the platform keeps refusing for a passing reason is retried until then.
DELIVERY_WINDOW = timedelta(days=3)
#: An unexpected error (not the platform's answer) is retried this many times, then the
#: notice is recorded as failed: a notice that always breaks must not loop for days.
MAX_ATTEMPTS = 8
#: The wait after the first failed try; it doubles with each failure in a row, up to
#: :data:`LAST_RETRY`, so a platform that is down is not hammered and one that is back
#: gets everything within a few minutes.
FIRST_RETRY = timedelta(seconds=2)
LAST_RETRY = timedelta(minutes=5)
FINAL = ("sent", "skipped", "failed")
#: A delivery being made holds its message this long; then another worker may take it
#: (after a crash, the notice being sent then waits this long).
LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failed tries in a row."""
    if attempts < 1:
        return timedelta(0)
    doubled: timedelta = FIRST_RETRY * 2 ** min(attempts - 1, 20)
    return min(LAST_RETRY, doubled)


@dataclass(frozen=True)
class Pending:
    """A notification one face still has to deliver, with what it needs to address it."""

    id: int
    mesa_id: int
    mesa_name: str
    mesa_timezone: str
    audience: str
    language: str
    member_name: str | None
    member_telegram_id: int | None
    member_slack_id: str | None
    kind: str
    params: dict[str, Any]
    attempts: int
    source: str
    #: The chat on this platform a notice to a chat goes to, read with the notice;
    #: None when the mesa has none linked in that role (or it is a private notice).
    chat_id: str | None = None


@dataclass(frozen=True)
class Claim:
    """A notice taken for delivery: how many of its messages the platform already
    accepted (read under the lease, so it is what the last sender left)."""

    parts: int


async def _with_sent_agendas(s: AsyncSession, pending: list[Pending]) -> list[Pending]:
    """An agenda notice names its session; the whole agenda stored with it as it was
    sent is added to its parameters (as ``whole``), so a face can attach the documents
    made from it. Read here, once a session, instead of copied into every notice."""
    ids = {int(p.params["session_id"]) for p in pending
           if p.kind == "agenda" and p.params.get("session_id")}
    if not ids:
        return pending
    stored = {session_id: agenda for session_id, agenda in (await s.exec(
        select(MesaSession.id, MesaSession.agenda).where(col(MesaSession.id).in_(ids))
    )).all() if agenda and agenda.get("sent_at")}
    return [
        dataclasses.replace(p, params={**p.params, "whole": stored[p.params["session_id"]]})
        if p.kind == "agenda" and p.params.get("session_id") in stored else p
        for p in pending
    ]


class Outbox(UseCases):
    """The faces' side of the outbox: what to deliver, taking it, and what came of it.

    A delivery moves from nothing (or ``retry`` whose time has come) to ``sending`` (a
    lease of :attr:`lease`), records each accepted part, and ends ``sent``, ``skipped``,
    ``failed``, or ``retry`` with the time of its next try.
    """

    lease = LEASE

    def _due(self, now: datetime) -> Any:
        return (col(OutboxDelivery.status).is_(None)
                | ((col(OutboxDelivery.status) == "retry") & (col(OutboxDelivery.at) <= now))
                | ((col(OutboxDelivery.status) == "sending")
                   & (col(OutboxDelivery.at) < now - self.lease)))

    async def pending(self, *, platform: str, limit: int = 100) -> list[Pending]:
        """The oldest notifications ``platform`` has not finished with and may try now,
        each in its reader's language: a private notice only on the platform it was
        addressed to when written."""
        now = self.clock.now()
        async with self.db.read() as s:
            rows = (await s.exec(
                select(OutboxMessage, Mesa, Member, OutboxDelivery)
                .join(Mesa, col(Mesa.id) == OutboxMessage.mesa_id)
                .outerjoin(Member, col(Member.id) == OutboxMessage.member_id)
                .outerjoin(OutboxDelivery, (col(OutboxDelivery.outbox_id) == OutboxMessage.id)
                           & (col(OutboxDelivery.platform) == platform))
                .where(col(OutboxMessage.created_at) >= now - DELIVERY_WINDOW)
                .where(addressed_to(platform))
                .where(self._due(now))
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )).all()
            # where each goes, in the same reading transaction (not one more per notice)
            chats = {(mesa_id, purpose): chat_id for mesa_id, purpose, chat_id in (
                await s.exec(select(ChatLink.mesa_id, ChatLink.purpose, ChatLink.chat_id)
                             .where(ChatLink.platform == platform)
                             .where(col(ChatLink.mesa_id).in_({m.id for _, m, _, _ in rows})))
            ).all()} if rows else {}
            pending = [
                Pending(
                    id=message.id or 0,
                    mesa_id=mesa.id or 0,
                    mesa_name=mesa.name,
                    mesa_timezone=mesa.timezone,
                    audience=message.audience,
                    language=member.language if member else mesa.language,
                    member_name=member.name if member else None,
                    member_telegram_id=member.telegram_user_id if member else None,
                    member_slack_id=member.slack_user_id if member else None,
                    kind=message.kind,
                    params=dict(message.params),
                    attempts=delivery.attempts if delivery else 0,
                    source=message.source,
                    chat_id=chats.get((message.mesa_id, message.audience)),
                )
                for message, mesa, member, delivery in rows
            ]
            return await _with_sent_agendas(s, pending)

    async def claim(self, *, platform: str, outbox_id: int) -> Claim | None:
        """Take a notice for delivery on ``platform``; None if another worker has it
        (or its retry is not due yet).

        Several workers (or processes) may read the same pending notice; only the one
        that takes the lease sends it, so nobody gets a notice twice.
        """
        now = self.clock.now()
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        async with self.db.write() as s:
            connection = await s.connection()
            taken = await connection.execute(
                insert(OutboxDelivery)
                .values(outbox_id=outbox_id, platform=platform, status="sending", attempts=0,
                        errors=0, parts=0, detail="", at=now)
                .on_conflict_do_nothing(index_elements=["outbox_id", "platform"])
            )
            if taken.rowcount == 1:
                return Claim(parts=0)
            retaken = await connection.execute(
                update(OutboxDelivery)
                .where(col(OutboxDelivery.outbox_id) == outbox_id)
                .where(col(OutboxDelivery.platform) == platform)
                .where(((col(OutboxDelivery.status) == "retry") & (col(OutboxDelivery.at) <= now))
                       | ((col(OutboxDelivery.status) == "sending")
                          & (col(OutboxDelivery.at) < now - self.lease)))
                .values(status="sending", at=now)
                .returning(col(OutboxDelivery.parts))
            )
            parts = retaken.scalar_one_or_none()
            return None if parts is None else Claim(parts=int(parts))

    async def accepted(self, *, platform: str, outbox_id: int, parts: int) -> None:
        """Record that the platform accepted the first ``parts`` messages of a notice
        being sent (and renew its lease), committed before the next part is sent: a
        retry, or the process taking over after a crash, sends only the rest."""
        async with self.db.write() as s:
            connection = await s.connection()
            await connection.execute(
                update(OutboxDelivery)
                .where(col(OutboxDelivery.outbox_id) == outbox_id)
                .where(col(OutboxDelivery.platform) == platform)
                .where(col(OutboxDelivery.status) == "sending")
                .values(parts=parts, at=self.clock.now())
            )

    async def record(
        self, *, platform: str, outbox_id: int, status: str, detail: str = "",
        wait: timedelta | None = None,
    ) -> str:
        """Record a delivery and return the status it ends in.

        ``sent``, ``skipped`` and ``failed`` are final. ``retry`` is a passing failure
        the platform answered (busy, down, unreachable): tried again after a backoff (at
        least ``wait``, the platform's own retry-after) until the notice's delivery
        window ends, then ``failed``. ``error`` is an unexpected one: retried the same
        way, but only :data:`MAX_ATTEMPTS` times.
        """
        now = self.clock.now()
        async with self.db.write() as s:
            row = (await s.exec(
                select(OutboxDelivery).where(OutboxDelivery.outbox_id == outbox_id,
                                             OutboxDelivery.platform == platform)
            )).first()
            if row is None:
                row = OutboxDelivery(outbox_id=outbox_id, platform=platform, status=status,
                                     attempts=0, errors=0, parts=0, at=now)
            row.status, row.detail, row.at = status, detail[:200], now
            if status in ("retry", "error"):
                row.attempts += 1
                row.status = "retry"
                if status == "error":
                    row.errors += 1
                written = (await s.exec(select(OutboxMessage.created_at)
                                        .where(OutboxMessage.id == outbox_id))).one()
                row.at = now + max(backoff(row.attempts), wait or timedelta(0))
                if row.errors >= MAX_ATTEMPTS:
                    row.status = "failed"
                    row.detail = f"{MAX_ATTEMPTS} errors: {detail}"[:200]
                    row.at = now
                elif row.at > written + DELIVERY_WINDOW:
                    row.status = "failed"
                    row.detail = f"not delivered in {DELIVERY_WINDOW.days} days: {detail}"[:200]
                    row.at = now
            s.add(row)
            return row.status
