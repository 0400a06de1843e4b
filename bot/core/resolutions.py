"""What becomes of a bottleneck's open actions when it is resolved: closed (dropped, no
longer needed) or moved to another bottleneck, each recorded and told to its owner; and
who may decide it (:func:`may_settle`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.action_steps import ACTION_FIELDS, check_updater
from bot.core.context import Acting, snapshot
from bot.core.enums import ActionStatus, Audience
from bot.core.errors import Forbidden, NotYoursToSettle
from bot.core.notices import notify
from bot.storage.tables import Action, Bottleneck


async def not_theirs(s: AsyncSession, acting: Acting, actions: list[Action]) -> list[str]:
    """The actions ``acting`` may not close or move: closing one is dropping someone's
    promise, so only whoever could drop it may (its proposer, owner, an official of its
    entity, a coordinator), as with /anular; anyone who may resolve may keep them."""
    refused = []
    for action in actions:
        if action.proposer_id == acting.member_id:
            continue
        try:
            await check_updater(s, acting, action)
        except Forbidden:
            refused.append(f"A-{action.number}")
    return refused


async def may_settle(s: AsyncSession, acting: Acting, row: Bottleneck,
                     actions: list[Action]) -> None:
    if refused := await not_theirs(s, acting, actions):
        raise NotYoursToSettle(ref=f"P-{row.number}", actions=refused)


async def settle(s: AsyncSession, acting: Acting, action: Action, row: Bottleneck,
                  target: Bottleneck | None, now: datetime, source: str) -> None:
    """One open action of a bottleneck being resolved: dropped, or moved to
    ``target``; recorded as such, and its owner told, unless they did it."""
    if action.owner_id is not None and action.owner_id != acting.member_id:
        notify(s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.MEMBER,
               member_id=action.owner_id,
               kind="action_moved_by_resolution" if target is not None
               else "action_closed_by_resolution",
               params={"ref": f"A-{action.number}", "text": action.text,
                       "by": acting.member.name, "bottleneck": f"P-{row.number}",
                       "moved_to": f"P-{target.number}" if target is not None else None})
    before = snapshot(action, *ACTION_FIELDS)
    if target is not None:
        assert target.id is not None
        action.bottleneck_id = target.id
        kind, extra = "action.moved", {"from": f"P-{row.number}",
                                       "to": f"P-{target.number}"}
    else:
        action.status = ActionStatus.DROPPED.value
        kind, extra = "action.dropped", {"reason": f"P-{row.number}"}
    action.updated_at = now
    s.add(action)
    await audit.record(
        s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id, kind=kind,
        subject=f"A-{action.number}", source=source, before=before,
        after={**snapshot(action, *ACTION_FIELDS), **extra},
    )
