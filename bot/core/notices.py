"""Notifications written to the outbox in the same transaction as the change.

A notice is a kind and JSON parameters; each face renders it in the reader's language
when it delivers, and only after the change has committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.audit import jsonable
from bot.core.enums import Audience
from bot.storage.tables import OutboxMessage


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
