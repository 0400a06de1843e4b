"""Telegram's sending limits, kept before sending rather than learned from 429s.

About one message a second in a chat (short bursts allowed), twenty a minute in a
group, thirty a second overall: a token bucket per chat and one for the bot.
"""

from __future__ import annotations

import asyncio
import time

from bot.handlers.buckets import Bucket

#: A bucket idle this long has refilled (a group's takes a minute): it can be forgotten,
#: so the map holds the chats written to lately, not every chat ever.
IDLE = 60.0
#: Past this many buckets, the idle ones are dropped.
KEEP = 2_000


class Limiter:
    def __init__(self) -> None:
        self._overall = Bucket(capacity=30, per_second=30)
        self._chats: dict[int, Bucket] = {}
        self._lock = asyncio.Lock()
        self._prune_at = KEEP

    def _bucket(self, chat_id: int) -> Bucket:
        if chat_id not in self._chats:
            if len(self._chats) >= self._prune_at:
                now = time.monotonic()
                self._chats = {k: b for k, b in self._chats.items() if now - b.stamp < IDLE}
                # All busy: let it grow, and look again when it has doubled.
                self._prune_at = max(KEEP, 2 * len(self._chats))
            group = chat_id < 0
            self._chats[chat_id] = (
                Bucket(capacity=20, per_second=20 / 60) if group
                else Bucket(capacity=4, per_second=1)
            )
        return self._chats[chat_id]

    async def wait(self, chat_id: int) -> None:
        async with self._lock:
            delay = max(self._bucket(chat_id).take(), self._overall.take())
        if delay > 0:
            await asyncio.sleep(delay)


def retry_seconds(value: object) -> float:
    """Telegram's ``retry_after`` in seconds (PTB gives an int or a timedelta)."""
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
