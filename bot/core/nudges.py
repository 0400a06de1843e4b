"""Nudges for what stalls: an action nobody takes, or a claim nobody dates.

An action proposed and left without an owner for :data:`STALL_DAYS` goes to the mesa's
coordinators, who can give it to someone; an action claimed and left without a due date
that long goes to its owner and to the public officials of the owner's entity, who can
confirm it. An action assigned to an entity but to nobody in it goes to that entity's
officials only: the coordinators already gave it away, so it is not theirs to assign.
The days count from when the action last changed hands (proposed, claimed, assigned,
handed over or returned), read from the audit trail, so a fresh assignment gets fresh
days.

Once per item per session, not daily: each nudge belongs to a period, the mesa's next
regular session (or, with none scheduled, the ISO week), and an item goes to a person
once a period, and never again within :data:`STALL_DAYS` days of the last time it went
to them (a session that begins opens the next period at once: without the days, what was
told at 08:00 before a 09:00 session would be told again at 09:01). A person gets one
private message listing all their items, not one per action. What was sent is remembered
only in the outbox: each nudge message carries its items, and its key names the mesa,
the period and the person, so two processes looking at once queue it once. Nudges go out
in working hours only (``/ajustes horario``, no weekends, no public holidays): what
stalls at night waits for the next working morning.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import UseCases, lock_mesa
from bot.core.directory import Directory
from bot.core.enums import ActionStatus, Audience, Role
from bot.core.notices import notify_once
from bot.core.reminders import send_time
from bot.core.sessions import next_session
from bot.storage.tables import Action, AuditEvent, Entity, Membership, Mesa, OutboxMessage

#: Days an action may wait for an owner, or for a due date, before someone is nudged.
STALL_DAYS = 3
KIND = "stall_nudge"
#: The audit events that give an action to someone (or to no one): its days count anew.
HANDS = ("action.proposed", "action.claimed", "action.assigned", "action.handed_over",
         "action.returned")
#: The sections of a nudge, in the order a reader sees them.
SECTIONS = ("unclaimed", "mine", "entity")


def working_now(mesa: Mesa, now: datetime) -> bool:
    """Whether ``now`` is a working day's daytime in the mesa's zone: ``send_time`` lets
    a moment through as it is only then (with no deadline to come first)."""
    return send_time(now, mesa, now + timedelta(days=366)) == now


def period(mesa: Mesa, session_id: int | None, now: datetime) -> str:
    """What "once" is counted in: the next regular session, or the mesa-local ISO week
    when none is scheduled (so a mesa without sessions is nudged weekly, not daily)."""
    if session_id is not None:
        return f"s{session_id}"
    week = now.astimezone(ZoneInfo(mesa.timezone)).isocalendar()
    return f"w{week.year}-{week.week:02d}"


@dataclass
class Nudge:
    """One person's stalled items, by section."""

    member_id: int
    items: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {section: [] for section in SECTIONS})

    #: In more than one mesa: typed commands act in the one they chose, maybe not this.
    several: bool = False

    def ids(self) -> list[int]:
        return sorted(i["id"] for items in self.items.values() for i in items)


class Nudges(UseCases):
    async def tick(self) -> int:
        """Queue the nudges due now; returns how many messages were queued."""
        now = self.clock.now()
        async with self.db.read() as s:
            mesas = (await s.exec(select(Mesa).where(Mesa.status == "active"))).all()
        queued = 0
        for mesa in mesas:
            if working_now(mesa, now):
                assert mesa.id is not None
                queued += await self._mesa(mesa.id, now)
        return queued

    async def _mesa(self, mesa_id: int, now: datetime) -> int:
        """Look in a reading transaction; write only when someone has an item not told
        yet this period (most minutes nobody has)."""
        async with self.db.read() as s:
            wanted = await self._wanted(s, mesa_id, now)
        if not wanted:
            return 0
        async with self.db.write() as s:
            await lock_mesa(s, mesa_id)  # two processes: the second sees the first's
            mesa = (await s.exec(select(Mesa).where(Mesa.id == mesa_id))).one()
            return await self._queue(s, mesa, await self._wanted(s, mesa_id, now), now)

    async def _wanted(self, s: AsyncSession, mesa_id: int, now: datetime) -> dict[str, Any]:
        """The nudges this moment calls for, one per person, of items not told them in
        this period; empty when there are none."""
        stalled = await self._stalled(s, mesa_id, now)
        if not stalled:
            return {}
        mesa = (await s.exec(select(Mesa).where(Mesa.id == mesa_id))).one()
        session = await next_session(s, mesa_id, now)
        key = period(mesa, session.id if session else None, now)
        told = await self._told(s, mesa_id, key, now)
        people = await self._people(s, mesa_id)
        directory = await Directory.load(s, mesa_id)
        nudges: dict[int, Nudge] = {}

        def add(member_id: int, section: str, item: dict[str, Any]) -> None:
            if (member_id, item["id"]) in told:
                return
            nudge = nudges.setdefault(member_id, Nudge(member_id))
            if item["id"] not in nudge.ids():
                nudge.items[section].append(item)

        for action, since in stalled:
            assert action.id is not None
            owner = directory.person(action.owner_id)
            item = {"id": action.id, "ref": f"A-{action.number}", "text": action.text,
                    "days": (now - since).days, "owner": owner.name if owner else None,
                    "entity": directory.entity_name(action.owner_entity_id)}
            if action.owner_id is not None:
                if action.owner_id in people["active"]:
                    add(action.owner_id, "mine", item)
            elif action.owner_entity_id is None:  # nobody's, not even an entity's
                for coordinator in people["coordinators"]:
                    add(coordinator, "unclaimed", item)
            for official in people["officials"].get(action.owner_entity_id or 0, []):
                if official != action.owner_id:
                    add(official, "entity", item)
        several = await self._in_several(s, list(nudges))
        for nudge in nudges.values():
            nudge.several = nudge.member_id in several
        return {"period": key, "session": session.number if session else None,
                "example_entity": people["example_entity"], "nudges": list(nudges.values())}

    async def _stalled(
        self, s: AsyncSession, mesa_id: int, now: datetime
    ) -> list[tuple[Action, datetime]]:
        """Actions waiting for an owner or a date for :data:`STALL_DAYS`, with since when."""
        actions = (await s.exec(
            select(Action)
            .where(Action.mesa_id == mesa_id,
                   col(Action.status).in_((ActionStatus.PROPOSED, ActionStatus.CLAIMED)))
            .order_by(col(Action.number))
        )).all()
        if not actions:
            return []
        changed = dict((await s.exec(
            select(AuditEvent.subject, func.max(AuditEvent.at))
            .where(AuditEvent.mesa_id == mesa_id, col(AuditEvent.kind).in_(HANDS),
                   col(AuditEvent.subject).in_([f"A-{a.number}" for a in actions]))
            .group_by(col(AuditEvent.subject))
        )).all())
        limit = now - timedelta(days=STALL_DAYS)
        stalled = []
        for action in actions:
            since = changed.get(f"A-{action.number}", action.created_at)
            if since <= limit:
                stalled.append((action, since))
        return stalled

    @staticmethod
    async def _people(s: AsyncSession, mesa_id: int) -> dict[str, Any]:
        """Who is in the mesa now (removed people get nothing): everyone active, the
        coordinators, the public officials by the entity they speak for, and one such
        entity to show in the coordinators' example (one that can take an action here)."""
        rows = (await s.exec(
            select(Membership, Entity.name)
            .join(Entity, col(Membership.entity_id) == Entity.id, isouter=True)
            .where(Membership.mesa_id == mesa_id, col(Membership.active).is_(True),
                   col(Membership.removed_at).is_(None))
            .order_by(col(Membership.member_id))
        )).all()
        officials: dict[int, list[int]] = defaultdict(list)
        public: list[str] = []
        for row, entity in rows:
            if row.role == Role.PUBLIC_OFFICIAL and row.entity_id is not None:
                officials[row.entity_id].append(row.member_id)
                public.append(entity)
        return {"active": {r.member_id for r, _ in rows},
                "coordinators": [r.member_id for r, _ in rows if r.role == Role.COORDINATOR],
                "officials": officials, "example_entity": min(public, default=None)}

    @staticmethod
    async def _in_several(s: AsyncSession, member_ids: list[int]) -> set[int]:
        """Of these people, those active in more than one mesa."""
        if not member_ids:
            return set()
        rows = (await s.exec(
            select(Membership.member_id)
            .where(col(Membership.member_id).in_(member_ids), col(Membership.active).is_(True),
                   col(Membership.removed_at).is_(None))
            .group_by(col(Membership.member_id))
            .having(func.count(func.distinct(Membership.mesa_id)) > 1)
        )).all()
        return set(rows)

    @staticmethod
    async def _told(
        s: AsyncSession, mesa_id: int, key: str, now: datetime
    ) -> set[tuple[int, int]]:
        """(person, action) pairs not to nudge now, from the nudges queued: those told in
        this period (their keys start with it), and those told in the last
        :data:`STALL_DAYS` days whatever the period, so a session that begins does not
        send everything again the next minute."""
        rows = (await s.exec(
            select(OutboxMessage.member_id, OutboxMessage.params)
            .where(OutboxMessage.mesa_id == mesa_id, OutboxMessage.kind == KIND,
                   or_(col(OutboxMessage.dedupe_key).startswith(f"nudge:{mesa_id}:{key}:"),
                       col(OutboxMessage.created_at) > now - timedelta(days=STALL_DAYS)))
        )).all()
        return {(member_id, item["id"])
                for member_id, params in rows if member_id is not None
                for section in SECTIONS for item in params.get(section, [])}

    @staticmethod
    async def _queue(s: AsyncSession, mesa: Mesa, wanted: dict[str, Any],
                     now: datetime) -> int:
        if not wanted:
            return 0
        assert mesa.id is not None
        queued = 0
        for nudge in wanted["nudges"]:
            ids = ",".join(str(i) for i in nudge.ids())
            digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
            queued += await notify_once(
                s, key=f"nudge:{mesa.id}:{wanted['period']}:{nudge.member_id}:{digest}",
                at=now, mesa_id=mesa.id, audience=Audience.MEMBER, member_id=nudge.member_id,
                kind=KIND, params={"mesa": mesa.name, "slug": mesa.slug,
                                   "session": wanted["session"], "days": STALL_DAYS,
                                   "example_entity": wanted["example_entity"],
                                   "several_mesas": nudge.several, **nudge.items})
        return queued
