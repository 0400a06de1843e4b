"""What waits to be delivered, for the health report: read-only counts, no locks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, true
from sqlmodel import col, select

from bot.storage.database import Database
from bot.storage.tables import OutboxDelivery, OutboxMessage

#: Delivery states that mean a face is finished with a notice.
FINISHED = ("sent", "skipped", "failed")
#: The faces that reach people. A private notice is addressed to one of them
#: (``outbox_message.platform``); any other face (the console) shows every notice.
PLATFORMS = ("telegram", "slack")


def addressed_to(platform: str) -> Any:
    """The notices ``platform`` delivers: those for every face (chat notices, old rows)
    and the private ones addressed to it."""
    if platform not in PLATFORMS:
        return true()
    return col(OutboxMessage.platform).is_(None) | (col(OutboxMessage.platform) == platform)


async def outbox_backlog(db: Database, *, platform: str, since: datetime
                         ) -> tuple[int, datetime | None]:
    """Notices written since ``since`` that ``platform`` has not finished with (none
    recorded, to retry, or being sent), and when the oldest of them was written."""
    async with db.read() as s:
        count, oldest = (await s.exec(
            select(func.count(), func.min(OutboxMessage.created_at))
            .select_from(OutboxMessage)
            .outerjoin(OutboxDelivery, (col(OutboxDelivery.outbox_id) == OutboxMessage.id)
                       & (col(OutboxDelivery.platform) == platform))
            .where(col(OutboxMessage.created_at) >= since)
            .where(addressed_to(platform))
            .where(col(OutboxDelivery.status).is_(None)
                   | col(OutboxDelivery.status).not_in(FINISHED))
        )).one()
        return int(count), oldest
