"""People leave a mesa: a coordinator (``/quitar``) or an administrator (``mesabot
member remove``) takes them out, and their access ends at once.

A promise must not leave with the person: their open actions go to a named successor,
or back to the mesa as proposed for someone to take. Everything is recorded and the
team is told, so nobody finds out at the next session that an action has no owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.action_steps import ACTION_FIELDS, UPDATABLE, action_view, check_updater
from bot.core.context import (
    Actor,
    UseCases,
    get_action,
    load_acting,
    locked,
    member_in_mesa,
    membership_changes,
    snapshot,
)
from bot.core.enums import ActionStatus, Audience, Role
from bot.core.errors import (
    InvalidState,
    LastCoordinator,
    NotParticipant,
    SameSuccessor,
    UnknownMember,
    UnknownMesa,
)
from bot.core.members import membership_state
from bot.core.notices import notify
from bot.core.permissions import PARTICIPANTS, Op
from bot.core.views import ActionView
from bot.storage.tables import Action, Entity, Invitation, Member, Membership, Mesa

#: Actions that still belong to someone and would be orphaned by their leaving.
_HELD = (ActionStatus.CLAIMED, ActionStatus.CONFIRMED, ActionStatus.BLOCKED)


@dataclass(frozen=True)
class Removed:
    name: str
    mesa_name: str
    handed_over: list[str]
    """References given to the successor."""
    returned: list[str]
    """References back in the mesa as proposed."""
    successor: str | None


async def give_action(
    s: AsyncSession, row: Action, member: Member, membership: Membership, *, mesa_id: int,
    actor_id: int | None, source: str, now: datetime, announce: bool = True,
) -> None:
    """Hand an open action (already locked) to ``member``; recorded and announced to the
    new owner and (unless the caller announces it otherwise) to the team. See
    :meth:`Departures.hand_over` for what stays."""
    before = snapshot(row, *ACTION_FIELDS)
    previous = row.owner_id
    if membership.entity_id != row.owner_entity_id or row.status == ActionStatus.PROPOSED:
        row.owner_entity_id = membership.entity_id
        row.status = ActionStatus.CLAIMED.value
        row.confirmed_by_id = None
        row.blocked_reason = None
    row.owner_id = member.id
    row.updated_at = now
    s.add(row)
    await audit.record(
        s, at=now, mesa_id=mesa_id, actor_id=actor_id, kind="action.handed_over",
        subject=f"A-{row.number}", source=source, before=before,
        after={**snapshot(row, *ACTION_FIELDS), "previous_owner": previous},
    )
    params = {"ref": f"A-{row.number}", "text": row.text, "owner": member.name,
              "status": row.status, "due_on": row.due_on}
    if announce:
        notify(s, at=now, source=source, mesa_id=mesa_id, audience=Audience.TEAM,
               kind="action_handed_over", params=params)
    if member.id != actor_id:
        assert member.id is not None
        notify(s, at=now, source=source, mesa_id=mesa_id, audience=Audience.MEMBER,
               member_id=member.id, kind="action_handed_to_you", params=params)


async def return_action(
    s: AsyncSession, row: Action, *, mesa_id: int, actor_id: int | None, source: str,
    now: datetime, public_entity: bool,
) -> None:
    """An action whose owner left goes back to the mesa as proposed, for anyone to take;
    a public entity's stays that entity's, since the promise was the institution's."""
    before = snapshot(row, *ACTION_FIELDS)
    row.owner_id = None
    row.confirmed_by_id = None
    row.blocked_reason = None
    if not public_entity:
        row.owner_entity_id = None
    row.status = ActionStatus.PROPOSED.value
    row.updated_at = now
    s.add(row)
    await audit.record(
        s, at=now, mesa_id=mesa_id, actor_id=actor_id, kind="action.returned",
        subject=f"A-{row.number}", source=source, before=before,
        after=snapshot(row, *ACTION_FIELDS),
    )


async def _revoke_invitations(
    s: AsyncSession, mesa_id: int, member_id: int, *, actor_id: int | None, source: str,
    now: datetime,
) -> None:
    """Links a removed coordinator handed out stop working: whoever would come in by them
    would come in on the word of someone the mesa no longer trusts."""
    result = await s.exec(
        update(Invitation)
        .where(col(Invitation.mesa_id) == mesa_id, col(Invitation.created_by_id) == member_id)
        .where(col(Invitation.expires_at) > now)
        .where(col(Invitation.uses) < col(Invitation.max_uses))
        .values(expires_at=now)
    )
    if result.rowcount:
        await audit.record(
            s, at=now, mesa_id=mesa_id, actor_id=actor_id, kind="invitation.revoked",
            subject=str(member_id), source=source, after={"invitations": result.rowcount},
        )


class Departures(UseCases):
    async def hand_over(
        self, *, actor: Actor, ref: str, to: str, source: str = ""
    ) -> ActionView:
        """Give an open action to another member of the mesa (someone leaving, a change
        of desk): its owner, an official of its entity, or a coordinator. A successor of
        the same entity keeps the promise as it stands; one of another entity takes it as
        claimed, to confirm again, because a commitment binds the entity that made it."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.UPDATE_ACTION)
            # The successor's membership is held before the action is locked, in the
            # order a removal takes them, so the two cannot wait on each other.
            found = await member_in_mesa(s, acting.mesa_id, to)
            row = await get_action(s, acting, ref, lock=True)
            await check_updater(s, acting, row)
            if row.status not in (ActionStatus.PROPOSED, *UPDATABLE):
                raise InvalidState(ref=f"A-{row.number}", status=row.status)
            if found is None:
                raise UnknownMember(name=to[:40])
            if Role(found[1].role) not in PARTICIPANTS:
                raise NotParticipant(name=found[0].name, role=found[1].role)
            await give_action(s, row, found[0], found[1], mesa_id=acting.mesa_id,
                              actor_id=acting.member_id, source=source, now=now)
            return await action_view(s, acting, row, now)

    async def remove(
        self, *, actor: Actor, handle: str, successor: str | None = None, source: str = ""
    ) -> Removed:
        """A coordinator takes someone out of their mesa (``/quitar``)."""
        async with self.db.write() as s:
            # First of all, before any row is held: removals of one mesa go one at a time.
            await membership_changes(s, actor.mesa_id)
            acting = await load_acting(s, actor, Op.REMOVE_MEMBER)
            return await self._remove(s, acting.mesa, handle, successor,
                                      actor_id=acting.member_id, source=source)

    async def remove_by_admin(
        self, *, mesa: str, handle: str, successor: str | None = None
    ) -> Removed:
        """``mesabot member remove``: the same, from the administrator's command line."""
        async with self.db.write() as s:
            mesa_row = (await s.exec(select(Mesa).where(Mesa.slug == mesa.strip().lower()))
                        ).first()
            if mesa_row is None or mesa_row.id is None:
                raise UnknownMesa(slug=mesa[:40], choices=[])
            await membership_changes(s, mesa_row.id)
            return await self._remove(s, mesa_row, handle, successor, actor_id=None,
                                      source="cli")

    async def _remove(
        self, s: AsyncSession, mesa: Mesa, handle: str, successor: str | None, *,
        actor_id: int | None, source: str,
    ) -> Removed:
        now = self.clock.now()
        assert mesa.id is not None
        found = await member_in_mesa(s, mesa.id, handle, active=False)
        if found is None:
            raise UnknownMember(name=handle[:40])
        member = found[0]
        assert member.id is not None
        membership = (await s.exec(locked(
            select(Membership).where(Membership.id == found[1].id)
        ))).one()
        heir = None
        if successor:
            heir = await member_in_mesa(s, mesa.id, successor)
            if heir is None:
                raise UnknownMember(name=successor[:40])
            if heir[0].id == member.id:
                raise SameSuccessor(name=member.name)
            if Role(heir[1].role) not in PARTICIPANTS:
                raise NotParticipant(name=heir[0].name, role=heir[1].role)
        if membership.active and membership.role == Role.COORDINATOR:
            others = (await s.exec(
                select(Membership.id).where(
                    Membership.mesa_id == mesa.id, Membership.role == Role.COORDINATOR.value,
                    col(Membership.active).is_(True), Membership.id != membership.id)
            )).first()
            if others is None:
                raise LastCoordinator(name=member.name)
        before = await membership_state(s, membership)
        membership.active = False
        membership.pending_role = membership.pending_entity_id = None
        membership.removed_at = now
        s.add(membership)
        await _revoke_invitations(s, mesa.id, member.id, actor_id=actor_id, source=source,
                                  now=now)
        actions = (await s.exec(
            locked(select(Action).where(Action.mesa_id == mesa.id, Action.owner_id == member.id)
                   .where(col(Action.status).in_(_HELD)).order_by(col(Action.number)))
        )).all()
        handed, returned = [], []
        for action in actions:
            if heir is not None:
                await give_action(s, action, heir[0], heir[1], mesa_id=mesa.id,
                                  actor_id=actor_id, source=source, now=now, announce=False)
                handed.append(f"A-{action.number}")
            else:
                entity = await s.get(Entity, action.owner_entity_id) \
                    if action.owner_entity_id else None
                await return_action(s, action, mesa_id=mesa.id, actor_id=actor_id,
                                    source=source, now=now,
                                    public_entity=bool(entity and entity.is_public))
                returned.append(f"A-{action.number}")
        await audit.record(
            s, at=now, mesa_id=mesa.id, actor_id=actor_id, kind="membership.removed",
            subject=member.handle, source=source, before=before,
            after={**(await membership_state(s, membership) or {}), "handed_over": handed,
                   "returned": returned, "successor": heir[0].handle if heir else None},
        )
        params = {"name": member.name, "mesa": mesa.name, "handed_over": handed,
                  "returned": returned, "successor": heir[0].name if heir else None}
        notify(s, at=now, source=source, mesa_id=mesa.id, audience=Audience.TEAM,
               kind="member_removed", params=params)
        notify(s, at=now, source=source, mesa_id=mesa.id, audience=Audience.MEMBER,
               member_id=member.id, kind="you_were_removed", params=params)
        return Removed(member.name, mesa.name, handed, returned,
                       heir[0].name if heir else None)
