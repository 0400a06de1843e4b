"""The Telegram face against python-telegram-bot alone, in one run, network replaced.

Baseline: PTB's Application with a handler that replies, updates fed to
``process_update`` (DESIGN.md measured about 5,900 a second here). Against it: the face's
whole path for the same kind of update: stored in the inbox, processed per chat from the
database, a use case with its audit event (posting progress), the reply rendered and sent,
the update marked done. Both send through a request that records instead of calling
Telegram (``tests/telegram_recorder.py``).

    .venv/bin/python bench/telegram_throughput.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

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

KEYS = parse_keys(new_key())  # a fresh audit key for the run

N = 600
CHATS = 5


def updates(start: int, user_ids: list[int]) -> list[dict[str, Any]]:
    out = []
    for k in range(N):
        user_id = user_ids[k % len(user_ids)]
        user = {"id": user_id, "is_bot": False, "first_name": "x", "language_code": "es"}
        out.append({"update_id": start + k, "message": {
            "message_id": k + 1, "from": user, "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "x"},
            "text": f"/avance A-1 nota {k}"}})
    return out


def user_ids_of(payloads: list[dict[str, Any]]) -> set[int]:
    return {p["message"]["chat"]["id"] for p in payloads}


async def baseline(payloads: list[dict[str, Any]]) -> float:
    app = ApplicationBuilder().token("1:BENCH").request(RecordingRequest()).updater(
        None).build()

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("ok")

    app.add_handler(MessageHandler(filters.TEXT, reply))
    await app.initialize()
    start = time.perf_counter()
    for payload in payloads:
        await app.process_update(Update.de_json(payload, app.bot))
    elapsed = time.perf_counter() - start
    await app.shutdown()
    return len(payloads) / elapsed


async def face_rate(payloads: list[dict[str, Any]], folder: str) -> float:
    db = Database(f"sqlite+aiosqlite:///{folder}/bench.db", audit_keys=KEYS)
    await db.create_all()
    services = Services.build(db=db, clock=SystemClock())
    cast = await forestry_mesa(services)
    ids = {handle: 1000 + i for i, (handle, *_) in enumerate(PEOPLE, start=1)}
    for handle, user_id in ids.items():
        await services.members.link_identity(handle=handle, telegram_user_id=user_id)
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    face = TelegramFace(services, token="1:BENCH", api_base_url="http://unused.invalid",
                        clock=services.clock, request=RecordingRequest())
    await face.application.initialize()
    # The limiter paces a real chat to about one message a second; here it would measure
    # Telegram's limits, not our code, so every chat gets an unlimited bucket.
    for chat_id in user_ids_of(payloads):
        face.limiter._chats[chat_id] = Bucket(capacity=10**9, per_second=10**9)
    face.limiter._overall = Bucket(capacity=10**9, per_second=10**9)
    start = time.perf_counter()
    await face.inbox.store([Incoming(p["update_id"], chat_key(p), p) for p in payloads],
                           now=services.clock.now())
    while await face.runner.run_pending():
        pass
    elapsed = time.perf_counter() - start
    await face.application.shutdown()
    await db.dispose()
    return len(payloads) / elapsed


async def main() -> None:
    user_ids = [1000 + i for i in range(1, CHATS + 1)]
    base = await baseline(updates(1, user_ids))
    with tempfile.TemporaryDirectory() as folder:
        ours = await face_rate(updates(10_000, user_ids), folder)
    print(f"python-telegram-bot, replying handler: {base:,.0f} updates/s")
    print(f"Mesa bot face, durable (SQLite):       {ours:,.0f} updates/s"
          f"   {ours / base:.3f} x PTB alone")


if __name__ == "__main__":
    asyncio.run(main())
