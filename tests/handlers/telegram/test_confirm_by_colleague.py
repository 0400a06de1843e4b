"""A colleague confirms by taps: "Confirmar", then a date button. The group reads who will
be reminded, and the owner gets a private message saying who set the date and how to
move it."""

from __future__ import annotations

import html
from typing import Any

from bot.handlers.telegram.face import TelegramFace
from tests.handlers.telegram.conftest import GROUP
from tests.handlers.telegram.test_buttons import _button
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import FakeTelegram

ANA_ID = 2001


async def test_a_colleague_taps_a_date_and_the_owner_is_told_privately(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    services = face.services
    await services.members.add_member(handle="ana", name="Ana Torres")
    await services.members.grant_role(mesa="forestal", handle="ana", role="public_official",
                                      entity="SERFOR")
    await services.members.link_identity(handle="ana", telegram_user_id=ANA_ID)
    ana = fake.person(ANA_ID, "Ana", "es-PE")
    group, team = await _linked(fake, people)
    jorge = people["jorge"]
    fake.type(people["rosa"], team, "/sesion viernes 10:00")
    fake.type(people["maria"], group, "/problema Guías de transporte lentas")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    fake.type(people["rosa"], team, "/accion P-1 Digitalizar las guías")
    proposed = await fake.wait_for_text(GROUP, "Acción A-1 propuesta")
    fake.press(jorge, proposed, _button(proposed, "Tomar"))
    await fake.wait_for_text(GROUP, "A-1 la asume Jorge Salas (SERFOR)")

    fake.press(ana, proposed, _button(proposed, "Confirmar"))
    when = await fake.wait_for_text(GROUP, "¿Para cuándo se compromete con A-1?")
    fake.press(ana, when, _button(when, "El viernes"))
    confirmed = await fake.wait_for_text(GROUP, "A-1 confirmada: Jorge Salas (SERFOR)")
    assert "Se le recordará a Jorge Salas antes de cada sesión." in confirmed["text"]
    assert "Se le recordará antes" not in confirmed["text"]

    notice = await fake.wait_for_text(jorge["id"], "Ana Torres confirmó a su nombre A-1")
    assert "para el viernes 15 de enero de 2027" in notice["text"]
    assert "/plazo A-1 <nueva fecha>, <motivo>" in html.unescape(notice["text"])
    assert fake.sent(ANA_ID) == []  # Ana set the date; she has nothing to be told
