"""Pings before each session: the follow-up of the dedicated team, kept by the bot.

At fixed offsets before a mesa's next regular session (48 and 24 hours), every owner of
an open commitment (confirmed, or blocked) gets one private message listing their
actions with their due dates. What was sent is not remembered anywhere but in the
outbox: each ping has a key (session and its time, offset, person), so looking at the
same moment twice, or from two processes, queues it once, and a session moved after its
pings went out is pinged again for its new time; a process that was down when a ping
came due sends it on its next look, marked late. A ping never goes out at night, on a
weekend or on a public holiday: it waits for the next working morning, unless the
session comes first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import UseCases
from bot.core.dates import is_working_day
from bot.core.enums import OPEN_COMMITTED, Audience, SessionKind, SessionStatus
from bot.core.mesa_settings import ping_hours
from bot.core.notices import notify_once
from bot.core.sessions import last_held
from bot.storage.tables import Action, Mesa, MesaSession, OutboxMessage, ProgressUpdate

#: A ping sent this long after its moment says it is late (the bot was down).
LATE_AFTER = timedelta(minutes=10)


def send_time(due: datetime, mesa: Mesa, deadline: datetime) -> datetime:
    """When a ping due at ``due`` may go out: then, if it is a working day's daytime in
    the mesa's zone (``/ajustes horario``, 7 to 21 by default); else the next working
    morning, unless ``deadline`` (the session) comes first, and then at ``due`` after
    all, since late is better than never."""
    tz, country = ZoneInfo(mesa.timezone), mesa.country
    starts = time(mesa.day_starts, 0)
    ends = time(mesa.day_ends, 0) if mesa.day_ends < 24 else time(23, 59, 59)
    local = due.astimezone(tz)
    day = local.date()
    if is_working_day(day, country) and starts <= local.time() < ends:
        return due
    if not (is_working_day(day, country) and local.time() < starts):
        day += timedelta(days=1)
    while not is_working_day(day, country):
        day += timedelta(days=1)
    morning = datetime.combine(day, starts, tzinfo=tz)
    return morning if morning < deadline else due


@dataclass(frozen=True)
class Due:
    session: MesaSession
    hours: int
    at: datetime


def due_ping(session: MesaSession, mesa: Mesa, now: datetime) -> Due | None:
    """The latest of the session's pings whose moment has come (a session scheduled at
    short notice gets its last ping only, not all of them at once)."""
    due: Due | None = None
    for hours in ping_hours(mesa):
        at = send_time(session.starts_at - timedelta(hours=hours), mesa, session.starts_at)
        if at <= now < session.starts_at:
            due = Due(session, hours, at)
    return due


class Reminders(UseCases):
    async def tick(self) -> int:
        """Queue every ping whose moment has come; returns how many were queued."""
        now = self.clock.now()
        async with self.db.read() as s:
            mesas = (await s.exec(select(Mesa).where(Mesa.status == "active"))).all()
        queued = 0
        for mesa in mesas:
            assert mesa.id is not None
            queued += await self._mesa(mesa.id, now)
        return queued

    async def _mesa(self, mesa_id: int, now: datetime) -> int:
        """Look in a reading transaction; write only the pings not queued yet (a ping's
        window lasts hours, and most minutes there is nothing new to write)."""
        async with self.db.read() as s:
            mesa = (await s.exec(select(Mesa).where(Mesa.id == mesa_id))).one()
            session = (await s.exec(
                select(MesaSession)
                .where(MesaSession.mesa_id == mesa_id,
                       MesaSession.status == SessionStatus.SCHEDULED.value,
                       MesaSession.kind == SessionKind.REGULAR.value,
                       col(MesaSession.starts_at) > now)
                .order_by(col(MesaSession.starts_at))
            )).first()
            due = due_ping(session, mesa, now) if session is not None else None
            if due is None:
                return 0
            wanted = await self._wanted(s, mesa, due, now)
            if not wanted:
                return 0
            queued = set((await s.exec(
                select(OutboxMessage.dedupe_key)
                .where(col(OutboxMessage.dedupe_key).in_(list(wanted)))
            )).all())
        missing = {key: ping for key, ping in wanted.items() if key not in queued}
        if not missing:
            return 0
        async with self.db.write() as s:
            count = 0
            for key, (owner_id, params) in missing.items():
                count += await notify_once(
                    s, key=key, at=now, mesa_id=mesa_id, audience=Audience.MEMBER,
                    member_id=owner_id, kind="session_ping", params=params)
            return count

    async def _wanted(
        self, s: AsyncSession, mesa: Mesa, due: Due, now: datetime
    ) -> dict[str, tuple[int, dict[str, object]]]:
        """The pings this moment calls for, by key: one per owner of an open commitment."""
        assert mesa.id is not None and due.session.id is not None
        actions = (await s.exec(
            select(Action)
            .where(Action.mesa_id == mesa.id, col(Action.owner_id).is_not(None))
            .where(col(Action.status).in_(OPEN_COMMITTED))
            .order_by(col(Action.due_on), col(Action.number))
        )).all()
        by_owner: dict[int, list[Action]] = defaultdict(list)
        for action in actions:
            assert action.owner_id is not None
            by_owner[action.owner_id].append(action)
        quiet = await self._reported_since_last_session(s, mesa.id, due) \
            if due.hours == max(ping_hours(mesa)) else set()
        wanted: dict[str, tuple[int, dict[str, object]]] = {}
        for owner_id, owned in by_owner.items():
            if owner_id in quiet:
                continue  # posted progress since the last session: no first nag
            # the session's time is in the key: a session moved after its pings went out
            # is pinged again for its new time
            key = (f"ping:{due.session.id}:{due.session.starts_at:%Y%m%d%H%M}"
                   f":{due.hours}:{owner_id}")
            wanted[key] = (owner_id, {
                "session": due.session.number, "starts_at": due.session.starts_at,
                "hours": due.hours, "late": now - due.at > LATE_AFTER,
                "actions": [{"ref": f"A-{a.number}", "text": a.text, "due_on": a.due_on,
                             "status": a.status} for a in owned],
            })
        return wanted

    @staticmethod
    async def _reported_since_last_session(
        s: AsyncSession, mesa_id: int, due: Due
    ) -> set[int]:
        """Owners who posted progress since the last session held (or ever, if none)."""
        held = await last_held(s, mesa_id, due.session.starts_at)
        query = select(ProgressUpdate.author_id).where(ProgressUpdate.mesa_id == mesa_id)
        if held is not None:
            query = query.where(col(ProgressUpdate.at) >= held.starts_at)
        return set((await s.exec(query)).all())
