"""A week of the Mesa Forestal on Telegram, from a clean database: several people in a
linked group, the team's chat and private chats, in Spanish and in English."""

from __future__ import annotations

from typing import Any

from bot.handlers.telegram.face import TelegramFace
from tests.handlers.telegram.conftest import GROUP, TEAM, TELEGRAM_IDS
from tests.telegram_server import FakeTelegram


async def _linked(fake: FakeTelegram, people: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    group, team = fake.group(GROUP, "Mesa Forestal"), fake.group(TEAM, "Equipo")
    fake.type(people["rosa"], group, "/vincular grupo")
    await fake.wait_for_text(GROUP, "como grupo de la mesa")
    fake.type(people["rosa"], team, "/vincular equipo")
    await fake.wait_for_text(TEAM, "como chat del equipo")
    return group, team


async def test_an_unlinked_group_only_gets_an_explanation(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group = fake.group(GROUP, "Mesa Forestal")
    fake.type(people["maria"], group, "hola a todos")
    fake.type(people["maria"], group, "/problema Registro lento")
    (only,) = await fake.wait_for_messages(GROUP, 1)
    assert "no está vinculado a ninguna mesa" in only["text"]
    matrix = await face.services.reading.matrix(
        actor=(await face.services.members.identify(handle="rosa")).actor()
    )
    assert matrix.awaiting_triage == []


async def test_a_week_in_spanish(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, team = await _linked(fake, people)
    maria_private = TELEGRAM_IDS["maria"]

    fake.type(people["maria"], group,
              "/problema El registro de plantaciones en SERFOR demora de 6 a 12 meses")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    await fake.wait_for_text(TEAM, "Nuevo problema P-1 de María Quispe")

    fake.type(people["rosa"], team, "/clasificar P-1 MP implementación 5 4 SERFOR")
    await fake.wait_for_text(TEAM, "prioridad 20 de 25")
    await fake.wait_for_text(maria_private, "Su problema P-1 fue clasificado")
    fake.type(people["rosa"], team, "/priorizar P-1")
    await fake.wait_for_text(GROUP, "P-1 entra en los priorizados de la mesa")

    fake.type(people["rosa"], team, "/accion P-1 Publicar el procedimiento de registro")
    proposed = await fake.wait_for_text(GROUP, "Acción A-1 propuesta sobre P-1")
    button = proposed["reply_markup"]["inline_keyboard"][0][0]
    assert (button["text"], button["callback_data"]) == ("Tomar", "/claim A-1")

    fake.press(people["tom"], proposed, button["callback_data"])
    fake.press(people["jorge"], proposed, button["callback_data"])
    await fake.wait_for_text(GROUP, "A-1 la asume Jorge Salas (SERFOR)")
    refused = [a for a in fake.answers() if a.get("show_alert")]
    assert len(refused) == 1 and "As observer, you cannot claim actions" in refused[0]["text"]

    fake.type(people["jorge"], group, "/confirmar A-1 para el viernes 15")
    confirmed = await fake.wait_for_text(GROUP, "viernes 15 de enero de 2027")
    fake.type(people["jorge"], group, "Borrador listo, falta firma de la jefatura",
              reply_to=confirmed)
    await fake.wait_for_text(GROUP, "Avance registrado en A-1")

    fake.type(people["rosa"], team, "/agenda")
    agenda = await fake.wait_for_text(TEAM, "Agenda de la Mesa Forestal")
    for expected in ("P-1", "A-1", "Jorge Salas (SERFOR)", "Borrador listo, falta firma"):
        assert expected in agenda["text"]
    assert agenda["text"].startswith("<b>Agenda de la Mesa Forestal")


async def test_english_for_a_member_whose_telegram_is_in_english(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, _ = await _linked(fake, people)
    fake.type(people["maria"], group, "/problema Registro lento")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    fake.type(people["tom"], group, "/matrix")
    matrix = await fake.wait_for_text(GROUP, "Matrix of the Mesa Forestal")
    assert "Awaiting triage" in matrix["text"]
    tom = fake.private(people["tom"])
    fake.type(people["tom"], tom, "/help")
    await fake.wait_for_text(TELEGRAM_IDS["tom"], "Mesa commands")
    assert {c["command"] for c in fake.commands["en"]} >= {"bottleneck", "claim", "agenda"}
    assert {c["command"] for c in fake.commands["es"]} >= {"problema", "tomar", "agenda"}
