"""The agenda on Slack: delivered on its own before the session with its documents, and
``/mesa agenda N`` as it was sent."""

from __future__ import annotations

from datetime import datetime

import httpx
from icalendar import Calendar

from bot.core.clock import ManualClock
from bot.handlers.slack.face import SlackFace
from tests.conftest import LIMA
from tests.handlers.slack.conftest import GROUND, TEAM_CHANNEL
from tests.handlers.slack.test_face import _link
from tests.slack_requests import SlackRequests
from tests.slack_server import FakeSlack, text_of


async def test_the_channels_receive_the_agenda_and_its_documents_before_the_session(
    app: httpx.AsyncClient, slack: FakeSlack, slack_requests: SlackRequests,
    people: dict[str, str], slack_face: SlackFace,
) -> None:
    await _link(app, slack, slack_requests, people)
    await slack_requests.command(people["rosa"], TEAM_CHANNEL, "sesion viernes 10:00").send(app)
    await slack.wait_for_answer(TEAM_CHANNEL, "Sesión 1 programada")
    await slack_requests.command(people["maria"], GROUND,
                                 "problema Guías de transporte <lentas>").send(app)
    await slack.wait_for_answer(GROUND, "Registrado como P-1")

    clock = slack_face.services.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime(2027, 1, 15, 8, 0, tzinfo=LIMA))
    assert await slack_face.services.agenda_delivery.tick() == 2
    slack_face.delivery.wake()
    title = "Agenda de la Mesa Forestal · sesión 1, viernes 15 de enero de 2027, 10:00"
    for channel in (TEAM_CHANNEL, GROUND):
        agenda = await slack.wait_for_text(channel, title)
        assert "P-1 «Guías de transporte &lt;lentas&gt;» · reportado por María Quispe" \
            in text_of(agenda)
        page, markdown, invitation = await slack.wait_for_files(channel, 3)
        assert [page["name"], markdown["name"], invitation["name"]] == [
            "agenda-forestal-sesion-1.html", "agenda-forestal-sesion-1.md",
            "agenda-forestal-sesion-1.ics"]
        assert "Guías de transporte &lt;lentas&gt;" in page["content"].decode()
        (event,) = Calendar.from_ical(invitation["content"]).walk("VEVENT")
        assert event.decoded("dtstart") == datetime(2027, 1, 15, 10, 0, tzinfo=LIMA)

    await slack_requests.command(people["tom"], TEAM_CHANNEL, "agenda 1").send(app)
    await slack.wait_for_answer(TEAM_CHANNEL, "As it was sent to the team and the group")
    again = await slack.wait_for_files(TEAM_CHANNEL, 6)
    assert again[3]["name"] == "agenda-forestal-session-1.html"
