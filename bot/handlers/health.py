"""Keeps every background loop going, and tells a process supervisor whether it is.

A loop that ends on its first unexpected error leaves a process that looks alive (the
webhook still answers 200 and stores updates) while nothing is processed until someone
restarts it. So every loop runs its rounds through :meth:`Health.supervise`: an error is
logged, the loop backs off and goes on, and each successful round is a heartbeat. An
error that no retry can fix (:class:`Fatal`: a revoked token, another process polling the
same token) stops the whole process instead, with a clear message and a non-zero exit,
so the supervisor restarts it or alerts someone.

``GET /healthz`` reports the heartbeats and the backlogs, and answers 503 when a loop is
not running, has not finished a round for longer than the threshold, or when the oldest
waiting update or notice is older than it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.core.clock import Clock

log = logging.getLogger(__name__)
PATH = "/healthz"
#: Default for how old a backlog, or a loop's last successful round, may be.
MAX_AGE = timedelta(seconds=300)

Round = Callable[[], Awaitable[None]]
#: Counts what waits and returns when the oldest of it arrived (None if nothing waits).
Backlog = Callable[[datetime], Awaitable[tuple[int, datetime | None]]]


class Fatal(Exception):
    """An error no retry can fix: the process stops and exits non-zero."""


@dataclass
class LoopState:
    """What ``/healthz`` shows of one loop or scheduled job."""

    started_at: datetime
    stale_after: timedelta
    running: bool = True
    last_ok: datetime | None = None
    failures: int = 0
    #: The type of the last error only: a message may carry a URL with the token.
    last_error: str = ""


class Health:
    """The heartbeat registry every loop reports to, and the supervisor of their rounds.

    Args:
        clock: when rounds happened (a held clock in tests).
        max_age: how old a backlog or a loop's last successful round may be before the
            process is reported unhealthy.
        on_fatal: called once when a loop meets a :class:`Fatal` error (``mesabot run``
            passes the setter of its stop event).
        backoff: seconds to wait after the n-th failure in a row.
    """

    def __init__(self, clock: Clock, *, max_age: timedelta = MAX_AGE,
                 on_fatal: Callable[[], None] | None = None,
                 backoff: Callable[[int], float] | None = None) -> None:
        self.clock = clock
        self.max_age = max_age
        self.on_fatal = on_fatal
        self.backoff = backoff or (lambda failures: float(min(30, 2 ** (failures - 1))))
        self.loops: dict[str, LoopState] = {}
        self.backlogs: dict[str, Backlog] = {}
        #: Why the process is stopping, once a loop met a :class:`Fatal` error.
        self.fatal: str | None = None
        #: The part this process plays where only one may act, e.g. ``scheduler``:
        #: ``leader``, ``standby`` or ``refused`` (shown, never a problem in itself).
        self.roles: dict[str, str] = {}

    # what loops and jobs report

    def watch(self, name: str, *, stale_after: timedelta | None = None) -> LoopState:
        """Start reporting on ``name`` (a loop, or a job that runs every so often)."""
        state = LoopState(started_at=self.clock.now(), stale_after=stale_after or self.max_age)
        self.loops[name] = state
        return state

    def forget(self, name: str) -> None:
        """Stop reporting on ``name``: a job this process no longer runs (a scheduler
        that stands by is not late)."""
        self.loops.pop(name, None)

    def ok(self, name: str) -> None:
        state = self.loops.get(name) or self.watch(name)
        state.last_ok, state.failures = self.clock.now(), 0

    def failed(self, name: str, error: BaseException) -> None:
        state = self.loops.get(name) or self.watch(name)
        state.failures += 1
        state.last_error = type(error).__name__

    def stop(self, reason: str) -> None:
        """Stop the process: an error that no retry can fix."""
        if self.fatal is None:
            self.fatal = reason
            log.critical("Stopping: %s", reason)
            if self.on_fatal is not None:
                self.on_fatal()

    def add_backlog(self, name: str, backlog: Backlog) -> None:
        self.backlogs[name] = backlog

    # running loops

    def start(self, name: str, round_: Round, *,
              quiet: tuple[type[Exception], ...] = ()) -> asyncio.Task[None]:
        """Run ``round_`` over and over under :meth:`supervise`, as a task."""
        return asyncio.create_task(self.supervise(name, round_, quiet=quiet), name=name)

    @staticmethod
    async def stop_all(tasks: list[asyncio.Task[None]]) -> None:
        """Cancel the loops :meth:`start` gave, and wait until each has stopped."""
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        tasks.clear()

    async def supervise(self, name: str, round_: Round, *,
                        quiet: tuple[type[Exception], ...] = ()) -> None:
        """Run rounds until cancelled or a :class:`Fatal` error: any other error is
        logged, and the loop waits a little longer after each failure in a row. Errors
        of a ``quiet`` type (an expected outage, such as the network's) are logged in one
        line, without the traceback."""
        state = self.watch(name)
        try:
            while True:
                try:
                    await round_()
                except Fatal as error:
                    self.failed(name, error)
                    self.stop(f"{name}: {error}")
                    return
                except Exception as error:
                    self.failed(name, error)
                    expected = isinstance(error, quiet)
                    log.log(logging.WARNING if expected else logging.ERROR,
                            "%s: round failed (%s in a row); going on: %s", name,
                            state.failures, error, exc_info=not expected)
                    await asyncio.sleep(self.backoff(state.failures))
                else:
                    self.ok(name)
        finally:
            state.running = False

    # reporting

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """Whether the process is healthy, and the body ``/healthz`` answers with."""
        now = self.clock.now()
        problems: list[str] = []
        loops: dict[str, Any] = {}
        for name, state in self.loops.items():
            since = (now - (state.last_ok or state.started_at)).total_seconds()
            loops[name] = {
                "running": state.running,
                "last_ok": state.last_ok.isoformat() if state.last_ok else None,
                "seconds_since_ok": round(since, 1),
                "failures_in_a_row": state.failures,
                "last_error": state.last_error or None,
            }
            if not state.running:
                problems.append(f"{name} is not running")
            elif since > state.stale_after.total_seconds():
                problems.append(f"{name} has not completed a round for {since:.0f} s")
        backlogs: dict[str, Any] = {}
        for name, backlog in self.backlogs.items():
            try:
                count, oldest = await backlog(now)
            except Exception as error:
                log.exception("%s: cannot read the backlog", name)
                problems.append(f"{name}: cannot read the backlog ({type(error).__name__})")
                continue
            age = (now - oldest).total_seconds() if oldest is not None else 0.0
            backlogs[name] = {"pending": count, "oldest_seconds": round(age, 1)}
            if age > self.max_age.total_seconds():
                problems.append(f"{name}: the oldest waiting item is {age:.0f} s old")
        if self.fatal is not None:
            problems.append(f"stopping: {self.fatal}")
        body = {"status": "unhealthy" if problems else "ok", "problems": problems,
                "roles": dict(self.roles), "loops": loops, "backlogs": backlogs,
                "max_age_seconds": self.max_age.total_seconds()}
        return not problems, body

    def routes(self) -> list[web.RouteDef]:
        async def healthz(request: web.Request) -> web.Response:
            healthy, body = await self.report()
            return web.json_response(body, status=200 if healthy else 503)

        return [web.get(PATH, healthz)]
