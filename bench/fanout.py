"""The pings before a session, for every mesa at once, through ``mesabot run``.

A database is seeded with 500 mesas of 40 members each (20,000 people), 20 of whom in
each mesa own a confirmed action (10,000 owners), by bulk inserts. ``mesabot run`` is
started against it and a local Bot API server that keeps Telegram's sending limits (30
messages in any second; it answers 429 past them). Its resident memory is read idle;
then every mesa gets a session starting in half an hour with its ping an hour before,
so the scheduler's next look queues 10,000 pings at once and the outbox sends them.

Reported: how long the pings took from the first to the last against the time the
limits allow (one every 1/30 s), how many were refused with a 429, missing or sent
twice, and the process's resident memory idle and after the fan-out.

    .venv/bin/python bench/fanout.py            # 10,000 pings, about six minutes
    .venv/bin/python bench/fanout.py 1000       # or that many (50 mesas), for a try
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import ClientSession
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage.database import Database
from bot.storage.migrate import upgrade
from bot.storage.tables import (
    Action,
    Bottleneck,
    Entity,
    Member,
    Membership,
    Mesa,
    MesaSession,
    OutboxDelivery,
)
from tests.builders import free_port
from tests.conftest import AUDIT_KEY, AUDIT_KEYS
from tests.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
MEMBERS_PER_MESA = 40
OWNERS_PER_MESA = 20
#: Telegram's overall limit, which the server keeps.
PER_SECOND = 30
FIRST_USER = 50_000_000


async def seed(db: Database, mesas: int) -> None:
    """``mesas`` mesas, 40 members each, 20 of them owning one confirmed action."""
    now = datetime.now(UTC)
    due = (now + timedelta(days=10)).date()
    async with db.engine.begin() as conn:
        await conn.execute(insert(Entity), [{"name": "ENT", "full_name": "", "is_public": True}])
        entity = (await conn.execute(select(Entity.__table__.c.id))).scalar_one()
        await conn.execute(insert(Mesa), [{
            "slug": f"mesa-{m}", "name": f"Mesa {m}", "created_at": now, "ping_hours": "1",
            # the agenda would go at the session's start: not within this run
            "agenda_hours": 0, "day_starts": 0, "day_ends": 24, "next_bottleneck_no": 2,
            "next_action_no": OWNERS_PER_MESA + 1, "next_session_no": 2,
        } for m in range(mesas)])
        mesa_ids = list((await conn.execute(
            select(Mesa.__table__.c.id).order_by(Mesa.__table__.c.id))).scalars())
        people = mesas * MEMBERS_PER_MESA
        for start in range(0, people, 5_000):
            await conn.execute(insert(Member), [{
                "handle": f"p{k}", "name": f"Persona {k}", "language": "es",
                "telegram_user_id": FIRST_USER + k, "created_at": now,
            } for k in range(start, min(people, start + 5_000))])
        member_ids = list((await conn.execute(
            select(Member.__table__.c.id).order_by(Member.__table__.c.id))).scalars())
        await conn.execute(insert(Membership), [{
            "mesa_id": mesa_ids[k // MEMBERS_PER_MESA], "member_id": member_id,
            "role": "public_official" if k % 2 else "private_rep", "entity_id": entity,
            "active": True, "created_at": now,
        } for k, member_id in enumerate(member_ids)])
        await conn.execute(insert(Bottleneck), [{
            "mesa_id": mesa_id, "number": 1, "title": "Permisos de transporte",
            "reporter_id": member_ids[m * MEMBERS_PER_MESA], "status": "prioritized",
            "owner_class": "mp", "impact": 5, "ease": 4, "created_at": now, "updated_at": now,
        } for m, mesa_id in enumerate(mesa_ids)])
        bottlenecks = dict((await conn.execute(select(
            Bottleneck.__table__.c.mesa_id, Bottleneck.__table__.c.id))).all())
        await conn.execute(insert(Action), [{
            "mesa_id": mesa_id, "number": j + 1, "bottleneck_id": bottlenecks[mesa_id],
            "text": f"Publicar la guía revisada, parte {j + 1}",
            "proposer_id": member_ids[m * MEMBERS_PER_MESA + j],
            "owner_id": member_ids[m * MEMBERS_PER_MESA + j], "owner_entity_id": entity,
            "due_on": due, "status": "confirmed", "created_at": now, "updated_at": now,
        } for m, mesa_id in enumerate(mesa_ids) for j in range(OWNERS_PER_MESA)])


async def schedule_sessions(db: Database) -> None:
    """A session in half an hour in every mesa: its ping (an hour before) is due now."""
    starts = datetime.now(UTC) + timedelta(minutes=30)
    async with db.engine.begin() as conn:
        mesa_ids = list((await conn.execute(select(Mesa.__table__.c.id))).scalars())
        await conn.execute(insert(MesaSession), [
            {"mesa_id": mesa_id, "number": 1, "starts_at": starts, "kind": "regular",
             "status": "scheduled"} for mesa_id in mesa_ids])


def resident_mb(pid: int) -> tuple[float, float]:
    """The process's resident memory now and at its peak, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


async def healthy(port: int, seconds: float = 60) -> None:
    async with ClientSession() as http, asyncio.timeout(seconds):
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            await asyncio.sleep(0.2)


def private_messages(fake: FakeTelegram) -> Counter[int]:
    return Counter({chat: len(sent) for chat, sent in fake.messages.items() if chat > 0})


async def main(pings: int) -> None:
    mesas = max(1, pings // OWNERS_PER_MESA)
    pings = mesas * OWNERS_PER_MESA
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'fanout.db'}"
        db = Database(url, audit_keys=AUDIT_KEYS)
        await upgrade(db)
        await seed(db, mesas)
        fake = FakeTelegram(enforce_limits=True)
        await fake.start()
        port = free_port()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MESABOT_DATABASE_URL": url,
               "MESABOT_AUDIT_KEY": AUDIT_KEY, "TELEGRAM_BOT_TOKEN": fake.token,
               "TELEGRAM_API_BASE_URL": fake.base_url, "MESABOT_LOG_LEVEL": "WARNING",
               "MESABOT_HTTP_PORT": str(port)}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            await healthy(port)
            await asyncio.sleep(10)  # the scheduler's first looks, the pollers settled
            idle, _ = resident_mb(process.pid)
            await schedule_sessions(db)
            async with asyncio.timeout(120):  # the scheduler looks once a minute
                while not private_messages(fake):  # noqa: ASYNC110 - another process sends
                    await asyncio.sleep(0.01)
            first = time.monotonic()
            async with asyncio.timeout(pings / PER_SECOND * 3 + 120):
                while len(private_messages(fake)) < pings:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
            last = time.monotonic()
            await asyncio.sleep(5)  # a notice sent twice would show by now
            after, peak = resident_mb(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            code = await process.wait()
            await fake.stop()
        received = private_messages(fake)
        async with db.engine.connect() as conn:
            statuses = Counter((await conn.execute(
                select(OutboxDelivery.__table__.c.status))).scalars())
        await db.dispose()
    elapsed = last - first
    allowed = (pings - 1) / PER_SECOND
    print(f"fan-out: {pings:,} pings across {mesas} mesas "
          f"({mesas * MEMBERS_PER_MESA:,} members), Telegram's limits kept by the server")
    print(f"  first to last ping {elapsed:.1f} s; the limits allow {allowed:.1f} s "
          f"({allowed / elapsed:.2f}x of the allowed rate, {pings / elapsed:.1f} a second)")
    print(f"  refused with 429: {fake.limited}; missing: {pings - len(received)}; "
          f"sent twice: {sum(1 for n in received.values() if n > 1)}; "
          f"deliveries recorded: {dict(statuses)}")
    print(f"  mesabot run resident memory: idle {idle:.0f} MB, after {after:.0f} MB, "
          f"peak {peak:.0f} MB; exit code {code}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
