"""Nudges for what stalls, through Telegram: the coordinator hears in private of a
proposal nobody took; the owner of a claim without a date confirms it from the nudge."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.handlers.telegram.face import TelegramFace
from tests.handlers.telegram.conftest import GROUP, TEAM
from tests.handlers.telegram.test_buttons import _button
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import FakeTelegram


async def test_the_coordinator_and_the_owner_are_nudged_in_private_in_spanish(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, team = await _linked(fake, people)
    services = face.services
    rosa, jorge = people["rosa"], people["jorge"]
    fake.type(rosa, team, "/sesion viernes 10:00")
    await fake.wait_for_text(TEAM, "Sesión 1 programada")
    fake.type(people["maria"], group, "/problema Guías de transporte lentas")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    fake.type(rosa, team, "/accion P-1 Digitalizar las guías")
    await fake.wait_for_text(GROUP, "Acción A-1")
    fake.type(rosa, team, "/accion P-1 Capacitar a los inspectores")
    await fake.wait_for_text(GROUP, "Acción A-2")
    fake.type(jorge, group, "/tomar A-2")
    await fake.wait_for_text(GROUP, "A-2 la asume Jorge Salas")

    # Monday 09:00 plus three days: Thursday morning
    services.clock.set(datetime(2027, 1, 14, 9, 0, tzinfo=ZoneInfo("America/Lima")))  # type: ignore[attr-defined]
    assert await services.nudges.tick() == 2
    face.delivery.wake()
    nudge = await fake.wait_for_text(rosa["id"], "Propuestas sin responsable")
    assert nudge["text"].startswith(
        "<b>Mesa Forestal: pendientes que llevan 3 días o más sin avanzar</b>")
    assert "A-1 «Digitalizar las guías» · 3 días" in nudge["text"]
    assert "/asignar A-1 @persona o /asignar A-1 OSINFOR" in nudge["text"]
    assert "como mucho una vez por sesión, con al menos 3 días entre avisos" in nudge["text"]
    assert "A-2" not in nudge["text"]

    mine = await fake.wait_for_text(jorge["id"], "Asumidas por usted, sin fecha de entrega")
    assert "A-2 «Capacitar a los inspectores» · 3 días" in mine["text"]
    assert "/confirmar A-2 en dos semanas" in mine["text"]
    fake.press(jorge, mine, _button(mine, "Confirmar A-2"))
    step = await fake.wait_for_text(jorge["id"], "¿Para cuándo se compromete con A-2?")
    fake.press(jorge, step, _button(step, "El viernes"))
    await fake.wait_for_text(GROUP, "A-2 confirmada: Jorge Salas (SERFOR)")

    assert await services.nudges.tick() == 0  # once per session
