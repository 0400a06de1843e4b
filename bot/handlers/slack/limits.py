"""Slack's sending limits, kept before sending rather than learned from 429s.

``chat.postMessage`` allows about one message a second in a channel, with short bursts;
the workspace-wide limit is higher and Slack answers 429 with ``Retry-After`` past it.
"""

from __future__ import annotations

import asyncio
import time

from bot.handlers.buckets import Bucket

#: A channel's bucket idle this long has refilled and is forgotten.
IDLE = 60.0
KEEP = 2_000


class Limiter:
    def __init__(self) -> None:
        self._overall = Bucket(capacity=20, per_second=20)
        self._channels: dict[str, Bucket] = {}
        self._lock = asyncio.Lock()

    def _bucket(self, channel: str) -> Bucket:
        if channel not in self._channels:
            if len(self._channels) >= KEEP:
                now = time.monotonic()
                self._channels = {k: b for k, b in self._channels.items()
                                  if now - b.stamp < IDLE}
            self._channels[channel] = Bucket(capacity=3, per_second=1)
        return self._channels[channel]

    async def wait(self, channel: str) -> None:
        async with self._lock:
            delay = max(self._bucket(channel).take(), self._overall.take())
        if delay > 0:
            await asyncio.sleep(delay)


def retry_after(headers: object, default: float = 1.0) -> float:
    """Slack's ``Retry-After`` header in seconds (the client's headers are a dict whose
    keys may be any case)."""
    if isinstance(headers, dict):
        for key, value in headers.items():
            if str(key).lower() == "retry-after":
                value = value[0] if isinstance(value, list) and value else value
                try:
                    return max(0.0, float(value))
                except (TypeError, ValueError):
                    return default
    return default
