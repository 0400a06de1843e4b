"""The steps of the action use cases, each inside its caller's write transaction, so
a form can propose an action, claim it and confirm it in one (see
:meth:`bot.core.actions.Actions.propose_owned`), and the departures of members reuse
the same checks. Each step records its audit event; the notices are its caller's
choice where several steps make one change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.confirmations import Confirmed, confirmed
from bot.core.context import Acting, find_entity, member_in_mesa, snapshot
from bot.core.dates import day_off
from bot.core.directory import Directory
from bot.core.enums import (
    CLOSED_BOTTLENECK,
    ActionStatus,
    Audience,
    BottleneckStatus,
    Role,
)
from bot.core.errors import (
    AlreadyClaimed,
    AssignedElsewhere,
    Forbidden,
    InvalidState,
    NeedsDueDate,
    NotParticipant,
    NotYourEntity,
    UnknownMember,
)
from bot.core.notices import notify
from bot.core.permissions import PARTICIPANTS, Op
from bot.core.views import ActionView
from bot.storage.tables import (
    Action,
    Bottleneck,
    DueDateChange,
    Entity,
    Member,
    Membership,
    Mesa,
)

#: What an action's events carry, so ``mesabot audit verify`` can check the live row.
ACTION_FIELDS = ("status", "owner_id", "owner_entity_id", "confirmed_by_id", "due_on",
                 "blocked_reason", "blocked_detail")
UPDATABLE = (ActionStatus.CLAIMED, ActionStatus.CONFIRMED, ActionStatus.BLOCKED)


async def new(
    s: AsyncSession, acting: Acting, mesa: Mesa, bottleneck: Bottleneck, text: str, *,
    now: datetime, source: str,
) -> Action:
    """A proposed action on an open bottleneck, numbered from the locked mesa."""
    if bottleneck.status in CLOSED_BOTTLENECK:
        raise InvalidState(ref=f"P-{bottleneck.number}", status=bottleneck.status)
    assert bottleneck.id is not None
    row = Action(
        mesa_id=acting.mesa_id,
        number=mesa.next_action_no,
        bottleneck_id=bottleneck.id,
        text=text,
        proposer_id=acting.member_id,
        created_at=now,
        updated_at=now,
    )
    mesa.next_action_no += 1
    s.add_all([row, mesa])
    await s.flush()
    await audit.record(
        s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
        kind="action.proposed", subject=f"A-{row.number}", source=source,
        after={"text": text, "bottleneck": f"P-{bottleneck.number}"},
    )
    return row

def tell_proposed(s: AsyncSession, acting: Acting, view: ActionView, *, now: datetime,
                  source: str) -> None:
    notify(
        s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
        kind="action_proposed",
        params={"ref": view.ref, "text": view.text, "bottleneck": view.bottleneck_ref,
                "proposer": acting.member.name},
    )

async def take(s: AsyncSession, acting: Acting, row: Action, *, now: datetime,
               source: str, tell: bool = True) -> ActionView:
    """The locked action claimed by the actor; the group told unless ``tell`` is off
    (a later step of the same change tells it)."""
    if row.owner_id is not None:
        directory = await Directory.load(s, acting.mesa_id)
        owner = directory.person(row.owner_id)
        assert owner is not None
        raise AlreadyClaimed(
            ref=f"A-{row.number}", owner=owner.name, entity=owner.entity,
            mine=row.owner_id == acting.member_id,
        )
    if row.status != ActionStatus.PROPOSED:
        raise InvalidState(ref=f"A-{row.number}", status=row.status)
    if row.owner_entity_id is not None and row.owner_entity_id != acting.entity_id:
        entity = await s.get(Entity, row.owner_entity_id)
        raise AssignedElsewhere(ref=f"A-{row.number}", entity=entity.name if entity else "")
    before = snapshot(row, *ACTION_FIELDS)
    row.owner_id = acting.member_id
    row.owner_entity_id = acting.entity_id
    row.status = ActionStatus.CLAIMED.value
    await record(s, acting, row, kind="action.claimed", before=before,
                       source=source, now=now)
    view = await action_view(s, acting, row, now)
    if tell:
        notify(
            s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
            kind="action_claimed",
            params={"ref": view.ref, "text": view.text, "owner": acting.member.name,
                    "entity": view.owner_entity},
        )
    return view

async def commit(
    s: AsyncSession, acting: Acting, row: Action, bottleneck: Bottleneck,
    typed: date | None, *, now: datetime, source: str,
) -> Confirmed:
    """The locked action confirmed with ``typed`` (or the date it has); its locked
    bottleneck, if prioritized, now in progress."""
    if row.status == ActionStatus.CONFIRMED:  # its date moves with /plazo, and why
        raise InvalidState(ref=f"A-{row.number}", status=row.status, instead="deadline")
    if row.status not in (ActionStatus.PROPOSED, ActionStatus.CLAIMED):
        raise InvalidState(ref=f"A-{row.number}", status=row.status)
    entity = await s.get(Entity, row.owner_entity_id) if row.owner_entity_id else None
    if row.status == ActionStatus.PROPOSED and (
        entity is None or acting.role is not Role.PUBLIC_OFFICIAL
    ):
        raise InvalidState(ref=f"A-{row.number}", status=row.status, instead="claim")
    await check_confirmer(acting, row, entity)
    before = snapshot(row, *ACTION_FIELDS)
    due_on = typed or row.due_on
    if due_on is None:
        raise NeedsDueDate(ref=f"A-{row.number}")
    if row.owner_id is None:
        row.owner_id = acting.member_id
    set_due(s, acting, row, due_on, "", now)
    row.status = ActionStatus.CONFIRMED.value
    row.confirmed_by_id = acting.member_id
    await record(s, acting, row, kind="action.confirmed", before=before,
                       source=source, now=now)
    if bottleneck.status == BottleneckStatus.PRIORITIZED:
        bottleneck.status = BottleneckStatus.IN_PROGRESS.value
        bottleneck.updated_at = now
        s.add(bottleneck)
        await audit.record(
            s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
            kind="bottleneck.in_progress", subject=f"P-{bottleneck.number}",
            source=source, before={"status": BottleneckStatus.PRIORITIZED.value},
            after={"status": BottleneckStatus.IN_PROGRESS.value},
        )
    view = await action_view(s, acting, row, now)
    notify(
        s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
        kind="action_confirmed",
        params={"ref": view.ref, "text": view.text,
                "owner": view.owner.name if view.owner else "",
                "entity": view.owner_entity, "due_on": due_on},
    )
    return await confirmed(s, acting, row, view, now=now, source=source)

async def give(
    s: AsyncSession, acting: Acting, row: Action, found: tuple[Member, Membership] | None,
    to: str, typed: date | None, *, now: datetime, source: str,
) -> ActionView:
    """The locked action given to the member ``found``, else to the entity ``to``."""
    if row.status not in (ActionStatus.PROPOSED, ActionStatus.CLAIMED,
                          ActionStatus.CONFIRMED):
        raise InvalidState(ref=f"A-{row.number}", status=row.status)
    before = snapshot(row, *ACTION_FIELDS)
    member = found[0] if found else None
    if found is not None:
        row.owner_id = found[0].id
        row.owner_entity_id = found[1].entity_id
        row.status = ActionStatus.CLAIMED.value
    else:
        entity = await find_entity(s, to)
        row.owner_id = None
        row.owner_entity_id = entity.id
        row.status = ActionStatus.PROPOSED.value
    row.confirmed_by_id = None
    if typed is not None:
        set_due(s, acting, row, typed, "", now)
    await record(s, acting, row, kind="action.assigned", before=before,
                       source=source, now=now)
    view = await action_view(s, acting, row, now)
    params = {"ref": view.ref, "text": view.text, "entity": view.owner_entity,
              "owner": member.name if member else None, "due_on": row.due_on}
    if member is not None and member.id != acting.member_id:
        notify(s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.MEMBER,
               member_id=member.id, kind="action_assigned", params=params)
    else:
        notify(s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
               kind="action_assigned", params=params)
    return view

async def record(
    s: AsyncSession, acting: Acting, row: Action, *, kind: str, before: dict[str, object],
    source: str, now: datetime, **extra: object,
) -> None:
    """Save the row and write its audit event: the fields before, and after."""
    row.updated_at = now
    s.add(row)
    await audit.record(
        s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id, kind=kind,
        subject=f"A-{row.number}", source=source, before=before,
        after={**snapshot(row, *ACTION_FIELDS), **extra},
    )

def set_due(
    s: AsyncSession, acting: Acting, row: Action, due_on: date, reason: str, now: datetime
) -> None:
    if row.due_on == due_on:
        return
    assert row.id is not None
    s.add(DueDateChange(
        action_id=row.id, old_due_on=row.due_on, new_due_on=due_on,
        changed_by_id=acting.member_id, reason=reason, at=now,
    ))
    row.due_on = due_on

async def check_confirmer(acting: Acting, row: Action, entity: Entity | None) -> None:
    if entity is not None and entity.is_public:
        if acting.role is not Role.PUBLIC_OFFICIAL or acting.entity_id != entity.id:
            raise NotYourEntity(ref=f"A-{row.number}", entity=entity.name)
        return
    if acting.role is not Role.COORDINATOR and row.owner_id != acting.member_id:
        raise Forbidden(op=Op.CONFIRM.value, role=acting.role.value,
                        allowed=["owner", Role.COORDINATOR.value])

async def participant(
    s: AsyncSession, acting: Acting, name: str
) -> tuple[Member, Membership] | None:
    found = await member_in_mesa(s, acting.mesa_id, name)
    if found is None and name.strip().startswith("@"):
        raise UnknownMember(name=name[:40])
    if found is not None and Role(found[1].role) not in PARTICIPANTS:
        raise NotParticipant(name=found[0].name, role=found[1].role)
    return found


async def check_updater(s: AsyncSession, acting: Acting, row: Action) -> None:
    """Owner, a public official of the owner's entity, or a coordinator."""
    if acting.role is Role.COORDINATOR or row.owner_id == acting.member_id:
        return
    if (
        acting.role is Role.PUBLIC_OFFICIAL
        and row.owner_entity_id is not None
        and row.owner_entity_id == acting.entity_id
    ):
        return
    raise Forbidden(op=Op.UPDATE_ACTION.value, role=acting.role.value,
                    allowed=["owner", "entity_official", Role.COORDINATOR.value])


async def action_view(s: AsyncSession, acting: Acting, row: Action, now: datetime) -> ActionView:
    """One action as its answer shows it, with whether its due date is a day off in
    the mesa's country (a holiday or a weekend: accepted, and said)."""
    directory = await Directory.load(s, acting.mesa_id)
    view = (await directory.actions(s, [row], today=acting.today(now)))[0]
    if view.due_on is None or not view.is_open:
        return view
    return replace(view, due_off=day_off(view.due_on, acting.mesa.country))
