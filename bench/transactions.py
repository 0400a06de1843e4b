"""How many transactions and statements one Telegram update costs, its notices delivered.

Each update goes the whole durable way a real one does: stored in the inbox, claimed,
handled by the real python-telegram-bot Application, the use case, the done mark, then
every notice it queued claimed, sent (to a recording request, not Telegram) and
recorded. A SQLAlchemy listener counts each ``BEGIN`` (a write when it is ``BEGIN
IMMEDIATE`` on SQLite, or runs an INSERT/UPDATE/DELETE) and each statement. The floor is
one transaction.

    .venv/bin/python bench/transactions.py
    MESABOT_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/transactions.py      # also PostgreSQL (drops its tables)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import SQLModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.audit import new_key, parse_keys
from bot.core.clock import SystemClock
from bot.core.services import Services
from bot.handlers.telegram.face import TelegramFace, chat_key
from bot.handlers.telegram.limits import Bucket
from bot.storage.database import Database
from bot.storage.inbox import Incoming
from tests.builders import PEOPLE, forestry_mesa
from tests.telegram_recorder import RecordingRequest

KEYS = parse_keys(new_key())
WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Count:
    transactions: int = 0
    writes: int = 0
    statements: int = 0
    _writing: bool = field(default=False, repr=False)
    #: Each statement's first words, "BEGIN" marking each transaction (``--show``).
    trace: list[str] = field(default_factory=list, repr=False)


class Counter:
    """Transactions and statements on one engine, while :attr:`on`."""

    def __init__(self, db: Database) -> None:
        self.count = Count()
        self.on = False
        engine = db.engine.sync_engine

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            if self.on:
                self.count.transactions += 1
                self.count._writing = False
                self.count.trace.append("BEGIN")

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not self.on:
                return
            words = statement.lstrip().upper()
            if words.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                return
            self.count.statements += 1
            self.count.trace.append("    " + " ".join(statement.split())[:110])
            if words.startswith(WRITES) and not self.count._writing:
                self.count._writing = True
                self.count.writes += 1

    def take(self) -> Count:
        taken, self.count = self.count, Count()
        return taken


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "x", "language_code": "es"}


def _message(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "from": _user(user_id), "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "x"}, "text": text}}


def _press(update_id: int, user_id: int, data: str) -> dict[str, Any]:
    message = {"message_id": 1, "date": int(time.time()), "text": "A-1",
               "chat": {"id": user_id, "type": "private", "first_name": "x"},
               "from": {"id": 7000001, "is_bot": True, "first_name": "Mesa"}}
    return {"update_id": update_id, "callback_query": {
        "id": str(update_id), "from": _user(user_id), "message": message,
        "chat_instance": "ci", "data": data}}


async def measure(url: str) -> list[tuple[str, Count, float]]:
    db = Database(url, audit_keys=KEYS)
    async with db.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    services = Services.build(db=db, clock=SystemClock())
    cast = await forestry_mesa(services)
    ids = {handle: 1000 + i for i, (handle, *_) in enumerate(PEOPLE, start=1)}
    for handle, user_id in ids.items():
        await services.members.link_identity(handle=handle, telegram_user_id=user_id)
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    for _ in range(3):
        await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    face = TelegramFace(services, token="1:BENCH", api_base_url="http://unused.invalid",
                        clock=services.clock, request=RecordingRequest())
    await face.application.initialize()
    for chat_id in ids.values():  # Telegram's pacing is not what is measured here
        face.limiter._chats[chat_id] = Bucket(capacity=10**9, per_second=10**9)
    face.limiter._overall = Bucket(capacity=10**9, per_second=10**9)
    counter = Counter(db)
    steps: list[tuple[str, Callable[[int], dict[str, Any]]]] = [
        ("/problema (a bottleneck, its notice to the team)",
         lambda n: _message(n, ids["maria"], f"/problema Guías lentas {n}")),
        ("button Tomar (claim, its notice to the group)",
         lambda n: _press(n, ids["jorge"], f"/claim A-{1 if n < 106 else 2}")),
        ("/avance by a reply (progress)",
         lambda n: _message(n, ids["jorge"], f"/avance A-1 nota {n}")),
        ("/matriz (a reader)", lambda n: _message(n, ids["maria"], "/matriz")),
        ("/agenda (a reader)", lambda n: _message(n, ids["maria"], "/agenda")),
    ]
    results = []
    for k, (name, make) in enumerate(steps * 2):  # the second round: nothing first-time
        payload = make(101 + k)
        counter.on = k >= len(steps)
        start = time.perf_counter()
        await face.inbox.store([Incoming(payload["update_id"], chat_key(payload), payload)],
                               now=services.clock.now())
        while await face.runner.run_pending():
            pass
        while await face.delivery.run_once():
            pass
        elapsed = time.perf_counter() - start
        if counter.on:
            results.append((name, counter.take(), elapsed))
        counter.on = False
    await face.application.shutdown()
    await db.dispose()
    return results


def report(label: str, rows: list[tuple[str, Count, float]]) -> None:
    print(f"{label}: per update, its notices delivered (the floor is 1 transaction)")
    print(f"  {'update':<50} {'transactions':>12} {'of them writes':>15} {'statements':>10}")
    for name, count, _elapsed in rows:
        print(f"  {name:<50} {count.transactions:>12} {count.writes:>15} "
              f"{count.statements:>10}")
        if "--show" in sys.argv:
            print("\n".join("      " + line for line in count.trace))


async def main(run: Callable[[str], Awaitable[list[tuple[str, Count, float]]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        report("SQLite", await run(f"sqlite+aiosqlite:///{folder}/bench.db"))
    pg = os.environ.get("MESABOT_TEST_DATABASE_URL")
    if pg:
        report("PostgreSQL", await run(pg))


if __name__ == "__main__":
    asyncio.run(main(measure))
