"""Who is acting, loaded and re-checked inside each use case's transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.core.clock import Clock
from bot.core.enums import Role
from bot.core.errors import BadReference, NotAMember, NotFound, TooLong, UnknownEntity
from bot.core.permissions import Op, require
from bot.core.text import clean, fold
from bot.storage.database import WRITING, Database
from bot.storage.tables import Action, Bottleneck, Entity, Member, Membership, Mesa

T = TypeVar("T")
Q = TypeVar("Q")


@dataclass(frozen=True)
class Actor:
    """A member acting in one mesa, as a face identifies them; checked on every use."""

    member_id: int
    mesa_id: int


@dataclass
class Acting:
    member: Member
    mesa: Mesa
    role: Role
    #: The entity the member speaks for in this mesa (it belongs to the membership).
    entity: Entity | None

    @property
    def entity_id(self) -> int | None:
        return self.entity.id if self.entity is not None else None

    @property
    def member_id(self) -> int:
        assert self.member.id is not None
        return self.member.id

    @property
    def mesa_id(self) -> int:
        assert self.mesa.id is not None
        return self.mesa.id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.mesa.timezone)

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()


_REF = re.compile(r"^\s*([PAS])\s*-?\s*(\d+)\s*$", re.IGNORECASE)
#: The largest number anything is given (PostgreSQL's ``integer``). A larger one cannot
#: exist, and asking a database for it fails instead of finding nothing.
MAX_NUMBER = 2**31 - 1


def parse_ref(text: str, prefix: str) -> int:
    """The number in a reference people type: "P-7", "p7", "A 12".

    Raises:
        BadReference: not a reference of this kind.
        NotFound: a well-formed reference too large to exist ("P-99999999999").
    """
    match = _REF.match(text)
    if match is None or match.group(1).upper() != prefix:
        raise BadReference(text=text[:40], expected=prefix)
    digits = match.group(2).lstrip("0") or "0"
    if len(digits) > len(str(MAX_NUMBER)) or int(digits) > MAX_NUMBER:
        raise NotFound(ref=f"{prefix}-{digits[:20]}")
    return int(digits)


def check_length(text: str, limit: int) -> str:
    """The text cleaned for storage, refused whole if longer than ``limit``."""
    text = clean(text)
    if len(text) > limit:
        raise TooLong(length=len(text), limit=limit)
    return text


def _held(session: AsyncSession, query: Q) -> Q:
    """In a writing transaction, hold the memberships read (``FOR SHARE``) until commit:
    someone removed meanwhile cannot still claim, confirm or receive an action, since the
    removal waits for this transaction and this one sees the removal if it came first.
    SQLite serialises writers anyway, and its dialect leaves the clause out."""
    if not session.info.get(WRITING):
        return query
    select_: Any = query
    held: Q = select_.with_for_update(read=True, of=Membership).execution_options(
        populate_existing=True)
    return held


async def membership_changes(session: AsyncSession, mesa_id: int) -> None:
    """Serialise the changes that could leave a mesa without a coordinator (removing,
    approving, an administrator's grant): a transaction-scoped advisory lock on
    PostgreSQL, taken before any row lock so it orders nothing else; SQLite writers are
    serial already."""
    if session.get_bind().dialect.name == "postgresql":
        await session.exec(  # type: ignore[call-overload]
            text("SELECT pg_advisory_xact_lock(:space, :mesa)"),
            params={"space": 0x6D657361, "mesa": mesa_id},
        )


async def load_acting(session: AsyncSession, actor: Actor, op: Op) -> Acting:
    """The actor's member, mesa, role and entity, with ``op`` checked against the role."""
    row = (
        await session.exec(_held(session,
            select(Membership, Member, Mesa, Entity)
            .join(Member, col(Member.id) == Membership.member_id)
            .join(Mesa, col(Mesa.id) == Membership.mesa_id)
            .outerjoin(Entity, col(Entity.id) == Membership.entity_id)
            .where(Membership.member_id == actor.member_id)
            .where(Membership.mesa_id == actor.mesa_id)
            .where(col(Membership.active).is_(True))
        ))
    ).first()
    if row is None:
        raise NotAMember()
    membership, member, mesa, entity = row
    role = Role(membership.role)
    require(role, op)
    return Acting(member=member, mesa=mesa, role=role, entity=entity)


def handle_of(text: str) -> str:
    """A handle as people type it: "@Jorge", "jorge " and "JORGE" are one person."""
    return text.strip().lstrip("@").lower()


async def member_in_mesa(
    session: AsyncSession, mesa_id: int, name: str, *, active: bool = True
) -> tuple[Member, Membership] | None:
    """A member of the mesa as people name them: their handle ("ana.torres"), or a
    first name or handle start that only one of them has ("ana"); with their membership
    there. ``active``: only someone acting now (not pending approval, not removed);
    else anyone not removed, or asking to come back. None if nobody, or more than one,
    fits."""
    wanted = handle_of(name)
    query = (
        select(Member, Membership)
        .join(Membership, col(Membership.member_id) == Member.id)
        .where(Membership.mesa_id == mesa_id)
        .where(col(Membership.active).is_(True) if active
               else col(Membership.removed_at).is_(None)
               | col(Membership.pending_role).is_not(None))
    )
    exact = (await session.exec(_held(session, query.where(Member.handle == wanted)))).first()
    if exact is not None:
        return exact[0], exact[1]
    if not wanted or not re.fullmatch(r"[\w.-]+", wanted):
        return None
    rows = (await session.exec(_held(session, query))).all()
    fits = [(m, ms) for m, ms in rows
            if m.handle.startswith(wanted + ".") or fold(m.name).split(" ")[0] == fold(wanted)]
    return fits[0] if len(fits) == 1 else None


def locked(query: SelectOfScalar[T]) -> SelectOfScalar[T]:
    """``SELECT ... FOR NO KEY UPDATE`` that also refreshes a row already loaded.

    Without ``populate_existing`` the identity map hands back the copy read before the
    lock, and a counter read from it is stale: two writers would take the same number.
    ``NO KEY`` because no use case changes a key, and a plain ``FOR UPDATE`` on PostgreSQL
    conflicts with the ``KEY SHARE`` lock every foreign-key insert takes on its parent:
    an outbox row naming the mesa would then wait on the mesa's counter lock, and with
    the audit chain lock in between, writers deadlock.
    """
    return query.with_for_update(key_share=True).execution_options(populate_existing=True)


async def get_bottleneck(
    session: AsyncSession, acting: Acting, ref: str, *, lock: bool = False
) -> Bottleneck:
    """A bottleneck of the actor's mesa; another mesa's is "not found", never "forbidden"."""
    number = parse_ref(ref, "P")
    query = select(Bottleneck).where(
        Bottleneck.mesa_id == acting.mesa_id, Bottleneck.number == number
    )
    found = (await session.exec(locked(query) if lock else query)).first()
    if found is None:
        raise NotFound(ref=f"P-{number}")
    return found


async def get_action(
    session: AsyncSession, acting: Acting, ref: str, *, lock: bool = False
) -> Action:
    number = parse_ref(ref, "A")
    query = select(Action).where(Action.mesa_id == acting.mesa_id, Action.number == number)
    found = (await session.exec(locked(query) if lock else query)).first()
    if found is None:
        raise NotFound(ref=f"A-{number}")
    return found


async def lock_mesa(session: AsyncSession, mesa_id: int) -> Mesa:
    """The mesa row, locked: its counters hand out the next reference number."""
    return (await session.exec(locked(select(Mesa).where(Mesa.id == mesa_id)))).one()


class UseCases:
    """Base of the core services: the database and the clock they run on."""

    def __init__(self, *, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock


async def find_entity(session: AsyncSession, name: str) -> Entity:
    """An entity by its short or full name, ignoring case and accents."""
    wanted = fold(name)
    for entity in (await session.exec(select(Entity))).all():
        if wanted in (fold(entity.name), fold(entity.full_name)):
            return entity
    raise UnknownEntity(name=name[:60])


def snapshot(row: object, *fields: str) -> dict[str, object]:
    """The named fields of a row, for an audit event's before and after."""
    return {name: getattr(row, name) for name in fields}
