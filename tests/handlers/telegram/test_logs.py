"""The bot token never reaches the logs, whatever the level."""

from __future__ import annotations

import io
import logging
from typing import Any

from pydantic import SecretStr

from bot.app import configure_logging
from bot.handlers.telegram.face import TelegramFace
from bot.settings import Settings
from tests.handlers.telegram.conftest import GROUP
from tests.telegram_server import FakeTelegram


async def test_no_token_in_debug_logs(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    stream = io.StringIO()
    settings = Settings(log_level="DEBUG", TELEGRAM_BOT_TOKEN=SecretStr(fake.token))
    handler = configure_logging(settings, stream)
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    try:
        group = fake.group(GROUP, "Mesa Forestal")
        fake.type(people["maria"], group, "/ayuda")
        await fake.wait_for_messages(GROUP, 1)
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    logged = stream.getvalue()
    assert "sendMessage" in logged  # the requests were logged...
    assert fake.token not in logged and fake.token.split(":")[1] not in logged  # ...safely


def test_no_token_in_a_logged_traceback() -> None:
    token = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
    stream = io.StringIO()
    handler = configure_logging(Settings(TELEGRAM_BOT_TOKEN=SecretStr(token)), stream)
    try:
        try:  # what httpx raises carries the request URL, and so the token
            raise ConnectionError(f"POST https://api.telegram.org/bot{token}/getUpdates")
        except ConnectionError:
            logging.getLogger("bot.handlers.health").exception("telegram.poll: round failed")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    logged = stream.getvalue()
    assert "Traceback" in logged and "/bot<secret>/getUpdates" in logged
    assert token not in logged and token.split(":")[1] not in logged
