"""The scheduler's jobs, in one list. Each has a stable id and ``replace_existing``, so a
restart never duplicates a job; durable state lives in the database, not here.

Every job runs through :func:`_reported`: an error is logged with the job's id (the job
runs again at its next time) and each run reports to the health registry, so
``/healthz`` shows a job that keeps failing or stopped running.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.services import Services
from bot.handlers.health import Health
from bot.storage.inbox import Inbox

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[None]]


def _reported(job_id: str, job: Job, health: Health | None) -> Job:
    async def run() -> None:
        try:
            await job()
        except Exception as error:
            log.exception("job %s failed; it runs again at its next time", job_id)
            if health is not None:
                health.failed(f"job.{job_id}", error)
        else:
            if health is not None:
                health.ok(f"job.{job_id}")

    return run


def build_scheduler(services: Services, *, platforms: list[str],
                    health: Health | None = None) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    def every(job_id: str, job: Job, interval: timedelta) -> None:
        if health is not None:  # stale when a run is overdue by the health threshold
            health.watch(f"job.{job_id}", stale_after=interval + health.max_age)
        scheduler.add_job(_reported(job_id, job, health), "interval",
                          seconds=interval.total_seconds(), id=job_id,
                          replace_existing=True, coalesce=True)

    async def purge_inboxes() -> None:
        """Forget processed updates after a while: Telegram reuses ids after a week."""
        for platform in platforms:
            await Inbox(services.db, platform).purge(now=services.clock.now())

    every("purge-inboxes", purge_inboxes, timedelta(hours=6))
    return scheduler
