"""A week of the Mesa Forestal on Telegram, from a clean database."""

from __future__ import annotations

from typing import Any

from bot.handlers.telegram.face import TelegramFace
from tests.handlers.telegram.conftest import GROUP
from tests.telegram_server import FakeTelegram


async def test_a_group_is_linked_and_a_bottleneck_logged(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group = fake.group(GROUP, "Mesa Forestal")
    fake.type(people["maria"], group, "/problema Registro lento")
    (first,) = await fake.wait_for_messages(GROUP, 1)
    assert "no está vinculado" in first["text"]

    fake.type(people["rosa"], group, "/vincular grupo")
    linked = (await fake.wait_for_messages(GROUP, 2))[-1]
    assert "vinculado a la Mesa Forestal como grupo de la mesa" in linked["text"]

    fake.type(people["maria"], group, "/problema El registro de plantaciones demora <b>meses</b>")
    logged = (await fake.wait_for_messages(GROUP, 3))[-1]
    assert logged["_parse_mode"] == "HTML"
    assert "Registrado como P-1: «El registro de plantaciones demora &lt;b&gt;meses&lt;/b&gt;»." \
        in logged["text"]
