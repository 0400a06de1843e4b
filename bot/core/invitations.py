"""Joining a mesa: a coordinator's invitation, and approval for roles that speak for an
institution. A public official's or coordinator's role takes effect only once a
coordinator approves it, so nobody can pose as SERFOR."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.account_links import Linked, redeem
from bot.core.context import (
    Actor,
    UseCases,
    find_entity,
    load_acting,
    locked,
    member_in_mesa,
    membership_changes,
)
from bot.core.enums import Audience, Role
from bot.core.errors import (
    BadValue,
    InvitationInvalid,
    LastCoordinator,
    NothingToApprove,
    OwnRequest,
    RequestChanged,
    UnknownMember,
)
from bot.core.members import check_role_entity, membership_state
from bot.core.notices import notify, notify_team_or_coordinators
from bot.core.permissions import Op
from bot.core.text import fold
from bot.storage.tables import Entity, Invitation, Member, Membership, Mesa

VALID_FOR = timedelta(days=7)
#: Roles that act for an institution: they wait for a coordinator's approval.
NEEDS_APPROVAL = (Role.PUBLIC_OFFICIAL, Role.COORDINATOR)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True)
class Invited:
    code: str
    mesa_name: str
    role: str
    entity: str | None
    expires_at: datetime
    uses: int


@dataclass(frozen=True)
class Joined:
    mesa_name: str
    role: str
    entity: str | None
    status: str
    """"active" (acts now), "pending" (waits for a coordinator's approval) or
    "unchanged" (they already hold that role, or one the invitation must not replace)."""

    @property
    def pending(self) -> bool:
        return self.status == "pending"


@dataclass(frozen=True)
class Approved:
    name: str
    role: str
    entity: str | None


async def _unique_handle(session: AsyncSession, name: str) -> str:
    """A handle for someone who joined from chat: their name, made unique."""
    base = re.sub(r"[^a-z0-9]+", ".", fold(name)).strip(".")[:30] or "persona"
    handle, n = base, 1
    while (await session.exec(select(Member.id).where(Member.handle == handle))).first():
        n += 1
        handle = f"{base}{n}"
    return handle


class Invitations(UseCases):
    async def create(
        self, *, actor: Actor, role: str, entity: str | None = None, uses: int = 1,
        source: str = "",
    ) -> Invited:
        """A coordinator invites people to their mesa in a role; officials need a public
        entity, and a private representative's invitation cannot name one."""
        try:
            wanted = Role(role)
        except ValueError:
            raise BadValue(field="role", value=role, allowed=[r.value for r in Role]) from None
        if not 1 <= uses <= 100:
            raise BadValue(field="uses", value=uses, allowed=["1-100"])
        now = self.clock.now()
        code = secrets.token_urlsafe(12)
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.INVITE)
            entity_row = await find_entity(s, entity) if entity else None
            check_role_entity(wanted, entity_row)
            row = Invitation(
                code_hash=_hash(code), mesa_id=acting.mesa_id, role=wanted.value,
                entity_id=entity_row.id if entity_row else None,
                created_by_id=acting.member_id, max_uses=uses, created_at=now,
                expires_at=now + VALID_FOR,
            )
            s.add(row)
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="invitation.created", subject=wanted.value, source=source,
                after={"entity": entity_row.name if entity_row else None, "uses": uses,
                       "invitation": row.code_hash[:16],
                       "expires_at": row.expires_at.astimezone(UTC).isoformat()},
            )
            return Invited(code, acting.mesa.name, wanted.value,
                           entity_row.name if entity_row else None, row.expires_at, uses)

    async def accept(
        self, *, code: str, name: str, language: str, telegram_user_id: int | None = None,
        slack_user_id: str | None = None, source: str = "",
    ) -> Joined | Linked:
        """Join with a code, or link this account with a member's link code (see
        :mod:`bot.core.account_links`). What the invitation offers takes effect at once only for a
        newcomer in a role that speaks for no institution; anything else (an official's or
        coordinator's role, a change to someone's role or entity) waits for a coordinator
        of this mesa, and an invitation never lowers or replaces a role already held.
        Nothing outside the inviting mesa changes."""
        if (telegram_user_id is None) == (slack_user_id is None):
            raise ValueError("joining needs exactly one chat account")
        now = self.clock.now()
        async with self.db.write() as s:
            linked = await redeem(s, code=code, now=now, telegram_user_id=telegram_user_id,
                                  slack_user_id=slack_user_id, source=source)
            if linked is not None:
                return linked
            invitation = (await s.exec(
                locked(select(Invitation).where(Invitation.code_hash == _hash(code.strip())))
            )).first()
            if invitation is None or invitation.uses >= invitation.max_uses \
                    or invitation.expires_at <= now:
                raise InvitationInvalid()
            mesa = (await s.exec(select(Mesa).where(Mesa.id == invitation.mesa_id))).one()
            query = select(Member)
            if telegram_user_id is not None:
                query = query.where(Member.telegram_user_id == telegram_user_id)
            else:
                query = query.where(Member.slack_user_id == slack_user_id)
            member = (await s.exec(query)).first()
            # A newcomer's accounts go in the event too: no other event records them.
            accounts = {} if member is not None else {
                "telegram_user_id": telegram_user_id, "slack_user_id": slack_user_id}
            if member is None:
                member = Member(
                    handle=await _unique_handle(s, name), name=name.strip()[:120] or "?",
                    language=language if language in ("es", "en") else "es",
                    telegram_user_id=telegram_user_id, slack_user_id=slack_user_id,
                    created_at=now,
                )
                s.add(member)
                await s.flush()
            assert member.id is not None and mesa.id is not None
            role = Role(invitation.role)
            entity = await s.get(Entity, invitation.entity_id) if invitation.entity_id else None
            membership = (await s.exec(locked(
                select(Membership).where(Membership.mesa_id == mesa.id,
                                         Membership.member_id == member.id)
            ))).first()
            before = await membership_state(s, membership)
            status = _outcome(membership, role, invitation.entity_id)
            if status == "unchanged":
                assert membership is not None
                held = await s.get(Entity, membership.entity_id) if membership.entity_id \
                    else None
                return Joined(mesa.name, membership.role, held.name if held else None, status)
            if status == "asked":  # the same request again: no use spent, no second notice
                return Joined(mesa.name, role.value, entity.name if entity else None, "pending")
            if membership is None:
                membership = Membership(
                    mesa_id=mesa.id, member_id=member.id, role=role.value,
                    entity_id=invitation.entity_id, active=status == "active", created_at=now,
                )
            if status != "active":  # a request: what the membership has stays as it is
                membership.pending_role = role.value
                membership.pending_entity_id = invitation.entity_id
            s.add(membership)
            await s.flush()  # its id names the request
            invitation.uses += 1
            s.add(invitation)
            await audit.record(
                s, at=now, mesa_id=mesa.id, actor_id=member.id, kind="invitation.accepted",
                subject=member.handle, source=source, before=before,
                after={**(await membership_state(s, membership) or {}), **accounts,
                       "invitation": invitation.code_hash[:16]},
            )
            if status != "active":
                current = before if before and before["active"] else None
                await notify_team_or_coordinators(
                    s, at=now, source=source, mesa_id=mesa.id,
                    kind="role_to_approve" if current is None else "role_change_to_approve",
                    params={"name": member.name, "handle": member.handle,
                            "role": role.value, "entity": entity.name if entity else None,
                            "current_role": current["role"] if current else None,
                            "current_entity": current["entity"] if current else None,
                            "request": request_token(membership)})
            return Joined(mesa.name, role.value, entity.name if entity else None, status)

    async def approve(
        self, *, actor: Actor, handle: str, request: str | None = None, source: str = ""
    ) -> Approved:
        """A coordinator lets a pending request take effect, in this mesa only.

        ``request`` (the token under the notice's button) ties the approval to the request
        the coordinator was shown: if the person asked for something else since, nothing
        is approved. Nobody approves their own request, and an approval never leaves the
        mesa without a coordinator.
        """
        now = self.clock.now()
        async with self.db.write() as s:
            await membership_changes(s, actor.mesa_id)  # before any row is held
            acting = await load_acting(s, actor, Op.INVITE)
            found = await member_in_mesa(s, acting.mesa_id, handle, active=False)
            if found is None:
                raise UnknownMember(name=handle[:40])
            member = found[0]
            if member.id == acting.member_id:
                raise OwnRequest()
            membership = (await s.exec(locked(
                select(Membership).where(Membership.id == found[1].id)
            ))).one()
            if membership.pending_role is None:
                raise NothingToApprove(name=member.name)
            if request is not None and request != request_token(membership):
                raise RequestChanged(name=member.name)
            if membership.active and membership.role == Role.COORDINATOR \
                    and membership.pending_role != Role.COORDINATOR:
                others = (await s.exec(select(Membership.id).where(
                    Membership.mesa_id == acting.mesa_id, Membership.id != membership.id,
                    Membership.role == Role.COORDINATOR.value, col(Membership.active).is_(True),
                ))).first()
                if others is None:
                    raise LastCoordinator(name=member.name)
            before = await membership_state(s, membership)
            membership.role = membership.pending_role
            membership.entity_id = membership.pending_entity_id
            membership.pending_role = membership.pending_entity_id = None
            membership.removed_at = None
            membership.active = True
            s.add(membership)
            entity = await s.get(Entity, membership.entity_id) if membership.entity_id else None
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="membership.approved", subject=member.handle, source=source,
                before=before, after=await membership_state(s, membership),
            )
            notify(s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.MEMBER,
                   member_id=member.id, kind="role_approved",
                   params={"role": membership.role, "mesa": acting.mesa.name,
                           "entity": entity.name if entity else None})
            return Approved(member.name, membership.role, entity.name if entity else None)


def request_token(membership: Membership) -> str:
    """A short name for the request a membership waits with, carried by the approval
    button: approving answers that request, not one made after the notice."""
    body = f"{membership.id}:{membership.pending_role}:{membership.pending_entity_id}"
    return hashlib.sha256(body.encode()).hexdigest()[:8]


def _outcome(membership: Membership | None, role: Role, entity_id: int | None) -> str:
    """What opening an invitation does: "active" (a newcomer in a role that needs no
    approval), "pending" (a request for a coordinator), "asked" (that very request is
    already waiting) or "unchanged" (they hold as much already)."""
    if membership is None:
        return "pending" if role in NEEDS_APPROVAL else "active"
    if membership.pending_role == role.value and membership.pending_entity_id == entity_id:
        return "asked"
    if not membership.active:
        # Waiting, or taken out: whatever they open now is a request, never a way back in
        # behind the coordinators' backs.
        return "pending"
    rank, held = _RANK[role], _RANK[Role(membership.role)]
    if rank < held or (rank == held and entity_id in (None, membership.entity_id)):
        return "unchanged"  # an invitation never lowers or repeats what they hold
    return "pending"


#: How much a role may do, to tell a step up (asked for, approved) from a step down
#: (an invitation never takes someone down).
_RANK = {Role.OBSERVER: 0, Role.HIGH_LEVEL: 1, Role.PRIVATE_REP: 1, Role.PUBLIC_OFFICIAL: 2,
         Role.COORDINATOR: 3}
