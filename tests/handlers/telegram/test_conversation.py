"""``/problema`` with no text: the bot asks for the title, then a detail; /cancelar stops."""

from __future__ import annotations

from datetime import timedelta
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


async def test_a_conversation_goes_on_after_a_restart(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    """The draft is in the database: the process that asked may be gone when the answer
    comes, and another one (or the same one restarted) carries on."""
    group, _ = await _linked(fake, people)
    maria = people["maria"]
    fake.type(maria, group, "/problema")
    ask_title = await fake.wait_for_text(GROUP, "¿Cuál es el problema?")
    await face.stop()
    face.services.clock.advance(timedelta(seconds=15))  # type: ignore[attr-defined]
    second = TelegramFace(face.services, token=fake.token, api_base_url=fake.base_url,
                          clock=face.services.clock, poll_timeout=1)
    await second.start()
    try:
        fake.type(maria, group, "Las guías de transporte tardan", reply_to=ask_title)
        ask_detail = await fake.wait_for_text(GROUP, "¿Algún detalle?")
        fake.type(maria, group, "/listo", reply_to=ask_detail)
        await fake.wait_for_text(GROUP, "Registrado como P-1: «Las guías de transporte tardan»")
    finally:
        await second.stop()
        await face.start()  # the fixture stops it again


async def test_a_stale_draft_is_not_resumed(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    """Half an hour later, an answer to an old question is not taken as a bottleneck."""
    andres = people["andres"]
    private = fake.private(andres)
    fake.type(andres, private, "/problema")
    await fake.wait_for_text(andres["id"], "¿Cuál es el problema?")
    face.services.clock.advance(timedelta(minutes=31))  # type: ignore[attr-defined]
    fake.type(andres, private, "hola, ¿sigue ahí?")
    await fake.wait_for_messages(andres["id"], 2)
    assert "¿Algún detalle?" not in fake.sent(andres["id"])[-1]["text"]
    rosa = (await face.services.members.identify(handle="rosa")).actor()
    assert (await face.services.reading.matrix(actor=rosa)).awaiting_triage == []


async def test_another_command_ends_the_conversation(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    """A remark typed after another command is not taken as a bottleneck's title, and
    /cancelar with nothing open says so."""
    maria = people["maria"]
    private = fake.private(maria)
    fake.type(maria, private, "/cancelar")
    await fake.wait_for_text(maria["id"], "No hay nada que cancelar")
    fake.type(maria, private, "/problema")
    await fake.wait_for_text(maria["id"], "¿Cuál es el problema?")
    fake.type(maria, private, "/matriz")
    await fake.wait_for_text(maria["id"], "Matriz de la Mesa Forestal")
    # ... and she is told, not left to find out, that the bottleneck was not logged
    await fake.wait_for_text(maria["id"], "El problema que empezó a escribir quedó sin "
                                          "registrar; para empezarlo de nuevo, escriba /problema")
    fake.type(maria, private, "ya me olvidé")
    await fake.wait_for_text(maria["id"], "empiece con un comando")
    assert not any("¿Algún detalle?" in m["text"] for m in fake.sent(maria["id"]))
    fake.type(maria, private, "/listo")
    await fake.wait_for_text(maria["id"], "No hay nada que cancelar ni terminar")
