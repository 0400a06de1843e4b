"""Sessions that recur: a series keeps the next Fridays scheduled at 10:00 in Lima, one
occurrence moved or cancelled changes that one alone, pings follow the series, and "the
next session" is the next ordinary one."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.core import audit
from bot.core.clock import ManualClock
from bot.core.enums import SessionKind, SessionStatus
from bot.core.errors import SeriesDayUnreadable, SeriesNone
from bot.core.services import Services
from bot.core.views import SessionView
from bot.storage.tables import AuditEvent
from tests.builders import Cast
from tests.conftest import LIMA
from tests.core.test_reminders import _commitments, _pings, _tick_at


def _at(day: int, hour: int, minute: int = 0, month: int = 1, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LIMA)


def _local(views: list[SessionView]) -> list[tuple[int, datetime, str]]:
    return [(v.number, v.starts_at.astimezone(LIMA), v.status) for v in views]


async def _scheduled(services: Services, cast: Cast) -> list[tuple[int, datetime, str]]:
    return [row for row in _local(await services.sessions.upcoming(actor=cast.rosa))
            if row[2] == "scheduled"]


async def test_a_weekly_series_schedules_every_friday_at_10_lima_over_three_weeks(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    started = await services.series.start(actor=cast.rosa, when="viernes 10:00")
    fridays = [_at(15, 10), _at(22, 10), _at(29, 10), _at(5, 10, month=2)]
    assert _local(started.sessions) == [(n, f, "scheduled") for n, f in enumerate(fridays, 1)]
    for week in range(3):  # each Friday the session is held; the series stays 4 ahead
        clock.set(fridays[0] + timedelta(weeks=week, hours=2))
        await services.sessions.set_status(actor=cast.rosa, number=week + 1,
                                           status=SessionStatus.HELD)
        assert await services.series.top_up() == 1
        assert await services.series.top_up() == 0  # looking twice schedules nothing
    upcoming = await _scheduled(services, cast)
    assert upcoming == [(n, _at(5, 10, month=2) + timedelta(weeks=n - 4), "scheduled")
                        for n in range(4, 8)]
    assert all(when.weekday() == 4 and when.hour == 10 for _, when, _ in upcoming)
    views = await services.sessions.upcoming(actor=cast.rosa)
    assert {(v.series.weekday, v.series.at.hour) for v in views if v.series} == {(4, 10)}


async def test_cancelling_one_occurrence_leaves_the_others_and_is_not_rescheduled(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await services.series.start(actor=cast.rosa, when="viernes 10:00")
    await services.sessions.set_status(actor=cast.rosa, number=2,
                                       status=SessionStatus.CANCELLED)
    assert await services.series.top_up() == 0
    assert [(n, s) for n, _, s in _local(await services.sessions.upcoming(actor=cast.rosa))] == [
        (1, "scheduled"), (2, "cancelled"), (3, "scheduled"), (4, "scheduled")]
    clock.set(_at(18, 9))  # a week later the series adds a 5th Friday, 12 February
    assert await services.series.top_up() == 1
    assert [(n, w) for n, w, _ in await _scheduled(services, cast)] == [
        (1, _at(15, 10)), (3, _at(29, 10)), (4, _at(5, 10, month=2)),
        (5, _at(12, 10, month=2))]


async def test_pings_follow_the_series_and_skip_the_cancelled_occurrence(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _commitments(services, cast)
    await services.series.start(actor=cast.rosa, when="viernes 10:00")
    await services.sessions.set_status(actor=cast.rosa, number=2,
                                       status=SessionStatus.CANCELLED)
    assert await _tick_at(services, clock, _at(13, 10)) == 2  # 48 h before Friday 15
    assert {p.params["session"] for p in await _pings(services)} == {1}
    clock.set(_at(15, 12))
    await services.sessions.set_status(actor=cast.rosa, number=1, status=SessionStatus.HELD)
    for when in (_at(20, 10), _at(21, 10)):  # Friday 22 was cancelled: no ping
        assert await _tick_at(services, clock, when) == 0, when
    assert await _tick_at(services, clock, _at(27, 10)) == 2  # 48 h before Friday 29
    assert await _tick_at(services, clock, _at(28, 10)) == 2
    assert {p.params["session"] for p in await _pings(services)} == {3}


async def test_two_processes_topping_up_at_once_schedule_each_day_once(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await services.series.start(actor=cast.rosa, when="viernes 10:00")
    clock.set(_at(2, 12, month=2))  # three Fridays have passed
    counts = await asyncio.gather(*(services.series.top_up() for _ in range(4)))
    assert sum(counts) == 3
    days = [w for _, w, _ in _local(await services.sessions.upcoming(actor=cast.rosa))]
    assert days == [_at(15, 10) + timedelta(weeks=n) for n in range(7)]


async def test_moving_one_occurrence_moves_it_alone_and_its_pings_follow(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _commitments(services, cast)
    await services.series.start(actor=cast.rosa, when="viernes 10:00")
    view, was = await services.sessions.move(actor=cast.rosa, number=1,
                                             when="lunes 18 de enero 11:00")
    assert (view.starts_at.astimezone(LIMA), was.astimezone(LIMA)) == (_at(18, 11), _at(15, 10))
    assert view.series is not None and view.series.weekday == 4  # still of the series
    assert await services.series.top_up() == 0  # the moved slot is not filled again
    assert [(n, w) for n, w, _ in await _scheduled(services, cast)] == [
        (1, _at(18, 11)), (2, _at(22, 10)), (3, _at(29, 10)), (4, _at(5, 10, month=2))]
    assert await _tick_at(services, clock, _at(13, 10)) == 0  # no ping for the old time
    assert await _tick_at(services, clock, _at(14, 10)) == 0
    assert await _tick_at(services, clock, _at(18, 7)) == 2  # Monday 07:00, before 11:00


async def test_a_new_series_replaces_the_old_and_ending_it_cancels_what_is_left(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await services.series.start(actor=cast.rosa, when="viernes 10:00")
    await services.sessions.move(actor=cast.rosa, number=4, when="4 de febrero 10:00")
    started = await services.series.start(actor=cast.rosa, when="el jueves 9:00",
                                          every_weeks=2)
    assert started.cancelled == [1, 2, 3]  # the moved one (4) was chosen by someone: kept
    assert [w for _, w, _ in _local(started.sessions)] == [
        _at(14, 9), _at(28, 9), _at(11, 9, month=2), _at(25, 9, month=2)]
    ended = await services.series.end(actor=cast.rosa)
    assert ended.cancelled == [5, 6, 7, 8]
    assert [n for n, _, _ in await _scheduled(services, cast)] == [4]
    assert await services.series.top_up() == 0
    with pytest.raises(SeriesNone):
        await services.series.end(actor=cast.rosa)
    with pytest.raises(SeriesDayUnreadable):
        await services.series.start(actor=cast.rosa, when="15 de enero 10:00")


async def test_a_high_level_series_runs_beside_the_ordinary_one(
    services: Services, cast: Cast
) -> None:
    await services.series.start(actor=cast.rosa, when="viernes 10:00")
    high = await services.series.start(actor=cast.rosa, when="miércoles 9:00",
                                       kind=SessionKind.HIGH_LEVEL)
    assert high.cancelled == [] and {v.kind for v in high.sessions} == {"high_level"}
    assert len(await _scheduled(services, cast)) == 8


async def test_an_occurrence_on_a_public_holiday_is_kept_and_marked(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """8 December is a public holiday in Peru: the Tuesday session that day stays, and
    the list says it is a holiday."""
    clock.set(_at(30, 9, month=11, year=2026))
    started = await services.series.start(actor=cast.rosa, when="cada martes 10:00")
    assert [(v.starts_at.astimezone(LIMA).day, v.holiday) for v in started.sessions] == [
        (1, False), (8, True), (15, False), (22, False)]
    listed = await services.sessions.upcoming(actor=cast.rosa)
    assert [v.holiday for v in listed] == [False, True, False, False]


async def test_the_agenda_is_for_the_next_ordinary_session_not_a_high_level_one(
    services: Services, cast: Cast
) -> None:
    await services.sessions.schedule(actor=cast.rosa, when="miércoles 10:00",
                                     kind=SessionKind.HIGH_LEVEL)  # S-1, 13 January
    await services.sessions.schedule(actor=cast.rosa, when="viernes 10:00")  # S-2
    agenda = await services.agendas.compile(actor=cast.rosa)
    assert agenda.session is not None and agenda.session.number == 2
    logged = await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    assert logged.next_session is not None and logged.next_session.number == 2


async def test_every_session_a_series_schedules_moves_or_cancels_is_audited(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await services.series.start(actor=cast.rosa, when="viernes 10:00")
    await services.sessions.move(actor=cast.rosa, number=2, when="lunes 18 de enero 11:00")
    clock.set(_at(18, 12))
    await services.series.top_up()  # the scheduler adds S-5, no one acting
    await services.series.end(actor=cast.rosa)
    async with services.db.read() as s:
        events = (await s.exec(
            select(AuditEvent).where(col(AuditEvent.subject).startswith("S-"))
            .order_by(col(AuditEvent.id))
        )).all()
        report = await audit.verify(s)
    assert [(e.kind, e.subject, e.actor_id is None) for e in events] == [
        ("session.scheduled", "S-1", False), ("session.scheduled", "S-2", False),
        ("session.scheduled", "S-3", False), ("session.scheduled", "S-4", False),
        ("session.moved", "S-2", False), ("session.scheduled", "S-5", True),
        ("session.cancelled", "S-3", False), ("session.cancelled", "S-4", False),
        ("session.cancelled", "S-5", False),
    ]
    assert report.problems == []


async def test_a_session_moved_after_its_pings_went_out_is_pinged_again_for_its_new_time(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    await _commitments(services, cast)
    await services.series.start(actor=cast.rosa, when="viernes 10:00")
    assert await _tick_at(services, clock, _at(13, 10)) == 2  # 48 h before Friday 15
    assert await _tick_at(services, clock, _at(14, 10)) == 2
    await services.sessions.move(actor=cast.rosa, number=1, when="martes 19 de enero 10:00")
    assert await _tick_at(services, clock, _at(14, 11)) == 0  # none for the old time
    assert await _tick_at(services, clock, _at(18, 10)) == 2  # 24 h before the new time
    assert await _tick_at(services, clock, _at(18, 10, 5)) == 0  # and once
