"""Sessions that recur: "/sesion cada viernes 10:00", "/sesion primer jueves del mes
9:00", and the sessions they keep scheduled.

A series is a rule (weekday, local time, every one or two weeks; or the first to fourth
or last such weekday of each month) kept in the database.
It keeps the next ``KEEP_AHEAD`` occurrences scheduled as ordinary sessions, each tied to
its slot (the day the rule gave it). The slot stays taken when its session is moved or
cancelled, so changing one occurrence never changes the others and the series never
puts a cancelled day back. When the series is created the first occurrences are
generated at once; then the scheduler calls :meth:`Series.top_up`, which generates
whatever the passing weeks (or months) have made due. Generation happens under the
mesa's lock and the slot is unique, so a restart or a second process never schedules a
day twice.

A new series of the same kind replaces the running one, and "fin de serie" ends it: in
both cases the old series' future sessions still scheduled are cancelled (a session it
generated that was moved is a session someone chose, and is kept). Occurrences that fall
on a public holiday are kept and marked as such in the list; a coordinator moves or
cancels them as the mesa decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.context import Actor, UseCases, load_acting, lock_mesa
from bot.core.dates import is_holiday
from bot.core.enums import Audience, SessionKind, SessionStatus
from bot.core.errors import SeriesMonthUnreadable, SeriesNone
from bot.core.notices import notify
from bot.core.permissions import Op
from bot.core.series_rules import (
    is_monthly,
    nth_weekday,
    parse_monthly_time,
    parse_weekday_time,
)
from bot.core.sessions import listed_views, recurrence
from bot.core.views import Recurrence, SessionView
from bot.storage.tables import Mesa, MesaSession, SeriesOccurrence, SessionSeries

#: How many upcoming occurrences a series keeps scheduled.
KEEP_AHEAD = 4


@dataclass(frozen=True)
class SeriesStarted:
    recurrence: Recurrence
    kind: str
    sessions: list[SessionView]
    #: Sessions of the series it replaced that were cancelled (their numbers).
    cancelled: list[int]


@dataclass(frozen=True)
class SeriesEnded:
    recurrence: Recurrence
    kind: str
    cancelled: list[int]


def _slot_start(series: SessionSeries, day: date, tz: ZoneInfo) -> datetime:
    hour, minute = series.at_time.split(":")
    return datetime.combine(day, time(int(hour), int(minute)), tzinfo=tz)


def first_slot(weekday: int, at: time, now: datetime, tz: ZoneInfo) -> date:
    """The first day on ``weekday`` whose time ``at`` is still to come."""
    today = now.astimezone(tz).date()
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    if datetime.combine(day, at, tzinfo=tz) <= now:
        day += timedelta(days=7)
    return day


def first_monthly_slot(
    week: int, weekday: int, at: time, now: datetime, tz: ZoneInfo
) -> date:
    """The first ``week``-th ``weekday`` of a month whose time ``at`` is still to come."""
    today = now.astimezone(tz).date()
    day = nth_weekday(today.year, today.month, weekday, week)
    if datetime.combine(day, at, tzinfo=tz) <= now:
        day = _next_month(day, week=week, weekday=weekday)
    return day


def _next_month(day: date, *, week: int, weekday: int) -> date:
    """The same ``week``-th ``weekday`` in the month after ``day``'s."""
    year, month = divmod(day.year * 12 + day.month, 12)
    return nth_weekday(year, month + 1, weekday, week)


def _slots(series: SessionSeries, now: datetime, tz: ZoneInfo) -> list[date]:
    """The series' next ``KEEP_AHEAD`` days whose time is still to come, counted from
    its anchor: weeks apart, or the same weekday of the month, month after month."""
    day = series.anchor_on
    week = series.week_of_month
    if week is None:
        step = timedelta(weeks=series.every_weeks)
        while _slot_start(series, day, tz) <= now:
            day += step
        return [day + step * n for n in range(KEEP_AHEAD)]
    while _slot_start(series, day, tz) <= now:
        day = _next_month(day, week=week, weekday=series.weekday)
    days = [day]
    while len(days) < KEEP_AHEAD:
        days.append(_next_month(days[-1], week=week, weekday=series.weekday))
    return days


async def _active(session: AsyncSession, mesa_id: int, kind: str) -> SessionSeries | None:
    return (await session.exec(
        select(SessionSeries)
        .where(SessionSeries.mesa_id == mesa_id, SessionSeries.kind == kind)
        .where(col(SessionSeries.ended_at).is_(None))
    )).first()


async def _generate(
    s: AsyncSession, mesa: Mesa, series: SessionSeries, now: datetime,
    actor_id: int | None, source: str,
) -> list[MesaSession]:
    """Schedule the series' next ``KEEP_AHEAD`` slots that have no session yet. The
    caller holds the mesa's lock."""
    assert mesa.id is not None and series.id is not None
    tz = ZoneInfo(mesa.timezone)
    taken = set((await s.exec(
        select(col(SeriesOccurrence.slot_on)).where(SeriesOccurrence.series_id == series.id)
    )).all())
    created: list[MesaSession] = []
    for day in _slots(series, now, tz):
        if day not in taken:
            starts_at = _slot_start(series, day, tz)
            row = MesaSession(mesa_id=mesa.id, number=mesa.next_session_no,
                              starts_at=starts_at, kind=series.kind)
            mesa.next_session_no += 1
            s.add_all([row, mesa])
            await s.flush()
            assert row.id is not None
            s.add(SeriesOccurrence(series_id=series.id, slot_on=day, session_id=row.id))
            await audit.record(
                s, at=now, mesa_id=mesa.id, actor_id=actor_id,
                kind="session.scheduled", subject=f"S-{row.number}", source=source,
                after={"starts_at": starts_at, "kind": series.kind, "series": series.id},
            )
            created.append(row)
    return created


async def _end(
    s: AsyncSession, series: SessionSeries, now: datetime, actor_id: int | None,
    source: str,
) -> list[int]:
    """End ``series`` and cancel its future sessions still at their slot's time."""
    assert series.id is not None
    series.ended_at = now
    s.add(series)
    await audit.record(
        s, at=now, mesa_id=series.mesa_id, actor_id=actor_id, kind="series.ended",
        subject=f"series-{series.id}", source=source, after={"ended_at": now},
    )
    mesa = (await s.exec(select(Mesa).where(Mesa.id == series.mesa_id))).one()
    tz = ZoneInfo(mesa.timezone)
    rows = (await s.exec(
        select(MesaSession, col(SeriesOccurrence.slot_on))
        .join(SeriesOccurrence, col(SeriesOccurrence.session_id) == col(MesaSession.id))
        .where(SeriesOccurrence.series_id == series.id)
        .where(MesaSession.status == SessionStatus.SCHEDULED.value)
        .where(col(MesaSession.starts_at) > now)
        .order_by(col(MesaSession.starts_at))
    )).all()
    cancelled = []
    for row, slot_on in rows:
        if row.starts_at != _slot_start(series, slot_on, tz):
            continue  # moved by someone: a session they chose, kept
        row.status = SessionStatus.CANCELLED.value
        s.add(row)
        await audit.record(
            s, at=now, mesa_id=series.mesa_id, actor_id=actor_id,
            kind="session.cancelled", subject=f"S-{row.number}", source=source,
            before={"status": SessionStatus.SCHEDULED.value},
            after={"status": SessionStatus.CANCELLED.value},
        )
        cancelled.append(row.number)
    return cancelled


class Series(UseCases):
    async def start(
        self, *, actor: Actor, when: str, every_weeks: int = 1,
        kind: SessionKind = SessionKind.REGULAR, source: str = "",
    ) -> SeriesStarted:
        """Start a series ("viernes 10:00", every one or two weeks; or "primer jueves
        del mes 9:00"), replacing the running series of the same kind, and schedule its
        first occurrences."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.SCHEDULE_SESSION)
            week: int | None = None
            if is_monthly(when):
                if every_weeks != 1:  # "cada dos semanas el primer jueves del mes"
                    raise SeriesMonthUnreadable(text=when)
                week, weekday, at = parse_monthly_time(when)
                anchor_on = first_monthly_slot(week, weekday, at, now, acting.tz)
            else:
                weekday, at = parse_weekday_time(when)
                anchor_on = first_slot(weekday, at, now, acting.tz)
            mesa = await lock_mesa(s, acting.mesa_id)
            old = await _active(s, acting.mesa_id, kind.value)
            cancelled = await _end(s, old, now, acting.member_id, source) if old else []
            series = SessionSeries(
                mesa_id=acting.mesa_id, kind=kind.value, weekday=weekday,
                at_time=at.strftime("%H:%M"), every_weeks=every_weeks,
                week_of_month=week, anchor_on=anchor_on, created_at=now,
            )
            s.add(series)
            await s.flush()
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="series.started", subject=f"series-{series.id}", source=source,
                after={"kind": kind.value, "weekday": weekday, "at": series.at_time,
                       "every_weeks": every_weeks, "week_of_month": week,
                       "anchor_on": series.anchor_on},
            )
            rows = await _generate(s, mesa, series, now, acting.member_id, source)
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
                kind="series_started",
                params={"weekday": weekday, "at": series.at_time, "every_weeks": every_weeks,
                        "week_of_month": week, "kind": kind.value, "number": rows[0].number,
                        "starts_at": rows[0].starts_at},
            )
            return SeriesStarted(
                recurrence=recurrence(series), kind=kind.value, cancelled=cancelled,
                sessions=await listed_views(s, rows, acting.tz, acting.mesa.country),
            )

    async def end(
        self, *, actor: Actor, kind: SessionKind = SessionKind.REGULAR, source: str = ""
    ) -> SeriesEnded:
        """Stop the running series of ``kind`` and cancel its future sessions."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.SCHEDULE_SESSION)
            await lock_mesa(s, acting.mesa_id)
            series = await _active(s, acting.mesa_id, kind.value)
            if series is None:
                raise SeriesNone(kind=kind.value)
            cancelled = await _end(s, series, now, acting.member_id, source)
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
                kind="series_ended",
                params={"weekday": series.weekday, "at": series.at_time,
                        "every_weeks": series.every_weeks,
                        "week_of_month": series.week_of_month, "kind": series.kind,
                        "cancelled": cancelled},
            )
            return SeriesEnded(recurrence=recurrence(series), kind=kind.value,
                               cancelled=cancelled)

    async def top_up(self) -> int:
        """Keep every running series' next occurrences scheduled (the scheduler calls
        this); returns how many sessions were scheduled. Each new one is announced to
        the mesa's group."""
        now = self.clock.now()
        async with self.db.read() as s:
            mesa_ids = sorted(set((await s.exec(
                select(SessionSeries.mesa_id)
                .join(Mesa, col(Mesa.id) == col(SessionSeries.mesa_id))
                .where(col(SessionSeries.ended_at).is_(None), Mesa.status == "active")
            )).all()))
        created = 0
        for mesa_id in mesa_ids:
            async with self.db.write() as s:
                mesa = await lock_mesa(s, mesa_id)
                running = (await s.exec(
                    select(SessionSeries)
                    .where(SessionSeries.mesa_id == mesa_id)
                    .where(col(SessionSeries.ended_at).is_(None))
                    .order_by(col(SessionSeries.id))
                )).all()
                for series in running:
                    for row in await _generate(s, mesa, series, now, None, "scheduler"):
                        notify(
                            s, at=now, source="scheduler", mesa_id=mesa_id,
                            audience=Audience.GROUND, kind="session_scheduled",
                            params={"number": row.number, "starts_at": row.starts_at,
                                    "kind": row.kind, "holiday": is_holiday(
                                        row.starts_at.astimezone(ZoneInfo(mesa.timezone))
                                        .date(), mesa.country)},
                        )
                        created += 1
        return created
