"""Supervised loops and ``/healthz``: a loop survives any error and reports its rounds; an
error no retry fixes stops the process; the health check says 503 when a loop is dead or
stuck, or a backlog is too old, so a supervisor can restart or alert."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import ClientSession, web

from bot.core.clock import ManualClock
from bot.core.services import Services
from bot.handlers.health import PATH, Fatal, Health
from bot.storage.database import Database
from bot.storage.inbox import Inbox, Incoming
from scheduler.jobs import build_scheduler

Get = Callable[[], Awaitable[tuple[int, dict[str, Any]]]]


def _health(clock: ManualClock, **kwargs: Any) -> Health:
    return Health(clock, max_age=timedelta(seconds=300), backoff=lambda failures: 0, **kwargs)


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Health], Awaitable[Get]]]:
    """Serve a registry's routes on a local port; returns a GET of ``/healthz``."""
    runners: list[web.AppRunner] = []

    async def start(health: Health) -> Get:
        app = web.Application()
        app.add_routes(health.routes())
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

        async def get() -> tuple[int, dict[str, Any]]:
            async with ClientSession() as http, http.get(
                f"http://127.0.0.1:{port}{PATH}"
            ) as response:
                return response.status, await response.json()

        return get

    yield start
    for runner in runners:
        await runner.cleanup()


async def test_a_loop_survives_any_error_and_reports_its_rounds(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    health = _health(clock)
    rounds: list[int] = []
    third = asyncio.Event()

    async def round_() -> None:
        rounds.append(len(rounds) + 1)
        if len(rounds) == 1:
            raise RuntimeError("database is locked")
        if len(rounds) == 3:
            third.set()
            await asyncio.Event().wait()  # a long round: the loop is alive in it

    task = health.start("work", round_)
    async with asyncio.timeout(10):  # a loop that died on the error never gets here
        await third.wait()
    _, body = await health.report()
    assert body["loops"]["work"] == {
        "running": True, "last_ok": clock.now().isoformat(), "seconds_since_ok": 0.0,
        "failures_in_a_row": 0, "last_error": "RuntimeError",
    }
    assert "work: round failed (1 in a row); going on: database is locked" in caplog.text
    task.cancel()


async def test_an_error_no_retry_fixes_stops_the_process(
    clock: ManualClock, serve: Callable[[Health], Awaitable[Get]]
) -> None:
    stopped = asyncio.Event()
    health = _health(clock, on_fatal=stopped.set)
    calls: list[int] = []

    async def round_() -> None:
        calls.append(1)
        raise Fatal("Telegram refused the bot token")

    await health.start("telegram.poll", round_)  # the loop ends...
    assert stopped.is_set() and calls == [1]  # ...at once, and the process is told to stop
    status, body = await (await serve(health))()
    assert status == 503
    assert body["problems"] == ["telegram.poll is not running",
                                "stopping: telegram.poll: Telegram refused the bot token"]


async def test_healthz_is_200_while_loops_turn_and_503_when_one_is_dead(
    clock: ManualClock, serve: Callable[[Health], Awaitable[Get]]
) -> None:
    health = _health(clock)
    turned = asyncio.Event()

    async def round_() -> None:
        turned.set()
        await asyncio.sleep(0.01)

    task = health.start("telegram.inbox", round_)
    await turned.wait()
    get = await serve(health)
    status, body = await get()
    assert (status, body["status"], body["problems"]) == (200, "ok", [])
    assert body["loops"]["telegram.inbox"]["running"] is True
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    status, body = await get()
    assert (status, body["problems"]) == (503, ["telegram.inbox is not running"])


async def test_healthz_is_503_when_a_loop_has_not_finished_a_round_for_too_long(
    clock: ManualClock, serve: Callable[[Health], Awaitable[Get]]
) -> None:
    health = _health(clock)
    started = asyncio.Event()

    async def hung() -> None:  # a round stuck on a call that never returns
        started.set()
        await asyncio.Event().wait()

    task = health.start("telegram.outbox", hung)
    await started.wait()
    get = await serve(health)
    clock.advance(timedelta(seconds=300))
    assert (await get())[0] == 200
    clock.advance(timedelta(seconds=1))
    status, body = await get()
    assert (status, body["problems"]) == (
        503, ["telegram.outbox has not completed a round for 301 s"])
    task.cancel()


async def test_healthz_is_503_when_the_oldest_waiting_update_is_too_old(
    db: Database, clock: ManualClock, serve: Callable[[Health], Awaitable[Get]]
) -> None:
    health = _health(clock)
    inbox = Inbox(db, "telegram")
    health.add_backlog("telegram.inbox", inbox.backlog)
    get = await serve(health)
    assert (await get())[1]["backlogs"] == {
        "telegram.inbox": {"pending": 0, "oldest_seconds": 0.0}}
    await inbox.store([Incoming(1, "a", {})], now=clock.now())
    clock.advance(timedelta(seconds=200))
    await inbox.store([Incoming(2, "b", {})], now=clock.now())
    status, body = await get()
    assert status == 200
    assert body["backlogs"] == {"telegram.inbox": {"pending": 2, "oldest_seconds": 200.0}}
    clock.advance(timedelta(seconds=101))
    status, body = await get()
    assert (status, body["problems"]) == (
        503, ["telegram.inbox: the oldest waiting item is 301 s old"])
    await inbox.finish(1, now=clock.now())  # processed: the backlog is young again
    assert (await get())[0] == 200


async def test_a_failing_scheduler_job_is_logged_and_runs_again(
    services: Services, clock: ManualClock, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    health = _health(clock)
    scheduler = build_scheduler(services, platforms=["telegram"], health=health)
    job = scheduler.get_job("purge-inboxes")
    assert job is not None
    real_purge = Inbox.purge
    failures = [RuntimeError("connection refused")]

    async def purge(self: Inbox, *, now: Any) -> None:
        if failures:
            raise failures.pop()
        await real_purge(self, now=now)

    monkeypatch.setattr(Inbox, "purge", purge)
    await job.func()  # does not raise: logged, and reported
    assert "job purge-inboxes failed" in caplog.text
    _, body = await health.report()
    assert body["loops"]["job.purge-inboxes"]["failures_in_a_row"] == 1
    clock.advance(timedelta(hours=1))
    await job.func()
    _, body = await health.report()
    assert body["loops"]["job.purge-inboxes"]["failures_in_a_row"] == 0
    assert body["loops"]["job.purge-inboxes"]["last_ok"] == clock.now().isoformat()
    clock.advance(timedelta(hours=6, seconds=301))  # its next run is long overdue
    healthy, body = await health.report()
    assert not healthy
    assert body["problems"][0].startswith("job.purge-inboxes has not completed a round")
