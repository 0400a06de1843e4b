"""Fixtures shared by every test: a real database (SQLite, and PostgreSQL when
``MESABOT_TEST_DATABASE_URL`` is set), a held clock, and the core services."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.core.clock import ManualClock
from bot.core.services import Services
from bot.storage.database import Database
from tests.builders import Cast, forestry_mesa

LIMA = ZoneInfo("America/Lima")
#: Monday 11 January 2027, 09:00 in Lima: the week of SCENARIOS.md.
MONDAY = datetime(2027, 1, 11, 9, 0, tzinfo=LIMA)
PG_URL = os.environ.get("MESABOT_TEST_DATABASE_URL", "")
#: The audit key of this test run, as ``make run`` or ``mesabot run`` would make one.
AUDIT_KEY = secrets.token_hex(32)
AUDIT_KEYS = (AUDIT_KEY.encode(),)
_pg_schema_ready = False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test that reaches past this machine, as python-telegram-bot's tests do."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        local = ("127.0.0.1", "::1", "localhost")
        if isinstance(host, str) and host not in local and "/" not in host:
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


def _database_params() -> list[object]:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason="MESABOT_TEST_DATABASE_URL not set"),
        ),
    ]


@pytest.fixture(params=_database_params())
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    global _pg_schema_ready
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'mesa.db'}", audit_keys=AUDIT_KEYS)
        await database.create_all()
    else:
        database = Database(PG_URL, audit_keys=AUDIT_KEYS)
        async with database.engine.begin() as conn:
            if not _pg_schema_ready:
                await conn.run_sync(SQLModel.metadata.drop_all)
                await conn.run_sync(SQLModel.metadata.create_all)
                _pg_schema_ready = True
            else:
                names = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY)


@pytest.fixture
def services(db: Database, clock: ManualClock) -> Services:
    return Services.build(db=db, clock=clock)


@pytest.fixture
async def cast(services: Services) -> Cast:
    return await forestry_mesa(services)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say in one line why tests were skipped, instead of leaving an "s" to guess at."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = str(longrepr[2] if isinstance(longrepr, tuple) else longrepr)
        reasons[reason.removeprefix("Skipped: ")] = reasons.get(
            reason.removeprefix("Skipped: "), 0) + 1
    for reason, count in reasons.items():
        if "MESABOT_TEST_DATABASE_URL" in reason:
            terminalreporter.write_line(
                f"{count} test{'s' if count != 1 else ''} skipped because PostgreSQL is not "
                "configured here: set MESABOT_TEST_DATABASE_URL=postgresql+asyncpg://"
                "postgres@127.0.0.1:5432/test to run them too (CI does).")
        else:
            terminalreporter.write_line(f"{count} skipped: {reason}")
