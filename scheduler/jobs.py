"""The scheduler's jobs, in one list. Each has a stable id and ``replace_existing``, so a
restart never duplicates a job; durable state lives in the database, not here."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.audit import AuditTrail
from bot.core.services import Services
from bot.storage.inbox import Inbox

log = logging.getLogger("mesabot.audit")


async def publish_audit_heads(services: Services) -> None:
    """Publish every audit chain's head outside the database: a line in each mesa's team
    chat, and in the log a readable line plus the JSON line ``mesabot audit verify
    --heads`` reads (the log can be grepped into a heads file)."""
    trail = AuditTrail(db=services.db, clock=services.clock)
    for head in await trail.publish_heads():
        events = f"{head.seq:,}".replace(",", ".")
        log.info("cadena de auditoría %s: %s eventos, huella %s…", head.chain, events,
                 head.hash[:12])
        log.info("audit head %s", head.line())


def build_scheduler(services: Services, *, platforms: list[str]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def purge_inboxes() -> None:
        """Forget processed updates after a while: Telegram reuses ids after a week."""
        for platform in platforms:
            await Inbox(services.db, platform).purge(now=services.clock.now())

    scheduler.add_job(purge_inboxes, "interval", hours=6, id="purge-inboxes",
                      replace_existing=True, coalesce=True)
    # 12:00 UTC: morning in the Americas, when the team reads its chat.
    scheduler.add_job(publish_audit_heads, "cron", hour=12, minute=0, args=[services],
                      id="publish-audit-heads", replace_existing=True, coalesce=True)
    return scheduler
