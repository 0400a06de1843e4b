"""One active scheduler per database: the process that holds the scheduler's lock ticks
the jobs; any other stands by (PostgreSQL) or is refused (SQLite).

Every notice has a unique key, so two ticking processes would not send anything twice;
but each tick reads the whole schedule, and several processes ticking multiply that work
and make the log say the same thing from every process. So one leads, and the log and
``/healthz`` say which.

- **PostgreSQL**: a session-level advisory lock (``pg_try_advisory_lock``) taken on a
  connection of its own, kept outside any transaction for the life of the process. The
  database releases it when that connection closes, so a leader that dies, even by
  SIGKILL, frees it at once; a standby tries again every few seconds and takes over. The
  leader checks its connection at the same pace: if it is lost, it stops ticking (and
  says so loudly) until it holds the lock again, since another process may have it by
  then.
- **SQLite**: one process only, as SQLite is one machine's database. An OS file lock
  (``flock``) on ``<database>.scheduler.lock`` beside the file, held while the process
  lives (the OS drops it when the process dies). A second process does not wait: it is a
  mistake to tell about, so it runs without the scheduler and says why. An in-memory
  database belongs to its process: no lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from bot.handlers.health import Health
from bot.storage.database import Database
from scheduler.jobs import health_name

log = logging.getLogger(__name__)
#: The advisory lock's key: any fixed number, the same in every process of a database.
LOCK_KEY = 0x6D657361_0007  # "mesa", issue 7
#: How often a standby tries to take the lock, and the leader checks it still holds it.
RETRY = timedelta(seconds=5)
#: What ``/healthz`` calls this process's part (see :attr:`Health.roles`).
HEALTH_ROLE = "scheduler"


class Role(StrEnum):
    LEADER = "leader"
    STANDBY = "standby"
    REFUSED = "refused"


class SchedulerLock(Protocol):
    """The claim to run a database's scheduler, held by one process at a time."""

    #: Whether a process that did not get it waits for it (else it is refused).
    waits: bool

    async def acquire(self) -> bool:
        """Take the lock if it is free; True if this process holds it now."""

    async def held(self) -> bool:
        """Whether this process still holds it (False once its hold is lost)."""

    async def release(self) -> None: ...

    def holder(self) -> str:
        """Who holds it, in a few words for the log of a process that did not get it."""


class NoLock:
    """An in-memory SQLite database: no other process can see it."""

    waits = False

    async def acquire(self) -> bool:
        return True

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None

    def holder(self) -> str:
        return "nobody"


class FileLock:
    """``flock`` on a file beside the SQLite database; the holder writes its pid in it."""

    waits = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    async def acquire(self) -> bool:
        if self._file is None:
            self._file = await asyncio.to_thread(self._take)
        return self._file is not None

    def _take(self) -> IO[str] | None:
        file = self.path.open("a+")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return None
        file.truncate(0)
        file.write(f"{os.getpid()}\n")
        file.flush()
        return file

    async def held(self) -> bool:
        return self._file is not None  # the OS keeps it while the file is open

    async def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file releases the lock
            self._file = None

    def holder(self) -> str:
        try:
            pid = self.path.read_text().strip()
        except OSError:
            pid = ""
        return f"another process{f' (pid {pid})' if pid else ''}, lock file {self.path}"


class AdvisoryLock:
    """``pg_try_advisory_lock`` on a connection of its own, never in a transaction (an
    idle transaction held for days would stop vacuum), and not from the pool: closing a
    pooled connection would return it to the pool with the lock still held."""

    waits = True

    def __init__(self, db: Database, key: int = LOCK_KEY) -> None:
        self.key = key
        self.engine = create_async_engine(db.engine.url, poolclass=NullPool,
                                          isolation_level="AUTOCOMMIT")
        self._connection: AsyncConnection | None = None
        self._held = False

    async def acquire(self) -> bool:
        if self._held:
            return True
        try:
            async with asyncio.timeout(RETRY.total_seconds() * 2):
                if self._connection is None:
                    self._connection = await self.engine.connect()
                got = await self._connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
        except BaseException:
            await self._drop()
            raise
        self._held = bool(got)
        return self._held

    async def held(self) -> bool:
        """Ask the database through the lock's own connection: a closed or broken one
        means the database has released the lock, whoever holds it now."""
        if not self._held or self._connection is None:
            return False
        try:
            async with asyncio.timeout(RETRY.total_seconds() * 2):
                await self._connection.scalar(text("SELECT 1"))
        except Exception as error:
            log.debug("the scheduler lock's connection failed: %r", error)
            await self._drop()
            return False
        return True

    async def _drop(self) -> None:
        self._held = False
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(RETRY.total_seconds()):
                    await connection.close()

    async def release(self) -> None:
        await self._drop()  # closing the connection ends the session, and its lock
        await self.engine.dispose()

    def holder(self) -> str:
        return "another process"


def lock_for(db: Database) -> SchedulerLock:
    """The lock that decides who runs ``db``'s scheduler."""
    if not db.is_sqlite:
        return AdvisoryLock(db)
    database = make_url(db.url).database or ""
    if database in ("", ":memory:") or "mode=memory" in db.url:
        return NoLock()
    return FileLock(Path(f"{database}.scheduler.lock"))


class Leadership:
    """Runs the scheduler in this process while it holds the lock.

    Args:
        lock: the database's scheduler lock.
        build: makes the scheduler with its jobs; called each time this process takes
            the lead (a scheduler that was shut down is not started again).
        health: told the role, and forgets the jobs' heartbeats while not leading, so a
            standby is healthy rather than stale.
        retry: how often a standby tries the lock and the leader checks it.
    """

    def __init__(self, lock: SchedulerLock, build: Callable[[], AsyncIOScheduler], *,
                 health: Health | None = None, retry: timedelta = RETRY) -> None:
        self.lock = lock
        self.build = build
        self.health = health
        self.retry = retry
        self.role: Role | None = None
        self.scheduler: AsyncIOScheduler | None = None

    async def begin(self) -> Role:
        """The first try, before the process serves anything, so the log says early
        which part this process plays."""
        pid = os.getpid()
        try:
            got = await self.lock.acquire()
        except Exception as error:  # the database down at start: the rounds try again
            if not self.lock.waits:
                raise
            log.warning("Scheduler: this process (pid %s) cannot take the scheduler's lock "
                        "yet (%s: %s); it stands by and tries again every %s s.", pid,
                        type(error).__name__, error, round(self.retry.total_seconds()))
            return self._set(Role.STANDBY)
        if got:
            self._start()
            log.info("Scheduler: this process (pid %s) leads on this database; its jobs "
                     "tick here.", pid)
            return self._set(Role.LEADER)
        if self.lock.waits:
            log.info("Scheduler: this process (pid %s) stands by while %s runs the "
                     "scheduler on this database; it takes over if that one stops, "
                     "looking every %s s.", pid, self.lock.holder(),
                     round(self.retry.total_seconds()))
            return self._set(Role.STANDBY)
        log.warning("Scheduler: refused in this process (pid %s): %s runs the scheduler on "
                    "this SQLite database, and SQLite allows one. Use PostgreSQL to run "
                    "several processes.", pid, self.lock.holder())
        return self._set(Role.REFUSED)

    async def round(self) -> None:
        """Wait, then look once: the leader checks it still holds the lock, a standby
        tries to take it. Run under :meth:`Health.supervise`: an error (the database
        down) is logged and the next round tries again."""
        await asyncio.sleep(self.retry.total_seconds())
        if self.role is Role.LEADER and not await self.lock.held():
            self._stop()
            self._set(Role.STANDBY)
            log.error("Scheduler: this process (pid %s) lost its lock on the database (its "
                      "connection failed); it stopped ticking until it gets the lock back.",
                      os.getpid())
        elif self.role is Role.STANDBY and await self.lock.acquire():
            self._start()
            self._set(Role.LEADER)
            log.warning("Scheduler: this process (pid %s) took over and now leads on this "
                        "database; its jobs tick here.", os.getpid())

    async def end(self) -> None:
        self._stop()
        await self.lock.release()

    def _set(self, role: Role) -> Role:
        self.role = role
        if self.health is not None:
            self.health.roles[HEALTH_ROLE] = role.value
        return role

    def _start(self) -> None:
        self.scheduler = self.build()
        self.scheduler.start()

    def _stop(self) -> None:
        """Stop ticking here; a job already running finishes (its writes are keyed)."""
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is None:
            return
        names = [job.id for job in scheduler.get_jobs()]
        if scheduler.running:
            scheduler.shutdown(wait=False)
        if self.health is not None:
            for name in names:
                self.health.forget(health_name(name))
