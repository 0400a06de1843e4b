"""How much a core use case costs next to the cheapest durable write, in one run.

Baseline: one transaction of four small inserts and one update through the raw driver
(aiosqlite, asyncpg), the yardstick in DESIGN.md. Against it: logging a bottleneck and
posting progress through the core (membership check, row locks, audit chain, outbox,
views). Reported as operations a second and as a ratio to the baseline.

    .venv/bin/python bench/core_throughput.py            # SQLite
    MESABOT_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/core_throughput.py        # and PostgreSQL (drops tables)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite
import asyncpg
from sqlmodel import SQLModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.audit import new_key, parse_keys
from bot.core.clock import SystemClock
from bot.core.services import Services
from bot.storage.database import Database
from tests.builders import forestry_mesa

KEYS = parse_keys(new_key())  # a fresh audit key for the run

N = 300
SCRATCH = "CREATE TABLE IF NOT EXISTS bench_row (id INTEGER PRIMARY KEY, v TEXT)"


async def rate(n: int, op: Callable[[int], Awaitable[object]], workers: int = 1) -> float:
    async def worker(k: int) -> None:
        for i in range(k, n, workers):
            await op(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(workers)))
    return n / (time.perf_counter() - start)


async def sqlite_baseline(path: Path) -> float:
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute(SCRATCH)

        async def tx(i: int) -> None:
            await conn.execute("BEGIN IMMEDIATE")
            for j in range(4):
                await conn.execute("INSERT INTO bench_row (v) VALUES (?)", (f"{i}-{j}",))
            await conn.execute("UPDATE bench_row SET v = 'x' WHERE id = 1")
            await conn.execute("COMMIT")

        return await rate(N, tx)


async def pg_baseline(url: str, workers: int) -> float:
    pool = await asyncpg.create_pool(url.replace("+asyncpg", ""), min_size=workers,
                                     max_size=workers)
    async with pool.acquire() as conn:
        await conn.execute("DROP TABLE IF EXISTS bench_row")
        await conn.execute("CREATE TABLE bench_row (id SERIAL PRIMARY KEY, v TEXT)")

    async def tx(i: int) -> None:
        async with pool.acquire() as conn, conn.transaction():
            for j in range(4):
                await conn.execute("INSERT INTO bench_row (v) VALUES ($1)", f"{i}-{j}")
            await conn.execute("UPDATE bench_row SET v = 'x' WHERE id = 1")

    try:
        return await rate(N, tx, workers)
    finally:
        await pool.close()


async def core_rates(db: Database, workers: int) -> dict[str, float]:
    services = Services.build(db=db, clock=SystemClock())
    cast = await forestry_mesa(services)
    people = [cast.maria, cast.andres, cast.jorge, cast.lucia, cast.rosa]
    logged = await rate(N, lambda i: services.bottlenecks.log(
        actor=people[i % len(people)], text=f"Problema {i}"), workers)
    posted = await rate(N, lambda i: services.progress.post(
        actor=people[i % len(people)], ref="P-1", text=f"Avance {i}"), workers)
    matrix = await rate(50, lambda i: services.reading.matrix(actor=cast.tom), workers)
    return {"log a bottleneck": logged, "post progress": posted,
            f"read the matrix ({N} bottlenecks)": matrix}


def report(title: str, baseline: float, rates: dict[str, float]) -> None:
    print(f"\n{title}: raw-driver baseline {baseline:,.0f} tx/s")
    for name, value in rates.items():
        print(f"  {name:<36} {value:>8,.0f} /s   {value / baseline:5.2f} x baseline")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        baseline = await sqlite_baseline(Path(folder) / "raw.db")
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'core.db'}", audit_keys=KEYS)
        await db.create_all()
        try:
            report("SQLite (WAL), 1 writer", baseline, await core_rates(db, 1))
        finally:
            await db.dispose()
    url = os.environ.get("MESABOT_TEST_DATABASE_URL", "")
    if url:
        for workers in (1, 8):
            baseline = await pg_baseline(url, workers)
            db = Database(url, audit_keys=KEYS)
            async with db.engine.begin() as conn:
                await conn.run_sync(SQLModel.metadata.drop_all)
                await conn.run_sync(SQLModel.metadata.create_all)
            try:
                rates = await core_rates(db, workers)
                report(f"PostgreSQL, {workers} connection(s)", baseline, rates)
            finally:
                await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
