"""Notifications written to the outbox in the same transaction as the change.

A notice is a kind and JSON parameters; each face renders it in the reader's language
when it delivers, and only after the change has committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.audit import jsonable
from bot.core.context import UseCases
from bot.core.enums import Audience
from bot.storage.tables import Member, Mesa, OutboxMessage


def notify(
    session: AsyncSession,
    *,
    at: datetime,
    mesa_id: int,
    audience: Audience,
    kind: str,
    params: dict[str, Any],
    member_id: int | None = None,
) -> None:
    if (audience is Audience.MEMBER) != (member_id is not None):
        raise ValueError("a member notice needs a member, a chat notice none")
    session.add(
        OutboxMessage(
            mesa_id=mesa_id,
            audience=audience.value,
            member_id=member_id,
            kind=kind,
            params=jsonable(params),
            created_at=at,
        )
    )


@dataclass(frozen=True)
class Pending:
    """A notification to deliver, with what a face needs to address and word it."""

    id: int
    mesa_name: str
    mesa_timezone: str
    audience: str
    language: str
    member_name: str | None
    member_telegram_id: int | None
    member_slack_id: str | None
    kind: str
    params: dict[str, Any]


class Outbox(UseCases):
    async def pending(self, *, limit: int = 100) -> list[Pending]:
        """The oldest undelivered notifications; each in its reader's language."""
        async with self.db.read() as s:
            rows = await s.exec(
                select(OutboxMessage, Mesa, Member)
                .join(Mesa, col(Mesa.id) == OutboxMessage.mesa_id)
                .outerjoin(Member, col(Member.id) == OutboxMessage.member_id)
                .where(OutboxMessage.status == "pending")
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
            return [
                Pending(
                    id=message.id or 0,
                    mesa_name=mesa.name,
                    mesa_timezone=mesa.timezone,
                    audience=message.audience,
                    language=member.language if member else mesa.language,
                    member_name=member.name if member else None,
                    member_telegram_id=member.telegram_user_id if member else None,
                    member_slack_id=member.slack_user_id if member else None,
                    kind=message.kind,
                    params=dict(message.params),
                )
                for message, mesa, member in rows
            ]

    async def mark_sent(self, *, ids: list[int]) -> None:
        if not ids:
            return
        now = self.clock.now()
        async with self.db.write() as s:
            await s.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(ids))
                .values(status="sent", sent_at=now, attempts=OutboxMessage.attempts + 1)
            )
