"""The agenda the dedicated team takes into each session.

It leads with the prioritized few, their actions and the progress posted since the
previous session; then what was due, what is overdue and blocked, what awaits triage or
confirmation, and whether the mesa keeps its cadence. Compiled by a coordinator for a
scheduled session, it is stored with the session as it was compiled.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit, sections
from bot.core.context import Actor, UseCases, load_acting, locked
from bot.core.directory import Directory
from bot.core.enums import (
    ActionStatus,
    Cadence,
    Role,
    SessionStatus,
)
from bot.core.errors import AgendaNotSent, SessionNotFound
from bot.core.permissions import Op
from bot.core.progress import progress_views
from bot.core.reading import OPEN_ACTION
from bot.core.sessions import MOMENTUM_DAYS, held_since, last_held, next_session, session_view
from bot.core.views import ActionView, Agenda, AgendaItem, MesaView, Momentum
from bot.storage.tables import Action, Bottleneck, Mesa, MesaSession, ProgressUpdate

#: Without a previous session, progress of the last two weeks is shown.
DEFAULT_LOOKBACK = timedelta(days=14)
#: What was due since the previous session: owned promises, kept or not.
DUE_STATUSES = [s.value for s in (ActionStatus.CLAIMED, ActionStatus.CONFIRMED,
                                  ActionStatus.BLOCKED, ActionStatus.DONE)]
#: Promises that can be late (a proposal has no owner to be late yet).
OVERDUE_STATUSES = [s.value for s in (ActionStatus.CLAIMED, ActionStatus.CONFIRMED,
                                      ActionStatus.BLOCKED)]


#: The short agenda, to read on a phone (three Telegram messages at most, for a mesa of
#: any size): the prioritized few in full, each with its latest actions and progress,
#: and every other list cut to its first few, with how many more there are.
SHORT_PRIORITIZED = 5
SHORT_ACTIONS = 3
SHORT_PROGRESS = 2
SHORT_LIST = 5
_LISTS = ("due", "overdue", "blocked", "awaiting_triage", "awaiting_confirmation",
          "out_of_focus")


def shorten(agenda: Agenda) -> Agenda:
    """The agenda cut to what a phone shows; what was left out is counted, not lost
    (the documents attached to it, and the matrix, keep it)."""
    items = [
        dataclasses.replace(
            item, actions=item.actions[:SHORT_ACTIONS],
            progress=item.progress[-SHORT_PROGRESS:] if item.progress else [],
            more_actions=item.more_actions + max(0, len(item.actions) - SHORT_ACTIONS),
            more_progress=item.more_progress + max(0, len(item.progress) - SHORT_PROGRESS),
        )
        for item in agenda.prioritized[:SHORT_PRIORITIZED]
    ]
    more = dict(agenda.more)
    cut: dict[str, Any] = {}
    for name in _LISTS:
        full = getattr(agenda, name)
        cut[name] = full[:SHORT_LIST]
        more[name] = more.get(name, 0) + max(0, len(full) - SHORT_LIST)
    more["prioritized"] = more.get("prioritized", 0) + max(
        0, len(agenda.prioritized) - SHORT_PRIORITIZED)
    return dataclasses.replace(agenda, prioritized=items, more=more, queue=[], actions={},
                               whole=False, **cut)


async def gather(s: AsyncSession, *, mesa: Mesa, role: Role, target: MesaSession | None,
                 now: datetime) -> Agenda:
    """The whole agenda of ``mesa`` for ``target`` (or for now, with no session): every
    list complete, and the rest of the open matrix with every open action, so that the
    short agenda and the documents attached to it are made from one compilation."""
    assert mesa.id is not None
    mesa_id = mesa.id
    tz = ZoneInfo(mesa.timezone)
    horizon = target.starts_at if target else now
    previous = await last_held(s, mesa_id, horizon)
    since = previous.starts_at if previous else now - DEFAULT_LOOKBACK
    directory = await Directory.load(s, mesa_id)
    today = now.astimezone(tz).date()
    session_day = horizon.astimezone(tz).date()

    # Each list is read in SQL, its first rows in order and a count of the rest, so the
    # agenda of a mesa of any size is compiled in about the same time.
    more: dict[str, int] = {}
    shown: dict[str, list[Any]] = {}
    for name, where, order in (
        ("prioritized", sections.FOCUS, sections.BY_PRIORITY),
        ("awaiting_triage", sections.TRIAGE, sections.BY_NUMBER),
        ("out_of_focus", sections.OUT_OF_FOCUS, sections.BY_PRIORITY),
        ("queue", sections.QUEUE, sections.BY_PRIORITY),
    ):
        shown[name], total = await sections.bottlenecks(s, mesa_id, where, order)
        more[name] = max(0, total - len(shown[name]))
    ids = [b.id for rows in shown.values() for b in rows]
    lists: dict[str, list[Any]] = {"open": list(await s.exec(
        sections.columns(Action)
        .where(col(Action.bottleneck_id).in_(ids), col(Action.status).in_(OPEN_ACTION))
        .order_by(col(Action.number))
    )) if ids else []}
    for name, query in (
        ("due", sections.columns(Action)
         .where(Action.mesa_id == mesa_id, col(Action.due_on).is_not(None),
                col(Action.due_on) >= since.astimezone(tz).date(),
                col(Action.due_on) <= session_day,
                col(Action.status).in_(DUE_STATUSES))
         .order_by(col(Action.due_on), col(Action.number))),
        ("overdue", sections.columns(Action)
         .where(Action.mesa_id == mesa_id, col(Action.due_on) < today,
                col(Action.status).in_(OVERDUE_STATUSES))
         .order_by(col(Action.due_on), col(Action.number))),
        ("blocked", sections.columns(Action)
         .where(Action.mesa_id == mesa_id, Action.status == ActionStatus.BLOCKED.value)
         .order_by(col(Action.number))),
        ("awaiting_confirmation", sections.columns(Action)
         .where(Action.mesa_id == mesa_id, Action.status == ActionStatus.CLAIMED.value)
         .order_by(col(Action.number))),
    ):
        lists[name], total = await sections.first(s, query)
        more[name] = max(0, total - len(lists[name]))
    # Every action shown becomes a view once, whichever lists it is in.
    rows = {a.id: a for group in lists.values() for a in group}
    views = dict(zip(rows, await directory.actions(s, list(rows.values()), today=today),
                     strict=True))
    action_views = {name: [views[a.id] for a in group] for name, group in lists.items()}
    actions: dict[str, list[ActionView]] = {}
    for action in action_views["open"]:
        actions.setdefault(action.bottleneck_ref, []).append(action)

    focus = shown["prioritized"]
    focus_ids = [b.id for b in focus]
    progress_rows = list(await s.exec(
        select(ProgressUpdate)
        .where(col(ProgressUpdate.bottleneck_id).in_(focus_ids), ProgressUpdate.at >= since)
        .order_by(col(ProgressUpdate.at))
    )) if focus_ids else []
    progress = await progress_views(s, directory, progress_rows)
    progress_by_bottleneck: dict[int, list[int]] = {}
    for index, row in enumerate(progress_rows):
        if row.bottleneck_id is not None:
            progress_by_bottleneck.setdefault(row.bottleneck_id, []).append(index)
    prioritized = []
    for b in focus:
        view = directory.bottleneck(b)
        prioritized.append(AgendaItem(
            bottleneck=view, actions=actions.get(view.ref, []),
            progress=[progress[i] for i in progress_by_bottleneck.get(b.id or 0, [])],
        ))
    resolved = (await s.exec(
        select(func.count()).select_from(Bottleneck)
        .where(Bottleneck.mesa_id == mesa_id)
        .where(col(Bottleneck.resolved_at).is_not(None))
        .where(col(Bottleneck.resolved_at) >= since)
    )).one()
    cadence = Cadence(mesa.cadence)
    return Agenda(
        mesa=MesaView(slug=mesa.slug, name=mesa.name, timezone=mesa.timezone,
                      language=mesa.language, cadence=mesa.cadence,
                      priority_limit=mesa.priority_limit, role=role.value),
        session=session_view(target) if target else None,
        since=previous.starts_at if previous else None,
        prioritized=prioritized,
        due=action_views["due"],
        overdue=action_views["overdue"],
        blocked=action_views["blocked"],
        awaiting_triage=[directory.bottleneck(b) for b in shown["awaiting_triage"]],
        awaiting_confirmation=action_views["awaiting_confirmation"],
        momentum=Momentum(
            cadence=cadence.value,
            held_last_90_days=await held_since(
                s, mesa_id, now - timedelta(days=MOMENTUM_DAYS)
            ),
            expected_last_90_days=min(
                MOMENTUM_DAYS, (now - mesa.created_at).days
            ) // cadence.days,
            resolved_since_last_session=int(resolved),
            last_held=session_view(previous) if previous else None,
        ),
        compiled_at=now,
        out_of_focus=[directory.bottleneck(b) for b in shown["out_of_focus"]],
        queue=[directory.bottleneck(b) for b in shown["queue"]],
        more={name: count for name, count in more.items() if count},
        actions=actions,
        whole=True,
    )


def agenda_from_params(data: dict[str, Any]) -> Agenda:
    """The agenda a notice carries, back from its JSON."""
    agenda = _decode(Agenda, data)
    assert isinstance(agenda, Agenda)
    return agenda


def _decode(kind: Any, value: Any) -> Any:
    """``value`` (as :func:`bot.core.audit.jsonable` wrote it) as an instance of ``kind``:
    dataclasses, lists, optionals, dates and times, by their type hints."""
    return _decoder(kind)(value)


@functools.cache
def _decoder(kind: Any) -> Callable[[Any], Any]:
    """How to decode a value of ``kind``, worked out once per type: the whole agenda of
    a big mesa has thousands of items, and reading type hints for each took seconds."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        inner = _decoder(next(a for a in typing.get_args(kind) if a is not type(None)))
        return lambda v: None if v is None else inner(v)
    if origin is list:
        item = _decoder(typing.get_args(kind)[0])
        return lambda v: None if v is None else [item(x) for x in v]
    if origin is dict:
        entry = _decoder(typing.get_args(kind)[1])
        return lambda v: None if v is None else {k: entry(x) for k, x in v.items()}
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        hints = typing.get_type_hints(kind)
        fields = [(f.name, _decoder(hints[f.name])) for f in dataclasses.fields(kind)]
        return lambda v: None if v is None else kind(
            **{name: decode(v[name]) for name, decode in fields if name in v})
    if kind is datetime:
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if kind is date:
        return lambda v: None if v is None else date.fromisoformat(v)
    return lambda v: v


def as_sent(session: MesaSession) -> Agenda | None:
    """The agenda stored with ``session`` as it went to the team and the group, if the
    scheduler sent it (a coordinator's compilation before that is not "sent")."""
    if not session.agenda or not session.agenda.get("sent_at"):
        return None
    return agenda_from_params(session.agenda)


class Agendas(UseCases):
    async def compile(self, *, actor: Actor, session_number: int | None = None,
                      source: str = "") -> Agenda:
        """The whole agenda for the next regular session, or session ``session_number``
        as it was sent (compiled now if it is still to come and was not sent yet).

        Anyone in the mesa may read it; when a coordinator compiles it for a scheduled
        session whose agenda has not gone out, it is stored with that session as it was
        compiled, and the compilation is recorded. The agenda sent is never replaced.
        """
        now = self.clock.now()
        # Read in a reading transaction: compiling a large mesa's agenda must hold no
        # write lock (on SQLite, every other write of every mesa would wait for it).
        async with self.db.read() as s:
            acting = await load_acting(s, actor, Op.COMPILE_AGENDA)
            mesa_id = acting.mesa_id
            if session_number is not None:
                target = (await s.exec(
                    select(MesaSession)
                    .where(MesaSession.mesa_id == mesa_id, MesaSession.number == session_number)
                )).first()
                if target is None:
                    raise SessionNotFound(number=session_number)
                sent = as_sent(target)
                if sent is not None:
                    return sent
                if target.status != SessionStatus.SCHEDULED:
                    raise AgendaNotSent(number=session_number, status=target.status)
            else:
                target = await next_session(s, mesa_id, now)
            agenda = await gather(s, mesa=acting.mesa, role=acting.role, target=target, now=now)
        if target is None or acting.role is not Role.COORDINATOR or as_sent(target) is not None:
            return agenda
        await self._keep(actor, target.id, agenda, now=now, source=source)
        return agenda

    async def _keep(self, actor: Actor, session_id: int | None, agenda: Agenda, *,
                    now: datetime, source: str) -> None:
        """Store a coordinator's compiled agenda with its session and record it, in a
        short write of its own: the role is checked again, and an agenda sent meanwhile
        is never replaced."""
        async with self.db.write() as s:
            acting = await load_acting(s, actor, Op.COMPILE_AGENDA)
            target = (await s.exec(locked(
                select(MesaSession).where(MesaSession.id == session_id)))).first()
            if target is None or acting.role is not Role.COORDINATOR \
                    or as_sent(target) is not None:
                return
            short = shorten(agenda)
            target.agenda = audit.jsonable(dataclasses.asdict(agenda))
            target.agenda_compiled_at = now
            s.add(target)
            await audit.record(
                s, at=now, mesa_id=acting.mesa_id, actor_id=acting.member_id,
                kind="agenda.compiled", subject=f"S-{target.number}", source=source,
                after={"prioritized": [i.bottleneck.ref for i in short.prioritized],
                       "overdue": [a.ref for a in short.overdue]},
            )
