"""The agenda arrives on its own: two hours before Friday's session the team's chat and
the mesa's group receive it, without anyone typing /agenda."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.clock import ManualClock
from bot.handlers.telegram.face import TelegramFace
from tests.handlers.telegram.conftest import GROUP, TEAM
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import FakeTelegram


async def test_the_team_chat_and_the_group_receive_the_agenda_before_the_session(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, team = await _linked(fake, people)
    fake.type(people["rosa"], team, "/sesion viernes 10:00")
    await fake.wait_for_text(TEAM, "Sesión 1 programada")
    fake.type(people["maria"], group, "/problema Guías de transporte lentas")
    await fake.wait_for_text(GROUP, "Registrado como P-1")

    clock = face.services.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime(2027, 1, 15, 8, 0, tzinfo=ZoneInfo("America/Lima")))
    assert await face.services.agenda_delivery.tick() == 2
    face.delivery.wake()
    title = "Agenda de la Mesa Forestal · sesión 1, viernes 15 de enero de 2027, 10:00"
    for chat in (TEAM, GROUP):
        agenda = await fake.wait_for_text(chat, title)
        assert "P-1 «Guías de transporte lentas» · reportado por María Quispe" in agenda["text"]
