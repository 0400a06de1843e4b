"""The agenda and the matrix of one large mesa, against reading the same rows raw.

A mesa is seeded with N bottlenecks, 5 actions on each and 5 progress updates on each
action (N, 5N, 25N rows; statuses, owners and dates mixed as a long-running mesa has
them), by bulk inserts. Then, in one run: the raw driver reading every bottleneck,
action and progress row of the mesa (the floor), the agenda a member asks for, and the
matrix. Reported as seconds and as a ratio to the floor; the process's peak resident
memory at the end.

    .venv/bin/python bench/agenda_scale.py              # 2,000 and 10,000 bottlenecks
    .venv/bin/python bench/agenda_scale.py 50000        # or the sizes given
"""

from __future__ import annotations

import asyncio
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.audit import new_key, parse_keys
from bot.core.clock import ManualClock
from bot.core.services import Services
from bot.storage.database import Database
from bot.storage.tables import Action, Bottleneck, Member, Mesa, ProgressUpdate
from tests.builders import Cast, forestry_mesa

KEYS = parse_keys(new_key())
NOW = datetime(2027, 1, 11, 14, 0, tzinfo=UTC)
BOTTLENECK_STATUSES = (["reported"] * 3 + ["accepted"] * 4 + ["resolved"] * 2
                       + ["rejected", "duplicate"])
ACTION_STATUSES = ["proposed", "claimed", "confirmed", "confirmed", "done", "done", "blocked",
                   "dropped"]


async def seed(services: Services, cast: Cast, n: int) -> None:
    """N bottlenecks (four of them prioritized), 5N actions, 25N progress updates."""
    rng = random.Random(n)
    async with services.db.engine.begin() as conn:
        mesa_id = cast.maria.mesa_id
        members = [m for m in (await conn.execute(Member.__table__.select())).all()]
        people = [m.id for m in members]
        first = (await conn.execute(
            Mesa.__table__.select().where(Mesa.__table__.c.id == mesa_id))).one()
        start_b, start_a = first.next_bottleneck_no, first.next_action_no
        bottlenecks = []
        for k in range(n):
            status = "prioritized" if k < 4 else rng.choice(BOTTLENECK_STATUSES)
            bottlenecks.append({
                "mesa_id": mesa_id, "number": start_b + k, "title": f"Cuello de botella {k}",
                "detail": "", "reporter_id": rng.choice(people),
                "owner_class": "unclassified" if status == "reported" else "mp",
                "request_kind": "productivity", "root_cause": None if status == "reported"
                else "implementation", "impact": rng.randint(1, 5), "ease": rng.randint(1, 5),
                "status": status, "status_reason": "",
                "created_at": NOW - timedelta(days=rng.randint(1, 700)),
                "updated_at": NOW - timedelta(days=rng.randint(0, 30)),
                "resolved_at": NOW - timedelta(days=3) if status == "resolved" else None})
        await conn.execute(insert(Bottleneck), bottlenecks)
        ids = [r.id for r in (await conn.execute(
            Bottleneck.__table__.select().where(Bottleneck.__table__.c.mesa_id == mesa_id)
            .order_by(Bottleneck.__table__.c.number))).all()][-n:]
        actions = []
        for k, bottleneck_id in enumerate(ids):
            for j in range(5):
                status = rng.choice(ACTION_STATUSES)
                owned = status != "proposed"
                actions.append({
                    "mesa_id": mesa_id, "number": start_a + 5 * k + j,
                    "bottleneck_id": bottleneck_id, "text": f"Acción {k}.{j}",
                    "proposer_id": rng.choice(people),
                    "owner_id": rng.choice(people) if owned else None,
                    "due_on": (NOW + timedelta(days=rng.randint(-40, 60))).date()
                    if status in ("confirmed", "blocked", "done") else None,
                    "status": status,
                    "blocked_reason": "budget" if status == "blocked" else None,
                    "blocked_detail": "", "created_at": NOW - timedelta(days=200),
                    "updated_at": NOW - timedelta(days=rng.randint(0, 60)),
                    "done_at": NOW - timedelta(days=5) if status == "done" else None})
        await conn.execute(insert(Action), actions)
        action_ids = [r.id for r in (await conn.execute(
            Action.__table__.select().where(Action.__table__.c.mesa_id == mesa_id))).all()]
        progress = [{"mesa_id": mesa_id, "action_id": action_id, "bottleneck_id": None,
                     "author_id": rng.choice(people), "text": f"Avance {i} de la acción",
                     "source": "", "at": NOW - timedelta(days=rng.randint(0, 400))}
                    for action_id in action_ids[-5 * n:] for i in range(5)]
        for chunk in range(0, len(progress), 20_000):
            await conn.execute(insert(ProgressUpdate), progress[chunk:chunk + 20_000])
        await conn.execute(Mesa.__table__.update().where(Mesa.__table__.c.id == mesa_id)
                           .values(next_bottleneck_no=start_b + n,
                                   next_action_no=start_a + 5 * n))


async def raw_read(path: Path, mesa_id: int) -> float:
    """The floor: every row the agenda could need, read by the raw driver."""
    async with aiosqlite.connect(path) as conn:
        start = time.perf_counter()
        for table in ("bottleneck", "action", "progressupdate"):
            async with conn.execute(f"SELECT * FROM {table} WHERE mesa_id = ?",
                                    (mesa_id,)) as cursor:
                await cursor.fetchall()
        return time.perf_counter() - start


async def timed(coroutine: object) -> float:
    start = time.perf_counter()
    await coroutine  # type: ignore[misc]
    return time.perf_counter() - start


async def one_size(n: int, folder: str) -> tuple[float, float, float]:
    path = Path(folder) / f"scale-{n}.db"
    db = Database(f"sqlite+aiosqlite:///{path}", audit_keys=KEYS)
    await db.create_all()
    clock = ManualClock(NOW)
    services = Services.build(db=db, clock=clock)
    cast = await forestry_mesa(services)
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await seed(services, cast, n)
    floor = await raw_read(path, cast.maria.mesa_id)
    agenda = await timed(services.agendas.compile(actor=cast.maria))
    matrix = await timed(services.reading.matrix(actor=cast.maria))
    await db.dispose()
    return floor, agenda, matrix


async def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [2_000, 10_000]
    print("SQLite: one mesa's agenda and matrix, against the raw read of its rows")
    print(f"  {'bottlenecks':>11} {'actions':>8} {'progress':>9} {'raw read':>9} "
          f"{'agenda':>16} {'matrix':>16}")
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            floor, agenda, matrix = await one_size(n, folder)
            print(f"  {n:>11,} {5 * n:>8,} {25 * n:>9,} {floor:>8.2f}s "
                  f"{agenda:>7.2f}s {agenda / floor:>6.1f}x {matrix:>7.2f}s "
                  f"{matrix / floor:>6.1f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak resident memory of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
