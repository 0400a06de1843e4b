"""Sessions that recur monthly: "primer jueves del mes 9:00" keeps the first Thursday of
the next months scheduled, at 09:00 in the mesa's zone; the months that pass add the next
ones once; one occurrence moved or cancelled changes it alone; a malformed rule writes
nothing."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.enums import SessionKind, SessionStatus
from bot.core.errors import SeriesMonthUnreadable
from bot.core.services import Services
from bot.core.views import SessionView
from bot.storage.tables import MesaSession, SessionSeries
from tests.builders import Cast
from tests.conftest import LIMA


def _at(year: int, month: int, day: int, hour: int, tz: ZoneInfo = LIMA) -> datetime:
    return datetime(year, month, day, hour, tzinfo=tz)


def _days(views: list[SessionView], tz: ZoneInfo = LIMA) -> list[date]:
    return [v.starts_at.astimezone(tz).date() for v in views]


async def _scheduled(services: Services, cast: Cast) -> list[tuple[int, date, str]]:
    return [(v.number, v.starts_at.astimezone(LIMA).date(), v.kind)
            for v in await services.sessions.upcoming(actor=cast.rosa)
            if v.status == SessionStatus.SCHEDULED]


async def test_the_first_thursday_of_each_month_from_15_january(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    clock.set(_at(2027, 1, 15, 10))  # 7 January, January's first Thursday, has passed
    started = await services.series.start(actor=cast.rosa, when="primer jueves del mes 9:00")
    assert _days(started.sessions) == [
        date(2027, 2, 4), date(2027, 3, 4), date(2027, 4, 1), date(2027, 5, 6)]
    assert {v.starts_at.astimezone(LIMA).hour for v in started.sessions} == {9}
    assert {v.starts_at.astimezone(ZoneInfo("UTC")).hour for v in started.sessions} == {14}
    assert started.recurrence.week_of_month == 1 and started.recurrence.weekday == 3
    listed = await services.sessions.upcoming(actor=cast.rosa)
    assert {v.series.week_of_month for v in listed if v.series} == {1}


async def test_the_last_friday_of_each_month_and_good_friday_is_marked(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """26 March 2027 is Good Friday, a public holiday in Peru: kept, and marked."""
    clock.set(_at(2027, 1, 15, 10))
    started = await services.series.start(actor=cast.rosa,
                                          when="último viernes del mes 10:00")
    assert [(d, v.holiday) for d, v in zip(_days(started.sessions), started.sessions,
                                           strict=True)] == [
        (date(2027, 1, 29), False), (date(2027, 2, 26), False), (date(2027, 3, 26), True),
        (date(2027, 4, 30), False)]


async def test_a_month_whose_day_has_not_come_yet_is_the_first(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    clock.set(_at(2027, 1, 7, 8))  # the first Thursday of January, an hour before 09:00
    started = await services.series.start(actor=cast.rosa,
                                          when="first Thursday of the month 9:00")
    assert _days(started.sessions)[:2] == [date(2027, 1, 7), date(2027, 2, 4)]


async def test_top_up_after_months_pass_schedules_the_next_ones_once(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    clock.set(_at(2027, 1, 15, 10))
    await services.series.start(actor=cast.rosa, when="primer jueves del mes 9:00")
    assert await services.series.top_up() == 0  # nothing has passed yet
    clock.set(_at(2027, 2, 4, 12))  # the 4 February session is over
    assert await services.series.top_up() == 1
    assert await services.series.top_up() == 0
    clock.set(_at(2027, 4, 2, 12))  # March's and April's are over too
    counts = await asyncio.gather(*(services.series.top_up() for _ in range(3)))
    assert sum(counts) == 2  # a second process at once never doubles a month
    assert [(n, d) for n, d, _ in await _scheduled(services, cast)] == [
        (1, date(2027, 2, 4)), (2, date(2027, 3, 4)), (3, date(2027, 4, 1)),
        (4, date(2027, 5, 6)), (5, date(2027, 6, 3)), (6, date(2027, 7, 1)),
        (7, date(2027, 8, 5))]
    async with services.db.read() as s:
        assert len((await s.exec(select(MesaSession))).all()) == 7


async def test_over_the_year_end_and_in_the_mesas_zone_across_summer_time(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    """A mesa in Madrid: 09:00 local stays 09:00 when the clocks change (28 March
    2027), so its hour in UTC moves; December's last Tuesday is followed by January's."""
    madrid, utc = ZoneInfo("Europe/Madrid"), ZoneInfo("UTC")
    await services.mesa_settings.change(actor=cast.rosa, field="timezone",
                                        values=["Europe/Madrid"])
    clock.set(_at(2026, 11, 30, 10, madrid))
    started = await services.series.start(actor=cast.rosa, when="último martes del mes 9:00")
    assert [(d, v.starts_at.astimezone(madrid).hour, v.starts_at.astimezone(utc).hour)
            for d, v in zip(_days(started.sessions, madrid), started.sessions, strict=True)
            ] == [(date(2026, 12, 29), 9, 8), (date(2027, 1, 26), 9, 8),
                  (date(2027, 2, 23), 9, 8), (date(2027, 3, 30), 9, 7)]


async def test_one_occurrence_moved_or_cancelled_alone_and_the_series_ended(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    clock.set(_at(2027, 1, 15, 10))
    await services.series.start(actor=cast.rosa, when="primer jueves del mes 9:00")
    await services.sessions.set_status(actor=cast.rosa, number=2,
                                       status=SessionStatus.CANCELLED)
    await services.sessions.move(actor=cast.rosa, number=3, when="2 de abril de 2027 10:00")
    assert await services.series.top_up() == 0  # neither slot is filled again
    assert [(n, d) for n, d, _ in await _scheduled(services, cast)] == [
        (1, date(2027, 2, 4)), (3, date(2027, 4, 2)), (4, date(2027, 5, 6))]
    ended = await services.series.end(actor=cast.rosa)
    assert ended.cancelled == [1, 4]  # the moved one was chosen by someone: kept
    assert ended.recurrence.week_of_month == 1
    assert [n for n, _, _ in await _scheduled(services, cast)] == [3]
    clock.set(_at(2027, 6, 1, 10))
    assert await services.series.top_up() == 0


async def test_a_high_level_monthly_series_beside_a_weekly_ordinary_one(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    clock.set(_at(2027, 1, 15, 12))
    await services.series.start(actor=cast.rosa, when="viernes 10:00")
    high = await services.series.start(actor=cast.rosa, when="primer jueves del mes 9:00",
                                       kind=SessionKind.HIGH_LEVEL)
    assert high.cancelled == []
    scheduled = await _scheduled(services, cast)
    assert [d for _, d, kind in scheduled if kind == "high_level"] == [
        date(2027, 2, 4), date(2027, 3, 4), date(2027, 4, 1), date(2027, 5, 6)]
    assert [d for _, d, kind in scheduled if kind == "regular"] == [
        date(2027, 1, 22), date(2027, 1, 29), date(2027, 2, 5), date(2027, 2, 12)]
    clock.set(_at(2027, 2, 5, 12))  # three Fridays and one first Thursday have passed
    assert await services.series.top_up() == 4
    scheduled = await _scheduled(services, cast)
    assert [d for _, d, kind in scheduled if kind == "high_level"][-1] == date(2027, 6, 3)
    assert [d for _, d, kind in scheduled if kind == "regular"][-1] == date(2027, 3, 5)
    ended = await services.series.end(actor=cast.rosa)  # the ordinary one only
    assert ended.recurrence.week_of_month is None
    assert [(d, kind) for _, d, kind in await _scheduled(services, cast)
            if d > date(2027, 2, 5)] == [
        (date(2027, 3, 4), "high_level"), (date(2027, 4, 1), "high_level"),
        (date(2027, 5, 6), "high_level"), (date(2027, 6, 3), "high_level")]


@pytest.mark.parametrize("when", [
    "quinto jueves del mes 9:00", "primer jueves 9:00", "primer jueves del mes",
    "fifth Friday of the month 10:00", "cada mes 9:00", "primer día del mes 9:00",
])
async def test_a_malformed_monthly_rule_is_refused_and_nothing_is_written(
    services: Services, cast: Cast, clock: ManualClock, when: str
) -> None:
    with pytest.raises(SeriesMonthUnreadable):
        await services.series.start(actor=cast.rosa, when=when)
    with pytest.raises(SeriesMonthUnreadable):  # not every two weeks and monthly at once
        await services.series.start(actor=cast.rosa, when="primer jueves del mes 9:00",
                                    every_weeks=2)
    async with services.db.read() as s:
        assert (await s.exec(select(SessionSeries))).all() == []
        assert (await s.exec(select(MesaSession))).all() == []
