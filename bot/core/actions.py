"""Actions: proposed, claimed, confirmed with a due date, then done or blocked.

An action owned by a public entity is a commitment only once a public official of that
entity confirms it. A due date that moves keeps its history (``DueDateChange``), so the
agenda and digests can say how often a promise slipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.confirmations import Confirmed, confirmed
from bot.core.context import (
    Acting,
    Actor,
    UseCases,
    check_length,
    find_entity,
    get_action,
    get_bottleneck,
    load_acting,
    lock_mesa,
    locked,
    member_in_mesa,
    snapshot,
)
from bot.core.dates import parse_due_date, read_deadline
from bot.core.directory import Directory
from bot.core.enums import (
    CLOSED_BOTTLENECK,
    ActionStatus,
    Audience,
    BlockedReason,
    BottleneckStatus,
    Role,
)
from bot.core.errors import (
    AlreadyClaimed,
    AssignedElsewhere,
    EmptyText,
    Forbidden,
    InvalidState,
    NeedsDueDate,
    NotAMember,
    NotParticipant,
    NotYourEntity,
    UnknownMember,
)
from bot.core.notices import notify
from bot.core.permissions import PARTICIPANTS, Op, require
from bot.core.views import ActionView
from bot.storage.tables import (
    Action,
    Bottleneck,
    DueDateChange,
    Entity,
    Member,
    Membership,
    Mesa,
    ProgressUpdate,
)

ACTION_MAX = 500
REASON_MAX = 500
#: What an action's events carry, so ``mesabot audit verify`` can check the live row.
ACTION_FIELDS = ("status", "owner_id", "owner_entity_id", "confirmed_by_id", "due_on",
                 "blocked_reason", "blocked_detail")
UPDATABLE = (ActionStatus.CLAIMED, ActionStatus.CONFIRMED, ActionStatus.BLOCKED)


def _action_text(text: str) -> str:
    text = check_length(text, ACTION_MAX)
    if not text:
        raise EmptyText()
    return text


class Actions(UseCases):
    async def propose(
        self, *, actor: Actor, bottleneck_ref: str, text: str, source: str = ""
    ) -> ActionView:
        """Propose an action on a bottleneck; anyone may then claim it."""
        text = _action_text(text)
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.PROPOSE_ACTION)
            mesa = await lock_mesa(s, acting.mesa_id)
            bottleneck = await get_bottleneck(s, acting, bottleneck_ref)
            row = await self._new(s, acting, mesa, bottleneck, text, now=now, source=source)
            view = await action_view(s, acting, row, now)
            self._tell_proposed(s, acting, view, now=now, source=source)
            return view

    async def propose_owned(
        self, *, actor: Actor, bottleneck_ref: str, text: str, owner: str | None = None,
        due: str | None = None, source: str = "",
    ) -> ActionView | Confirmed:
        """Propose an action and give it its owner at once, as a form does: the proposer
        themself (``owner`` None: claimed, and confirmed if ``due`` is given) or, for a
        coordinator, a member or an entity (assigned, with ``due`` if given). All in one
        transaction: a refusal of any step leaves no action behind. The group hears of
        it once, in its final state."""
        text = _action_text(text)
        now = self.clock.now()
        typed = await self.read_due(actor, due) if due else None
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.PROPOSE_ACTION)
            found = None
            if owner is None:
                require(acting.role, Op.CLAIM)
                if typed is not None:
                    require(acting.role, Op.CONFIRM)
            else:
                require(acting.role, Op.ASSIGN)
                found = await self._member_in_mesa(s, acting, owner)  # held before the action
            mesa = await lock_mesa(s, acting.mesa_id)
            bottleneck = await get_bottleneck(s, acting, bottleneck_ref, lock=True)
            row = await self._new(s, acting, mesa, bottleneck, text, now=now, source=source)
            if owner is not None:
                view = await self._give(s, acting, row, found, owner, typed, now=now,
                                        source=source)
                if found is not None and found[0].id != acting.member_id:
                    # the member is told privately; the group, that there is a new action
                    self._tell_proposed(s, acting, view, now=now, source=source)
                return view
            await self._take(s, acting, row, now=now, source=source, tell=typed is None)
            if typed is None:
                return await action_view(s, acting, row, now)
            return await self._commit(s, acting, row, bottleneck, typed, now=now,
                                      source=source)

    async def claim(self, *, actor: Actor, ref: str, source: str = "") -> ActionView:
        """Take an open action as one's own. Of many claiming at once, exactly one wins."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.CLAIM)
            row = await get_action(s, acting, ref, lock=True)
            return await self._take(s, acting, row, now=now, source=source)

    async def confirm(
        self, *, actor: Actor, ref: str, due: str | None = None, source: str = ""
    ) -> Confirmed:
        """Turn a claim into a commitment with a due date.

        For a public entity's action only a public official of that entity may confirm;
        for others, the owner or a coordinator. An official may confirm an action assigned
        to their entity directly, becoming its owner. An owner whose promise was dated by
        someone else is told privately: the date is now theirs to keep, or to move.
        """
        now = self.clock.now()
        typed = await self.read_due(actor, due) if due else None
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.CONFIRM)
            row = await get_action(s, acting, ref, lock=True)
            # Locked now, not at the later update: the audit chain is always locked last.
            bottleneck = (await s.exec(
                locked(select(Bottleneck).where(Bottleneck.id == row.bottleneck_id))
            )).one()
            return await self._commit(s, acting, row, bottleneck, typed, now=now,
                                      source=source)

    async def assign(
        self, *, actor: Actor, ref: str, to: str, due: str | None = None, source: str = ""
    ) -> ActionView:
        """A coordinator gives an action to a member (by handle) or to an entity."""
        now = self.clock.now()
        typed = await self.read_due(actor, due) if due else None
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.ASSIGN)
            found = await self._member_in_mesa(s, acting, to)  # held before the action
            row = await get_action(s, acting, ref, lock=True)
            return await self._give(s, acting, row, found, to, typed, now=now, source=source)

    async def read_due(self, actor: Actor, text: str) -> date:
        """A due date as the actor typed it, read in their mesa's calendar; refused
        (:class:`bot.core.errors.DomainError`) when past, unreadable or vague. A form
        checks it with this before it closes."""
        today, country = await self._calendar(actor, self.clock.now())
        return parse_due_date(text, today=today, country=country)

    # the steps, each inside the caller's transaction

    async def _new(
        self, s: AsyncSession, acting: Acting, mesa: Mesa, bottleneck: Bottleneck, text: str,
        *, now: datetime, source: str,
    ) -> Action:
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

    @staticmethod
    def _tell_proposed(s: AsyncSession, acting: Acting, view: ActionView, *, now: datetime,
                       source: str) -> None:
        notify(
            s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
            kind="action_proposed",
            params={"ref": view.ref, "text": view.text, "bottleneck": view.bottleneck_ref,
                    "proposer": acting.member.name},
        )

    async def _take(self, s: AsyncSession, acting: Acting, row: Action, *, now: datetime,
                    source: str, tell: bool = True) -> ActionView:
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
        await self._record(s, acting, row, kind="action.claimed", before=before,
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

    async def _commit(
        self, s: AsyncSession, acting: Acting, row: Action, bottleneck: Bottleneck,
        typed: date | None, *, now: datetime, source: str,
    ) -> Confirmed:
        if row.status not in (ActionStatus.PROPOSED, ActionStatus.CLAIMED):
            raise InvalidState(ref=f"A-{row.number}", status=row.status)
        entity = await s.get(Entity, row.owner_entity_id) if row.owner_entity_id else None
        if row.status == ActionStatus.PROPOSED and (
            entity is None or acting.role is not Role.PUBLIC_OFFICIAL
        ):
            raise InvalidState(ref=f"A-{row.number}", status=row.status)
        await self._check_confirmer(acting, row, entity)
        before = snapshot(row, *ACTION_FIELDS)
        due_on = typed or row.due_on
        if due_on is None:
            raise NeedsDueDate(ref=f"A-{row.number}")
        if row.owner_id is None:
            row.owner_id = acting.member_id
        self._set_due(s, acting, row, due_on, "", now)
        row.status = ActionStatus.CONFIRMED.value
        row.confirmed_by_id = acting.member_id
        await self._record(s, acting, row, kind="action.confirmed", before=before,
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

    async def _give(
        self, s: AsyncSession, acting: Acting, row: Action,
        found: tuple[Member, Membership] | None, to: str, typed: date | None, *,
        now: datetime, source: str,
    ) -> ActionView:
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
            self._set_due(s, acting, row, typed, "", now)
        await self._record(s, acting, row, kind="action.assigned", before=before,
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

    async def mark_done(
        self, *, actor: Actor, ref: str, note: str = "", source: str = ""
    ) -> ActionView:
        now = self.clock.now()
        note = check_length(note, REASON_MAX)
        async with self.db.write() as s:
            acting, row, before = await self._updatable(s, actor, ref)
            row.status = ActionStatus.DONE.value
            row.blocked_reason = None
            row.done_at = now
            progress: ProgressUpdate | None = None
            if note:
                progress = ProgressUpdate(
                    mesa_id=acting.mesa_id, action_id=row.id, bottleneck_id=row.bottleneck_id,
                    author_id=acting.member_id, text=note, source=source[:200], at=now,
                )
                s.add(progress)
                await s.flush()  # its id goes in the audit event
            await self._record(s, acting, row, kind="action.done", before=before, source=source,
                               now=now, note=note,
                               **({"progress": progress.id} if progress is not None else {}))
            view = await action_view(s, acting, row, now)
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
                kind="action_done",
                params={"ref": view.ref, "text": view.text, "by": acting.member.name,
                        "entity": view.owner_entity, "note": note},
            )
            return view

    async def mark_blocked(
        self, *, actor: Actor, ref: str, reason: BlockedReason, detail: str = "",
        source: str = "",
    ) -> ActionView:
        """Say an action is stuck and why; the team is told, and the agenda shows it."""
        now = self.clock.now()
        detail = check_length(detail, REASON_MAX)
        async with self.db.write() as s:
            acting, row, before = await self._updatable(s, actor, ref)
            row.status = ActionStatus.BLOCKED.value
            row.blocked_reason = reason.value
            row.blocked_detail = detail
            await self._record(s, acting, row, kind="action.blocked", before=before,
                               source=source, now=now, detail=detail)
            view = await action_view(s, acting, row, now)
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.TEAM,
                kind="action_blocked",
                params={"ref": view.ref, "text": view.text, "by": acting.member.name,
                        "reason": reason.value, "detail": detail},
            )
            return view

    async def move_due(
        self, *, actor: Actor, ref: str, due: str = "", reason: str = "",
        splits: Sequence[tuple[str, str]] = (), source: str = "",
    ) -> ActionView:
        """Move a promise's due date; the old date, the new one and why are all kept.

        The date and reason come as ``due`` and ``reason``, or as every ``splits`` of
        what was typed ("viernes, 4 de diciembre, por la huelga"): when they read as
        different dates nothing is written and ``DateAmbiguous`` lists them.
        """
        now = self.clock.now()
        today, country = await self._calendar(actor, now)
        reading = read_deadline(splits or [(due, reason)], today=today, country=country)
        reason = check_length(reading.reason, REASON_MAX)
        if not reason:
            raise EmptyText(field="reason")
        async with self.db.write() as s:
            acting, row, before = await self._updatable(s, actor, ref)
            self._set_due(s, acting, row, reading.due_on, reason, now)
            await self._record(s, acting, row, kind="action.due_moved", before=before,
                               source=source, now=now, reason=reason)
            return await action_view(s, acting, row, now)

    async def drop(self, *, actor: Actor, ref: str, reason: str, source: str = "") -> ActionView:
        """Withdraw an action that will not be done (not the same as done): its proposer,
        owner or a coordinator, with a reason that stays in the record."""
        reason = check_length(reason, REASON_MAX)
        if not reason:
            raise EmptyText(field="reason")
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.UPDATE_ACTION)
            row = await get_action(s, acting, ref, lock=True)
            if row.proposer_id != acting.member_id:
                await check_updater(s, acting, row)
            if row.status in (ActionStatus.DONE, ActionStatus.DROPPED):
                raise InvalidState(ref=f"A-{row.number}", status=row.status)
            before = snapshot(row, *ACTION_FIELDS)
            row.status = ActionStatus.DROPPED.value
            await self._record(s, acting, row, kind="action.dropped", before=before,
                               source=source, now=now, reason=reason)
            view = await action_view(s, acting, row, now)
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
                kind="action_dropped",
                params={"ref": view.ref, "text": view.text, "by": acting.member.name,
                        "reason": reason},
            )
            return view

    # helpers

    async def _updatable(
        self, s: AsyncSession, actor: Actor, ref: str
    ) -> tuple[Acting, Action, dict[str, object]]:
        """The open action, locked, after checking the actor may update it."""
        acting = await load_acting(s, actor, Op.UPDATE_ACTION)
        row = await get_action(s, acting, ref, lock=True)
        await check_updater(s, acting, row)
        if row.status not in UPDATABLE:
            raise InvalidState(ref=f"A-{row.number}", status=row.status)
        return acting, row, snapshot(row, *ACTION_FIELDS)

    @staticmethod
    async def _record(
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

    async def _calendar(self, actor: Actor, now: datetime) -> tuple[date, str]:
        """The mesa's local date and country, read in a short read transaction of its
        own: dates are read before the write transaction opens, so a slow or refused
        date never holds the locks a write takes."""
        async with self.db.read() as s:
            row = (await s.exec(
                select(Mesa.timezone, Mesa.country).where(Mesa.id == actor.mesa_id)
            )).first()
        if row is None:
            raise NotAMember()
        timezone, country = row
        return now.astimezone(ZoneInfo(timezone)).date(), country

    @staticmethod
    def _set_due(
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

    @staticmethod
    async def _check_confirmer(acting: Acting, row: Action, entity: Entity | None) -> None:
        if entity is not None and entity.is_public:
            if acting.role is not Role.PUBLIC_OFFICIAL or acting.entity_id != entity.id:
                raise NotYourEntity(ref=f"A-{row.number}", entity=entity.name)
            return
        if acting.role is not Role.COORDINATOR and row.owner_id != acting.member_id:
            raise Forbidden(op=Op.CONFIRM.value, role=acting.role.value,
                            allowed=["owner", Role.COORDINATOR.value])

    @staticmethod
    async def _member_in_mesa(
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
                    allowed=["owner", Role.COORDINATOR.value])


async def action_view(s: AsyncSession, acting: Acting, row: Action, now: datetime) -> ActionView:
    directory = await Directory.load(s, acting.mesa_id)
    return (await directory.actions(s, [row], today=acting.today(now)))[0]
