"""Joining a mesa: a coordinator's invitation, and approval for roles that speak for an
institution. A public official's or coordinator's role takes effect only once a
coordinator approves it, so nobody can pose as SERFOR."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.context import Actor, UseCases, find_entity, load_acting, locked
from bot.core.enums import Audience, Role
from bot.core.errors import BadValue, InvitationInvalid, NothingToApprove, UnknownMember
from bot.core.notices import notify
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
    pending: bool
    """True while the role waits for a coordinator's approval."""


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
        """A coordinator invites people to their mesa in a role; officials need an entity."""
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
            if wanted is Role.PUBLIC_OFFICIAL and (entity_row is None or not entity_row.is_public):
                raise BadValue(field="entity", value=entity or "", allowed=["SERFOR", "…"])
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
                after={"entity": entity_row.name if entity_row else None, "uses": uses},
            )
            return Invited(code, acting.mesa.name, wanted.value,
                           entity_row.name if entity_row else None, row.expires_at, uses)

    async def accept(
        self, *, code: str, name: str, language: str, telegram_user_id: int | None = None,
        slack_user_id: str | None = None, source: str = "",
    ) -> Joined:
        """Join with a code: the person becomes a member (or is recognised as one) and
        gets the role, at once or once a coordinator approves it."""
        now = self.clock.now()
        async with self.db.write() as s:
            invitation = (await s.exec(
                locked(select(Invitation).where(Invitation.code_hash == _hash(code.strip())))
            )).first()
            if invitation is None or invitation.uses >= invitation.max_uses \
                    or invitation.expires_at < now:
                raise InvitationInvalid()
            mesa = (await s.exec(select(Mesa).where(Mesa.id == invitation.mesa_id))).one()
            query = select(Member)
            if telegram_user_id is not None:
                query = query.where(Member.telegram_user_id == telegram_user_id)
            else:
                query = query.where(Member.slack_user_id == slack_user_id)
            member = (await s.exec(query)).first()
            if member is None:
                member = Member(
                    handle=await _unique_handle(s, name), name=name.strip()[:120] or "?",
                    entity_id=invitation.entity_id, language=language if language in
                    ("es", "en") else "es", telegram_user_id=telegram_user_id,
                    slack_user_id=slack_user_id, created_at=now,
                )
                s.add(member)
                await s.flush()
            elif invitation.entity_id is not None:
                member.entity_id = invitation.entity_id
                s.add(member)
            assert member.id is not None and mesa.id is not None
            role = Role(invitation.role)
            pending = role in NEEDS_APPROVAL
            membership = (await s.exec(
                select(Membership).where(Membership.mesa_id == mesa.id,
                                         Membership.member_id == member.id)
            )).first()
            if membership is None:
                membership = Membership(mesa_id=mesa.id, member_id=member.id, role=role.value,
                                        active=not pending, created_at=now)
            else:  # a new role for someone already in the mesa: same rule as for newcomers
                membership.role, membership.active = role.value, not pending
            s.add(membership)
            invitation.uses += 1
            s.add(invitation)
            entity = await s.get(Entity, member.entity_id) if member.entity_id else None
            await audit.record(
                s, at=now, mesa_id=mesa.id, actor_id=member.id, kind="invitation.accepted",
                subject=member.handle, source=source,
                after={"role": role.value, "pending": pending,
                       "entity": entity.name if entity else None},
            )
            if pending:
                notify(s, at=now, source=source, mesa_id=mesa.id, audience=Audience.TEAM,
                       kind="role_to_approve",
                       params={"name": member.name, "handle": member.handle,
                               "role": role.value, "entity": entity.name if entity else None})
            return Joined(mesa.name, role.value, entity.name if entity else None, pending)

    async def approve(self, *, actor: Actor, handle: str, source: str = "") -> Approved:
        """A coordinator lets a pending official or coordinator act in their role."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.INVITE)
            member = (await s.exec(
                select(Member).where(Member.handle == handle.strip().lstrip("@").lower())
            )).first()
            if member is None:
                raise UnknownMember(name=handle[:40])
            membership = (await s.exec(
                select(Membership).where(Membership.mesa_id == acting.mesa_id,
                                         Membership.member_id == member.id,
                                         col(Membership.active).is_(False))
            )).first()
            if membership is None:
                raise NothingToApprove(name=member.name)
            membership.active = True
            s.add(membership)
            entity = await s.get(Entity, member.entity_id) if member.entity_id else None
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="membership.approved", subject=member.handle, source=source,
                after={"role": membership.role},
            )
            notify(s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.MEMBER,
                   member_id=member.id, kind="role_approved",
                   params={"role": membership.role, "mesa": acting.mesa.name})
            return Approved(member.name, membership.role, entity.name if entity else None)
