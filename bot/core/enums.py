"""The method's vocabulary, as values stored in the database."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PRIVATE_REP = "private_rep"
    PUBLIC_OFFICIAL = "public_official"
    COORDINATOR = "coordinator"
    HIGH_LEVEL = "high_level"
    OBSERVER = "observer"


class MesaKind(StrEnum):
    SECTOR = "sector"
    FACTOR = "factor"


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"

    @property
    def days(self) -> int:
        """The days between sessions; a month counts as 30 (the first Thursday of each
        month is 28 or 35 days after the last, and a lapse is twice this)."""
        return {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14, Cadence.MONTHLY: 30}[self]


class OwnerClass(StrEnum):
    """Who must fix it: MP, the state ("mi problema" of the state); YP, the firms' own."""

    UNCLASSIFIED = "unclassified"
    MP = "mp"
    YP = "yp"


class RequestKind(StrEnum):
    PRODUCTIVITY = "productivity"
    SUBSIDY = "subsidy"
    DECLARATORY = "declaratory"


class RootCause(StrEnum):
    LAW = "law"
    REGULATION = "regulation"
    IMPLEMENTATION = "implementation"
    INFRASTRUCTURE = "infrastructure"
    FINANCING = "financing"
    CAPACITY = "capacity"
    OTHER = "other"


class BottleneckStatus(StrEnum):
    REPORTED = "reported"
    ACCEPTED = "accepted"
    PRIORITIZED = "prioritized"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


#: The bottlenecks that count toward the mesa's limit of prioritized few.
IN_FOCUS = (BottleneckStatus.PRIORITIZED, BottleneckStatus.IN_PROGRESS)
#: Bottlenecks that are finished with, one way or another.
CLOSED_BOTTLENECK = (
    BottleneckStatus.RESOLVED,
    BottleneckStatus.REJECTED,
    BottleneckStatus.DUPLICATE,
)


class ActionStatus(StrEnum):
    PROPOSED = "proposed"
    CLAIMED = "claimed"
    CONFIRMED = "confirmed"
    DONE = "done"
    BLOCKED = "blocked"
    DROPPED = "dropped"


#: Actions somebody has promised and not yet finished.
OPEN_COMMITTED = (ActionStatus.CONFIRMED, ActionStatus.BLOCKED)
#: Actions not yet done nor dropped.
OPEN_ACTIONS = (ActionStatus.PROPOSED, ActionStatus.CLAIMED, ActionStatus.CONFIRMED,
                ActionStatus.BLOCKED)


class BlockedReason(StrEnum):
    BUDGET = "budget"
    DISAGREEMENT = "disagreement"
    POLITICAL = "political"
    OTHER = "other"


class SessionKind(StrEnum):
    REGULAR = "regular"
    HIGH_LEVEL = "high_level"


class OpenActions(StrEnum):
    """What becomes of a bottleneck's open actions when it is resolved."""

    CLOSE = "close"  # no longer needed: dropped
    KEEP = "keep"  # still to be done, on their own
    MOVE = "move"  # to another open bottleneck


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class Audience(StrEnum):
    """Where an outgoing notification goes: one of the mesa's chats, or one member."""

    GROUND = "ground"
    TEAM = "team"
    HIGH_LEVEL = "high_level"
    MEMBER = "member"
