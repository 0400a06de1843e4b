"""One active scheduler per database: on SQLite a second one is refused; on PostgreSQL it
stands by, healthy, and takes over when the leader's connection closes."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.core.clock import ManualClock
from bot.core.services import Services
from bot.handlers.health import Health
from bot.storage.database import Database
from scheduler.jobs import build_scheduler
from scheduler.leadership import LOCK_KEY, FileLock, Leadership, NoLock, Role, lock_for
from tests.conftest import PG_URL


def _leadership(services: Services, health: Health) -> Leadership:
    return Leadership(lock_for(services.db),
                      lambda: build_scheduler(services, platforms=[], health=health),
                      health=health, retry=timedelta(0))


def _jobs(body: dict[str, object]) -> list[str]:
    return sorted(name for name in body["loops"] if name.startswith("job."))  # type: ignore[attr-defined]


async def test_a_second_lock_on_one_sqlite_file_is_refused_until_the_first_is_let_go(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'mesa.db'}"
    first, second = lock_for(Database(url)), lock_for(Database(url))
    assert isinstance(first, FileLock) and first.path == tmp_path / "mesa.db.scheduler.lock"
    assert await first.acquire()
    assert not await second.acquire()
    assert second.holder() == (f"another process (pid {os.getpid()}), "
                               f"lock file {tmp_path / 'mesa.db.scheduler.lock'}")
    await first.release()
    assert await second.acquire()
    await second.release()


async def test_an_in_memory_sqlite_database_needs_no_lock() -> None:
    assert isinstance(lock_for(Database("sqlite+aiosqlite://")), NoLock)
    assert isinstance(lock_for(Database("sqlite+aiosqlite:///:memory:")), NoLock)


async def test_a_second_scheduler_on_sqlite_is_refused_and_says_so(
    tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'mesa.db'}")
    await db.create_all()
    services = Services.build(db=db, clock=clock)
    leader_health, other_health = Health(clock), Health(clock)
    leader, other = _leadership(services, leader_health), _leadership(services, other_health)
    try:
        assert await leader.begin() is Role.LEADER
        with caplog.at_level(logging.WARNING):
            assert await other.begin() is Role.REFUSED
        assert other.scheduler is None
        assert f"refused in this process (pid {os.getpid()})" in caplog.text
        assert "SQLite allows one" in caplog.text
        healthy, body = await other_health.report()
        assert healthy and body["roles"] == {"scheduler": "refused"} and _jobs(body) == []
        _, body = await leader_health.report()
        assert body["roles"] == {"scheduler": "leader"}
        assert "job.session-pings" in _jobs(body)
    finally:
        await leader.end()
        await other.end()
        await db.dispose()


@pytest.mark.skipif(not PG_URL, reason="MESABOT_TEST_DATABASE_URL not set")
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
async def test_a_standby_takes_over_when_the_leaders_connection_closes(
    db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture,
) -> None:
    services = Services.build(db=db, clock=clock)
    first_health, second_health = Health(clock), Health(clock)
    first, second = _leadership(services, first_health), _leadership(services, second_health)
    try:
        assert await first.begin() is Role.LEADER
        assert await second.begin() is Role.STANDBY
        await second.round()
        assert second.role is Role.STANDBY and second.scheduler is None
        # a standby is healthy however long it waits: it has no jobs to be late with
        clock.advance(timedelta(days=2))
        healthy, body = await second_health.report()
        assert healthy and body["roles"] == {"scheduler": "standby"} and _jobs(body) == []

        async with db.engine.connect() as connection:  # the leader's connection is cut
            killed = await connection.scalar(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND ((classid::bigint << 32) | objid::bigint) = :key"), {"key": LOCK_KEY})
        assert killed
        with caplog.at_level(logging.INFO):
            await first.round()
            assert first.role is Role.STANDBY and first.scheduler is None
            assert "lost its lock on the database" in caplog.text
            _, body = await first_health.report()
            assert body["roles"] == {"scheduler": "standby"} and _jobs(body) == []
            await second.round()
            assert second.role is Role.LEADER
            assert second.scheduler is not None and second.scheduler.running
            assert "took over and now leads" in caplog.text
        await first.round()  # the lock is the other's now
        assert first.role is Role.STANDBY
        await second.end()  # stopped cleanly: the lock is free at once
        await first.round()
        assert first.role is Role.LEADER
    finally:
        await first.end()
        await second.end()


async def test_a_postgresql_out_of_reach_at_start_means_standing_by(
    clock: ManualClock, caplog: pytest.LogCaptureFixture,
) -> None:
    """The face still starts; the supervised rounds keep trying the lock."""
    db = Database("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    health = Health(clock)
    leadership = Leadership(lock_for(db), lambda: pytest.fail("no scheduler without the lock"),
                            health=health, retry=timedelta(0))
    try:
        with caplog.at_level(logging.WARNING):
            assert await leadership.begin() is Role.STANDBY
        assert "cannot take the scheduler's lock yet" in caplog.text
        with pytest.raises(OSError):  # logged by the supervisor, which tries again
            await leadership.round()
        assert leadership.role is Role.STANDBY
    finally:
        await leadership.end()
        await db.dispose()
