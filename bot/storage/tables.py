"""The mesa's tables.

Status and kind columns hold the string values of the enums in :mod:`bot.core.enums`;
they are plain strings in the database so that adding a value needs no type migration
on PostgreSQL. Every time is aware UTC (:class:`UTCDateTime`); due dates are calendar
dates in the mesa's own time zone, because a promise is "by Friday", not "by 04:59 UTC".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Entity(SQLModel, table=True):
    """An organisation: SERFOR, OSINFOR, a trade association, a ministry."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)
    full_name: str = Field(default="", max_length=200)
    is_public: bool = Field(default=False)


class Mesa(SQLModel, table=True):
    """One Mesa Ejecutiva, with its counters for the references people type (P-7, A-12)."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=120)
    kind: str = Field(default="sector", max_length=10)
    convener_entity_id: int | None = Field(default=None, foreign_key="entity.id")
    region: str = Field(default="", max_length=80)
    timezone: str = Field(default="America/Lima", max_length=60)
    country: str = Field(default="PE", max_length=2)
    language: str = Field(default="es", max_length=5)
    cadence: str = Field(default="weekly", max_length=10)
    status: str = Field(default="active", max_length=10)
    priority_limit: int = Field(default=4)
    next_bottleneck_no: int = Field(default=1)
    next_action_no: int = Field(default=1)
    next_session_no: int = Field(default=1)
    created_at: datetime = Field(sa_type=UTCDateTime)
    #: The mesa's own schedule (``/ajustes``): hours before a session that owners are
    #: pinged, hours before it that the agenda goes out, days overdue before an action
    #: escalates, and the local hours in which pings may go out.
    ping_hours: str = Field(default="48,24", max_length=20)
    agenda_hours: int = Field(default=2)
    grace_days: int = Field(default=7)
    day_starts: int = Field(default=7)
    day_ends: int = Field(default=21)


class Member(SQLModel, table=True):
    """A person, whichever chat platforms they use. Whom they speak for is not here but
    on each :class:`Membership`: an approval in one mesa must change nothing in another."""

    id: int | None = Field(default=None, primary_key=True)
    handle: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=120)
    language: str = Field(default="es", max_length=5)
    #: Set once the member picks a language with /idioma; until then a face may use the
    #: language of the member's app (Telegram's ``language_code``).
    language_chosen: bool = Field(default=False)
    #: The mesa a member of several last chose to act in from a private chat.
    current_mesa_id: int | None = Field(default=None, foreign_key="mesa.id")
    telegram_user_id: int | None = Field(default=None, sa_type=BigInteger, unique=True)
    slack_user_id: str | None = Field(default=None, max_length=40, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    #: Where private notices go for someone on several platforms: the one they chose
    #: with /canal, else the one they last wrote from (:mod:`bot.core.channels`).
    channel: str | None = Field(default=None, max_length=12)
    last_platform: str | None = Field(default=None, max_length=12)


class Membership(SQLModel, table=True):
    """A member's role in one mesa, and the entity they speak for there; a member sees
    only the mesas they have an active role in.

    A role or entity someone asked for (by opening an invitation) waits in ``pending_*``
    until a coordinator of this mesa approves it; until then the membership keeps what
    it had (or, for a newcomer, is not active). ``removed_at`` is set when a coordinator
    or an administrator takes someone out: the row stays, so history still names them.
    """

    __table_args__ = (UniqueConstraint("mesa_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    mesa_id: int = Field(foreign_key="mesa.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    role: str = Field(max_length=20)
    entity_id: int | None = Field(default=None, foreign_key="entity.id")
    active: bool = Field(default=True)
    pending_role: str | None = Field(default=None, max_length=20)
    pending_entity_id: int | None = Field(default=None, foreign_key="entity.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Bottleneck(SQLModel, table=True):
    """A problem that holds the sector back (reference P-n)."""

    __table_args__ = (
        UniqueConstraint("mesa_id", "number"),
        # the matrix's and the agenda's lists (bot.core.sections), each by its status
        Index("ix_bottleneck_mesa_status", "mesa_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mesa_id: int = Field(foreign_key="mesa.id", index=True)
    number: int
    title: str = Field(max_length=200)
    detail: str = Field(default="", sa_type=Text)
    reporter_id: int = Field(foreign_key="member.id")
    owner_class: str = Field(default="unclassified", max_length=12)
    request_kind: str = Field(default="productivity", max_length=20)
    root_cause: str | None = Field(default=None, max_length=20)
    impact: int | None = Field(default=None)
    ease: int | None = Field(default=None)
    status: str = Field(default="reported", max_length=12)
    status_reason: str = Field(default="", max_length=500)
    duplicate_of_id: int | None = Field(default=None, foreign_key="bottleneck.id")
    responsible_entity_id: int | None = Field(default=None, foreign_key="entity.id")
    credited_entity_id: int | None = Field(default=None, foreign_key="entity.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Action(SQLModel, table=True):
    """A step promised to remove a bottleneck (reference A-n)."""

    __table_args__ = (
        UniqueConstraint("mesa_id", "number"),
        # the agenda's lists: overdue, due, blocked, awaiting confirmation
        Index("ix_action_mesa_status_due", "mesa_id", "status", "due_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mesa_id: int = Field(foreign_key="mesa.id", index=True)
    number: int
    bottleneck_id: int = Field(foreign_key="bottleneck.id", index=True)
    text: str = Field(max_length=500)
    proposer_id: int = Field(foreign_key="member.id")
    owner_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    owner_entity_id: int | None = Field(default=None, foreign_key="entity.id")
    confirmed_by_id: int | None = Field(default=None, foreign_key="member.id")
    due_on: date | None = Field(default=None)
    status: str = Field(default="proposed", max_length=12)
    blocked_reason: str | None = Field(default=None, max_length=20)
    blocked_detail: str = Field(default="", max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DueDateChange(SQLModel, table=True):
    """One move of an action's due date; the first row is the first promise."""

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    old_due_on: date | None = Field(default=None)
    new_due_on: date
    changed_by_id: int | None = Field(default=None, foreign_key="member.id")
    reason: str = Field(default="", max_length=500)
    at: datetime = Field(sa_type=UTCDateTime)


class ProgressUpdate(SQLModel, table=True):
    """Progress posted between sessions on an action or a bottleneck."""

    id: int | None = Field(default=None, primary_key=True)
    mesa_id: int = Field(foreign_key="mesa.id", index=True)
    action_id: int | None = Field(default=None, foreign_key="action.id", index=True)
    bottleneck_id: int | None = Field(default=None, foreign_key="bottleneck.id", index=True)
    author_id: int = Field(foreign_key="member.id")
    text: str = Field(sa_type=Text)
    source: str = Field(default="", max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)


class MesaSession(SQLModel, table=True):
    """A session of the mesa (regular or high-level) and the agenda compiled for it."""

    __tablename__ = "mesa_session"
    __table_args__ = (UniqueConstraint("mesa_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    mesa_id: int = Field(foreign_key="mesa.id", index=True)
    number: int
    starts_at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(default="regular", max_length=12)
    status: str = Field(default="scheduled", max_length=12)
    agenda: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    agenda_compiled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditChain(SQLModel, table=True):
    """The head of one hash chain of audit events (one per mesa, one global)."""

    __tablename__ = "audit_chain"

    key: str = Field(primary_key=True, max_length=40)
    seq: int = Field(default=0)
    head_hash: str = Field(default="", max_length=64)


class AuditEvent(SQLModel, table=True):
    """One recorded change: who, when, what, before and after, from which message.

    Rows are only ever inserted. Each carries the hash of the previous event of its
    chain, so an edited or deleted row breaks the chain and ``mesabot audit verify``
    says where.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        UniqueConstraint("chain_key", "seq"),
        Index("ix_audit_event_mesa_subject", "mesa_id", "subject"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain_key: str = Field(max_length=40)
    seq: int
    at: datetime = Field(sa_type=UTCDateTime)
    mesa_id: int | None = Field(default=None, foreign_key="mesa.id")
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    kind: str = Field(max_length=40)
    subject: str = Field(default="", max_length=40)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    source: str = Field(default="", max_length=200)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class OutboxMessage(SQLModel, table=True):
    """A notification written with the change that caused it, for a face to deliver.

    ``audience`` is a chat role of the mesa (ground, team, high_level) or ``member``
    for a private message to ``member_id``. ``kind`` and ``params`` are rendered in the
    reader's language at delivery, so the core never writes platform text. Each face
    records its own delivery (:class:`OutboxDelivery`).
    """

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    mesa_id: int = Field(foreign_key="mesa.id", index=True)
    audience: str = Field(max_length=12)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    kind: str = Field(max_length=40)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    source: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    #: For notices the scheduler writes (a ping, an agenda, a digest): what it is about
    #: ("ping:<session>:<hours>:<member>"), so a notice is queued once however many
    #: times, or by however many processes, its moment is looked at.
    dedupe_key: str | None = Field(default=None, max_length=120, unique=True)
    #: The one platform that delivers a private notice, decided when it is written
    #: (:func:`bot.core.channels.notice_platform`); None: every face (a chat notice).
    platform: str | None = Field(default=None, max_length=12)


class ChatLink(SQLModel, table=True):
    """A platform chat linked to a mesa in a role: its ground group, the dedicated team's
    chat, or the high-level chat. Commands in a linked chat act on its mesa."""

    __tablename__ = "chat_link"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id"),
        UniqueConstraint("mesa_id", "platform", "purpose"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=12)
    chat_id: str = Field(max_length=40)
    mesa_id: int = Field(foreign_key="mesa.id", index=True)
    purpose: str = Field(max_length=12)
    title: str = Field(default="", max_length=200)
    linked_by_id: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


class InboundUpdate(SQLModel, table=True):
    """An update from a platform, stored before the platform is told it arrived.

    It is processed from here and marked done in the same transaction as its effects,
    so a crash loses nothing and a redelivery changes nothing twice.
    """

    __tablename__ = "inbound_update"
    __table_args__ = (UniqueConstraint("platform", "update_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=12)
    update_id: int = Field(sa_type=BigInteger)
    chat_key: str = Field(max_length=40)
    payload: dict[str, Any] = Field(sa_type=JSON)
    status: str = Field(default="pending", max_length=10, index=True)
    attempts: int = Field(default=0)
    #: While set and in the future, one process is working on it (and on its chat).
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SentMessage(SQLModel, table=True):
    """A message the bot sent about one item, so a reply to it can be understood."""

    __tablename__ = "sent_message"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=12)
    chat_id: str = Field(max_length=40)
    message_id: str = Field(max_length=40)
    mesa_id: int = Field(foreign_key="mesa.id")
    ref: str = Field(max_length=20)
    at: datetime = Field(sa_type=UTCDateTime)


class OutboxDelivery(SQLModel, table=True):
    """One face's delivery of one outbox message: sent, skipped (the face has no chat
    for it), failed for good (blocked, chat gone, or not delivered in time), being sent,
    or waiting to be retried. Absent means still to do.

    ``at`` is when the row next matters: the start of a ``sending`` lease, the earliest
    next try of a ``retry``, the time a final status was set. ``parts`` counts the
    messages of the notice the platform has accepted, so a retry sends only the rest.
    """

    __tablename__ = "outbox_delivery"
    __table_args__ = (UniqueConstraint("outbox_id", "platform"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox_message.id", index=True)
    platform: str = Field(max_length=12)
    status: str = Field(max_length=10)
    #: Failed tries of any kind: the backoff doubles with each.
    attempts: int = Field(default=1)
    #: Failed tries with an unexpected error (not the platform's answer): bounded.
    errors: int = Field(default=0)
    parts: int = Field(default=0)
    detail: str = Field(default="", max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)


class Invitation(SQLModel, table=True):
    """An invitation to a mesa in a role (and, for officials, an entity). Only the hash
    of its code is kept: a code read from the database cannot be used."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    mesa_id: int = Field(foreign_key="mesa.id", index=True)
    role: str = Field(max_length=20)
    entity_id: int | None = Field(default=None, foreign_key="entity.id")
    created_by_id: int = Field(foreign_key="member.id")
    max_uses: int = Field(default=1)
    uses: int = Field(default=0)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class AccountLinkCode(SQLModel, table=True):
    """A one-time code a member asked for to link their account on another platform
    (``/canal slack`` on Telegram, ``/mesa canal telegram`` on Slack). As for
    invitations, only its hash is kept."""

    __tablename__ = "account_link_code"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    platform: str = Field(max_length=12)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConversationDraft(SQLModel, table=True):
    """An unfinished multi-step input (``/problema`` asked in two questions), kept here so
    a restart or another process carries the conversation on. Old drafts are ignored
    and purged: a question left unanswered for long is not resumed by surprise."""

    __tablename__ = "conversation_draft"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=12)
    chat_id: str = Field(max_length=40)
    user_id: str = Field(max_length=40)
    step: str = Field(max_length=12)
    title: str = Field(default="", sa_type=Text)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class SessionSeries(SQLModel, table=True):
    """Sessions that recur: every ``every_weeks`` weeks on ``weekday`` at ``at_time``
    (local "HH:MM" in the mesa's zone), counted from ``anchor_on``; or, when
    ``week_of_month`` is set, on that ``weekday`` of each month (1 to 4, -1 the last),
    from ``anchor_on``'s month. A series ends (is replaced or stopped) but is never
    deleted, so its occurrences keep their origin."""

    __tablename__ = "session_series"

    id: int | None = Field(default=None, primary_key=True)
    mesa_id: int = Field(foreign_key="mesa.id", index=True)
    kind: str = Field(default="regular", max_length=12)
    weekday: int
    at_time: str = Field(max_length=5)
    every_weeks: int = Field(default=1)
    anchor_on: date
    created_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    week_of_month: int | None = Field(default=None)


class SeriesOccurrence(SQLModel, table=True):
    """One slot of a series and the session generated for it. The slot stays taken when
    its session is moved or cancelled, so the series never generates that day again."""

    __tablename__ = "series_occurrence"
    __table_args__ = (UniqueConstraint("series_id", "slot_on"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="session_series.id", index=True)
    slot_on: date
    session_id: int = Field(foreign_key="mesa_session.id", unique=True)
