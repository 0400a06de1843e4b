"""Bottlenecks: logged from the field, triaged by the team, prioritized a few at a time,
resolved only when the person who reported them agrees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.context import (
    Acting,
    Actor,
    UseCases,
    check_length,
    find_entity,
    get_bottleneck,
    load_acting,
    lock_mesa,
    locked,
    parse_ref,
    snapshot,
)
from bot.core.directory import Directory
from bot.core.enums import (
    CLOSED_BOTTLENECK,
    IN_FOCUS,
    OPEN_ACTIONS,
    OPEN_COMMITTED,
    Audience,
    BottleneckStatus,
    OpenActions,
    OwnerClass,
    RequestKind,
    Role,
    RootCause,
)
from bot.core.errors import (
    BadTriage,
    EmptyText,
    InvalidState,
    NotPrioritizable,
    NotReporter,
    NotTriaged,
    OpenActionsLeft,
    PriorityLimit,
)
from bot.core.notices import notify
from bot.core.permissions import Op
from bot.core.resolutions import may_settle, not_theirs, settle
from bot.core.rules import not_prioritizable_reason
from bot.core.sessions import next_session, session_view
from bot.core.text import visible
from bot.core.views import BottleneckView, SessionView
from bot.storage.tables import Action, Bottleneck

TITLE_MAX = 200
TEXT_MAX = 5000
REASON_MAX = 500
_TRIAGE_FIELDS = (
    "status", "owner_class", "request_kind", "root_cause", "impact", "ease",
    "responsible_entity_id",
)


@dataclass(frozen=True)
class Logged:
    bottleneck: BottleneckView
    next_session: SessionView | None


@dataclass(frozen=True)
class Resolved:
    """A bottleneck resolved, and what became of its open actions (``actions``)."""

    bottleneck: BottleneckView
    actions: list[str]
    open_actions: OpenActions | None
    moved_to: str | None


@dataclass(frozen=True)
class Prioritized:
    bottleneck: BottleneckView
    demoted: BottleneckView | None
    in_focus: int
    limit: int


def split_title(text: str) -> tuple[str, str]:
    """Title from the first line; a first line too long keeps its full text as detail."""
    first, _, rest = text.partition("\n")
    first = first.strip()
    if len(first) <= TITLE_MAX:
        return first, rest.strip()
    cut = first[: TITLE_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return cut + "…", text.strip()


async def _in_focus(session: AsyncSession, mesa_id: int) -> list[Bottleneck]:
    rows = await session.exec(
        select(Bottleneck)
        .where(Bottleneck.mesa_id == mesa_id)
        .where(col(Bottleneck.status).in_(IN_FOCUS))
        .order_by(col(Bottleneck.number))
    )
    return list(rows)


class Bottlenecks(UseCases):
    async def log(self, *, actor: Actor, text: str, source: str = "") -> Logged:
        """Record a bottleneck from the field; the team is told it awaits triage."""
        text = check_length(text, TEXT_MAX)
        if not visible(text.partition("\n")[0]):  # a title nobody could read
            raise EmptyText()
        title, detail = split_title(text)
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.LOG_BOTTLENECK)
            mesa = await lock_mesa(s, acting.mesa_id)
            row = Bottleneck(
                mesa_id=acting.mesa_id,
                number=mesa.next_bottleneck_no,
                title=title,
                detail=detail,
                reporter_id=acting.member_id,
                created_at=now,
                updated_at=now,
            )
            mesa.next_bottleneck_no += 1
            s.add_all([row, mesa])
            ref = f"P-{row.number}"
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="bottleneck.logged", subject=ref, source=source,
                after={"title": title, "detail": detail},
            )
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.TEAM,
                kind="bottleneck_logged",
                params={"ref": ref, "title": title, "reporter": acting.member.name},
            )
            upcoming = await next_session(s, acting.mesa_id, now)
            return Logged(
                bottleneck=Directory.of_actor(acting.member, acting.entity).bottleneck(row),
                next_session=session_view(upcoming) if upcoming else None,
            )

    async def triage(
        self,
        *,
        actor: Actor,
        ref: str,
        owner_class: OwnerClass,
        root_cause: RootCause,
        impact: int,
        ease: int,
        request_kind: RequestKind = RequestKind.PRODUCTIVITY,
        responsible_entity: str | None = None,
        source: str = "",
    ) -> BottleneckView:
        """Classify a bottleneck: who must fix it, what kind of request, where the cause
        lies, and how much it matters and how easy it is. The reporter is told why."""
        if owner_class is OwnerClass.UNCLASSIFIED:
            raise BadTriage(missing="owner_class")
        for name, value in (("impact", impact), ("ease", ease)):
            if not 1 <= value <= 5:
                raise BadTriage(field=name, value=value)
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.TRIAGE)
            row = await get_bottleneck(s, acting, ref, lock=True)
            self._require_open(row)
            before = snapshot(row, *_TRIAGE_FIELDS)
            entity = await find_entity(s, responsible_entity) if responsible_entity else None
            row.owner_class = owner_class.value
            row.request_kind = request_kind.value
            row.root_cause = root_cause.value
            row.impact, row.ease = impact, ease
            if entity is not None:
                row.responsible_entity_id = entity.id
            if row.status == BottleneckStatus.REPORTED:
                row.status = BottleneckStatus.ACCEPTED.value
            elif row.status in IN_FOCUS and not_prioritizable_reason(row):
                row.status = BottleneckStatus.ACCEPTED.value  # demoted: recorded below
            row.updated_at = now
            s.add(row)
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="bottleneck.triaged", subject=f"P-{row.number}", source=source,
                before=before, after=snapshot(row, *_TRIAGE_FIELDS),
            )
            directory = await Directory.load(s, acting.mesa_id)
            view = directory.bottleneck(row)
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.MEMBER,
                member_id=row.reporter_id, kind="bottleneck_triaged",
                params={
                    "ref": view.ref, "title": view.title, "owner_class": view.owner_class,
                    "request_kind": view.request_kind, "root_cause": view.root_cause,
                    "priority": view.priority, "excluded": not_prioritizable_reason(row),
                },
            )
            return view

    async def prioritize(
        self, *, actor: Actor, ref: str, replacing: str | None = None, source: str = ""
    ) -> Prioritized:
        """Move a triaged MP bottleneck into the prioritized few, within the mesa's limit.

        When the few are full, ``replacing`` names the one that goes back to the queue;
        without it the caller is told which ones are there.
        """
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.PRIORITIZE)
            mesa = await lock_mesa(s, acting.mesa_id)  # one prioritization at a time
            row = await get_bottleneck(s, acting, ref, lock=True)
            self._require_open(row)
            if row.status in IN_FOCUS:
                raise InvalidState(ref=f"P-{row.number}", status=row.status)
            reason = not_prioritizable_reason(row)
            if reason == "untriaged":
                raise NotTriaged(ref=f"P-{row.number}")
            if reason is not None:
                raise NotPrioritizable(ref=f"P-{row.number}", reason=reason)
            focus = await _in_focus(s, acting.mesa_id)
            directory = await Directory.load(s, acting.mesa_id)
            demoted: Bottleneck | None = None
            if replacing is not None:
                demoted = await get_bottleneck(s, acting, replacing, lock=True)
                if demoted.status not in IN_FOCUS:
                    raise InvalidState(ref=f"P-{demoted.number}", status=demoted.status)
                await self._set_status(
                    s, acting, demoted, BottleneckStatus.ACCEPTED, "bottleneck.deprioritized",
                    source, now,
                )
                focus = [b for b in focus if b.id != demoted.id]
            if len(focus) >= mesa.priority_limit:
                raise PriorityLimit(
                    ref=f"P-{row.number}", limit=mesa.priority_limit,
                    current=[(f"P-{b.number}", b.title) for b in focus],
                )
            committed = (await s.exec(
                select(Action.id).where(Action.bottleneck_id == row.id)
                .where(col(Action.status).in_(OPEN_COMMITTED))
            )).first()
            status = BottleneckStatus.IN_PROGRESS if committed else BottleneckStatus.PRIORITIZED
            await self._set_status(s, acting, row, status, "bottleneck.prioritized", source, now)
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
                kind="bottleneck_prioritized",
                params={"ref": f"P-{row.number}", "title": row.title},
            )
            return Prioritized(
                bottleneck=directory.bottleneck(row),
                demoted=directory.bottleneck(demoted) if demoted else None,
                in_focus=len(focus) + 1,
                limit=mesa.priority_limit,
            )

    async def deprioritize(self, *, actor: Actor, ref: str, source: str = "") -> BottleneckView:
        """Send a bottleneck back from the prioritized few to the queue."""
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.PRIORITIZE)
            await lock_mesa(s, acting.mesa_id)
            row = await get_bottleneck(s, acting, ref, lock=True)
            if row.status not in IN_FOCUS:
                raise InvalidState(ref=f"P-{row.number}", status=row.status)
            await self._set_status(
                s, acting, row, BottleneckStatus.ACCEPTED, "bottleneck.deprioritized", source, now
            )
            return (await Directory.load(s, acting.mesa_id)).bottleneck(row)

    async def reject(
        self, *, actor: Actor, ref: str, reason: str, source: str = ""
    ) -> BottleneckView:
        """Close a bottleneck the mesa will not work on, saying why to its reporter."""
        reason = check_length(reason, REASON_MAX)
        if not reason:
            raise EmptyText(field="reason")
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.TRIAGE)
            row = await get_bottleneck(s, acting, ref, lock=True)
            self._require_open(row)
            row.status_reason = reason
            await self._set_status(
                s, acting, row, BottleneckStatus.REJECTED, "bottleneck.rejected", source, now
            )
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.MEMBER,
                member_id=row.reporter_id, kind="bottleneck_rejected",
                params={"ref": f"P-{row.number}", "title": row.title, "reason": reason},
            )
            return (await Directory.load(s, acting.mesa_id)).bottleneck(row)

    async def mark_duplicate(
        self, *, actor: Actor, ref: str, of_ref: str, source: str = ""
    ) -> BottleneckView:
        """Mark ``ref`` a duplicate of ``of_ref``, which must not be one itself.

        Both rows are locked, lower number first: "P-8 of P-7" and "P-7 of P-8" at once
        would otherwise each see the other still open and leave each a duplicate of the
        other; in a fixed order the second waits, then sees the first's answer.
        """
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.TRIAGE)
            first, second = sorted((ref, of_ref), key=lambda r: parse_ref(r, "P"))
            locked_rows = {
                r: await get_bottleneck(s, acting, r, lock=True) for r in (first, second)
            }
            row, original = locked_rows[ref], locked_rows[of_ref]
            self._require_open(row)
            if original.id == row.id or original.status == BottleneckStatus.DUPLICATE:
                raise InvalidState(ref=f"P-{original.number}", status=original.status)
            row.duplicate_of_id = original.id
            row.status_reason = f"P-{original.number}"
            await self._set_status(
                s, acting, row, BottleneckStatus.DUPLICATE, "bottleneck.duplicate", source, now
            )
            return (await Directory.load(s, acting.mesa_id)).bottleneck(row, original.number)

    async def resolve(
        self, *, actor: Actor, ref: str, credited_entity: str | None = None,
        open_actions: OpenActions | None = None, move_to: str | None = None,
        source: str = "",
    ) -> Resolved:
        """Close a bottleneck as solved, credited to the public entity that delivered it.

        Only its reporter (or a coordinator on their behalf) may say it is solved. Its
        open actions are closed (dropped: no longer needed), kept, or moved to another
        open bottleneck, as ``open_actions`` says; with some open and no answer,
        :class:`OpenActionsLeft` asks, and nothing is written.
        """
        now = self.clock.now()
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.RESOLVE)
            row = await get_bottleneck(s, acting, ref)
            # the actions first, then the bottleneck: the order confirm locks them in
            actions = list(await s.exec(locked(
                select(Action).where(Action.bottleneck_id == row.id)
                .where(col(Action.status).in_(list(OPEN_ACTIONS)))
                .order_by(col(Action.number)))))
            row = await get_bottleneck(s, acting, ref, lock=True)
            self._require_open(row)
            if acting.role is not Role.COORDINATOR and row.reporter_id != acting.member_id:
                directory = await Directory.load(s, acting.mesa_id)
                reporter = directory.person(row.reporter_id)
                raise NotReporter(ref=f"P-{row.number}", reporter=reporter.name if reporter else "")
            refs = [f"A-{a.number}" for a in actions]
            if actions and open_actions is None:
                raise OpenActionsLeft(ref=f"P-{row.number}", actions=refs,
                                      others=await not_theirs(s, acting, actions))
            if actions and open_actions in (OpenActions.CLOSE, OpenActions.MOVE):
                await may_settle(s, acting, row, actions)
            target = None
            if actions and open_actions is OpenActions.MOVE:
                target = await get_bottleneck(s, acting, move_to or "", lock=True)
                self._require_open(target)
                if target.id == row.id:
                    raise InvalidState(ref=f"P-{row.number}", status=row.status)
            if credited_entity:
                row.credited_entity_id = (await find_entity(s, credited_entity)).id
            else:
                row.credited_entity_id = row.responsible_entity_id
            row.resolved_at = now
            for action in actions if open_actions is not OpenActions.KEEP else []:
                await settle(s, acting, action, row, target, now, source)
            await self._set_status(
                s, acting, row, BottleneckStatus.RESOLVED, "bottleneck.resolved", source, now
            )
            directory = await Directory.load(s, acting.mesa_id)
            view = directory.bottleneck(row)
            notify(
                s, at=now, source=source, mesa_id=acting.mesa_id, audience=Audience.GROUND,
                kind="bottleneck_resolved",
                params={"ref": view.ref, "title": view.title, "credited": view.credited_entity,
                        "actions": refs if open_actions else [],
                        "open_actions": open_actions.value if open_actions else None,
                        "moved_to": f"P-{target.number}" if target else None},
            )
            return Resolved(bottleneck=view, actions=refs, open_actions=open_actions,
                            moved_to=f"P-{target.number}" if target else None)

    @staticmethod
    def _require_open(row: Bottleneck) -> None:
        if row.status in CLOSED_BOTTLENECK:
            raise InvalidState(ref=f"P-{row.number}", status=row.status)

    @staticmethod
    async def _set_status(
        s: AsyncSession,
        acting: Acting,
        row: Bottleneck,
        status: BottleneckStatus,
        kind: str,
        source: str,
        now: datetime,
    ) -> None:
        before = row.status
        row.status = status.value
        row.updated_at = now
        s.add(row)
        after: dict[str, object] = {"status": status.value}
        if row.status_reason:
            after["reason"] = row.status_reason
        # what resolve and mark_duplicate set too, so verify can check the live row
        after.update(snapshot(row, "credited_entity_id", "duplicate_of_id"))
        await audit.record(
            s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id, kind=kind,
            subject=f"P-{row.number}", source=source,
            before={"status": before}, after=after,
        )

