"""``mesabot run`` under a process supervisor: ``/healthz`` answers in polling mode, and
an error no retry can fix (another process polling the same token, a token Telegram
refuses) ends the process with a clear line and a non-zero exit."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from aiohttp import ClientError, ClientSession

from bot.app import EXIT_FATAL
from bot.storage.database import Database
from bot.storage.migrate import upgrade
from tests.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[3]


async def _start(tmp_path: Path, fake: FakeTelegram, port: int, token: str
                 ) -> asyncio.subprocess.Process:
    url = f"sqlite+aiosqlite:///{tmp_path / 'mesa.db'}"
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MESABOT_DATABASE_URL": url,
           "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": fake.base_url,
           "MESABOT_HTTP_PORT": str(port), "MESABOT_LOG_LEVEL": "WARNING"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )


async def _healthz(port: int) -> tuple[int, dict[str, object]]:
    """GET /healthz, once the process listens (it starts in a second or two)."""
    async with asyncio.timeout(30), ClientSession() as http:
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    return response.status, await response.json()
            except ClientError:
                await asyncio.sleep(0.1)


async def test_polling_mode_serves_healthz_and_a_second_poller_stops_the_process(
    tmp_path: Path, fake: FakeTelegram, unused_tcp_port: int
) -> None:
    bot = await _start(tmp_path, fake, unused_tcp_port, fake.token)
    try:
        status, body = await _healthz(unused_tcp_port)
        assert status == 200, body
        assert set(body["loops"]) == {  # type: ignore[arg-type]
            "telegram.poll", "telegram.inbox", "telegram.leases", "telegram.outbox",
            "job.purge-inboxes", "job.publish-audit-heads", "job.session-pings",
            "job.session-agendas", "job.session-series", "job.escalation-digest",
            "job.cadence-watch", "job.stall-nudges", "scheduler.leadership"}
        assert body["roles"] == {"scheduler": "leader"}  # the only process on this file
        assert set(body["backlogs"]) == {"telegram.inbox", "telegram.outbox"}  # type: ignore[arg-type]
        fake.fail_next("getUpdates", 409, "Conflict: terminated by other getUpdates request; "
                       "make sure that only one bot instance is running")
        fake.type(fake.person(1, "Ana"), fake.group(-1, "g"), "hola")  # ends the long poll
        assert await asyncio.wait_for(bot.wait(), 30) == EXIT_FATAL
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
    assert bot.stderr is not None
    logged = (await bot.stderr.read()).decode()
    assert "CRITICAL" in logged and "another process is polling with this token" in logged
    assert fake.token not in logged


async def test_a_token_telegram_refuses_stops_the_process_at_start(
    tmp_path: Path, fake: FakeTelegram, unused_tcp_port: int
) -> None:
    revoked = "123456:REVOKED-TOKEN-XYZ"
    bot = await _start(tmp_path, fake, unused_tcp_port, revoked)
    try:
        assert await asyncio.wait_for(bot.wait(), 30) == EXIT_FATAL
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
    assert bot.stderr is not None
    logged = (await bot.stderr.read()).decode()
    assert "Telegram refused the bot token" in logged
    assert "REVOKED-TOKEN-XYZ" not in logged
