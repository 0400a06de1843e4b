"""A token bucket: a platform's sending limit kept before sending rather than learned
from its 429s. Each face keeps one per chat and one for the bot."""

from __future__ import annotations

import time
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
