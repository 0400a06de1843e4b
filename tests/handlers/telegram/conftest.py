"""The Telegram face against the local Bot API server, through PTB's real HTTP layer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.core.services import Services
from bot.handlers.telegram.face import TelegramFace
from tests.builders import PEOPLE, Cast
from tests.telegram_server import FakeTelegram

TELEGRAM_IDS = {handle: 1000 + i for i, (handle, *_) in enumerate(PEOPLE, start=1)}
GROUP = -100111
TEAM = -100222


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def people(fake: FakeTelegram) -> dict[str, dict[str, Any]]:
    """Each member of the cast as a Telegram user (Tom's Telegram is in English)."""
    return {
        handle: fake.person(TELEGRAM_IDS[handle], name.split()[0],
                            "en" if handle == "tom" else "es-PE")
        for handle, name, *_ in PEOPLE
    }


@pytest.fixture
async def face(services: Services, cast: Cast, fake: FakeTelegram) -> AsyncIterator[TelegramFace]:
    for handle, user_id in TELEGRAM_IDS.items():
        await services.members.link_identity(handle=handle, telegram_user_id=user_id)
    telegram = TelegramFace(services, token=fake.token, api_base_url=fake.base_url,
                            clock=services.clock, poll_timeout=1)
    await telegram.start()
    yield telegram
    await telegram.stop()
