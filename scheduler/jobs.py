"""The scheduler's jobs, in one list. Each has a stable id and ``replace_existing``, so a
restart never duplicates a job; durable state lives in the database, not here."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.services import Services
from bot.storage.inbox import Inbox


def build_scheduler(services: Services, *, platforms: list[str]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def purge_inboxes() -> None:
        """Forget processed updates after a while: Telegram reuses ids after a week."""
        for platform in platforms:
            await Inbox(services.db, platform).purge(now=services.clock.now())

    scheduler.add_job(purge_inboxes, "interval", hours=6, id="purge-inboxes",
                      replace_existing=True, coalesce=True)
    return scheduler
