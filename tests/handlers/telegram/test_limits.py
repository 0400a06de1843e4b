"""Telegram's limits, kept before sending: bursts pass, then the pace is the chat's."""

from __future__ import annotations

import pytest

from bot.handlers.telegram import limits
from bot.handlers.telegram.limits import Bucket, Limiter


def test_a_group_takes_twenty_at_once_then_one_every_three_seconds() -> None:
    limiter = Limiter()
    group = limiter._bucket(-100)
    delays = [group.take() for _ in range(21)]
    assert delays[:20] == [0.0] * 20
    assert 2.5 < delays[20] <= 3.0


def test_a_private_chat_allows_a_short_burst_then_one_a_second() -> None:
    private = Limiter()._bucket(42)
    delays = [private.take() for _ in range(6)]
    assert delays[:4] == [0.0] * 4
    assert 0.9 < delays[4] <= 1.0 and 1.9 < delays[5] <= 2.0


def test_the_bot_sends_at_most_thirty_a_second_overall() -> None:
    overall = Bucket(capacity=30, per_second=30)
    assert [overall.take() for _ in range(30)] == [0.0] * 30
    assert overall.take() > 0


def test_the_limiter_forgets_chats_it_has_not_written_to_lately(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Memory stays bounded however many chats the bot ever wrote to."""
    clock = [1000.0]
    monkeypatch.setattr(limits.time, "monotonic", lambda: clock[0])
    limiter = Limiter()
    for chat in range(20_000):
        limiter._bucket(chat)
        clock[0] += 0.1  # 20,000 chats over half an hour
    assert len(limiter._chats) <= limits.KEEP
    assert 19_999 in limiter._chats  # the latest are kept
