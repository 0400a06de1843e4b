"""The ministers' chat gets Monday's digest, and the minister presses *Convocar reunión*."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.handlers.telegram.face import TelegramFace
from tests.handlers.telegram.conftest import TEAM
from tests.handlers.telegram.test_buttons import _button
from tests.handlers.telegram.test_scenario import _linked
from tests.telegram_server import FakeTelegram

HIGH = -100333


async def _alert(fake: FakeTelegram, fragment: str) -> dict[str, Any]:
    """The first button answer (an alert) whose text contains ``fragment``."""
    async with asyncio.timeout(10):
        while True:
            for answer in fake.answers():
                if fragment in answer.get("text", ""):
                    return answer
            await asyncio.sleep(0.05)


async def test_the_minister_calls_a_meeting_from_the_digest_and_the_team_hears_it(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    services = face.services
    await _linked(fake, people)
    high = fake.group(HIGH, "Despacho de la Ministra")
    fake.type(people["rosa"], high, "/vincular alto_nivel")
    await fake.wait_for_text(HIGH, "Este chat queda vinculado")
    rosa = (await services.members.identify(handle="rosa")).actor()
    jorge = (await services.members.identify(handle="jorge")).actor()
    await services.bottlenecks.log(actor=rosa, text="Guías de transporte lentas")
    await services.actions.propose(actor=rosa, bottleneck_ref="P-1", text="Digitalizar las guías")
    await services.actions.claim(actor=jorge, ref="A-1")
    await services.actions.confirm(actor=jorge, ref="A-1", due="el viernes")  # 15 January

    services.clock.set(datetime(2027, 1, 25, 8, 0, tzinfo=ZoneInfo("America/Lima")))  # type: ignore[attr-defined]
    assert await services.escalations.tick() == 1
    face.delivery.wake()
    digest = await fake.wait_for_text(HIGH, "lo detenido que necesita una decisión")
    assert "A-1 «Digitalizar las guías» (P-1) · Jorge Salas" in digest["text"]
    assert "Vencida hace 10 días" in digest["text"]

    fake.press(people["jorge"], digest, _button(digest, "Convocar reunión A-1"))
    # Refused: an alert on the button, and nothing recorded or told.
    alert = await _alert(fake, "no puede responder a los puntos escalados al alto nivel")
    assert alert["show_alert"] in (True, "true")
    fake.press(people["ministra"], digest, _button(digest, "Convocar reunión A-1"))
    await fake.wait_for_text(HIGH, "Registrado: se pide convocar una reunión sobre A-1")
    await fake.wait_for_text(
        TEAM, "Ministra de la Producción pide convocar una reunión sobre A-1")
    assert not [m for m in fake.sent(TEAM) if "Jorge Salas pide" in m.get("text", "")]
