"""A platform's sending limits kept before sending rather than learned from its 429s: a
token bucket (a chat's pace, bursts allowed) and a window (so many in any second or
minute, as a platform counts). Each face keeps its own per chat and one for the bot."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class Bucket:
    capacity: float
    per_second: float
    tokens: float = field(init=False)
    stamp: float = field(default_factory=lambda: time.monotonic())

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def take(self) -> float:
        """Take a token; returns how long to wait before sending (0 if none)."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.per_second


class Window:
    """At most ``most`` sends in any ``seconds``: a platform's limit as it states it and
    as it counts it ("thirty messages in a second"), which a bucket's burst plus its rate
    would exceed.

    A send counts from when its answer came back (the platform counted it before then),
    and one still in flight counts too, so however long a send takes, the platform never
    sees more than ``most`` in a window; bursts up to ``most`` go at once.
    """

    def __init__(self, most: int, seconds: float) -> None:
        self.most, self.seconds = most, seconds
        self._answered: deque[float] = deque()
        self._flying = 0
        self.stamp = time.monotonic()

    def _room(self, now: float) -> float:
        """0 if a send may start now, else how long until one may (or until a send in
        flight is answered, when those fill the window)."""
        while self._answered and self._answered[0] <= now - self.seconds:
            self._answered.popleft()
        if len(self._answered) + self._flying < self.most:
            return 0.0
        if self._answered:
            return self._answered[0] + self.seconds - now
        return FLYING_POLL

    async def enter(self) -> None:
        while (wait := self._room(time.monotonic())) > 0:  # noqa: ASYNC110 - time, not an event
            await asyncio.sleep(wait)
        self._flying += 1

    def leave(self) -> None:
        self._flying -= 1
        self.stamp = time.monotonic()
        self._answered.append(self.stamp)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.enter()
        try:
            yield
        finally:
            self.leave()


#: How often a window full of sends still in flight looks again.
FLYING_POLL = 0.005
