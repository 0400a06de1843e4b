"""Escalation to the ministers: what is stuck goes up, once, and comes back answered.

An open commitment escalates when it is overdue beyond the mesa's grace period, or
blocked for a reason only the high level can lift (budget, disagreement, politics). The
high-level chat gets a digest at 08:00 mesa time on working days, and only of what is
new or changed since the last digest: the digests already queued in the outbox carry
their items and each item's state (status, due date, block reason, slips), so the bot's
memory of what the ministers were told is what it told them. A day it has been overdue
more is not news; a new date, a new block reason, a new status are.

A minister answers an item with a button: seen, call a meeting, or resolved. Each answer
is audited and told to the mesa's team. "Resolved" records that the decision was taken
at high level; the action stays open until its owner marks it done, since only they know
the work is finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.audit import jsonable
from bot.core.context import Actor, UseCases, get_action, load_acting
from bot.core.dates import is_working_day
from bot.core.directory import Directory
from bot.core.enums import OPEN_COMMITTED, Audience, BlockedReason
from bot.core.errors import NotEscalated
from bot.core.notices import notify, notify_once
from bot.core.permissions import Op
from bot.storage.tables import (
    Action,
    AuditEvent,
    ChatLink,
    DueDateChange,
    Mesa,
    OutboxMessage,
)

#: Days past its due date before an open action goes up, unless the mesa set its own
#: (``/ajustes gracia``).
GRACE_DAYS = 7
#: Block reasons only the high level can lift: these go up at once.
ESCALATING_REASONS = (BlockedReason.BUDGET, BlockedReason.DISAGREEMENT,
                      BlockedReason.POLITICAL)
#: The local time of the daily digest, on working days, and how long after it a process
#: that was down still sends it; later, its items wait for the next working morning.
DIGEST_AT, CATCH_UP_UNTIL = time(8, 0), time(10, 0)
DIGEST_KIND = "escalation_digest"
#: Items per digest message: three buttons each, and Telegram takes 100 buttons a message.
ITEMS_PER_MESSAGE = 25


class Answer(StrEnum):
    """What a minister answers to an escalated item."""

    SEEN = "seen"
    MEETING = "meeting"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Answered:
    ref: str
    text: str
    answer: Answer


def digest_day(mesa: Mesa, now: datetime) -> date | None:
    """The mesa-local day whose digest is due at ``now``: a working day's morning from
    08:00 to 10:00, so a process down at 08:00 sends it when it is back; else None.
    Not all day: something blocked at 15:00 goes up with the next morning's digest,
    not in a digest of its own that afternoon. Nothing is lost by the window: an item
    goes in every digest until the ministers have been told of it as it is."""
    local = now.astimezone(ZoneInfo(mesa.timezone))
    if not DIGEST_AT <= local.time() < CATCH_UP_UNTIL \
            or not is_working_day(local.date(), mesa.country):
        return None
    return local.date()


def state(item: dict[str, Any]) -> str:
    """What makes an item news when it differs from what the ministers last saw."""
    return "|".join(str(item.get(k)) for k in ("status", "due_on", "reason", "slips"))


class Escalations(UseCases):
    async def tick(self) -> int:
        """Queue each mesa's daily digest if its moment has come and something is new;
        returns how many digests were queued."""
        now = self.clock.now()
        async with self.db.read() as s:
            mesas = (await s.exec(select(Mesa).where(Mesa.status == "active"))).all()
        queued = 0
        for mesa in mesas:
            day = digest_day(mesa, now)
            if day is not None:
                assert mesa.id is not None
                queued += await self._mesa(mesa.id, day, now)
        return queued

    async def _mesa(self, mesa_id: int, day: date, now: datetime) -> int:
        key = f"digest:{mesa_id}:{day.isoformat()}"
        async with self.db.write() as s:
            done = (await s.exec(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))).first()
            linked = (await s.exec(
                select(ChatLink.id).where(ChatLink.mesa_id == mesa_id,
                                          ChatLink.purpose == Audience.HIGH_LEVEL.value)
            )).first()
            mesa = (await s.exec(select(Mesa).where(Mesa.id == mesa_id))).one()
            if done is not None or linked is None:
                return 0  # today's is queued; or nobody to tell yet, so nothing is "told"
            told = await _told(s, mesa_id)
            items = [i for i in await escalated(s, mesa_id, day, ZoneInfo(mesa.timezone),
                                                mesa.grace_days)
                     if told.get(i["ref"]) != i["state"]]
            if not items:
                return 0
            parts = [items[i:i + ITEMS_PER_MESSAGE]
                     for i in range(0, len(items), ITEMS_PER_MESSAGE)]
            for number, part in enumerate(parts, start=1):
                queued = await notify_once(
                    s, key=key if number == 1 else f"{key}:{number}", at=now,
                    mesa_id=mesa_id, audience=Audience.HIGH_LEVEL, kind=DIGEST_KIND,
                    params={"mesa": mesa.name, "day": day, "grace": mesa.grace_days,
                            "part": number, "parts": len(parts), "items": part})
                if not queued:
                    return 0  # another process queued this day's digest first
            return 1

    async def answer(self, *, actor: Actor, ref: str, answer: Answer,
                     source: str = "") -> Answered:
        """A minister's (or a coordinator's) answer to an escalated item: audited, and
        told to the team. It changes nothing of the action itself."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.ANSWER_ESCALATION)
            action = await get_action(s, acting, ref)
            subject = f"A-{action.number}"
            if subject not in await _told(s, acting.mesa_id):
                raise NotEscalated(ref=subject)
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind=f"escalation.{answer.value}", subject=subject, source=source,
                after={"answer": answer.value, "status": action.status},
            )
            notify(s, at=now, mesa_id=acting.mesa_id, audience=Audience.TEAM,
                   kind=f"escalation_{answer.value}", source=source,
                   params={"ref": subject, "text": action.text, "by": acting.member.name})
            return Answered(ref=subject, text=action.text, answer=answer)


async def _told(s: AsyncSession, mesa_id: int) -> dict[str, str]:
    """Each item's state as the ministers last saw it, from the digests queued."""
    rows = (await s.exec(
        select(OutboxMessage.params)
        .where(OutboxMessage.mesa_id == mesa_id, OutboxMessage.kind == DIGEST_KIND)
        .order_by(col(OutboxMessage.id))
    )).all()
    told: dict[str, str] = {}
    for params in rows:
        for item in params.get("items", []):
            told[item["ref"]] = item["state"]
    return told


async def escalated(
    s: AsyncSession, mesa_id: int, today: date, tz: ZoneInfo, grace_days: int = GRACE_DAYS
) -> list[dict[str, Any]]:
    """The mesa's escalated actions as digest items, by owning entity then age."""
    late = today - timedelta(days=grace_days)
    rows = (await s.exec(
        select(Action)
        .where(Action.mesa_id == mesa_id, col(Action.status).in_(OPEN_COMMITTED))
        .where(or_(col(Action.due_on) < late,
                   and_(col(Action.status) == "blocked",
                        col(Action.blocked_reason).in_(ESCALATING_REASONS))))
    )).all()
    if not rows:
        return []
    directory = await Directory.load(s, mesa_id)
    views = await directory.actions(s, rows, today=today)
    ids = [a.id for a in rows]
    moves: dict[int, list[DueDateChange]] = {}
    for change in (await s.exec(
        select(DueDateChange).where(col(DueDateChange.action_id).in_(ids))
        .order_by(col(DueDateChange.at), col(DueDateChange.id))
    )).all():
        moves.setdefault(change.action_id, []).append(change)
    blocked_at = dict((await s.exec(
        select(AuditEvent.subject, func.max(AuditEvent.at))
        .where(AuditEvent.mesa_id == mesa_id, AuditEvent.kind == "action.blocked")
        .group_by(col(AuditEvent.subject))
    )).all())
    items = []
    for row, view in zip(rows, views, strict=True):
        blocked = row.status == "blocked" and row.blocked_reason in ESCALATING_REASONS
        since: date | None = row.due_on
        if blocked and view.ref in blocked_at:
            since = blocked_at[view.ref].astimezone(tz).date()
        item: dict[str, Any] = {
            "ref": view.ref, "text": view.text, "bottleneck": view.bottleneck_ref,
            "entity": view.owner_entity or "", "owner": view.owner.name if view.owner else "",
            "status": row.status, "due_on": row.due_on, "first_due_on": view.first_due_on,
            "days_overdue": view.days_overdue, "slips": view.slips,
            "moves": [{"to": c.new_due_on, "reason": c.reason}
                      for c in moves.get(row.id or 0, [])[1:]],
            "reason": row.blocked_reason if row.status == "blocked" else None,
            "detail": row.blocked_detail if row.status == "blocked" else "",
            "since": since,
        }
        item["state"] = state(jsonable(item))
        items.append(jsonable(item))
    items.sort(key=lambda i: (i["entity"], i["since"] or "", i["ref"]))
    return items
