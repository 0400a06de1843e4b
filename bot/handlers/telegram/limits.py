"""Telegram's sending limits, kept before sending rather than learned from 429s.

About one message a second in a chat (short bursts allowed), twenty in any minute in a
group, thirty in any second overall. A private chat's pace is a token bucket; the group's
and the bot's are windows, counted as Telegram counts them: a bucket's burst on top of its
rate would send forty to a group in a minute, or fifty in a second, and each 429 costs a
second of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from bot.handlers.buckets import Bucket, Window

#: A chat's limit idle this long has refilled (a group's takes a minute): it can be
#: forgotten, so the map holds the chats written to lately, not every chat ever.
IDLE = 60.0
#: Past this many chats, the idle ones are dropped.
KEEP = 2_000


class Limiter:
    def __init__(self) -> None:
        self._overall = Window(30, 1.0)
        self._chats: dict[int, Bucket | Window] = {}
        self._prune_at = KEEP

    def _limit(self, chat_id: int) -> Bucket | Window:
        if chat_id not in self._chats:
            if len(self._chats) >= self._prune_at:
                now = time.monotonic()
                self._chats = {k: b for k, b in self._chats.items() if now - b.stamp < IDLE}
                # All busy: let it grow, and look again when it has doubled.
                self._prune_at = max(KEEP, 2 * len(self._chats))
            group = chat_id < 0
            self._chats[chat_id] = (
                Window(20, 60.0) if group else Bucket(capacity=4, per_second=1)
            )
        return self._chats[chat_id]

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Wait until a message to ``chat_id`` is within the limits, and count it while it
        is sent."""
        chat = self._limit(chat_id)
        if isinstance(chat, Bucket):
            delay = chat.take()
            if delay > 0:
                await asyncio.sleep(delay)
            async with self._overall.slot():
                yield
            return
        async with chat.slot(), self._overall.slot():
            yield


def retry_seconds(value: object) -> float:
    """Telegram's ``retry_after`` in seconds (PTB gives an int or a timedelta)."""
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
