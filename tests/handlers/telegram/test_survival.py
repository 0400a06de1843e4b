"""Nothing stops while the process looks alive: a database error in the inbox, in
polling or in delivery is logged and the bot goes on answering; a token Telegram refuses
stops the process instead of leaving it half alive."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select
from telegram.error import InvalidToken, TelegramError

from bot.commands.reply import Reply
from bot.core.clock import ManualClock
from bot.core.notices import FIRST_RETRY
from bot.handlers.telegram.face import TelegramFace
from bot.storage.tables import OutboxDelivery
from tests.handlers.telegram.conftest import GROUP, TEAM
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import FakeTelegram


def _fail_once(call: Callable[..., Awaitable[Any]], error: Exception
               ) -> Callable[..., Awaitable[Any]]:
    failures = [error]

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return await call(*args, **kwargs)

    return wrapper


async def _retrying(face: TelegramFace) -> bool:
    async with face.services.db.read() as s:
        return bool((await s.exec(
            select(OutboxDelivery).where(OutboxDelivery.status == "retry"))).first())


def _db_error() -> OperationalError:
    return OperationalError("SELECT", {}, Exception("server closed the connection"))


async def test_a_database_error_in_the_inbox_round_is_logged_and_the_bot_goes_on(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    group = fake.group(GROUP, "Mesa Forestal")
    monkeypatch.setattr(face.inbox, "pending", _fail_once(face.inbox.pending, _db_error()))
    fake.type(people["maria"], group, "/ayuda")
    await fake.wait_for_messages(GROUP, 1)
    assert "telegram.inbox: round failed (1 in a row)" in caplog.text


async def test_a_database_error_storing_polled_updates_loses_nothing(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    group = fake.group(GROUP, "Mesa Forestal")
    monkeypatch.setattr(face.inbox, "store", _fail_once(face.inbox.store, _db_error()))
    update = fake.type(people["maria"], group, "/ayuda")  # not confirmed: polled again
    await fake.wait_for_messages(GROUP, 1)
    assert f"updates {update['update_id']} to {update['update_id']}: not stored" in caplog.text
    assert "telegram.poll: round failed (1 in a row)" in caplog.text


async def test_a_notice_whose_sending_fails_unexpectedly_is_sent_on_a_later_round(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    group, _ = await _linked(fake, people)
    real_send = face.send
    failures = [TelegramError("Invalid server response")]

    async def send(chat_id: int, reply: Reply, **kwargs: Any) -> Any:
        if chat_id == TEAM and failures:
            raise failures.pop()
        return await real_send(chat_id, reply, **kwargs)

    monkeypatch.setattr(face, "send", send)
    fake.type(people["maria"], group, "/problema Registro lento")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    async with asyncio.timeout(10):
        while not await _retrying(face):  # noqa: ASYNC110 - the delivery loop records it
            await asyncio.sleep(0.01)
    clock = face.services.clock
    assert isinstance(clock, ManualClock)
    clock.advance(FIRST_RETRY)  # its next try is due
    face.delivery.wake()
    await fake.wait_for_text(TEAM, "Nuevo problema P-1")
    assert "delivery failed" in caplog.text


async def test_a_token_refused_while_delivering_stops_the_process(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group, _ = await _linked(fake, people)
    stopped = asyncio.Event()
    face.health.on_fatal = stopped.set

    async def send(chat_id: int, reply: Reply, **kwargs: Any) -> Any:
        raise InvalidToken("Unauthorized")

    monkeypatch.setattr(face, "send", send)
    fake.type(people["maria"], group, "/problema Registro lento")  # its notice is refused
    async with asyncio.timeout(10):
        await stopped.wait()
    assert face.health.fatal is not None and "refused the bot token" in face.health.fatal
