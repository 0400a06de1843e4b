"""A mesa's own schedule: when its owners are pinged, when its agenda goes out, how long
an action may be overdue before the ministers hear of it, the hours in which the bot may
write to people, how many bottlenecks are prioritized at once, its cadence and time zone.

Coordinators change them from the chat (``/ajustes``), an administrator from the command
line (``mesabot mesa set``); every change is an audit event and the team is told.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.context import Actor, UseCases, load_acting, lock_mesa
from bot.core.enums import Audience, Cadence
from bot.core.errors import BadValue, UnknownMesa
from bot.core.notices import notify
from bot.core.permissions import Op
from bot.storage.tables import Member, Mesa

FIELDS = ("ping_hours", "agenda_hours", "grace_days", "day_starts", "day_ends",
          "priority_limit", "cadence", "timezone")


@dataclass(frozen=True)
class Schedule:
    mesa_name: str
    ping_hours: tuple[int, ...]
    agenda_hours: int
    grace_days: int
    day_starts: int
    day_ends: int
    priority_limit: int
    cadence: str
    timezone: str


def ping_hours(mesa: Mesa) -> tuple[int, ...]:
    """The hours before a session its owners are pinged, earliest first."""
    return tuple(sorted((int(h) for h in mesa.ping_hours.split(",") if h), reverse=True))


def schedule_of(mesa: Mesa) -> Schedule:
    return Schedule(mesa.name, ping_hours(mesa), mesa.agenda_hours, mesa.grace_days,
                    mesa.day_starts, mesa.day_ends, mesa.priority_limit, mesa.cadence,
                    mesa.timezone)


def _number(value: str, field: str, low: int, high: int) -> int:
    if not value.isdecimal() or len(value) > 4 or not low <= int(value) <= high:
        raise BadValue(field=field, value=value[:20], allowed=[f"{low}-{high}"])
    return int(value)


def apply(mesa: Mesa, field: str, values: list[str]) -> None:
    """Set one setting from the words typed; refuse anything out of its range."""
    if not values:
        raise BadValue(field=field, value="", allowed=[])
    if field == "ping_hours":
        if len(values) > 3:
            raise BadValue(field=field, value=" ".join(values)[:40], allowed=["1-3 × 1-168"])
        hours = sorted({_number(v, field, 1, 168) for v in values}, reverse=True)
        mesa.ping_hours = ",".join(str(h) for h in hours)
    elif field == "agenda_hours":
        mesa.agenda_hours = _number(values[0], field, 1, 48)
    elif field == "grace_days":
        mesa.grace_days = _number(values[0], field, 1, 60)
    elif field == "day_hours":
        if len(values) != 2:
            raise BadValue(field=field, value=" ".join(values)[:40], allowed=["7 21"])
        starts, ends = _number(values[0], field, 0, 23), _number(values[1], field, 1, 24)
        if starts >= ends:
            raise BadValue(field=field, value=" ".join(values)[:40], allowed=["7 21"])
        mesa.day_starts, mesa.day_ends = starts, ends
    elif field == "priority_limit":
        mesa.priority_limit = _number(values[0], field, 1, 10)
    elif field == "cadence":
        try:
            mesa.cadence = Cadence(values[0]).value
        except ValueError:
            raise BadValue(field=field, value=values[0][:20],
                           allowed=[c.value for c in Cadence]) from None
    elif field == "timezone":
        try:
            ZoneInfo(values[0])
        except (ZoneInfoNotFoundError, ValueError):
            raise BadValue(field=field, value=values[0][:60],
                           allowed=["America/Lima", "America/Bogota", "…"]) from None
        mesa.timezone = values[0]
    else:
        raise BadValue(field="setting", value=field[:20], allowed=[])


class MesaSettings(UseCases):
    async def show(self, *, actor: Actor) -> Schedule:
        async with self.db.read() as s:
            acting = await load_acting(s, actor, Op.READ)
            return schedule_of(acting.mesa)

    async def change(
        self, *, actor: Actor, field: str, values: list[str], source: str = ""
    ) -> Schedule:
        """A coordinator changes one setting of their mesa."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.SCHEDULE_SESSION)
            mesa = await lock_mesa(s, acting.mesa_id)
            return await self._change(s, mesa, field, values, actor_id=acting.member_id,
                                      source=source, now=now)

    async def change_by_admin(self, *, mesa: str, field: str, values: list[str]) -> Schedule:
        now = self.clock.now()
        async with self.db.write() as s:
            row = (await s.exec(select(Mesa).where(Mesa.slug == mesa.strip().lower()))).first()
            if row is None or row.id is None:
                raise UnknownMesa(slug=mesa[:40], choices=[])
            mesa_row = await lock_mesa(s, row.id)
            return await self._change(s, mesa_row, field, values, actor_id=None, source="cli",
                                      now=now)

    @staticmethod
    async def _change(
        s: AsyncSession, mesa: Mesa, field: str, values: list[str], *, actor_id: int | None,
        source: str, now: datetime,
    ) -> Schedule:
        before = {name: getattr(mesa, name) for name in FIELDS}
        apply(mesa, field, values)
        after = {name: getattr(mesa, name) for name in FIELDS}
        s.add(mesa)
        assert mesa.id is not None
        await audit.record(s, at=now, mesa_id=mesa.id, actor_id=actor_id, kind="mesa.settings",
                           subject=mesa.slug, source=source, before=before, after=after)
        by = (await s.exec(select(Member.name).where(Member.id == actor_id))).first() \
            if actor_id is not None else None
        schedule = schedule_of(mesa)
        notify(s, at=now, source=source, mesa_id=mesa.id, audience=Audience.TEAM,
               kind="settings_changed",
               params={"setting": field, "value": " ".join(values), "by": by,
                       "schedule": dataclasses.asdict(schedule)})
        return schedule
