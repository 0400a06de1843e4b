"""The outbox loop itself, with no platform: a face's delivery that accepts everything."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from bot.commands.reply import Reply
from bot.core.enums import Audience
from bot.core.notices import Pending, notify
from bot.core.services import Services
from bot.handlers.delivery import BATCH, Accepted, Delivery, Outcome
from tests.builders import Cast


class Accepting(Delivery):
    platform = "telegram"
    label = "test"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.sent: list[int] = []

    async def member_chat(self, notice: Pending) -> str | None:
        return "42"

    async def attempt(self, notice: Pending, chat_id: str, reply: Reply, skip: int,
                      accepted: Accepted) -> Outcome:
        self.sent.append(notice.id)
        return "sent", "", None


async def _queue(services: Services, cast: Cast, count: int) -> None:
    now = services.clock.now()
    async with services.db.write() as s:
        for _ in range(count):
            notify(s, at=now - timedelta(minutes=1), mesa_id=cast.maria.mesa_id,
                   audience=Audience.MEMBER, member_id=cast.maria.member_id,
                   kind="session_ping", params={"session": 1, "starts_at": now, "hours": 24,
                                                "late": False, "actions": []})


async def test_after_a_full_batch_the_outbox_goes_on_at_once(
    services: Services, cast: Cast,
) -> None:
    """A fan-out of thousands of pings is read a batch at a time: the round after a
    full batch does not wait the idle time (an hour here) before the next batch."""
    await _queue(services, cast, 2 * BATCH + 5)
    delivery = Accepting(services)

    async def rounds() -> None:
        while True:
            await delivery.run_round(idle_seconds=3600)

    loop = asyncio.create_task(rounds())
    try:
        async with asyncio.timeout(60):
            while len(set(delivery.sent)) < 2 * BATCH + 5:  # noqa: ASYNC110 - the loop sends
                await asyncio.sleep(0.01)
    finally:
        loop.cancel()


async def test_a_full_batch_the_database_failed_around_waits_before_the_next(
    services: Services, cast: Cast, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every claim of a full batch fails (a database that reads but cannot write): the
    loop logs each and waits its idle time, instead of reading the batch again at once."""
    await _queue(services, cast, BATCH)

    async def refuse(**_: object) -> None:
        raise OperationalError("UPDATE", {}, Exception("attempt to write a readonly database"))

    monkeypatch.setattr(services.outbox, "claim", refuse)
    delivery = Accepting(services)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(1):
            await delivery.run_round(idle_seconds=3600)
    assert caplog.text.count("not delivered; retried later") == BATCH
    assert delivery.sent == []
