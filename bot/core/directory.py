"""Turns rows into views: names for ids, references for numbers, due-date history.

Loaded once per transaction for one mesa; a mesa has tens of members, so loading them
all is cheaper than a join per line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.enums import ActionStatus
from bot.core.rules import not_prioritizable_reason
from bot.core.views import ActionView, BottleneckView, Person
from bot.storage.tables import (
    Action,
    Bottleneck,
    DueDateChange,
    Entity,
    Member,
    Membership,
)

_OPEN_FOR_OVERDUE = (ActionStatus.CONFIRMED, ActionStatus.BLOCKED, ActionStatus.CLAIMED)


class Directory:
    def __init__(self, members: dict[int, Member], entities: dict[int, Entity],
                 speaks_for: dict[int, int | None]) -> None:
        self.members = members
        self.entities = entities
        #: member id -> the entity they speak for in this mesa (it is the membership's).
        self.speaks_for = speaks_for
        self._bottleneck_numbers: dict[int, int] = {}
        self._people: dict[int, Person] = {}

    @classmethod
    async def load(cls, session: AsyncSession, mesa_id: int) -> Directory:
        """Everyone who ever had a role in the mesa (removed people still sign history)."""
        rows = (
            await session.exec(
                select(Member, Membership.entity_id)
                .join(Membership, col(Membership.member_id) == Member.id)
                .where(Membership.mesa_id == mesa_id)
            )
        ).all()
        entities = (await session.exec(select(Entity))).all()
        return cls(
            {m.id: m for m, _ in rows if m.id is not None},
            {e.id: e for e in entities if e.id is not None},
            {m.id: entity_id for m, entity_id in rows if m.id is not None},
        )

    @classmethod
    def of_actor(cls, member: Member, entity: Entity | None) -> Directory:
        """Enough to name the actor alone, without loading the whole mesa."""
        if member.id is None:
            return cls({}, {}, {})
        return cls(
            {member.id: member},
            {entity.id: entity} if entity is not None and entity.id is not None else {},
            {member.id: entity.id if entity is not None else None},
        )

    def entity_name(self, entity_id: int | None) -> str | None:
        if entity_id is None or entity_id not in self.entities:
            return None
        return self.entities[entity_id].name

    def person(self, member_id: int | None) -> Person | None:
        if member_id is None:
            return None
        # A mesa has tens of people and a big agenda thousands of lines that name
        # them: each is made once (a Person is frozen, so it can be shared).
        person = self._people.get(member_id)
        if person is None:
            member = self.members.get(member_id)
            person = Person(name="?") if member is None else Person(
                name=member.name, entity=self.entity_name(self.speaks_for.get(member_id)))
            self._people[member_id] = person
        return person

    def bottleneck(self, row: Bottleneck, duplicate_of: int | None = None) -> BottleneckView:
        reporter = self.person(row.reporter_id)
        assert reporter is not None
        return BottleneckView(
            ref=f"P-{row.number}",
            title=row.title,
            detail=row.detail,
            status=row.status,
            owner_class=row.owner_class,
            request_kind=row.request_kind,
            root_cause=row.root_cause,
            impact=row.impact,
            ease=row.ease,
            reporter=reporter,
            responsible_entity=self.entity_name(row.responsible_entity_id),
            credited_entity=self.entity_name(row.credited_entity_id),
            status_reason=row.status_reason,
            duplicate_of=f"P-{duplicate_of}" if duplicate_of is not None else None,
            created_at=row.created_at,
            excluded=not_prioritizable_reason(row),
        )

    async def actions(
        self, session: AsyncSession, rows: Sequence[Action], *, today: date
    ) -> list[ActionView]:
        """Views of ``rows`` with their bottleneck references and due-date history."""
        ids = [a.id for a in rows if a.id is not None]
        history: dict[int, list[DueDateChange]] = defaultdict(list)
        if ids:
            changes = await session.exec(
                select(DueDateChange)
                .where(col(DueDateChange.action_id).in_(ids))
                .order_by(col(DueDateChange.at), col(DueDateChange.id))
            )
            for change in changes:
                history[change.action_id].append(change)
        missing = {a.bottleneck_id for a in rows} - set(self._bottleneck_numbers)
        if missing:
            found = await session.exec(
                select(Bottleneck.id, Bottleneck.number).where(col(Bottleneck.id).in_(missing))
            )
            self._bottleneck_numbers.update({bid: num for bid, num in found if bid is not None})
        return [self._action(a, history[a.id or 0], today) for a in rows]

    def _action(self, row: Action, changes: list[DueDateChange], today: date) -> ActionView:
        proposer = self.person(row.proposer_id)
        assert proposer is not None
        overdue = 0
        if row.due_on is not None and row.status in _OPEN_FOR_OVERDUE and row.due_on < today:
            overdue = (today - row.due_on).days
        return ActionView(
            ref=f"A-{row.number}",
            text=row.text,
            bottleneck_ref=f"P-{self._bottleneck_numbers.get(row.bottleneck_id, 0)}",
            status=row.status,
            proposer=proposer,
            owner=self.person(row.owner_id),
            owner_entity=self.entity_name(row.owner_entity_id),
            due_on=row.due_on,
            first_due_on=changes[0].new_due_on if changes else row.due_on,
            previous_due_on=changes[-1].old_due_on if changes else None,
            slips=max(0, len(changes) - 1),
            blocked_reason=row.blocked_reason,
            blocked_detail=row.blocked_detail,
            days_overdue=overdue,
        )
