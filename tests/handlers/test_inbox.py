"""Processes draining one inbox: each update handled once, each chat in order; a dead
process's chats resume within seconds, a live one keeps its long updates, and a database
error on one update leaves the others going."""

from __future__ import annotations

import asyncio
import contextlib
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.core.clock import ManualClock
from bot.handlers.inbox import IDLE_SECONDS, InboxRunner
from bot.storage.database import Database
from bot.storage.inbox import Inbox, Incoming
from tests.conftest import PG_URL


async def test_two_runners_share_the_work_without_doubling_or_reordering(
    db: Database, clock: ManualClock
) -> None:
    inbox = Inbox(db, "telegram")
    updates = [Incoming(100 + k, f"chat{k % 4}", {"k": k}) for k in range(40)]
    assert await inbox.store(updates, now=clock.now()) == 40
    assert await inbox.store(updates[:5], now=clock.now()) == 0  # redelivered: dropped

    handled: list[tuple[str, int, str]] = []
    rng = random.Random(3)

    def handler(name: str):  # type: ignore[no-untyped-def]
        async def handle(item: Incoming) -> None:
            handled.append((item.chat_key, item.update_id, name))
            await asyncio.sleep(rng.random() / 200)
        return handle

    first, second = (InboxRunner(inbox, handler(n), clock) for n in ("A", "B"))
    for _ in range(30):
        await asyncio.gather(first.run_pending(), second.run_pending())
        if not await inbox.pending(now=clock.now()):
            break

    ids = [update_id for _, update_id, _ in handled]
    assert sorted(ids) == [u.update_id for u in updates]  # all of them, each once
    for chat in {u.chat_key for u in updates}:
        in_chat = [update_id for key, update_id, _ in handled if key == chat]
        assert in_chat == sorted(in_chat), chat


class _Stuck:
    """A handler that holds the first update of chat ``stuck`` until released, as a long
    update (or a process that died in the middle of one) does."""

    def __init__(self) -> None:
        self.handled: list[tuple[str, int]] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def handle(self, item: Incoming) -> None:
        if item.chat_key == "stuck" and not self.started.is_set():
            self.started.set()
            await self.release.wait()
        self.handled.append((item.chat_key, item.update_id))


async def test_a_crashed_process_chat_resumes_within_15_seconds(
    db: Database, clock: ManualClock
) -> None:
    inbox = Inbox(db, "telegram")
    await inbox.store([Incoming(1, "stuck", {}), Incoming(2, "stuck", {})], now=clock.now())
    crashed, survivor = _Stuck(), _Stuck()
    survivor.started.set()  # the survivor's handler does not hang
    first = InboxRunner(inbox, crashed.handle, clock)
    task = asyncio.create_task(first.run_pending())
    await crashed.started.wait()
    task.cancel()  # the process dies holding update 1: its claim stays in the database
    with contextlib.suppress(asyncio.CancelledError):
        await task

    second = InboxRunner(inbox, survivor.handle, clock)
    await second.run_pending()
    assert survivor.handled == []  # the chat is still held...
    clock.advance(timedelta(seconds=15) - timedelta(seconds=IDLE_SECONDS))
    await second.run_pending()  # ...and taken over on the first round after 15 s at most
    assert survivor.handled == [("stuck", 1), ("stuck", 2)]


async def test_a_live_process_keeps_a_long_update_by_renewing_its_claim(
    db: Database, clock: ManualClock
) -> None:
    inbox = Inbox(db, "telegram")
    await inbox.store([Incoming(1, "stuck", {}), Incoming(2, "stuck", {})], now=clock.now())
    slow, other = _Stuck(), _Stuck()
    other.started.set()
    first = InboxRunner(inbox, slow.handle, clock)
    second = InboxRunner(inbox, other.handle, clock)
    task = asyncio.create_task(first.run_pending())
    await slow.started.wait()
    for _ in range(4):  # 32 s in all, far past one lease, renewed every 8 s
        clock.advance(timedelta(seconds=8))
        await first.renew_claims()
        await second.run_pending()
    assert other.handled == []  # nobody took the chat from the live process
    slow.release.set()
    await task
    await second.run_pending()
    assert slow.handled + other.handled == [("stuck", 1), ("stuck", 2)]


async def test_a_database_error_on_one_update_is_logged_and_the_rest_goes_on(
    db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = Inbox(db, "telegram")
    await inbox.store([Incoming(7, "a", {}), Incoming(8, "a", {}), Incoming(9, "b", {})],
                      now=clock.now())
    real_claim = inbox.claim
    failures = [OperationalError("UPDATE inbound_update", {}, Exception("database is locked"))]

    async def claim(update_id: int, **kwargs: Any) -> bool:
        if update_id == 7 and failures:
            raise failures.pop()
        return await real_claim(update_id, **kwargs)

    inbox.claim = claim  # type: ignore[method-assign]
    stuck = _Stuck()
    stuck.started.set()
    runner = InboxRunner(inbox, stuck.handle, clock)
    await runner.run_pending()  # does not raise: chat b is processed, chat a waits
    assert stuck.handled == [("b", 9)]
    assert "update 7: not processed" in caplog.text
    await runner.run_pending()
    assert stuck.handled == [("b", 9), ("a", 7), ("a", 8)]


@pytest.mark.skipif(not PG_URL, reason="MESABOT_TEST_DATABASE_URL not set")
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
async def test_connections_the_server_dropped_fail_one_update_which_is_carried_out_later(
    db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture,
) -> None:
    """The pool does not ping before each checkout (a round trip every time): when
    PostgreSQL drops its connections (a restart, a failover), the first use fails as a
    disconnect, the pool renews what it holds, and every update is carried out once."""
    from sqlalchemy import text

    from bot.core.services import Services
    from tests.builders import forestry_mesa

    services = Services.build(db=db, clock=clock)
    cast = await forestry_mesa(services)
    inbox = Inbox(db, "telegram")

    async def handle(item: Incoming) -> None:
        await services.bottlenecks.log(actor=cast.maria, text=f"Registro lento {item.update_id}")

    runner = InboxRunner(inbox, handle, clock)
    await inbox.store([Incoming(1, "a", {})], now=clock.now())
    await runner.run_pending()  # the pool's connections are open and idle now
    admin = Database(str(db.url))
    async with admin.engine.connect() as connection:
        dropped = await connection.scalar(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    await admin.dispose()
    assert dropped

    for _ in range(3):  # as the face's next poll round (or Telegram's webhook retry) does
        try:
            await inbox.store([Incoming(2, "a", {})], now=clock.now())
            break
        except DBAPIError as error:
            assert error.connection_invalidated  # a disconnect: the pool renews its own
    for _ in range(5):
        await runner.run_pending()
        if not await inbox.pending(now=clock.now()):
            break
        clock.advance(timedelta(seconds=30))
    matrix = await services.reading.matrix(actor=cast.rosa)
    assert sorted(b.title for b in matrix.awaiting_triage) == [
        "Registro lento 1", "Registro lento 2"]  # each once
