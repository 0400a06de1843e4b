"""Cadence watch and the ministers' weekly summary.

A mesa dies when it stops meeting. When no session has been held for twice the mesa's
cadence (14 days for a weekly mesa, 28 for a biweekly one), counted from the last session
held or, if none ever was, from the mesa's creation, the bot warns the team's chat and
the high-level chat: the convening ministry sits there, and it is the one that can call
the mesa back together. Once per lapse: the key carries the day the lapse began, so the
warning is not repeated every morning, and a session held starts the count again, so the
next lapse is warned again.

On Monday morning (or the week's first working day, when Monday is a holiday) the
high-level chat gets a weekly summary of each mesa: everything escalated now, not only
what changed, counted by responsible entity and by age, the oldest few with their owners,
and whether the mesa is in a cadence lapse. Both go at the digest's working-day morning,
through the outbox with a unique key, so two processes or a restart queue each once.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.audit import jsonable
from bot.core.context import UseCases
from bot.core.dates import is_working_day
from bot.core.enums import Audience, Cadence
from bot.core.escalations import digest_day, escalated
from bot.core.notices import notify_once
from bot.core.sessions import last_held
from bot.storage.tables import ChatLink, Mesa

LAPSE_KIND = "cadence_lapse"
WEEKLY_KIND = "weekly_summary"
#: Age buckets of an escalated item, in days since it went stuck (lower bounds).
AGE_BUCKETS = (("under_1w", 0), ("1_2w", 7), ("2_4w", 14), ("over_1m", 28))
#: Entities and oldest items listed by name; the rest are counted ("y N más").
LIST_CAP = 5
OLDEST = 3


def lapse_began(mesa: Mesa, last_held_at: datetime | None) -> datetime:
    """When the mesa falls into a lapse if no session is held before: twice its cadence
    after the last session held, or after its creation if it never held one."""
    start = last_held_at or mesa.created_at
    return start + timedelta(days=2 * Cadence(mesa.cadence).days)


def weekly_day(mesa: Mesa, now: datetime) -> date | None:
    """The day whose weekly summary is due at ``now``: the digest's morning of the
    week's first working day (Monday, or Tuesday when Monday is a holiday...)."""
    day = digest_day(mesa, now)
    if day is None:
        return None
    first = day - timedelta(days=day.weekday())
    while not is_working_day(first, mesa.country):
        first += timedelta(days=1)
    return day if day == first else None


def bucket(age_days: int) -> str:
    return [name for name, low in AGE_BUCKETS if age_days >= low][-1]


async def _linked(s: AsyncSession, mesa_id: int, audience: Audience) -> bool:
    return (await s.exec(select(ChatLink.id).where(
        ChatLink.mesa_id == mesa_id, ChatLink.purpose == audience.value))).first() is not None


class CadenceWatch(UseCases):
    async def tick(self) -> int:
        """Queue, for each active mesa whose working morning it is, its lapse warning
        (once per lapse) and its weekly summary (once per ISO week); returns how many
        notices this call queued."""
        now = self.clock.now()
        async with self.db.read() as s:
            mesas = (await s.exec(select(Mesa).where(Mesa.status == "active"))).all()
        queued = 0
        for mesa in mesas:
            day = digest_day(mesa, now)
            if day is None:
                continue
            assert mesa.id is not None
            async with self.db.write() as s:
                lapse = await self._lapse(s, mesa, now)
                queued += await self._warn(s, mesa, lapse, day, now)
                if weekly_day(mesa, now) == day:
                    queued += await self._weekly(s, mesa, lapse, day, now)
        return queued

    async def _lapse(self, s: AsyncSession, mesa: Mesa, now: datetime) -> dict[str, Any] | None:
        """The mesa's current lapse (when it began, the last session held), or None."""
        assert mesa.id is not None
        held = await last_held(s, mesa.id, now)
        began = lapse_began(mesa, held.starts_at if held else None)
        if now < began:
            return None
        tz = ZoneInfo(mesa.timezone)
        lapse: dict[str, Any] = jsonable({
            "mesa": mesa.name, "cadence": mesa.cadence, "began": began.astimezone(tz).date(),
            "last_held": held.starts_at.astimezone(tz).date() if held else None,
            "last_number": held.number if held else None,
            "days": (now.astimezone(tz).date()
                     - (held.starts_at if held else mesa.created_at).astimezone(tz).date()).days,
        })
        return lapse

    async def _warn(self, s: AsyncSession, mesa: Mesa, lapse: dict[str, Any] | None,
                    day: date, now: datetime) -> int:
        if lapse is None:
            return 0
        assert mesa.id is not None
        key = f"cadence:{mesa.id}:{lapse['began']}"
        queued = 0
        for audience in (Audience.TEAM, Audience.HIGH_LEVEL):
            queued += await notify_once(
                s, key=key if audience is Audience.TEAM else f"{key}:high_level", at=now,
                mesa_id=mesa.id, audience=audience, kind=LAPSE_KIND, params=lapse)
        return min(queued, 1)

    async def _weekly(self, s: AsyncSession, mesa: Mesa, lapse: dict[str, Any] | None,
                      day: date, now: datetime) -> int:
        assert mesa.id is not None
        if not await _linked(s, mesa.id, Audience.HIGH_LEVEL):
            return 0  # nobody to tell; the ministers' chat gets next week's once linked
        items = await escalated(s, mesa.id, day, ZoneInfo(mesa.timezone), mesa.grace_days)
        entities = Counter(i["entity"] for i in items).most_common()
        ages: Counter[str] = Counter()
        for item in items:
            since = date.fromisoformat(item["since"]) if item["since"] else day
            ages[bucket((day - since).days)] += 1
        oldest = sorted(items, key=lambda i: (i["since"] or day.isoformat(), i["ref"]))
        week = day.isocalendar()
        params = jsonable({
            "mesa": mesa.name, "day": day, "grace": mesa.grace_days, "total": len(items),
            "entities": [{"entity": e, "count": n} for e, n in entities[:LIST_CAP]],
            "more_entities": max(0, len(entities) - LIST_CAP),
            "ages": [{"bucket": b, "count": ages[b]} for b, _ in AGE_BUCKETS if ages[b]],
            "oldest": [{k: i[k] for k in ("ref", "text", "owner", "entity", "since")}
                       for i in oldest[:OLDEST]],
            "lapse": lapse,
        })
        return int(await notify_once(
            s, key=f"weekly:{mesa.id}:{week.year}-W{week.week:02d}", at=now,
            mesa_id=mesa.id, audience=Audience.HIGH_LEVEL, kind=WEEKLY_KIND, params=params))
