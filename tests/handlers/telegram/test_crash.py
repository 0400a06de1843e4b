"""The bot process killed (SIGKILL) in the middle of a burst of updates and restarted:
every update is processed exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import text

from bot.core.clock import SystemClock
from bot.core.services import Services
from bot.storage.database import Database
from bot.storage.migrate import upgrade
from tests.builders import forestry_mesa, free_port
from tests.conftest import AUDIT_KEY, AUDIT_KEYS
from tests.handlers.telegram.conftest import TELEGRAM_IDS
from tests.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[3]
BURST = 60


async def _count(db: Database) -> int:
    async with db.engine.connect() as connection:
        result = await connection.execute(
            text("SELECT count(*) FROM progressupdate WHERE text LIKE 'nota %'")
        )
        return int(result.scalar_one())


async def _bot(url: str, fake: FakeTelegram) -> asyncio.subprocess.Process:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MESABOT_DATABASE_URL": url,
           "MESABOT_AUDIT_KEY": AUDIT_KEY,
           "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
           "MESABOT_LOG_LEVEL": "WARNING", "MESABOT_HTTP_PORT": str(free_port()),
           # what the killed process held is taken over after this (10 s by default)
           "MESABOT_INBOX_LEASE_SECONDS": "2"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )


async def _until(db: Database, at_least: int, seconds: float = 60) -> None:
    """Wait until ``at_least`` notes are stored (polling the database another process
    writes; there is no event to wait on across processes)."""
    async with asyncio.timeout(seconds):
        while await _count(db) < at_least:  # noqa: ASYNC110 - another process writes
            await asyncio.sleep(0.01)


async def test_killed_mid_burst_and_restarted_processes_each_update_once(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'mesa.db'}"
    db = Database(url, audit_keys=AUDIT_KEYS)
    await upgrade(db)
    services = Services.build(db=db, clock=SystemClock())
    cast = await forestry_mesa(services)
    for handle, user_id in TELEGRAM_IDS.items():
        await services.members.link_identity(handle=handle, telegram_user_id=user_id)
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")

    fake = FakeTelegram()
    await fake.start()
    writers = ["maria", "jorge", "lucia", "rosa", "andres"]
    users = {h: fake.person(TELEGRAM_IDS[h], h) for h in writers}
    for k in range(BURST):  # from five private chats, interleaved
        handle = writers[k % len(writers)]
        fake.type(users[handle], fake.private(users[handle]), f"/avance A-1 nota {k}")

    first = await _bot(url, fake)
    try:
        await _until(db, 5)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        killed_at = await _count(db)
        assert 0 < killed_at < BURST, "the kill should land in the middle of the burst"

        second = await _bot(url, fake)
        try:
            await _until(db, BURST)
            await asyncio.sleep(0.5)  # anything processed twice would show by now
        finally:
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), 20) == 0

        async with db.engine.connect() as connection:
            rows = await connection.execute(text(
                "SELECT text, count(*) FROM progressupdate WHERE text LIKE 'nota %' GROUP BY text"
            ))
            counts = dict(rows.all())
        assert counts == {f"nota {k}": 1 for k in range(BURST)}
    finally:
        await fake.stop()
        await db.dispose()




async def test_mesabot_run_in_webhook_mode_takes_updates_only_with_the_secret(
    tmp_path: Path, unused_tcp_port: int
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'mesa.db'}"
    db = Database(url, audit_keys=AUDIT_KEYS)
    await upgrade(db)
    services = Services.build(db=db, clock=SystemClock())
    await forestry_mesa(services)
    await services.members.link_identity(handle="maria", telegram_user_id=TELEGRAM_IDS["maria"])
    fake = FakeTelegram()
    await fake.start()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MESABOT_DATABASE_URL": url,
           "MESABOT_AUDIT_KEY": AUDIT_KEY,
           "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
           "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{unused_tcp_port}/telegram",
           "TELEGRAM_WEBHOOK_SECRET": "webhook-secret", "MESABOT_HTTP_PORT": str(unused_tcp_port),
           "MESABOT_LOG_LEVEL": "WARNING"}
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(30):
            while fake.webhook.get("url") is None:  # noqa: ASYNC110 - the bot registers it
                await asyncio.sleep(0.05)
        assert fake.webhook == {"url": env["TELEGRAM_WEBHOOK_URL"], "secret": "webhook-secret"}
        maria = fake.person(TELEGRAM_IDS["maria"], "María")
        update = fake.type(maria, fake.private(maria), "/problema Registro lento")
        fake.updates.clear()
        assert await fake.push_webhook(update, secret="nope") == 401
        assert await fake.push_webhook(update) == 200
        await fake.wait_for_text(TELEGRAM_IDS["maria"], "Registrado como P-1")
    finally:
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), 20) == 0
        await fake.stop()
        await db.dispose()
