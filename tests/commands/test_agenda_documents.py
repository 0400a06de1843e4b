"""The agenda's documents: the whole matrix (HTML and Markdown) and the session's
invitation, as the team opens them, printed or in a calendar."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.commands.present import Presenter
from bot.commands.reply import Attachment, Reply
from bot.core.clock import ManualClock
from bot.core.enums import OwnerClass, RequestKind, RootCause
from bot.core.services import Services
from tests.builders import Cast
from tests.conftest import LIMA
from tests.handlers.telegram.test_agenda_fits import _big_mesa


def _files(reply: Reply) -> dict[str, Attachment]:
    return {a.filename.rsplit(".", 1)[1]: a for a in reply.attachments}


async def test_every_open_bottleneck_and_action_of_a_big_mesa_is_in_the_documents(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """400 bottlenecks and 600 actions: the phone gets a few; the documents all."""
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await _big_mesa(services, cast, clock)
    reply = Presenter("es", LIMA).agenda(await services.agendas.compile(actor=cast.rosa))
    text = "\n".join(line.text for line in reply.lines)
    assert "P-300 " not in text and "A-500 " not in text  # the short agenda cuts them
    files = _files(reply)
    assert [a.filename for a in reply.attachments] == [
        "agenda-forestal-sesion-1.html", "agenda-forestal-sesion-1.md",
        "agenda-forestal-sesion-1.ics"]
    assert [a.mime_type for a in reply.attachments] == [
        "text/html", "text/markdown", "text/calendar"]
    page = files["html"].content.decode()
    markdown = files["md"].content.decode()
    for document in (page, markdown):
        headings = re.findall(r"P-(\d+) «", document)
        assert sorted(map(int, headings)) == list(range(1, 401))  # each once
        assert set(map(int, re.findall(r"\bA-(\d+)\b", document))) == set(range(1, 601))
    # Every action with its owner, status, due date, in its bottleneck's table.
    assert re.search(r"<tr><td>A-13</td><td>[^<]+ 13</td><td>Jorge Salas</td><td>SERFOR</td>"
                     r"<td>bloqueada · [^<]*presupuesto: Demora[^<]*</td><td>[^<]+</td>",
                     page), page[:3000]
    for heading in ("1. Priorizados", "5. Por clasificar", "7. Pedidos fuera de foco",
                    "9. El resto de la matriz, por prioridad"):
        assert f"<h2>{heading}</h2>" in page
        assert f"## {heading}" in markdown
    assert "@media print" in page and "<script" not in page


async def test_what_members_typed_is_escaped_in_both_documents(
    services: Services, cast: Cast
) -> None:
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await services.bottlenecks.log(actor=cast.maria,
                                   text="<script>alert(1)</script> | guías & *multas*")
    await services.bottlenecks.triage(actor=cast.rosa, ref="P-1", owner_class=OwnerClass.MP,
                                      root_cause=RootCause.REGULATION, impact=4, ease=4)
    await services.bottlenecks.prioritize(actor=cast.rosa, ref="P-1")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1",
                                   text="Revisar | columnas <b>y</b> [enlaces](http://x)")
    files = _files(Presenter("es", LIMA).agenda(await services.agendas.compile(actor=cast.tom)))
    page = files["html"].content.decode()
    assert "<script>" not in page and "<b>y" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | guías &amp; *multas*" in page
    assert "Revisar | columnas &lt;b&gt;y&lt;/b&gt; [enlaces](http://x)" in page
    markdown = files["md"].content.decode()
    assert r"\<script\>alert(1)\</script\> \| guías \& \*multas\*" in markdown
    (row,) = [line for line in markdown.splitlines() if line.startswith("| A-1 |")]
    assert r"Revisar \| columnas \<b\>y\</b\> \[enlaces\](http://x)" in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 8  # seven cells: no column added


async def test_the_invitation_is_the_session_in_its_time_zone_and_keeps_its_uid(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    say = Presenter("es", LIMA)
    first = _files(say.agenda(await services.agendas.compile(actor=cast.rosa)))["ics"]
    calendar = Calendar.from_ical(first.content)
    assert str(calendar["method"]) == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    starts = event.decoded("dtstart")
    assert starts == datetime(2027, 1, 15, 10, 0, tzinfo=LIMA)
    assert starts.astimezone(ZoneInfo("UTC")) == datetime(2027, 1, 15, 15, 0,
                                                          tzinfo=ZoneInfo("UTC"))
    assert str(event["dtstart"].params["TZID"]) == "America/Lima"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["America/Lima"]
    assert event.decoded("dtend") - starts == timedelta(hours=2)
    assert str(event["summary"]) == "Mesa Forestal · sesión 1"
    assert str(event["description"]).startswith(
        "Agenda de la Mesa Forestal · sesión 1, viernes 15 de enero de 2027, 10:00")

    # Sent again, later and in English, the invitation updates the same event.
    clock.advance(timedelta(days=1))
    again = _files(Presenter("en", LIMA).agenda(
        await services.agendas.compile(actor=cast.tom, session_number=1)))["ics"]
    (later,) = Calendar.from_ical(again.content).walk("VEVENT")
    assert str(later["uid"]) == str(event["uid"])
    assert int(later["sequence"]) > int(event["sequence"])
    assert str(later["summary"]) == "Mesa Forestal · session 1"


async def test_the_documents_are_in_the_readers_language(
    services: Services, cast: Cast
) -> None:
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.bottlenecks.triage(actor=cast.rosa, ref="P-1", owner_class=OwnerClass.MP,
                                      root_cause=RootCause.FINANCING, impact=3, ease=2,
                                      request_kind=RequestKind.SUBSIDY)
    reply = Presenter("en", LIMA).agenda(await services.agendas.compile(actor=cast.tom))
    files = _files(reply)
    assert files["html"].filename == "agenda-forestal-session-1.html"
    page = files["html"].content.decode()
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<h2>7. Requests kept out of focus</h2>" in page
    assert "<h3>P-1 “Registro lento”</h3>" in page  # quoted as English quotes
    assert "it asks for a subsidy or tax break" in page
    assert reply.lines[-1].text.startswith("Attached: the matrix")
