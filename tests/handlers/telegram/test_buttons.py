"""Tapping instead of typing: triage, prioritize, claim, confirm and block with buttons."""

from __future__ import annotations

from typing import Any

from bot.handlers.telegram.face import TelegramFace
from tests.handlers.telegram.conftest import GROUP, TEAM
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import FakeTelegram


def _button(message: dict[str, Any], text: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button["text"] == text:
                data: str = button["callback_data"]
                assert len(data.encode()) <= 64
                return data
    raise AssertionError(f"no button {text!r} in {message['reply_markup']}")


async def _edited(fake: FakeTelegram, message: dict[str, Any], fragment: str) -> None:
    """Wait until the bot replaced ``message`` with text containing ``fragment``."""
    replaced = await fake.wait_for_text(message["chat"]["id"], fragment)
    assert replaced["message_id"] == message["message_id"], "a step should replace its message"


async def test_a_bottleneck_triaged_and_an_action_confirmed_by_taps(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, team = await _linked(fake, people)
    rosa = people["rosa"]
    fake.type(people["maria"], group, "/problema El registro de plantaciones demora meses")
    notice = await fake.wait_for_text(TEAM, "Nuevo problema P-1")

    fake.press(rosa, notice, _button(notice, "Clasificar"))
    step = await fake.wait_for_text(TEAM, "¿Quién debe resolver P-1?")
    for answer, next_question in (("MP", "¿Dónde está la causa de P-1?"),
                                  ("implementación", "Impacto de P-1"),
                                  ("5", "Facilidad de P-1")):
        fake.press(rosa, step, _button(step, answer))
        await _edited(fake, step, next_question)
    fake.press(rosa, step, _button(step, "4"))
    assert "Nuevo problema P-1" in notice["text"]  # the team's notice stays as it was
    triaged = await fake.wait_for_text(TEAM, "Impacto 5 × facilidad 4 = prioridad 20")
    fake.press(rosa, triaged, _button(triaged, "Priorizar"))
    await fake.wait_for_text(TEAM, "P-1 entra en los priorizados (1 de 4)")

    fake.type(rosa, team, "/accion P-1 Publicar el procedimiento de registro")
    proposed = await fake.wait_for_text(GROUP, "Acción A-1 propuesta")
    jorge = people["jorge"]
    fake.press(jorge, proposed, _button(proposed, "Tomar"))
    await fake.wait_for_text(GROUP, "A-1 la asume Jorge Salas (SERFOR)")
    fake.press(jorge, proposed, _button(proposed, "Confirmar"))
    when = await fake.wait_for_text(GROUP, "¿Para cuándo se compromete con A-1?")
    assert "Acción A-1 propuesta" in proposed["text"]  # the group's announcement stays
    fake.press(jorge, when, _button(when, "El viernes"))
    await fake.wait_for_text(GROUP, "A-1 confirmada: Jorge Salas (SERFOR) se compromete para el "
                                    "viernes 15 de enero de 2027")

    fake.type(jorge, group, "/bloqueado A-1")
    why = await fake.wait_for_text(GROUP, "¿Por qué está bloqueada A-1?")
    fake.press(jorge, why, _button(why, "presupuesto"))
    await fake.wait_for_text(GROUP, "A-1 bloqueada por presupuesto")


async def test_a_long_matrix_pages_with_buttons_in_place(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, _ = await _linked(fake, people)
    maria = (await face.services.members.identify(handle="maria")).actor()
    for i in range(1, 41):
        await face.services.bottlenecks.log(actor=maria, text=f"Problema número {i}")
    fake.type(people["andres"], group, "/matriz")
    first = await fake.wait_for_text(GROUP, "1/2")
    assert "P-1 «Problema número 1»" in first["text"] and "P-40" not in first["text"]
    fake.press(people["andres"], first, _button(first, "Siguiente ▶"))
    await _edited(fake, first, "2/2")
    assert "P-40 «Problema número 40»" in first["text"]
    assert _button(first, "◀ Anterior") == "/matrix 1"


async def test_my_actions_carry_done_on_track_and_blocked(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    services = face.services
    rosa = (await services.members.identify(handle="rosa")).actor()
    jorge = (await services.members.identify(handle="jorge")).actor()
    await services.bottlenecks.log(actor=rosa, text="Registro lento")
    for text in ("Publicar el procedimiento", "Capacitar a las oficinas"):
        action = await services.actions.propose(actor=rosa, bottleneck_ref="P-1", text=text)
        await services.actions.claim(actor=jorge, ref=action.ref)
        await services.actions.confirm(actor=jorge, ref=action.ref, due="viernes")
    chat = fake.private(people["jorge"])
    fake.type(people["jorge"], chat, "/mis_tareas")
    tasks = await fake.wait_for_text(chat["id"], "Sus acciones")
    fake.press(people["jorge"], tasks, _button(tasks, "→ A-1 en marcha"))
    await fake.wait_for_text(chat["id"], "Avance registrado en A-1")
    fake.press(people["jorge"], tasks, _button(tasks, "✓ A-2 hecha"))
    await fake.wait_for_text(chat["id"], "A-2 hecha")
    fake.press(people["jorge"], tasks, _button(tasks, "✗ A-1 bloqueada"))
    why = await fake.wait_for_text(chat["id"], "¿Por qué está bloqueada A-1?")
    fake.press(people["jorge"], why, _button(why, "desacuerdo"))
    await fake.wait_for_text(chat["id"], "A-1 bloqueada por desacuerdo")
    detail = await services.reading.bottleneck(actor=rosa, ref="P-1")
    assert [p.text for p in detail.progress] == ["En marcha, según lo previsto."]


async def test_a_member_of_two_mesas_chooses_with_buttons_in_private(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    await face.services.members.grant_role(mesa="acuicola", handle="jorge",
                                           role="public_official", entity="SERFOR")
    chat = fake.private(people["jorge"])
    fake.type(people["jorge"], chat, "/matriz")
    asked = await fake.wait_for_text(chat["id"], "varias mesas")
    fake.press(people["jorge"], asked, _button(asked, "Mesa Acuícola"))
    await fake.wait_for_text(chat["id"], "Listo: actúa en la Mesa Acuícola")
    fake.type(people["jorge"], chat, "/matriz")
    await fake.wait_for_text(chat["id"], "Matriz de la Mesa Acuícola")


async def test_a_deadline_read_two_ways_is_chosen_by_tapping_the_date(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, team = await _linked(fake, people)
    jorge = people["jorge"]
    fake.type(people["maria"], group, "/problema El registro demora")
    await fake.wait_for_text(GROUP, "Registrado como P-1")  # chats run concurrently
    fake.type(people["rosa"], team, "/accion P-1 Publicar el procedimiento")
    await fake.wait_for_text(GROUP, "Acción A-1 propuesta")
    fake.type(jorge, group, "/tomar A-1")
    await fake.wait_for_text(GROUP, "A-1 la asume")
    fake.type(jorge, group, "/confirmar A-1 el viernes")
    await fake.wait_for_text(GROUP, "A-1 confirmada")

    fake.type(jorge, group, "/plazo A-1 viernes, 22 de enero, por la huelga")
    choice = await fake.wait_for_text(GROUP, "2 fechas distintas para A-1; no cambié nada")
    assert "«viernes»: viernes 15 de enero de 2027" in choice["text"]
    fake.press(jorge, choice, _button(choice, "viernes 22 de enero de 2027"))
    await fake.wait_for_text(
        GROUP, "A-1: nueva fecha viernes 22 de enero de 2027 (antes viernes 15 de enero de 2027)")


async def test_the_promised_reminder_arrives_before_the_session_and_a_tap_answers_it(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    """"Se le recordará antes de cada sesión" is kept: 48 hours before Friday's session
    Jorge gets one private message with his promise and its buttons, and taps it done."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    group, team = await _linked(fake, people)
    services = face.services
    jorge = people["jorge"]
    fake.type(people["rosa"], team, "/sesion viernes 10:00")
    await fake.wait_for_text(TEAM, "Sesión 1 programada")
    fake.type(people["maria"], group, "/problema Guías de transporte lentas")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    fake.type(people["rosa"], team, "/accion P-1 Digitalizar las guías")
    await fake.wait_for_text(GROUP, "Acción A-1")
    fake.type(jorge, group, "/tomar A-1")
    await fake.wait_for_text(GROUP, "A-1 la asume Jorge Salas")
    fake.type(jorge, group, "/confirmar A-1 el viernes")
    await fake.wait_for_text(GROUP, "Se le recordará antes de cada sesión")

    services.clock.set(datetime(2027, 1, 13, 10, 0, tzinfo=ZoneInfo("America/Lima")))  # type: ignore[attr-defined]
    assert await services.reminders.tick() == 1
    face.delivery.wake()
    ping = await fake.wait_for_text(jorge["id"], "Recordatorio: la sesión 1")
    assert "A-1 «Digitalizar las guías»" in ping["text"]
    fake.press(jorge, ping, _button(ping, "✓ A-1 hecha"))
    await fake.wait_for_text(GROUP, "A-1 hecha por Jorge Salas")
