"""What use cases return: plain, frozen facts with names already resolved.

Faces render these; they never see a table row or an internal id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from bot.core.enums import ActionStatus, BottleneckStatus


@dataclass(frozen=True)
class Person:
    name: str
    entity: str | None = None


@dataclass(frozen=True)
class BottleneckView:
    ref: str
    title: str
    detail: str
    status: str
    owner_class: str
    request_kind: str
    root_cause: str | None
    impact: int | None
    ease: int | None
    reporter: Person
    responsible_entity: str | None
    credited_entity: str | None
    status_reason: str
    duplicate_of: str | None
    created_at: datetime
    excluded: str | None = None
    """Why the method keeps it out of the prioritized few (subsidy, yp...), if it does."""

    @property
    def priority(self) -> int | None:
        """Impact times ease (1 to 25): the method's "moves the needle and can be done"."""
        if self.impact is None or self.ease is None:
            return None
        return self.impact * self.ease

    @property
    def in_focus(self) -> bool:
        return self.status in (BottleneckStatus.PRIORITIZED, BottleneckStatus.IN_PROGRESS)


@dataclass(frozen=True)
class ActionView:
    ref: str
    text: str
    bottleneck_ref: str
    status: str
    proposer: Person
    owner: Person | None
    owner_entity: str | None
    due_on: date | None
    first_due_on: date | None
    previous_due_on: date | None
    slips: int
    blocked_reason: str | None
    blocked_detail: str
    days_overdue: int
    #: When the due date is no working day: the holiday's name by language ({} for a
    #: weekend). Set on a single action's view (a confirmation, a date moved), where a
    #: person may want to choose another day.
    due_off: dict[str, str] | None = None
    #: On blocking an action already blocked: the reason and detail it had.
    previous_blocked: tuple[str, str] | None = None

    @property
    def is_open(self) -> bool:
        return self.status not in (ActionStatus.DONE, ActionStatus.DROPPED)


@dataclass(frozen=True)
class ProgressView:
    ref: str
    author: Person
    text: str
    at: datetime


@dataclass(frozen=True)
class Recurrence:
    """When a series of sessions recurs: every ``every_weeks`` weeks, on ``weekday``
    (0 is Monday) at ``at``, local time; or, with ``week_of_month`` (1 to 4, -1 the
    last), on that weekday of each month."""

    weekday: int
    at: time
    every_weeks: int = 1
    week_of_month: int | None = None


@dataclass(frozen=True)
class SessionView:
    number: int
    starts_at: datetime
    kind: str
    status: str
    #: The series that generated it, if any (lists say so).
    series: Recurrence | None = None
    #: It falls on a public holiday (kept, and said so in lists).
    holiday: bool = False


@dataclass(frozen=True)
class MesaView:
    slug: str
    name: str
    timezone: str
    language: str
    cadence: str
    priority_limit: int
    role: str


@dataclass(frozen=True)
class BottleneckDetail:
    """One bottleneck with its actions, progress and recorded history."""

    bottleneck: BottleneckView
    actions: list[ActionView]
    progress: list[ProgressView]
    history: list[HistoryLine]


@dataclass(frozen=True)
class DueMove:
    """One move of a due date (the first, from no date, is the first promise)."""

    at: datetime
    by: Person | None
    old: date | None
    new: date
    reason: str


@dataclass(frozen=True)
class ActionDetail:
    """One action with its bottleneck, every move of its date, its progress and its
    recorded history."""

    action: ActionView
    bottleneck: BottleneckView
    moves: list[DueMove]
    progress: list[ProgressView]
    history: list[HistoryLine]


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor: Person | None
    kind: str
    subject: str


@dataclass(frozen=True)
class Matrix:
    """The live matrix: the prioritized few first, then the queue by priority."""

    mesa: MesaView
    prioritized: list[BottleneckView]
    queue: list[BottleneckView]
    awaiting_triage: list[BottleneckView]
    filtered: list[BottleneckView]
    closed: list[BottleneckView]
    #: The open actions of each bottleneck listed, by its reference.
    actions: dict[str, list[ActionView]] = field(default_factory=dict)
    #: Per list ("queue", "closed"...), how many it leaves out (see bot.core.sections).
    more: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AgendaItem:
    bottleneck: BottleneckView
    actions: list[ActionView]
    progress: list[ProgressView]
    #: How many actions and progress lines the short agenda leaves out ("and 3 more").
    more_actions: int = 0
    more_progress: int = 0


@dataclass(frozen=True)
class Momentum:
    """Whether the mesa keeps its cadence: losing it is what kills a mesa."""

    cadence: str
    held_last_90_days: int
    expected_last_90_days: int
    resolved_since_last_session: int
    last_held: SessionView | None


@dataclass(frozen=True)
class Agenda:
    mesa: MesaView
    session: SessionView | None
    since: datetime | None
    prioritized: list[AgendaItem]
    due: list[ActionView]
    overdue: list[ActionView]
    blocked: list[ActionView]
    awaiting_triage: list[BottleneckView]
    awaiting_confirmation: list[ActionView]
    momentum: Momentum
    compiled_at: datetime
    #: Requests the method keeps out of focus (subsidy, declaratory, YP), so the
    #: session sees what was asked and why it waits.
    out_of_focus: list[BottleneckView] = field(default_factory=list)
    #: Per list ("due", "overdue"...), how many items the short agenda leaves out.
    more: dict[str, int] = field(default_factory=dict)
    #: The rest of the open matrix (triaged, waiting their turn), by priority: the
    #: document attached to the agenda lists it; the short agenda does not.
    queue: list[BottleneckView] = field(default_factory=list)
    #: Every open action, by its bottleneck's reference, for the document's matrix.
    actions: dict[str, list[ActionView]] = field(default_factory=dict)
    #: The whole agenda (every list complete, the matrix included), from which both the
    #: short agenda and the documents are made; False for the short one alone.
    whole: bool = False
    #: When it went to the team and the group, for the agenda stored as it was sent.
    sent_at: datetime | None = None


@dataclass(frozen=True)
class ActionChoices:
    """What a form proposing an action offers its user: the open bottlenecks of the
    mesa (the prioritized few first), and whom the user may give the action to besides
    themself (a coordinator: any participant, by handle; anyone else: nobody)."""

    bottlenecks: list[BottleneckView]
    may_claim: bool
    owners: list[tuple[str, Person]]
