"""Live rows against the audited state: a bottleneck, an action or a progress text edited
behind the bot's back (straight in the database) differs from the last audit event about it.

Every use case that changes one of these rows records, in its event's ``after``, the
columns it set; folding a reference's events in order gives what the row should hold.
Columns no event names keep the table's default, so a value slipped into one is noticed too.

Who someone is matters as much as what they wrote: a membership's role or entity, the
chat accounts that say which member is writing, and which chat is a mesa's team chat are
held against their events too, else ``UPDATE membership SET role = 'coordinator'`` would
make anyone a coordinator without a trace.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pydantic_core import PydanticUndefined
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.tables import (
    Action,
    AuditEvent,
    Bottleneck,
    ChatLink,
    Entity,
    Invitation,
    Member,
    Membership,
    ProgressUpdate,
)


def _plain(value: Any) -> Any:
    """A column's value as an event's JSON holds it."""
    return value.isoformat() if isinstance(value, datetime | date) else value


#: Columns the audit carries for each kind of row, so a row edited behind the bot's back
#: differs from the last event about it. Event keys that name a column differently are
#: mapped in :data:`_ALIASES`.
_BOTTLENECK_COLUMNS = (
    "title", "detail", "status", "status_reason", "owner_class", "request_kind", "root_cause",
    "impact", "ease", "responsible_entity_id", "credited_entity_id", "duplicate_of_id",
)
_ACTION_COLUMNS = (
    "text", "bottleneck", "status", "owner_id", "owner_entity_id", "confirmed_by_id",
    "due_on", "blocked_reason", "blocked_detail",
)
_ALIASES = {"reason": "status_reason"}


def _defaults(model: type[Any], columns: Sequence[str]) -> dict[str, Any]:
    """A new row's values before any event sets them: the table's own defaults."""
    fields = model.model_fields
    return {
        c: _plain(fields[c].default) for c in columns
        if c in fields and fields[c].default is not PydanticUndefined
    }


def _fold(events: Iterable[AuditEvent], prefix: str, columns: Sequence[str],
          model: type[Any]) -> dict[tuple[int, str], dict[str, Any]]:
    """The last audited value of every column, per (mesa, reference)."""
    state: dict[tuple[int, str], dict[str, Any]] = {}
    for event in events:
        if event.mesa_id is None or not event.kind.startswith(prefix):
            continue
        values = state.setdefault((event.mesa_id, event.subject), _defaults(model, columns))
        for name, value in (event.after or {}).items():
            name = _ALIASES.get(name, name) if prefix == "bottleneck." else name
            if name in columns:
                values[name] = value
    return state


def _compare(
    where: str, live: dict[str, Any], audited: dict[str, Any] | None, problems: list[str]
) -> None:
    if audited is None:
        problems.append(f"{where}: not in the audit trail")
        return
    for name, value in live.items():
        if name in audited and _plain(value) != audited[name]:
            problems.append(f"{where}: {name} is {value!r} but the audit says {audited[name]!r}")


async def check_live_rows(session: AsyncSession, events: list[AuditEvent]) -> list[str]:
    problems: list[str] = []
    events = sorted(events, key=lambda e: (e.chain_key, e.seq))
    bottlenecks = _fold(events, "bottleneck.", _BOTTLENECK_COLUMNS, Bottleneck)
    actions = _fold(events, "action.", _ACTION_COLUMNS, Action)
    numbers: dict[int, str] = {}
    seen: set[tuple[int, str]] = set()
    for row in (await session.exec(select(Bottleneck).order_by(col(Bottleneck.id)))).all():
        ref = f"P-{row.number}"
        numbers[row.id or 0] = ref
        seen.add((row.mesa_id, ref))
        live = {c: getattr(row, c) for c in _BOTTLENECK_COLUMNS}
        _compare(f"mesa:{row.mesa_id} {ref}", live, bottlenecks.get((row.mesa_id, ref)),
                 problems)
    action_numbers: dict[int, str] = {}
    for action in (await session.exec(select(Action).order_by(col(Action.id)))).all():
        ref = f"A-{action.number}"
        action_numbers[action.id or 0] = ref
        seen.add((action.mesa_id, ref))
        live = {c: getattr(action, c) for c in _ACTION_COLUMNS if c != "bottleneck"}
        live["bottleneck"] = numbers.get(action.bottleneck_id, "?")
        _compare(f"mesa:{action.mesa_id} {ref}", live, actions.get((action.mesa_id, ref)),
                 problems)
    for mesa_id, ref in sorted({*bottlenecks, *actions} - seen):
        problems.append(f"mesa:{mesa_id} {ref}: in the audit trail but no longer in the database")

    progress: dict[int, AuditEvent] = {}
    for event in events:
        progress_id = (event.after or {}).get("progress")
        if isinstance(progress_id, int):
            progress[progress_id] = event
    for update in (await session.exec(select(ProgressUpdate).order_by(col(ProgressUpdate.id)))):
        posted = progress.pop(update.id or 0, None)
        ref = (action_numbers.get(update.action_id, "?") if update.action_id is not None
               else numbers.get(update.bottleneck_id or 0, "?"))
        where = f"mesa:{update.mesa_id} progress on {ref} at {update.at.isoformat()}"
        if posted is None:
            problems.append(f"{where}: not in the audit trail")
            continue
        after = posted.after or {}
        audited = {"text": after.get("text" if posted.kind == "progress.posted" else "note"),
                   "ref": posted.subject, "author_id": posted.actor_id,
                   "mesa_id": posted.mesa_id}
        live = {"text": update.text, "ref": ref, "author_id": update.author_id,
                "mesa_id": update.mesa_id}
        _compare(where, live, audited, problems)
    for event in progress.values():
        problems.append(
            f"mesa:{event.mesa_id} progress on {event.subject} at {event.at.isoformat()}: "
            "in the audit trail but no longer in the database"
        )
    await _check_memberships(session, events, problems)
    await _check_identities(session, events, problems)
    await _check_chat_links(session, events, problems)
    await _check_invitations(session, events, problems)
    return problems


#: A membership as every event that changes one carries it, whole, in its ``after``
#: (``membership_state`` in ``bot.core.members``); the first three keys mark such an
#: event, whatever its kind, so a new use case that follows the contract is checked too.
_MEMBERSHIP_KEYS = ("role", "active", "removed", "entity", "pending_role", "pending_entity")
_MEMBERSHIP_MARK = frozenset(_MEMBERSHIP_KEYS[:3])


def _gone(where: str) -> str:
    return f"{where}: in the audit trail but no longer in the database"


async def _check_memberships(
    session: AsyncSession, events: list[AuditEvent], problems: list[str]
) -> None:
    """Each membership against the last event about it in its mesa's chain (``events``
    come in chain order), entities by name as the events give them."""
    audited: dict[tuple[int, str], dict[str, Any]] = {}
    for event in events:
        after = event.after or {}
        if event.mesa_id is not None and after.keys() >= _MEMBERSHIP_MARK:
            audited[(event.mesa_id, event.subject)] = {k: after.get(k) for k in _MEMBERSHIP_KEYS}
    names = {e.id: e.name for e in (await session.exec(select(Entity))).all()}

    def entity(entity_id: int | None) -> str | None:
        return names.get(entity_id, f"#{entity_id}") if entity_id is not None else None

    seen: set[tuple[int, str]] = set()
    rows = await session.exec(
        select(Membership, Member.handle).join(Member, col(Member.id) == Membership.member_id)
        .order_by(col(Membership.mesa_id), col(Member.handle))
    )
    for membership, handle in rows.all():
        key = (membership.mesa_id, handle)
        seen.add(key)
        live = {
            "role": membership.role, "active": membership.active,
            "removed": membership.removed_at is not None,
            "entity": entity(membership.entity_id), "pending_role": membership.pending_role,
            "pending_entity": entity(membership.pending_entity_id),
        }
        _compare(f"mesa:{membership.mesa_id} @{handle}", live, audited.get(key), problems)
    for mesa_id, handle in sorted(audited.keys() - seen):
        problems.append(_gone(f"mesa:{mesa_id} @{handle}"))


#: A member's chat accounts, and the platform they chose for private notices (/canal):
#: a choice changed behind the bot's back would send their notices elsewhere. The
#: platform they last wrote from is bookkeeping that every message may change: no event
#: carries it, and it is not held against any.
_IDENTITY_KEYS = ("telegram_user_id", "slack_user_id", "channel")


async def _check_identities(
    session: AsyncSession, events: list[AuditEvent], problems: list[str]
) -> None:
    """Each member's chat accounts (the bot's whole idea of who is writing) and chosen
    platform against their events. A member is created once: by an administrator
    (``member.created``, in the global chain) or by joining with an invitation (in that
    mesa's chain, the only mesa event that carries accounts); every later change is in
    the global chain. So the creation comes first, then the global chain in its order:
    no cross-chain ordering is needed."""
    carrying = [e for e in events if any(k in (e.after or {}) for k in _IDENTITY_KEYS)]
    created = [e for e in carrying if e.kind == "member.created" or e.mesa_id is not None]
    later = [e for e in carrying if e.mesa_id is None and e.kind != "member.created"]
    audited: dict[str, dict[str, Any]] = {}
    for event in [*created, *later]:
        values = audited.setdefault(event.subject, dict.fromkeys(_IDENTITY_KEYS))
        values.update({k: v for k, v in (event.after or {}).items() if k in _IDENTITY_KEYS})
    seen: set[str] = set()
    for member in (await session.exec(select(Member).order_by(col(Member.handle)))).all():
        seen.add(member.handle)
        live = {k: getattr(member, k) for k in _IDENTITY_KEYS}
        _compare(f"member @{member.handle}", live, audited.get(member.handle), problems)
    for handle in sorted(audited.keys() - seen):
        problems.append(_gone(f"member @{handle}"))


async def _check_chat_links(
    session: AsyncSession, events: list[AuditEvent], problems: list[str]
) -> None:
    """Each chat link, (platform, chat) to (mesa, purpose), against the events that made
    it, replaying ``Chats.link``'s rule: a chat is linked once, and a mesa has one chat
    per purpose and platform. A link may pass from one mesa's chain to another's, so
    events are taken in time order (the row id breaks ties, as it grows with inserts)."""
    links: dict[tuple[str, str], dict[str, Any]] = {}
    for event in sorted((e for e in events if e.kind in ("chat.linked", "chat.migrated")),
                        key=lambda e: (e.at, e.id or 0)):
        platform, _, chat_id = event.subject.partition(":")
        purpose = (event.after or {}).get("purpose")
        if event.kind == "chat.migrated":
            links.pop((platform, str((event.before or {}).get("chat"))), None)
        for key, link in list(links.items()):
            if key[0] == platform and (key[1] == chat_id or (
                    link["mesa"] == event.mesa_id and link["purpose"] == purpose)):
                del links[key]
        links[(platform, chat_id)] = {"mesa": event.mesa_id, "purpose": purpose}
    seen: set[tuple[str, str]] = set()
    rows = await session.exec(
        select(ChatLink).order_by(col(ChatLink.platform), col(ChatLink.chat_id)))
    for row in rows.all():
        key = (row.platform, row.chat_id)
        seen.add(key)
        _compare(f"chat {row.platform}:{row.chat_id}",
                 {"mesa": row.mesa_id, "purpose": row.purpose}, links.get(key), problems)
    for platform, chat_id in sorted(links.keys() - seen):
        problems.append(_gone(f"chat {platform}:{chat_id}"))


async def _check_invitations(
    session: AsyncSession, events: list[AuditEvent], problems: list[str]
) -> None:
    """Each invitation that can still let someone in against the event that made it and
    the joins that used it (both name it by the start of its code's hash). One that
    cannot (used up, or expired by the newest event) lets nobody in, so it is left alone:
    invitations made before the events named them stop being reported within a week.
    "Now" is the newest event's time, so the check reads the same on any day."""
    if not events:
        return
    latest = max(e.at for e in events)
    made: dict[str, dict[str, Any]] = {}
    used: Counter[str] = Counter()
    for event in events:  # a mesa's invitations live in its chain: chain order will do
        after = event.after or {}
        key = after.get("invitation")
        if event.kind == "invitation.revoked":
            _revoke(made, used, event)
        elif not isinstance(key, str):
            continue
        elif event.kind == "invitation.created":
            made[key] = {"mesa": event.mesa_id, "role": event.subject,
                         "entity": after.get("entity"), "max_uses": after.get("uses"),
                         "expires_at": after.get("expires_at"), "by": event.actor_id}
        else:
            used[key] += 1
    names = {e.id: e.name for e in (await session.exec(select(Entity))).all()}
    for row in (await session.exec(select(Invitation).order_by(col(Invitation.id)))).all():
        if row.uses >= row.max_uses or row.expires_at <= latest:
            continue
        key = row.code_hash[:16]
        audited = made.get(key)
        live = {"mesa": row.mesa_id, "role": row.role,
                "entity": names.get(row.entity_id) if row.entity_id is not None else None,
                "max_uses": row.max_uses, "uses": row.uses,
                "expires_at": row.expires_at.astimezone(UTC).isoformat()}
        _compare(f"mesa:{row.mesa_id} invitation {key}", live,
                 {**audited, "uses": used[key]} if audited else None, problems)


def _revoke(made: dict[str, dict[str, Any]], used: Counter[str], event: AuditEvent) -> None:
    """Replay a removed coordinator's invitations being stopped (``invitation.revoked``,
    whose subject is that member's id): each they made in that mesa that could still be
    used expires then, so one set going again afterwards differs from the audit."""
    at = event.at.astimezone(UTC)
    for key, invitation in made.items():
        expires = invitation["expires_at"]
        if (invitation["mesa"] == event.mesa_id and str(invitation["by"]) == event.subject
                and isinstance(expires, str) and datetime.fromisoformat(expires) > at
                and used[key] < (invitation["max_uses"] or 0)):
            invitation["expires_at"] = at.isoformat()
