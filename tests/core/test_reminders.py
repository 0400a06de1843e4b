"""Pings before each session: at the right local times, once each, never at night, on a
weekend or a holiday, and late rather than never."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.enums import SessionStatus
from bot.core.notices import Pending
from bot.core.services import Services
from tests.builders import Cast
from tests.conftest import LIMA


def _at(day: int, hour: int, minute: int = 0, month: int = 1, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LIMA)


async def _commitments(services: Services, cast: Cast) -> None:
    """Jorge (SERFOR) and Lucía (OSINFOR) each owe an action; María owes none."""
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Publicar")
    await services.actions.claim(actor=cast.jorge, ref="A-1")
    await services.actions.confirm(actor=cast.jorge, ref="A-1", due="el viernes")
    await services.actions.propose(actor=cast.rosa, bottleneck_ref="P-1", text="Supervisar")
    await services.actions.claim(actor=cast.lucia, ref="A-2")
    await services.actions.confirm(actor=cast.lucia, ref="A-2", due="en dos semanas")


async def _pings(services: Services) -> list[Pending]:
    return [n for n in await services.outbox.pending(platform="test")
            if n.kind == "session_ping"]


async def _tick_at(services: Services, clock: ManualClock, when: datetime) -> int:
    clock.set(when)
    return await services.reminders.tick()


async def test_owners_are_pinged_48_and_24_hours_before_once_each(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _commitments(services, cast)
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")  # 15 Jan
    assert await _tick_at(services, clock, _at(13, 9, 59)) == 0
    assert await _tick_at(services, clock, _at(13, 10, 0)) == 2
    assert await _tick_at(services, clock, _at(13, 10, 1)) == 0  # once
    first = await _pings(services)
    assert sorted((p.member_name, p.params["hours"], [a["ref"] for a in p.params["actions"]])
                  for p in first) == [("Jorge Salas", 48, ["A-1"]), ("Lucía Ramos", 48, ["A-2"])]
    assert not any(p.params["late"] for p in first)
    assert await _tick_at(services, clock, _at(14, 10, 0)) == 2
    assert await _tick_at(services, clock, _at(15, 10, 0)) == 0  # the session has begun
    assert len(await _pings(services)) == 4


async def test_someone_who_reported_progress_gets_no_first_nag(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _commitments(services, cast)
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await services.progress.post(actor=cast.jorge, ref="A-1", text="Borrador listo")
    await _tick_at(services, clock, _at(13, 10, 0))
    assert [p.member_name for p in await _pings(services)] == ["Lucía Ramos"]
    await _tick_at(services, clock, _at(14, 10, 0))
    assert sorted(p.member_name or "" for p in await _pings(services)) == [
        "Jorge Salas", "Lucía Ramos", "Lucía Ramos"]


async def test_no_ping_on_a_weekend_it_waits_for_monday_morning(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """A Monday 11:00 session: its pings fall on Saturday and Sunday; the last one goes
    out on Monday at 07:00, before the session, and only that one."""
    await _commitments(services, cast)
    await services.sessions.schedule(actor=cast.rosa, when="18 de enero 11:00")
    for when in (_at(16, 11), _at(17, 11), _at(17, 22), _at(18, 6, 59)):
        assert await _tick_at(services, clock, when) == 0, when
    assert await _tick_at(services, clock, _at(18, 7, 0)) == 2
    assert {p.params["hours"] for p in await _pings(services)} == {24}


async def test_no_ping_at_night_or_on_a_holiday(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """8 and 9 December are public holidays in Peru (the Immaculate Conception, the
    battle of Ayacucho): the pings of a Friday 10 December 10:00 session wait for that
    Friday's 07:00, and then only the last one goes. A Tuesday 22:00 session's 24-hour
    ping would fall at night: it waits for Tuesday's 07:00."""
    clock.set(_at(1, 9, month=12))
    await _commitments(services, cast)
    await services.sessions.schedule(actor=cast.rosa, when="10 de diciembre 10:00")
    for when in (_at(8, 10, month=12), _at(9, 10, month=12), _at(10, 6, 59, month=12)):
        assert await _tick_at(services, clock, when) == 0, when
    assert await _tick_at(services, clock, _at(10, 7, month=12)) == 2
    assert {p.params["hours"] for p in await _pings(services)} == {24}

    clock.set(_at(10, 12, month=12))
    await services.sessions.set_status(actor=cast.rosa, number=1, status=SessionStatus.HELD)
    await services.sessions.schedule(actor=cast.rosa, when="14 de diciembre 22:00")
    assert await _tick_at(services, clock, _at(12, 22, month=12)) == 0  # Sunday night
    assert await _tick_at(services, clock, _at(13, 7, month=12)) == 2  # 48 h, Monday
    assert await _tick_at(services, clock, _at(13, 22, month=12)) == 0  # 24 h: at night
    assert await _tick_at(services, clock, _at(14, 7, month=12)) == 2


async def test_down_while_pings_came_due_they_go_out_late_none_skipped(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _commitments(services, cast)
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    assert await _tick_at(services, clock, _at(13, 10, 25)) == 2
    assert all(p.params["late"] for p in await _pings(services))


async def test_a_cancelled_or_moved_session_gets_no_ping_for_its_old_time(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _commitments(services, cast)
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await services.sessions.set_status(actor=cast.rosa, number=1,
                                       status=SessionStatus.CANCELLED)
    assert await _tick_at(services, clock, _at(13, 10, 0)) == 0
    clock.set(_at(13, 11))
    await services.sessions.schedule(actor=cast.rosa, when="lunes 10:00")  # 18 Jan
    assert await _tick_at(services, clock, _at(14, 10, 0)) == 0
    assert await _tick_at(services, clock, _at(15, 10, 0)) == 0  # Saturday 16 is 48 h
    assert await _tick_at(services, clock, _at(18, 7, 0)) == 2


async def test_two_processes_looking_at_once_queue_each_ping_once(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _commitments(services, cast)
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    clock.set(_at(13, 10, 0))
    counts = await asyncio.gather(*(services.reminders.tick() for _ in range(4)))
    assert sum(counts) == 2
    assert len(await _pings(services)) == 2


async def test_the_ping_reads_well_with_its_buttons(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    from zoneinfo import ZoneInfo

    from bot.commands.present import Presenter

    await _commitments(services, cast)
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")
    await _tick_at(services, clock, _at(13, 10, 0))
    (jorge,) = [p for p in await _pings(services) if p.member_name == "Jorge Salas"]
    reply = Presenter("es", ZoneInfo("America/Lima")).notice(jorge.kind, jorge.params)
    text = "\n".join(line.text for line in reply.lines)
    assert "la sesión 1 es el viernes 15 de enero de 2027, 10:00" in text
    assert "A-1 «Publicar» · confirmada · vence vie 15/01" in text
    assert [b.command for b in reply.buttons] == [
        "/done A-1", "/progress A-1 En marcha, según lo previsto.", "/blocked A-1"]
    assert reply.subject == "A-1"


async def test_a_coordinator_moves_the_pings_and_the_quiet_hours(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """/ajustes recordatorios 72 and /ajustes horario 9 18: the ping comes three days
    before, and not before 09:00."""
    from bot.core.errors import BadValue, Forbidden

    await _commitments(services, cast)
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")  # 15 Jan
    with pytest.raises(Forbidden):
        await services.mesa_settings.change(actor=cast.jorge, field="ping_hours",
                                            values=["72"])
    with pytest.raises(BadValue):
        await services.mesa_settings.change(actor=cast.rosa, field="ping_hours",
                                            values=["99999"])
    await services.mesa_settings.change(actor=cast.rosa, field="ping_hours", values=["72"])
    await services.mesa_settings.change(actor=cast.rosa, field="day_hours", values=["11", "18"])
    assert await _tick_at(services, clock, _at(12, 10, 0)) == 0  # 72 h before, but 10:00
    assert await _tick_at(services, clock, _at(12, 11, 0)) == 2
    assert {p.params["hours"] for p in await _pings(services)} == {72}
    assert await _tick_at(services, clock, _at(14, 10, 0)) == 0  # no 24-hour ping any more
    schedule = await services.mesa_settings.show(actor=cast.maria)
    assert (schedule.ping_hours, schedule.day_starts, schedule.day_ends) == ((72,), 11, 18)
