"""Webhook mode: updates are stored before the 200, and only with the right secret."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.handlers.telegram import webhook
from bot.handlers.telegram.face import TelegramFace
from tests.handlers.telegram.conftest import GROUP
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import FakeTelegram

SECRET = "s3cret-for-tests"


@pytest.fixture
async def listening(face: TelegramFace, fake: FakeTelegram) -> AsyncIterator[str]:
    app = web.Application()
    app.add_routes(webhook.routes(face, SECRET))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}{webhook.PATH}"
    await face.bot.set_webhook(url=url, secret_token=SECRET)
    yield url
    await runner.cleanup()


async def test_updates_pushed_with_the_secret_are_processed_once(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any], listening: str
) -> None:
    group, _ = await _linked(fake, people)  # polled; the webhook takes over from here
    update = fake.type(people["maria"], group, "/problema Guías solo en Lima")
    fake.updates.remove(update)  # Telegram would not hand it out by polling any more
    assert await fake.push_webhook(update) == 200
    assert await fake.push_webhook(update) == 200  # Telegram retries: still once
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    fake.type(people["maria"], group, "/matriz")
    await fake.wait_for_text(GROUP, "Matriz de la Mesa Forestal")
    assert len([m for m in fake.sent(GROUP) if "Registrado como" in m["text"]]) == 1


async def test_a_request_without_the_secret_is_refused_and_stores_nothing(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any], listening: str
) -> None:
    group = fake.group(GROUP, "Mesa Forestal")
    update = fake.type(people["rosa"], group, "/vincular grupo")
    fake.updates.remove(update)
    assert await fake.push_webhook(update, secret="wrong") == 401
    assert await fake.push_webhook(update, secret="") == 401
    assert await face.inbox.pending(now=face.clock.now()) == []
    assert await face.services.chats.linked(platform="telegram", chat_id=str(GROUP)) is None
