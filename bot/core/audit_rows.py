"""Live rows against the audited state: a bottleneck, an action or a progress text edited
behind the bot's back (straight in the database) differs from the last audit event about it.

Every use case that changes one of these rows records, in its event's ``after``, the
columns it set; folding a reference's events in order gives what the row should hold.
Columns no event names keep the table's default, so a value slipped into one is noticed too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from pydantic_core import PydanticUndefined
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.tables import Action, AuditEvent, Bottleneck, ProgressUpdate


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
    return problems
