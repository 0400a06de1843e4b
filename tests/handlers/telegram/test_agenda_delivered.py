"""The agenda arrives on its own: two hours before Friday's session the team's chat and
the mesa's group receive it, without anyone typing /agenda."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.core.clock import ManualClock
from bot.handlers.telegram.face import TelegramFace
from tests.conftest import LIMA
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
        # Then the documents, after the text: the whole matrix, and the invitation.
        after = await _after(fake, chat, agenda, 3)
        assert [m.get("document", {}).get("file_name") for m in after] == [
            "agenda-forestal-sesion-1.html", "agenda-forestal-sesion-1.md",
            "agenda-forestal-sesion-1.ics"]
        page, _, invitation = fake.documents(chat)
        assert page["mime_type"] == "text/html"
        assert "<h3>P-1 «Guías de transporte lentas»</h3>" in page["content"].decode()
        (event,) = Calendar.from_ical(invitation["content"]).walk("VEVENT")
        assert event.decoded("dtstart") == datetime(2027, 1, 15, 10, 0, tzinfo=LIMA)
        assert str(event["summary"]) == "Mesa Forestal · sesión 1"


async def test_agenda_with_a_number_gives_the_agenda_as_it_was_sent_with_its_documents(
    fake: FakeTelegram, face: TelegramFace, people: dict[str, Any]
) -> None:
    group, team = await _linked(fake, people)
    fake.type(people["rosa"], team, "/sesion viernes 10:00")
    await fake.wait_for_text(TEAM, "Sesión 1 programada")
    clock = face.services.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime(2027, 1, 15, 8, 0, tzinfo=LIMA))
    assert await face.services.agenda_delivery.tick() == 2
    clock.set(datetime(2027, 1, 15, 12, 0, tzinfo=LIMA))
    fake.type(people["rosa"], team, "/sesion 1 realizada")
    await fake.wait_for_text(TEAM, "Sesión 1 registrada como realizada")
    fake.type(people["maria"], group, "/problema Llegó después de la agenda")
    await fake.wait_for_text(GROUP, "Registrado como P-1")
    # the team's notice of P-1 first, so it cannot fall between Tom's answer and its files
    await fake.wait_for_text(TEAM, "Nuevo problema P-1")

    fake.type(people["tom"], team, "/agenda 1")
    answer = await fake.wait_for_text(TEAM, "As it was sent to the team and the group on "
                                            "Friday 15 January 2027, 08:00.")
    assert "P-1" not in answer["text"]
    page, _, invitation = await _after(fake, TEAM, answer, 3)
    assert page["document"]["file_name"] == "agenda-forestal-session-1.html"
    assert "Llegó después" not in fake.documents(TEAM)[-3]["content"].decode()
    assert invitation["document"]["file_name"] == "agenda-forestal-session-1.ics"


async def _after(fake: FakeTelegram, chat: int, message: dict[str, Any], count: int
                 ) -> list[dict[str, Any]]:
    """The ``count`` messages the bot sent to ``chat`` right after ``message``."""
    position = fake.sent(chat).index(message)
    return (await fake.wait_for_messages(chat, position + 1 + count))[
        position + 1: position + 1 + count]
