"""Telegram's limits, kept before sending, as Telegram counts them: thirty in any second
overall, twenty in any minute in a group, about one a second in a private chat with
short bursts. Time here is a clock the test moves; a wait moves it."""

from __future__ import annotations

import asyncio

import pytest

from bot.handlers import buckets
from bot.handlers.telegram import limits
from bot.handlers.telegram.limits import Limiter

REAL_SLEEP = asyncio.sleep


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The limiter's clock; ``asyncio.sleep`` moves it instead of waiting."""
    now = [1000.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds
        await REAL_SLEEP(0)  # others run meanwhile, as in a real wait

    monkeypatch.setattr(buckets.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(asyncio, "sleep", sleep)
    return now


async def send_times(limiter: Limiter, chats: list[int], clock: list[float],
                     takes: float = 0.0) -> list[float]:
    """When each send starts, one after the other; each takes ``takes`` to be answered."""
    started = []
    for chat in chats:
        async with limiter.slot(chat):
            started.append(clock[0])
            clock[0] += takes
    return started


async def test_the_bot_sends_thirty_in_any_second_and_no_more(clock: list[float]) -> None:
    times = await send_times(Limiter(), [100 + k for k in range(61)], clock, takes=0.002)
    assert times[29] < 1000.1  # thirty go at once
    for k in range(30, 61):  # each further one waits a second after the one 30 before
        assert times[k] >= times[k - 30] + 1.0
    assert times[60] < 1000.0 + 2.1  # and no longer than that


async def test_a_send_still_in_flight_counts(clock: list[float]) -> None:
    """Thirty sends Telegram is slow to answer: the next waits for their answers and a
    second more, since Telegram counted each when it arrived."""
    limiter = Limiter()
    release = asyncio.Event()
    started: list[float] = []

    async def slow(chat: int) -> None:
        async with limiter.slot(chat):
            started.append(clock[0])
            await release.wait()

    tasks = [asyncio.create_task(slow(100 + k)) for k in range(31)]
    for _ in range(200):
        await REAL_SLEEP(0)
    assert len(started) == 30
    clock[0] += 5.0  # answered five seconds on
    answered = clock[0]
    release.set()
    await asyncio.gather(*tasks)
    assert started[30] >= answered + 1.0


async def test_a_group_takes_twenty_in_any_minute(clock: list[float]) -> None:
    times = await send_times(Limiter(), [-100] * 21, clock)
    assert times[19] == pytest.approx(1000.0)
    assert times[20] == pytest.approx(1060.0)


async def test_a_private_chat_allows_a_short_burst_then_one_a_second(
    clock: list[float],
) -> None:
    times = await send_times(Limiter(), [42] * 6, clock)
    assert times[:4] == [pytest.approx(1000.0)] * 4
    assert times[4] == pytest.approx(1001.0) and times[5] == pytest.approx(1002.0)


async def test_the_limiter_forgets_chats_it_has_not_written_to_lately(
    clock: list[float],
) -> None:
    """Memory stays bounded however many chats the bot ever wrote to."""
    limiter = Limiter()
    for chat in range(20_000):
        async with limiter.slot(chat):
            pass
        clock[0] += 0.1  # 20,000 chats over half an hour
    assert len(limiter._chats) <= limits.KEEP
    assert 19_999 in limiter._chats  # the latest are kept
