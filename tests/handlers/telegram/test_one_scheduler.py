"""One active scheduler per database, between real processes: two ``mesabot run`` on one
PostgreSQL database send each ping once, one of them leads, and the other takes over
when the leader is killed; on SQLite a second scheduler is refused."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientError, ClientSession

from bot.app import EXIT_CONFIG
from bot.core.clock import SystemClock
from bot.core.services import Services
from bot.storage.database import Database
from bot.storage.migrate import upgrade
from tests.builders import forestry_mesa
from tests.conftest import AUDIT_KEY, PG_URL
from tests.handlers.telegram.conftest import TELEGRAM_IDS
from tests.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[3]
PING = "Recordatorio: la sesión 1"


@dataclass
class Process:
    """A ``mesabot`` subprocess and the lines it has logged so far."""

    proc: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)

    async def read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.lines.append(line.decode())

    @property
    def log(self) -> str:
        return "".join(self.lines)

    async def logged(self, fragment: str, seconds: float = 30) -> None:
        async with asyncio.timeout(seconds):
            while fragment not in self.log:  # noqa: ASYNC110 - another process writes
                await asyncio.sleep(0.05)


async def _mesabot(command: str, url: str, port: int, fake: FakeTelegram | None = None,
                   *, webhook: bool = False) -> tuple[Process, asyncio.Task[None]]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MESABOT_DATABASE_URL": url,
           "MESABOT_AUDIT_KEY": AUDIT_KEY, "MESABOT_HTTP_PORT": str(port),
           "MESABOT_LOG_LEVEL": "INFO", "MESABOT_INBOX_LEASE_SECONDS": "2"}
    if fake is not None:
        env |= {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url}
    if webhook:
        env |= {"TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
                "TELEGRAM_WEBHOOK_SECRET": "webhook-secret"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", command, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    process = Process(proc)
    return process, asyncio.create_task(process.read())


async def _stop(process: Process) -> int:
    if process.proc.returncode is None:
        process.proc.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.proc.wait(), 20)


async def _healthz(port: int) -> dict[str, Any]:
    """GET /healthz once the process listens, and once it has said its role."""
    async with asyncio.timeout(30), ClientSession() as http:
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    body: dict[str, Any] = await response.json()
                    if body["roles"]:
                        assert response.status == 200, body
                        return body
            except ClientError:
                pass
            await asyncio.sleep(0.1)


def _pings(fake: FakeTelegram, handle: str) -> list[str]:
    return [m["text"] for m in fake.sent(TELEGRAM_IDS[handle]) if PING in m["text"]]


async def _until_pinged(fake: FakeTelegram, handles: list[str], count: int,
                        seconds: float) -> None:
    async with asyncio.timeout(seconds):
        while any(len(_pings(fake, h)) < count for h in handles):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def _zone_with_a_day_ahead() -> str:
    """A zone where the next two hours stay in today, so a ping due now is sent now on any
    day: a ping due on a weekend or a holiday waits for the next working morning only
    when that morning comes before the session."""
    for zone in ("America/Lima", "Asia/Tokyo", "Europe/Madrid"):
        now = datetime.now(ZoneInfo(zone))
        if (now + timedelta(hours=2)).date() == now.date():
            return zone
    raise AssertionError("one of three zones eight hours apart is before 22:00")


def _in(minutes: int, zone: str) -> str:
    """A session's local day and time, typed as a coordinator would."""
    return f"{datetime.now(ZoneInfo(zone)) + timedelta(minutes=minutes):%d/%m/%Y %H:%M}"


@pytest.mark.timeout(240)
@pytest.mark.skipif(not PG_URL, reason="MESABOT_TEST_DATABASE_URL not set")
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
async def test_two_bot_processes_on_postgresql_send_each_ping_once_and_one_takes_over(
    db: Database, fake: FakeTelegram, unused_tcp_port_factory: Any,
) -> None:
    services = Services.build(db=db, clock=SystemClock())
    cast = await forestry_mesa(services)
    for handle, user_id in TELEGRAM_IDS.items():
        await services.members.link_identity(handle=handle, telegram_user_id=user_id)
    zone = _zone_with_a_day_ahead()
    for setting, values in (("ping_hours", ["1"]), ("day_hours", ["0", "24"]),
                            ("timezone", [zone])):
        await services.mesa_settings.change_by_admin(mesa="forestal", field=setting,
                                                     values=values)
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    for owner, words in ((cast.jorge, "Publicar"), (cast.lucia, "Supervisar")):
        ref = (await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1",
                                              text=words)).ref
        await services.actions.claim(actor=owner, ref=ref)
        await services.actions.confirm(actor=owner, ref=ref, due="en dos semanas")
    # its one ping (an hour before) was due five minutes ago
    await services.sessions.schedule(actor=cast.rosa, when=_in(55, zone))

    bots = [await _mesabot("run", PG_URL, port, fake, webhook=True)
            for port in (unused_tcp_port_factory(), unused_tcp_port_factory())]
    processes = [process for process, _ in bots]
    try:
        await _until_pinged(fake, ["jorge", "lucia"], 1, seconds=60)
        for process in processes:
            await process.logged("Mesa bot running")
        leaders = [p for p in processes if "leads on this database" in p.log]
        standbys = [p for p in processes if "stands by" in p.log]
        assert (len(leaders), len(standbys)) == (1, 1), [p.log for p in processes]
        leader, standby = leaders[0], standbys[0]

        leader.proc.send_signal(signal.SIGKILL)
        await leader.proc.wait()
        # moved: a new ping is due, for the session's new time
        await services.sessions.move(actor=cast.rosa, number=1, when=_in(50, zone))
        await standby.logged("took over and now leads", seconds=30)
        await _until_pinged(fake, ["jorge", "lucia"], 2, seconds=90)
        assert await _stop(standby) == 0
    finally:
        for process, reader in bots:
            if process.proc.returncode is None:
                process.proc.send_signal(signal.SIGKILL)
                await process.proc.wait()
            await reader
    for handle in ("jorge", "lucia"):  # each ping once: one for each time of the session
        first, second = _pings(fake, handle)
        assert first != second
    assert {h: len(_pings(fake, h)) for h in TELEGRAM_IDS} == {
        h: 2 if h in ("jorge", "lucia") else 0 for h in TELEGRAM_IDS}


async def test_on_sqlite_a_second_scheduler_is_refused(
    tmp_path: Path, fake: FakeTelegram, unused_tcp_port_factory: Any,
) -> None:
    """``mesabot scheduler`` leads and serves /healthz; a second one exits 2 naming the
    first; a ``mesabot run`` beside them runs its face without a scheduler and says so."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'mesa.db'}"
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    ports = [unused_tcp_port_factory() for _ in range(3)]
    first, first_reader = await _mesabot("scheduler", url, ports[0])
    second: tuple[Process, asyncio.Task[None]] | None = None
    bot: tuple[Process, asyncio.Task[None]] | None = None
    try:
        body = await _healthz(ports[0])
        assert body["roles"] == {"scheduler": "leader"}
        assert {name for name in body["loops"] if name.startswith("job.")} == {
            "job.purge-inboxes", "job.publish-audit-heads", "job.session-pings",
            "job.session-agendas", "job.session-series", "job.escalation-digest",
            "job.cadence-watch", "job.stall-nudges"}
        assert "scheduler.leadership" in body["loops"]

        second = await _mesabot("scheduler", url, ports[1])
        assert await asyncio.wait_for(second[0].proc.wait(), 30) == EXIT_CONFIG
        await second[1]
        assert f"another process (pid {first.proc.pid})" in second[0].log
        assert "SQLite allows one" in second[0].log

        bot = await _mesabot("run", url, ports[2], fake)
        body = await _healthz(ports[2])
        assert body["roles"] == {"scheduler": "refused"}
        assert not [name for name in body["loops"] if name.startswith(("job.", "scheduler."))]
        assert "telegram.outbox" in body["loops"]
        await bot[0].logged("runs its face without the scheduler")
        assert "WARNING" in bot[0].log
        assert await _stop(bot[0]) == 0
        assert await _stop(first) == 0
    finally:
        for process, reader in [(first, first_reader), *(p for p in (second, bot) if p)]:
            if process.proc.returncode is None:
                process.proc.send_signal(signal.SIGKILL)
                await process.proc.wait()
            await reader
