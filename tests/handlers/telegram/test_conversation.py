"""``/problema`` with no text: the bot asks for the title, then a detail; /cancelar stops."""

from __future__ import annotations

from typing import Any

from bot.handlers.telegram.face import TelegramFace
from tests.handlers.telegram.conftest import GROUP
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import FakeTelegram


async def test_a_bottleneck_told_in_two_answers(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, _ = await _linked(fake, people)
    maria = people["maria"]
    fake.type(maria, group, "/problema")
    ask_title = await fake.wait_for_text(GROUP, "¿Cuál es el problema?")
    assert ask_title["_reply_markup"] == {"force_reply": True, "selective": True}
    fake.type(maria, group, "El registro de plantaciones demora", reply_to=ask_title)
    ask_detail = await fake.wait_for_text(GROUP, "¿Algún detalle?")
    fake.type(maria, group, "De 6 a 12 meses en Ucayali", reply_to=ask_detail)
    await fake.wait_for_text(GROUP, "Registrado como P-1: «El registro de plantaciones demora»")
    detail = await face.services.reading.bottleneck(
        actor=(await face.services.members.identify(handle="maria")).actor(), ref="P-1"
    )
    assert detail.bottleneck.detail == "De 6 a 12 meses en Ucayali"


async def test_cancelled_or_without_detail(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, _ = await _linked(fake, people)
    andres = people["andres"]
    fake.type(andres, group, "/problema")
    ask = await fake.wait_for_text(GROUP, "¿Cuál es el problema?")
    fake.type(andres, group, "/cancelar", reply_to=ask)
    await fake.wait_for_text(GROUP, "Cancelado. No se guardó nada.")

    private = fake.private(andres)
    fake.type(andres, private, "/problema")
    await fake.wait_for_text(andres["id"], "¿Cuál es el problema?")
    fake.type(andres, private, "Falta asistencia técnica")
    await fake.wait_for_text(andres["id"], "¿Algún detalle?")
    fake.type(andres, private, "/listo")
    await fake.wait_for_text(andres["id"], "Registrado como P-1: «Falta asistencia técnica»")
