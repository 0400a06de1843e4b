"""Mesas, entities, members and their roles; and who a person is when they write.

Setting a mesa up is an administrator's job (the ``mesabot`` CLI), recorded in the audit
trail with no member as actor. Joining through chat invitations comes with the faces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.context import (
    Actor,
    UseCases,
    find_entity,
    handle_of,
    load_acting,
    locked,
)
from bot.core.enums import Audience, Cadence, MesaKind, Role
from bot.core.errors import (
    AwaitingApproval,
    BadValue,
    ChooseMesa,
    Conflict,
    EntityRequired,
    NotAMember,
    UnknownMember,
    UnknownMesa,
)
from bot.core.notices import notify
from bot.core.permissions import Op
from bot.core.text import fold
from bot.core.workdays import known_country
from bot.storage.tables import Entity, Member, Membership, Mesa

LANGUAGES = ("es", "en")
_HANDLE = re.compile(r"^[a-z0-9_.-]{2,40}$")
_ENTITY = re.compile(r"^[^\s/]{2,60}$")


@dataclass(frozen=True)
class MesaChoice:
    mesa_id: int
    slug: str
    name: str
    role: str
    timezone: str


@dataclass(frozen=True)
class Identity:
    """A person as the faces know them, with the mesas they may act in."""

    member_id: int
    handle: str
    name: str
    language: str
    language_chosen: bool
    mesas: list[MesaChoice]
    current_mesa: str | None = None
    #: Mesas where a role they asked for waits for a coordinator: (slug, name).
    pending: tuple[tuple[str, str], ...] = ()
    #: The platform they last wrote from, as stored: a message from another one is
    #: remembered (:meth:`bot.core.channels.Channels.used`), one from it costs nothing.
    last_platform: str | None = None

    def mesa(self, slug: str | None = None) -> MesaChoice:
        """The named mesa, or the only one they belong to."""
        waiting = dict(self.pending)
        if slug is not None and slug in waiting and all(c.slug != slug for c in self.mesas):
            raise AwaitingApproval(mesa=waiting[slug])
        if not self.mesas:
            if slug is None and len(waiting) == 1:
                raise AwaitingApproval(mesa=next(iter(waiting.values())))
            raise NotAMember()
        if slug is None and len(self.mesas) == 1:
            return self.mesas[0]
        slug = slug or self.current_mesa
        if slug is None and self.mesas:
            raise ChooseMesa(choices=[(c.slug, c.name) for c in self.mesas])
        for choice in self.mesas:
            if choice.slug == slug:
                return choice
        raise UnknownMesa(slug=slug or "", choices=[c.slug for c in self.mesas])

    def actor(self, slug: str | None = None) -> Actor:
        return Actor(member_id=self.member_id, mesa_id=self.mesa(slug).mesa_id)


def check_role_entity(role: Role, entity: Entity | None) -> None:
    """Who speaks for whom: an official for a public entity, a private representative
    never for one (else "representante SERFOR" would make SERFOR people unapproved)."""
    if role is Role.PUBLIC_OFFICIAL and (entity is None or not entity.is_public):
        raise EntityRequired(role=role.value, entity=entity.name if entity else None)
    if role is Role.PRIVATE_REP and entity is not None and entity.is_public:
        raise EntityRequired(role=role.value, entity=entity.name)


async def membership_state(
    session: AsyncSession, membership: Membership | None
) -> dict[str, object] | None:
    """A membership as the audit trail and the approval notice describe it. Every event
    that changes a membership carries this whole, as its ``after``, so ``mesabot audit
    verify`` can hold the live row against the last event about it."""
    if membership is None:
        return None
    names = {e.id: e.name for e in (await session.exec(select(Entity))).all()}
    return {
        "role": membership.role, "active": membership.active,
        "entity": names.get(membership.entity_id) if membership.entity_id else None,
        "pending_role": membership.pending_role,
        "pending_entity": names.get(membership.pending_entity_id)
        if membership.pending_entity_id else None,
        "removed": membership.removed_at is not None,
    }


def _choice(value: str, allowed: type[Role] | type[MesaKind] | type[Cadence], field: str) -> str:
    try:
        return allowed(value).value
    except ValueError:
        raise BadValue(field=field, value=value, allowed=[v.value for v in allowed]) from None


class Members(UseCases):
    async def create_entity(self, *, name: str, full_name: str = "", is_public: bool) -> str:
        name = name.strip()
        if not _ENTITY.match(name):  # typed in commands as one word: /asignar A-3 SERFOR
            raise BadValue(field="entity_name", value=name[:60], allowed=[])
        now = self.clock.now()
        try:
            async with self.db.write() as s:
                taken = {fold(n) for row in (await s.exec(select(Entity))).all()
                         for n in (row.name, row.full_name) if n}
                if fold(name) in taken or fold(full_name) in taken:
                    raise Conflict(what="entity", name=name)
                entity = Entity(name=name, full_name=full_name.strip(), is_public=is_public)
                s.add(entity)
                await s.flush()
                await audit.record(
                    s, at=now, mesa_id=None, actor_id=None, kind="entity.created",
                    subject=entity.name, source="cli",
                    after={"full_name": entity.full_name, "is_public": is_public},
                )
        except IntegrityError:
            raise Conflict(what="entity", name=name) from None
        return entity.name

    async def create_mesa(
        self, *, slug: str, name: str, kind: str = "sector", convener: str | None = None,
        region: str = "", timezone: str = "America/Lima", country: str = "PE",
        language: str = "es", cadence: str = "weekly", priority_limit: int = 4,
    ) -> str:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise BadValue(field="timezone", value=timezone, allowed=[]) from None
        if language not in LANGUAGES:
            raise BadValue(field="language", value=language, allowed=list(LANGUAGES))
        if not known_country(country):
            raise BadValue(field="country", value=country[:10], allowed=[])
        if not 1 <= priority_limit <= 10:
            raise BadValue(field="priority_limit", value=priority_limit, allowed=["1-10"])
        now = self.clock.now()
        try:
            async with self.db.write() as s:
                convener_entity = await find_entity(s, convener) if convener else None
                mesa = Mesa(
                    slug=slug.strip().lower(), name=name.strip(),
                    kind=_choice(kind, MesaKind, "kind"),
                    convener_entity_id=convener_entity.id if convener_entity else None,
                    region=region, timezone=timezone, country=country.upper(),
                    language=language, cadence=_choice(cadence, Cadence, "cadence"),
                    priority_limit=priority_limit, created_at=now,
                )
                s.add(mesa)
                await s.flush()
                await audit.record(
                    s, at=now, mesa_id=mesa.id, actor_id=None, kind="mesa.created",
                    subject=mesa.slug, source="cli",
                    after={"name": mesa.name, "kind": mesa.kind, "cadence": mesa.cadence,
                           "timezone": timezone, "priority_limit": priority_limit},
                )
        except IntegrityError:
            raise Conflict(what="mesa", name=slug) from None
        return mesa.slug

    async def add_member(
        self, *, handle: str, name: str, language: str = "es",
        telegram_user_id: int | None = None, slack_user_id: str | None = None,
    ) -> str:
        """A person the bot knows; they act nowhere until given a role in a mesa."""
        handle = handle_of(handle)
        if not _HANDLE.match(handle):
            raise BadValue(field="handle", value=handle, allowed=["a-z 0-9 _ . -"])
        if language not in LANGUAGES:
            raise BadValue(field="language", value=language, allowed=list(LANGUAGES))
        now = self.clock.now()
        try:
            async with self.db.write() as s:
                for column, account in ((Member.telegram_user_id, telegram_user_id),
                                        (Member.slack_user_id, slack_user_id)):
                    if account is not None and (await s.exec(
                            select(Member.id).where(column == account))).first():
                        raise Conflict(what="account", name=str(account))
                member = Member(
                    handle=handle, name=name.strip(), language=language,
                    telegram_user_id=telegram_user_id, slack_user_id=slack_user_id,
                    created_at=now,
                )
                s.add(member)
                await s.flush()
                await audit.record(
                    s, at=now, mesa_id=None, actor_id=None, kind="member.created",
                    subject=handle, source="cli",
                    after={"name": member.name, "telegram_user_id": telegram_user_id,
                           "slack_user_id": slack_user_id},
                )
        except IntegrityError:
            raise Conflict(what="member", name=handle) from None
        return handle

    async def link_identity(
        self, *, handle: str, telegram_user_id: int | None = None,
        slack_user_id: str | None = None,
    ) -> None:
        """Link a member to their chat accounts (how the first coordinator gets in)."""
        now = self.clock.now()
        try:
            async with self.db.write() as s:
                member = (await s.exec(
                    select(Member).where(Member.handle == handle_of(handle))
                )).first()
                if member is None:
                    raise UnknownMember(name=handle)
                before = {"telegram_user_id": member.telegram_user_id,
                          "slack_user_id": member.slack_user_id}
                if telegram_user_id is not None:
                    member.telegram_user_id = telegram_user_id
                if slack_user_id is not None:
                    member.slack_user_id = slack_user_id
                s.add(member)
                await s.flush()
                await audit.record(
                    s, at=now, mesa_id=None, actor_id=None, kind="member.linked",
                    subject=member.handle, source="cli", before=before,
                    after={"telegram_user_id": member.telegram_user_id,
                           "slack_user_id": member.slack_user_id},
                )
        except IntegrityError:
            raise Conflict(what="account", name=str(telegram_user_id or slack_user_id)) from None

    async def grant_role(
        self, *, mesa: str, handle: str, role: str, entity: str | None = None
    ) -> None:
        """An administrator gives a member a role in a mesa, speaking for ``entity`` there
        (or changes the ones they have); any request waiting for approval is settled."""
        role = _choice(role, Role, "role")
        now = self.clock.now()
        async with self.db.write() as s:
            mesa_row = (await s.exec(select(Mesa).where(Mesa.slug == mesa.lower()))).first()
            if mesa_row is None or mesa_row.id is None:
                raise UnknownMesa(slug=mesa)
            member = (await s.exec(select(Member).where(Member.handle == handle_of(handle)))
                      ).first()
            if member is None or member.id is None:
                raise UnknownMember(name=handle)
            membership = (await s.exec(
                locked(select(Membership).where(
                    Membership.mesa_id == mesa_row.id, Membership.member_id == member.id
                ))
            )).first()
            entity_row = await find_entity(s, entity) if entity else None
            if entity_row is None and membership is not None and membership.entity_id:
                entity_row = await s.get(Entity, membership.entity_id)
            check_role_entity(Role(role), entity_row)
            before = await membership_state(s, membership)
            if membership is None:
                membership = Membership(
                    mesa_id=mesa_row.id, member_id=member.id, role=role, created_at=now
                )
            membership.role, membership.active = role, True
            membership.entity_id = entity_row.id if entity_row else None
            membership.pending_role = membership.pending_entity_id = None
            membership.removed_at = None
            s.add(membership)
            await audit.record(
                s, at=now, mesa_id=mesa_row.id, actor_id=None, kind="membership.granted",
                subject=member.handle, source="cli", before=before,
                after=await membership_state(s, membership),
            )
            if before is not None:  # a change the team should hear of (not the first seat)
                notify(s, at=now, source="cli", mesa_id=mesa_row.id, audience=Audience.TEAM,
                       kind="role_granted",
                       params={"name": member.name, "role": role,
                               "entity": entity_row.name if entity_row else None})
                notify(s, at=now, source="cli", mesa_id=mesa_row.id, audience=Audience.MEMBER,
                       member_id=member.id, kind="role_approved",
                       params={"role": role, "mesa": mesa_row.name,
                               "entity": entity_row.name if entity_row else None})

    async def unlink(self, *, handle: str, telegram: bool = True, slack: bool = True) -> None:
        """Forget a member's chat accounts: from that moment the bot does not know who
        writes from them (an account lost, a phone handed on)."""
        now = self.clock.now()
        async with self.db.write() as s:
            member = (await s.exec(select(Member).where(Member.handle == handle_of(handle)))
                      ).first()
            if member is None:
                raise UnknownMember(name=handle[:40])
            before = {"telegram_user_id": member.telegram_user_id,
                      "slack_user_id": member.slack_user_id}
            if telegram:
                member.telegram_user_id = None
            if slack:
                member.slack_user_id = None
            s.add(member)
            await audit.record(
                s, at=now, mesa_id=None, actor_id=None, kind="member.unlinked",
                subject=member.handle, source="cli", before=before,
                after={"telegram_user_id": member.telegram_user_id,
                       "slack_user_id": member.slack_user_id},
            )
            mesas = (await s.exec(
                select(Membership.mesa_id).where(Membership.member_id == member.id,
                                                 col(Membership.active).is_(True))
            )).all()
            for mesa_id in mesas:
                notify(s, at=now, source="cli", mesa_id=mesa_id, audience=Audience.TEAM,
                       kind="account_unlinked", params={"name": member.name})

    async def identify(
        self, *, handle: str | None = None, telegram_user_id: int | None = None,
        slack_user_id: str | None = None,
    ) -> Identity:
        """Who is writing, and in which mesas they may act."""
        async with self.db.read() as s:
            query = select(Member)
            if handle is not None:
                query = query.where(Member.handle == handle_of(handle))
            elif telegram_user_id is not None:
                query = query.where(Member.telegram_user_id == telegram_user_id)
            elif slack_user_id is not None:
                query = query.where(Member.slack_user_id == slack_user_id)
            else:
                raise UnknownMember(name="")
            member = (await s.exec(query)).first()
            if member is None or member.id is None:
                raise UnknownMember(name=handle or "")
            rows = (await s.exec(
                select(Membership, Mesa)
                .join(Mesa, col(Mesa.id) == Membership.mesa_id)
                .where(Membership.member_id == member.id)
                .order_by(col(Mesa.slug))
            )).all()
            choices = [
                MesaChoice(mesa_id=mesa.id, slug=mesa.slug, name=mesa.name, role=ms.role,
                           timezone=mesa.timezone)
                for ms, mesa in rows if mesa.id is not None and ms.active
            ]
            pending = tuple((mesa.slug, mesa.name) for ms, mesa in rows
                            if not ms.active and ms.pending_role is not None)
            current = next((c.slug for c in choices if c.mesa_id == member.current_mesa_id), None)
            return Identity(member_id=member.id, handle=member.handle, name=member.name,
                            language=member.language, language_chosen=member.language_chosen,
                            mesas=choices, current_mesa=current, pending=pending,
                            last_platform=member.last_platform)

    async def set_language(self, *, actor: Actor, language: str, source: str = "") -> str:
        language = language.strip().lower()[:5]
        if language not in LANGUAGES:
            raise BadValue(field="language", value=language, allowed=list(LANGUAGES))
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.READ)
            before = acting.member.language
            acting.member.language = language
            acting.member.language_chosen = True
            s.add(acting.member)
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="member.language", subject=acting.member.handle, source=source,
                before={"language": before}, after={"language": language},
            )
        return language
