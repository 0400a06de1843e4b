"""The agenda, delivered: two hours before each regular session, to the team's chat and
the mesa's group, once; late if the bot was down, never after the session began."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands.present import Presenter
from bot.core.clock import ManualClock
from bot.core.enums import OwnerClass, RequestKind, RootCause, SessionStatus
from bot.core.errors import AgendaNotSent, SessionNotFound
from bot.core.notices import Pending
from bot.core.services import Services
from tests.builders import Cast
from tests.conftest import LIMA


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 1, day, hour, minute, tzinfo=LIMA)


async def _agendas(services: Services) -> list[Pending]:
    return [n for n in await services.outbox.pending(platform="test") if n.kind == "agenda"]


async def _tick_at(services: Services, clock: ManualClock, when: datetime) -> int:
    clock.set(when)
    return await services.agenda_delivery.tick()


def _text(notice: Pending) -> str:
    reply = Presenter("es", ZoneInfo("America/Lima")).notice(notice.kind, notice.params)
    return "\n".join(line.text for line in reply.lines)


async def test_the_agenda_goes_to_the_team_and_the_group_two_hours_before_once(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")  # 15 Jan
    assert await _tick_at(services, clock, _at(15, 7, 59)) == 0
    assert await _tick_at(services, clock, _at(15, 8, 0)) == 2
    assert await _tick_at(services, clock, _at(15, 8, 1)) == 0  # once
    assert sum(await asyncio.gather(services.agenda_delivery.tick(),
                                    services.agenda_delivery.tick())) == 0
    sent = await _agendas(services)
    assert sorted(n.audience for n in sent) == ["ground", "team"]
    text = _text(sent[0])
    assert "Agenda de la Mesa Forestal · sesión 1, viernes 15 de enero de 2027, 10:00" in text
    assert "P-1 «Registro lento» · reportado por María Quispe" in text


async def test_a_session_held_on_a_weekend_still_gets_its_agenda_at_its_time(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """Quiet hours do not apply: a Saturday 08:00 session gets its agenda at 06:00."""
    await services.sessions.schedule(actor=cast.rosa, when="16 de enero 08:00")
    assert await _tick_at(services, clock, _at(16, 5, 59)) == 0
    assert await _tick_at(services, clock, _at(16, 6, 0)) == 2


async def test_no_agenda_for_a_cancelled_session(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await services.sessions.set_status(actor=cast.rosa, number=1,
                                       status=SessionStatus.CANCELLED)
    assert await _tick_at(services, clock, _at(15, 8, 0)) == 0
    assert await _agendas(services) == []


async def test_a_bot_that_was_down_sends_it_late_but_not_after_the_session_began(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await services.sessions.schedule(actor=cast.rosa, when="22 de enero 10:00")
    assert await _tick_at(services, clock, _at(15, 10, 0)) == 0  # down until 1 began
    assert await _tick_at(services, clock, _at(22, 9, 50)) == 2  # down from 08:00 to 09:50
    assert [n.params["agenda"]["session"]["number"] for n in await _agendas(services)] == [2, 2]


async def test_the_delivered_agenda_is_the_one_agenda_gives_and_shows_what_waits(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """``/agenda`` on demand and the delivered agenda read the same; a subsidy request
    is in its own section, with why it waits."""
    b = services.bottlenecks
    await b.log(actor=cast.maria, text="Exoneración del IGV a la madera")
    await b.triage(actor=cast.rosa, ref="P-1", owner_class=OwnerClass.MP,
                   root_cause=RootCause.FINANCING, impact=3, ease=2,
                   request_kind=RequestKind.SUBSIDY)
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await _tick_at(services, clock, _at(15, 8, 0))
    (team,) = [n for n in await _agendas(services) if n.audience == "team"]
    on_demand = Presenter("es", LIMA).agenda(await services.agendas.compile(actor=cast.tom))
    assert _text(team) == "\n".join(line.text for line in on_demand.lines)
    assert ("7. Pedidos fuera de foco\nP-1 «Exoneración del IGV a la madera» · es un pedido "
            "de subsidio o exoneración; la mesa trabaja en productividad") in _text(team)


async def test_the_agenda_sent_is_kept_with_its_session_and_shown_as_sent(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """``/agenda 1`` after the session gives what went out at 08:00, though the mesa
    changed since; the notice carries the short agenda, the session keeps the whole."""
    b = services.bottlenecks
    await b.log(actor=cast.maria, text="Registro lento")
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await _tick_at(services, clock, _at(15, 8, 0))
    (team,) = [n for n in await _agendas(services) if n.audience == "team"]
    assert set(team.params) == {"agenda", "session_id", "whole"}
    assert datetime.fromisoformat(team.params["whole"]["sent_at"]) == _at(15, 8, 0)
    assert team.params["agenda"]["whole"] is False  # short: no matrix copied in
    assert team.params["agenda"]["queue"] == [] and team.params["agenda"]["actions"] == {}

    clock.set(_at(15, 9, 0))  # a coordinator's /agenda after it went out replaces nothing
    await services.agendas.compile(actor=cast.rosa)
    await b.log(actor=cast.maria, text="Guías solo en Lima")  # P-2, after the agenda
    clock.set(_at(15, 12, 0))
    await services.sessions.set_status(actor=cast.rosa, number=1, status=SessionStatus.HELD)

    sent = await services.agendas.compile(actor=cast.tom, session_number=1)
    assert sent.sent_at == _at(15, 8, 0) and sent.compiled_at == _at(15, 8, 0)
    assert [v.ref for v in sent.awaiting_triage] == ["P-1"]  # P-2 came later
    reply = Presenter("en", LIMA).sent_agenda(sent)
    assert reply.lines[1].text == ("As it was sent to the team and the group on "
                                   "Friday 15 January 2027, 08:00.")
    assert [a.filename for a in reply.attachments] == [
        "agenda-forestal-session-1.html", "agenda-forestal-session-1.md",
        "agenda-forestal-session-1.ics"]
    assert "Guías solo en Lima" not in reply.attachments[0].content.decode()
    now = await services.agendas.compile(actor=cast.tom)  # the current one has P-2
    assert [v.ref for v in now.awaiting_triage] == ["P-1", "P-2"]


async def test_a_session_whose_agenda_never_went_out_says_so(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await services.sessions.schedule(actor=cast.rosa, when="hoy 11:00")
    await services.agendas.compile(actor=cast.rosa)  # compiled, stored, but not sent
    clock.advance(timedelta(hours=3))
    await services.sessions.set_status(actor=cast.rosa, number=1, status=SessionStatus.HELD)
    with pytest.raises(AgendaNotSent):
        await services.agendas.compile(actor=cast.maria, session_number=1)
    with pytest.raises(SessionNotFound):
        await services.agendas.compile(actor=cast.maria, session_number=7)
