"""The scheduler's jobs, in one list. Each has a stable id and ``replace_existing``, so a
restart never duplicates a job; durable state lives in the database, not here.

Every job runs through :func:`_reported`: an error is logged with the job's id (the job
runs again at its next time) and each run reports to the health registry, so
``/healthz`` shows a job that keeps failing or stopped running.

Which process runs these jobs (one per database) is decided in
:mod:`scheduler.leadership`; this module only says what the jobs are.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.audit import AuditTrail
from bot.core.services import Services
from bot.handlers.health import Health
from bot.storage.drafts import Drafts
from bot.storage.inbox import Inbox

log = logging.getLogger(__name__)
audit_log = logging.getLogger("mesabot.audit")
Job = Callable[[], Awaitable[None]]


async def publish_audit_heads(services: Services) -> None:
    """Publish every audit chain's head outside the database: a line in each mesa's team
    chat, and in the log a readable line plus the JSON line ``mesabot audit verify
    --heads`` reads (the log can be grepped into a heads file)."""
    trail = AuditTrail(db=services.db, clock=services.clock)
    for head in await trail.publish_heads():
        events = f"{head.seq:,}".replace(",", ".")
        audit_log.info("cadena de auditoría %s: %s eventos, huella %s…", head.chain, events,
                       head.hash[:12])
        audit_log.info("audit head %s", head.line())


def health_name(job_id: str) -> str:
    """The name a job's heartbeat has in ``/healthz``."""
    return f"job.{job_id}"


def _reported(job_id: str, job: Job, health: Health | None) -> Job:
    async def run() -> None:
        try:
            await job()
        except Exception as error:
            log.exception("job %s failed; it runs again at its next time", job_id)
            if health is not None:
                health.failed(health_name(job_id), error)
        else:
            if health is not None:
                health.ok(health_name(job_id))

    return run


def build_scheduler(services: Services, *, platforms: list[str],
                    health: Health | None = None) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    def every(job_id: str, job: Job, interval: timedelta) -> None:
        """An interval job whose first run is as soon as the scheduler starts: a process
        that starts, or takes over from a leader that died, catches up at once instead
        of an interval later. ``coalesce`` folds runs missed while the loop was busy
        into one; ``misfire_grace_time`` stays APScheduler's default (1 s), since a run
        it skips loses nothing: each run reads what is due from the database, and the
        next one queues it (marked late when it is)."""
        if health is not None:  # stale when a run is overdue by the health threshold
            health.watch(health_name(job_id), stale_after=interval + health.max_age)
        scheduler.add_job(_reported(job_id, job, health), "interval",
                          seconds=interval.total_seconds(), id=job_id,
                          replace_existing=True, coalesce=True,
                          next_run_time=datetime.now(UTC))

    async def purge_inboxes() -> None:
        """Forget processed updates after a while (Telegram reuses ids after a week), and
        conversation drafts nobody finished."""
        for platform in platforms:
            await Inbox(services.db, platform).purge(now=services.clock.now())
            await Drafts(services.db, platform).purge(now=services.clock.now())

    async def publish_heads() -> None:
        await publish_audit_heads(services)

    async def queue_pings() -> None:
        """Pings before sessions: what is due is read from the database each minute, so
        a restart or a second process repeats nothing and misses nothing."""
        await services.reminders.tick()

    async def queue_agendas() -> None:
        """The agenda before each session, read from the database each minute like the
        pings: queued once, late if the bot was down, never after the session began."""
        await services.agenda_delivery.tick()

    async def top_up_series() -> None:
        """Sessions that recur: each running series keeps its next occurrences
        scheduled; the slots are in the database, so a run repeats nothing."""
        await services.series.top_up()

    async def queue_digests() -> None:
        """The ministers' daily digest: each minute the core looks whether a mesa's
        08:00 of a working day has come and its digest is not queued yet."""
        await services.escalations.tick()

    async def watch_cadence() -> None:
        """Cadence lapses and Monday's weekly summary: each minute the core looks
        whether a mesa's working morning has come; unique keys make each go once."""
        await services.cadence.tick()

    async def queue_nudges() -> None:
        """Nudges for what stalls: each minute the core looks for actions left without
        an owner or a date; each goes to a person once per session."""
        await services.nudges.tick()

    every("purge-inboxes", purge_inboxes, timedelta(hours=6))
    every("session-series", top_up_series, timedelta(hours=1))
    every("session-pings", queue_pings, timedelta(minutes=1))
    every("session-agendas", queue_agendas, timedelta(minutes=1))
    every("escalation-digest", queue_digests, timedelta(minutes=1))
    every("cadence-watch", watch_cadence, timedelta(minutes=1))
    every("stall-nudges", queue_nudges, timedelta(minutes=1))
    # 12:00 UTC: morning in the Americas, when the team reads its chat.
    if health is not None:
        health.watch(health_name("publish-audit-heads"),
                     stale_after=timedelta(days=1) + health.max_age)
    scheduler.add_job(_reported("publish-audit-heads", publish_heads, health), "cron",
                      hour=12, minute=0, id="publish-audit-heads", replace_existing=True,
                      coalesce=True)
    return scheduler
