"""Webhook mode: updates are stored before the 200, and only with the right secret."""

from __future__ import annotations

import asyncio
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


async def test_any_secret_header_is_answered_401_never_500(
    fake: FakeTelegram, face: TelegramFace, listening: str
) -> None:
    port = int(listening.split(":")[2].split("/")[0])
    for header in ("señal".encode(), b"\xff\xfe", SECRET.encode() + "é".encode()):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        body = b'{"update_id": 1}'
        writer.write(b"POST " + webhook.PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nConnection: close\r\n"
                     b"X-Telegram-Bot-Api-Secret-Token: " + header + b"\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await reader.readline()
        writer.close()
        await writer.wait_closed()
        assert status_line.split()[1] == b"401", (header, status_line)
    assert await face.inbox.pending(now=face.clock.now()) == []
