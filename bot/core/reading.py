"""What members read: the matrix, one bottleneck with its history, their own actions and
what is overdue. Everyone in the mesa may read; nobody reads another mesa."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import sections
from bot.core.action_steps import action_view
from bot.core.context import (
    Acting,
    Actor,
    UseCases,
    get_action,
    get_bottleneck,
    load_acting,
)
from bot.core.directory import Directory
from bot.core.enums import CLOSED_BOTTLENECK, IN_FOCUS, OPEN_ACTIONS
from bot.core.permissions import ALLOWED, PARTICIPANTS, Op
from bot.core.progress import progress_views
from bot.core.views import (
    ActionChoices,
    ActionDetail,
    ActionView,
    BottleneckDetail,
    BottleneckView,
    DueMove,
    HistoryLine,
    Matrix,
    MesaView,
    Person,
)
from bot.storage.tables import (
    Action,
    AuditEvent,
    Bottleneck,
    DueDateChange,
    Member,
    Membership,
    ProgressUpdate,
)

OPEN_ACTION = OPEN_ACTIONS


def mesa_view(acting: Acting) -> MesaView:
    mesa = acting.mesa
    return MesaView(
        slug=mesa.slug, name=mesa.name, timezone=mesa.timezone, language=mesa.language,
        cadence=mesa.cadence, priority_limit=mesa.priority_limit, role=acting.role.value,
    )


def by_priority(views: list[BottleneckView]) -> list[BottleneckView]:
    return sorted(views, key=lambda v: (-(v.priority or 0), v.created_at))


async def open_actions(
    session: AsyncSession, directory: Directory, acting: Acting, now: datetime
) -> list[ActionView]:
    rows = await session.exec(
        select(Action)
        .where(Action.mesa_id == acting.mesa_id, col(Action.status).in_(OPEN_ACTION))
        .order_by(col(Action.number))
    )
    return await directory.actions(session, list(rows), today=acting.today(now))


class Reading(UseCases):
    async def recorded_from(self, *, actor: Actor, source: str) -> list[str]:
        """What a message already changed (the references its audit events name, in
        order), to answer it again when its first answer was lost to a crash."""
        async with self.db.read() as s:
            await load_acting(s, actor, Op.READ)
            subjects = await s.exec(
                select(AuditEvent.subject)
                .where(AuditEvent.source == source[:200],
                       AuditEvent.mesa_id == actor.mesa_id)
                .order_by(col(AuditEvent.id))
            )
            return list(dict.fromkeys(x for x in subjects if x[:2] in ("P-", "A-")))

    async def matrix(self, *, actor: Actor) -> Matrix:
        """The live matrix of problems and solutions, prioritized few first."""
        now = self.clock.now()
        async with self.db.read() as s:
            acting = await load_acting(s, actor, Op.READ)
            directory = await Directory.load(s, acting.mesa_id)
            lists: dict[str, list[Any]] = {}
            more: dict[str, int] = {}
            for name, where, order in (
                ("prioritized", sections.FOCUS, sections.BY_PRIORITY),
                ("queue", sections.QUEUE, sections.BY_PRIORITY),
                ("awaiting_triage", sections.TRIAGE, sections.BY_NUMBER),
                ("filtered", sections.OUT_OF_FOCUS, sections.BY_NUMBER),
                ("closed", sections.CLOSED, sections.BY_NUMBER),
            ):
                rows, total = await sections.bottlenecks(s, acting.mesa_id, where, order)
                lists[name] = rows
                if total > len(rows):
                    more[name] = total - len(rows)
            originals = {r.duplicate_of_id for r in lists["closed"] if r.duplicate_of_id}
            numbers = dict((await s.exec(
                select(Bottleneck.id, Bottleneck.number)
                .where(col(Bottleneck.id).in_(originals)))).all()) if originals else {}
            views = {name: [directory.bottleneck(r, numbers.get(r.duplicate_of_id))
                            for r in rows] for name, rows in lists.items()}
            # The open actions of every bottleneck listed.
            listed = [r.id for rows in lists.values() for r in rows]
            action_rows = list(await s.exec(
                sections.columns(Action)
                .where(col(Action.bottleneck_id).in_(listed),
                       col(Action.status).in_(OPEN_ACTION))
                .order_by(col(Action.number)))) if listed else []
            actions: dict[str, list[ActionView]] = {}
            for action in await directory.actions(s, action_rows, today=acting.today(now)):
                actions.setdefault(action.bottleneck_ref, []).append(action)
            return Matrix(
                mesa=mesa_view(acting),
                prioritized=views["prioritized"],
                queue=views["queue"],
                awaiting_triage=views["awaiting_triage"],
                filtered=views["filtered"],
                closed=views["closed"],
                actions=actions,
                more=more,
            )

    async def bottleneck(self, *, actor: Actor, ref: str) -> BottleneckDetail:
        """One bottleneck: its actions, its progress and everything recorded about it."""
        now = self.clock.now()
        async with self.db.read() as s:
            acting = await load_acting(s, actor, Op.READ)
            row = await get_bottleneck(s, acting, ref)
            directory = await Directory.load(s, acting.mesa_id)
            duplicate_of = (
                await s.get(Bottleneck, row.duplicate_of_id) if row.duplicate_of_id else None
            )
            action_rows = list(await s.exec(
                select(Action).where(Action.bottleneck_id == row.id).order_by(col(Action.number))
            ))
            progress_rows = list(await s.exec(
                select(ProgressUpdate).where(ProgressUpdate.bottleneck_id == row.id)
                .order_by(col(ProgressUpdate.at))
            ))
            subjects = [f"P-{row.number}"] + [f"A-{a.number}" for a in action_rows]
            events = await s.exec(
                select(AuditEvent)
                .where(AuditEvent.mesa_id == acting.mesa_id)
                .where(col(AuditEvent.subject).in_(subjects))
                .order_by(col(AuditEvent.seq))
            )
            history = [
                HistoryLine(at=e.at, actor=directory.person(e.actor_id), kind=e.kind,
                            subject=e.subject)
                for e in events
            ]
            return BottleneckDetail(
                bottleneck=directory.bottleneck(row, duplicate_of.number if duplicate_of else None),
                actions=await directory.actions(s, action_rows, today=acting.today(now)),
                progress=await progress_views(s, directory, progress_rows),
                history=history,
            )

    async def action(self, *, actor: Actor, ref: str) -> ActionDetail:
        """One action, whole: what ``/ver A-12`` shows."""
        now = self.clock.now()
        async with self.db.read() as s:
            acting = await load_acting(s, actor, Op.READ)
            row = await get_action(s, acting, ref)
            directory = await Directory.load(s, acting.mesa_id)
            bottleneck = await s.get(Bottleneck, row.bottleneck_id)
            assert bottleneck is not None
            changes = await s.exec(
                select(DueDateChange).where(DueDateChange.action_id == row.id)
                .order_by(col(DueDateChange.at), col(DueDateChange.id)))
            moves = [DueMove(at=c.at, by=directory.person(c.changed_by_id), old=c.old_due_on,
                             new=c.new_due_on, reason=c.reason) for c in changes]
            progress_rows = list(await s.exec(
                select(ProgressUpdate).where(ProgressUpdate.action_id == row.id)
                .order_by(col(ProgressUpdate.at))))
            events = await s.exec(
                select(AuditEvent).where(AuditEvent.mesa_id == acting.mesa_id)
                .where(AuditEvent.subject == f"A-{row.number}")
                .order_by(col(AuditEvent.seq)))
            return ActionDetail(
                action=await action_view(s, acting, row, now),
                bottleneck=directory.bottleneck(bottleneck),
                moves=moves,
                progress=await progress_views(s, directory, progress_rows),
                history=[HistoryLine(at=e.at, actor=directory.person(e.actor_id), kind=e.kind,
                                     subject=e.subject) for e in events],
            )

    async def my_actions(self, *, actor: Actor) -> list[ActionView]:
        """The actor's own open actions, soonest due first."""
        now = self.clock.now()
        async with self.db.read() as s:
            acting = await load_acting(s, actor, Op.READ)
            directory = await Directory.load(s, acting.mesa_id)
            rows = await s.exec(
                select(Action)
                .where(Action.mesa_id == acting.mesa_id, Action.owner_id == acting.member_id)
                .where(col(Action.status).in_(OPEN_ACTION))
            )
            views = await directory.actions(s, list(rows), today=acting.today(now))
            return sorted(views, key=lambda v: (v.due_on is None, v.due_on, v.ref))

    async def action_choices(self, *, actor: Actor, limit: int = 100) -> ActionChoices:
        """What a form proposing an action offers (see :class:`ActionChoices`): who
        may propose and to whom they may give it is the permission table's rule, so a
        form shows only what its user may do; the use case checks it again."""
        async with self.db.read() as s:
            acting = await load_acting(s, actor, Op.READ)
            if acting.role not in ALLOWED[Op.PROPOSE_ACTION]:
                return ActionChoices(bottlenecks=[], may_claim=False, owners=[])
            directory = await Directory.load(s, acting.mesa_id)
            rows = list(await s.exec(
                select(Bottleneck).where(Bottleneck.mesa_id == acting.mesa_id)
                .where(col(Bottleneck.status).not_in(list(CLOSED_BOTTLENECK)))
            ))
            views = [directory.bottleneck(r) for r in rows]
            focus = [v for v in views if v.status in IN_FOCUS]
            others = sorted((v for v in views if v.status not in IN_FOCUS),
                            key=lambda v: v.created_at, reverse=True)
            owners: list[tuple[str, Person]] = []
            if acting.role in ALLOWED[Op.ASSIGN]:
                people = await s.exec(
                    select(Member.handle, Membership.member_id)
                    .join(Membership, col(Membership.member_id) == Member.id)
                    .where(Membership.mesa_id == acting.mesa_id)
                    .where(col(Membership.active).is_(True))
                    .where(col(Membership.role).in_([r.value for r in PARTICIPANTS]))
                )
                for handle, member_id in people:
                    person = directory.person(member_id)
                    if person is not None and member_id != acting.member_id:
                        owners.append((handle, person))
                owners.sort(key=lambda o: o[1].name)
            return ActionChoices(
                bottlenecks=(by_priority(focus) + others)[:limit],
                may_claim=acting.role in ALLOWED[Op.CLAIM], owners=owners[:limit])

    async def overdue(self, *, actor: Actor) -> list[ActionView]:
        """Promises past their date, most overdue first."""
        now = self.clock.now()
        async with self.db.read() as s:
            acting = await load_acting(s, actor, Op.READ)
            directory = await Directory.load(s, acting.mesa_id)
            views = await open_actions(s, directory, acting, now)
            late = [v for v in views if v.days_overdue > 0]
            return sorted(late, key=lambda v: (-v.days_overdue, v.ref))


