"""The agenda and the matrix of one large mesa, against reading the same rows raw.

A mesa is seeded with N bottlenecks, 5 actions on each and 5 progress updates on each
action (N, 5N, 25N rows; statuses, owners and dates mixed as a long-running mesa has
them), by bulk inserts. Then, in one run: the agenda a member asks for and the matrix,
each against its floor, the raw driver running the same SQL statements the bot ran for
it (so reading the same rows, with no ORM and no views); and, for scale, the raw driver
reading every bottleneck, action and progress row of the mesa. Each is read once to
warm up, then three times; reported as the median in seconds and as ratios; the
process's peak resident memory at the end.

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
from statistics import median
from typing import Any

import aiosqlite
from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.audit import new_key, parse_keys
from bot.core.clock import ManualClock
from bot.core.services import Services
from bot.storage.database import Database
from bot.storage.tables import Action, Bottleneck, Member, Mesa, ProgressUpdate
from tests.builders import Cast, forestry_mesa

KEYS = parse_keys(new_key())
#: Timed readings of each (after one that warms up); the median is reported.
RUNS = 3
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
        # Progress on an action names its bottleneck too, as the bot records it.
        progress = [{"mesa_id": mesa_id, "action_id": action_id,
                     "bottleneck_id": ids[k // 5],
                     "author_id": rng.choice(people), "text": f"Avance {i} de la acción",
                     "source": "", "at": NOW - timedelta(days=rng.randint(0, 400))}
                    for k, action_id in enumerate(action_ids[-5 * n:]) for i in range(5)]
        for chunk in range(0, len(progress), 20_000):
            await conn.execute(insert(ProgressUpdate), progress[chunk:chunk + 20_000])
        await conn.execute(Mesa.__table__.update().where(Mesa.__table__.c.id == mesa_id)
                           .values(next_bottleneck_no=start_b + n,
                                   next_action_no=start_a + 5 * n))


async def raw_read(path: Path, mesa_id: int) -> float:
    """Every row of the mesa, read by the raw driver: what reading it all would cost."""
    async with aiosqlite.connect(path) as conn:
        start = time.perf_counter()
        for table in ("bottleneck", "action", "progressupdate"):
            async with conn.execute(f"SELECT * FROM {table} WHERE mesa_id = ?",
                                    (mesa_id,)) as cursor:
                await cursor.fetchall()
        return time.perf_counter() - start


async def timed(db: Database, coroutine: object) -> tuple[float, list[tuple[str, Any]]]:
    """How long ``coroutine`` took, and every SQL statement it ran with its parameters."""
    statements: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    try:
        start = time.perf_counter()
        await coroutine  # type: ignore[misc]
        return time.perf_counter() - start, statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", note)


async def replayed(path: Path, statements: list[tuple[str, Any]]) -> float:
    """The floor: the same statements, read whole by the raw driver in one transaction."""
    async with aiosqlite.connect(path) as conn:
        start = time.perf_counter()
        for statement, parameters in statements:
            async with conn.execute(statement, parameters) as cursor:
                await cursor.fetchall()
        return time.perf_counter() - start


async def one_size(n: int, folder: str) -> tuple[float, float, float, float, float]:
    path = Path(folder) / f"scale-{n}.db"
    db = Database(f"sqlite+aiosqlite:///{path}", audit_keys=KEYS)
    await db.create_all()
    clock = ManualClock(NOW)
    services = Services.build(db=db, clock=clock)
    cast = await forestry_mesa(services)
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await seed(services, cast, n)
    everything = await raw_read(path, cast.maria.mesa_id)
    # A running bot has compiled each statement before (SQLAlchemy caches it), so one
    # reading of each warms up; then the median of three, and the same for the floors.
    agenda_runs = [await timed(db, services.agendas.compile(actor=cast.maria))
                   for _ in range(RUNS + 1)][1:]
    matrix_runs = [await timed(db, services.reading.matrix(actor=cast.maria))
                   for _ in range(RUNS + 1)][1:]
    await db.dispose()
    agenda_sql, matrix_sql = agenda_runs[0][1], matrix_runs[0][1]
    return (everything, median(t for t, _ in agenda_runs),
            median([await replayed(path, agenda_sql) for _ in range(RUNS)]),
            median(t for t, _ in matrix_runs),
            median([await replayed(path, matrix_sql) for _ in range(RUNS)]))


async def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [2_000, 10_000]
    print("SQLite: one mesa's agenda and matrix, each against the raw driver running its "
          "own SQL")
    print(f"  {'bottlenecks':>11} {'actions':>8} {'progress':>9} {'all rows raw':>12} "
          f"{'agenda':>7} {'its SQL':>8} {'ratio':>6} {'matrix':>7} {'its SQL':>8} "
          f"{'ratio':>6}")
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            everything, agenda, agenda_floor, matrix, matrix_floor = await one_size(n, folder)
            print(f"  {n:>11,} {5 * n:>8,} {25 * n:>9,} {everything:>11.2f}s "
                  f"{agenda:>6.3f}s {agenda_floor:>7.3f}s {agenda / agenda_floor:>5.1f}x "
                  f"{matrix:>6.3f}s {matrix_floor:>7.3f}s {matrix / matrix_floor:>5.1f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak resident memory of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
