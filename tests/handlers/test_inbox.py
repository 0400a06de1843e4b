"""Two processes draining one inbox: each update handled once, each chat in order."""

from __future__ import annotations

import asyncio
import random

from bot.core.clock import ManualClock
from bot.handlers.inbox import InboxRunner
from bot.storage.database import Database
from bot.storage.inbox import Inbox, Incoming


async def test_two_runners_share_the_work_without_doubling_or_reordering(
    db: Database, clock: ManualClock
) -> None:
    inbox = Inbox(db, "telegram")
    updates = [Incoming(100 + k, f"chat{k % 4}", {"k": k}) for k in range(40)]
    assert await inbox.store(updates, now=clock.now()) == 40
    assert await inbox.store(updates[:5], now=clock.now()) == 0  # redelivered: dropped

    handled: list[tuple[str, int, str]] = []
    rng = random.Random(3)

    def handler(name: str):  # type: ignore[no-untyped-def]
        async def handle(item: Incoming) -> None:
            handled.append((item.chat_key, item.update_id, name))
            await asyncio.sleep(rng.random() / 200)
        return handle

    first, second = (InboxRunner(inbox, handler(n), clock) for n in ("A", "B"))
    for _ in range(30):
        await asyncio.gather(first.run_pending(), second.run_pending())
        if not await inbox.pending(now=clock.now()):
            break

    ids = [update_id for _, update_id, _ in handled]
    assert sorted(ids) == [u.update_id for u in updates]  # all of them, each once
    for chat in {u.chat_key for u in updates}:
        in_chat = [update_id for key, update_id, _ in handled if key == chat]
        assert in_chat == sorted(in_chat), chat
