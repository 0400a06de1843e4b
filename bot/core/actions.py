"""Actions: proposed, claimed, confirmed with a due date, then done or blocked.

An action owned by a public entity is a commitment only once a public official of that
entity confirms it. A due date that moves keeps its history (``DueDateChange``), so the
agenda and digests can say how often a promise slipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import action_steps as steps
from bot.core.action_steps import ACTION_FIELDS, UPDATABLE, action_view, check_updater
from bot.core.confirmations import Confirmed
from bot.core.context import (
    Acting,
    Actor,
    UseCases,
    check_length,
    get_action,
    get_bottleneck,
    load_acting,
    lock_mesa,
    locked,
    snapshot,
)
from bot.core.dates import parse_due_date, read_deadline
from bot.core.enums import (
    ActionStatus,
    Audience,
    BlockedReason,
)
from bot.core.errors import (
    AlreadyBlocked,
    EmptyText,
    InvalidState,
    NotAMember,
)
from bot.core.notices import notify
from bot.core.permissions import Op, require
from bot.core.views import ActionView
from bot.storage.tables import (
    Action,
    Bottleneck,
    Mesa,
    ProgressUpdate,
)

ACTION_MAX = 500
REASON_MAX = 500


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
            row = await steps.new(s, acting, mesa, bottleneck, text, now=now, source=source)
            view = await action_view(s, acting, row, now)
            steps.tell_proposed(s, acting, view, now=now, source=source)
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
                found = await steps.participant(s, acting, owner)  # held before the action
            mesa = await lock_mesa(s, acting.mesa_id)
            bottleneck = await get_bottleneck(s, acting, bottleneck_ref, lock=True)
            row = await steps.new(s, acting, mesa, bottleneck, text, now=now, source=source)
            if owner is not None:
                view = await steps.give(s, acting, row, found, owner, typed, now=now,
                                        source=source)
                if found is not None and found[0].id != acting.member_id:
                    # the member is told privately; the group, that there is a new action
                    steps.tell_proposed(s, acting, view, now=now, source=source)
                return view
            await steps.take(s, acting, row, now=now, source=source, tell=typed is None)
            if typed is None:
                return await action_view(s, acting, row, now)
            return await steps.commit(s, acting, row, bottleneck, typed, now=now,
                                      source=source)

    async def claim(self, *, actor: Actor, ref: str, source: str = "") -> ActionView:
        """Take an open action as one's own. Of many claiming at once, exactly one wins."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.CLAIM)
            row = await get_action(s, acting, ref, lock=True)
            return await steps.take(s, acting, row, now=now, source=source)

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
            return await steps.commit(s, acting, row, bottleneck, typed, now=now,
                                      source=source)

    async def assign(
        self, *, actor: Actor, ref: str, to: str, due: str | None = None, source: str = ""
    ) -> ActionView:
        """A coordinator gives an action to a member (by handle) or to an entity."""
        now = self.clock.now()
        typed = await self.read_due(actor, due) if due else None
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.ASSIGN)
            found = await steps.participant(s, acting, to)  # held before the action
            row = await get_action(s, acting, ref, lock=True)
            return await steps.give(s, acting, row, found, to, typed, now=now, source=source)

    async def read_due(self, actor: Actor, text: str) -> date:
        """A due date as the actor typed it, read in their mesa's calendar; refused
        (:class:`bot.core.errors.DomainError`) when past, unreadable or vague. A form
        checks it with this before it closes."""
        today, country = await self._calendar(actor, self.clock.now())
        return parse_due_date(text, today=today, country=country)

    # the steps, each inside the caller's transaction

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
            await steps.record(s, acting, row, kind="action.done", before=before, source=source,
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
            if row.status == ActionStatus.BLOCKED:  # said, not silently replaced
                was = (str(row.blocked_reason or ""), row.blocked_detail)
                view = await action_view(s, acting, row, now)
                if was == (reason.value, detail):
                    raise AlreadyBlocked(ref=view.ref, reason=was[0], detail=was[1])
                previous = was
            else:
                previous = None
            row.status = ActionStatus.BLOCKED.value
            row.blocked_reason = reason.value
            row.blocked_detail = detail
            await steps.record(s, acting, row, kind="action.blocked", before=before,
                               source=source, now=now, detail=detail)
            view = await action_view(s, acting, row, now)
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.TEAM,
                kind="action_blocked",
                params={"ref": view.ref, "text": view.text, "by": acting.member.name,
                        "reason": reason.value, "detail": detail},
            )
            return replace(view, previous_blocked=previous)

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
            steps.set_due(s, acting, row, reading.due_on, reason, now)
            await steps.record(s, acting, row, kind="action.due_moved", before=before,
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
            await steps.record(s, acting, row, kind="action.dropped", before=before,
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
