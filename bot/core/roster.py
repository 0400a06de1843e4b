"""What an administrator lists: the entities, the mesas, and who sits in them.

The chat faces never show these lists: a member sees only their own mesas. The CLI runs
with the database's own rights, so it sees every mesa.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, func, select

from bot.core.context import UseCases
from bot.core.errors import UnknownMesa
from bot.storage.tables import Entity, Member, Membership, Mesa


@dataclass(frozen=True)
class EntityLine:
    name: str
    full_name: str
    is_public: bool


@dataclass(frozen=True)
class MesaLine:
    slug: str
    name: str
    kind: str
    convener: str | None
    cadence: str
    timezone: str
    country: str
    members: int


@dataclass(frozen=True)
class Seat:
    """A member's place in one mesa, as it stands."""

    mesa: str
    role: str
    entity: str | None
    #: "active", "pending" (a newcomer waiting for a coordinator's approval) or "removed".
    state: str
    #: A role and entity asked for that waits for approval (a newcomer's, or a change).
    pending_role: str | None = None
    pending_entity: str | None = None


@dataclass(frozen=True)
class MemberLine:
    handle: str
    name: str
    language: str
    telegram: bool
    slack: bool
    seats: tuple[Seat, ...]


def _state(membership: Membership) -> str:
    if membership.removed_at is not None:
        return "removed"
    if not membership.active:
        return "pending"
    return "active"


class Roster(UseCases):
    async def entities(self) -> list[EntityLine]:
        async with self.db.read() as s:
            rows = (await s.exec(select(Entity).order_by(col(Entity.name)))).all()
        return [EntityLine(e.name, e.full_name, e.is_public) for e in rows]

    async def mesas(self) -> list[MesaLine]:
        """Every mesa, with how many members act in it now."""
        async with self.db.read() as s:
            names = {e.id: e.name for e in (await s.exec(select(Entity))).all()}
            counts = dict((await s.exec(
                select(Membership.mesa_id, func.count())
                .where(col(Membership.active).is_(True), col(Membership.removed_at).is_(None))
                .group_by(col(Membership.mesa_id))
            )).all())
            mesas = (await s.exec(select(Mesa).order_by(col(Mesa.slug)))).all()
        return [MesaLine(m.slug, m.name, m.kind,
                         names.get(m.convener_entity_id) if m.convener_entity_id else None,
                         m.cadence, m.timezone, m.country, counts.get(m.id or 0, 0))
                for m in mesas]

    async def members(self, *, mesa: str | None = None) -> list[MemberLine]:
        """Every member with their seats; with ``mesa``, only that mesa's (its seat alone),
        including those waiting for approval and those taken out."""
        async with self.db.read() as s:
            mesa_id = None
            if mesa is not None:
                row = (await s.exec(select(Mesa).where(Mesa.slug == mesa.strip().lower()))
                       ).first()
                if row is None:
                    raise UnknownMesa(slug=mesa[:40])
                mesa_id = row.id
            slugs = {m.id: m.slug for m in (await s.exec(select(Mesa))).all()}
            names = {e.id: e.name for e in (await s.exec(select(Entity))).all()}
            query = select(Membership)
            if mesa_id is not None:
                query = query.where(Membership.mesa_id == mesa_id)
            seats: dict[int, list[Seat]] = {}
            for m in (await s.exec(query)).all():
                seats.setdefault(m.member_id, []).append(Seat(
                    slugs[m.mesa_id], m.role, names.get(m.entity_id) if m.entity_id else None,
                    _state(m), m.pending_role,
                    names.get(m.pending_entity_id) if m.pending_entity_id else None))
            members = (await s.exec(select(Member).order_by(col(Member.handle)))).all()
        return [MemberLine(m.handle, m.name, m.language, m.telegram_user_id is not None,
                           m.slack_user_id is not None,
                           tuple(sorted(seats.get(m.id or 0, ()), key=lambda seat: seat.mesa)))
                for m in members if mesa_id is None or m.id in seats]
