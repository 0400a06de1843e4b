"""Sessions: scheduling, holding and cancelling them, and the mesa's cadence."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.context import Actor, UseCases, load_acting, lock_mesa, locked
from bot.core.dates import is_holiday, parse_local_datetime
from bot.core.enums import Audience, SessionKind, SessionStatus
from bot.core.errors import SessionClosed, SessionNotFound, SessionNotYet
from bot.core.notices import notify
from bot.core.permissions import Op
from bot.core.views import Recurrence, SessionView
from bot.storage.tables import MesaSession, SeriesOccurrence, SessionSeries

MOMENTUM_DAYS = 90


def session_view(row: MesaSession) -> SessionView:
    return SessionView(
        number=row.number, starts_at=row.starts_at, kind=row.kind, status=row.status
    )


async def next_session(
    session: AsyncSession, mesa_id: int, now: datetime,
    kind: SessionKind = SessionKind.REGULAR,
) -> MesaSession | None:
    """The next scheduled session of ``kind``: "the next session" of the agenda and of
    the pings is the next ordinary one, not a high-level meeting that comes first."""
    return (
        await session.exec(
            select(MesaSession)
            .where(MesaSession.mesa_id == mesa_id)
            .where(MesaSession.status == SessionStatus.SCHEDULED)
            .where(MesaSession.kind == kind.value)
            .where(MesaSession.starts_at >= now)
            .order_by(col(MesaSession.starts_at))
        )
    ).first()


def recurrence(series: SessionSeries) -> Recurrence:
    hour, minute = series.at_time.split(":")
    return Recurrence(weekday=series.weekday, at=time(int(hour), int(minute)),
                      every_weeks=series.every_weeks, week_of_month=series.week_of_month)


async def listed_views(
    session: AsyncSession, rows: list[MesaSession], tz: ZoneInfo, country: str
) -> list[SessionView]:
    """Sessions as a list shows them: with the series each came from, and whether it
    falls on a public holiday."""
    ids = [r.id for r in rows if r.id is not None]
    pairs = (await session.exec(
        select(SeriesOccurrence.session_id, SessionSeries)
        .join(SessionSeries, col(SessionSeries.id) == col(SeriesOccurrence.series_id))
        .where(col(SeriesOccurrence.session_id).in_(ids))
    )).all() if ids else []
    series = {session_id: recurrence(row) for session_id, row in pairs}
    return [
        dataclasses.replace(
            session_view(r), series=series.get(r.id or 0),
            holiday=is_holiday(r.starts_at.astimezone(tz).date(), country),
        )
        for r in rows
    ]


async def last_held(
    session: AsyncSession, mesa_id: int, before: datetime
) -> MesaSession | None:
    return (
        await session.exec(
            select(MesaSession)
            .where(MesaSession.mesa_id == mesa_id)
            .where(MesaSession.status == SessionStatus.HELD)
            .where(MesaSession.starts_at < before)
            .order_by(col(MesaSession.starts_at).desc())
        )
    ).first()


async def held_since(session: AsyncSession, mesa_id: int, since: datetime) -> int:
    count = await session.exec(
        select(func.count())
        .select_from(MesaSession)
        .where(MesaSession.mesa_id == mesa_id)
        .where(MesaSession.status == SessionStatus.HELD)
        .where(MesaSession.starts_at >= since)
    )
    return int(count.one())


async def _scheduled(session: AsyncSession, mesa_id: int, number: int) -> MesaSession:
    """Session ``number`` of the mesa, locked, refused unless it is still scheduled."""
    row = (await session.exec(locked(
        select(MesaSession).where(MesaSession.mesa_id == mesa_id, MesaSession.number == number)
    ))).first()
    if row is None:
        raise SessionNotFound(number=number)
    if row.status != SessionStatus.SCHEDULED:
        raise SessionClosed(number=number, status=row.status)
    return row


class Sessions(UseCases):
    async def schedule(
        self, *, actor: Actor, when: str, kind: SessionKind = SessionKind.REGULAR, source: str = ""
    ) -> SessionView:
        """Schedule a session at a local day and time ("viernes 10:00")."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.SCHEDULE_SESSION)
            starts_at = parse_local_datetime(
                when, now=now, tz=acting.tz, country=acting.mesa.country
            )
            mesa = await lock_mesa(s, acting.mesa_id)
            row = MesaSession(
                mesa_id=acting.mesa_id,
                number=mesa.next_session_no,
                starts_at=starts_at,
                kind=kind.value,
            )
            mesa.next_session_no += 1
            s.add_all([row, mesa])
            ref = f"S-{row.number}"
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="session.scheduled", subject=ref, source=source,
                after={"starts_at": starts_at, "kind": kind.value},
            )
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
                kind="session_scheduled",
                params={"number": row.number, "starts_at": starts_at, "kind": kind.value,
                        "holiday": is_holiday(starts_at.astimezone(acting.tz).date(),
                                              acting.mesa.country)},
            )
            return session_view(row)

    async def set_status(
        self, *, actor: Actor, number: int, status: SessionStatus, source: str = ""
    ) -> SessionView:
        """Mark a scheduled session as held or cancelled."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.SCHEDULE_SESSION)
            row = await _scheduled(s, acting.mesa_id, number)
            if status is SessionStatus.HELD and row.starts_at > now:
                raise SessionNotYet(number=number, starts_at=row.starts_at)
            before = row.status
            row.status = status.value
            s.add(row)
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind=f"session.{status.value}", subject=f"S-{number}", source=source,
                before={"status": before}, after={"status": status.value},
            )
            if status is SessionStatus.CANCELLED:
                notify(
                    s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
                    kind="session_cancelled",
                    params={"number": row.number, "starts_at": row.starts_at},
                )
            return session_view(row)

    async def upcoming(self, *, actor: Actor, days: int = 60) -> list[SessionView]:
        """Sessions in the coming weeks, and the most recent past ones. Every session
        still scheduled is listed however far ahead, so a monthly series shows all the
        months it keeps scheduled."""
        now = self.clock.now()
        async with self.db.read() as s:
            acting = await load_acting(s, actor, Op.READ)
            rows = list(await s.exec(
                select(MesaSession)
                .where(MesaSession.mesa_id == acting.mesa_id)
                .where(MesaSession.starts_at >= now - timedelta(days=days))
                .where(or_(col(MesaSession.starts_at) <= now + timedelta(days=days),
                           MesaSession.status == SessionStatus.SCHEDULED.value))
                .order_by(col(MesaSession.starts_at))
            ))
            return await listed_views(s, rows, acting.tz, acting.mesa.country)

    async def move(
        self, *, actor: Actor, number: int, when: str, source: str = ""
    ) -> tuple[SessionView, datetime]:
        """Move one scheduled session (one occurrence of a series, or a lone one) to a
        new local day and time; returns it and its old start. Its pings follow it: they
        are read from the session's time whenever they are looked for."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.SCHEDULE_SESSION)
            row = await _scheduled(s, acting.mesa_id, number)
            starts_at = parse_local_datetime(
                when, now=now, tz=acting.tz, country=acting.mesa.country
            )
            was = row.starts_at
            row.starts_at = starts_at
            s.add(row)
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="session.moved", subject=f"S-{number}", source=source,
                before={"starts_at": was}, after={"starts_at": starts_at},
            )
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
                kind="session_moved",
                params={"number": number, "starts_at": starts_at, "was": was},
            )
            return (await listed_views(s, [row], acting.tz, acting.mesa.country))[0], was
